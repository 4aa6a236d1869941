import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentReporter } from '../../src/core/progress.ts';
import { runList, slicesFor } from '../../src/modes/list.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { MemoryStore, storeError } from '../support/memory-store.ts';

const DAY = '20160918';
const P = `v1/raw_crash/${DAY}/`;
const HEX = '0123456789abcdef';

/** Crash ids (and junk) that sit on and next to the slice boundaries. */
function trickyKeys(): { keys: string[]; ids: string[] } {
  const ids: string[] = [];
  for (const c of HEX) {
    ids.push(`${c}0000000-0000-0000-0000-000000160918`); // the smallest id starting with c
    ids.push(`${c}fffffff-ffff-ffff-ffff-ffffff160918`); // the largest
    ids.push(`${c}8badf00-d000-4000-8000-000000160918`);
  }
  const junk = [
    P, // the prefix itself
    P + '0', // equal to no boundary but the lowest key with '0'
    ...[...HEX].map((c) => P + c), // keys exactly equal to each boundary
    ...[...HEX].map((c) => P + c + '/'),
    ...[...HEX].map((c) => P + c + '.json'),
    P + '-dash',
    P + '.hidden',
    P + '/double-slash',
    P + '9~', // between '9' and 'a' in byte order
    P + ':colon',
    P + 'A-uppercase',
    P + 'README',
    P + 'g-after-f',
    P + 'zzz',
    P + '~tilde',
    P + 'ffffffff-ffff-ffff-ffff-ffffff160918.json',
    P + 'é-non-ascii',
    P + 'nested/' + ids[0],
  ];
  // A store holds each key once (P + '0' is in the junk list twice).
  return { keys: [...new Set([...ids.map((id) => P + id), ...junk])], ids };
}

/** Which slices a key falls in, by the bounds they declare and a store's semantics. */
function slicesHolding(key: string, slices: ReturnType<typeof slicesFor>, kind: 's3' | 'gcs'): number[] {
  const out: number[] = [];
  slices.forEach((s, i) => {
    if (!key.startsWith(s.prefix)) return;
    if (kind === 's3') {
      // S3: StartAfter is exclusive; the end bound is inclusive (the port cuts the page there).
      if (s.from !== undefined && !(key > s.from)) return;
      if (s.to !== undefined && !(key <= s.to)) return;
    } else {
      // GCS: startOffset inclusive, endOffset exclusive.
      if (s.from !== undefined && !(key >= s.from)) return;
      if (s.to !== undefined && !(key < s.to)) return;
    }
    out.push(i);
  });
  return out;
}

describe('slicesFor', () => {
  it('v1: 16 slices of one prefix on hex boundaries, open at both ends', () => {
    const s = slicesFor('v1', DAY);
    expect(s).toHaveLength(16);
    for (const x of s) expect(x.prefix).toBe(P);
    expect(s[0].from).toBeUndefined();
    expect(s[15].to).toBeUndefined();
    for (let i = 1; i < 16; i++) {
      expect(s[i].from).toBe(P + HEX[i]);
      expect(s[i - 1].to).toBe(s[i].from); // adjacent: no gap, no overlap
    }
  });

  it.each(['s3', 'gcs'] as const)('v1: every tricky key lies in exactly one slice (%s bounds)', (kind) => {
    const s = slicesFor('v1', DAY);
    for (const key of trickyKeys().keys) {
      expect(slicesHolding(key, s, kind), key).toHaveLength(1);
    }
  });

  it('v2: one slice per entropy prefix, unbounded', () => {
    const s = slicesFor('v2', DAY);
    expect(s).toHaveLength(4096);
    expect(s.every((x) => x.from === undefined && x.to === undefined)).toBe(true);
    expect(new Set(s.map((x) => x.prefix)).size).toBe(4096);
  });
});

