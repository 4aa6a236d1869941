/**
 * A world for `scan`: raw crashes over some dates, each with the collector's received time (its
 * search document's `date`) and its saved time in storage a few seconds later, a background of a
 * few crashes an hour that search never got, and planted outages (spans of saved time in which a
 * share of the crashes never reached search). Seeded, so a world is the same every run; crashes
 * are handed out one at a time, so a million of them cost no array.
 */
import { rawCrashKey } from '../core/layouts.ts';
import { makeCrashId, seededBytes } from './crashes.ts';
import { mulberry32 } from './prng.ts';

export interface PlantedOutage {
  /** YYYYMMDD the outage starts on. */
  date: string;
  /** Minutes after that midnight (UTC); `to` is exclusive and may pass 1440 (the next date). */
  from: number;
  to: number;
  /** Share of the span's crashes search never got; default 1. */
  share?: number;
}

export interface ScanWorldOptions {
  dates: string[];
  /** Crashes received an hour, on average (each hour's count varies ±10%). */
  perHour: number;
  seed?: number;
  /** Crashes of each hour search never got outside outages: from 0 to this many; default 4. */
  noisePerHour?: number;
  outages?: PlantedOutage[];
  /** Seconds from received to saved: 1 to this many; default 5. */
  maxSaveDelaySeconds?: number;
}

export interface WorldCrash {
  id: string;
  /** Its raw crash's key (layout v1). */
  key: string;
  /** Epoch ms the collector received it: its search document's `date`. */
  receivedAt: number;
  /** Epoch ms its raw crash was saved: what the listing says. */
  savedAt: number;
  /** Whether search has it. */
  searchable: boolean;
  /** Whether it fell in an outage (the processor never got it: no processed crash either). */
  inOutage: boolean;
}

export interface WorldTotals {
  crashes: number;
  missing: number;
  /** Missing outside the outages (the background). */
  noise: number;
}

const HOUR = 3_600_000;

function midnightOf(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
}

/** Hands each crash of the world to `each`, date by date, hour by hour. */
export function forEachWorldCrash(opts: ScanWorldOptions, each: (c: WorldCrash) => void): WorldTotals {
  const rand = mulberry32(opts.seed ?? 1);
  const bytes = seededBytes((opts.seed ?? 1) * 7919);
  const noise = opts.noisePerHour ?? 4;
  const delay = (opts.maxSaveDelaySeconds ?? 5) * 1000;
  const spans = (opts.outages ?? []).map((o) => {
    const m = midnightOf(o.date);
    return { from: m + o.from * 60_000, to: m + o.to * 60_000, share: o.share ?? 1 };
  });
  const totals: WorldTotals = { crashes: 0, missing: 0, noise: 0 };
  for (const date of opts.dates) {
    const midnight = midnightOf(date);
    for (let h = 0; h < 24; h++) {
      const n = Math.max(1, Math.round(opts.perHour * (0.9 + 0.2 * rand())));
      // The hour's background: a few crashes, chosen among those no outage took.
      const lost = new Set<number>();
      const k = Math.floor(rand() * (noise + 1));
      while (lost.size < Math.min(k, n)) lost.add(Math.floor(rand() * n));
      for (let i = 0; i < n; i++) {
        const receivedAt = midnight + h * HOUR + Math.floor(rand() * HOUR);
        const savedAt = receivedAt + 1000 + Math.floor(rand() * (delay - 1000));
        const id = makeCrashId(date, bytes);
        const span = spans.find((s) => savedAt >= s.from && savedAt < s.to);
        let searchable = true;
        if (span) searchable = rand() >= span.share;
        else if (lost.has(i)) {
          searchable = false;
          totals.noise++;
        }
        if (!searchable) totals.missing++;
        totals.crashes++;
        each({ id, key: rawCrashKey('v1', id), receivedAt, savedAt, searchable, inOutage: span !== undefined && !searchable });
      }
    }
  }
  return totals;
}

/**
 * The windows a scan must find: the hours each outage touches, per date (one crossing midnight is
 * two), as scan.json writes them (`HH:00..HH:59`), merged where outages touch the same run.
 */
export function plantedWindows(outages: PlantedOutage[]): Array<{ date: string; hours: string }> {
  const byDate = new Map<string, Set<number>>();
  for (const o of outages) {
    const m = midnightOf(o.date);
    for (let t = m + o.from * 60_000; t < m + o.to * 60_000; t = Math.floor(t / HOUR) * HOUR + HOUR) {
      const iso = new Date(t).toISOString();
      const date = iso.slice(0, 10).replaceAll('-', '');
      let hours = byDate.get(date);
      if (!hours) byDate.set(date, (hours = new Set()));
      hours.add(Number(iso.slice(11, 13)));
    }
  }
  const out: Array<{ date: string; hours: string }> = [];
  const hh = (h: number) => String(h).padStart(2, '0');
  for (const date of [...byDate.keys()].sort()) {
    const hours = [...byDate.get(date)!].sort((a, b) => a - b);
    let start = hours[0];
    for (let i = 1; i <= hours.length; i++) {
      if (i < hours.length && hours[i] === hours[i - 1] + 1) continue;
      out.push({ date, hours: `${hh(start)}:00..${hh(hours[i - 1])}:59` });
      start = hours[i];
    }
  }
  return out;
}
