/** The pool's width, which can be changed while it runs. */
export interface PoolWidth {
  concurrency: number;
}

/**
 * Runs `work` over `items` with at most `concurrency` at a time, pulling items one by one (a
 * month has millions of ids, none is queued ahead). The width can be changed while it runs,
 * which is how check slows down when S3 throttles: a narrower pool lets lanes finish, a wider
 * one starts more. Stops taking new items once `signal` aborts or a `work` throws (it then
 * waits for the items in flight and throws the first error).
 *
 * No queue library: each lane is one async loop, so an item costs one call of `work` and
 * nothing else (no task object, no promise per item beyond `work`'s own, no events).
 */
export function forEachPooled<T>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  opts: { signal?: AbortSignal; onQueue?: (pool: PoolWidth) => void } = {},
): Promise<void> {
  const it = items[Symbol.iterator]();
  let width = Math.max(1, Math.floor(concurrency));
  let active = 0;
  let exhausted = false;
  let failed = false;
  let failure: unknown;
  return new Promise<void>((resolve, reject) => {
    const stopped = () => failed || exhausted || opts.signal?.aborted === true;
    const settle = () => {
      if (active > 0 || !stopped()) return;
      if (failed) reject(failure instanceof Error ? failure : new Error(String(failure)));
      else resolve();
    };
    const fail = (err: unknown) => {
      if (!failed) {
        failed = true;
        failure = err;
      }
    };
    const lane = async () => {
      active++;
      try {
        // A lane leaves when the pool got narrower than the lanes running.
        while (!stopped() && active <= width) {
          let next: IteratorResult<T>;
          try {
            next = it.next();
          } catch (err) {
            fail(err);
            break;
          }
          if (next.done) {
            exhausted = true;
            break;
          }
          try {
            await work(next.value);
          } catch (err) {
            fail(err);
          }
        }
      } finally {
        active--;
        settle();
      }
    };
    const widen = () => {
      while (active < width && !stopped()) void lane();
    };
    opts.onQueue?.({
      get concurrency() {
        return width;
      },
      set concurrency(n: number) {
        width = Math.max(1, Math.floor(n));
        widen();
      },
    });
    widen();
    settle();
  });
}

/**
 * Like forEachPooled, over a queue that `work` may add to (`more`): a listing that finds a slice
 * denser than one walk can page through quickly hands back the rest of it in pieces. Items run
 * in the order they were queued; it ends when the queue is empty and nothing is in flight, or at
 * the first failure (after the items in flight, which may no longer add any).
 */
export function forEachQueued<T>(initial: Iterable<T>, concurrency: number, work: (item: T, more: (items: T[]) => void) => Promise<void>): Promise<void> {
  const queue: T[] = [...initial];
  let head = 0;
  const width = Math.max(1, Math.floor(concurrency));
  let active = 0;
  let failed = false;
  let failure: unknown;
  return new Promise<void>((resolve, reject) => {
    const more = (items: T[]) => {
      if (failed) return;
      for (const x of items) queue.push(x);
      widen();
    };
    const settle = () => {
      if (active > 0 || (!failed && head < queue.length)) return;
      if (failed) reject(failure instanceof Error ? failure : new Error(String(failure)));
      else resolve();
    };
    const lane = async () => {
      active++;
      try {
        while (!failed && head < queue.length) {
          const item = queue[head];
          // Let go of what was taken: a month's walk queues thousands of slices.
          queue[head++] = undefined as T;
          if (head > 1024 && head * 2 > queue.length) {
            queue.splice(0, head);
            head = 0;
          }
          try {
            await work(item, more);
          } catch (err) {
            if (!failed) {
              failed = true;
              failure = err;
            }
          }
        }
      } finally {
        active--;
        settle();
      }
    };
    const widen = () => {
      while (active < width && !failed && head < queue.length) void lane();
    };
    widen();
    settle();
  });
}

/**
 * Additive-increase / multiplicative-decrease on the pool's width: S3 answers SlowDown per
 * prefix, and every check job shares `v1/processed_crash/`, so backing off is the only way
 * to finish instead of burning retries.
 *
 * It starts narrow and doubles the width every round trip (one more lane per success) until the
 * first throttle or the maximum, as TCP's slow start does: eight or sixteen jobs starting at
 * once at their full width would send thousands of requests into a limit of a few hundred a
 * second, and the ids throttled in that storm would carry long backoffs into the rest of the run.
 */
export class Aimd {
  private limit: number;
  private lastCut = -Infinity;
  private slowStart = true;
  readonly max: number;
  readonly min: number;
  private readonly apply: (n: number) => void;
  private readonly now: () => number;

  constructor(max: number, apply: (n: number) => void, opts: { min?: number; initial?: number; now?: () => number } = {}) {
    this.max = max;
    this.min = opts.min ?? 1;
    this.limit = Math.max(this.min, Math.min(max, opts.initial ?? max));
    this.slowStart = this.limit < max;
    this.apply = apply;
    this.now = opts.now ?? Date.now;
  }

  get current(): number {
    return Math.floor(this.limit);
  }

  success(): void {
    if (this.limit >= this.max) return;
    const before = Math.floor(this.limit);
    this.limit = Math.min(this.max, this.limit + (this.slowStart ? 1 : 1 / Math.max(1, this.limit)));
    if (Math.floor(this.limit) !== before) this.apply(Math.floor(this.limit));
  }

  /** One cut per 200 ms: a burst of in-flight SlowDowns is one signal, not fifty. */
  throttled(): void {
    this.slowStart = false;
    const now = this.now();
    if (now - this.lastCut < 200) return;
    this.lastCut = now;
    this.limit = Math.max(this.min, this.limit * 0.6);
    this.apply(Math.floor(this.limit));
  }
}
