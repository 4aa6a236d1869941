/**
 * Loopback stand-ins for the Google endpoints that Application Default Credentials talk to, so
 * `google-auth-library` can obtain real-looking tokens with no network but 127.0.0.1. One HTTP
 * server serves them all:
 *
 * - GitHub's OIDC token endpoint (what ACTIONS_ID_TOKEN_REQUEST_URL points at):
 *   `GET /_apis/distributedtask/hubs/Actions/plans/P/jobs/J/idtoken?api-version=2.0&audience=A`
 *   with `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` → `{"count":N,"value":"<jwt>"}`.
 *   The JWT is signed with an in-memory HMAC key, so STS can tell ours from forged ones.
 * - Security Token Service `POST /v1/token` (form, as google-auth-library sends it; or JSON with
 *   camelCase keys, as google-github-actions/auth sends it): token exchange of that JWT, or of an
 *   AWS GetCallerIdentity request SigV4-signed with keys from `createAwsKeys`, for a federated
 *   access token; Google STS's 400s (`invalid_request` for a malformed audience,
 *   `invalid_target` for an unknown provider, `invalid_grant` for a bad subject token).
 *   `POST /v1/oauthtoken`: the refresh-token grant of a workforce user (HTTP Basic client).
 * - Google's OAuth 2.0 token endpoint `POST /token` (reached as https://oauth2.googleapis.com
 *   through test/support/google-front.ts): the JWT bearer grant, checked against the public
 *   halves of `createServiceAccountKey`'s keys, and the refresh-token grant of
 *   `createAuthorizedUser`'s users.
 * - IAM Credentials `POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken`
 *   (Bearer = any live token issued here but an impersonated one) → `{accessToken, expireTime}`.
 * - A GCE metadata server at `/computeMetadata/v1/…` (point GCE_METADATA_HOST at `host`):
 *   `instance` (the availability probe), `instance/service-accounts/{default|email}/token|email`,
 *   `project/project-id`, `project/numeric-project-id`, `universe/universe-domain`; each needs
 *   `Metadata-Flavor: Google` and answers with it. It hands out one token until it nears expiry,
 *   like the real one. `setMetadataEnabled(false)` makes it answer 404 (not on GCE).
 * - Cloud Resource Manager `GET /v1/projects/{number}`, which google-auth-library calls to find a
 *   project id for an external_account credential: 403 by default (a CI service account has no
 *   resourcemanager.projects.get), or a project when configured. Only reachable when a
 *   credentials file names it with `cloud_resource_manager_url` — the real default is
 *   cloudresourcemanager.googleapis.com, which is why the tests watch for that call.
 *
 * Every token issued goes to the `onIssue` listeners and, with `gcsAuth`, straight into the
 * loopback GCS server's token checker (src/demo/gcs-server.ts) with its principal and expiry.
 * `revoke` withdraws one mid-run: GCS refuses it and its issuer forgets it.
 * `writeExternalAccountFile` writes the credentials file google-github-actions/auth (v2 and v3)
 * writes for Workload Identity Federation (src/client/workload_identity_federation.ts there),
 * with loopback URLs. `startEgressGuard` is a refusing proxy that catches (and records) any
 * request Google's libraries try to make off loopback.
 */
import { createHmac, generateKeyPairSync, randomBytes, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import type { GcsAuth, GcsPermission } from '../../src/demo/gcs-server.ts';
import { EMPTY_SHA256, SigV4Signer } from '../../src/ports/sigv4.ts';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  /** Service account email, or the federated principal://… of the GitHub subject. */
  principal: string;
  via: 'sts' | 'impersonation' | 'metadata' | 'jwt-bearer' | 'refresh-token';
}

/** A service-account key file, as `gcloud iam service-accounts keys create` writes it. */
export interface ServiceAccountKeyJson {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  [k: string]: string;
}

/** gcloud's ADC file after `gcloud auth application-default login`. */
export interface AuthorizedUserJson {
  type: 'authorized_user';
  client_id: string;
  client_secret: string;
  refresh_token: string;
  [k: string]: string;
}

