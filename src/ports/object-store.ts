import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { EMPTY_SHA256, SigV4Signer, type SigningCredentials } from './sigv4.ts';

export interface ListedObject {
  key: string;
  lastModified?: Date;
}

export interface ListPage {
  objects: ListedObject[];
  /** Present while the listing is truncated. */
  next?: string;
}

/** What the modes need from S3, and nothing more. */
export interface ObjectStore {
  /** One ListObjectsV2 page. Throws on failure after the client's own retries. */
  listPage(prefix: string, opts: { startAfter?: string; continuationToken?: string; maxKeys?: number }): Promise<ListPage>;
  /** HTTP status of a HEAD; 0 when no HTTP answer came (reset, timeout). Never throws. */
  head(key: string): Promise<number>;
}

export interface S3Options {
  bucket: string;
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
  /** Sockets kept open; the check pool's concurrency. */
  maxSockets?: number;
  /** SDK attempts for listing; HEADs are retried by the check mode itself. */
  listAttempts?: number;
  requestTimeoutMs?: number;
  /** Static credentials; without them, the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /**
   * 'direct' (the default): HEADs are signed here and sent on the keep-alive agents, with the
   * endpoint, signing region and credentials the SDK resolved. 'sdk': every HEAD through
   * HeadObjectCommand (several times the CPU per request; kept for comparison and as the
   * fallback for buckets the direct path does not handle).
   */
  headVia?: 'direct' | 'sdk';
}

type Sdk = typeof import('@aws-sdk/client-s3');

/** Where and how a HEAD of a key goes, as the SDK resolved it for this bucket. */
interface HeadTarget {
  https: boolean;
  hostname: string;
  port?: number;
  /** The Host header the SDK sends (and signs). */
  host: string;
  /** Path before the key, e.g. `/bucket/` (path style) or `/` (virtual host). */
  pathPrefix: string;
  signer: SigV4Signer;
  credentials: () => Promise<SigningCredentials>;
}

const PROBE_KEY = 'v1/processed_crash/probe';
/** Keys that need no URI encoding: check's are `v1/processed_crash/{crash id}`. */
const PLAIN_KEY = /^[A-Za-z0-9._~/-]+$/;

const USER_AGENT = 'socorro-reprocess';
const CREDENTIALS_RECHECK_MS = 5000;

class Probed extends Error {}

/** The status in an SDK error, or 0 for no answer; credential and configuration errors are thrown. */
function statusOf(err: unknown): number {
  // HEAD errors have no body, so the SDK often cannot name them: the status is the truth.
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (typeof status === 'number') return status;
  // Credential and configuration errors are not the store's answer: let them surface.
  const name = (err as Error).name;
  if (name === 'CredentialsProviderError' || name === 'TypeError') throw err;
  return 0;
}

