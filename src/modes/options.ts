import { DEFAULT_CHUNK_SIZE } from '../core/chunks.ts';
import { parseDates, parseHourWindow, parseTimeOfDay } from '../core/dates.ts';
import { UsageError } from '../core/errors.ts';
import { LAYOUTS, type Layout } from '../core/layouts.ts';
import {
  isLoopbackHost,
  label,
  parseBoolean,
  parseChoice,
  parseInteger,
  parseSeconds,
  parseUrl,
  tokenFromEnv,
  type RawOptions,
  type Spelling,
} from '../core/options.ts';
import type { StoreConfig, StoreKind } from '../ports/store.ts';
import { DEFAULT_CHECK_CONCURRENCY, type CheckOptions } from './check.ts';
import type { ListOptions } from './list.ts';
import { API_LIMIT_PER_MINUTE, API_LIMIT_SHARE } from '../core/rate-limit.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX, DEFAULT_SLEEP_SECONDS, MAX_BATCH_SIZE, type ReprocessOptions } from './reprocess.ts';
import { DEFAULT_EVERY_SECONDS, type VerifyOptions } from './verify.ts';
import { DEFAULT_MIN_MISSING, DEFAULT_MIN_SHARE, MAX_SCAN_DATES, type ScanOptions } from './scan.ts';
import { formatDay } from '../core/dates.ts';
import { searchable } from '../core/search.ts';

/**
 * The one option layer: what an adapter read (by option name, as typed) becomes the options of a
 * mode and the configuration of its ports, parsed and cross-checked here once, so the CLI and the
 * action refuse the same input the same way. Messages name options through the adapter's Spelling.
 */

export const DEFAULT_API_URL = 'https://crash-stats.mozilla.org';
export const DEFAULT_REGION = 'us-west-2';
export const RULESETS = ['default', 'regenerate_signature'] as const;

export interface ApiConfig {
  apiUrl: string;
  token?: string;
  ruleset?: string;
}

export interface ParseContext {
  spell: Spelling;
  env: NodeJS.ProcessEnv;
}

function str(v: string | boolean | undefined): string {
  return typeof v === 'string' ? v.trim() : '';
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.\-_]{1,254}$/i;
const STORES: readonly StoreKind[] = ['s3', 'gcs'];

/**
 * The store and bucket: `gs://NAME` is Google Cloud Storage, `s3://NAME` or a bare `NAME` S3
 * (the storage option can say gcs for a bare name); a storage option that contradicts the
 * bucket's scheme is refused. The endpoint: the option, else the store's own variable
 * (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, or STORAGE_EMULATOR_HOST, where a bare host:port
 * means http://host:port), else the cloud's.
 */
