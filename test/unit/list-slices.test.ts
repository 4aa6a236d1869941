import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentReporter } from '../../src/core/progress.ts';
import { runList, slicesFor } from '../../src/modes/list.ts';
import type { ListPage, ObjectStore } from '../../src/ports/object-store.ts';

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
  return { keys: [...ids.map((id) => P + id), ...junk], ids };
}

/** S3 semantics over a sorted key list (byte order), small pages so every slice pages. */
function memoryStore(keys: string[], pageSize = 3): ObjectStore & { calls: number } {
  const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const store = {
    calls: 0,
    async listPage(prefix: string, opts: { startAfter?: string; continuationToken?: string }): Promise<ListPage> {
      store.calls++;
      const after = opts.continuationToken ?? opts.startAfter;
      const under = sorted.filter(
        (k) => k.startsWith(prefix) && (after === undefined || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0),
      );
      const page = under.slice(0, pageSize);
      const truncated = under.length > pageSize;
      return {
        objects: page.map((key) => ({ key, lastModified: new Date(Date.UTC(2016, 8, 18, 12)) })),
        next: truncated ? page[page.length - 1] : undefined,
      };
    },
    async head() {
      return 404;
    },
  };
  return store;
}

/** Which slices a key falls in, by the bounds they declare: keys in (after, upTo]. */
function slicesHolding(key: string, slices: ReturnType<typeof slicesFor>): number[] {
  const out: number[] = [];
  slices.forEach((s, i) => {
    if (!key.startsWith(s.prefix)) return;
    if (s.after !== undefined && !(key > s.after)) return;
    if (s.upTo !== undefined && !(key <= s.upTo)) return;
    out.push(i);
  });
  return out;
}

describe('slicesFor', () => {
  it('v1: 16 slices of one prefix on hex boundaries, open at both ends', () => {
    const s = slicesFor('v1', DAY);
    expect(s).toHaveLength(16);
    for (const x of s) expect(x.prefix).toBe(P);
    expect(s[0].after).toBeUndefined();
    expect(s[15].upTo).toBeUndefined();
    for (let i = 1; i < 16; i++) {
      expect(s[i].after).toBe(P + HEX[i]);
      expect(s[i - 1].upTo).toBe(s[i].after); // adjacent: no gap, no overlap
    }
  });

  it('v1: every tricky key lies in exactly one slice', () => {
    const s = slicesFor('v1', DAY);
    for (const key of trickyKeys().keys) {
      expect(slicesHolding(key, s), key).toHaveLength(1);
    }
  });

  it('v2: one slice per entropy prefix, unbounded', () => {
    const s = slicesFor('v2', DAY);
    expect(s).toHaveLength(4096);
    expect(s.every((x) => x.after === undefined && x.upTo === undefined)).toBe(true);
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

  it('lists every id once and counts every other key once, paging inside slices', async () => {
    const { keys, ids } = trickyKeys();
    // Another day's keys must not leak in.
    const other = 'v1/raw_crash/20160919/' + '10000000-0000-0000-0000-000000160919';
    const store = memoryStore([...keys, other]);
    const r = await runList({ dates: [DAY], layout: 'v1', chunkSize: 10, out, concurrency: 4 }, store, silentReporter);
    expect(r.total).toBe(ids.length);
    expect(r.junk).toBe(keys.length - ids.length);
    expect(r.dates).toEqual([{ date: DAY, listed: ids.length, junk: keys.length - ids.length, outsideWindow: 0 }]);
    const uuids = (await readFile(join(out, 'uuids.txt'), 'utf8')).split('\n');
    expect(uuids.pop()).toBe('');
    expect(uuids).toEqual([...ids].sort());
    expect((await readdir(join(out, 'chunks'))).sort()).toEqual(
      ['uuids-0-10.txt', 'uuids-10-20.txt', 'uuids-20-30.txt', 'uuids-30-40.txt', 'uuids-40-48.txt'].sort(),
    );
    expect(store.calls).toBeGreaterThan(16);
  });

  it('raises the chunk size so there are at most 256 chunks, and says so', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => `${HEX[i % 16]}${i.toString(16).padStart(7, '0')}-0000-0000-0000-000000160918`);
    const warnings: string[] = [];
    const reporter = { ...silentReporter, warn: (m: string) => warnings.push(m) };
    const sub = await mkdtemp(join(out, 'raised-'));
    const r = await runList({ dates: [DAY], layout: 'v1', chunkSize: 1, out: sub }, memoryStore(ids.map((id) => P + id), 1000), reporter);
    expect(r.total).toBe(600);
    expect(r.plan.requested).toBe(1);
    expect(r.plan.chunkSize).toBe(3);
    expect(r.plan.chunks).toHaveLength(200);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('chunk size raised from 1 to 3');
    const files = await readdir(join(sub, 'chunks'));
    expect(files).toHaveLength(200);
    expect(files).toContain('uuids-597-600.txt');
  });

  it('applies --since/--until to LastModified: from the start of --since through the end of the --until minute', async () => {
    const id = (c: string) => `${c}0000000-0000-0000-0000-000000160918`;
    const at = (h: number, m: number, s = 0) => new Date(Date.UTC(2016, 8, 18, h, m, s));
    const objects = [
      { key: P + id('0'), lastModified: at(9, 59, 59) }, // before
      { key: P + id('1'), lastModified: at(10, 0) }, // on since
      { key: P + id('2'), lastModified: at(11, 0) }, // inside
      { key: P + id('3'), lastModified: at(12, 0, 59) }, // within the --until minute
      { key: P + id('4'), lastModified: at(12, 1, 0) }, // after
    ];
    const store: ObjectStore = {
      async listPage(prefix, o) {
        const objs = objects.filter((x) => x.key.startsWith(prefix) && (o.startAfter === undefined || x.key > o.startAfter));
        return { objects: objs };
      },
      async head() {
        return 404;
      },
    };
    const r = await runList({ dates: [DAY], layout: 'v1', chunkSize: 10, out, since: 600, until: 720 }, store, silentReporter);
    expect(r.total).toBe(3);
    expect(r.outsideWindow).toBe(2);
    expect(await readFile(join(out, 'uuids.txt'), 'utf8')).toBe(`${id('1')}\n${id('2')}\n${id('3')}\n`);
  });
});
