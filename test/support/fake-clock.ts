/** A fake Clock for unit tests: time moves only when a test moves it. */
import type { Clock } from '../../src/core/clock.ts';

/**
 * A clock that moves only when told to, for unit tests. A sleep resolves once `advance` (or
 * `runAll`) moves time past its deadline; sleepers wake in deadline order.
 */
export class FakeClock implements Clock {
  private t: number;
  private sleepers: Array<{ at: number; wake: () => void }> = [];

  constructor(start = Date.UTC(2026, 11, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** How many sleeps are waiting. */
  get pending(): number {
    return this.sleepers.length;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const entry = { at: this.t + Math.max(0, ms), wake: () => resolve() };
      this.sleepers.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== entry);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way (letting each run in turn). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flushMicrotasks();
      const due = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.wake();
    }
    this.t = end;
    await flushMicrotasks();
  }

  /**
   * Runs `work` to its end, moving time to the next sleeper's deadline whenever the work waits
   * on this clock only (real I/O is given real time to finish). Resolves with its result.
   */
  async drive<T>(work: Promise<T>, limitMs = 24 * 3600_000): Promise<T> {
    const start = this.t;
    let settled = false;
    const done = work.finally(() => (settled = true));
    done.catch(() => {});
    while (!settled) {
      await flushMicrotasks();
      if (settled) break;
      const next = this.sleepers.reduce((m, s) => Math.min(m, s.at), Infinity);
      if (next !== Infinity && next - start <= limitMs) await this.advance(Math.max(0, next - this.t));
      else await new Promise((r) => setTimeout(r, 1));
    }
    return done;
  }

  /** Advances until nobody sleeps (at most `limitMs`); returns the time that passed. */
  async runAll(limitMs = 24 * 3600_000): Promise<number> {
    const start = this.t;
    for (;;) {
      await flushMicrotasks();
      const next = this.sleepers.reduce((m, s) => Math.min(m, s.at), Infinity);
      if (next === Infinity || next - start > limitMs) break;
      await this.advance(next - this.t);
    }
    return this.t - start;
  }
}

/** Lets promise chains settle (several turns: a chain of awaits needs one each). */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