export function parseStore(raw: RawOptions, { spell, env }: ParseContext): StoreConfig {
  const given = str(raw.bucket);
  if (!given) throw new UsageError(`${label(spell, 'bucket')}: the bucket is required`);
  const scheme = /^([a-z0-9]+):\/\//i.exec(given)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 's3' && scheme !== 'gs') {
    throw new UsageError(`${label(spell, 'bucket')}: ${given} is not a bucket (NAME, s3://NAME or gs://NAME)`);
  }
  const bucket = scheme ? given.slice(scheme.length + 3).replace(/\/+$/, '') : given;
  if (!BUCKET_NAME.test(bucket)) throw new UsageError(`${label(spell, 'bucket')}: ${given} is not a bucket name`);
  const fromScheme: StoreKind | undefined = scheme === 'gs' ? 'gcs' : scheme === 's3' ? 's3' : undefined;
  const asked = parseChoice(spell, 'storage', raw.storage, STORES, undefined, 'a store');
  if (asked && fromScheme && asked !== fromScheme) {
    throw new UsageError(`${label(spell, 'storage')} ${asked} contradicts ${label(spell, 'bucket')} ${given}`);
  }
  const kind: StoreKind = asked ?? fromScheme ?? 's3';
  let endpointText = str(raw.endpoint);
  if (!endpointText && kind === 's3') endpointText = env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim() || '';
  let emulator = false;
  if (!endpointText && kind === 'gcs' && env.STORAGE_EMULATOR_HOST?.trim()) {
    const host = env.STORAGE_EMULATOR_HOST.trim();
    // A URL of its own (http or https), or a bare host[:port]; nothing else is guessed at.
    const bare = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host);
    if (!bare && !/^https?:\/\//i.test(host)) throw new UsageError(`STORAGE_EMULATOR_HOST: ${host} is not a host:port or URL`);
    endpointText = bare ? `http://${host}` : host;
    emulator = true;
  }
  let endpoint: string | undefined;
  if (endpointText) {
    const name = emulator ? undefined : 'endpoint';
    try {
      endpoint = parseUrl(spell, 'endpoint', endpointText).toString().replace(/\/$/, '');
    } catch (err) {
      if (name) throw err;
      throw new UsageError(`STORAGE_EMULATOR_HOST: ${env.STORAGE_EMULATOR_HOST} is not a host:port or URL`);
    }
  }
  // A GCS bearer token goes only over https or to this machine, like the API token. An emulator
  // elsewhere over plain http (STORAGE_EMULATOR_HOST) gets no token at all: emulators check none.
  let tokenless = false;
  if (kind === 'gcs' && endpoint) {
    const u = new URL(endpoint);
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
      if (!emulator) {
        throw new UsageError(
          `${label(spell, 'endpoint')}: ${endpointText} is not https; the GCS token is only sent over https or to loopback (an emulator elsewhere: STORAGE_EMULATOR_HOST, which is sent no token)`,
        );
      }
      tokenless = true;
    }
  }
  return {
    kind,
    bucket,
    endpoint,
    emulator,
    ...(tokenless ? { tokenless } : {}),
    region: str(raw.region) || env.AWS_REGION?.trim() || DEFAULT_REGION,
    pathStyle: parseBoolean(spell, 'pathStyle', raw.pathStyle),
  };
}

/** since/until (HH:MM UTC) of each date, cross-checked. */
function parseWindow(raw: RawOptions, spell: Spelling): { since?: number; until?: number } {
  const hours = str(raw.hours);
  if (hours && (str(raw.since) || str(raw.until))) {
    throw new UsageError(`${label(spell, 'hours')} and ${label(spell, 'since')} / ${label(spell, 'until')} say the same thing: give one or the other`);
  }
  const w = hours ? parseHourWindow(hours, label(spell, 'hours')) : { since: str(raw.since), until: str(raw.until) };
  const [sinceName, untilName] = hours ? (['hours', 'hours'] as const) : (['since', 'until'] as const);
  const since = parseTimeOfDay(w.since, label(spell, sinceName));
  const until = parseTimeOfDay(w.until, label(spell, untilName));
  if (since !== undefined && until !== undefined && since > until) {
    throw new UsageError(hours ? `${label(spell, 'hours')}: ${hours} starts after it ends` : `${label(spell, 'since')} ${w.since} is after ${label(spell, 'until')} ${w.until}`);
  }
  return { since, until };
}

export function parseListOptions(raw: RawOptions, out: string, ctx: ParseContext): { store: StoreConfig; list: ListOptions } {
  const { spell } = ctx;
  const dates = parseDates(str(raw.dates), label(spell, 'dates'));
  // A cap the adapter may set (a dispatch form): a typo of a year would start hundreds of jobs.
  const maxDates = parseInteger(spell, 'maxDates', raw.maxDates, 0, 0, 366);
  if (maxDates && dates.length > maxDates) {
    throw new UsageError(`${label(spell, 'dates')}: ${dates.length} dates is more than ${label(spell, 'maxDates')} ${maxDates}; split the dates over several runs, or raise ${label(spell, 'maxDates')}`);
  }
  const layout = parseChoice<Layout>(spell, 'layout', raw.layout, LAYOUTS, 'v1', 'a layout')!;
  const chunkSize = parseInteger(spell, 'chunkSize', raw.chunkSize, DEFAULT_CHUNK_SIZE, 1, 100_000_000);
  // 0: no limit. A limit comes from where the chunks go (a matrix has at most 256 jobs).
  const maxChunks = parseInteger(spell, 'maxChunks', raw.maxChunks, 0, 0, 100_000_000) || undefined;
  const store = parseStore(raw, ctx);
  return { store, list: { dates, layout, chunkSize, maxChunks, ...parseWindow(raw, spell), out } };
}

