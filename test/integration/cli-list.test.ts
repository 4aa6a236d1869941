/**
 * `list` through the CLI's main() against each store (STORE_KINDS): S3 (s3rver, or RGW when
 * S3_TEST_ENDPOINT is set) and Google Cloud Storage (the loopback server, bearer tokens through
 * Workload Identity credentials, pages shorter than asked as GCS may send them). The same
 * fixture in one bucket per store, seeded once; the same tests, the same expected files.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCrashId, rawCrashKey, seededBytes, syntheticDay } from '../../src/demo/crashes.ts';
import { STORE_KINDS, exportStoreEnv, startTestStore, type TestStore } from '../support/stores.ts';
import { exists, chunkIdFiles, listDir, readIds, runCli, type CliRun } from './cli-harness.ts';

const BUCKET = `cli-list-${process.pid}`;
const DAY = '20160918';
const P = `v1/raw_crash/${DAY}/`;

/** Day DAY (v1): 1010 ids under one hex digit (so one slice pages past 1000 keys) plus 90 others. */
const bigDay: string[] = [];
const bigJunk = [
  P + 'README',
  P + 'b', // equal to a slice boundary
  P + 'a', // equal to the start of the paged slice
  P + 'f',
  P + 'zzz',
];
/** Two days for the range test, and decoys around them. */
const rangeDays: Record<string, string[]> = { '20160920': [], '20160921': [] };
const decoys: string[] = [];
/** v2, a small day. */
const v2Day = syntheticDay('20160919', 25, 0.5, 'v2', 11);
const rand = seededBytes(2024);
{
  const seen = new Set<string>();
  while (bigDay.length < 1010) {
    const id = 'a' + makeCrashId(DAY, rand).slice(1);
    if (!seen.has(id)) {
      bigDay.push(id);
      seen.add(id);
    }
  }
  while (bigDay.length < 1100) {
    const id = makeCrashId(DAY, rand);
    if (!seen.has(id)) {
      bigDay.push(id);
      seen.add(id);
    }
  }
  bigJunk.push(P + bigDay[0] + '.json', P + 'nested/' + bigDay[1], P + bigDay[2] + '/');
  for (const day of Object.keys(rangeDays)) for (let i = 0; i < 12; i++) rangeDays[day].push(makeCrashId(day, rand));
  for (const day of ['20160917', '20160922']) for (let i = 0; i < 5; i++) decoys.push(makeCrashId(day, rand));
}
const fixtureKeys = [
  ...bigDay.map((id) => rawCrashKey('v1', id)),
  ...bigJunk,
  ...Object.values(rangeDays).flat().map((id) => rawCrashKey('v1', id)),
  ...decoys.map((id) => rawCrashKey('v1', id)),
  ...v2Day.keys,
  // The same ids under the other layout or as processed crashes must not be listed for DAY.
  rawCrashKey('v2', bigDay[3]),
  `v1/processed_crash/${bigDay[4]}`,
];

/** GCS: the saved time is set, so the window day and its objects' times are fixed. */
const GCS_WINDOW_DAY = '20160925';
const GCS_SAVED_AT = Date.UTC(2016, 8, 25, 13, 30, 17, 250);
/** GCS: objects saved on the edges of --since/--until windows, to the millisecond. */
const EDGE_DAY = '20160926';
const edgeAt = (h: number, m: number, s = 0, ms = 0) => Date.UTC(2016, 8, 26, h, m, s, ms);
const EDGES = [edgeAt(9, 59, 59, 999), edgeAt(10, 0), edgeAt(10, 59, 59, 999), edgeAt(11, 0), edgeAt(23, 59, 59, 999)];
const edgeRand = seededBytes(2025); // its own stream: the ids above stay what they were
const edgeIds = EDGES.map(() => makeCrashId(EDGE_DAY, edgeRand));

const utcMinutes = (d: Date) => d.getUTCHours() * 60 + d.getUTCMinutes();
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

