/**
 * `list` through the CLI's main() against a real S3 protocol server (s3rver, or RGW when
 * S3_TEST_ENDPOINT is set). One bucket, seeded once.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCrashId, rawCrashKey, seededBytes, syntheticDay } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { exists, listDir, readIds, runCli, type CliRun } from './cli-harness.ts';

const BUCKET = `cli-list-${process.pid}`;
const DAY = '20160918';
const P = `v1/raw_crash/${DAY}/`;

let s3: S3Endpoint;
let work: string;

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
/** Today's UTC date, for --since/--until against LastModified (the PUT time). */
let today = '';
let putMinuteFrom = 0;
let putMinuteTo = 0;
const todayIds: string[] = [];

function cli(args: string[], out: string): Promise<CliRun> {
  return runCli([...args, '--bucket', BUCKET, '--endpoint', s3.endpoint, '--path-style', '--out', out, '-q'], { ...s3.env });
}

const utcMinutes = (d: Date) => d.getUTCHours() * 60 + d.getUTCMinutes();
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

beforeAll(async () => {
  s3 = await startTestS3();
  await createBucket(s3.client, BUCKET);
  work = await mkdtemp(join(tmpdir(), 'cli-list-'));

  const rand = seededBytes(2024);
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

  const keys = [
    ...bigDay.map((id) => rawCrashKey('v1', id)),
    ...bigJunk,
    ...Object.values(rangeDays).flat().map((id) => rawCrashKey('v1', id)),
    ...decoys.map((id) => rawCrashKey('v1', id)),
    ...v2Day.keys,
    // The same ids under the other layout or as processed crashes must not be listed for DAY.
    rawCrashKey('v2', bigDay[3]),
    `v1/processed_crash/${bigDay[4]}`,
  ];

  const before = new Date();
  today = before.toISOString().slice(0, 10).replaceAll('-', '');
  for (let i = 0; i < 10; i++) todayIds.push(makeCrashId(today, rand));
  keys.push(...todayIds.map((id) => rawCrashKey('v1', id)));
  await putObjects(s3.client, BUCKET, keys);
  const after = new Date();
  putMinuteFrom = utcMinutes(before);
  putMinuteTo = utcMinutes(after);
  if (after.toISOString().slice(0, 10).replaceAll('-', '') !== today) putMinuteTo = 1440; // seeded across midnight
});

afterAll(async () => {
  await s3?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function expectChunks(out: string, ids: string[], size: number) {
  const want: string[] = [];
  for (let start = 0; start < ids.length; start += size) want.push(`uuids-${start}-${Math.min(start + size, ids.length)}.txt`);
  expect(await listDir(join(out, 'chunks'))).toEqual([...want].sort());
  for (const f of want) {
    const [, s, e] = /^uuids-(\d+)-(\d+)\.txt$/.exec(f)!;
    expect(await readIds(join(out, 'chunks', f))).toEqual(ids.slice(Number(s), Number(e)));
  }
}

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
    expect(await listDir(join(out, 'chunks'))).toEqual(['uuids-0-300.txt', 'uuids-300-600.txt', 'uuids-600-900.txt', 'uuids-900-1100.txt']);
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
    expect(await listDir(join(out, 'chunks'))).toEqual(['uuids-0-10.txt', 'uuids-10-20.txt', 'uuids-20-24.txt']);
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
    expect(await listDir(join(out, 'chunks'))).toEqual([`uuids-0-24.txt`]);
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
    expect(await listDir(join(out, 'chunks'))).toEqual([]);
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

describe('list --since/--until (LastModified, UTC)', () => {
  it('keeps objects saved inside the window', async () => {
    const out = join(work, 'window-in');
    const since = Math.max(0, putMinuteFrom - 2);
    const until = Math.min(1440, putMinuteTo + 2);
    const r = await cli(['list', '--dates', today, '--since', hhmm(since), '--until', hhmm(until)], out);
    expect(r.code).toBe(0);
    expect(await readIds(join(out, 'uuids.txt'))).toEqual([...todayIds].sort());
    expect(r.stdout).not.toContain('outside --since/--until');
  });

  it('leaves out objects saved after --until or before --since, and counts them', async () => {
    const out = join(work, 'window-out');
    const args =
      putMinuteFrom >= 2
        ? ['--until', hhmm(putMinuteFrom - 2)] // a window that ended before the PUTs
        : ['--since', hhmm(Math.min(1440, putMinuteTo + 2))]; // one that starts after them
    const r = await cli(['list', '--dates', today, ...args], out);
    expect(r.code).toBe(0);
    expect(await readIds(join(out, 'uuids.txt'))).toEqual([]);
    expect(r.stdout).toMatch(new RegExp(`^  ${today}: 0, 10 outside --since/--until$`, 'm'));
    expect(await exists(join(out, 'chunks'))).toBe(true);
    expect(await listDir(join(out, 'chunks'))).toEqual([]);
  });

  it('refuses --since after --until (exit 2, nothing written)', async () => {
    const out = join(work, 'window-bad');
    const r = await cli(['list', '--dates', today, '--since', '12:00', '--until', '11:00'], out);
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

  it('fails with exit 1 for a bucket that does not exist', async () => {
    const out = join(work, 'nobucket');
    const r = await runCli(
      ['list', '--bucket', 'no-such-bucket-here', '--dates', DAY, '--endpoint', s3.endpoint, '--path-style', '--out', out, '-q'],
      { ...s3.env },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no such bucket/);
  });
});
