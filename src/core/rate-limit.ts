import type { Clock } from './clock.ts';

/**
 * Keeps requests under a per-minute limit by spacing them evenly: each caller of `take` gets the
 * next free slot and waits for it. Socorro limits its API per client IP and per fixed minute
 * (1000 a minute with a token, 100 without); a share of that limit is asked for, so that
 * another tool on the same address, or the clock's edge of a window, does not tip it into 429s.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private nextAt = -Infinity;

  constructor(perMinute: number, clock: Clock) {
    this.intervalMs = 60_000 / perMinute;
    this.clock = clock;
  }

  /** Waits for this caller's slot (cut short by `signal`, then resolves at once). */
  async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    if (at > now) await this.clock.sleep(at - now, signal);
  }
}

/** Socorro's API limits per client IP, a minute: with a token and without. */
export const API_LIMIT_PER_MINUTE = { withToken: 1000, anonymous: 100 } as const;
/** The share of the limit a run asks for. */
export const API_LIMIT_SHARE = 0.9;
