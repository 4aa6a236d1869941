import type { Dispatcher } from 'undici';

export interface SubmitAnswer {
  /** Final HTTP status after undici's retries; 0 when no answer came at all. */
  status: number;
  /** Response text, for error messages (a few hundred characters at most). */
  body: string;
  /** The transport error when status is 0. */
  error?: string;
}

/** What reprocess needs from Socorro. */
export interface ReprocessingApi {
  /** POSTs one batch; never throws for HTTP or network failures, it answers them. */
  submit(crashIds: string[]): Promise<SubmitAnswer>;
  close(): Promise<void>;
}

export type RetryListener = (reason: string, attempt: number, waitMs: number) => void;

export interface ApiOptions {
  apiUrl: string;
  token: string;
  /** `default` or `regenerate_signature`, appended to each id as `id:ruleset`. */
  ruleset?: string;
  /** Retries after the first attempt for 429, 5xx and network errors. */
  maxRetries?: number;
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Called before each retry, for the log. */
  onRetry?: RetryListener;
  timeoutMs?: number;
}

export const RETRY_STATUSES = [429, 500, 502, 503, 504];

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Exponential backoff with full jitter, unless the server said how long to wait (Retry-After in
 * seconds or as an HTTP date), which is honoured up to `maxMs`.
 */
export function retryDelayMs(attempt: number, retryAfter: string | string[] | undefined, minMs: number, maxMs: number): number {
  const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  if (ra !== undefined && ra !== '') {
    const secs = Number(ra);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(ra) - Date.now();
    if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), maxMs);
  }
  const cap = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

/** The body Socorro expects: `crash_ids` once per id, form-encoded. */
export function reprocessingForm(crashIds: string[], ruleset?: string): string {
  const form = new URLSearchParams();
  for (const id of crashIds) form.append('crash_ids', ruleset ? `${id}:${ruleset}` : id);
  return form.toString();
}

export function reprocessingApi(opts: ApiOptions): ReprocessingApi {
  const url = new URL(opts.apiUrl.replace(/\/+$/, '') + '/api/Reprocessing/');
  const timeout = opts.timeoutMs ?? 60_000;
  const maxRetries = opts.maxRetries ?? 8;
  const minMs = opts.minRetryMs ?? 1000;
  const maxMs = opts.maxRetryMs ?? 60_000;
  // Error pages can echo the request's headers (debug pages, some proxies): the token must not reach a log.
  const redact = (s: string): string => (opts.token ? s.split(opts.token).join('[redacted]') : s);
  // undici is loaded on the first request: a dry run never pays for it.
  let lazy: Promise<Dispatcher> | undefined;
  const dispatcher = () => (lazy ??= makeDispatcher());
  const makeDispatcher = async (): Promise<Dispatcher> => {
    const { Agent, RetryAgent } = await import('undici');
    const base = new Agent({ connections: 4, keepAliveTimeout: 10_000, headersTimeout: timeout, bodyTimeout: timeout });
    return new RetryAgent(base, {
    // POST is not retried by default: a Reprocessing request only queues ids, and a repeat
    // of a batch whose answer was lost costs one extra processing, not a lost crash.
    methods: ['POST'],
    statusCodes: RETRY_STATUSES,
    throwOnError: false,
    retry(err, ctx, cb) {
      const e = err as Error & { statusCode?: number; code?: string; headers?: Record<string, string | string[]> };
      const counter = ctx.state.counter;
      const transient = e.statusCode ? RETRY_STATUSES.includes(e.statusCode) : NETWORK_CODES.has(e.code ?? '') || e.code === 'UND_ERR_REQ_RETRY';
      if (!transient || counter > maxRetries) return cb(err);
      const wait = retryDelayMs(counter, e.headers?.['retry-after'], minMs, maxMs);
      opts.onRetry?.(e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? e.message), counter, wait);
      return setTimeout(() => cb(null), wait) as unknown as null;
    },
    });
  };

  return {
    async submit(crashIds) {
      try {
        const res = await (await dispatcher()).request({
          origin: url.origin,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'auth-token': opts.token,
            'user-agent': 'socorro-reprocess',
          },
          body: reprocessingForm(crashIds, opts.ruleset),
        });
        const text = await res.body.text();
        return { status: res.statusCode, body: redact(text).slice(0, 500) };
      } catch (err) {
        const e = err as Error & { statusCode?: number; code?: string };
        if (typeof e.statusCode === 'number') return { status: e.statusCode, body: redact(e.message) };
        return { status: 0, body: '', error: redact(e.code ? `${e.code}: ${e.message}` : e.message) };
      }
    },
    async close() {
      if (lazy) await (await lazy).close();
    },
  };
}
