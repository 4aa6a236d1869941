import type { Dispatcher } from 'undici';
import { isRetryableApiStatus } from '../core/classify.ts';
import { redact } from '../core/errors.ts';
import { API_RETRY, backoffMs, parseRetryAfter, type RetryPolicy } from '../core/retry.ts';
import { histogramHours, histogramQuery, idsPerSearch, searchQuery } from '../core/search.ts';

/** An answer of Socorro's API after retries. */
export interface ApiAnswer {
  /** Final HTTP status; 0 when no answer came at all. */
  status: number;
  /** Response text (a few hundred characters at most for errors), with the token redacted. */
  body: string;
  /** The transport error when status is 0. */
  error?: string;
  /** A 429's Retry-After, in ms, when it sent one. */
  retryAfterMs?: number;
}

/** What a search said: the ids it found among those asked, when it answered 2xx with hits. */
export interface SearchAnswer extends ApiAnswer {
  found?: Set<string>;
}

/** What a date histogram said: searchable crashes per UTC hour (0..23) of the date, when it answered 2xx with one. */
export interface HistogramAnswer extends ApiAnswer {
  hours?: number[];
}

/** What the modes need from Socorro (crash-stats' API). */
export interface CrashStatsApi {
  /** POSTs one batch to /api/Reprocessing/; answers HTTP and network failures, never throws for them. */
  submit(crashIds: string[]): Promise<ApiAnswer>;
  /**
   * Asks /api/SuperSearch/ which of `crashIds` (all of one crash date) it has; `variant` changes
   * the query's cache key only (see core/search.ts). Answers failures, never throws for them.
   */
  search(crashIds: string[], variant?: number): Promise<SearchAnswer>;
  /** How many ids one search request can take. */
  readonly idsPerSearch: number;
  /**
   * Asks /api/SuperSearch/ for the crashes it holds of one date (YYYYMMDD; within since/until,
   * minutes of the day), per hour of their `date` (see core/search.ts histogramQuery). Answers
   * failures, never throws for them.
   */
  histogram(date: string, window?: { since?: number; until?: number }): Promise<HistogramAnswer>;
  close(): Promise<void>;
}

export type ReprocessingApi = Pick<CrashStatsApi, 'submit' | 'close'>;
export type SearchApi = Pick<CrashStatsApi, 'search' | 'idsPerSearch' | 'close'>;
export type HistogramApi = Pick<CrashStatsApi, 'histogram' | 'close'>;

export type RetryListener = (reason: string, attempt: number, waitMs: number) => void;

export interface ApiOptions {
  apiUrl: string;
  /** Sent as Auth-Token; may be absent for read-only calls. */
  token?: string;
  /** `default` or `regenerate_signature`, appended to each id as `id:ruleset`. */
  ruleset?: string;
  policy?: RetryPolicy;
  /** Called before each retry, for the log. */
  onRetry?: RetryListener;
  timeoutMs?: number;
  /**
   * Cuts a retry wait short (a cancelled job: the runner kills it 10 s after the first signal,
   * and a Retry-After can be longer): the request then fails as it last answered. A request in
   * flight is left to finish, so an accepted batch's answer still reaches the ledger.
   */
  signal?: AbortSignal;
}

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** The body Socorro expects: `crash_ids` once per id, form-encoded. */
export function reprocessingForm(crashIds: string[], ruleset?: string): string {
  const form = new URLSearchParams();
  for (const id of crashIds) form.append('crash_ids', ruleset ? `${id}:${ruleset}` : id);
  return form.toString();
}

/**
 * Socorro's API over undici: one keep-alive pool, and undici's RetryAgent for 429, 5xx and
 * network errors with the project's one backoff policy (core/retry.ts), Retry-After honoured.
 */
