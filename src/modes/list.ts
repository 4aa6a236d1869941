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
import { forEachPooled } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import { LIST_RETRY, withRetries, type RetryPolicy } from '../core/retry.ts';
import { StoreError, type ObjectStore, type StoreKind } from '../ports/store.ts';

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
}

const HEX = '0123456789abcdef';

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

/** What walkRawCrashes needs: which dates, which layout, which part of each day. */
export interface WalkOptions {
  dates: string[];
  layout: Layout;
  /** Minutes after midnight UTC; keep objects saved at or after this time on each date. */
  since?: number;
  /** Minutes after midnight UTC; keep objects saved up to the end of this minute on each date. */
  until?: number;
  /** Listing requests in flight. */
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
  const slices = opts.dates.flatMap((d) => slicesFor(opts.layout, d));
  const counts = new Map<string, DateCount>(opts.dates.map((date) => [date, { date, listed: 0, junk: 0, outsideWindow: 0 }]));
  let requests = 0;
  let retries = 0;
  let done = 0;
  let listed = 0;
  const task = reporter.start(opts.label ?? `list ${opts.dates.length} date(s), ${opts.layout}`, slices.length);

  const listSlice = async (slice: Slice) => {
    const c = counts.get(slice.date)!;
    const from = opts.since === undefined ? -Infinity : dayTime(slice.date, opts.since);
    // until 13:45 means through 13:45:59.999; 24:00 is the end of the day.
    const to = opts.until === undefined ? Infinity : dayTime(slice.date, opts.until) + (opts.until >= 1440 ? -1 : 59_999);
    let token: string | undefined;
    do {
      const page = await withRetries(
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
      token = page.next;
      for (const o of page.objects) {
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
    } while (token);
    task.update(++done, { ids: listed });
  };

  try {
    await forEachPooled(slices, opts.concurrency ?? (opts.layout === 'v2' ? 64 : 16), listSlice);
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
