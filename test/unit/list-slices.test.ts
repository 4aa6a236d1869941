import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentReporter } from '../../src/core/progress.ts';
import { keyPlace, piecesFor, runList, slicesFor, splitRest, walkRawCrashes } from '../../src/modes/list.ts';
import type { ListQuery } from '../../src/ports/store.ts';
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

describe('adaptive slices: the rest of a dense slice in pieces', () => {
  /** A seeded generator of 32-bit integers. */
  const rng = (seed: number) => () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x9e3779b9) | 0;
    return (seed >>> 0) / 2 ** 32;
  };
  const hexId = (r: () => number, lead = '') => {
    let h = lead;
    while (h.length < 30) h += HEX[Math.floor(r() * 16)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 26)}160918`;
  };
  const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

  it('keyPlace grows with the key (byte order), hex or not', () => {
    const r = rng(7);
    const chars = '0123456789abcdef-./:AZ_gz~é';
    const keys = Array.from({ length: 3000 }, () => Array.from({ length: 1 + Math.floor(r() * 10) }, () => chars[Math.floor(r() * chars.length)]).join(''));
    keys.push(...trickyKeys().keys.map((k) => k.slice(P.length)));
    keys.sort(byteOrder);
    for (let i = 1; i < keys.length; i++) expect(keyPlace(keys[i]), `${keys[i - 1]} < ${keys[i]}`).toBeGreaterThanOrEqual(keyPlace(keys[i - 1]));
    expect(keyPlace('')).toBe(0);
    expect(keyPlace('8')).toBe(0.5);
    expect(keyPlace('ffffffff')).toBeLessThan(1);
  });

  it.each(['s3', 'gcs'] as const)('splitRest tiles what is after the last key listed: every key once, the last key skipped (%s bounds)', (kind) => {
    const r = rng(kind === 's3' ? 11 : 12);
    const { keys } = trickyKeys();
    for (let trial = 0; trial < 300; trial++) {
      const slices = slicesFor('v1', DAY);
      const slice = slices[Math.floor(r() * 16)];
      const inSlice = keys.filter((k) => slicesHolding(k, [slice], kind).length === 1);
      // Keys the slice holds, the tricky ones and random ids, near and on the cut bounds too.
      for (let i = 0; i < 40; i++) inSlice.push(P + hexId(r, (slice.from ?? P + '0').slice(P.length)));
      const sorted = [...new Set(inSlice)].sort(byteOrder);
      const last = sorted[Math.floor(r() * sorted.length)];
      const pieces = splitRest(slice, last, 2 + Math.floor(r() * 70));
      if (pieces.length === 0) continue;
      expect(pieces[0].from).toBe(last);
      expect(pieces[0].skip).toBe(last);
      expect(pieces[pieces.length - 1].to).toBe(slice.to);
      for (let i = 1; i < pieces.length; i++) expect(pieces[i].from).toBe(pieces[i - 1].to);
      // Bounds made from places of this slice: more keys right on them.
      const probes = [...sorted, ...pieces.flatMap((p) => [p.to, p.to && p.to + '0', p.to && p.to.slice(0, -1)]).filter((k): k is string => !!k && slicesHolding(k, [slice], kind).length === 1)];
      for (const key of new Set(probes)) {
        const holding = slicesHolding(key, pieces, kind).filter((i) => key !== pieces[i].skip);
        expect(holding, `${key} after ${last}`).toHaveLength(byteOrder(key, last) > 0 ? 1 : 0);
      }
    }
  });

  it.each(['s3', 'gcs'] as const)('a dense, uneven day: every key handed on exactly once, no piece paged far (%s)', async (kind) => {
    const r = rng(kind === 's3' ? 21 : 22);
    // 6000 ids, two thirds of them under 'a' and '3', and junk on the way.
    const ids = new Set<string>();
    while (ids.size < 6000) ids.add(hexId(r, r() < 0.66 ? (r() < 0.5 ? 'a' : '3') : ''));
    const junk = trickyKeys().keys.filter((k) => !ids.has(k.slice(P.length)) && crashIdOf(k) === undefined);
    const store = new MemoryStore({ kind, pageSize: 50 }).putAll([...[...ids].map((id) => P + id), ...junk]);
    const queries: ListQuery[] = [];
    const list = store.listPage.bind(store);
    store.listPage = (q) => {
      queries.push(q);
      return list(q);
    };
    const seen = new Map<string, number>();
    const w = await walkRawCrashes({ dates: [DAY], layout: 'v1', concurrency: 64 }, { store, reporter: silentReporter }, (id) => seen.set(id, (seen.get(id) ?? 0) + 1));
    expect(seen.size).toBe(ids.size);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(w.dates[0].junk).toBe(junk.length);
    expect(w.requests).toBe(queries.length);
    // Pages per slice or piece: a dense slice (2000 keys, 40 pages) is not walked page after page.
    const perPiece = new Map<string, number>();
    for (const q of queries) perPiece.set(`${q.from}|${q.to}`, (perPiece.get(`${q.from}|${q.to}`) ?? 0) + 1);
    expect(perPiece.size).toBeGreaterThan(16);
    expect(Math.max(...perPiece.values())).toBeLessThanOrEqual(6);
    // And not many more requests than pages: 6000 keys are 120 full pages.
    expect(queries.length).toBeLessThan(120 * 2);
  });

  it('cuts nothing when every lane is taken (a month of slices), nor a v2 prefix', () => {
    const slice = slicesFor('v1', DAY)[10];
    const page = Array.from({ length: 50 }, (_, i) => ({ key: `${P}a${i.toString(16).padStart(3, '0')}00000-0000-0000-0000-000000160918` }));
    expect(piecesFor(slice, page, 1)).toBe(1);
    expect(piecesFor(slice, page, 40)).toBeGreaterThan(1);
    expect(piecesFor(slicesFor('v2', DAY)[0], page, 40)).toBe(1);
  });
});

function crashIdOf(key: string): string | undefined {
  const rest = key.slice(P.length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6}[0-9]{6}$/.test(rest) ? rest : undefined;
}
