import type { Clock } from './clock.ts';

/**
 * Starts one piece of work every `intervalMs` on a fixed grid: the submission pace Socorro's
 * on-call asks for. Time lost to a slow piece (retries, a Retry-After wait) is not made up
 * with a burst afterwards: the grid moves on from where the slow piece ended.
 */
export class Pacer {
  private readonly intervalMs: number;
  private readonly clock: Clock;
  private nextAt: number;
  private startedAt = 0;

  constructor(intervalMs: number, clock: Clock) {
    this.intervalMs = intervalMs;
    this.clock = clock;
    this.nextAt = clock.now();
  }

  /** Waits for the next slot (cut short by `signal`). */
  async ready(signal?: AbortSignal): Promise<void> {
    const wait = this.nextAt - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait, signal);
    this.startedAt = this.clock.now();
    // Late by more than half a slot: the grid restarts here rather than catching up.
    this.nextAt = (this.startedAt - this.nextAt > this.intervalMs / 2 ? this.startedAt : this.nextAt) + this.intervalMs;
  }

  /** The piece that `ready` let start has ended: one that took longer than a slot pushes the grid back. */
  finished(): void {
    const ended = this.clock.now();
    if (ended - this.startedAt > this.intervalMs) this.nextAt = Math.max(this.nextAt, ended + this.intervalMs);
  }
}
