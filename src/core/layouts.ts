import { isCrashId } from './crash-id.ts';

/**
 * v1: Socorro since Sep 2022, one prefix a day.
 * v2: May 2016 – Sep 2022, `crash_id[0:3]` entropy in front of the date, so 4096 prefixes a day.
 */
export type Layout = 'v1' | 'v2';

export const LAYOUTS: readonly Layout[] = ['v1', 'v2'];

const HEX = '0123456789abcdef';

/** Every raw-crash prefix that holds crashes of `day`, in key order. */
export function rawCrashPrefixes(layout: Layout, day: string): string[] {
  if (layout === 'v1') return [`v1/raw_crash/${day}/`];
  const out: string[] = [];
  for (const a of HEX) for (const b of HEX) for (const c of HEX) out.push(`v2/raw_crash/${a}${b}${c}/${day}/`);
  return out;
}

/** Both layouts keep the processed crash at the same key. */
export function processedCrashKey(crashId: string): string {
  return `v1/processed_crash/${crashId}`;
}

/** The crash id a raw-crash key names, or undefined for anything else under the prefix. */
export function crashIdFromKey(prefix: string, key: string): string | undefined {
  const rest = key.slice(prefix.length);
  return isCrashId(rest) ? rest : undefined;
}