export interface TokenServiceOptions {
  /** Lifetime of every access token issued, seconds (impersonation: at most this); default 3600. */
  lifetimeSeconds?: number;
  /** Workload identity provider resource name (no leading //iam.googleapis.com/). */
  providerName?: string;
  /** What the fake GitHub endpoint wants as bearer; default 'gha-request-token'. */
  githubRequestToken?: string;
  /** owner/repo in the GitHub OIDC token's claims. */
  repository?: string;
  /** Service accounts the federated identity may impersonate; default [DEFAULT_SERVICE_ACCOUNT]. */
  serviceAccounts?: string[];
  /** The metadata server's default service account and project. */
  metadata?: { email?: string; projectId?: string; numericProjectId?: string; enabled?: boolean };
  /** Cloud Resource Manager answer: 'forbidden' (default) or a project id to report. */
  resourceManager?: 'forbidden' | { projectId: string };
  /** Grant every issued token on the loopback GCS server, with these permissions (default: the principal's). */
  gcsAuth?: GcsAuth;
  gcsPermissions?: GcsPermission[];
}

export interface TokenServiceCounts {
  /** GitHub OIDC tokens served. */
  oidc: number;
  /** STS exchanges answered 200, and refused. */
  sts: number;
  stsRejected: number;
  impersonation: number;
  impersonationRejected: number;
  /** Metadata token requests, and the distinct tokens they handed out. */
  metadataTokenRequests: number;
  metadataTokensIssued: number;
  /** Other metadata reads (the probe, project-id, email…). */
  metadataOther: number;
  resourceManager: number;
  /** Google OAuth 2.0 token endpoint (POST /token): JWT bearer and refresh-token grants answered 200, and refused. */
  oauth: number;
  oauthRejected: number;
}

export interface TokenService {
  /** http://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT: the GCE_METADATA_HOST form. */
  host: string;
  providerName: string;
  /** The STS audience: //iam.googleapis.com/{providerName}. */
  audience: string;
  /** The GitHub OIDC audience the action asks for: https://iam.googleapis.com/{providerName}. */
  oidcAudience: string;
  /** The env a GitHub job step sees with `id-token: write`. */
  githubEnv: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** A GitHub OIDC JWT this STS accepts (for credential_source.file). */
  mintOidcToken(opts?: { audience?: string; expiresInSeconds?: number; sub?: string }): string;
  onIssue(listener: (t: IssuedToken) => void): () => void;
  issued: IssuedToken[];
  counts(): TokenServiceCounts;
  /** Each request: method, path (no query), status. */
  requests: Array<{ method: string; path: string; status: number }>;
  setLifetime(seconds: number): void;
  setMetadataEnabled(on: boolean): void;
  /**
   * Revokes an access token everywhere: GCS refuses it from now on, and the issuer forgets it
   * (the metadata server hands out a new one; impersonation refuses it as a source token).
   */
  revoke(token: string): void;
  /** A new key of a service account (which then exists) for the OAuth 2.0 JWT bearer grant. */
  createServiceAccountKey(email: string): ServiceAccountKeyJson;
  /** A user's OAuth client and refresh token (the refresh-token grant). */
  createAuthorizedUser(email: string): AuthorizedUserJson;
  /** AWS keys whose signed GetCallerIdentity STS takes for `arn` (an external_account of AWS). */
  createAwsKeys(arn: string): { accessKeyId: string; secretAccessKey: string };
  /** Every request goes here: the loopback port, and the Google front (test/support/google-front.ts). */
  listener: http.RequestListener;
  close(): Promise<void>;
}

