import type { Clock } from './clock.ts';

/**
 * The one backoff policy: exponential with full jitter (a delay drawn uniformly from
 * [0, min(cap, base · 2^(attempt-1))]), so that many clients retrying at once spread out instead
 * of coming back together. A server's Retry-After wins when it gives one, up to the cap.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Upper bound of the first retry's delay. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
  /**
   * Attempts an answer of "slow down" may take, apart from `attempts`: throttling says the store is
   * well and busy (and the pool narrows for it), so it wears out an id's budget more slowly.
   */
  throttledAttempts?: number;
  /**
   * No wait after "slow down" is longer than this. The pool's width is what slows a run down;
   * an id that kept doubling its wait would sit idle for seconds while the store had room again,
   * and a run's last ids would end it alone, long after the rest.
   */
  throttledCapMs?: number;
}

/** HEADs: the pool retries an id quickly; throttling narrows the pool rather than lengthening the wait. */
export const HEAD_RETRY: RetryPolicy = { attempts: 10, baseMs: 100, capMs: 10_000, throttledAttempts: 40, throttledCapMs: 1000 };
/** Listing pages: a store that stays unhealthy for a minute or so is ridden out. */
export const LIST_RETRY: RetryPolicy = { attempts: 8, baseMs: 500, capMs: 20_000 };
/** Socorro's API (Reprocessing and SuperSearch): slower, and it sends Retry-After with its 429s. */
export const API_RETRY: RetryPolicy = { attempts: 9, baseMs: 1000, capMs: 60_000 };

/** The delay before retry number `attempt` (1 = the first retry). */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs)) return Math.min(Math.max(retryAfterMs, 0), policy.capMs);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** Retry-After (seconds, or an HTTP date) as milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export interface RetryOptions {
  policy: RetryPolicy;
  clock: Clock;
  /** Whether a failure is worth another attempt; anything else is thrown at once. */
  retryable(err: unknown): boolean;
  /** Called before each wait, for the log. */
  onRetry?(err: unknown, attempt: number, waitMs: number): void;
  signal?: AbortSignal;
  random?: () => number;
}

/**
 * Runs `fn` until it succeeds, fails with something not retryable, or uses up the policy's
 * attempts (then the last failure is thrown). An abort stops the waiting and throws the last failure.
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.policy.attempts || !opts.retryable(err) || opts.signal?.aborted) throw err;
      const wait = backoffMs(opts.policy, attempt, undefined, opts.random);
      opts.onRetry?.(err, attempt, wait);
      await opts.clock.sleep(wait, opts.signal);
      if (opts.signal?.aborted) throw err;
    }
  }
}
