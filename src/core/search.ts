import { crashIdDate } from './crash-id.ts';

/**
 * Socorro's search index, as the check asks it: which of these crash ids does Elasticsearch
 * have? The rules that keep a healthy crash from passing as unindexed live here:
 * - without a `date` filter SuperSearch searches only the last 7 days, so every request names a
 *   window: the ids' date ± 5 days (a crash can be processed the day after its id's date);
 * - a request answers at most `_results_number` hits (default 100): it is set to the ids asked;
 * - search data is kept 26 weeks: older dates cannot be searched, and storage alone decides;
 * - the request line is limited (gunicorn's 4094 bytes in front of Socorro's webapp), so a
 *   request takes as many ids as fit, at most 100.
 */

/** Socorro deletes search indices older than this. */
export const SEARCH_RETENTION_DAYS = 26 * 7;
export const MAX_IDS_PER_SEARCH = 100;
/** What a request line may take (gunicorn's default limit is 4094), with room for the method and version. */
export const REQUEST_LINE_BUDGET = 4000;
export const SEARCH_WINDOW_DAYS = 5;

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of YYYYMMDD moved by `days`. */
export function shiftDay(yyyymmdd: string, days: number): string {
  const t = Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) + days * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/** The date window of a search for ids of crash date `yyyymmdd`. */
export function searchWindow(yyyymmdd: string): { from: string; to: string } {
  return { from: shiftDay(yyyymmdd, -SEARCH_WINDOW_DAYS), to: shiftDay(yyyymmdd, SEARCH_WINDOW_DAYS) };
}

/** Whether search still has crashes of this date (YYYYMMDD), on `now`'s day. */
export function searchable(yyyymmdd: string, now: number): boolean {
  const day = Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)));
  return now - day < SEARCH_RETENTION_DAYS * DAY_MS;
}

/**
 * The query string of a search for `ids` (all of one crash date): repeated `uuid`, the window,
 * only the uuid column, no facets, and enough results for every id. `variant` changes the
 * query's cache key without changing its meaning (Socorro caches a search for 5 minutes by its
 * parameters, which would show a poll a stale answer).
 */
export function searchQuery(ids: readonly string[], variant = 0): string {
  const { from, to } = searchWindow(crashIdDate(ids[0]));
  const q = new URLSearchParams();
  for (const id of ids) q.append('uuid', id);
  q.append('date', `>=${from}`);
  q.append('date', `<=${to}`);
  q.append('_columns', 'uuid');
  q.append('_facets_size', '0');
  q.append('_results_number', String(Math.min(1000, ids.length + variant)));
  return q.toString();
}

/** How many ids a request for `path` can take: as many as fit the request line, at most 100. */
export function idsPerSearch(path: string): number {
  // GET <path>?<query> HTTP/1.1: each uuid costs `uuid=` + 36 + `&`; the fixed part is measured.
  const fixed = `GET ${path}?${searchQuery(['00000000-0000-0000-0000-000000250101'], 999).replace(/uuid=[^&]+&/, '')} HTTP/1.1`.length;
  return Math.max(1, Math.min(MAX_IDS_PER_SEARCH, Math.floor((REQUEST_LINE_BUDGET - fixed) / 42)));
}

/**
 * The query string of a date histogram of one crash date's searchable crashes, per hour: what
 * `scan` compares with the listing. SuperSearch (socorro/external/es/supersearch.py) builds the
 * histogram only when facets are built (`_facets_size` > 0: 1, the least), on the fields that
 * `_histogram.date` names (`product`: a small sub-facet in each bucket, required for the
 * histogram to exist at all), with `_histogram_interval.date` as Elasticsearch's calendar
 * interval (`1h`: one bucket an hour) and `min_doc_count: 1`, so an hour with no searchable crash
 * is left out. `_facets=product` replaces the default `signature` facet with a cheap one, and
 * `_results_number=0` returns no hits. `date` is processed_crash.date_processed, the collector's
 * received time; the bounds are the date (or the minutes of `since`/`until` on it), upper bound
 * exclusive, so the next day's midnight is not counted.
 */
export function histogramQuery(yyyymmdd: string, window: { since?: number; until?: number } = {}): string {
  const day = shiftDay(yyyymmdd, 0);
  const at = (minutes: number): string =>
    minutes >= 1440 ? shiftDay(yyyymmdd, 1) : `${day}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
  const q = new URLSearchParams();
  q.append('date', `>=${window.since ? at(window.since) : day}`);
  // until 16:59 means through 16:59:59.999: below 17:00.
  q.append('date', `<${window.until === undefined ? shiftDay(yyyymmdd, 1) : at(window.until + 1)}`);
  q.append('_histogram.date', 'product');
  q.append('_histogram_interval.date', '1h');
  q.append('_facets', 'product');
  q.append('_facets_size', '1');
  q.append('_columns', 'uuid');
  q.append('_results_number', '0');
  return q.toString();
}

/**
 * Searchable crashes per UTC hour (0..23) of `yyyymmdd` from a SuperSearch answer of
 * histogramQuery; undefined when the answer holds no date histogram (a server that did not build
 * facets: reading that as "none searchable" would claim an outage that is not there).
 */
export function histogramHours(answer: unknown, yyyymmdd: string): number[] | undefined {
  const buckets = (answer as { facets?: { histogram_date?: unknown } } | null)?.facets?.histogram_date;
  if (!Array.isArray(buckets)) return undefined;
  const midnight = Date.parse(`${shiftDay(yyyymmdd, 0)}T00:00:00Z`);
  const hours = new Array<number>(24).fill(0);
  for (const b of buckets as Array<{ term?: unknown; count?: unknown }>) {
    const at = typeof b.term === 'string' ? Date.parse(b.term) : NaN;
    if (!Number.isFinite(at) || typeof b.count !== 'number' || !Number.isInteger(b.count) || b.count < 0) return undefined;
    const h = Math.floor((at - midnight) / 3_600_000);
    // Buckets are hours of this date only (the query's bounds); anything else is not ours.
    if (h >= 0 && h < 24) hours[h] += b.count;
  }
  return hours;
}
