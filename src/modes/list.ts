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

export interface ListOptions {
  dates: string[];
  layout: Layout;
  chunkSize: number;
  /** The most chunks to write (a matrix's job limit); the chunk size is raised to stay within it. */
  maxChunks?: number;
  /** Minutes after midnight UTC; keep objects saved at or after this time on each date. */
  since?: number;
  /** Minutes after midnight UTC; keep objects saved up to the end of this minute on each date. */
  until?: number;
  out: string;
  /** Listing requests in flight. */
  concurrency?: number;
  policy?: RetryPolicy;
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

/** Every raw crash saved on the dates, sorted and unique, into uuids.txt and chunk files. */
export async function runList(opts: ListOptions, deps: ListDeps): Promise<ListResult> {
  const { store, reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  const slices = opts.dates.flatMap((d) => slicesFor(opts.layout, d));
  const counts = new Map<string, DateCount>(opts.dates.map((date) => [date, { date, listed: 0, junk: 0, outsideWindow: 0 }]));
  // Packed, 16 bytes an id: a month is ~11 M of them.
  const ids = new PackedIdList();
  let requests = 0;
  let retries = 0;
  let done = 0;
  const task = reporter.start(`list ${opts.dates.length} date(s), ${opts.layout}`, slices.length);

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
        ids.push(id);
      }
    } while (token);
    task.update(++done, { ids: ids.size });
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

  ids.sortUnique();
  const hint = eraHint([...counts.values()], opts.layout, store.kind);
  if (hint) reporter.warn(hint);
  const plan = planChunks(ids.size, opts.chunkSize, opts.maxChunks);
  if (plan.requested !== undefined) {
    reporter.warn(`chunk size raised from ${plan.requested} to ${plan.chunkSize} so that ${ids.size} ids make at most ${plan.maxChunks} chunks`);
  }
  await writeOutputs(opts.out, ids, plan);
  const dates = [...counts.values()];
  return {
    total: ids.size,
    junk: dates.reduce((s, d) => s + d.junk, 0),
    outsideWindow: dates.reduce((s, d) => s + d.outsideWindow, 0),
    dates,
    plan,
    uuidsFile: join(opts.out, 'uuids.txt'),
    requests,
    retries,
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
