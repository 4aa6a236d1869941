import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyListFailure, classifyObjectAnswer, type Presence, type StoreFailure } from '../core/classify.ts';
import { oneLine } from '../core/errors.ts';
import type { Log } from '../core/progress.ts';
import { EMPTY_SHA256, SigV4Signer, type SigningCredentials } from './sigv4.ts';
import { StoreError, storeMessage, type ListedObject, type ListPage, type ListQuery, type ObjectStore } from './store.ts';

export interface S3Options {
  bucket: string;
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
  /** Sockets kept open; the check pool's concurrency. */
  maxSockets?: number;
  requestTimeoutMs?: number;
  /** Static credentials; without them, the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Where the store says, once, that it had to change how it sends HEADs. */
  log?: Log;
}

type Sdk = typeof import('@aws-sdk/client-s3');

/** Where and how a HEAD of a key goes, as the SDK resolved it for this bucket. */
export interface HeadTarget {
  https: boolean;
  hostname: string;
  port?: number;
  /** The Host header the SDK sends (and signs). */
  host: string;
  /** Path before the key, e.g. `/bucket/` (path style) or `/` (virtual host). */
  pathPrefix: string;
  signingRegion: string;
  signingName: string;
}

const PROBE_KEY = 'v1/processed_crash/probe';
/** Keys that need no URI encoding: check's are `v1/processed_crash/{crash id}`. */
const PLAIN_KEY = /^[A-Za-z0-9._~/-]+$/;
const USER_AGENT = 'socorro-reprocess';
const CREDENTIALS_RECHECK_MS = 5000;
/** The SDK's own threshold for correcting its clock from a response's Date. */
const SKEW_MS = 240_000;

class Probed extends Error {}

/** What an SDK error says: its status (0 for none) and its code (the SDK names errors after S3's codes). */
function answerOf(err: unknown): { status: number; code: string | undefined; credentials: boolean } {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? 0;
  // HEAD errors have no body, so the SDK names them 'Unknown', 'NotFound' or after the status.
  const code = e.name && !/^(Unknown|NotFound|\d+)$/.test(e.name) ? e.name : undefined;
  return { status, code, credentials: e.name === 'CredentialsProviderError' };
}

/** What a HEAD of `key` is, for messages. */
const headOf = (key: string) => (key.startsWith('v1/processed_crash/') ? 'a HEAD of a processed crash' : 'a HEAD of a raw crash');

/** What S3's port can say about each failure: which permission, which credentials. */
function s3Detail(kind: StoreFailure, listing: boolean, bucket: string, err?: unknown): string {
  switch (kind) {
    case 'forbidden':
      return listing
        ? `the credentials need s3:ListBucket on ${bucket}`
        : `the credentials need s3:GetObject on v1/processed_crash/* and s3:ListBucket on ${bucket} ` +
            '(without ListBucket, S3 answers 403 instead of 404 for crashes that were never processed)';
    case 'no-such-bucket':
      return `check the bucket name (${bucket}) and the region`;
    case 'unauthenticated':
      return 'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the role the job assumes';
    case 'no-credentials':
      return `the AWS SDK's default chain found none (${err ? oneLine(err) : 'no detail'})`;
    case 'clock-skew':
      return "S3 refuses requests signed more than 15 minutes from its time: set this machine's clock (NTP)";
    case 'signature':
      return 'check AWS_SECRET_ACCESS_KEY, and that the endpoint is the bucket\'s region';
    default:
      return err ? oneLine(err) : '';
  }
}

/**
 * The S3 store. Listings go through the SDK; HEADs are signed here (sigv4.ts) with the
 * endpoint, signing region, credentials and clock offset the SDK resolved, and sent on
 * keep-alive agents: the SDK's per-request machinery cost several times the CPU of the request
 * (bench/README.md). Anything the direct path does not handle goes through the SDK.
 */
