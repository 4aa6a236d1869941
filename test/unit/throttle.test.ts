/**
 * The throttling controller (the pool's AIMD width and the waits of throttled ids) on a fake
 * clock: alone, and as several check jobs sharing one store limit, a token bucket answering
 * "slow down" above its rate, each request a round trip of simulated time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { Aimd } from '../../src/core/pool.ts';
import { silentReporter } from '../../src/core/progress.ts';
import { HEAD_RETRY } from '../../src/core/retry.ts';
import { runCheck } from '../../src/modes/check.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { MemoryStore, storeError } from '../support/memory-store.ts';

const ID = (i: number) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000160918`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'throttle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Aimd', () => {
  it('starts narrow and doubles the width every round trip until the maximum', () => {
    const clock = new FakeClock();
    const applied: number[] = [];
    const aimd = new Aimd(128, (n) => applied.push(n), { initial: 16, now: () => clock.now() });
    expect(aimd.current).toBe(16);
    // A round trip of a 16-wide pool is 16 successes: one more lane each.
    for (let i = 0; i < 16; i++) aimd.success();
    expect(aimd.current).toBe(32);
    for (let i = 0; i < 32; i++) aimd.success();
    expect(aimd.current).toBe(64);
    for (let i = 0; i < 1000; i++) aimd.success();
    expect(aimd.current).toBe(128);
    expect(applied.at(-1)).toBe(128);
  });

  it('the first throttle ends the doubling: cut to 60%, then one lane more per width of successes', () => {
    const clock = new FakeClock();
    const aimd = new Aimd(128, () => {}, { initial: 16, now: () => clock.now() });
    for (let i = 0; i < 24; i++) aimd.success();
    expect(aimd.current).toBe(40);
    aimd.throttled();
    expect(aimd.current).toBe(24);
    let successes = 0;
    while (aimd.current === 24) {
      aimd.success();
      successes++;
    }
    expect(aimd.current).toBe(25);
    expect(successes).toBeGreaterThanOrEqual(24);
    expect(successes).toBeLessThanOrEqual(26);
  });

  it('without an initial width it starts at the maximum, as before', () => {
    const aimd = new Aimd(100, () => {});
    expect(aimd.current).toBe(100);
  });
});

describe('throttled ids', () => {
  it('wait at most the policy\'s throttled cap, however often they are throttled, and end classified', async () => {
    const clock = new FakeClock();
    const waits: number[] = [];
    const sleep = clock.sleep.bind(clock);
    clock.sleep = (ms, signal) => {
      waits.push(ms);
      return sleep(ms, signal);
    };
    const ids = [ID(1), ID(2)];
    const file = join(dir, 'two.txt');
    await writeFile(file, ids.join('\n') + '\n');
    let throttles = 0;
    // One id's HEAD is throttled 30 times before it is answered.
    const store = new MemoryStore({ fail: (op, key) => (op === 'head' && key === processedCrashKey(ids[0]) && ++throttles <= 30 ? storeError('throttled', 503) : undefined) }).put(processedCrashKey(ids[0])).put(processedCrashKey(ids[1]));
    const out = await mkdtemp(join(dir, 'cap-'));
    const r = await clock.drive(runCheck({ files: [file], out }, { store, reporter: silentReporter, clock, random: () => 0.999 }));
    expect([r.haves, r.errors, r.throttled]).toEqual([2, 0, 30]);
    expect(waits).toHaveLength(30);
    expect(Math.max(...waits)).toBeLessThanOrEqual(HEAD_RETRY.throttledCapMs!);
    // Still exponential up to the cap: the first waits are short.
    expect(waits[0]).toBeLessThanOrEqual(HEAD_RETRY.baseMs);
  });
});

/**
 * `jobs` check runs at once, each with its own ids, against one store limit: a token bucket of
 * `perSecond` (a tenth of a second's burst, as the bench's), every request a `rttMs` round trip
 * on the fake clock. Returns what the store let through, from the first request to the last.
 */
async function sharedLimit(jobs: number, idsPerJob: number, perSecond: number, rttMs: number) {
  const clock = new FakeClock();
  const burst = Math.max(1, perSecond / 10);
  let tokens = burst;
  let at = clock.now();
  const passed: number[] = [];
  let throttled = 0;
  const limit = () => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + ((now - at) * perSecond) / 1000);
    at = now;
    if (tokens < 1) {
      throttled++;
      return storeError('throttled', 503);
    }
    tokens--;
    passed.push(now);
    return undefined;
  };
  const runs = [];
  const truth = new Set<string>();
  for (let j = 0; j < jobs; j++) {
    const ids = Array.from({ length: idsPerJob }, (_, i) => ID(j * idsPerJob + i));
    const file = join(dir, `job-${jobs}-${j}.txt`);
    await writeFile(file, ids.join('\n') + '\n');
    const store = new MemoryStore({ fail: (op) => (op === 'head' ? limit() : undefined), delay: () => clock.sleep(rttMs) });
    // Half processed; the raw crashes of the others are there (check looks up when they were saved).
    ids.forEach((id, i) => (i % 2 ? store.put(processedCrashKey(id)) : store.put(`v1/raw_crash/20160918/${id}`, clock.now())));
    for (let i = 0; i < ids.length; i += 2) truth.add(ids[i]);
    const out = await mkdtemp(join(dir, `shared-${jobs}-`));
    let seed = j + 1;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    runs.push(runCheck({ files: [file], out }, { store, reporter: silentReporter, clock, random }));
  }
  const results = await clock.drive(Promise.all(runs));
  const spanMs = passed[passed.length - 1] - passed[0];
  return { results, share: ((passed.length - 1) * 1000) / spanMs / perSecond, throttled, passed: passed.length };
}

describe('check jobs sharing one store limit (fake clock)', () => {
  // 400/s among 8 or 16 jobs is less than one request a round trip each: the waits of the
  // throttled ids pace them, not the width.
  it.each([8, 16])('%i jobs, 400/s, 20 ms round trips: at least 95 percent of the limit used, every id classified', async (jobs) => {
    const { results, share } = await sharedLimit(jobs, 4000 / jobs, 400, 20);
    for (const r of results) expect([r.errors, r.failure]).toEqual([0, undefined]);
    expect(results.reduce((s, r) => s + r.haves + r.havenots, 0)).toBe(4000);
    expect(results.reduce((s, r) => s + r.havenots, 0)).toBe(2000);
    expect(share).toBeGreaterThanOrEqual(0.95);
    expect(share).toBeLessThanOrEqual(1.01);
  }, 120_000);

  it('4 jobs, 2000/s, 20 ms round trips (widths of ten or so): ≥ 95% of the limit used, every id classified', async () => {
    const { results, share } = await sharedLimit(4, 2000, 2000, 20);
    for (const r of results) expect([r.errors, r.failure]).toEqual([0, undefined]);
    expect(results.reduce((s, r) => s + r.haves + r.havenots, 0)).toBe(8000);
    expect(share).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
