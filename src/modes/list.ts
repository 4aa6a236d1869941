import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { planChunks, type ChunkPlan } from '../core/chunks.ts';
import { isTransient } from '../core/classify.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { dayTime } from '../core/dates.ts';
import { RunError } from '../core/errors.ts';
import { writeIdsAtomic } from '../core/id-files.ts';
import { PackedIdList } from '../core/id-set.ts';
import { crashIdFromKey, erasOf, rawCrashPrefixes, type Layout } from '../core/layouts.ts';
import { forEachQueued } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import { LIST_RETRY, withRetries, type RetryPolicy } from '../core/retry.ts';
import { StoreError, type ListedObject, type ObjectStore, type StoreKind } from '../ports/store.ts';

export interface ListOptions extends WalkOptions {
  chunkSize: number;
  /** The most chunks to write (a matrix's job limit); the chunk size is raised to stay within it. */
  maxChunks?: number;
  out: string;
}

export interface ListDeps {
  store: ObjectStore;
  reporter: Reporter;
  clock?: Clock;
}

export interface DateCount {
  date: string;
  listed: number;
  /** Keys under the prefix that are not crash ids. */
  junk: number;
  /** Crash ids left out by since/until. */
  outsideWindow: number;
}

export interface ListResult {
  total: number;
  junk: number;
  outsideWindow: number;
  dates: DateCount[];
  plan: ChunkPlan;
  uuidsFile: string;
  requests: number;
  retries: number;
  elapsedMs: number;
}

/** A slice of one prefix's key space, between two bounds (see ListQuery). */
export interface Slice {
  date: string;
  prefix: string;
  from?: string;
  to?: string;
  /**
   * A key already listed that the store may hand back again: a piece that starts where a page
   * of its slice ended has that page's last key as its lower bound, on which side of which the
   * stores differ (see ListQuery). Keys are unique, so it is the only one that can come twice.
   */
  skip?: string;
}

const HEX = '0123456789abcdef';

/**
 * Listings in flight. v2: a day is 4096 small prefixes. v1: a day is one prefix in 16 slices,
 * cut further where a first page shows a slice is dense (piecesFor), so that the pages of a busy
 * day are asked side by side rather than one after another.
 */
export const DEFAULT_LIST_CONCURRENCY: Record<Layout, number> = { v1: 64, v2: 64 };

/**
 * v1 puts a whole day under one prefix, so one paging walk would be sequential. Keys under it
 * start with a hex digit, so 16 slices bounded on hex boundaries list in parallel and still cover
 * every key exactly once (junk keys included).
 */
export function slicesFor(layout: Layout, date: string): Slice[] {
  const prefixes = rawCrashPrefixes(layout, date);
  if (layout === 'v2') return prefixes.map((prefix) => ({ date, prefix }));
  const prefix = prefixes[0];
  return [...HEX].map((c, i) => ({
    date,
    prefix,
    from: i === 0 ? undefined : prefix + c,
    to: i === 15 ? undefined : prefix + HEX[i + 1],
  }));
}

/** Hex digits of a key that set its place in a slice: enough to tell 4 billion places apart. */
const PLACE_DIGITS = 8;

/**
 * Where the key (after the prefix) lies in the crash ids' key space, from 0 to 1, read from its
 * first hex digits: what a page's keys say about how dense its slice is. It only has to grow
 * with the key (never shrink, in byte order, whatever the characters); the bounds made from it are
 * strings, and every key still falls in exactly one piece whatever the estimate.
 */
export function keyPlace(rest: string): number {
  let place = 0;
  let scale = 1;
  for (let i = 0; i < PLACE_DIGITS && i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    scale /= 16;
    // A character that is not a hex digit ends the reading, at the place of its neighbour above.
    if (c < 0x30) break; // before '0': as '0000…'
    if (c > 0x66) return place + 16 * scale; // after 'f': as the next digit up
    if (c > 0x39 && c < 0x61) return place + 10 * scale; // between '9' and 'a': as 'a000…'
    place += (c <= 0x39 ? c - 0x30 : c - 0x57) * scale;
  }
  return place;
}

/** The bound string of a place: the prefix and PLACE_DIGITS hex digits. */
function placeBound(prefix: string, place: number): string {
  const n = Math.min(16 ** PLACE_DIGITS - 1, Math.max(0, Math.floor(place * 16 ** PLACE_DIGITS)));
  return prefix + n.toString(16).padStart(PLACE_DIGITS, '0');
}

/**
 * The rest of a slice after a page that ended at `last`, cut into `pieces` about equally full
 * (by the places of the keys), as slices that tile it: the first starts at `last` (which it
 * skips), each next starts where the one before ends, the last ends where the slice did. Fewer
 * pieces when the space between `last` and the slice's end is too narrow to cut; none (an empty
 * list) when it cannot be cut at all.
 */