export function socorroApi(opts: ApiOptions): CrashStatsApi {
  const base = new URL(opts.apiUrl.replace(/\/+$/, '') + '/');
  const reprocessing = new URL('api/Reprocessing/', base);
  const superSearch = new URL('api/SuperSearch/', base);
  const timeout = opts.timeoutMs ?? 60_000;
  const policy = opts.policy ?? API_RETRY;
  // Error pages can echo the request's headers (debug pages, some proxies): the token must not reach a log.
  const hide = (s: string): string => redact(s, opts.token);
  // undici is loaded on the first request: a dry run never pays for it.
  let lazy: Promise<Dispatcher> | undefined;
  const dispatcher = () => (lazy ??= makeDispatcher());
  const makeDispatcher = async (): Promise<Dispatcher> => {
    const { Agent, RetryAgent } = await import('undici');
    const agent = new Agent({ connections: 4, keepAliveTimeout: 10_000, headersTimeout: timeout, bodyTimeout: timeout });
    return new RetryAgent(agent, {
      // POST is not retried by default: a Reprocessing request only queues ids, and a repeat
      // of a batch whose answer was lost costs one extra processing, not a lost crash.
      methods: ['GET', 'POST'],
      statusCodes: [429, 500, 502, 503, 504],
      throwOnError: false,
      retry(err, ctx, cb) {
        const e = err as Error & { statusCode?: number; code?: string; headers?: Record<string, string | string[]> };
        const attempt = ctx.state.counter;
        // A search's 429 goes back to the mode's pace (core/rate-limit.ts), which holds every
        // request until the window ends: retried here, each request would probe the spent window.
        if (e.statusCode === 429 && String(ctx.opts.path).startsWith(superSearch.pathname)) return cb(err);
        const transient = e.statusCode ? isRetryableApiStatus(e.statusCode) : NETWORK_CODES.has(e.code ?? '') || e.code === 'UND_ERR_REQ_RETRY';
        if (!transient || attempt >= policy.attempts || opts.signal?.aborted) return cb(err);
        const wait = backoffMs(policy, attempt, parseRetryAfter(e.headers?.['retry-after'], Date.now()));
        opts.onRetry?.(e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? e.message), attempt, wait);
        const stop = () => {
          clearTimeout(timer);
          cb(err);
        };
        const timer = setTimeout(() => {
          opts.signal?.removeEventListener('abort', stop);
          cb(null);
        }, wait);
        opts.signal?.addEventListener('abort', stop, { once: true });
        return timer as unknown as null;
      },
    });
  };

  const headers = (extra: Record<string, string>): Record<string, string> => ({
    ...extra,
    ...(opts.token ? { 'auth-token': opts.token } : {}),
    'user-agent': 'socorro-reprocess',
  });

  const call = async (method: 'GET' | 'POST', url: URL, extraHeaders: Record<string, string>, body?: string): Promise<ApiAnswer> => {
    try {
      const res = await (await dispatcher()).request({ origin: url.origin, path: url.pathname + url.search, method, headers: headers(extraHeaders), body });
      const text = await res.body.text();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const answer: ApiAnswer = { status: res.statusCode, body: ok ? text : hide(text).slice(0, 500) };
      if (res.statusCode === 429) {
        const after = parseRetryAfter(res.headers['retry-after'], Date.now());
        if (after !== undefined) answer.retryAfterMs = after;
      }
      return answer;
    } catch (err) {
      const e = err as Error & { statusCode?: number; code?: string };
      if (typeof e.statusCode === 'number') return { status: e.statusCode, body: hide(e.message) };
      return { status: 0, body: '', error: hide(e.code ? `${e.code}: ${e.message}` : e.message) };
    }
  };

  return {
    submit(crashIds) {
      return call('POST', reprocessing, { 'content-type': 'application/x-www-form-urlencoded' }, reprocessingForm(crashIds, opts.ruleset));
    },
    idsPerSearch: idsPerSearch(superSearch.pathname),
    async search(crashIds, variant = 0) {
      const url = new URL(superSearch);
      url.search = searchQuery(crashIds, variant);
      const a: SearchAnswer = await call('GET', url, { accept: 'application/json' });
      if (a.status < 200 || a.status >= 300) return a;
      try {
        const hits = (JSON.parse(a.body) as { hits?: Array<{ uuid?: unknown }> }).hits;
        if (!Array.isArray(hits)) return { status: 0, body: a.body.slice(0, 200), error: 'the search answer had no hits list' };
        const asked = new Set(crashIds);
        a.found = new Set(hits.map((h) => h.uuid).filter((u): u is string => typeof u === 'string' && asked.has(u)));
        a.body = '';
        return a;
      } catch {
        return { status: 0, body: a.body.slice(0, 200), error: 'the search answer was not JSON' };
      }
    },
    async histogram(date, window) {
      const url = new URL(superSearch);
      url.search = histogramQuery(date, window);
      const a: HistogramAnswer = await call('GET', url, { accept: 'application/json' });
      if (a.status < 200 || a.status >= 300) return a;
      let parsed: unknown;
      try {
        parsed = JSON.parse(a.body);
      } catch {
        return { status: 0, body: a.body.slice(0, 200), error: 'the search answer was not JSON' };
      }
      const hours = histogramHours(parsed, date);
      if (!hours) return { status: 0, body: a.body.slice(0, 200), error: 'the search answer had no date histogram (facets.histogram_date)' };
      return { status: a.status, body: '', hours };
    },
    async close() {
      if (lazy) await (await lazy).close();
    },
  };
}
