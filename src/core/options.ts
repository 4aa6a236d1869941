import { UsageError } from './errors.ts';

/**
 * The options of every mode, by one name each. Adapters spell them their own way (the CLI
 * a flag, the action an input name); anything here that must name an option in a
 * message asks the adapter through a Spelling, so an action user is never told about a CLI flag.
 */
export type OptionName =
  | 'dates'
  | 'bucket'
  | 'storage'
  | 'layout'
  | 'chunkSize'
  | 'maxChunks'
  | 'since'
  | 'until'
  | 'hours'
  | 'chunk'
  | 'concurrency'
  | 'apiUrl'
  | 'apiToken'
  | 'batchSize'
  | 'sleep'
  | 'max'
  | 'allowMany'
  | 'ruleset'
  | 'dryRun'
  | 'endpoint'
  | 'region'
  | 'pathStyle'
  | 'skipInvalid'
  | 'search'
  | 'wait'
  | 'every'
  | 'artifactPrefix'
  | 'retentionDays'
  | 'githubToken'
  | 'fromRun'
  | 'tokenPresent'
  | 'environment'
  | 'maxDates'
  | 'minMissing'
  | 'minShare'
  | 'out';

/** How an adapter names an option in messages; undefined when it has no such option. */
export type Spelling = (name: OptionName) => string | undefined;

/** What an adapter read, by option: strings as typed (or booleans for flags); absent when not given. */
export type RawOptions = Partial<Record<OptionName, string | boolean | undefined>>;

/** The label of an option in a message: the adapter's spelling, else the option's name. */
export function label(spell: Spelling, name: OptionName): string {
  return spell(name) ?? name;
}

function text(v: string | boolean | undefined): string {
  return typeof v === 'string' ? v.trim() : v === undefined ? '' : String(v);
}

/** A whole number in [min, max]; `dflt` when not given. */
export function parseInteger(spell: Spelling, name: OptionName, v: string | boolean | undefined, dflt: number, min: number, max: number): number {
  const s = text(v);
  if (s === '') return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${label(spell, name)}: ${s} is not a whole number from ${min} to ${max}`);
  }
  return n;
}

/** A number of seconds (or of another unit) in [0, max]; `dflt` when not given. */
export function parseSeconds(spell: Spelling, name: OptionName, v: string | boolean | undefined, dflt: number, max = 3600, unit = 'seconds'): number {
  const s = text(v);
  if (s === '') return dflt;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`${label(spell, name)}: ${s} is not a number of ${unit} from 0 to ${max}`);
  return n;
}

export function parseBoolean(spell: Spelling, name: OptionName, v: string | boolean | undefined, dflt = false): boolean {
  if (typeof v === 'boolean') return v;
  const s = text(v).toLowerCase();
  if (s === '') return dflt;
  if (s === 'false' || s === '0' || s === 'no') return false;
  if (s === 'true' || s === '1' || s === 'yes') return true;
  throw new UsageError(`${label(spell, name)}: ${text(v)} is not true or false`);
}

/** One of `choices`; `dflt` when not given. */
export function parseChoice<T extends string>(spell: Spelling, name: OptionName, v: string | boolean | undefined, choices: readonly T[], dflt: T | undefined, what: string): T | undefined {
  const s = text(v);
  if (s === '') return dflt;
  if (!(choices as readonly string[]).includes(s)) {
    throw new UsageError(`${label(spell, name)}: ${s} is not ${what} (${choices.join(' or ')})`);
  }
  return s as T;
}

export function parseUrl(spell: Spelling, name: OptionName, v: string): URL {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`${label(spell, name)}: ${v} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${label(spell, name)}: ${v} is not an http(s) URL`);
  return u;
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN (the name crashstats-tools uses). */
export function tokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const t = env.SOCORRO_API_TOKEN?.trim() || env.CRASHSTATS_API_TOKEN?.trim();
  return t || undefined;
}
