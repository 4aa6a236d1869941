/**
 * A loopback stand-in for Socorro's `POST /api/Reprocessing/` and `GET /api/SuperSearch/`, for the
 * demo and integration tests.
 *
 * It follows the order of checks in the real webapp (tokens middleware → rate limit → permission
 * → method → form parsing → crash id / ruleset validation → publish) and answers with the same
 * statuses and bodies, so a client that works against it should work against crash-stats.
 * On top of that it can inject failures from a seeded generator, reproducibly.
 *
 * Behind Reprocessing sits a pretend processor: accepted ids are "processed" after a delay (a hook
 * writes the processed crash to the test's store) and put into a search index that SuperSearch
 * answers from, with the real API's rules (socorro/external/es/search_common.py, supersearch.py):
 * no `date` means the last 7 days, ranges over 365 days are refused, `_results_number` defaults
 * to 100 (at most 1000), offset + number at most 10,000, weekly indices kept 26 weeks, and results
 * cached for 5 minutes per parameter set. Like gunicorn in front of it, it refuses request lines over
 * 4094 bytes, which a GET with about 95 crash ids already reaches.
 *
 * Date histograms (`_histogram.date=FIELD`, `_histogram_interval.date`) are answered as
 * supersearch.py builds them: a `date_histogram` with a calendar interval and `min_doc_count: 1`
 * (empty buckets left out), built only when `_facets_size` > 0, in `facets.histogram_date` as
 * `{term, count, facets}` with `term` the bucket's start as Elasticsearch renders it
 * (`2026-03-14T14:00:00Z`). The index keeps its documents per hour too, so a histogram or a count
 * over a million documents reads hour buckets, not every document.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from './prng.ts';

export interface SocorroApiOptions {
  /** Port to listen on; 0 (the default) picks a free one. Always bound to 127.0.0.1. */
  port?: number;
  /** The one valid API token; default 'demo-token'. */
  token?: string;
  /** Whether the token carries the 'Reprocess Crashes' permission; default true. */
  permission?: boolean;
  /** Injected failures, decided per request from a seeded generator. */
  faults?: FaultPlan;
  /** A real per-minute request limit (fixed one-minute windows), answered like django-ratelimit. */
  rateLimitPerMinute?: number;
  /** The clock for everything date-like (the default 7-day search window, retention, processed dates); ms since the epoch. Default Date.now. */
  now?: () => number;
  /** Injected failures for `/api/SuperSearch/` only, from their own seeded generator. */
  searchFaults?: FaultPlan;
  /**
   * SuperSearch's per-IP limit: Socorro's API_RATE_LIMIT_AUTHENTICATED 1000/m with a valid token and
   * API_RATE_LIMIT 100/m without (the default); `false` turns it off.
   */
  searchRateLimit?: SearchRateLimit | false;
  /**
   * Seconds a search result is reused for the same parameters (SocorroCommon.cache_seconds, 300 by
   * default in Socorro, with CACHE_IMPLEMENTATION_FETCHES on); 0 turns the cache off.
   */
  searchCacheSeconds?: number;
  /** Weeks of weekly indices Elasticsearch keeps (retention_policy, 26 in Socorro). */
  searchRetentionWeeks?: number;
  /** What happens to crash ids after Reprocessing accepts them. */
  processor?: ProcessorOptions;
  /**
   * Longest request line ("GET /api/SuperSearch/?… HTTP/1.1", bytes, without CRLF) the server
   * takes: gunicorn's limit_request_line, 4094 by default, which Socorro's bin/run_service_webapp.sh
   * does not change. Longer gets gunicorn's 400 "Request Line is too large (N > 4094)". 0: no limit.
   */
  requestLineLimit?: number;
}

export interface SearchRateLimit {
  /** Requests per window with a valid Auth-Token; default 1000. */
  withToken?: number;
  /** Requests per window without a token; default 100. */
  anonymous?: number;
  /** Window length; default 60,000 (one minute). Shorter lets a test see a window end. */
  windowMs?: number;
  /** Send Retry-After with the 429; default true. Socorro itself sends none (django-ratelimit). */
  retryAfter?: boolean;
}

export interface ProcessorOptions {
  /** Delay between acceptance and processing; default 1000. */
  delayMs?: number;
  /**
   * The collector's received time of a crash (its search document's `date`, which reprocessing
   * keeps); consulted when the processor indexes a crash search does not have yet. Default: noon
   * of the id's date.
   */
  receivedAt?: (id: string) => number | undefined;
  /** Called with the ids being processed (ruleset suffix removed), before they are indexed; a test writes `v1/processed_crash/{id}` here. */
  onProcessed?: (ids: string[]) => void | Promise<void>;
  /** Ids the processor never gets through (neither stored nor indexed). Read when the delay ends, so it may change meanwhile. */
  neverProcess?: Set<string>;
  /** Ids stored (the hook runs) but never indexed. Read when the delay ends. */
  neverIndex?: Set<string>;
}

export interface FaultPlan {
  /** Share of requests that fail, 0..1. */
  rate: number;
  seed: number;
  kinds: Array<'429' | '500' | '502' | 'reset'>;
  /** Retry-After sent with an injected 429; default 1. */
  retryAfterSeconds?: number;
}