describe('runList over slices (in-memory store)', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'list-slices-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it.each(['s3', 'gcs'] as const)('lists every id once and counts every other key once, paging inside slices (%s)', async (kind) => {
    const { keys, ids } = trickyKeys();
    // Another day's keys must not leak in.
    const other = 'v1/raw_crash/20160919/' + '10000000-0000-0000-0000-000000160919';
    const store = new MemoryStore({ kind, pageSize: 3 }).putAll([...keys, other], Date.UTC(2016, 8, 18, 12));
    const sub = await mkdtemp(join(out, `tricky-${kind}-`));
    const r = await runList({ dates: [DAY], layout: 'v1', chunkSize: 10, out: sub, concurrency: 4 }, { store, reporter: silentReporter });
    expect(r.total).toBe(ids.length);
    expect(r.junk).toBe(keys.length - ids.length);
    expect(r.dates).toEqual([{ date: DAY, listed: ids.length, junk: keys.length - ids.length, outsideWindow: 0 }]);
    const uuids = (await readFile(join(sub, 'uuids.txt'), 'utf8')).split('\n');
    expect(uuids.pop()).toBe('');
    expect(uuids).toEqual([...ids].sort());
    expect((await readdir(join(sub, 'chunks'))).sort()).toEqual(
      ['uuids-0-10.txt', 'uuids-10-20.txt', 'uuids-20-30.txt', 'uuids-30-40.txt', 'uuids-40-48.txt'].sort(),
    );
    expect(store.calls.list).toBe(r.requests);
    expect(r.requests).toBeGreaterThan(16);
  });

  it('raises the chunk size so there are at most maxChunks chunks, and says so', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => `${HEX[i % 16]}${i.toString(16).padStart(7, '0')}-0000-0000-0000-000000160918`);
    const warnings: string[] = [];
    const reporter = { ...silentReporter, warn: (m: string) => warnings.push(m) };
    const sub = await mkdtemp(join(out, 'raised-'));
    const store = new MemoryStore().putAll(ids.map((id) => P + id));
    const r = await runList({ dates: [DAY], layout: 'v1', chunkSize: 1, maxChunks: 256, out: sub }, { store, reporter });
    expect(r.total).toBe(600);
    expect(r.plan.requested).toBe(1);
    expect(r.plan.chunkSize).toBe(3);
    expect(r.plan.chunks).toHaveLength(200);
    expect(warnings).toEqual(['chunk size raised from 1 to 3 so that 600 ids make at most 256 chunks']);
    const files = await readdir(join(sub, 'chunks'));
    expect(files).toHaveLength(200);
    expect(files).toContain('uuids-597-600.txt');
  });

  it('keeps the chunk size when no limit is given', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `${HEX[i % 16]}${i.toString(16).padStart(7, '0')}-0000-0000-0000-000000160918`);
    const warnings: string[] = [];
    const sub = await mkdtemp(join(out, 'unlimited-'));
    const store = new MemoryStore().putAll(ids.map((id) => P + id));
    const r = await runList({ dates: [DAY], layout: 'v1', chunkSize: 1, out: sub }, { store, reporter: { ...silentReporter, warn: (m) => warnings.push(m) } });
    expect(r.plan.chunks).toHaveLength(300);
    expect(r.plan.requested).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('applies since/until to the saved time: from the start of since through the end of the until minute', async () => {
    const id = (c: string) => `${c}0000000-0000-0000-0000-000000160918`;
    const at = (h: number, m: number, s = 0) => Date.UTC(2016, 8, 18, h, m, s);
    const store = new MemoryStore()
      .put(P + id('0'), at(9, 59, 59)) // before
      .put(P + id('1'), at(10, 0)) // on since
      .put(P + id('2'), at(11, 0)) // inside
      .put(P + id('3'), at(12, 0, 59)) // within the until minute
      .put(P + id('4'), at(12, 1, 0)); // after
    const sub = await mkdtemp(join(out, 'window-'));
    const r = await runList({ dates: [DAY], layout: 'v1', chunkSize: 10, out: sub, since: 600, until: 720 }, { store, reporter: silentReporter });
    expect(r.total).toBe(3);
    expect(r.outsideWindow).toBe(2);
    expect(await readFile(join(sub, 'uuids.txt'), 'utf8')).toBe(`${id('1')}\n${id('2')}\n${id('3')}\n`);
  });

  it('retries a throttled or unavailable listing with the backoff policy, on a fake clock', async () => {
    const ids = [`00000000-0000-0000-0000-000000160918`, `f0000000-0000-0000-0000-000000160918`];
    let failures = 0;
    const store = new MemoryStore({
      fail: (op) => (op === 'list' && failures++ < 3 ? storeError(failures % 2 ? 'throttled' : 'unavailable', 503) : undefined),
    }).putAll(ids.map((i) => P + i));
    const clock = new FakeClock();
    const sub = await mkdtemp(join(out, 'retry-'));
    const listing = runList({ dates: [DAY], layout: 'v1', chunkSize: 10, out: sub, concurrency: 1, policy: { attempts: 4, baseMs: 1000, capMs: 8000 } }, {
      store,
      reporter: silentReporter,
      clock,
    });
    const waited = await clock.runAll();
    const r = await listing;
    expect(r.total).toBe(2);
    expect(r.retries).toBe(3);
    expect(r.requests).toBe(16 + 3);
    // Full jitter: each wait at most base·2^(n-1), so three retries wait at most 1 + 2 + 4 s.
    expect(waited).toBeLessThanOrEqual(7000);
  });

  it('stops at once, writing nothing, when the store refuses (forbidden, no such bucket)', async () => {
    for (const kind of ['forbidden', 'no-such-bucket'] as const) {
      const store = new MemoryStore({ fail: () => storeError(kind, kind === 'forbidden' ? 403 : 404) });
      const sub = await mkdtemp(join(out, `refused-${kind}-`));
      await expect(runList({ dates: [DAY], layout: 'v1', chunkSize: 10, out: sub, concurrency: 1 }, { store, reporter: silentReporter })).rejects.toThrow(
        new RegExp(`memory store: ${kind}; nothing was written`),
      );
      expect(store.calls.list).toBe(1);
      expect(await readdir(sub)).toEqual([]);
    }
  });
});
