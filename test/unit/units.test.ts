/**
 * The small units the modes are built of, each on its own: the pool and its AIMD width, the
 * batched result writer, the pacer, progress lines, signal handling. Fake clocks, no sleeps.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { interruptSignal, type SignalSource } from '../../src/core/interrupt.ts';
import { AppendOnceFile, BatchedAppender } from '../../src/core/ledger.ts';
import { Pacer } from '../../src/core/pacer.ts';
import { Aimd, forEachPooled, type PoolWidth } from '../../src/core/pool.ts';
import { formatDuration, periodicProgress } from '../../src/core/progress.ts';

const ID = (i: number) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000160918`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'units-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A promise and its resolver, to hold work in flight until a test lets it go. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('forEachPooled', () => {
  it('runs every item once, never more than the width at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachPooled(Array.from({ length: 50 }, (_, i) => i), 7, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      seen.push(i);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(7);
  });

  it('pulls items one by one: nothing is taken ahead of a free lane', async () => {
    let pulled = 0;
    function* items() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const g = gate();
    const run = forEachPooled(items(), 3, () => g.promise);
    await new Promise((r) => setImmediate(r));
    expect(pulled).toBe(3);
    g.open();
    await run;
    expect(pulled).toBe(100);
  });

  it('can be narrowed and widened while it runs', async () => {
    let pool!: PoolWidth;
    let inFlight = 0;
    const widths: number[] = [];
    const gates: Array<() => void> = [];
    const run = forEachPooled(
      Array.from({ length: 40 }, (_, i) => i),
      8,
      async () => {
        inFlight++;
        widths.push(inFlight);
        await new Promise<void>((r) => gates.push(r));
        inFlight--;
      },
      { onQueue: (q) => (pool = q) },
    );
    await new Promise((r) => setImmediate(r));
    expect(inFlight).toBe(8);
    pool.concurrency = 2;
    // Lanes leave as their items finish; none starts until fewer than 2 run.
    for (let i = 0; i < 8; i++) gates.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(inFlight).toBe(2);
    pool.concurrency = 5;
    await new Promise((r) => setImmediate(r));
    expect(inFlight).toBe(5);
    while (gates.length || inFlight) {
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await run;
    expect(Math.max(...widths.slice(8))).toBeLessThanOrEqual(5);
  });

  it('stops taking items on abort or on a failure, waits for those in flight, and throws the first failure', async () => {
    const ctl = new AbortController();
    let started = 0;
    await forEachPooled(Array.from({ length: 100 }, (_, i) => i), 4, async (i) => {
      started++;
      if (i === 10) ctl.abort();
      await new Promise((r) => setImmediate(r));
    }, { signal: ctl.signal });
    expect(started).toBeLessThan(16);

    let done = 0;
    const err = await forEachPooled(Array.from({ length: 100 }, (_, i) => i), 4, async (i) => {
      await new Promise((r) => setImmediate(r));
      if (i === 5) throw new Error('item 5');
      done++;
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('item 5');
    expect(done).toBeLessThan(12);
  });
});

describe('Aimd', () => {
  it('cuts the width to 60% on throttling, at most once per 200 ms, and grows it back by one per width successes', async () => {
    const clock = new FakeClock();
    const applied: number[] = [];
    const aimd = new Aimd(100, (n) => applied.push(n), { now: () => clock.now() });
    aimd.throttled();
    expect(aimd.current).toBe(60);
    aimd.throttled(); // the same burst
    expect(aimd.current).toBe(60);
    await clock.advance(200);
    aimd.throttled();
    expect(aimd.current).toBe(36);
    // Additive increase: +1/width a success, so about one width's worth of successes adds one.
    let successes = 0;
    while (aimd.current === 36) {
      aimd.success();
      successes++;
    }
    expect(aimd.current).toBe(37);
    expect(successes).toBeGreaterThanOrEqual(36);
    expect(successes).toBeLessThanOrEqual(38);
    for (let i = 0; i < 10_000; i++) aimd.success();
    expect(aimd.current).toBe(100);
    expect(applied.slice(0, 3)).toEqual([60, 36, 37]);
  });

  it('never goes below its minimum', async () => {
    const clock = new FakeClock();
    const aimd = new Aimd(4, () => {}, { min: 1, now: () => clock.now() });
    for (let i = 0; i < 20; i++) {
      aimd.throttled();
      await clock.advance(1000);
    }
    expect(aimd.current).toBe(1);
  });
});

describe('BatchedAppender', () => {
  it('writes in batches, to the right file, and leaves both files whole', async () => {
    const a = await AppendOnceFile.open(join(dir, 'a.txt'));
    const b = await AppendOnceFile.open(join(dir, 'b.txt'));
    const w = new BatchedAppender([a, b], { everyMs: 60_000, maxPending: 10 });
    for (let i = 0; i < 25; i++) w.add(i % 2, ID(i));
    expect(await w.close()).toBeUndefined();
    const lines = async (f: string) => (await readFile(join(dir, f), 'utf8')).split('\n').filter(Boolean);
    expect(await lines('a.txt')).toEqual(Array.from({ length: 13 }, (_, i) => ID(2 * i)));
    expect(await lines('b.txt')).toEqual(Array.from({ length: 12 }, (_, i) => ID(2 * i + 1)));
  });

  it('a failed write is kept and reported once, not thrown from the timer; later writes are not tried', async () => {
    let writes = 0;
    const failing = {
      append: () => {
        writes++;
        return Promise.reject(new Error('ENOSPC: no space left on device'));
      },
      touch: () => Promise.resolve(),
      close: () => Promise.resolve(),
    } as unknown as AppendOnceFile;
    const reported: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const w = new BatchedAppender([failing], { everyMs: 5, maxPending: 1000, onFailure: (e) => reported.push(e.message) });
      w.add(0, ID(1));
      await new Promise((r) => setTimeout(r, 30)); // the timer flushes, and fails
      w.add(0, ID(2));
      await w.flush();
      expect(await w.close()).toBeInstanceOf(Error);
      expect(reported).toEqual(['ENOSPC: no space left on device']);
      expect(writes).toBe(1);
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('Pacer', () => {
  it('starts one piece every interval on a fixed grid', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer(1000, clock);
    const starts: number[] = [];
    const run = (async () => {
      for (let i = 0; i < 4; i++) {
        await pacer.ready();
        starts.push(clock.now());
        await clock.sleep(100); // the piece takes 100 ms
        pacer.finished();
      }
    })();
    await clock.runAll();
    await run;
    expect(starts).toEqual([0, 1000, 2000, 3000]);
  });

  it('after a slow piece, the grid moves on from its end: no burst to catch up', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer(1000, clock);
    const starts: number[] = [];
    const run = (async () => {
      for (const took of [100, 5000, 100, 100]) {
        await pacer.ready();
        starts.push(clock.now());
        await clock.sleep(took);
        pacer.finished();
      }
    })();
    await clock.runAll();
    await run;
    // The second piece ended at 6000; the next starts a full interval later, then the grid resumes.
    expect(starts).toEqual([0, 1000, 7000, 8000]);
  });

  it('an abort cuts the wait short', async () => {
    const clock = new FakeClock(0);
    const pacer = new Pacer(60_000, clock);
    await pacer.ready();
    const ctl = new AbortController();
    const waiting = pacer.ready(ctl.signal);
    await clock.advance(10);
    ctl.abort();
    await waiting;
    expect(clock.now()).toBe(10);
  });
});

describe('periodicProgress and formatDuration', () => {
  it('prints a line every period with rate, share, counts and ETA, and one at the end', () => {
    let t = 0;
    const lines: string[] = [];
    const task = periodicProgress((l) => lines.push(l), 5000, () => t).start('check', 1000);
    t = 1000;
    task.update(100, { haves: 90, havenots: 10 });
    expect(lines).toEqual([]);
    t = 5000;
    task.update(500, { haves: 450, havenots: 50 });
    t = 6000;
    task.update(600);
    task.stop();
    expect(lines).toEqual(['check: 500/1000 (50%) haves=450 havenots=50 100/s eta 5s', 'check: 600/1000 (60%) 100/s eta 4s']);
  });

  it('formats durations as an on-call reads them', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59_400)).toBe('59s');
    expect(formatDuration(61_000)).toBe('1m01s');
    expect(formatDuration(3_600_000 + 5 * 60_000)).toBe('1h05m');
  });
});

describe('interruptSignal', () => {
  function fakeProcess(): SignalSource & EventEmitter & { exits: number[] } {
    const e = new EventEmitter() as SignalSource & EventEmitter & { exits: number[] };
    e.exits = [];
    e.exit = (code: number) => void e.exits.push(code);
    return e;
  }

  it('the first SIGINT or SIGTERM asks the run to stop and says how; the second quits with 130', () => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const proc = fakeProcess();
      const said: string[] = [];
      const i = interruptSignal((m) => said.push(m), proc);
      expect(i.signal.aborted).toBe(false);
      proc.emit(sig, sig);
      expect(i.signal.aborted).toBe(true);
      expect(said).toEqual([`${sig}: stopping after the work in flight; send it again to quit now`]);
      expect(proc.exits).toEqual([]);
      proc.emit(sig, sig);
      expect(proc.exits).toEqual([130]);
      i.dispose();
      expect(proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM')).toBe(0);
    }
  });
});