export interface ReceivedBatch {
  /** Status answered; 0 when the connection was reset instead. */
  status: number;
  /** The crash_ids values as sent (with any ':ruleset' suffix). */
  ids: string[];
  /** Milliseconds since the server started. */
  at: number;
}

export interface ReceivedSearch {
  /** The uuid values as sent. */
  uuids: string[];
  /** Every query parameter as sent, repeated ones in order. */
  params: Record<string, string[]>;
  /** Status answered; 0 when the connection was reset instead. */
  status: number;
  /** Whether an Auth-Token header was sent (right or wrong). */
  token: boolean;
  /** Milliseconds since the server started. */
  at: number;
}

/** The search documents: one per crash id, dated by its processed date (the `date` field). */
export interface SearchIndex {
  /** Adds or re-dates a document (its date: a Date, an ISO string or epoch ms); throws on an unparsable date. */
  add(uuid: string, dateProcessed: Date | string | number): void;
  remove(uuid: string): boolean;
  has(uuid: string): boolean;
  readonly size: number;
}

export interface SocorroApi {
  url: string;
  /** Every crash_ids value of each batch answered 2xx, in arrival order, as sent. */
  accepted: string[];
  /** Every request that reached the handler, with the status it got, except searches (those are in `searches`). */
  batches: ReceivedBatch[];
  setFaults(plan: FaultPlan | undefined): void;
  /** Every request to /api/SuperSearch/, with the status it got. */
  searches: ReceivedSearch[];
  setSearchFaults(plan: FaultPlan | undefined): void;
  index: SearchIndex;
  /** The processor's settings, live: change the sets or the delay at run time. */
  processor: { delayMs: number; neverProcess: Set<string>; neverIndex: Set<string> };
  /** Ids the processor got through (the hook ran for them), in order, without ruleset suffix. */
  processed: string[];
  /** Resolves when every processing scheduled so far (and any scheduled meanwhile) has run; rejects if a hook threw. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const ENDPOINT = '/api/Reprocessing/';
const CRASH_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6}[0-9]{6}$/;
// settings.VALID_RULESETS in Socorro.
const VALID_RULESETS = new Set(['default', 'regenerate_signature']);
// Django defaults that Socorro does not override.
const DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000;
const DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440;
const PERMISSION_NAME = 'Reprocess Crashes';


/** Python's repr() of a str, as it appears in Socorro's BadArgumentError messages. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return quote + out + quote;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** JSON as Python's json.dumps writes it (", " and ": " separators, ASCII only), like Django. */
function pyJson(v: Json): string {
  if (Array.isArray(v)) return '[' + v.map(pyJson).join(', ') + ']';
  if (v !== null && typeof v === 'object') {
    return '{' + Object.entries(v).map(([k, x]) => pyJson(k) + ': ' + pyJson(x)).join(', ') + '}';
  }
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** gunicorn's util.write_error page for a request line over limit_request_line. */
function gunicornRequestLineTooLarge(size: number, limit: number): Reply {
  const body =
    '<html>\n  <head>\n    <title>Bad Request</title>\n  </head>\n  <body>\n    <h1><p>Bad Request</p></h1>\n' +
    `    Request Line is too large (${size} &gt; ${limit})\n  </body>\n</html>\n`;
  return { status: 400, body, contentType: 'text/html', close: true };
}

const DJANGO_400_HTML =
  '<!doctype html>\n<html lang="en">\n<head>\n  <title>Bad Request (400)</title>\n</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n';

interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
  /** The body was not read in full, so the connection cannot be reused. */
  close?: boolean;
}

function json(status: number, body: Json): Reply {
  return { status, body: pyJson(body), contentType: 'application/json' };
}

/** Reads the body, keeping at most Django's memory limit; `tooBig` when it was over it. */
async function readBody(req: http.IncomingMessage): Promise<{ body: Buffer; tooBig: boolean }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > DATA_UPLOAD_MAX_MEMORY_SIZE) return { body: Buffer.alloc(0), tooBig: true };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A chunked body has no Content-Length: keep draining (leaving the loop would destroy the
    // socket before we can answer) but stop keeping it.
    if (size <= DATA_UPLOAD_MAX_MEMORY_SIZE) chunks.push(chunk);
  }
  return size > DATA_UPLOAD_MAX_MEMORY_SIZE ? { body: Buffer.alloc(0), tooBig: true } : { body: Buffer.concat(chunks), tooBig: false };
}

function isFormEncoded(req: http.IncomingMessage): boolean {
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return ct === 'application/x-www-form-urlencoded';
}

/** crash_ids values of a form body, and whether it is over Django's field limit. */
function parseCrashIds(body: string): { ids: string[]; tooMany: boolean } {
  if (body.length === 0) return { ids: [], tooMany: false };
  // Python's parse_qsl counts fields as separators + 1, before parsing, empty ones included.
  let fields = 1;
  for (let i = body.indexOf('&'); i !== -1; i = body.indexOf('&', i + 1)) fields++;
  // Parsed even when over the limit, so the batch record shows what was sent.
  return { ids: new URLSearchParams(body).getAll('crash_ids'), tooMany: fields > DATA_UPLOAD_MAX_NUMBER_FIELDS };
}