export function splitRest(slice: Slice, last: string, pieces: number): Slice[] {
  const rest = slice.prefix.length;
  const lo = keyPlace(last.slice(rest));
  const hi = slice.to === undefined ? 1 : keyPlace(slice.to.slice(rest));
  const bounds: string[] = [];
  for (let i = 1; i < pieces; i++) {
    const b = placeBound(slice.prefix, lo + ((hi - lo) * i) / pieces);
    // Strictly inside (last, to) and increasing: every bound a real cut.
    if (b > last && (slice.to === undefined || b < slice.to) && (bounds.length === 0 || b > bounds[bounds.length - 1])) bounds.push(b);
  }
  if (bounds.length === 0) return [];
  const out: Slice[] = [];
  let from = last;
  for (const b of bounds) {
    out.push({ date: slice.date, prefix: slice.prefix, from, to: b, ...(from === last ? { skip: last } : {}) });
    from = b;
  }
  out.push({ date: slice.date, prefix: slice.prefix, from, to: slice.to });
  return out;
}

/**
 * How many pieces the rest of a slice is worth after a page of it: the rest is taken to be as
 * dense as the span of places the page's keys cover, a page's worth a piece, and there are no
 * more pieces than lanes to list them (`spare`). 1: go on paging.
 */
export function piecesFor(slice: Slice, objects: ListedObject[], spare: number): number {
  // Only slices with a bound are known to hold crash ids in hex order (v1's slices, and their pieces).
  if (objects.length < 2 || spare < 2 || (slice.from === undefined && slice.to === undefined)) return 1;
  const rest = slice.prefix.length;
  const lo = keyPlace(objects[0].key.slice(rest));
  const last = keyPlace(objects[objects.length - 1].key.slice(rest));
  const hi = slice.to === undefined ? 1 : keyPlace(slice.to.slice(rest));
  const covered = last - lo;
  if (covered <= 0 || hi <= last) return 1;
  return Math.max(1, Math.min(Math.ceil((hi - last) / covered), spare, MAX_PIECES));
}

/** The most pieces one page's slice is cut into at once (a piece that is still dense is cut again). */
const MAX_PIECES = 64;

/** What walkRawCrashes needs: which dates, which layout, which part of each day. */
export interface WalkOptions {
  dates: string[];
  layout: Layout;
  /** Minutes after midnight UTC; keep objects saved at or after this time on each date. */
  since?: number;
  /** Minutes after midnight UTC; keep objects saved up to the end of this minute on each date. */
  until?: number;
  /** Listing requests in flight (default DEFAULT_LIST_CONCURRENCY). */
  concurrency?: number;
  policy?: RetryPolicy;
  /** The progress bar's label. */
  label?: string;
}

export interface WalkResult {
  dates: DateCount[];
  requests: number;
  retries: number;
}

/**
 * Lists every raw crash of the dates, in parallel slices, all pages of each, and hands each
 * crash id (with its saved time, when the store gave one) to `onCrash`, in no particular order.
 * Keys that are not crash ids and crashes outside since/until are counted, not handed on. A
 * listing that fails after its retries (or at once: no bucket, no permission) throws a RunError.
 * The one walk both `list` (id files) and `scan` (counts per hour) are made of.
 */