export function s3ObjectStore(opts: S3Options): ObjectStore {
  const maxSockets = opts.maxSockets ?? 128;
  const agentOpts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  const httpAgent = new HttpAgent(agentOpts);
  const httpsAgent = new HttpsAgent(agentOpts);
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  const Bucket = opts.bucket;

  // The SDK is loaded on first use: reprocess never needs it, and it is a third of the CLI's memory.
  let clients: Promise<{ sdk: Sdk; lister: S3Client; header: S3Client }> | undefined;
  const sdkClients = () =>
    (clients ??= import('@aws-sdk/client-s3').then((sdk) => {
      const common = {
        region: opts.region || 'us-west-2',
        endpoint: opts.endpoint || undefined,
        forcePathStyle: opts.pathStyle ?? false,
        credentials: opts.credentials,
        requestHandler: { httpAgent, httpsAgent, connectionTimeout: 10_000, requestTimeout },
        requestChecksumCalculation: 'WHEN_REQUIRED' as const,
        responseChecksumValidation: 'WHEN_REQUIRED' as const,
      };
      return {
        sdk,
        lister: new sdk.S3Client({ ...common, maxAttempts: opts.listAttempts ?? 5 }),
        // One attempt: check owns HEAD retries, so that throttling can slow the whole pool down.
        header: new sdk.S3Client({ ...common, maxAttempts: 1 }),
      };
    }));

  const sdkHead = async (key: string): Promise<number> => {
    const { sdk, header } = await sdkClients();
    try {
      const out = await header.send(new sdk.HeadObjectCommand({ Bucket, Key: key }));
      return out.$metadata.httpStatusCode ?? 200;
    } catch (err) {
      return statusOf(err);
    }
  };

  /**
   * Asks the SDK to build (not send) one HEAD, and keeps what it resolved: scheme, host, path
   * style, signing region. Anything the direct path does not do (another auth scheme, a query
   * string, an access point) leaves it undefined, and every HEAD then goes through the SDK.
   */
  const resolveTarget = async (): Promise<HeadTarget | undefined> => {
    const { sdk, header } = await sdkClients();
    const cmd = new sdk.HeadObjectCommand({ Bucket, Key: PROBE_KEY });
    let seen: { request: Record<string, unknown>; context: Record<string, unknown> } | undefined;
    cmd.middlewareStack.add(
      (_next, context) => async (args) => {
        seen = { request: args.request as Record<string, unknown>, context: context as Record<string, unknown> };
        throw new Probed();
      },
      { step: 'build', priority: 'low', name: 'socorroReprocessHeadProbe' },
    );
    try {
      await header.send(cmd);
    } catch (err) {
      if (!(err instanceof Probed)) return undefined;
    }
    if (!seen) return undefined;
    const req = seen.request as {
      method?: string;
      protocol?: string;
      hostname?: string;
      port?: number;
      path?: string;
      query?: Record<string, unknown>;
      headers?: Record<string, string>;
    };
    const endpoint = seen.context.endpointV2 as { properties?: { authSchemes?: Array<{ name?: string; signingName?: string; signingRegion?: string }> } } | undefined;
    const scheme = endpoint?.properties?.authSchemes?.[0];
    const path = req.path ?? '';
    if (
      req.method !== 'HEAD' ||
      (req.protocol !== 'http:' && req.protocol !== 'https:') ||
      !req.hostname ||
      Object.keys(req.query ?? {}).length > 0 ||
      !path.endsWith('/' + PROBE_KEY) ||
      (scheme && scheme.name !== 'sigv4')
    ) {
      return undefined;
    }
    const region = scheme?.signingRegion ?? (await header.config.region());
    const host = req.headers?.host ?? (req.port ? `${req.hostname}:${req.port}` : req.hostname);
    const provider = header.config.credentials;
    return {
      https: req.protocol === 'https:',
      hostname: req.hostname,
      port: req.port,
      host,
      pathPrefix: path.slice(0, path.length - PROBE_KEY.length),
      signer: new SigV4Signer(region, scheme?.signingName ?? 's3'),
      // The SDK's provider: its default chain, memoized and refreshed before expiry.
      credentials: () => provider() as Promise<SigningCredentials>,
    };
  };
  let target: Promise<HeadTarget | undefined> | undefined;

  const directHead = (t: HeadTarget, creds: SigningCredentials, key: string): Promise<number> => {
    const path = t.pathPrefix + key;
    const date = t.signer.now();
    const authorization = t.signer.headAuthorization(creds, t.host, path, date);
    // Raw header pairs: no per-header validation and lower-casing inside node:http.
    const headers = creds.sessionToken
      ? ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'x-amz-security-token', creds.sessionToken, 'authorization', authorization, 'user-agent', USER_AGENT]
      : ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'authorization', authorization, 'user-agent', USER_AGENT];
    const options: RequestOptions = {
      agent: t.https ? httpsAgent : httpAgent,
      hostname: t.hostname,
      port: t.port,
      method: 'HEAD',
      path,
      headers: headers as unknown as RequestOptions['headers'],
      setHost: false,
      timeout: requestTimeout,
    };
    return new Promise<number>((resolve) => {
      const onResponse = (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      };
      const req = t.https ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
      req.on('timeout', () => req.destroy());
      // No answer (reset, refused, timeout): 0, which check retries. Later events are no-ops.
      req.on('error', () => resolve(0));
      req.on('close', () => resolve(0));
      req.end();
    });
  };

  // The SDK's credential provider is asked again every few seconds, not for each HEAD: it
  // refreshes temporary credentials well before they expire, and each call costs allocations.
  let creds: SigningCredentials | undefined;
  let credsAt = 0;
  let resolved: HeadTarget | null | undefined;

  return {
    async listPage(prefix, { startAfter, continuationToken, maxKeys }) {
      const { sdk, lister } = await sdkClients();
      const out = await lister.send(
        new sdk.ListObjectsV2Command({ Bucket, Prefix: prefix, StartAfter: startAfter, ContinuationToken: continuationToken, MaxKeys: maxKeys }),
      );
      const objects = (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', lastModified: o.LastModified }));
      return { objects, next: out.IsTruncated ? out.NextContinuationToken : undefined };
    },
    async head(key) {
      if (opts.headVia === 'sdk') return sdkHead(key);
      if (resolved === undefined) resolved = (await (target ??= resolveTarget())) ?? null;
      if (resolved === null || !PLAIN_KEY.test(key)) return sdkHead(key);
      const now = Date.now();
      if (creds === undefined || now - credsAt > CREDENTIALS_RECHECK_MS) {
        try {
          creds = await resolved.credentials();
          credsAt = now;
        } catch (err) {
          return statusOf(err);
        }
      }
      return directHead(resolved, creds, key);
    },
  };
}