// ---- SuperSearch ------------------------------------------------------------------------------

const SEARCH_ENDPOINT = '/api/SuperSearch/';
const DAY_MS = 86_400_000;
// search_common.py: DEFAULT_DATE_RANGE and MAXIMUM_DATE_RANGE, in days.
const DEFAULT_DATE_RANGE_MS = 7 * DAY_MS;
const MAXIMUM_DATE_RANGE_DAYS = 365;
// supersearch.py's caps.
const MAX_RESULTS_NUMBER = 1000;
const MAX_RESULT_WINDOW = 10_000;
const MAX_FACETS_SIZE = 10_000;
// SearchBase.meta_filters defaults.
const DEFAULT_COLUMNS = ['uuid', 'date', 'signature', 'product', 'version'];
const DEFAULT_FACETS = ['signature'];
const DEFAULT_FACETS_SIZE = 50;
const DEFAULT_RESULTS_NUMBER = 100;
// A few public, returnable fields of super_search_fields.py. The documents here hold only uuid and
// date; the others answer null, and filters on them are not applied.
const RETURNED_FIELDS = new Set([
  ...DEFAULT_COLUMNS,
  'address', 'build_id', 'cpu_arch', 'platform', 'process_type', 'reason', 'release_channel', 'uptime',
]);
// The form's fields, in its order (exposed fields, then SUPERSEARCH_META_PARAMS): list fields
// refuse null characters, int fields must be whole numbers.
const FORM_FIELDS: Array<[string, 'list' | 'int']> = [
  ['date', 'list'], ['uuid', 'list'],
  ['_columns', 'list'], ['_facets', 'list'], ['_facets_size', 'int'],
  ['_results_offset', 'int'], ['_results_number', 'int'], ['_sort', 'list'],
  ['_histogram.date', 'list'], ['_histogram_interval.date', 'list'],
];
const HOUR_MS = 3_600_000;
/**
 * Elasticsearch's calendar intervals (one unit each): what `_histogram_interval.date` may be.
 * Anything else (`2h`, `xdays`) fails in Elasticsearch, which supersearch.py turns into
 * BadArgumentError('_histogram_interval.date').
 */
const CALENDAR_INTERVALS: Record<string, 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year'> = {
  '1m': 'minute', minute: 'minute', '1h': 'hour', hour: 'hour', '1d': 'day', day: 'day',
  '1w': 'week', week: 'week', '1M': 'month', month: 'month', '1q': 'quarter', quarter: 'quarter', '1y': 'year', year: 'year',
};

