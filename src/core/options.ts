import { UsageError } from './errors.ts';

/** Validation shared by the CLI and the action, so both refuse the same input the same way. */

export function parseIntOption(flag: string, v: string | number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag}: ${v} is not a whole number from ${min} to ${max}`);
  }
  return n;
}

export function parseSeconds(flag: string, v: string | number | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 3600) throw new UsageError(`${flag}: ${v} is not a number of seconds from 0 to 3600`);
  return n;
}

export const RULESETS = ['default', 'regenerate_signature'] as const;

export function parseRuleset(v: string | undefined): string | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  if (!(RULESETS as readonly string[]).includes(v.trim())) {
    throw new UsageError(`--ruleset: ${v} is not a ruleset (${RULESETS.join(' or ')})`);
  }
  return v.trim();
}

export function parseBool(flag: string, v: string | boolean | undefined): boolean {
  if (typeof v === 'boolean') return v;
  const s = (v ?? '').trim().toLowerCase();
  if (s === '' || s === 'false' || s === '0' || s === 'no') return false;
  if (s === 'true' || s === '1' || s === 'yes') return true;
  throw new UsageError(`${flag}: ${v} is not true or false`);
}

export function parseBucket(v: string | undefined): string {
  const b = (v ?? '').trim();
  if (!b) throw new UsageError('--bucket: the S3 bucket is required');
  if (!/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(b)) throw new UsageError(`--bucket: ${b} is not a bucket name`);
  return b;
}

export function parseEndpoint(v: string | undefined): string | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  let u: URL;
  try {
    u = new URL(v.trim());
  } catch {
    throw new UsageError(`--endpoint: ${v} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--endpoint: ${v} is not an http(s) URL`);
  return u.toString().replace(/\/$/, '');
}

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The token goes only over https, or to this machine (tests, the demo, a tunnel). */
export function parseApiUrl(v: string | undefined, sendsToken: boolean): string {
  const raw = (v ?? '').trim() || DEFAULT_API_URL;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--api-url: ${raw} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`--api-url: ${raw} is not an http(s) URL`);
  if (sendsToken && u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw new UsageError(`--api-url: ${raw} is not https; the API token is only sent over https or to loopback`);
  }
  // The API is at {api-url}/api/Reprocessing/: keep a path prefix, drop the trailing slash.
  return u.origin + u.pathname.replace(/\/+$/, '');
}

export const DEFAULT_API_URL = 'https://crash-stats.mozilla.org';

/** SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN (the name crashstats-tools uses). */
export function tokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const t = env.SOCORRO_API_TOKEN?.trim() || env.CRASHSTATS_API_TOKEN?.trim();
  return t || undefined;
}
