import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classifySearch } from '../core/classify.ts';
import { systemClock } from '../core/clock.ts';
import { dayTime } from '../core/dates.ts';
import { RunError } from '../core/errors.ts';
import { hourChart, type HourCounts } from '../core/hours.ts';
import { paced, RateLimiter } from '../core/rate-limit.ts';
import { idsPerSearch } from '../core/search.ts';
import { forEachPooled } from '../core/pool.ts';
import type { HistogramApi } from '../ports/socorro-api.ts';
import { walkRawCrashes, type ListDeps, type WalkOptions } from './list.ts';

/**
 * scan: where did crashes go unprocessed? Per date and UTC hour, the raw crashes saved (from the
 * listing: a request lists 1,000) against the crashes search holds (SuperSearch's date histogram:
 * one request a date), without a request per crash. An hour run where the missing reach both
 * thresholds is an outage window, and the dispatch that repairs it is its date and hours.
 *
 * The two clocks: the listing gives each raw crash's saved time; search's `date` is
 * processed_crash.date_processed, the collector's received time, a few seconds earlier. A crash
 * received just before an hour's end and saved just after it counts in one hour's saved and the
 * hour before's searchable: per-hour missing can be −1 (taken as 0) and +1 beside it, which the
 * absolute floor keeps out of windows.
 */

/** Socorro's 26 weeks of search, as dates: scan can say nothing of older ones. */
export const MAX_SCAN_DATES = 183;
/**
 * A window's floors. A normal day's background is a few crashes an hour that search lacks (never
 * indexed, or still in the processing queue for the latest hour): well under 0.1% of Socorro's
 * ~15,000 an hour, and under the absolute floor. An outage of even a quarter of an hour is
 * thousands, a quarter of the hour's crashes.
 */
export const DEFAULT_MIN_MISSING = 25;
export const DEFAULT_MIN_SHARE = 0.01;
/** The exit code of a scan that found a window: not a failure of the tool, but a scheduled run must fail visibly. */
export const SCAN_EXIT_WINDOW = 3;
/** Histogram requests in flight: they are paced anyway; this only overlaps their latency. */
const SEARCHES_IN_FLIGHT = 4;

export interface ScanOptions extends WalkOptions {
  out: string;
  /** A window's hours each miss at least this many crashes... */
  minMissing: number;
  /** ...and at least this share (0..1) of the hour's saved crashes. */
  minShare: number;
}

export interface ScanDeps extends ListDeps {
  searchApi: HistogramApi;
  /** Search requests a minute: a share of Socorro's per-IP limit for this token (or none). */
  searchPerMinute: number;
  /** No token: searches go at the anonymous rate; said once. */
  anonymous?: boolean;
}

export interface HourRow {
  saved: number;
  searchable: number;
  missing: number;
}

/** As scan.json has it: `hours` is the reprocess workflow's `hours` input (end inclusive to the minute). */
export interface ScanWindow {
  date: string;
  hours: string;
  saved: number;
  missing: number;
}

export interface ScanResult {
  dates: string[];
  /** date → HH → counts; hours where saved and searchable are both 0 are left out. */
  hours: Record<string, Record<string, HourRow>>;
  windows: ScanWindow[];
  saved: number;
  searchable: number;
  missing: number;
  /** Missing per hour outside the windows, over the hours with saved crashes. */
  background: { hours: number; median: number; max: number; medianShare: number; maxShare: number };
  thresholds: { minMissing: number; minShare: number };
  costs: {
    listRequests: number;
    searchRequests: number;
    /** What a full check of the same dates would send: one HEAD a crash... */
    checkHeads: number;
    /** ...and, with search, one search per idsPerSearch stored crashes of a date. */
    checkSearches: number;
  };
  listRetries: number;
  junk: number;
  outsideWindow: number;
  /** Raw crashes the store gave no saved time for: in no hour. */
  savedTimeUnknown: number;
  file: string;
  elapsedMs: number;
}