/** The start of the calendar bucket holding `ms` (UTC; weeks start on Monday, as in Elasticsearch). */
function bucketStart(ms: number, unit: (typeof CALENDAR_INTERVALS)[string]): number {
  const d = new Date(ms);
  const [y, mo, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  switch (unit) {
    case 'minute':
      return ms - (((ms % 60_000) + 60_000) % 60_000);
    case 'hour':
      return ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
    case 'day':
      return Date.UTC(y, mo, day);
    case 'week':
      return Date.UTC(y, mo, day) - ((d.getUTCDay() + 6) % 7) * DAY_MS;
    case 'month':
      return Date.UTC(y, mo, 1);
    case 'quarter':
      return Date.UTC(y, mo - (mo % 3), 1);
    case 'year':
      return Date.UTC(y, 0, 1);
  }
}

/** A date histogram bucket's key as Elasticsearch renders it for the `date` field's format. */
function histogramTerm(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
// OPERATORS_MAP['datetime'], longest first.
const DATE_OPERATORS = ['>=', '<=', '<', '>', '__null__'];

/** Django's IntegerField: blank is None, a trailing ".0" is allowed, Python's int() does the rest. */
function djangoInt(value: string): number | null | 'invalid' {
  if (value === '') return null;
  const s = value.replace(/\.0*\s*$/, '');
  if (!/^\s*[+-]?\d+(_\d+)*\s*$/.test(s)) return 'invalid';
  return Number(s.replace(/_/g, '').trim());
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * libdatetime.string_to_datetime, in ms since the epoch, or undefined when Python would raise.
 * Up to 10 characters it is strptime('%Y-%m-%d') at midnight UTC (so '<=2024-01-05' ends at
 * 00:00 that day); longer is ISO 8601 via isodate (a space between date and time allowed),
 * UTC unless an offset is given.
 */
export function parseSearchDate(input: string): number | undefined {
  if (input.length <= 10) {
    const m = /^(\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])$/.exec(input);
    if (!m) return undefined;
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (y < 1 || d > daysInMonth(y, mo)) return undefined;
    return Date.UTC(y, mo - 1, d);
  }
  const s = input.replace(/(\d)\s(\d)/g, '$1T$2');
  const m =
    /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) return undefined;
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  let offset = 0;
  if (m[8] && m[8] !== 'Z') {
    const tz = /^([+-])(\d{2}):?(\d{2})?$/.exec(m[8])!;
    offset = (tz[1] === '-' ? -1 : 1) * (Number(tz[2]) * 60 + Number(tz[3] ?? 0)) * 60_000;
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset;
}

/** The weekly index holding a document of this date: strftime('socorro%Y%W'), weeks starting Monday. */
export function indexForDate(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const yday = Math.floor((Date.UTC(y, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(y, 0, 1)) / DAY_MS);
  const mondayFirst = (d.getUTCDay() + 6) % 7;
  return `socorro${y}${String(Math.floor((yday + 7 - mondayFirst) / 7)).padStart(2, '0')}`;
}

/** base.generate_list_of_indexes: one step per day from `from` while <= `to`. */
function indexesBetween(from: number, to: number): Set<string> {
  const out = new Set<string>();
  for (let t = from; t <= to; t += DAY_MS) out.add(indexForDate(t));
  return out;
}

/** A processed date as the processor stores it: Python's isoformat() with microseconds, UTC. */
function pyIsoformat(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

interface DateBound {
  op: string;
  value: number;
  not: boolean;
}

function inBound(doc: number, b: DateBound): boolean {
  const hit = b.op === '>=' ? doc >= b.value : b.op === '>' ? doc > b.value : b.op === '<=' ? doc <= b.value : doc < b.value;
  return b.not ? !hit : hit;
}

export async function startSocorroApi(opts: SocorroApiOptions = {}): Promise<SocorroApi> {
  const token = opts.token ?? 'demo-token';
  const permission = opts.permission ?? true;
  const rateLimit = opts.rateLimitPerMinute;
  const now = opts.now ?? Date.now;
  const t0 = performance.now();

  const accepted: string[] = [];
  const batches: ReceivedBatch[] = [];
  const searches: ReceivedSearch[] = [];

  let faults: FaultPlan | undefined;
  let rand: () => number = Math.random;
  const setFaults = (plan: FaultPlan | undefined): void => {
    faults = plan ? { ...plan, kinds: [...plan.kinds] } : undefined;
    if (plan) rand = mulberry32(plan.seed);
  };
  setFaults(opts.faults);

  // Search has its own plan and generator, so searches never shift Reprocessing's fault sequence.
  let searchFaults: FaultPlan | undefined;
  let searchRand: () => number = Math.random;
  const setSearchFaults = (plan: FaultPlan | undefined): void => {
    searchFaults = plan ? { ...plan, kinds: [...plan.kinds] } : undefined;
    if (plan) searchRand = mulberry32(plan.seed);
  };
  setSearchFaults(opts.searchFaults);

  // Fixed one-minute windows from start, like django-ratelimit's fixed windows.
  let windowStart = 0;
  let windowCount = 0;

  /** Decides the injected fault for this request, or none. */
  const draw = (plan: FaultPlan | undefined, next: () => number): Reply | undefined => {
    if (!plan || plan.kinds.length === 0) return undefined;
    // Always two draws, so request n's fate depends only on n and the seed.
    const hit = next() < plan.rate;
    const kind = plan.kinds[Math.floor(next() * plan.kinds.length)];
    if (!hit) return undefined;
    switch (kind) {
      case '429':
        return {
          status: 429,
          body: 'Too Many Requests',
          contentType: 'text/plain',
          headers: { 'Retry-After': String(plan.retryAfterSeconds ?? 1) },
        };
      case '500':
        return { status: 500, body: '<h1>Server Error (500)</h1>', contentType: 'text/html' };
      case '502':
        return { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>\n', contentType: 'text/html' };
      case 'reset':
        return { status: 0, body: '', reset: true };
    }
  };
  const drawFault = (): Reply | undefined => draw(faults, rand);

  const rateLimited = (): Reply | undefined => {
    if (rateLimit === undefined) return undefined;
    const now = performance.now() - t0;
    if (now - windowStart >= 60_000) {
      windowStart = now - ((now - windowStart) % 60_000);
      windowCount = 0;
    }
    windowCount++;
    if (windowCount <= rateLimit) return undefined;
    const retryAfter = Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000));
    return {
      status: 429,
      body: 'Too Many Requests',
      contentType: 'text/plain',
      headers: { 'Retry-After': String(retryAfter) },
    };
  };

  // SuperSearch's limit. django-ratelimit's cache key holds the rate, so the token and anonymous
  // rates count separately.
  const searchLimit =
    opts.searchRateLimit === false
      ? undefined
      : {
          withToken: opts.searchRateLimit?.withToken ?? 1000,
          anonymous: opts.searchRateLimit?.anonymous ?? 100,
          windowMs: opts.searchRateLimit?.windowMs ?? 60_000,
          retryAfter: opts.searchRateLimit?.retryAfter ?? true,
        };
  const searchWindows = { token: { start: 0, count: 0 }, anonymous: { start: 0, count: 0 } };
  const searchRateLimited = (withToken: boolean): Reply | undefined => {
    if (!searchLimit) return undefined;
    const w = withToken ? searchWindows.token : searchWindows.anonymous;
    const { windowMs } = searchLimit;
    const t = performance.now() - t0;
    if (t - w.start >= windowMs) {
      w.start = t - ((t - w.start) % windowMs);
      w.count = 0;
    }
    w.count++;
    if (w.count <= (withToken ? searchLimit.withToken : searchLimit.anonymous)) return undefined;
    const headers: Record<string, string> = {};
    if (searchLimit.retryAfter) headers['Retry-After'] = String(Math.max(1, Math.ceil((w.start + windowMs - t) / 1000)));
    // ratelimit_blocked answers a client that does not accept text/html with this short text.
    return { status: 429, body: 'Too Many Requests', contentType: 'text/plain', headers };
  };

  // The search index: crash id → processed date (ms), in insertion order; and the same dates per
  // hour (hour start → dates), so counts and histograms read a bucket's length, not every doc.
  const docs = new Map<string, number>();
  const byHour = new Map<number, number[]>();
  const hourOf = (ms: number): number => ms - (((ms % HOUR_MS) + HOUR_MS) % HOUR_MS);
  const unhour = (ms: number): void => {
    const h = byHour.get(hourOf(ms))!;
    const i = h.lastIndexOf(ms);
    h[i] = h[h.length - 1];
    h.pop();
    if (h.length === 0) byHour.delete(hourOf(ms));
  };
  const setDoc = (uuid: string, ms: number): void => {
    const before = docs.get(uuid);
    if (before !== undefined) unhour(before);
    docs.set(uuid, ms);
    const h = byHour.get(hourOf(ms));
    if (h) h.push(ms);
    else byHour.set(hourOf(ms), [ms]);
  };
  const toMs = (d: Date | string | number): number => {
    const ms = typeof d === 'number' ? d : typeof d === 'string' ? Date.parse(d) : d.getTime();
    if (!Number.isFinite(ms)) throw new TypeError(`not a date: ${String(d)}`);
    return ms;
  };
  const index: SearchIndex = {
    add: (uuid, dateProcessed) => setDoc(uuid, toMs(dateProcessed)),
    remove: (uuid) => {
      const ms = docs.get(uuid);
      if (ms === undefined) return false;
      unhour(ms);
      return docs.delete(uuid);
    },
    has: (uuid) => docs.has(uuid),
    get size() {
      return docs.size;
    },
  };
  const retentionMs = (opts.searchRetentionWeeks ?? 26) * 7 * DAY_MS;
  const cacheMs = (opts.searchCacheSeconds ?? 300) * 1000;
  const cache = new Map<string, { until: number; body: string }>();

  const badArgument = (msg: string): Reply => json(400, { error: `Bad request: BadArgumentError: ${msg}` });

  /** The webapp's form, then SuperSearch.get (search_common.get_parameters, fix_date_parameter, supersearch.get). */
  const search = (params: URLSearchParams): Reply => {
    // MiddlewareModelForm: int fields take the last value; list fields refuse null characters.
    const errors: Record<string, Json> = {};
    const ints: Record<string, number | null> = {};
    const cacheKey: Array<[string, Json]> = [];
    for (const [name, kind] of FORM_FIELDS) {
      const values = params.getAll(name);
      if (kind === 'int') {
        const v = values.length === 0 ? null : djangoInt(values[values.length - 1]);
        if (v === 'invalid') errors[name] = ['Enter a whole number.'];
        else ints[name] = v;
        if (typeof v === 'number') cacheKey.push([name, v]);
      } else {
        if (values.some((v) => v.includes('\0'))) errors[name] = ['Null characters are not allowed.'];
        if (values.length > 0) cacheKey.push([name, values]);
      }
    }
    if (Object.keys(errors).length > 0) return json(400, { errors });

    // SocorroCommon.fetch caches a result per parameter set, for everyone.
    const key = JSON.stringify(cacheKey);
    const cached = cache.get(key);
    if (cached && cached.until > performance.now()) return searchResult(cached.body);

    const t = now();
    // get_parameters: every date value is converted (with its operator) before any is judged.
    const bounds: DateBound[] = [];
    for (const raw of params.getAll('date')) {
      let v = raw;
      const not = v.startsWith('!');
      if (not) v = v.slice(1);
      const op = DATE_OPERATORS.find((o) => v.startsWith(o)) ?? '';
      // '__null__' is neither bound, and fix_date_parameter drops it.
      if (op === '__null__') continue;
      const value = parseSearchDate(v.slice(op.length));
      if (value === undefined) return badArgument('Bad value for parameter date: not a valid datetime');
      bounds.push({ op, value, not });
    }
    // fix_date_parameter: keep the tightest bound of each side; a missing upper bound is now, a
    // missing lower bound 7 days before the upper one.
    let upper: DateBound | undefined;
    let lower: DateBound | undefined;
    for (const b of bounds) {
      if (b.op === '') return badArgument('date must have a prefix operator');
      if (b.op.includes('<') && (!upper || upper.value > b.value)) upper = b;
      if (b.op.includes('>') && (!lower || lower.value < b.value)) lower = b;
    }
    upper ??= { op: '<=', value: t, not: false };
    lower ??= { op: '>=', value: upper.value - DEFAULT_DATE_RANGE_MS, not: false };
    if (upper.value - lower.value > MAXIMUM_DATE_RANGE_DAYS * DAY_MS) {
      return badArgument(`Date range is bigger than ${MAXIMUM_DATE_RANGE_DAYS} days`);
    }

    const facetsSize = ints._facets_size ?? DEFAULT_FACETS_SIZE;
    const number = ints._results_number ?? DEFAULT_RESULTS_NUMBER;
    const offset = ints._results_offset ?? 0;
    // BadArgumentError without msg=, hence the odd wording.
    if (facetsSize > MAX_FACETS_SIZE) return badArgument("Bad value for parameter(s) '_facets_size greater than 10,000'");
    if (number > MAX_RESULTS_NUMBER) return badArgument('_results_number cannot be greater than 1,000');
    if (number < 0) return badArgument('_results_number cannot be negative');

    const columns = params.has('_columns') ? params.getAll('_columns').filter((c) => c !== '') : DEFAULT_COLUMNS;
    for (const c of columns) if (!RETURNED_FIELDS.has(c)) return badArgument(`Unknown field ${pyRepr(c)}`);

    if (offset + number > MAX_RESULT_WINDOW) {
      return badArgument('_results_offset + _results_number cannot be greater than 10,000');
    }
    // elasticsearch-dsl refuses negative slicing with a ValueError nobody catches (inference).
    if (offset < 0) return { status: 500, body: '<h1>Server Error (500)</h1>', contentType: 'text/html' };

    // Weekly indices between the bounds, less those older than the retention policy (deleted) or
    // after now (prune_invalid_indices). None left means Search(index=[]), i.e. every index.
    const retained = indexesBetween(t - retentionMs, t);
    const wanted = [...indexesBetween(lower.value, upper.value)].filter((i) => retained.has(i));
    const searched = wanted.length > 0 ? new Set(wanted) : undefined;
    const visible = (ms: number): boolean => {
      const i = indexForDate(ms);
      if (searched ? !searched.has(i) : !(retained.has(i) || ms > t)) return false;
      return inBound(ms, lower) && inBound(ms, upper);
    };

    // The histogram's interval is checked when Elasticsearch parses the aggregation, i.e. only
    // when facets are built; its fields are sanitised like _facets (unknown ones dropped).
    const histogramFields = params.getAll('_histogram.date').filter((f) => f !== '' && RETURNED_FIELDS.has(f));
    const intervalText = params.getAll('_histogram_interval.date').filter((v) => v !== '');
    const interval = CALENDAR_INTERVALS[intervalText.length > 0 ? intervalText[intervalText.length - 1] : 'day'];
    const wantsHistogram = facetsSize > 0 && histogramFields.length > 0;
    if (wantsHistogram && !interval) return badArgument("Bad value for parameter(s) '_histogram_interval.date'");
    const asked = params.getAll('_facets').filter((f) => RETURNED_FIELDS.has(f));
    const facetFields = asked.length > 0 ? asked : DEFAULT_FACETS;

    // uuid is a keyword field: exact, case-sensitive matches. Hits come in the order asked.
    // Without uuid, the total and the histogram come from the hour buckets; documents are walked
    // only for hits (and a uuid facet), in insertion order.
    let matches: Array<[string, number]> | undefined;
    let total = 0;
    const histogram = new Map<number, number>();
    const count = (ms: number, n = 1): void => {
      total += n;
      if (wantsHistogram) {
        const b = bucketStart(ms, interval);
        histogram.set(b, (histogram.get(b) ?? 0) + n);
      }
    };
    if (params.has('uuid')) {
      matches = [];
      for (const uuid of new Set(params.getAll('uuid'))) {
        const ms = docs.get(uuid);
        if (ms !== undefined && visible(ms)) {
          matches.push([uuid, ms]);
          count(ms);
        }
      }
    } else {
      for (const [start, dates] of byHour) {
        const end = start + HOUR_MS - 1;
        // One weekly index holds the whole hour; the hour is wholly in or out unless a bound or now cuts it.
        const whole = visible(start) && visible(end) && !(start <= t && t < end);
        if (whole && interval !== 'minute') count(start, dates.length);
        else for (const ms of dates) if (visible(ms)) count(ms);
      }
      const wanted = facetFields.includes('uuid') && facetsSize > 0 ? Infinity : offset + number;
      if (wanted > 0) {
        matches = [];
        for (const [uuid, ms] of docs) {
          if (matches.length >= wanted) break;
          if (visible(ms)) matches.push([uuid, ms]);
        }
      }
    }

    const hits = (matches ?? []).slice(offset, offset + number).map(([uuid, ms]) => {
      const hit: Record<string, Json> = {};
      for (const c of columns) hit[c] = c === 'uuid' ? uuid : c === 'date' ? pyIsoformat(ms) : null;
      return hit;
    });
    // Terms aggregations over the whole match; only uuid has values here (count desc, then key).
    // supersearch.py builds every aggregation only when _facets_size > 0 (the histogram too).
    const facets: Record<string, Json> = {};
    if (facetsSize > 0) {
      for (const f of facetFields) {
        facets[f] =
          f === 'uuid'
            ? (matches ?? []).map(([u]) => u).sort().slice(0, facetsSize).map((u) => ({ term: u, count: 1 }))
            : [];
      }
      if (wantsHistogram) {
        // min_doc_count 1: only buckets holding documents, in key order; each bucket's own terms
        // aggregations, empty here (the documents hold no product or platform).
        facets.histogram_date = [...histogram]
          .sort((a, b) => a[0] - b[0])
          .map(([b, n]) => ({ term: histogramTerm(b), count: n, facets: Object.fromEntries(histogramFields.map((f) => [f, []])) }));
      }
    }
    // `errors` lists missing indices; every retained week has one here.
    const body = pyJson({ hits, total, facets, errors: [] });
    if (cacheMs > 0) cache.set(key, { until: performance.now() + cacheMs, body });
    return searchResult(body);
  };

  const searchResult = (body: string): Reply => ({
    status: 200,
    body,
    // json_view's content type; model.cache_seconds gives the Cache-Control.
    contentType: 'application/json; charset=UTF-8',
    headers: cacheMs > 0 ? { 'Cache-Control': `private, max-age=${cacheMs / 1000}` } : undefined,
  });

  /** GET /api/SuperSearch/: faults, then tokens middleware → rate limit → method → query parsing → search. */
  const handleSearch = (req: http.IncomingMessage, path: string, query: string, key: string | undefined): Reply => {
    const fault = draw(searchFaults, searchRand);
    if (fault) return fault;
    const tooLong = lineTooLong(req);
    if (tooLong) return tooLong;
    // APPEND_SLASH keeps the query string.
    if (path !== SEARCH_ENDPOINT) return { status: 301, body: '', headers: { Location: SEARCH_ENDPOINT + (query ? `?${query}` : '') } };
    if (key && key !== token) {
      const reply = json(403, { error: 'API Token not matched' });
      return { ...reply, body: reply.body + '\n' };
    }
    // model_wrapper's ratelimit counts GET, POST and PUT.
    if (['GET', 'POST', 'PUT'].includes(req.method ?? '')) {
      const limited = searchRateLimited(Boolean(key));
      if (limited) return limited;
    }
    // ESSocorroMiddleware has no post.
    if (req.method !== 'GET') return json(405, { error: 'Method not allowed' });
    // QueryDict enforces DATA_UPLOAD_MAX_NUMBER_FIELDS on the query string too (TooManyFieldsSent).
    if (query !== '' && query.split('&').length > DATA_UPLOAD_MAX_NUMBER_FIELDS) {
      return { status: 400, body: DJANGO_400_HTML, contentType: 'text/html' };
    }
    return search(new URLSearchParams(query));
  };

  // The processor: accepted ids are processed after a delay, stored through the hook, then indexed.
  const processor = {
    delayMs: opts.processor?.delayMs ?? 1000,
    neverProcess: opts.processor?.neverProcess ?? new Set<string>(),
    neverIndex: opts.processor?.neverIndex ?? new Set<string>(),
  };
  const onProcessed = opts.processor?.onProcessed;
  const receivedAt = opts.processor?.receivedAt;
  const processed: string[] = [];
  const pending = new Set<Promise<void>>();
  const waiting = new Map<NodeJS.Timeout, () => void>();
  let closing = false;

  const processNow = async (ids: string[]): Promise<void> => {
    const todo = ids.filter((id) => !processor.neverProcess.has(id));
    if (todo.length === 0) return;
    await onProcessed?.(todo);
    processed.push(...todo);
    // The search document's `date` is the crash's (processed_crash.date_processed keeps the time
    // the collector took the crash; reprocessing does not change it): the received time when the
    // test gave one, else noon of the id's date.
    for (const id of todo) {
      if (processor.neverIndex.has(id)) continue;
      const d = id.slice(-6);
      const known = docs.get(id);
      setDoc(id, known ?? receivedAt?.(id) ?? Date.UTC(2000 + Number(d.slice(0, 2)), Number(d.slice(2, 4)) - 1, Number(d.slice(4, 6)), 12));
    }
  };

  const schedule = (values: string[]): void => {
    if (closing) return;
    const ids = values.map((v) => (v.includes(':') ? v.slice(0, v.indexOf(':')) : v));
    let resolveJob!: () => void;
    let rejectJob!: (err: unknown) => void;
    const job = new Promise<void>((resolve, reject) => {
      resolveJob = resolve;
      rejectJob = reject;
    });
    // Also marks a failed job as handled; settled() still sees the failure.
    const forget = (): void => void pending.delete(job);
    job.then(forget, forget);
    pending.add(job);
    const timer = setTimeout(() => {
      waiting.delete(timer);
      processNow(ids).then(resolveJob, rejectJob);
    }, processor.delayMs);
    // A pending processing must not keep the process alive.
    timer.unref();
    waiting.set(timer, resolveJob);
  };

  const settled = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending]);
  };

  type Handled = { reply: Reply; ids: string[]; search?: Omit<ReceivedSearch, 'status' | 'at'> };

  const lineLimit = opts.requestLineLimit ?? 4094;
  /** gunicorn reads the request line before anything else the app sees. */
  const lineTooLong = (req: http.IncomingMessage): Reply | undefined => {
    if (lineLimit <= 0) return undefined;
    const size = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}`);
    return size > lineLimit ? gunicornRequestLineTooLarge(size, lineLimit) : undefined;
  };

  const handle = async (req: http.IncomingMessage): Promise<Handled> => {
    const { body, tooBig } = await readBody(req);
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    const given = req.headers['auth-token'];
    const key = Array.isArray(given) ? given[0] : given;

    if (path === SEARCH_ENDPOINT || path === '/api/SuperSearch') {
      const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : '';
      const parsed = new URLSearchParams(query);
      const params: Record<string, string[]> = {};
      for (const [k, v] of parsed) (params[k] ??= []).push(v);
      return {
        reply: handleSearch(req, path, query, key),
        ids: [],
        search: { uuids: parsed.getAll('uuid'), params, token: given !== undefined },
      };
    }

    const { ids, tooMany } =
      req.method === 'POST' && isFormEncoded(req) ? parseCrashIds(body.toString('utf8')) : { ids: [], tooMany: false };

    // Failures of the infrastructure in front of the app come before anything the app decides.
    const fault = drawFault();
    if (fault) return { reply: fault, ids };
    const tooLong = lineTooLong(req);
    if (tooLong) return { reply: tooLong, ids };
    // RequestDataTooBig; the unread rest of the body makes the connection unusable.
    if (tooBig) return { reply: { status: 400, body: DJANGO_400_HTML, contentType: 'text/html', close: true }, ids };

    if (path === '/api/Reprocessing') {
      // Django's APPEND_SLASH: a redirect, which drops a POST body.
      return { reply: { status: 301, body: '', headers: { Location: ENDPOINT } }, ids };
    }
    if (path !== ENDPOINT) {
      const m = /^\/api\/([^/]+)\/$/.exec(path);
      if (m) return { reply: json(404, { error: `No service called '${m[1]}'` }), ids };
      return { reply: { status: 404, body: '<h1>Not Found</h1>', contentType: 'text/html' }, ids };
    }

    // tokens/middleware.py: a wrong token is refused; no token means an anonymous user.
    if (key && key !== token) {
      // The middleware builds this body by hand, with a trailing newline.
      const reply = json(403, { error: 'API Token not matched' });
      return { reply: { ...reply, body: reply.body + '\n' }, ids };
    }

    const limited = rateLimited();
    if (limited) return { reply: limited, ids };

    if (!key || !permission) {
      return { reply: json(403, { error: `Use of this endpoint requires the '${PERMISSION_NAME}' permission` }), ids };
    }
    if (req.method !== 'POST') return { reply: json(405, { error: 'Method not allowed' }), ids };

    if (tooMany) return { reply: { status: 400, body: DJANGO_400_HTML, contentType: 'text/html' }, ids };
    if (ids.length === 0) return { reply: json(400, { errors: { crash_ids: ['This field is required.'] } }), ids };
    if (ids.some((v) => v.includes('\0'))) {
      return { reply: json(400, { errors: { crash_ids: ['Null characters are not allowed.'] } }), ids };
    }

    for (const value of ids) {
      const colon = value.indexOf(':');
      const id = colon === -1 ? value : value.slice(0, colon);
      const ruleset = colon === -1 ? 'default' : value.slice(colon + 1);
      if (!CRASH_ID_RE.test(id)) {
        return { reply: json(400, { error: `Bad request: BadArgumentError: Crash id ${pyRepr(id)} is not valid.` }), ids };
      }
      if (!VALID_RULESETS.has(ruleset)) {
        return { reply: json(400, { error: `Bad request: BadArgumentError: Ruleset ${pyRepr(ruleset)} is not valid.` }), ids };
      }
    }
    // publish() returns None on Pub/Sub and SQS, which the API renders as null.
    return { reply: json(200, null), ids };
  };

  // Node's own 16 KiB header limit would answer 431 before the gunicorn rule above is reached.
  const server = http.createServer({ keepAliveTimeout: 30_000, maxHeaderSize: 1 << 20 }, (req, res) => {
    handle(req).then(
      ({ reply, ids, search: asked }) => {
        const at = performance.now() - t0;
        if (asked) searches.push({ ...asked, status: reply.status, at });
        else batches.push({ status: reply.status, ids, at });
        if (reply.reset) {
          req.socket.resetAndDestroy();
          return;
        }
        if (!asked && reply.status >= 200 && reply.status < 300) {
          accepted.push(...ids);
          schedule(ids);
        }
        const headers: Record<string, string | number> = { ...reply.headers, 'Content-Length': Buffer.byteLength(reply.body) };
        if (reply.contentType) headers['Content-Type'] = reply.contentType;
        if (reply.close) headers['Connection'] = 'close';
        res.writeHead(reply.status, headers);
        res.end(reply.body);
      },
      () => {
        // The client went away mid-body; there is nobody to answer.
        req.socket.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    batches,
    setFaults,
    searches,
    setSearchFaults,
    index,
    processor,
    processed,
    settled,
    close: async () => {
      // Pending processings are dropped; ones already running (the hook may be writing) finish.
      closing = true;
      for (const [timer, cancel] of waiting) {
        clearTimeout(timer);
        cancel();
      }
      waiting.clear();
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}