/** The search API of check and verify: the token is optional (search answers anonymous requests, at a lower rate). */
export interface SearchConfig {
  api: ApiConfig;
  /** Search requests a minute: a share of Socorro's per-IP limit for this token (or none). */
  perMinute: number;
}

function parseSearch(raw: RawOptions, ctx: ParseContext): SearchConfig | undefined {
  if (!parseBoolean(ctx.spell, 'search', raw.search)) return undefined;
  const token = str(raw.apiToken) || tokenFromEnv(ctx.env);
  const apiUrl = parseApiUrl(raw, !!token, ctx.spell);
  const limit = token ? API_LIMIT_PER_MINUTE.withToken : API_LIMIT_PER_MINUTE.anonymous;
  return { api: { apiUrl, token }, perMinute: Math.floor(limit * API_LIMIT_SHARE) };
}

export function parseCheckOptions(
  raw: RawOptions,
  files: string[],
  out: string,
  ctx: ParseContext,
): { store: StoreConfig; check: CheckOptions; search?: SearchConfig } {
  const { spell } = ctx;
  const concurrency = parseInteger(spell, 'concurrency', raw.concurrency, DEFAULT_CHECK_CONCURRENCY, 1, 1024);
  const store = parseStore(raw, ctx);
  const search = parseSearch(raw, ctx);
  return {
    store,
    check: { files, out, concurrency, skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid), skipInvalidOption: spell('skipInvalid'), search: !!search },
    search,
  };
}

export function parseVerifyOptions(
  raw: RawOptions,
  files: string[],
  out: string,
  ctx: ParseContext,
): { store: StoreConfig; verify: VerifyOptions; search?: SearchConfig } {
  const { spell } = ctx;
  const store = parseStore(raw, ctx);
  const search = parseSearch(raw, ctx);
  return {
    store,
    verify: {
      files,
      out,
      search: !!search,
      waitMinutes: parseSeconds(spell, 'wait', raw.wait, 0, 6 * 60, 'minutes'),
      everySeconds: parseInteger(spell, 'every', raw.every, DEFAULT_EVERY_SECONDS, 1, 3600),
      concurrency: parseInteger(spell, 'concurrency', raw.concurrency, 64, 1, 1024),
      skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid),
      skipInvalidOption: spell('skipInvalid'),
    },
    search,
  };
}

/**
 * The API's base URL. The token goes only over https, or to this machine (tests, the demo, a
 * tunnel); a path prefix is kept: the API is at {api-url}/api/Reprocessing/.
 */
export function parseApiUrl(raw: RawOptions, sendsToken: boolean, spell: Spelling): string {
  const text = str(raw.apiUrl) || DEFAULT_API_URL;
  const u = parseUrl(spell, 'apiUrl', text);
  if (sendsToken && u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw new UsageError(`${label(spell, 'apiUrl')}: ${text} is not https; the API token is only sent over https or to loopback`);
  }
  return u.origin + u.pathname.replace(/\/+$/, '');
}