/** Where Google's OAuth 2.0 token endpoint is (google-auth-library calls it, whatever a file's token_uri says). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export const DEFAULT_PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/socorro-reprocess';
export const DEFAULT_SERVICE_ACCOUNT = 'reprocess@socorro-test.iam.gserviceaccount.com';
export const METADATA_EMAIL = '123456789012-compute@developer.gserviceaccount.com';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TYPES = new Set(['urn:ietf:params:oauth:token-type:jwt', 'urn:ietf:params:oauth:token-type:id_token']);
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const PROVIDER_RE = /^\/\/iam\.googleapis\.com\/projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;
const IDTOKEN_PATH_RE = /^\/_apis\/distributedtask\/hubs\/Actions\/plans\/[^/]+\/jobs\/[^/]+\/idtoken$/;
const GENERATE_RE = /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/;
const CRM_RE = /^\/v1\/projects\/([^/]+)$/;
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const AWS_REQUEST_TYPE = 'urn:ietf:params:aws:token-type:aws4_request';

const b64url = (v: string | Buffer): string => Buffer.from(v).toString('base64url');

/**
 * When a token issued now stops working. STS and the metadata server say `expires_in` (whole
 * seconds from now, which the client adds to its clock); IAM says `expireTime` to the second,
 * so that instant is floored to what the client will read.
 */
