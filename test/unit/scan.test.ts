/**
 * scan's pure parts: the windows of a day's rows, the options it refuses before sending anything,
 * scan.json's order; and runScan over the in-memory store with a scripted histogram (the port's
 * answers), on a fake clock. The real protocols: test/integration/cli-scan.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { silentReporter } from '../../src/core/progress.ts';
import { formatDay } from '../../src/core/dates.ts';
import { makeCrashId, rawCrashKey, seededBytes } from '../../src/demo/crashes.ts';
import { parseScanOptions } from '../../src/modes/options.ts';
import { findWindows, runScan, scanJson, type HourRow } from '../../src/modes/scan.ts';
import type { HistogramAnswer } from '../../src/ports/socorro-api.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { MemoryStore } from '../support/memory-store.ts';

const cli = (n: string) => '--' + n.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const ctx = { spell: cli, env: {} } as Parameters<typeof parseScanOptions>[2];
const DAY = 86_400_000;
const NOW = Date.now();
const day = (k: number) => formatDay(NOW - k * DAY);

function rows(missing: Record<number, [number, number]>, saved = 1000): HourRow[] {
  return Array.from({ length: 24 }, (_, h) => {
    const [s, m] = missing[h] ?? [saved, 0];
    return { saved: s, searchable: s - m, missing: m };
  });
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('findWindows', () => {
  it('takes hour runs where missing reaches both thresholds, the end inclusive to the minute', () => {
    const w = findWindows('20261201', rows({ 3: [1000, 30], 14: [1000, 900], 15: [1000, 1000], 16: [800, 200], 23: [500, 400] }), 25, 0.01);
    expect(w).toEqual([
      { date: '20261201', hours: '03:00..03:59', saved: 1000, missing: 30 },
      { date: '20261201', hours: '14:00..16:59', saved: 2800, missing: 2100 },
      { date: '20261201', hours: '23:00..23:59', saved: 500, missing: 400 },
    ]);
  });

  it('needs both: many missing of a huge hour, or a high share of a tiny one, is no window', () => {
    // 30 of 10,000 is 0.3%; 20 of 20 is under the floor of 25.
    expect(findWindows('20261201', rows({ 5: [10_000, 30], 6: [20, 20] }), 25, 0.01)).toEqual([]);
    expect(findWindows('20261201', rows({}), 25, 0.01)).toEqual([]);
  });
});

describe('parseScanOptions', () => {
  it('takes yesterday and today (UTC), the hours window, the thresholds (a share or a percentage)', () => {
    const r = parseScanOptions({ dates: 'yesterday,today', bucket: 'gs://crashes', hours: '14:00..16:59', minMissing: '10', minShare: '2%' }, '/o', ctx, NOW);
    expect(r.scan.dates).toEqual([day(1), day(0)]);
    expect([r.scan.since, r.scan.until]).toEqual([14 * 60, 16 * 60 + 59]);
    expect([r.scan.minMissing, r.scan.minShare]).toEqual([10, 0.02]);
    expect(r.search.perMinute).toBe(90);
    expect(parseScanOptions({ dates: 'yesterday', bucket: 'crashes', minShare: '0.05' }, '/o', { ...ctx, env: { SOCORRO_API_TOKEN: 't' } }, NOW).search.perMinute).toBe(900);
  });

  it('refuses dates older than search keeps, naming check; more than 183; the future; bad thresholds', () => {
    expect(refusal(() => parseScanOptions({ dates: day(200), bucket: 'crashes' }, '/o', ctx, NOW))).toMatch(/older than Socorro's 26 weeks of search data.*use check/);
    expect(refusal(() => parseScanOptions({ dates: `${day(190)}..${day(1)}`, bucket: 'crashes' }, '/o', ctx, NOW))).toMatch(/190 dates is more than 183/);
    expect(refusal(() => parseScanOptions({ dates: day(-1), bucket: 'crashes' }, '/o', ctx, NOW))).toMatch(/in the future/);
    expect(refusal(() => parseScanOptions({ dates: 'tomorrow', bucket: 'crashes' }, '/o', ctx, NOW))).toMatch(/--dates: tomorrow is not a date/);
    for (const bad of ['2', '-0.1', 'lots', '150%', '1e-2']) {
      expect(refusal(() => parseScanOptions({ dates: day(1), bucket: 'crashes', minShare: bad }, '/o', ctx, NOW))).toMatch(/--min-share/);
    }
    expect(refusal(() => parseScanOptions({ dates: day(1), bucket: 'crashes', minMissing: '0' }, '/o', ctx, NOW))).toMatch(/--min-missing: 0 is not a whole number/);
    // The action's max-dates (a matrix's cap) does not apply: scan has no matrix.
    expect(parseScanOptions({ dates: `${day(40)}..${day(1)}`, bucket: 'crashes', maxDates: '31' }, '/o', ctx, NOW).scan.dates).toHaveLength(40);
  });
});

describe('runScan (memory store, scripted search)', () => {
  let out: string;
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'scan-unit-'));
  });
  afterEach(async () => {
    await rm(out, { recursive: true, force: true });
  });

  const D = '20261201';
  const midnight = Date.UTC(2026, 11, 1);
  function world() {
    const store = new MemoryStore({ kind: 'gcs', pageSize: 100 });
    const rand = seededBytes(5);
    const searchable = new Array<number>(24).fill(0);
    for (let h = 0; h < 24; h++) {
      for (let i = 0; i < 100; i++) {
        const id = makeCrashId(D, rand);
        // Saved a few seconds after received; the last hour's last crash is saved after midnight.
        const received = midnight + h * 3_600_000 + i * 35_000 + 1000;
        store.put(rawCrashKey('v1', id), received + 3000);
        // Hours 14 and 15 lost 60 each; the rest lose 2.
        if (i >= (h === 14 || h === 15 ? 60 : 2)) searchable[h]++;
      }
    }
    store.put(rawCrashKey('v1', makeCrashId(D, rand)), midnight + 86_400_000 + 2000);
    searchable[23]++;
    return { store, searchable };
  }

  it('counts per hour, finds the window, writes scan.json in order, and says what a check would cost', async () => {
    const { store, searchable } = world();
    const asked: string[] = [];
    const searchApi = {
      histogram: (date: string): Promise<HistogramAnswer> => {
        asked.push(date);
        return Promise.resolve({ status: 200, body: '', hours: searchable });
      },
      close: () => Promise.resolve(),
    };
    const r = await runScan({ dates: [D], layout: 'v1', out, minMissing: 25, minShare: 0.01 }, { store, reporter: silentReporter, clock: new FakeClock(NOW), searchApi, searchPerMinute: 900 });
    expect(asked).toEqual([D]);
    expect(r.windows).toEqual([{ date: D, hours: '14:00..15:59', saved: 200, missing: 120 }]);
    expect(r.hours[D]['23']).toEqual({ saved: 101, searchable: 99, missing: 2 });
    expect(r.background).toMatchObject({ hours: 22, median: 2, max: 2 });
    expect(r.costs).toEqual({ listRequests: store.calls.list, searchRequests: 1, checkHeads: 2401, checkSearches: expect.any(Number) as number });
    const text = await readFile(join(out, 'scan.json'), 'utf8');
    expect(text).toBe(scanJson(r));
    const doc = JSON.parse(text) as { hours: Record<string, Record<string, HourRow>>; windows: unknown[] };
    expect(Object.keys(doc.hours[D]).sort()).toEqual(Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')));
    // The file's own text has hour 00 before hour 10 (JSON.stringify would not).
    expect(text.indexOf('"00"')).toBeLessThan(text.indexOf('"10"'));
    expect(doc.windows).toEqual(r.windows);
  });

  it('claims nothing when search fails: no scan.json, an earlier one removed', async () => {
    const { store } = world();
    await writeFile(join(out, 'scan.json'), '{"hours":{},"windows":[]}');
    const searchApi = { histogram: () => Promise.resolve({ status: 503, body: 'Service Unavailable' }), close: () => Promise.resolve() };
    await expect(
      runScan({ dates: [D], layout: 'v1', out, minMissing: 25, minShare: 0.01 }, { store, reporter: silentReporter, clock: new FakeClock(NOW), searchApi, searchPerMinute: 900 }),
    ).rejects.toThrow(/search API failed for 20261201 after retries: HTTP 503.*nothing was claimed/);
    await expect(readFile(join(out, 'scan.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
