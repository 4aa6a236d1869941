import PQueue from 'p-queue';

/**
 * Runs `work` over `items` with at most `concurrency` at a time, without queueing every item
 * up front (a month has millions of ids). The concurrency can be changed while it runs, which
 * is how check slows down when S3 throttles. Stops feeding new items once `signal` aborts.
 */
export async function forEachPooled<T>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  opts: { signal?: AbortSignal; onQueue?: (queue: PQueue) => void } = {},
): Promise<void> {
  const queue = new PQueue({ concurrency });
  opts.onQueue?.(queue);
  let failure: unknown;
  for (const item of items) {
    if (opts.signal?.aborted || failure !== undefined) break;
    // Keep a short backlog so a concurrency change takes effect quickly.
    if (queue.size >= Math.max(16, queue.concurrency)) await queue.onSizeLessThan(Math.max(8, queue.concurrency / 2));
    queue.add(() => work(item)).catch((err: unknown) => {
      failure ??= err;
    });
  }
  await queue.onIdle();
  if (failure !== undefined) throw failure;
}

/**
 * Additive-increase / multiplicative-decrease on the pool's width: S3 answers SlowDown per
 * prefix, and every check job shares `v1/processed_crash/`, so backing off is the only way
 * to finish instead of burning retries.
 */
export class Aimd {
  private limit: number;
  private lastCut = 0;
  readonly max: number;
  readonly min: number;
  private readonly apply: (n: number) => void;

  constructor(max: number, apply: (n: number) => void, min = 1) {
    this.max = max;
    this.min = min;
    this.limit = max;
    this.apply = apply;
  }

  get current(): number {
    return Math.floor(this.limit);
  }

  success(): void {
    if (this.limit >= this.max) return;
    const before = Math.floor(this.limit);
    this.limit = Math.min(this.max, this.limit + 1 / Math.max(1, this.limit));
    if (Math.floor(this.limit) !== before) this.apply(Math.floor(this.limit));
  }

  /** One cut per 200 ms: a burst of in-flight SlowDowns is one signal, not fifty. */
  throttled(now = Date.now()): void {
    if (now - this.lastCut < 200) return;
    this.lastCut = now;
    this.limit = Math.max(this.min, this.limit * 0.6);
    this.apply(Math.floor(this.limit));
  }
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