function expiryAfter(seconds: number, toTheSecond: boolean): Date {
  const t = Date.now() + seconds * 1000;
  return new Date(toTheSecond ? Math.floor(t / 1000) * 1000 : t);
}
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}
const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body: JSON.stringify(body),
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
});
const stsError = (error: string, description: string): Reply => json(400, { error, error_description: description });
/** The shape Google's newer APIs (IAM Credentials, Resource Manager) use. */
const apiError = (code: number, message: string, status: string): Reply => json(code, { error: { code, message, status } });

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTokenService(opts: TokenServiceOptions = {}): Promise<TokenService> {
  let lifetime = opts.lifetimeSeconds ?? 3600;
  const providerName = opts.providerName ?? DEFAULT_PROVIDER;
  const audience = `//iam.googleapis.com/${providerName}`;
  const oidcAudience = `https://iam.googleapis.com/${providerName}`;
  const provider = PROVIDER_RE.exec(audience);
  if (!provider) throw new Error(`bad provider name: ${providerName}`);
  const [, projectNumber, pool] = provider;
  const requestToken = opts.githubRequestToken ?? 'gha-request-token';
  const repository = opts.repository ?? 'mozilla-services/socorro-reprocess';
  const serviceAccounts = new Set(opts.serviceAccounts ?? [DEFAULT_SERVICE_ACCOUNT]);
  const metaEmail = opts.metadata?.email ?? METADATA_EMAIL;
  const metaProject = opts.metadata?.projectId ?? 'socorro-test';
  const metaNumber = opts.metadata?.numericProjectId ?? projectNumber;
  let metadataEnabled = opts.metadata?.enabled ?? true;
  const signingKey = randomBytes(32);

  const listeners = new Set<(t: IssuedToken) => void>();
  const issued: IssuedToken[] = [];
  const stsTokens = new Map<string, IssuedToken>();
  const requests: TokenService['requests'] = [];
  const counts: TokenServiceCounts = {
    oidc: 0,
    sts: 0,
    stsRejected: 0,
    impersonation: 0,
    impersonationRejected: 0,
    metadataTokenRequests: 0,
    metadataTokensIssued: 0,
    metadataOther: 0,
    resourceManager: 0,
    oauth: 0,
    oauthRejected: 0,
  };
  let metadataToken: IssuedToken | undefined;
  const revoked = new Set<string>();
  /** Service-account keys by email (a JWT names its issuer; Google tries the account's keys). */
  const saKeys = new Map<string, KeyObject[]>();
  const users = new Map<string, { email: string; clientId: string; clientSecret: string }>();
  const awsKeys = new Map<string, { secret: string; arn: string }>();

  const issue = (via: IssuedToken['via'], principal: string, seconds: number): IssuedToken => {
    const prefix = via === 'sts' ? 'ya29.d.' : via === 'refresh-token' ? 'ya29.a0' : 'ya29.c.';
    const t: IssuedToken = { token: prefix + randomBytes(24).toString('base64url'), expiresAt: expiryAfter(seconds, via === 'impersonation'), principal, via };
    issued.push(t);
    if (via === 'sts') stsTokens.set(t.token, t);
    opts.gcsAuth?.allow(t.token, { principal, expiresAt: t.expiresAt, permissions: opts.gcsPermissions });
    for (const l of listeners) l(t);
    return t;
  };

  const mintOidcToken = (o: { audience?: string; expiresInSeconds?: number; sub?: string } = {}): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5t: 'loopback', kid: 'loopback' };
    const payload = {
      jti: randomBytes(16).toString('hex'),
      sub: o.sub ?? `repo:${repository}:ref:refs/heads/main`,
      aud: o.audience ?? oidcAudience,
      ref: 'refs/heads/main',
      repository,
      repository_owner: repository.split('/')[0],
      event_name: 'workflow_dispatch',
      iss: GITHUB_ISSUER,
      nbf: now - 5,
      iat: now,
      exp: now + (o.expiresInSeconds ?? 300),
    };
    const unsigned = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${unsigned}.${createHmac('sha256', signingKey).update(unsigned).digest('base64url')}`;
  };

  /** The claims of a JWT we signed, or why not. */
  const verifyOidc = (jwt: string): { sub: string; aud: string; exp: number; iss: string } | string => {
    const parts = jwt.split('.');
    if (parts.length !== 3) return 'Unable to parse the ID Token.';
    const want = createHmac('sha256', signingKey).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2], 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'Invalid ID Token signature.';
    try {
      return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { sub: string; aud: string; exp: number; iss: string };
    } catch {
      return 'Unable to parse the ID Token.';
    }
  };

  const bearer = (req: http.IncomingMessage): string | undefined => {
    const h = req.headers.authorization;
    return h && /^Bearer /i.test(h) ? h.slice(7) : undefined;
  };

  /**
   * An AWS subject token: a GetCallerIdentity request signed (SigV4) with keys registered here;
   * Google's STS sends it to AWS, this one checks the signature itself. The caller's ARN, or
   * '!' and why not.
   */
  const verifyAwsRequest = (subjectToken: string): string => {
    let r: { url?: string; method?: string; headers?: Array<{ key: string; value: string }> };
    try {
      r = JSON.parse(decodeURIComponent(subjectToken)) as typeof r;
    } catch {
      return '!Unable to parse the AWS subject token.';
    }
    const url = /^https:\/\/sts\.([a-z0-9-]+)\.amazonaws\.com\?(Action=GetCallerIdentity&Version=2011-06-15)$/.exec(r.url ?? '');
    if (!url || r.method !== 'POST') return '!The AWS subject token is not a GetCallerIdentity request.';
    const h = new Map((r.headers ?? []).map(({ key, value }) => [key.toLowerCase(), value]));
    if (h.get('x-goog-cloud-target-resource') !== audience) return '!The AWS request does not name this provider.';
    const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/sts\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(h.get('authorization') ?? '');
    const keys = auth ? awsKeys.get(auth[1]) : undefined;
    const date = h.get('x-amz-date') ?? '';
    if (!auth || !keys || auth[3] !== url[1]) return '!The AWS request signature is invalid.';
    const when = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!(Math.abs(Date.now() - when) < 15 * 60_000)) return '!The AWS request has expired.';
    const signed = auth[4].split(';');
    // google-auth-library adds x-goog-cloud-target-resource after signing: checked above, not signed.
    if (!signed.includes('host') || !signed.includes('x-amz-date')) return '!The AWS request signature is invalid.';
    const want = new SigV4Signer(url[1], 'sts').authorization(
      { accessKeyId: auth[1], secretAccessKey: keys.secret },
      'POST',
      '/',
      url[2],
      signed.map((k) => [k, (h.get(k) ?? '').trim()] as const),
      EMPTY_SHA256,
      date,
    );
    return want === h.get('authorization') ? keys.arn : '!The AWS request signature is invalid.';
  };

  const sts = async (req: http.IncomingMessage): Promise<Reply> => {
    const raw = await readBody(req);
    let f: Record<string, string | undefined>;
    if (String(req.headers['content-type'] ?? '').includes('application/json')) {
      const j = JSON.parse(raw || '{}') as Record<string, string>;
      const pick = (snake: string, camel: string) => j[snake] ?? j[camel];
      f = {
        grant_type: pick('grant_type', 'grantType'),
        audience: j.audience,
        scope: j.scope,
        requested_token_type: pick('requested_token_type', 'requestedTokenType'),
        subject_token: pick('subject_token', 'subjectToken'),
        subject_token_type: pick('subject_token_type', 'subjectTokenType'),
      };
    } else {
      f = Object.fromEntries(new URLSearchParams(raw));
    }
    if (f.grant_type !== TOKEN_EXCHANGE) return stsError('unsupported_grant_type', `Invalid value for "grant_type": ${f.grant_type ?? ''}`);
    if (!f.audience || !PROVIDER_RE.test(f.audience)) {
      return stsError(
        'invalid_request',
        'Invalid value for "audience". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.',
      );
    }
    if (f.audience !== audience) {
      return stsError(
        'invalid_target',
        `The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.`,
      );
    }
    if (f.requested_token_type !== ACCESS_TOKEN_TYPE) return stsError('invalid_request', 'Invalid value for "requested_token_type".');
    if (!f.subject_token) return stsError('invalid_request', 'Missing required parameter: "subject_token".');
    const poolSubject = (sub: string) => `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${pool}/subject/${sub}`;
    if (f.subject_token_type === AWS_REQUEST_TYPE) {
      const arn = verifyAwsRequest(f.subject_token);
      if (arn.startsWith('!')) return stsError('invalid_grant', arn.slice(1));
      const t = issue('sts', poolSubject(arn), lifetime);
      return json(200, { access_token: t.token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: lifetime });
    }
    if (!f.subject_token_type || !JWT_TYPES.has(f.subject_token_type)) return stsError('invalid_request', 'Invalid value for "subject_token_type".');
    const claims = verifyOidc(f.subject_token);
    if (typeof claims === 'string') return stsError('invalid_grant', claims);
    if (claims.iss !== GITHUB_ISSUER) return stsError('invalid_grant', `The issuer in ID Token ${claims.iss} does not match the expected ones: ${GITHUB_ISSUER}.`);
    if (claims.aud !== oidcAudience) return stsError('invalid_grant', `The audience in ID Token [${claims.aud}] does not match the expected audience ${oidcAudience}.`);
    if (claims.exp * 1000 <= Date.now()) return stsError('invalid_grant', 'The ID Token has expired.');
    const t = issue('sts', poolSubject(claims.sub), lifetime);
    return json(200, { access_token: t.token, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: lifetime });
  };

  const unauthenticated = () =>
    apiError(
      401,
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      'UNAUTHENTICATED',
    );

  const generateAccessToken = async (req: http.IncomingMessage, email: string): Promise<Reply> => {
    const raw = await readBody(req);
    // The source: a federated token (WIF), or a service account's or user's own token.
    const source = bearer(req) ?? '';
    const t = stsTokens.get(source) ?? issued.find((i) => i.token === source && i.via !== 'impersonation');
    if (!t || revoked.has(t.token) || t.expiresAt.getTime() <= Date.now()) return unauthenticated();
    if (!serviceAccounts.has(email)) {
      return apiError(403, "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).", 'PERMISSION_DENIED');
    }
    const body = JSON.parse(raw || '{}') as { scope?: string[]; lifetime?: string };
    const m = /^(\d+)s$/.exec(body.lifetime ?? '3600s');
    const asked = m ? Number(m[1]) : 3600;
    const it = issue('impersonation', email, Math.min(asked, lifetime));
    return json(200, { accessToken: it.token, expireTime: rfc3339(it.expiresAt) });
  };

  const metadata = (req: http.IncomingMessage, path: string): Reply => {
    const text = (body: string): Reply => ({ status: 200, body, headers: { 'Content-Type': 'application/text', 'Metadata-Flavor': 'Google' } });
    if (!metadataEnabled) return { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/html' } };
    if (req.headers['metadata-flavor'] !== 'Google') {
      return { status: 403, body: 'Missing Metadata-Flavor:Google header.', headers: { 'Content-Type': 'text/html; charset=UTF-8', 'Metadata-Flavor': 'Google' } };
    }
    const key = path.slice('/computeMetadata/v1/'.length).replace(/\/$/, '');
    const sa = /^instance\/service-accounts\/([^/]+)\/(token|email|scopes)$/.exec(key);
    if (sa && (sa[1] === 'default' || sa[1] === metaEmail)) {
      if (sa[2] === 'token') {
        counts.metadataTokenRequests++;
        // One token until it nears expiry (within 5 min, or half its life for short ones).
        const margin = Math.min(300, lifetime / 2) * 1000;
        if (!metadataToken || revoked.has(metadataToken.token) || metadataToken.expiresAt.getTime() - Date.now() <= margin) {
          metadataToken = issue('metadata', metaEmail, lifetime);
          counts.metadataTokensIssued++;
        }
        const left = Math.max(0, Math.floor((metadataToken.expiresAt.getTime() - Date.now()) / 1000));
        return json(200, { access_token: metadataToken.token, expires_in: left, token_type: 'Bearer' }, { 'Metadata-Flavor': 'Google' });
      }
      counts.metadataOther++;
      return text(sa[2] === 'email' ? metaEmail : 'https://www.googleapis.com/auth/cloud-platform\n');
    }
    counts.metadataOther++;
    switch (key) {
      case 'instance':
        return text('attributes/\nhostname\nid\nservice-accounts/\nzone\n');
      case 'project/project-id':
        return text(metaProject);
      case 'project/numeric-project-id':
        return text(metaNumber);
      case 'universe/universe-domain':
        return text('googleapis.com');
      default:
        return { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/html', 'Metadata-Flavor': 'Google' } };
    }
  };

  /** Google's OAuth 2.0 token endpoint: the JWT bearer grant (a service-account key) and the refresh-token grant (a user). */
  const oauthToken = async (req: http.IncomingMessage): Promise<Reply> => {
    const f = new URLSearchParams(await readBody(req));
    const grant = f.get('grant_type');
    if (grant === JWT_BEARER) {
      const parts = (f.get('assertion') ?? '').split('.');
      let claims: { iss?: string; aud?: string; scope?: string; exp?: number; iat?: number };
      try {
        claims = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8')) as typeof claims;
      } catch {
        return stsError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
      }
      const keys = saKeys.get(claims.iss ?? '') ?? [];
      const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
      const sig = Buffer.from(parts[2] ?? '', 'base64url');
      if (parts.length !== 3 || !keys.some((k) => verify('RSA-SHA256', signed, k, sig))) return stsError('invalid_grant', 'Invalid JWT Signature.');
      const now = Date.now() / 1000;
      if (claims.aud !== GOOGLE_TOKEN_URL) return stsError('invalid_grant', 'Invalid JWT: Failed audience check.');
      if (!claims.exp || !claims.iat || claims.exp <= now || claims.iat > now + 60 || claims.exp - claims.iat > 3600) {
        return stsError('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
      }
      if (!claims.scope) return stsError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
      const t = issue('jwt-bearer', claims.iss!, lifetime);
      return json(200, { access_token: t.token, expires_in: lifetime, token_type: 'Bearer' });
    }
    if (grant === 'refresh_token') {
      const u = users.get(f.get('refresh_token') ?? '');
      if (!u) return stsError('invalid_grant', 'Token has been expired or revoked.');
      // The client in the form (Google OAuth) or as HTTP Basic (STS, for a workforce user).
      const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [f.get('client_id'), f.get('client_secret')];
      if (id !== u.clientId || secret !== u.clientSecret) return json(401, { error: 'invalid_client', error_description: 'Unauthorized' });
      const t = issue('refresh-token', u.email, lifetime);
      return json(200, { access_token: t.token, expires_in: lifetime, scope: f.get('scope') ?? '', token_type: 'Bearer' });
    }
    return stsError('unsupported_grant_type', 'Invalid grant_type: ' + (grant ?? ''));
  };

  const handle = async (req: http.IncomingMessage, path: string, query: URLSearchParams): Promise<Reply> => {
    if (req.method === 'POST' && (path === '/token' || path === '/v1/oauthtoken')) {
      const r = await oauthToken(req);
      if (r.status === 200) counts.oauth++;
      else counts.oauthRejected++;
      return r;
    }
    if (path.startsWith('/computeMetadata/v1/') || path === '/computeMetadata/v1') return metadata(req, path + (path.endsWith('/') ? '' : '/'));
    if (req.method === 'GET' && IDTOKEN_PATH_RE.test(path)) {
      if (bearer(req) !== requestToken) return json(401, { message: 'Bad credentials' });
      counts.oidc++;
      return json(200, { count: 1, value: mintOidcToken({ audience: query.get('audience') ?? undefined }) });
    }
    if (req.method === 'POST' && path === '/v1/token') {
      const r = await sts(req);
      if (r.status === 200) counts.sts++;
      else counts.stsRejected++;
      return r;
    }
    const g = GENERATE_RE.exec(path);
    if (req.method === 'POST' && g) {
      const r = await generateAccessToken(req, decodeURIComponent(g[1]));
      if (r.status === 200) counts.impersonation++;
      else counts.impersonationRejected++;
      return r;
    }
    const crm = CRM_RE.exec(path);
    if (req.method === 'GET' && crm) {
      counts.resourceManager++;
      const known = issued.find((t) => t.token === bearer(req));
      if (!known || known.expiresAt.getTime() <= Date.now()) return unauthenticated();
      const rm = opts.resourceManager ?? 'forbidden';
      if (rm === 'forbidden' || crm[1] !== projectNumber) return apiError(403, 'The caller does not have permission', 'PERMISSION_DENIED');
      return json(200, { projectNumber, projectId: rm.projectId, lifecycleState: 'ACTIVE', name: rm.projectId, createTime: '2024-07-23T00:00:00.000Z' });
    }
    return { status: 404, body: 'Not Found', headers: { 'Content-Type': 'text/plain' } };
  };

  const listener: http.RequestListener = (req, res) => {
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi === -1 ? url : url.slice(0, qi);
    const query = new URLSearchParams(qi === -1 ? '' : url.slice(qi + 1));
    handle(req, path.replace(/\/$/, '') || '/', query).then(
      (r) => {
        requests.push({ method: req.method ?? 'GET', path, status: r.status });
        res.writeHead(r.status, { ...r.headers, 'Content-Length': Buffer.byteLength(r.body) });
        res.end(r.body);
      },
      (err: unknown) => {
        requests.push({ method: req.method ?? 'GET', path, status: 500 });
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain', Connection: 'close' });
          res.end(String(err));
        } else req.socket.destroy();
      },
    );
  };
  const server = http.createServer({ keepAliveTimeout: 30_000 }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    host: `127.0.0.1:${port}`,
    providerName,
    audience,
    oidcAudience,
    githubEnv: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${url}/_apis/distributedtask/hubs/Actions/plans/0b9e4d5c/jobs/3f1a2b7e/idtoken?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    },
    mintOidcToken,
    onIssue(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    issued,
    counts: () => ({ ...counts }),
    requests,
    setLifetime(s) {
      lifetime = s;
    },
    setMetadataEnabled(on) {
      metadataEnabled = on;
    },
    revoke(token) {
      revoked.add(token);
      opts.gcsAuth?.revoke(token);
    },
    createServiceAccountKey(email) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      saKeys.set(email, [...(saKeys.get(email) ?? []), publicKey]);
      const project = /@([^.]+)\./.exec(email)?.[1] ?? 'socorro-test';
      return {
        type: 'service_account',
        project_id: project,
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: email,
        client_id: String(100000000000000000000n + BigInt(saKeys.size)),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: GOOGLE_TOKEN_URL,
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
        universe_domain: 'googleapis.com',
      };
    },
    createAuthorizedUser(email) {
      const clientId = `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`;
      const clientSecret = `GOCSPX-${randomBytes(12).toString('base64url')}`;
      const refreshToken = `1//0${randomBytes(30).toString('base64url')}`;
      users.set(refreshToken, { email, clientId, clientSecret });
      return { type: 'authorized_user', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken, universe_domain: 'googleapis.com' };
    },
    createAwsKeys(arn) {
      const accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
      const secretAccessKey = randomBytes(30).toString('base64');
      awsKeys.set(accessKeyId, { secret: secretAccessKey, arn });
      return { accessKeyId, secretAccessKey };
    },
    listener,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface ExternalAccountFileOptions {
  service: TokenService;
  /** Impersonate this service account (the action's `service_account` input); omit for direct WIF. */
  serviceAccount?: string;
  /**
   * 'url' (default): credential_source.url + headers + json format, exactly as
   * google-github-actions/auth writes it. 'file': credential_source.file (text), the shape of
   * `gcloud iam workload-identity-pools create-cred-config --credential-source-file`; the file
   * gets a fresh OIDC token unless `subjectToken` is given.
   */
  source?: 'url' | 'file';
  subjectToken?: string;
  /** Fields the action never writes (e.g. cloud_resource_manager_url), for tests that need them. */
  extra?: Record<string, unknown>;
}

