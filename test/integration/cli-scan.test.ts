/**
 * `scan` through the real protocols: the CLI as a child process (real exit codes) over each store
 * (STORE_KINDS: S3 on s3rver, whose saved times a test can set, and the loopback GCS server with
 * Workload Identity tokens), and the Socorro stand-in's SuperSearch. The world is seeded (two
 * dates ending yesterday, each crash saved a few seconds after it was received, a background of a
 * few crashes an hour search never got) with planted outages: whole hours, a part of an hour, and
 * one that crosses midnight. The scan must find exactly those windows.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDay } from '../../src/core/dates.ts';
import { createBucket, putObjects, startS3rver } from '../../src/demo/s3.ts';
import { forEachWorldCrash, plantedWindows, type PlantedOutage, type WorldCrash } from '../../src/demo/scan-world.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { STORE_KINDS, startTestStore, type TestStore } from '../support/stores.ts';
import { spawnCli, type CliRun } from './cli-harness.ts';

const TOKEN = 'scan-token';
const DAY = 86_400_000;
const D1 = formatDay(Date.now() - 2 * DAY);
const D2 = formatDay(Date.now() - DAY);
const OUTAGES: PlantedOutage[] = [
  { date: D1, from: 14 * 60, to: 17 * 60 },
  // Half an hour, 80% lost.
  { date: D2, from: 9 * 60 + 20, to: 9 * 60 + 50, share: 0.8 },
  // 23:00 on D1 to 01:00 on D2.
  { date: D1, from: 23 * 60, to: 25 * 60 },
];
const WORLD = { dates: [D1, D2], perHour: 40, seed: 18, noisePerHour: 2, outages: OUTAGES };
// 40 an hour: a half hour 80% lost is ~16 missing, so the floor is lowered from its default (25)
// to stay above the background (at most 2, and 1 more at an hour's edge).
const THRESHOLDS = ['--min-missing', '8'];

interface ScanJson {
  hours: Record<string, Record<string, { saved: number; searchable: number; missing: number }>>;
  windows: Array<{ date: string; hours: string; saved: number; missing: number }>;
  costs: { listRequests: number; searchRequests: number; checkHeads: number };
}

describe.each(STORE_KINDS)('scan on %s (CLI process, SuperSearch stand-in)', (kind) => {
  let store: TestStore;
  let api: SocorroApi;
  let work: string;
  const bucket = `scan-${kind}-${process.pid}`;
  const crashes: WorldCrash[] = [];
  let runs = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cli-scan-'));
    store = await startTestStore(kind);
    forEachWorldCrash(WORLD, (c) => crashes.push(c));
    // Saved times must be the world's: s3rver can set them (its file mtimes), RGW cannot, so
    // the S3 side runs on s3rver even in the RGW leg.
    if (kind === 's3' && !store.s3!.setSavedTime) {
      await store.close();
      const ep = await startS3rver();
      store = { ...store, s3: ep, endpoint: ep.endpoint, env: { ...ep.env }, args: (b) => ['--bucket', b, '--endpoint', ep.endpoint, '--path-style'], createBucket: (b) => createBucket(ep.client, b), put: (b, keys) => putObjects(ep.client, b, keys), close: () => ep.close() };
    }
    await store.createBucket(bucket);
    if (kind === 'gcs') {
      for (const c of crashes) store.gcs!.put(bucket, c.key, '{}', { updated: new Date(c.savedAt) });
    } else {
      await store.put(bucket, crashes.map((c) => c.key));
      for (const c of crashes) await store.s3!.setSavedTime!(bucket, c.key, new Date(c.savedAt));
    }
    api = await startSocorroApi({ token: TOKEN });
    for (const c of crashes) if (c.searchable) api.index.add(c.id, c.receivedAt);
  }, 180_000);

  afterAll(async () => {
    await api?.close();
    await store?.close();
    await rm(work, { recursive: true, force: true });
  });

  const scan = async (extra: string[], env: Record<string, string> = { SOCORRO_API_TOKEN: TOKEN }, apiUrl = api.url): Promise<CliRun & { out: string }> => {
    const out = join(work, `out-${++runs}`);
    const r = await spawnCli(['scan', ...store.args(bucket), '--api-url', apiUrl, '--out', out, '-q', ...extra], { ...store.env, ...env }, 120_000);
    return { ...r, out };
  };
  const readScan = async (out: string) => JSON.parse(await readFile(join(out, 'scan.json'), 'utf8')) as ScanJson;

  it('finds exactly the planted windows, exits 3, and prints each window with its reprocess dispatch', async () => {
    const before = api.searches.length;
    const r = await scan(['--dates', `${D1}..${D2}`, ...THRESHOLDS]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    const doc = await readScan(r.out);
    const planted = plantedWindows(OUTAGES);
    expect(planted).toHaveLength(4);
    expect(doc.windows.map((w) => ({ date: w.date, hours: w.hours }))).toEqual(planted);
    // Each window's missing: the crashes the world lost in it (the edge of an hour may move one).
    for (const w of doc.windows) {
      const [from, to] = [Number(w.hours.slice(0, 2)), Number(w.hours.slice(7, 9))];
      const lost = crashes.filter((c) => !c.searchable && c.id.endsWith(w.date.slice(2)) && hourOnDate(c, w.date) >= from && hourOnDate(c, w.date) <= to).length;
      expect(Math.abs(w.missing - lost)).toBeLessThanOrEqual(to - from + 2);
      expect(r.stdout).toContain(`gh workflow run reprocess.yml -f dates=${w.date} -f hours=${w.hours}`);
    }
    // saved is every raw crash, by its saved hour on its date.
    const saved = Object.values(doc.hours).flatMap((d) => Object.values(d)).reduce((a, h) => a + h.saved, 0);
    expect(saved).toBe(crashes.length);
    expect(doc.costs.checkHeads).toBe(crashes.length);
    // One search a date, with the token, and nothing else.
    const asked = api.searches.slice(before);
    expect(asked).toHaveLength(2);
    expect(asked.every((s) => s.status === 200 && s.token && s.params['_histogram.date'] !== undefined)).toBe(true);
    expect(doc.costs.searchRequests).toBe(2);
    expect(r.stdout).toMatch(/missing from search by the hour the raw crash was saved \(UTC\)/);
    expect(r.stdout).toMatch(/background \(\d+ hour\(s\) outside windows\): median \d/);
    expect(r.stdout).toMatch(/costs: \d+ list request\(s\) \+ 2 search request\(s\)/);
    // No id files: scan keeps nothing per crash.
    expect((await readdir(r.out)).sort()).toEqual(['scan.json']);
  });

  it('exits 0 on hours without an outage (--hours), saying so', async () => {
    const r = await scan(['--dates', D2, '--hours', '12:00..20:59', ...THRESHOLDS]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no outage window found');
    const doc = await readScan(r.out);
    expect(doc.windows).toEqual([]);
    expect(Object.keys(doc.hours[D2]).sort()).toEqual(['12', '13', '14', '15', '16', '17', '18', '19', '20']);
    // The search asked for the same window of the day.
    const last = api.searches[api.searches.length - 1];
    expect(last.params.date).toEqual([`>=${iso(D2)}T12:00:00`, `<${iso(D2)}T21:00:00`]);
  });

  it('without a token says so once and goes at the anonymous rate', async () => {
    const r = await spawnCli(['scan', ...store.args(bucket), '--api-url', api.url, '--out', join(work, 'anon'), '-q', '--dates', D2, ...THRESHOLDS], { ...store.env }, 120_000);
    expect(r.code).toBe(3);
    expect(r.stderr.match(/no API token: searches are paced at 90 a minute/g)).toHaveLength(1);
    expect(api.searches[api.searches.length - 1].token).toBe(false);
  });

  it('claims nothing when search fails: exit 1, one line, no scan.json', async () => {
    // A refused token, and a search the server cannot take (a request line over its limit).
    const refused = await scan(['--dates', D2], { SOCORRO_API_TOKEN: 'not-the-token' });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/refused the token.*nothing was claimed/);
    await expect(readdir(refused.out)).resolves.toEqual([]);

    const tight = await startSocorroApi({ token: TOKEN, requestLineLimit: 60 });
    try {
      const failed = await scan(['--dates', D2], undefined, tight.url);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/search API failed for \d{8} after retries: HTTP 400.*nothing was claimed/);
      await expect(readdir(failed.out)).resolves.toEqual([]);
    } finally {
      await tight.close();
    }
  });
});

function iso(d: string): string {
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

/** The hour a crash counts in on its date: its saved hour, the last one if saved after midnight. */
function hourOnDate(c: WorldCrash, date: string): number {
  const midnight = Date.parse(`${iso(date)}T00:00:00Z`);
  return Math.min(23, Math.max(0, Math.floor((c.savedAt - midnight) / 3_600_000)));
}
