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
