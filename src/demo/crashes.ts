import { randomBytes } from 'node:crypto';
import { rawCrashPrefixes, processedCrashKey, rawCrashKey, type Layout } from '../core/layouts.ts';

export { rawCrashKey };

/** A crash id for `day` (YYYYMMDD), throttle digit 0 as the collector writes it. */
export function makeCrashId(day: string, rand: () => Buffer = () => randomBytes(15)): string {
  const h = rand().toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 25)}0${day.slice(2)}`;
}

/** A deterministic byte source, so a seeded synthetic day is the same every run. */
export function seededBytes(seed: number): () => Buffer {
  let s = seed >>> 0 || 1;
  return () => {
    const b = Buffer.alloc(15);
    for (let i = 0; i < 15; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      b[i] = s & 255;
    }
    return b;
  };
}


export interface SyntheticDay {
  ids: string[];
  unprocessed: string[];
  keys: string[];
  junk: string[];
}

/** Raw crashes for a day, a share without a processed crash, plus keys that are not crash ids. */
export function syntheticDay(day: string, n: number, unprocessedShare: number, layout: Layout, seed = 1): SyntheticDay {
  const rand = seededBytes(seed);
  const ids: string[] = [];
  const unprocessed: string[] = [];
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = makeCrashId(day, rand);
    ids.push(id);
    keys.push(rawCrashKey(layout, id));
    if (rand()[0] / 256 < unprocessedShare) unprocessed.push(id);
    else keys.push(processedCrashKey(id));
  }
  const base = layout === 'v1' ? rawCrashPrefixes('v1', day)[0] : `v2/raw_crash/abc/${day}/`;
  const junk = [`${base}README`, `${base}${ids[0]}.json`, `${base}nested/${ids[0]}`];
  keys.push(...junk);
  return { ids: ids.sort(), unprocessed: unprocessed.sort(), keys, junk };
}
