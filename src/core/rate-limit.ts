import type { Clock } from './clock.ts';

/** A slot's receipt, handed back to `answered`. */
export interface Ticket {
  /** The pace it was sent at: only a request of the current pace can cut it. */
  pace: number;
  /** Sent while requests were held, to see whether the window has ended. */
  probe: boolean;
}

/**
 * Keeps requests under a per-minute limit by spacing them evenly: each caller of `take` gets the
 * next free slot and waits for it. Socorro limits its API per client IP and per fixed minute
 * (1000 a minute with a token, 100 without); a share of that limit is asked for, so that
 * another tool on the same address, or the clock's edge of a window, does not tip it into 429s.
 *
 * The published limit is not always the one in force (a proxy, another client on the address, a
 * lowered setting), so the pace learns. A 429 says the window is spent: the pace halves, and
 * requests are held while one probe at a time asks whether the window has ended (after the
 * server's Retry-After, else after 1 s, 2 s, 4 s… up to `holdMs`). Its first answer without a 429
 * lets them go at the new pace; each such answer wins back 1/200 of the configured rate, never
 * more than that rate. So a run meets a few 429s when its limit turns out lower, not one in three.
 */
export class RateLimiter {
  private readonly maxPerMinute: number;
  private readonly clock: Clock;
  private readonly holdMs: number;
  private perMinute: number;
  private nextAt = -Infinity;
  private pace = 0;
  /** While held: when the next probe may go (Infinity while one is out). */
  private heldUntil = -Infinity;
  private held = false;
  private probeDelayMs = 0;
  private release = new AbortController();
  /** 429s that cut the pace. */
  cuts = 0;

  /** `holdMs`: the longest wait between probes; Socorro's windows are fixed minutes. */
  constructor(perMinute: number, clock: Clock, holdMs = 60_000) {
    this.maxPerMinute = perMinute;
    this.perMinute = perMinute;
    this.clock = clock;
    this.holdMs = holdMs;
  }

  /** The pace now, in requests a minute. */
  get rate(): number {
    return this.perMinute;
  }

  /** Waits for this caller's slot (cut short by `signal`: then it resolves at once, and nothing should be sent). */
  async take(signal?: AbortSignal): Promise<Ticket> {
    for (;;) {
      if (signal?.aborted) return { pace: this.pace, probe: false };
      const now = this.clock.now();
      if (this.held) {
        if (this.heldUntil <= now) {
          this.heldUntil = Infinity;
          return { pace: this.pace, probe: true };
        }
        const wake = AbortSignal.any([this.release.signal, ...(signal ? [signal] : [])]);
        await this.clock.sleep(Number.isFinite(this.heldUntil) ? this.heldUntil - now : this.holdMs, wake);
        continue;
      }
      const pace = this.pace;
      const at = Math.max(now, this.nextAt);
      this.nextAt = at + 60_000 / this.perMinute;
      if (at > now) await this.clock.sleep(at - now, signal);
      // A slot handed out before a cut is not used while the cut holds requests back.
      if (pace === this.pace || !this.held) return { pace: this.pace, probe: false };
    }
  }

  /** What the request of `ticket` met: a 429, with the server's Retry-After when it sent one, or any other answer. */
  answered(ticket: Ticket, throttled: boolean, retryAfterMs?: number): void {
    const now = this.clock.now();
    if (throttled) {
      if (ticket.probe) {
        // The window has not ended yet: wait longer before the next probe.
        this.probeDelayMs = Math.min(this.holdMs, retryAfterMs ?? this.probeDelayMs * 2);
        this.heldUntil = now + this.probeDelayMs;
        this.wake();
        return;
      }
      // Requests in flight at an older pace met the same spent window: they say nothing new.
      if (ticket.pace !== this.pace || this.held) return;
      this.pace++;
      this.cuts++;
      this.perMinute = Math.max(this.perMinute / 2, Math.min(1, this.maxPerMinute));
      this.held = true;
      this.probeDelayMs = Math.min(this.holdMs, retryAfterMs ?? 1000);
      this.heldUntil = now + this.probeDelayMs;
      return;
    }
    if (this.held) {
      this.held = false;
      this.nextAt = now;
      this.wake();
    }
    this.perMinute = Math.min(this.maxPerMinute, this.perMinute + this.maxPerMinute / 200);
  }

  private wake(): void {
    this.release.abort();
    this.release = new AbortController();
  }
}

/** The most times one search is sent when it keeps meeting 429s (as the API's retry policy allows). */
export const THROTTLED_ATTEMPTS = 9;

/**
 * Sends one request in a slot of `limiter`; a 429 goes back to the limiter, which holds, and the
 * request is sent again in a later slot, at most THROTTLED_ATTEMPTS times in all. Resolves with
 * the last answer, or undefined when `signal` stopped it before it was sent.
 */
export async function paced<T extends { status: number; retryAfterMs?: number }>(
  limiter: RateLimiter,
  send: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    const ticket = await limiter.take(signal);
    if (signal?.aborted) return undefined;
    const a = await send();
    const throttled = a.status === 429;
    limiter.answered(ticket, throttled, a.retryAfterMs);
    if (!throttled || attempt >= THROTTLED_ATTEMPTS) return a;
  }
}

/** Socorro's API limits per client IP, a minute: with a token and without. */
export const API_LIMIT_PER_MINUTE = { withToken: 1000, anonymous: 100 } as const;
/** The share of the limit a run asks for. */
export const API_LIMIT_SHARE = 0.9;
