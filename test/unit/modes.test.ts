/**
 * The modes against ports in memory: a store whose answers are scripted, an API that records
 * what it was sent, a fake clock. What a mode does with each kind of answer, without a server.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { silentReporter } from '../../src/core/progress.ts';
import { runCheck } from '../../src/modes/check.ts';
import { runReprocess } from '../../src/modes/reprocess.ts';
import type { ApiAnswer, ReprocessingApi } from '../../src/ports/socorro-api.ts';
import { MemoryStore, storeError } from '../support/memory-store.ts';

const ID = (i: number) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000160918`;
const IDS = Array.from({ length: 40 }, (_, i) => ID(i));
const PROCESSED = IDS.filter((_, i) => i % 4 !== 0);
const UNPROCESSED = IDS.filter((_, i) => i % 4 === 0);

let dir: string;
let n = 0;
let idsFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modes-'));
  idsFile = join(dir, 'ids.txt');
  await writeFile(idsFile, IDS.join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const out = async () => mkdtemp(join(dir, `out-${n++}-`));
const lines = async (p: string) => (await readFile(p, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort();
const store = (opts: ConstructorParameters<typeof MemoryStore>[0] = {}) => new MemoryStore(opts).putAll(PROCESSED.map(processedCrashKey));

describe('runCheck', () => {
  it('sorts ids into haves and havenots by the store\'s verdicts', async () => {
    const o = await out();
    const r = await runCheck({ files: [idsFile], out: o, concurrency: 4 }, { store: store(), reporter: silentReporter });
    expect([r.haves, r.havenots, r.errors, r.failure]).toEqual([30, 10, 0, undefined]);
    expect(await lines(join(o, 'haves.txt'))).toEqual([...PROCESSED].sort());
    expect(await lines(join(o, 'havenots.txt'))).toEqual([...UNPROCESSED].sort());
  });

  it('retries transient failures on the clock and narrows the pool when throttled; every id ends right', async () => {
    const clock = new FakeClock();
    let heads = 0;
    // Every third HEAD is throttled or unavailable, 30 times in all.
    const s = store({ fail: (op) => (op === 'head' && ++heads % 3 === 0 && heads < 90 ? storeError(heads % 2 ? 'throttled' : 'unavailable', 503) : undefined) });
    const o = await out();
    const r = await clock.drive(runCheck({ files: [idsFile], out: o, concurrency: 8 }, { store: s, reporter: silentReporter, clock, random: () => 0.5 }));
    expect([r.haves, r.havenots, r.errors, r.failure]).toEqual([30, 10, 0, undefined]);
    // Each failed HEAD was retried: every request beyond one a key is a retry (havenots also
    // get their raw crash looked up, for the hour it was saved).
    expect(r.requests).toBe(s.calls.head);
    expect(r.retries).toBe(r.requests - s.keysAsked.size);
    expect(r.retries).toBeGreaterThan(10);
    expect(r.throttled).toBeGreaterThan(0);
    expect(r.finalConcurrency).toBeLessThan(8);
    expect(await lines(join(o, 'havenots.txt'))).toEqual([...UNPROCESSED].sort());
  });

  it('a failure that says the same of every id (forbidden, unauthenticated…) stops the run: nothing more is asked, nothing is a havenot', async () => {
    for (const kind of ['forbidden', 'unauthenticated', 'clock-skew', 'signature', 'no-credentials'] as const) {
      const s = store({ fail: (op, _k, i) => (op === 'head' && i > 5 ? storeError(kind, 403) : undefined), delay: () => new Promise((r) => setImmediate(r)) });
      const o = await out();
      const r = await runCheck({ files: [idsFile], out: o, concurrency: 2 }, { store: s, reporter: silentReporter });
      expect(r.failure).toBe(`memory store: ${kind}`);
      expect(r.haves + r.havenots).toBeLessThanOrEqual(5);
      expect(s.calls.head).toBeLessThanOrEqual(5 + 2);
      const havenots = await lines(join(o, 'havenots.txt'));
      expect(havenots.every((id) => UNPROCESSED.includes(id))).toBe(true);
    }
  });

  it('an id whose HEAD keeps failing is written nowhere and makes the run fail, for a rerun to finish', async () => {
    const clock = new FakeClock();
    const stuck = processedCrashKey(IDS[1]);
    const s = store({ fail: (op, key) => (op === 'head' && key === stuck ? storeError('unavailable', 500) : undefined) });
    const o = await out();
    const r = await clock.drive(runCheck({ files: [idsFile], out: o, concurrency: 4, policy: { attempts: 3, baseMs: 10, capMs: 10 } }, { store: s, reporter: silentReporter, clock }));
    expect([r.haves, r.havenots, r.errors]).toEqual([29, 10, 1]);
    expect(r.failure).toMatch(/^1 id\(s\) could not be checked \(last: HTTP 500\); they were written nowhere/);
    expect(await lines(join(o, 'haves.txt'))).not.toContain(IDS[1]);
    expect(await lines(join(o, 'havenots.txt'))).not.toContain(IDS[1]);
    // The rerun checks only that one id.
    const again = await runCheck({ files: [idsFile], out: o, concurrency: 4 }, { store: store(), reporter: silentReporter });
    expect([again.skipped, again.haves, again.havenots]).toEqual([39, 1, 0]);
  });

  it('throttling wears out an id more slowly than failures do: 20 throttles in a row still end in a verdict, 3 failures do not', async () => {
    const clock = new FakeClock();
    const slow = processedCrashKey(IDS[1]);
    const broken = processedCrashKey(IDS[2]);
    let throttles = 0;
    const s = store({
      fail: (op, key) => {
        if (op === 'head' && key === slow && ++throttles <= 20) return storeError('throttled', 503);
        if (op === 'head' && key === broken) return storeError('unavailable', 500);
        return undefined;
      },
    });
    const o = await out();
    const policy = { attempts: 3, baseMs: 10, capMs: 10, throttledAttempts: 25 };
    const r = await clock.drive(runCheck({ files: [idsFile], out: o, concurrency: 4, policy }, { store: s, reporter: silentReporter, clock }));
    expect([r.haves, r.errors]).toEqual([29, 1]);
    expect(await lines(join(o, 'haves.txt'))).toContain(IDS[1]);
    expect(r.throttled).toBe(20);
    // With no budget of their own, throttles count as failures.
    throttles = 0;
    const again = await clock.drive(runCheck({ files: [idsFile], out: await out(), concurrency: 4, policy: { ...policy, throttledAttempts: undefined } }, { store: s, reporter: silentReporter, clock }));
    expect(again.errors).toBe(2);
  });

  it('a bucket that does not exist stops before any result file is written', async () => {
    const s = store({ fail: (op) => (op === 'list' ? storeError('no-such-bucket', 404) : undefined) });
    const o = await out();
    await expect(runCheck({ files: [idsFile], out: o }, { store: s, reporter: silentReporter })).rejects.toThrow('memory store: no-such-bucket; nothing was checked');
    expect(s.calls.head).toBe(0);
    expect(await lines(join(o, 'havenots.txt'))).toEqual([]);
  });
});

/** A Reprocessing API in memory: answers by a rule, records what it was sent. */
function fakeApi(answer: (ids: string[]) => ApiAnswer): ReprocessingApi & { sent: string[][] } {
  const sent: string[][] = [];
  return {
    sent,
    submit: (ids) => {
      sent.push(ids);
      return Promise.resolve(answer(ids));
    },
    close: () => Promise.resolve(),
  };
}
const spell = (name: string) => `--${name}`;