/**
 * Writes `gha-creds-<16 hex>.json` into `dir` (mode 0640, exclusive create, like the action's
 * writeSecureFile) and returns its path and content.
 */
export async function writeExternalAccountFile(dir: string, o: ExternalAccountFileOptions): Promise<{ path: string; json: Record<string, unknown> }> {
  const s = o.service;
  let credentialSource: Record<string, unknown>;
  if ((o.source ?? 'url') === 'url') {
    // The action appends the audience to ACTIONS_ID_TOKEN_REQUEST_URL with URLSearchParams.
    const requestURL = new URL(s.githubEnv.ACTIONS_ID_TOKEN_REQUEST_URL);
    const params = requestURL.searchParams;
    params.set('audience', s.oidcAudience);
    requestURL.search = params.toString();
    credentialSource = {
      url: requestURL.href,
      headers: { Authorization: `Bearer ${s.githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
      format: { type: 'json', subject_token_field_name: 'value' },
    };
  } else {
    const tokenPath = join(dir, `oidc-token-${randomBytes(4).toString('hex')}.jwt`);
    await writeFile(tokenPath, o.subjectToken ?? s.mintOidcToken(), { mode: 0o600 });
    credentialSource = { file: tokenPath, format: { type: 'text' } };
  }
  const data: Record<string, unknown> = {
    type: 'external_account',
    audience: s.audience,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${s.url}/v1/token`,
    credential_source: credentialSource,
  };
  if (o.serviceAccount) {
    data.service_account_impersonation_url = `${s.url}/v1/projects/-/serviceAccounts/${o.serviceAccount}:generateAccessToken`;
  }
  Object.assign(data, o.extra);
  const path = join(dir, `gha-creds-${randomBytes(8).toString('hex')}.json`);
  await writeFile(path, JSON.stringify(data), { mode: 0o640, flag: 'wx' });
  return { path, json: data };
}

export interface EgressGuard {
  url: string;
  /** host:port (CONNECT) or URLs (plain proxying) that something tried to reach off loopback. */
  refused: string[];
  /** Proxy variables that send every non-loopback request of gaxios/teeny-request here. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * A forward proxy that refuses everything: with `env` applied, any request Google's libraries
 * try to make off loopback (cloudresourcemanager.googleapis.com, oauth2.googleapis.com, …) fails
 * fast and is recorded, instead of leaving the machine. Both gaxios and teeny-request read
 * HTTPS_PROXY/HTTP_PROXY per request and exempt NO_PROXY hosts, matched by hostname.
 */
export async function startEgressGuard(): Promise<EgressGuard> {
  const refused: string[] = [];
  const server = http.createServer((req, res) => {
    refused.push(req.url ?? '');
    res.writeHead(403, { 'Content-Length': 0, Connection: 'close' });
    res.end();
  });
  server.on('connect', (req: http.IncomingMessage, socket: Socket) => {
    refused.push(req.url ?? '');
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const noProxy = '127.0.0.1,localhost';
  return {
    url,
    refused,
    env: { HTTPS_PROXY: url, https_proxy: url, HTTP_PROXY: url, http_proxy: url, NO_PROXY: noProxy, no_proxy: noProxy },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
