import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { classifyListFailure, classifyObjectAnswer, type Presence, type StoreFailure } from '../core/classify.ts';
import { redact } from '../core/errors.ts';
import { CredentialsError, type BearerTokens } from './gcs-auth.ts';
import { StoreError, storeMessage, type ListedObject, type ListPage, type ListQuery, type ObjectStore } from './store.ts';

export const GCS_ENDPOINT = 'https://storage.googleapis.com';

export interface GcsOptions {
  bucket: string;
  /** storage.googleapis.com, or an emulator's base URL; the JSON and XML APIs share it. */
  endpoint?: string;
  tokens: BearerTokens;
  /** Sockets kept open; the check pool's concurrency. */
  maxSockets?: number;
  requestTimeoutMs?: number;
}

const USER_AGENT = 'socorro-reprocess';
/** GCS's page limit; a page may still come back shorter. */
const PAGE_SIZE = 1000;
/** Only what the listing needs, so a page of a thousand objects stays a few tens of KB. */
const LIST_FIELDS = 'items(name,updated),nextPageToken';
/** Bodies of error answers kept for messages. */
const ERROR_BODY_MAX = 4096;

interface Answer {
  status: number;
  body: string;
  /** Last-Modified of a 2xx HEAD. */
  lastModified?: string;
  /** The transport error when status is 0. */
  error?: string;
}

/** GCS's JSON error: `{"error":{"code","message","errors":[{"reason","message"}]}}`. */
function errorOf(body: string): { reason?: string; message?: string } {
  try {
    const e = (JSON.parse(body) as { error?: { message?: string; errors?: Array<{ reason?: string }> } }).error;
    return { reason: e?.errors?.[0]?.reason, message: e?.message };
  } catch {
    return {};
  }
}

/** What GCS's port can say about each failure: which IAM permissions, which credentials. */
function gcsDetail(kind: StoreFailure, bucket: string, said: string | undefined): string {
  const tail = said ? ` (GCS said: ${said.slice(0, 200)})` : '';
  switch (kind) {
    case 'forbidden':
      return `the credentials need storage.objects.get and storage.objects.list on gs://${bucket} (roles/storage.objectViewer on the bucket)${tail}`;
    case 'unauthenticated':
      return 'the token is invalid or expired, and a fresh one was refused too: check the credentials (GOOGLE_APPLICATION_CREDENTIALS; in a workflow, the workload identity provider and service account)' + tail;
    case 'no-such-bucket':
      return `check the bucket name (gs://${bucket})${tail}`;
    case 'no-credentials':
      return (
        'Application Default Credentials found none or could not get a token: set GOOGLE_APPLICATION_CREDENTIALS ' +
        `(in a workflow, google-github-actions/auth), or STORAGE_EMULATOR_HOST for an emulator${said ? ` (${said.slice(0, 300)})` : ''}`
      );
    default:
      return said?.slice(0, 200) ?? '';
  }
}

/**
 * The Google Cloud Storage store: plain HTTP on keep-alive sockets, no per-request client
 * library. Listings through the JSON API (objects.list with start/end offsets, so a day's key
 * space is cut into exact slices), existence through the XML API's HEAD (no body to read or
 * parse: the cheapest correct request, bench row 7). Every request carries the shared bearer
 * token; a 401 gets one fresh token and one more try before it counts.
 */