export function s3Store(opts: S3Options): ObjectStore {
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
        // One attempt: retries are the caller's (core/retry.ts), so they never stack on the SDK's.
        maxAttempts: 1,
      };
      return { sdk, lister: new sdk.S3Client(common), header: new sdk.S3Client(common) };
    }));

  const failure = (kind: StoreFailure, what: string, status: number, code: string | undefined, listing: boolean, err?: unknown) =>
    new StoreError(kind, storeMessage('S3', kind, what, status, s3Detail(kind, listing, Bucket, err)), { status, code, cause: err });

  const sdkHead = async (key: string): Promise<Presence | StoreError> => {
    const a = await sdkHeadSaved(key);
    return typeof a === 'number' ? 'found' : a;
  };

  /** A HEAD through the SDK: the object's Last-Modified when found. */
  const sdkHeadSaved = async (key: string): Promise<number | 'missing' | StoreError> => {
    const { sdk, header } = await sdkClients();
    try {
      const out = await header.send(new sdk.HeadObjectCommand({ Bucket, Key: key }));
      return out.LastModified?.getTime() ?? 0;
    } catch (err) {
      const a = answerOf(err);
      if (a.credentials) return failure('no-credentials', headOf(key), 0, undefined, false, err);
      if (a.status === 0 && (err as Error).name === 'TypeError') throw err; // a bug, not an answer
      const v = classifyObjectAnswer(a.status, a.code);
      if (v === 'missing') return v;
      return failure(v === 'found' ? 'rejected' : v, headOf(key), a.status, a.code, false, err);
    }
  };

  /** Keys in (from, to]: S3 can start after a key but not stop at one, so the page is cut here. */
  const listOnce = async (q: ListQuery): Promise<ListPage> => {
    const { sdk, lister } = await sdkClients();
    const out = await lister.send(
      new sdk.ListObjectsV2Command({
        Bucket,
        Prefix: q.prefix,
        StartAfter: q.token ? undefined : q.from,
        ContinuationToken: q.token,
        MaxKeys: q.maxKeys,
      }),
    );
    const objects: ListedObject[] = [];
    for (const o of out.Contents ?? []) {
      const key = o.Key ?? '';
      if (q.to !== undefined && key > q.to) return { objects };
      objects.push({ key, savedAt: o.LastModified?.getTime() });
    }
    return { objects, next: out.IsTruncated ? out.NextContinuationToken : undefined };
  };

  // How HEADs go: resolved once from the SDK (null: through the SDK), and the clock offset the SDK measured.
  let target: Promise<HeadTarget | undefined> | undefined;
  let direct: { target: HeadTarget; signer: SigV4Signer } | null | undefined;
  let creds: SigningCredentials | undefined;
  let credsAt = 0;
  let clockOffsetMs = 0;
  let confirming: Promise<Presence | StoreError> | undefined;
  let refused: StoreError | undefined;

  const useSdkFromNowOn = (why: string) => {
    if (direct === null) return;
    direct = null;
    opts.log?.warn(`S3: ${why}; every HEAD now goes through the AWS SDK (correct, but several times the CPU a request)`);
  };

  const resolveDirect = async () => {
    const t = await (target ??= (async () => {
      const { sdk, header } = await sdkClients();
      return probeHeadTarget(sdk, header, Bucket);
    })());
    if (direct !== undefined) return;
    if (!t) {
      useSdkFromNowOn('the signed HEAD path does not handle this bucket or endpoint');
      return;
    }
    direct = { target: t, signer: new SigV4Signer(t.signingRegion, t.signingName) };
  };

  /**
   * A 403 from the direct path may be ours (a signature the SDK would have made differently, a
   * skewed clock), not the store's verdict on the credentials: make the same HEAD through the
   * SDK, which corrects its clock from the answer, before stopping a run over it.
   */
  const confirm403 = async (key: string, serverDate: string | undefined): Promise<Presence | StoreError> => {
    const server = serverDate ? Date.parse(serverDate) : NaN;
    if (Number.isFinite(server) && Math.abs(server - (Date.now() + clockOffsetMs)) >= SKEW_MS) {
      clockOffsetMs = server - Date.now();
      opts.log?.warn(`S3: this machine's clock is ${Math.round(clockOffsetMs / 1000)} s off the store's; signing with the store's time`);
      return failure('unavailable', headOf(key), 403, 'RequestTimeTooSkewed', false);
    }
    const viaSdk = await sdkHead(key);
    if (!(viaSdk instanceof StoreError)) {
      useSdkFromNowOn('S3 refused a HEAD signed here that it accepted from the SDK');
      return viaSdk;
    }
    if (viaSdk.kind !== 'forbidden') return viaSdk;
    // HEAD answers have no body: a listing's error names the cause (AccessDenied, clock, signature).
    try {
      await listOnce({ prefix: 'v1/processed_crash/', maxKeys: 1 });
    } catch (err) {
      const a = answerOf(err);
      const kind = classifyListFailure(a.status, a.code);
      if (kind === 'clock-skew' || kind === 'signature' || kind === 'unauthenticated') {
        return failure(kind, headOf(key), 403, a.code, false, err);
      }
    }
    return viaSdk;
  };

  const directHead = (t: HeadTarget, signer: SigV4Signer, c: SigningCredentials, key: string): Promise<{ status: number; date?: string; lastModified?: string }> => {
    const path = t.pathPrefix + key;
    const date = signer.now(Date.now() + clockOffsetMs);
    const authorization = signer.headAuthorization(c, t.host, path, date);
    // Raw header pairs: no per-header validation and lower-casing inside node:http.
    const headers = c.sessionToken
      ? ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'x-amz-security-token', c.sessionToken, 'authorization', authorization, 'user-agent', USER_AGENT]
      : ['host', t.host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'authorization', authorization, 'user-agent', USER_AGENT];
    const options: RequestOptions = {
      agent: t.https ? httpsAgent : httpAgent,
      hostname: t.hostname,
      port: t.port,
      method: 'HEAD',
      path,
      headers: headers,
      setHost: false,
      timeout: requestTimeout,
    };
    return new Promise((resolve) => {
      const onResponse = (res: IncomingMessage) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status === 403 ? { status, date: res.headers.date } : { status, lastModified: res.headers['last-modified'] });
      };
      const req = t.https ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
      req.on('timeout', () => req.destroy());
      // No answer (reset, refused, timeout): status 0, worth another try. Later events are no-ops.
      req.on('error', () => resolve({ status: 0 }));
      req.on('close', () => resolve({ status: 0 }));
      req.end();
    });
  };

  /**
   * One HEAD: the signed direct path when it handles the key, else the SDK. Found is the
   * object's Last-Modified (0 when not asked for or not given).
   */
  const headOnce = async (key: string, wantTime: boolean): Promise<number | 'missing' | StoreError> => {
    if (direct === undefined) await resolveDirect();
    if (!direct || !PLAIN_KEY.test(key)) return sdkHeadSaved(key);
    const now = Date.now();
    if (creds === undefined || now - credsAt > CREDENTIALS_RECHECK_MS) {
      const { lister, header } = await sdkClients();
      try {
        // The SDK's provider: its default chain, memoized and refreshed before expiry.
        creds = (await header.config.credentials());
        credsAt = now;
      } catch (err) {
        return failure('no-credentials', headOf(key), 0, undefined, false, err);
      }
      // Measured by the SDK from its answers' Date (the bucket check's listing among them).
      clockOffsetMs = lister.config.systemClockOffset || clockOffsetMs;
    }
    const { status, date, lastModified } = await directHead(direct.target, direct.signer, creds, key);
    // A raw crash's saved time is only asked to chart an hour, and the README's policy does not
    // grant raw crashes: its 403 is taken as it is (the same signer's HEADs of processed crashes
    // prove the signing), never confirmed, and never taken for a refusal of the processed crashes.
    if (status === 403 && wantTime) return failure('forbidden', headOf(key), 403, 'AccessDenied', false);
    if (status === 403) {
      // Once S3 has refused for good, the HEADs still in flight get the same answer without asking again.
      if (refused) return refused;
      const v = await (confirming ??= confirm403(key, date).finally(() => (confirming = undefined)));
      if (v instanceof StoreError && v.kind !== 'unavailable') refused = v;
      return v === 'found' ? 0 : v;
    }
    const v = classifyObjectAnswer(status);
    if (v === 'missing') return v;
    if (v !== 'found') return failure(v, headOf(key), status, undefined, false);
    if (!wantTime) return 0;
    const t = lastModified ? Date.parse(lastModified) : NaN;
    return Number.isFinite(t) ? t : 0;
  };

  return {
    kind: 's3',
    bucket: Bucket,

    async listPage(q) {
      for (let tries = 1; ; tries++) {
        try {
          return await listOnce(q);
        } catch (err) {
          const a = answerOf(err);
          if (a.credentials) throw failure('no-credentials', `a listing of ${q.prefix}`, 0, undefined, true, err);
          if (a.status === 0 && (err as Error).name === 'TypeError') throw err;
          const kind = classifyListFailure(a.status, a.code);
          // The SDK has just corrected its clock from this answer: one more try cures it.
          if (kind === 'clock-skew' && tries === 1) continue;
          throw failure(kind, `a listing of ${q.prefix}`, a.status, a.code, true, err);
        }
      }
    },

    async head(key) {
      const a = await headOnce(key, false);
      return typeof a === 'number' ? 'found' : a;
    },

    savedAt(key) {
      return headOnce(key, true);
    },

    async close() {
      if (clients) {
        const { lister, header } = await clients;
        lister.destroy();
        header.destroy();
      }
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * Asks the SDK to build (not send) one HEAD, and keeps what it resolved: scheme, host, path
 * style, signing region. Anything the direct path does not do (another auth scheme, a query
 * string, an access point) gives undefined, and every HEAD then goes through the SDK.
 */
export async function probeHeadTarget(sdk: Sdk, client: S3Client, bucket: string): Promise<HeadTarget | undefined> {
  const cmd = new sdk.HeadObjectCommand({ Bucket: bucket, Key: PROBE_KEY });
  let seen: { request: Record<string, unknown>; context: Record<string, unknown> } | undefined;
  cmd.middlewareStack.add(
    (_next, context) => (args) => {
      seen = { request: args.request as Record<string, unknown>, context: context };
      return Promise.reject(new Probed());
    },
    { step: 'build', priority: 'low', name: 'socorroReprocessHeadProbe' },
  );
  try {
    await client.send(cmd);
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
  return {
    https: req.protocol === 'https:',
    hostname: req.hostname,
    port: req.port,
    host: req.headers?.host ?? (req.port ? `${req.hostname}:${req.port}` : req.hostname),
    pathPrefix: path.slice(0, path.length - PROBE_KEY.length),
    signingRegion: scheme?.signingRegion ?? (await client.config.region()),
    signingName: scheme?.signingName ?? 's3',
  };
}
