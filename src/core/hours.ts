/**
 * When the lost crashes were saved: havenots counted by the UTC date and hour their raw crash
 * was saved (`{"YYYYMMDD": {"HH": count}}`, havenots-hours.json), and the chart an on-call reads
 * to see the outage's shape at a glance.
 */
export type HourCounts = Record<string, Record<string, number>>;

/** The UTC date (YYYYMMDD) and hour (HH) of a time. */
export function hourOf(ms: number): { date: string; hour: string } {
  const iso = new Date(ms).toISOString();
  return { date: iso.slice(0, 10).replaceAll('-', ''), hour: iso.slice(11, 13) };
}

export function addHour(counts: HourCounts, ms: number, n = 1): void {
  const { date, hour } = hourOf(ms);
  const day = (counts[date] ??= {});
  day[hour] = (day[hour] ?? 0) + n;
}

export function mergeHours(into: HourCounts, more: HourCounts): HourCounts {
  for (const [date, hours] of Object.entries(more)) {
    const day = (into[date] ??= {});
    for (const [hour, n] of Object.entries(hours)) day[hour] = (day[hour] ?? 0) + n;
  }
  return into;
}

/** Dates and hours in order, so the file is the same for the same counts. */
export function hoursJson(counts: HourCounts): string {
  const sorted: HourCounts = {};
  for (const date of Object.keys(counts).sort()) {
    const hours = counts[date];
    sorted[date] = Object.fromEntries(Object.keys(hours).sort().map((h) => [h, hours[h]]));
  }
  return JSON.stringify(sorted, null, 1) + '\n';
}

/** Reads havenots-hours.json; anything that is not `{"YYYYMMDD": {"HH": count}}` is refused. */
export function parseHours(text: string): HourCounts {
  const v = JSON.parse(text) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object of dates');
  const out: HourCounts = {};
  for (const [date, hours] of Object.entries(v)) {
    if (!/^\d{8}$/.test(date) || typeof hours !== 'object' || hours === null) throw new Error(`bad date entry ${date}`);
    out[date] = {};
    for (const [hour, n] of Object.entries(hours as Record<string, unknown>)) {
      if (!/^([01]\d|2[0-3])$/.test(hour) || typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`bad hour ${date} ${hour}`);
      out[date][hour] = n;
    }
  }
  return out;
}

export function totalOf(counts: HourCounts): number {
  let n = 0;
  for (const hours of Object.values(counts)) for (const c of Object.values(hours)) n += c;
  return n;
}

const BLOCKS = ' ▁▂▃▄▅▆▇█';
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));

/**
 * One line of 24 bars a date (00 to 23 UTC, scaled to the busiest hour of all dates so dates
 * compare), the day's total and its busiest hour, and an hour axis under them. Plain text, so it
 * reads the same in a terminal, a log and a job summary.
 */
export function hourChart(counts: HourCounts, opts: { indent?: string; title?: string } = {}): string[] {
  const pad = opts.indent ?? '';
  const dates = Object.keys(counts).sort();
  if (dates.length === 0) return [];
  let max = 0;
  for (const d of dates) for (const h of HOURS) max = Math.max(max, counts[d][h] ?? 0);
  if (max === 0) return [];
  const lines = [`${pad}${opts.title ?? 'havenots by the hour their raw crash was saved (UTC)'}; █ = ${max.toLocaleString('en-US')}`];
  for (const d of dates) {
    const row = HOURS.map((h) => {
      const n = counts[d][h] ?? 0;
      // A non-zero hour always shows: the first block, however small its share.
      return n === 0 ? '·' : BLOCKS[Math.max(1, Math.round((n / max) * 8))];
    }).join('');
    const day = counts[d];
    const total = HOURS.reduce((s, h) => s + (day[h] ?? 0), 0);
    const peak = HOURS.reduce((best, h) => ((day[h] ?? 0) > (day[best] ?? 0) ? h : best), HOURS[0]);
    lines.push(`${pad}${d} ${row} ${total.toLocaleString('en-US')} (most at ${peak}:00, ${(day[peak] ?? 0).toLocaleString('en-US')})`);
  }
  lines.push(`${pad}         0     6     12    18  23`);
  return lines;
}
