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

/** The raw crash's key of a crash id in a layout (its date from the id, as Socorro files it). */
export function rawCrashKey(layout: Layout, crashId: string): string {
  const day = '20' + crashId.slice(-6);
  return layout === 'v1' ? `v1/raw_crash/${day}/${crashId}` : `v2/raw_crash/${crashId.slice(0, 3)}/${day}/${crashId}`;
}

/**
 * Where to look for a crash's raw crash in a store: the layouts of the eras its date belongs to
 * first, then the other one (eras are months: a crash of a month of change may be in either).
 */
export function rawCrashKeys(store: 's3' | 'gcs', crashId: string): string[] {
  const eras = erasOf('20' + crashId.slice(-6)).filter((e) => e.store === store);
  const first = eras.map((e) => e.layout);
  const layouts = store === 'gcs' ? (['v1'] as Layout[]) : [...new Set<Layout>([...first, 'v1', 'v2'])];
  return layouts.map((l) => rawCrashKey(l, crashId));
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

/**
 * Where Socorro kept the raw crashes of a date: the layout and the store of its era. v2 on S3
 * from May 2016 to Sep 2022, v1 on S3 until AWS was dropped in Jul 2024, v1 on GCS since.
 * The months of a change are ambiguous (both ways are possible), so eras are given by month.
 */
export interface Era {
  layout: Layout;
  store: 's3' | 'gcs';
  /** YYYYMM of the era's first and last month, inclusive; undefined at either open end. */
  from?: string;
  to?: string;
  label: string;
}

export const ERAS: readonly Era[] = [
  { layout: 'v2', store: 's3', from: '201605', to: '202209', label: 'the v2 layout on S3 (May 2016 – Sep 2022)' },
  { layout: 'v1', store: 's3', from: '202209', to: '202407', label: 'the v1 layout on S3 (Sep 2022 – Jul 2024)' },
  { layout: 'v1', store: 'gcs', from: '202407', label: 'the v1 layout on Google Cloud Storage (since Jul 2024)' },
];

/** The eras a date (YYYYMMDD) may belong to: one, or two in a month of change, none before May 2016. */
export function erasOf(day: string): Era[] {
  const month = day.slice(0, 6);
  return ERAS.filter((e) => (e.from === undefined || month >= e.from) && (e.to === undefined || month <= e.to));
}