export function parseReprocessOptions(
  raw: RawOptions,
  files: string[],
  out: string,
  ctx: ParseContext,
  opts: { tokenNeeded?: boolean } = {},
): { api: ApiConfig; reprocess: ReprocessOptions } {
  const { spell, env } = ctx;
  const dryRun = parseBoolean(spell, 'dryRun', raw.dryRun);
  const token = str(raw.apiToken) || tokenFromEnv(env);
  if (!token && !dryRun && opts.tokenNeeded !== false) {
    const given = spell('apiToken');
    throw new UsageError(
      `no API token: ${given ? `give ${given}, or ` : ''}set SOCORRO_API_TOKEN (or CRASHSTATS_API_TOKEN) to a token with the 'Reprocess Crashes' permission`,
    );
  }
  const apiUrl = parseApiUrl(raw, !dryRun && !!token, spell);
  const reprocess: ReprocessOptions = {
    files,
    out,
    batchSize: parseInteger(spell, 'batchSize', raw.batchSize, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
    sleepSeconds: parseSeconds(spell, 'sleep', raw.sleep, DEFAULT_SLEEP_SECONDS),
    max: parseInteger(spell, 'max', raw.max, DEFAULT_MAX, 0, 1_000_000_000),
    allowMany: parseBoolean(spell, 'allowMany', raw.allowMany),
    dryRun,
    skipInvalid: parseBoolean(spell, 'skipInvalid', raw.skipInvalid),
  };
  const ruleset = parseChoice(spell, 'ruleset', raw.ruleset, RULESETS, undefined, 'a ruleset');
  return { api: { apiUrl, token, ruleset }, reprocess };
}

/**
 * scan's options: the dates (`yesterday` and `today` name UTC days, for a schedule), at most 183
 * and none older than search keeps (26 weeks) nor in the future, refused before anything is sent;
 * the hour window as list takes it; the thresholds; the search API (the token optional).
 */
export function parseScanOptions(
  raw: RawOptions,
  out: string,
  ctx: ParseContext,
  now: number,
): { store: StoreConfig; scan: ScanOptions; search: SearchConfig } {
  const { spell } = ctx;
  const DAY = 86_400_000;
  const words: Record<string, string> = { today: formatDay(now), yesterday: formatDay(now - DAY) };
  const dateText = str(raw.dates).replace(/[a-z]+/gi, (w) => words[w.toLowerCase()] ?? w);
  // No max-dates: that cap is about a matrix's jobs, and scan has none; 183 is its own.
  const { store, list } = parseListOptions({ ...raw, dates: dateText, maxDates: undefined }, out, ctx);
  const name = label(spell, 'dates');
  if (list.dates.length > MAX_SCAN_DATES) {
    throw new UsageError(`${name}: ${list.dates.length} dates is more than ${MAX_SCAN_DATES} (Socorro's 26 weeks of search); scan fewer`);
  }
  const old = list.dates.filter((d) => !searchable(d, now));
  if (old.length > 0) {
    throw new UsageError(
      `${name}: ${old.length === 1 ? old[0] : `${old[0]}…${old[old.length - 1]} (${old.length} dates)`} older than Socorro's 26 weeks of search data: scan cannot compare with search there; use check (storage alone decides for those dates)`,
    );
  }
  const future = list.dates.filter((d) => d > words.today);
  if (future.length > 0) throw new UsageError(`${name}: ${future[0]} is in the future (UTC)`);
  const minMissing = parseInteger(spell, 'minMissing', raw.minMissing, DEFAULT_MIN_MISSING, 1, 1_000_000_000);
  const shareText = str(raw.minShare);
  const percent = shareText.endsWith('%');
  const share = shareText === '' ? DEFAULT_MIN_SHARE : Number(percent ? shareText.slice(0, -1) : shareText) / (percent ? 100 : 1);
  if (!Number.isFinite(share) || share < 0 || share > 1 || (shareText !== '' && !/^\d*\.?\d+%?$/.test(shareText))) {
    throw new UsageError(`${label(spell, 'minShare')}: ${shareText} is not a share from 0 to 1 (or a percentage: 2%)`);
  }
  const token = str(raw.apiToken) || tokenFromEnv(ctx.env);
  const apiUrl = parseApiUrl(raw, !!token, spell);
  const limit = token ? API_LIMIT_PER_MINUTE.withToken : API_LIMIT_PER_MINUTE.anonymous;
  return {
    store,
    scan: { dates: list.dates, layout: list.layout, since: list.since, until: list.until, out, minMissing, minShare: share },
    search: { api: { apiUrl, token }, perMinute: Math.floor(limit * API_LIMIT_SHARE) },
  };
}