const HH = (h: number) => String(h).padStart(2, '0');

/** Hour runs of one date where missing reaches both thresholds. */
export function findWindows(date: string, rows: HourRow[], minMissing: number, minShare: number): ScanWindow[] {
  const out: ScanWindow[] = [];
  let open: { from: number; saved: number; missing: number } | undefined;
  const close = (to: number) => {
    if (open) out.push({ date, hours: `${HH(open.from)}:00..${HH(to)}:59`, saved: open.saved, missing: open.missing });
    open = undefined;
  };
  for (let h = 0; h < 24; h++) {
    const r = rows[h];
    const hit = r.missing > 0 && r.missing >= minMissing && r.missing >= minShare * r.saved;
    if (!hit) {
      close(h - 1);
      continue;
    }
    open ??= { from: h, saved: 0, missing: 0 };
    open.saved += r.saved;
    open.missing += r.missing;
  }
  close(23);
  return out;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Lists the dates (times only: nothing is kept per crash), asks search for each date's crashes per
 * hour, and writes scan.json. A store or search failure throws a RunError and writes no scan.json
 * (one left by an earlier run is removed first, so a failed scan never leaves a claim behind).
 */
export async function runScan(opts: ScanOptions, deps: ScanDeps): Promise<ScanResult> {
  const { reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  const file = join(opts.out, 'scan.json');
  await rm(file, { force: true });
  if (deps.anonymous) {
    reporter.warn(`no API token: searches are paced at 90 a minute (with SOCORRO_API_TOKEN, any token, 900): ${opts.dates.length} date(s) take about ${Math.ceil((opts.dates.length * 60) / deps.searchPerMinute)}s of searching`);
  }

  // Saved crashes per date and hour: 24 counters a date, whatever the day's volume.
  const saved = new Map(opts.dates.map((d) => [d, new Array<number>(24).fill(0)]));
  const midnight = new Map(opts.dates.map((d) => [d, dayTime(d, 0)]));
  let savedTimeUnknown = 0;
  const onCrash = (_id: string, savedAt: number | undefined, date: string) => {
    if (savedAt === undefined) {
      savedTimeUnknown++;
      return;
    }
    // A crash's id (and key) carry its received date; one received at 23:59:59 may be saved after
    // midnight: it is that date's last hour, where search counts it too.
    const h = Math.floor((savedAt - midnight.get(date)!) / 3_600_000);
    saved.get(date)![Math.min(23, Math.max(0, h))]++;
  };

  const limiter = new RateLimiter(deps.searchPerMinute, clock);
  const searchable = new Map<string, number[]>();
  let searchRequests = 0;
  const searchTask = reporter.start('search: crashes per hour', opts.dates.length);
  const searches = forEachPooled(opts.dates, SEARCHES_IN_FLIGHT, async (date) => {
    const send = () => {
      searchRequests++;
      return deps.searchApi.histogram(date, { since: opts.since, until: opts.until });
    };
    // No signal: paced then always sends, and answers.
    const a = (await paced(limiter, send))!;
    if (classifySearch(a.status) === 'answered' && a.hours) {
      searchable.set(date, a.hours);
      searchTask.update(searchable.size);
      return;
    }
    const what = a.status === 0 ? `no usable answer (${a.error ?? 'no detail'})` : `HTTP ${a.status} ${a.body.trim().slice(0, 200)}`;
    if (classifySearch(a.status) === 'forbidden') {
      throw new RunError(`the search API refused the token (${what}); nothing was claimed (no scan.json). Check the token, or scan without it (anonymous searches are paced at 90 a minute)`);
    }
    throw new RunError(`the search API failed for ${date} after retries: ${what}; nothing was claimed (no scan.json). Rerun the scan later`);
  }).finally(() => searchTask.stop());

  // Both run at once; a failure of either claims nothing, after both have stopped.
  const [walked, searched] = await Promise.allSettled([
    walkRawCrashes({ ...opts, label: opts.label ?? `list ${opts.dates.length} date(s) (saved times only)` }, deps, onCrash),
    searches,
  ]);
  if (walked.status === 'rejected') throw walked.reason;
  if (searched.status === 'rejected') throw searched.reason;
  const walk = walked.value;

  const hours: ScanResult['hours'] = {};
  const windows: ScanWindow[] = [];
  const outside: Array<{ missing: number; saved: number }> = [];
  let totals = { saved: 0, searchable: 0, missing: 0 };
  let checkSearches = 0;
  const perSearch = idsPerSearch('/api/SuperSearch/');
  for (const date of opts.dates) {
    const s = saved.get(date)!;
    const f = searchable.get(date)!;
    const rows: HourRow[] = s.map((n, h) => ({ saved: n, searchable: f[h], missing: Math.max(0, n - f[h]) }));
    const day: Record<string, HourRow> = {};
    rows.forEach((r, h) => {
      if (r.saved > 0 || r.searchable > 0) day[HH(h)] = r;
    });
    hours[date] = day;
    const found = findWindows(date, rows, opts.minMissing, opts.minShare);
    windows.push(...found);
    const covered = new Set<number>();
    for (const w of found) for (let h = Number(w.hours.slice(0, 2)); h <= Number(w.hours.slice(7, 9)); h++) covered.add(h);
    rows.forEach((r, h) => {
      if (!covered.has(h) && r.saved > 0) outside.push({ missing: r.missing, saved: r.saved });
    });
    const daySaved = s.reduce((a, b) => a + b, 0);
    totals = {
      saved: totals.saved + daySaved,
      searchable: totals.searchable + f.reduce((a, b) => a + b, 0),
      missing: totals.missing + rows.reduce((a, r) => a + r.missing, 0),
    };
    checkSearches += Math.ceil(daySaved / perSearch);
  }
  const shares = outside.map((o) => o.missing / o.saved);
  const result: ScanResult = {
    dates: opts.dates,
    hours,
    windows,
    ...totals,
    background: {
      hours: outside.length,
      median: median(outside.map((o) => o.missing)),
      max: Math.max(0, ...outside.map((o) => o.missing)),
      medianShare: median(shares),
      maxShare: Math.max(0, ...shares),
    },
    thresholds: { minMissing: opts.minMissing, minShare: opts.minShare },
    costs: { listRequests: walk.requests, searchRequests, checkHeads: totals.saved, checkSearches },
    listRetries: walk.retries,
    junk: walk.dates.reduce((a, d) => a + d.junk, 0),
    outsideWindow: walk.dates.reduce((a, d) => a + d.outsideWindow, 0),
    savedTimeUnknown,
    file,
    elapsedMs: 0,
  };
  await writeScanJson(file, result);
  result.elapsedMs = clock.now() - t0;
  return result;
}

/**
 * scan.json: `hours` and `windows` as the contract gives them, then the run's numbers. Dates and
 * hours in order, one hour a line: JSON.stringify would put the hours "10".."23" (integer-like
 * keys) before "00".."09".
 */
export function scanJson(r: ScanResult): string {
  const dates = Object.keys(r.hours).sort();
  const hours = dates
    .map((d) => {
      const day = r.hours[d];
      const rows = Object.keys(day).sort().map((h) => `    ${JSON.stringify(h)}: ${JSON.stringify(day[h])}`);
      return rows.length ? `  ${JSON.stringify(d)}: {\n${rows.join(',\n')}\n  }` : `  ${JSON.stringify(d)}: {}`;
    })
    .join(',\n');
  const rest = {
    windows: r.windows.map((w) => ({ date: w.date, hours: w.hours, saved: w.saved, missing: w.missing })),
    dates: r.dates,
    totals: { saved: r.saved, searchable: r.searchable, missing: r.missing },
    thresholds: r.thresholds,
    background: r.background,
    costs: r.costs,
    savedTimeUnknown: r.savedTimeUnknown,
  };
  const tail = Object.entries(rest).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{\n "hours": {\n${hours}\n },\n${tail.join(',\n')}\n}\n`;
}

async function writeScanJson(file: string, r: ScanResult): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, scanJson(r));
  await rename(tmp, file);
}

const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(x >= 0.1 ? 0 : x >= 0.01 ? 1 : 2)}%`;

/** Missing per date and hour, as the hour chart takes them (dates with none shown as empty rows). */
export function missingHours(r: ScanResult): HourCounts {
  const out: HourCounts = {};
  for (const [date, day] of Object.entries(r.hours)) out[date] = Object.fromEntries(Object.entries(day).map(([h, row]) => [h, row.missing]));
  return out;
}

/** The dispatch of reprocess.yml that repairs a window, as `gh` takes it. */
export function repairCommand(w: ScanWindow): string {
  return `gh workflow run reprocess.yml -f dates=${w.date} -f hours=${w.hours}`;
}

/** The background against the thresholds: the one sentence that says whether the thresholds fit the day. */
export function backgroundLine(r: ScanResult): string {
  const b = r.background;
  const t = r.thresholds;
  if (b.hours === 0) return `background: no hour outside the windows saved a crash; a window needs ≥ ${n(t.minMissing)} and ≥ ${pct(t.minShare)} of an hour's saved crashes missing`;
  return (
    `background (${b.hours} hour(s) outside windows): median ${n(b.median)} missing an hour (${pct(b.medianShare)} of saved), at most ${n(b.max)} (${pct(b.maxShare)}); ` +
    `a window needs ≥ ${n(t.minMissing)} and ≥ ${pct(t.minShare)} missing` +
    (b.max >= t.minMissing || b.maxShare >= t.minShare ? ' (the background reaches one threshold in some hour: the other kept it out)' : '')
  );
}

export function costsLine(r: ScanResult): string {
  const sent = r.costs.listRequests + r.costs.searchRequests;
  const check = r.costs.checkHeads + r.costs.checkSearches;
  return (
    `costs: ${n(r.costs.listRequests)} list request(s) + ${n(r.costs.searchRequests)} search request(s) = ${n(sent)}; ` +
    `a full check --search of the same dates: ${n(r.costs.checkHeads)} HEAD(s) + ${n(r.costs.checkSearches)} search(es) = ${n(check)}` +
    (sent > 0 && check > 0 ? ` (${n(Math.round(check / sent))}× more)` : '')
  );
}

/** The report both adapters print: totals, the chart, each window with its repair, the background and the costs. */
export function scanReport(r: ScanResult): string[] {
  const lines = [
    `scanned ${r.dates.length} date(s): ${n(r.saved)} raw crash(es) saved, ${n(r.searchable)} searchable, ${n(r.missing)} missing from search (summed per hour)`,
  ];
  const chart = hourChart(missingHours(r), { indent: '  ', title: 'missing from search by the hour the raw crash was saved (UTC)' });
  lines.push(...chart);
  if (r.windows.length === 0) lines.push('no outage window found');
  else {
    lines.push(`${r.windows.length} outage window(s); each is repaired by a dispatch of reprocess.yml with these dates and hours:`);
    for (const w of r.windows) {
      lines.push(`  ${w.date} ${w.hours} UTC: ${n(w.missing)} of ${n(w.saved)} saved crash(es) missing (${pct(w.missing / w.saved)})  →  ${repairCommand(w)}`);
    }
  }
  lines.push(backgroundLine(r), costsLine(r));
  if (r.savedTimeUnknown) lines.push(`${n(r.savedTimeUnknown)} raw crash(es) had no saved time in the listing: counted in no hour`);
  if (r.junk) lines.push(`${n(r.junk)} other key(s) under the raw-crash prefixes ignored`);
  return lines;
}