describe('runReprocess', () => {
  it('sends batches paced on the clock, and the ledger holds what was accepted', async () => {
    const clock = new FakeClock(0);
    const api = fakeApi(() => ({ status: 200, body: 'null' }));
    const o = await out();
    const starts: number[] = [];
    const r = await clock.drive(
      runReprocess(
        { files: [idsFile], out: o, batchSize: 10, sleepSeconds: 2 },
        { api: () => ({ ...api, submit: (ids) => (starts.push(clock.now()), api.submit(ids)) }), reporter: silentReporter, spell, clock },
      ),
    );
    expect([r.submitted, r.batches, r.requests]).toEqual([40, 4, 4]);
    expect(starts).toEqual([0, 2000, 4000, 6000]);
    expect(await lines(join(o, 'reprocessed.txt'))).toEqual([...IDS].sort());
  });

  it('isolates an invalid id the API names, and one it does not name when others are accepted', async () => {
    const named = IDS[3];
    const unnamed = IDS[17];
    const api = fakeApi((ids) => {
      if (ids.includes(named)) return { status: 400, body: `{"error": "Bad request: BadArgumentError: Crash id '${named}' is not valid."}` };
      if (ids.includes(unnamed)) return { status: 400, body: '<h1>Bad Request (400)</h1>' };
      return { status: 200, body: 'null' };
    });
    const o = await out();
    const r = await runReprocess({ files: [idsFile], out: o, batchSize: 20, sleepSeconds: 0 }, { api: () => api, reporter: silentReporter, spell });
    expect([r.submitted, r.rejected, r.failure]).toEqual([38, 2, undefined]);
    expect(await lines(join(o, 'rejected.txt'))).toEqual([named, unnamed].sort());
    expect((await lines(join(o, 'reprocessed.txt'))).length).toBe(38);
  });

  it('an API that refuses everything with 400 stops the run: nothing rejected, nothing in the ledger', async () => {
    const api = fakeApi(() => ({ status: 400, body: 'Bad Request' }));
    const o = await out();
    const r = await runReprocess({ files: [idsFile], out: o, batchSize: 8, sleepSeconds: 0 }, { api: () => api, reporter: silentReporter, spell });
    expect(r.failure).toMatch(/answered 400 to every request, even to single ids.*Check --apiUrl and --ruleset$/);
    expect([r.submitted, r.rejected]).toEqual([0, 0]);
    expect(await lines(join(o, 'rejected.txt'))).toEqual([]);
    // One batch halved down to single ids, then it stopped: no second batch.
    expect(api.sent.every((b) => IDS.slice(0, 8).includes(b[0]))).toBe(true);
  });

  it('a 403 stops at once, naming the permission', async () => {
    const api = fakeApi(() => ({ status: 403, body: "{\"error\": \"Use of this endpoint requires the 'Reprocess Crashes' permission\"}" }));
    const o = await out();
    const r = await runReprocess({ files: [idsFile], out: o, batchSize: 10, sleepSeconds: 0 }, { api: () => api, reporter: silentReporter, spell });
    expect(r.failure).toMatch(/needs the 'Reprocess Crashes' permission/);
    expect(api.sent).toHaveLength(1);
  });

  it('refuses more than max ids, sending nothing, in the adapter\'s words', async () => {
    const api = fakeApi(() => ({ status: 200, body: 'null' }));
    const o = await out();
    await expect(
      runReprocess({ files: [idsFile], out: o, max: 10 }, { api: () => api, reporter: silentReporter, spell: (x) => (x === 'allowMany' ? 'allow-many' : x) }),
    ).rejects.toThrow(/^40 crash ids to submit is more than max 10; nothing was sent\..*then use allow-many$/);
    expect(api.sent).toEqual([]);
  });

  it('an abort stops before the next batch: the one in flight is recorded', async () => {
    const ctl = new AbortController();
    const api = fakeApi((ids) => {
      if (ids[0] === IDS[10]) ctl.abort();
      return { status: 200, body: 'null' };
    });
    const o = await out();
    const r = await runReprocess({ files: [idsFile], out: o, batchSize: 10, sleepSeconds: 0, signal: ctl.signal }, { api: () => api, reporter: silentReporter, spell });
    expect(r.submitted).toBe(20);
    expect(r.failure).toMatch(/^interrupted: 20 id\(s\) were accepted and are in the ledger/);
    expect((await lines(join(o, 'reprocessed.txt'))).length).toBe(20);
  });
});