async function expectChunks(out: string, ids: string[], size: number) {
  const want: string[] = [];
  for (let start = 0; start < ids.length; start += size) want.push(`uuids-${start}-${Math.min(start + size, ids.length)}.txt`);
  expect(await chunkIdFiles(join(out, 'chunks'))).toEqual([...want].sort());
  // Each id file has its saved times beside it, and nothing else is there.
  expect(await listDir(join(out, 'chunks'))).toEqual([...want, ...want.map((f) => f.replace(/\.txt$/, '.saved-times'))].sort());
  for (const f of want) {
    const [, s, e] = /^uuids-(\d+)-(\d+)\.txt$/.exec(f)!;
    expect(await readIds(join(out, 'chunks', f))).toEqual(ids.slice(Number(s), Number(e)));
  }
}

describe.each(STORE_KINDS)('list on %s', (kind) => {
  let store: TestStore;
  let undoEnv = () => {};
  let work: string;
  /**
   * Ten ids saved in a known window of one date, for --since/--until. S3 servers stamp the PUT
   * time, so on S3 that is today's date and the minutes the PUTs took; GCS sets it.
   */
  const win = { date: '', from: 0, to: 0, ids: [] as string[] };

  function cli(args: string[], out: string): Promise<CliRun> {
    return runCli([...args, ...store.args(BUCKET), '--out', out, '-q'], { ...store.env });
  }

  beforeAll(async () => {
    // GCS pages may come back shorter than asked (with a next page token): the lister must page on.
    store = await startTestStore(kind, { shortPages: { seed: 5 } });
    undoEnv = exportStoreEnv(store);
    await store.createBucket(BUCKET);
    work = await mkdtemp(join(tmpdir(), `cli-list-${kind}-`));
    if (store.canSetSavedAt) {
      win.date = GCS_WINDOW_DAY;
      for (let i = 0; i < 10; i++) win.ids.push(makeCrashId(win.date, rand));
      win.from = win.to = utcMinutes(new Date(GCS_SAVED_AT));
      await store.put(BUCKET, fixtureKeys);
      await store.put(BUCKET, win.ids.map((id) => rawCrashKey('v1', id)), { savedAt: new Date(GCS_SAVED_AT) });
      for (const [i, at] of EDGES.entries()) await store.put(BUCKET, [rawCrashKey('v1', edgeIds[i])], { savedAt: new Date(at) });
      return;
    }
    const before = new Date();
    win.date = before.toISOString().slice(0, 10).replaceAll('-', '');
    for (let i = 0; i < 10; i++) win.ids.push(makeCrashId(win.date, rand));
    await store.put(BUCKET, [...fixtureKeys, ...win.ids.map((id) => rawCrashKey('v1', id))]);
    const after = new Date();
    win.from = utcMinutes(before);
    win.to = utcMinutes(after);
    if (after.toISOString().slice(0, 10).replaceAll('-', '') !== win.date) win.to = 1440; // seeded across midnight
  });

  afterAll(async () => {
    undoEnv();
    await store?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('list (v1)', () => {
    it('lists a day of more than 1000 keys in one slice: sorted uuids.txt, junk counted, contract chunk files', async () => {
      const out = join(work, 'big');
      const r = await cli(['list', '--dates', DAY, '--chunk-size', '300'], out);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const want = [...bigDay].sort();
      expect(await readIds(join(out, 'uuids.txt'))).toEqual(want);
      expect(r.stdout).toContain(`listed 1100 crash id(s) on 1 date(s)`);
      expect(r.stdout).toMatch(new RegExp(`^  ${DAY}: 1100, ${bigJunk.length} other key\\(s\\) ignored$`, 'm'));
      await expectChunks(out, want, 300);
      expect(await chunkIdFiles(join(out, 'chunks'))).toEqual(['uuids-0-300.txt', 'uuids-300-600.txt', 'uuids-600-900.txt', 'uuids-900-1100.txt']);
    });

    it('a rerun replaces the chunk files of an earlier run', async () => {
      const out = join(work, 'rerun');
      const want = [...rangeDays['20160920'], ...rangeDays['20160921']].sort();
      expect((await cli(['list', '--dates', '20160920..20160921', '--chunk-size', '5'], out)).code).toBe(0);
      await expectChunks(out, want, 5);
      // A leftover from some other run, too.
      await writeFile(join(out, 'chunks', 'uuids-0-3.txt'), want.slice(0, 3).join('\n') + '\n');
      await writeFile(join(out, 'uuids.txt'), 'stale\n');
      const r = await cli(['list', '--dates', '20160920..20160921', '--chunk-size', '10'], out);
      expect(r.code).toBe(0);
      expect(await readIds(join(out, 'uuids.txt'))).toEqual(want);
      await expectChunks(out, want, 10);
      expect(await chunkIdFiles(join(out, 'chunks'))).toEqual(['uuids-0-10.txt', 'uuids-10-20.txt', 'uuids-20-24.txt']);
    });

    it('lists an inclusive range of two days, and nothing from the days around it', async () => {
      const out = join(work, 'range');
      const r = await cli(['list', '--dates', '20160920..20160921'], out);
      expect(r.code).toBe(0);
      const want = [...rangeDays['20160920'], ...rangeDays['20160921']].sort();
      expect(await readIds(join(out, 'uuids.txt'))).toEqual(want);
      expect(r.stdout).toMatch(/^ {2}20160920: 12$/m);
      expect(r.stdout).toMatch(/^ {2}20160921: 12$/m);
      await expectChunks(out, want, 50_000);
      expect(await chunkIdFiles(join(out, 'chunks'))).toEqual([`uuids-0-24.txt`]);
    });

    it('lists a comma list of days the same way', async () => {
      const out = join(work, 'commas');
      const r = await cli(['list', '--dates', '20160921,20160917'], out);
      expect(r.code).toBe(0);
      const want = [...rangeDays['20160921'], ...decoys.filter((id) => id.endsWith('160917'))].sort();
      expect(await readIds(join(out, 'uuids.txt'))).toEqual(want);
    });

    it('writes an empty uuids.txt and no chunks for a day with no crashes', async () => {
      const out = join(work, 'empty');
      const r = await cli(['list', '--dates', '20160101'], out);
      expect(r.code).toBe(0);
      expect(await readFile(join(out, 'uuids.txt'), 'utf8')).toBe('');
      expect(await chunkIdFiles(join(out, 'chunks'))).toEqual([]);
    });
  });

  describe('list (v2)', () => {
    it('lists a day across the 4096 entropy prefixes', async () => {
      const out = join(work, 'v2');
      const r = await cli(['list', '--dates', '20160919', '--layout', 'v2', '--chunk-size', '10'], out);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(await readIds(join(out, 'uuids.txt'))).toEqual(v2Day.ids);
      // syntheticDay's junk: README and an id with .json under one prefix; the nested key too.
      expect(r.stdout).toMatch(new RegExp(`^  20160919: ${v2Day.ids.length}, ${v2Day.junk.length} other key\\(s\\) ignored$`, 'm'));
      await expectChunks(out, v2Day.ids, 10);
    });

    it('finds nothing with the v1 layout on a v2 day', async () => {
      const out = join(work, 'v2-as-v1');
      const r = await cli(['list', '--dates', '20160919'], out);
      expect(r.code).toBe(0);
      expect(await readIds(join(out, 'uuids.txt'))).toEqual([]);
    });
  });

  describe('list --since/--until (the saved time, UTC)', () => {
    it('keeps objects saved inside the window', async () => {
      const out = join(work, 'window-in');
      const since = Math.max(0, win.from - 2);
      const until = Math.min(1440, win.to + 2);
      const r = await cli(['list', '--dates', win.date, '--since', hhmm(since), '--until', hhmm(until)], out);
      expect(r.code).toBe(0);
      expect(await readIds(join(out, 'uuids.txt'))).toEqual([...win.ids].sort());
      expect(r.stdout).not.toContain('outside --since/--until');
    });

    it('leaves out objects saved after --until or before --since, and counts them', async () => {
      const out = join(work, 'window-out');
      const args =
        win.from >= 2
          ? ['--until', hhmm(win.from - 2)] // a window that ended before the PUTs
          : ['--since', hhmm(Math.min(1440, win.to + 2))]; // one that starts after them
      const r = await cli(['list', '--dates', win.date, ...args], out);
      expect(r.code).toBe(0);
      expect(await readIds(join(out, 'uuids.txt'))).toEqual([]);
      expect(r.stdout).toMatch(new RegExp(`^  ${win.date}: 0, 10 outside --since/--until$`, 'm'));
      expect(await exists(join(out, 'chunks'))).toBe(true);
      expect(await chunkIdFiles(join(out, 'chunks'))).toEqual([]);
    });

    // GCS only, because only its fixture can set the saved time: S3 servers stamp the PUT time,
    // so an S3 object cannot be placed on a window's edge. What is compared is the store's saved
    // time as the port reports it (GCS: `updated`, RFC 3339 with milliseconds).
    if (kind === 'gcs') it('the window\'s edges, to the millisecond: --since HH:MM from HH:MM:00.000, --until HH:MM through HH:MM:59.999', async () => {
      const out = join(work, 'window-edges');
      const r = await cli(['list', '--dates', EDGE_DAY, '--since', '10:00', '--until', '10:59'], out);
      expect(r.code, r.stderr).toBe(0);
      expect(await readIds(join(out, 'uuids.txt'))).toEqual([edgeIds[1], edgeIds[2]].sort());
      expect(r.stdout).toMatch(new RegExp(`^  ${EDGE_DAY}: 2, 3 outside --since/--until$`, 'm'));
      const late = await cli(['list', '--dates', EDGE_DAY, '--since', '11:00', '--until', '24:00'], out);
      expect(late.code, late.stderr).toBe(0);
      expect(await readIds(join(out, 'uuids.txt'))).toEqual([edgeIds[3], edgeIds[4]].sort());
    });

    it('refuses --since after --until (exit 2, nothing written)', async () => {
      const out = join(work, 'window-bad');
      const r = await cli(['list', '--dates', win.date, '--since', '12:00', '--until', '11:00'], out);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--since/);
      expect(await exists(out)).toBe(false);
    });
  });

  describe('list refuses bad input before touching anything (exit 2)', () => {
    it.each([
      [['--dates', '20161345']],
      [['--dates', '20160230']],
      [['--dates', '2016-09-15']],
      [['--dates', '20160917..20160915']],
      [['--dates', '20150101..20160102']],
      [['--dates', '20160915', '--layout', 'v3']],
      [['--dates', '20160915', '--chunk-size', '0']],
      [['--dates', '20160915', '--since', '25:00']],
    ])('%j', async (args) => {
      const out = join(work, 'bad-' + args.join('_').replace(/[^0-9a-z]/gi, ''));
      const r = await cli(['list', ...args], out);
      expect(r.code).toBe(2);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(await exists(out)).toBe(false);
    });

    it('fails with exit 1 for a bucket that does not exist, and writes no uuids.txt', async () => {
      const out = join(work, 'nobucket');
      const r = await runCli(['list', ...store.args('no-such-bucket-here'), '--dates', DAY, '--out', out, '-q'], { ...store.env });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^error: ${kind === 'gcs' ? 'GCS' : 'S3'}: no such bucket`));
      expect(await exists(join(out, 'uuids.txt'))).toBe(false);
    });
  });
});