export async function walkRawCrashes(
  opts: WalkOptions,
  deps: ListDeps,
  onCrash: (id: string, savedAt: number | undefined, date: string) => void,
): Promise<WalkResult> {
  const { store, reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const roots = opts.dates.flatMap((d) => slicesFor(opts.layout, d));
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_LIST_CONCURRENCY[opts.layout]);
  const counts = new Map<string, DateCount>(opts.dates.map((date) => [date, { date, listed: 0, junk: 0, outsideWindow: 0 }]));
  let requests = 0;
  let retries = 0;
  let done = 0;
  let listed = 0;
  // Pieces queued and listings running: a slice is cut only while lanes would otherwise wait.
  let queued = roots.length;
  let running = 0;
  // The progress bar counts the dates' slices; one is done once all of its pieces are.
  const open = new Map<Slice, number>();
  const rootOf = new Map<Slice, Slice>();
  const task = reporter.start(opts.label ?? `list ${opts.dates.length} date(s), ${opts.layout}`, roots.length);

  const page = (slice: Slice, token: string | undefined) =>
    withRetries(
      () => {
        requests++;
        return store.listPage({ prefix: slice.prefix, from: slice.from, to: slice.to, token });
      },
      {
        policy: opts.policy ?? LIST_RETRY,
        clock,
        retryable: (err) => err instanceof StoreError && isTransient(err.kind),
        onRetry: () => retries++,
      },
    );

  const listSlice = async (slice: Slice, more: (pieces: Slice[]) => void) => {
    queued--;
    running++;
    const root = rootOf.get(slice) ?? slice;
    rootOf.delete(slice);
    try {
      const c = counts.get(slice.date)!;
      const from = opts.since === undefined ? -Infinity : dayTime(slice.date, opts.since);
      // until 13:45 means through 13:45:59.999; 24:00 is the end of the day.
      const to = opts.until === undefined ? Infinity : dayTime(slice.date, opts.until) + (opts.until >= 1440 ? -1 : 59_999);
      let token: string | undefined;
      do {
        const p = await page(slice, token);
        token = p.next;
        for (const o of p.objects) {
          if (o.key === slice.skip) continue;
          const id = crashIdFromKey(slice.prefix, o.key);
          if (!id) {
            c.junk++;
            continue;
          }
          if (o.savedAt !== undefined && (o.savedAt < from || o.savedAt > to)) {
            c.outsideWindow++;
            continue;
          }
          c.listed++;
          listed++;
          onCrash(id, o.savedAt, slice.date);
        }
        // A page that did not reach the slice's end says how dense the rest is: when lanes are
        // free, the rest is listed in pieces side by side instead of page after page.
        if (token) {
          const pieces = piecesFor(slice, p.objects, concurrency - running - queued + 1);
          const rest = pieces > 1 ? splitRest(slice, p.objects[p.objects.length - 1].key, pieces) : [];
          if (rest.length > 1) {
            for (const r of rest) rootOf.set(r, root);
            open.set(root, (open.get(root) ?? 1) + rest.length);
            queued += rest.length;
            more(rest);
            token = undefined;
          }
        }
      } while (token);
    } finally {
      running--;
    }
    const left = (open.get(root) ?? 1) - 1;
    if (left > 0) open.set(root, left);
    else {
      open.delete(root);
      task.update(++done, { ids: listed });
    }
  };

  try {
    await forEachQueued(roots, concurrency, listSlice);
  } catch (err) {
    // A listing that fails after its retries (or at once: no bucket, no permission) lists nothing.
    if (err instanceof StoreError) throw new RunError(`${err.message}; nothing was written`);
    throw err;
  } finally {
    task.stop();
  }
  return { dates: [...counts.values()], requests, retries };
}

/** Every raw crash saved on the dates, sorted and unique, into uuids.txt and chunk files. */
export async function runList(opts: ListOptions, deps: ListDeps): Promise<ListResult> {
  const { store, reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  // Packed, 16 bytes an id: a month is ~11 M of them.
  const ids = new PackedIdList();
  const walk = await walkRawCrashes(opts, deps, (id) => ids.push(id));

  ids.sortUnique();
  const hint = eraHint(walk.dates, opts.layout, store.kind);
  if (hint) reporter.warn(hint);
  const plan = planChunks(ids.size, opts.chunkSize, opts.maxChunks);
  if (plan.requested !== undefined) {
    reporter.warn(`chunk size raised from ${plan.requested} to ${plan.chunkSize} so that ${ids.size} ids make at most ${plan.maxChunks} chunks`);
  }
  await writeOutputs(opts.out, ids, plan);
  return {
    total: ids.size,
    junk: walk.dates.reduce((s, d) => s + d.junk, 0),
    outsideWindow: walk.dates.reduce((s, d) => s + d.outsideWindow, 0),
    dates: walk.dates,
    plan,
    uuidsFile: join(opts.out, 'uuids.txt'),
    requests: walk.requests,
    retries: walk.retries,
    elapsedMs: clock.now() - t0,
  };
}

async function writeOutputs(out: string, ids: PackedIdList, plan: ChunkPlan): Promise<void> {
  const dir = join(out, 'chunks');
  await mkdir(dir, { recursive: true });
  // Chunks of an earlier run would be mistaken for this one's.
  for (const f of await readdir(dir)) if (/^uuids-\d+-\d+\.txt$/.test(f)) await rm(join(dir, f));
  for (const c of plan.chunks) await writeIdsAtomic(join(out, c.file), ids.range(c.start, c.end));
  await writeIdsAtomic(join(out, 'uuids.txt'), ids);
}

/**
 * One warning for the dates that listed nothing although their era kept crashes elsewhere: a
 * green run with 0 crashes for an old date on the default layout would mislead.
 */
export function eraHint(dates: DateCount[], layout: Layout, store: StoreKind): string | undefined {
  const byEra = new Map<string, string[]>();
  for (const d of dates) {
    if (d.listed + d.junk + d.outsideWindow > 0) continue;
    const eras = erasOf(d.date);
    if (eras.length === 0 || eras.some((e) => e.layout === layout && e.store === store)) continue;
    const where = eras.map((e) => e.label).join(' or ');
    byEra.set(where, [...(byEra.get(where) ?? []), d.date]);
  }
  if (byEra.size === 0) return undefined;
  const here = `the ${layout} layout on ${store === 'gcs' ? 'Google Cloud Storage' : 'S3'}`;
  const parts = [...byEra].map(([where, ds]) => `${ds.length === 1 ? ds[0] : `${ds[0]}…${ds[ds.length - 1]} (${ds.length} dates)`} listed 0 crashes in ${here}; Socorro kept that date's crashes in ${where}`);
  return `${parts.join('; ')}: check the layout and the bucket`;
}