export function gcsStore(opts: GcsOptions): ObjectStore {
  const base = new URL((opts.endpoint ?? GCS_ENDPOINT).replace(/\/+$/, '') + '/');
  const https = base.protocol === 'https:';
  const maxSockets = opts.maxSockets ?? 128;
  const agentOpts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  const agent = https ? new HttpsAgent(agentOpts) : new HttpAgent(agentOpts);
  const timeout = opts.requestTimeoutMs ?? 30_000;
  const bucket = opts.bucket;
  const basePath = base.pathname.replace(/\/$/, '');
  const headPath = (key: string) => `${basePath}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const listPath = `${basePath}/storage/v1/b/${encodeURIComponent(bucket)}/o`;

  const send = (method: 'GET' | 'HEAD', path: string, token: string | undefined): Promise<Answer> => {
    const headers: string[] = ['host', base.host, 'user-agent', USER_AGENT];
    if (token) headers.push('authorization', `Bearer ${token}`);
    const options: RequestOptions = {
      agent,
      hostname: base.hostname,
      port: base.port || undefined,
      method,
      path,
      // Raw header pairs: no per-header validation and lower-casing inside node:http.
      headers: headers,
      setHost: false,
      timeout,
    };
    return new Promise((resolve) => {
      let responded = false;
      const onResponse = (res: IncomingMessage) => {
        responded = true;
        const status = res.statusCode ?? 0;
        // A HEAD has no body; a GET's is read whole (a list page) or in part (an error).
        if (method === 'HEAD') {
          res.resume();
          resolve({ status, body: '', lastModified: res.headers['last-modified'] });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        const ok = status >= 200 && status < 300;
        res.on('data', (c: Buffer) => {
          if (ok || size < ERROR_BODY_MAX) chunks.push(c);
          size += c.length;
        });
        // An error page may quote the request's Authorization header: never pass the token on.
        res.on('end', () => resolve({ status, body: ok ? Buffer.concat(chunks).toString('utf8') : redact(Buffer.concat(chunks).toString('utf8'), token) }));
        res.on('error', (err) => resolve({ status: 0, body: '', error: redact(err.message, token) }));
      };
      const req = https ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
      req.on('timeout', () => req.destroy(new Error('timed out')));
      // No answer (reset, refused, timeout): status 0, worth another try. Later events are no-ops.
      req.on('error', (err) => resolve({ status: 0, body: '', error: err.message }));
      req.on('close', () => {
        if (!responded) resolve({ status: 0, body: '', error: 'connection closed' });
      });
      req.end();
    });
  };

  const failure = (kind: StoreFailure, what: string, a: Answer, code?: string, said?: string) =>
    new StoreError(kind, storeMessage('GCS', kind, what, a.status, gcsDetail(kind, bucket, said ?? a.error)), { status: a.status, code });

  /** A request with the shared token; a 401 gets one fresh token and one more try. */
  const authed = async (method: 'GET' | 'HEAD', path: string, what: string): Promise<Answer | StoreError> => {
    let token: string | undefined;
    try {
      token = await opts.tokens.get();
      let a = await send(method, path, token);
      if (a.status !== 401) return a;
      token = await opts.tokens.refreshAfter(token);
      a = await send(method, path, token);
      return a;
    } catch (err) {
      if (err instanceof CredentialsError) return failure('no-credentials', what, { status: 0, body: '' }, undefined, err.message);
      throw err;
    }
  };

  return {
    kind: 'gcs',
    bucket,

    async listPage(q: ListQuery): Promise<ListPage> {
      const params = new URLSearchParams({ prefix: q.prefix, maxResults: String(Math.min(q.maxKeys ?? PAGE_SIZE, PAGE_SIZE)), fields: LIST_FIELDS });
      // GCS's bounds: startOffset inclusive, endOffset exclusive (see ListQuery).
      if (q.from !== undefined) params.set('startOffset', q.from);
      if (q.to !== undefined) params.set('endOffset', q.to);
      if (q.token) params.set('pageToken', q.token);
      const what = `a listing of ${q.prefix}`;
      const a = await authed('GET', `${listPath}?${params.toString()}`, what);
      if (a instanceof StoreError) throw a;
      if (a.status >= 200 && a.status < 300) {
        let page: { items?: Array<{ name?: string; updated?: string }>; nextPageToken?: string };
        try {
          page = JSON.parse(a.body) as typeof page;
        } catch {
          throw failure('unavailable', what, a, undefined, 'the answer was not JSON');
        }
        const objects: ListedObject[] = (page.items ?? []).map((o) => {
          const t = o.updated ? Date.parse(o.updated) : NaN;
          return { key: o.name ?? '', savedAt: Number.isFinite(t) ? t : undefined };
        });
        return { objects, next: page.nextPageToken || undefined };
      }
      const e = errorOf(a.body);
      throw failure(classifyListFailure(a.status, e.reason), what, a, e.reason, e.message);
    },

    async head(key: string): Promise<Presence | StoreError> {
      const what = 'a HEAD of a processed crash';
      const a = await authed('HEAD', headPath(key), what);
      if (a instanceof StoreError) return a;
      const v = classifyObjectAnswer(a.status);
      return v === 'found' || v === 'missing' ? v : failure(v, what, a);
    },

    async savedAt(key: string): Promise<number | 'missing' | StoreError> {
      const what = 'a HEAD of a raw crash';
      const a = await authed('HEAD', headPath(key), what);
      if (a instanceof StoreError) return a;
      const v = classifyObjectAnswer(a.status);
      if (v === 'missing') return v;
      if (v !== 'found') return failure(v, what, a);
      const t = a.lastModified ? Date.parse(a.lastModified) : NaN;
      return Number.isFinite(t) ? t : failure('rejected', what, a, undefined, 'no Last-Modified in the answer');
    },

    close() {
      agent.destroy();
      return Promise.resolve();
    },
  };
}
