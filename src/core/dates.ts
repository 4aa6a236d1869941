import { UsageError } from './errors.ts';

/** The longest span one run may list; longer is almost certainly a typo. */
export const MAX_DAYS = 366;

const DAY_MS = 86_400_000;

function parseDay(s: string, flag: string): number {
  if (!/^\d{8}$/.test(s)) throw new UsageError(`${flag}: ${s} is not a date (YYYYMMDD)`);
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  if (y < 2000 || back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) {
    throw new UsageError(`${flag}: ${s} is not a date (YYYYMMDD)`);
  }
  return t;
}

export function formatDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * `20160915`, `20160915,20160916`, `20160915 20160916` or `20160901..20160930` (inclusive),
 * mixed freely. Returns sorted unique YYYYMMDD strings.
 */
export function parseDates(spec: string | undefined, flag: string): string[] {
  const parts = (spec ?? '').split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) throw new UsageError(`${flag}: no dates given (YYYYMMDD, comma separated, or YYYYMMDD..YYYYMMDD)`);
  const days = new Set<number>();
  for (const part of parts) {
    const range = part.split('..');
    if (range.length === 1) {
      days.add(parseDay(part, flag));
    } else if (range.length === 2) {
      const from = parseDay(range[0], flag);
      const to = parseDay(range[1], flag);
      if (to < from) throw new UsageError(`${flag}: ${part} ends before it starts`);
      if ((to - from) / DAY_MS + 1 > MAX_DAYS) throw new UsageError(`${flag}: ${part} spans more than ${MAX_DAYS} days`);
      for (let t = from; t <= to; t += DAY_MS) days.add(t);
    } else {
      throw new UsageError(`${flag}: ${part} is not a date or a range (YYYYMMDD..YYYYMMDD)`);
    }
  }
  const sorted = [...days].sort((a, b) => a - b);
  if ((sorted[sorted.length - 1] - sorted[0]) / DAY_MS + 1 > MAX_DAYS) {
    throw new UsageError(`${flag}: the dates span more than ${MAX_DAYS} days`);
  }
  return sorted.map(formatDay);
}

/** `HH:MM` (UTC) → minutes after midnight; `24:00` is allowed as the end of the day. */
export function parseTimeOfDay(s: string | undefined, flag: string): number | undefined {
  if (s === undefined || s === '') return undefined;
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m || Number(m[2]) > 59 || Number(m[1]) > 24 || (Number(m[1]) === 24 && Number(m[2]) !== 0)) {
    throw new UsageError(`${flag}: ${s} is not a time of day (HH:MM, UTC)`);
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * `HH:MM..HH:MM` (UTC; either end may be left out): the window --since / --until give in two
 * options, in one (a dispatch form has few inputs). `-` works as the separator too.
 */
export function parseHourWindow(s: string | undefined, flag: string): { since?: string; until?: string } {
  if (s === undefined || s === '') return {};
  const m = /^\s*(\d{2}:\d{2})?\s*(?:\.\.|-)\s*(\d{2}:\d{2})?\s*$/.exec(s);
  if (!m || (m[1] === undefined && m[2] === undefined)) throw new UsageError(`${flag}: ${s} is not a window of the day (HH:MM..HH:MM, UTC)`);
  return { since: m[1], until: m[2] };
}

/** Epoch ms of `minutes` after midnight UTC on YYYYMMDD. */
export function dayTime(day: string, minutes: number): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) + minutes * 60_000;
}
