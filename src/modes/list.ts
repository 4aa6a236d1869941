import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { planChunks, type ChunkPlan } from '../core/chunks.ts';
import { dayTime } from '../core/dates.ts';
import { RunError, oneLine } from '../core/errors.ts';
import { writeIdsAtomic } from '../core/id-files.ts';
import { PackedIdList } from '../core/id-set.ts';
import { crashIdFromKey, rawCrashPrefixes, type Layout } from '../core/layouts.ts';
import { forEachPooled, sleep } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import type { ObjectStore } from '../ports/object-store.ts';

export interface ListOptions {
  dates: string[];
  layout: Layout;
  chunkSize: number;
  /** Minutes after midnight UTC; keep objects saved at or after this time on each date. */
  since?: number;
  /** Minutes after midnight UTC; keep objects saved up to the end of this minute on each date. */
  until?: number;
  out: string;
  /** Listing requests in flight. */
  concurrency?: number;
}

export interface DateCount {
  date: string;
  listed: number;
  /** Keys under the prefix that are not crash ids. */
  junk: number;
  /** Crash ids left out by --since/--until. */
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
  elapsedMs: number;
}

/** A slice of one prefix's key space: keys in (after, upTo]. */
interface Slice {
  date: string;
  prefix: string;
  after?: string;
  upTo?: string;
}

const HEX = '0123456789abcdef';

/**
 * v1 puts a whole day under one prefix, so one paging walk would be sequential. Keys under it
 * start with a hex digit, so 16 slices bounded by StartAfter on hex boundaries list in parallel
 * and still cover every key exactly once (junk keys included).
 */
export function slicesFor(layout: Layout, date: string): Slice[] {
  const prefixes = rawCrashPrefixes(layout, date);
  if (layout === 'v2') return prefixes.map((prefix) => ({ date, prefix }));
  const prefix = prefixes[0];
  return [...HEX].map((c, i) => ({
    date,
    prefix,
    after: i === 0 ? undefined : prefix + c,
    upTo: i === 15 ? undefined : prefix + HEX[i + 1],
  }));
}

const LIST_TRIES = 6;

export async function runList(opts: ListOptions, store: ObjectStore, reporter: Reporter): Promise<ListResult> {
  const t0 = Date.now();
  const slices = opts.dates.flatMap((d) => slicesFor(opts.layout, d));
  const counts = new Map<string, DateCount>(opts.dates.map((date) => [date, { date, listed: 0, junk: 0, outsideWindow: 0 }]));
  // Packed, 16 bytes an id: a month is ~11 M of them.
  const ids = new PackedIdList();
  let requests = 0;
  let done = 0;
  const task = reporter.start(`list ${opts.dates.length} date(s), ${opts.layout}`, slices.length);

  const listSlice = async (slice: Slice) => {
    const c = counts.get(slice.date)!;
    const from = opts.since === undefined ? -Infinity : dayTime(slice.date, opts.since);
    // --until 13:45 means through 13:45:59.999; 24:00 is the end of the day.
    const to = opts.until === undefined ? Infinity : dayTime(slice.date, opts.until) + (opts.until >= 1440 ? -1 : 59_999);
    let token: string | undefined;
    let first = true;
    while (first || token) {
      const page = await withRetries(`listing ${slice.prefix}`, () =>
        store.listPage(slice.prefix, { startAfter: first ? slice.after : undefined, continuationToken: token }),
      );
      requests++;
      first = false;
      token = page.next;
      for (const o of page.objects) {
        if (slice.upTo !== undefined && o.key > slice.upTo) {
          token = undefined;
          break;
        }
        const id = crashIdFromKey(slice.prefix, o.key);
        if (!id) {
          c.junk++;
          continue;
        }
        const t = o.lastModified?.getTime();
        if (t !== undefined && (t < from || t > to)) {
          c.outsideWindow++;
          continue;
        }
        c.listed++;
        ids.push(id);
      }
    }
    task.update(++done, { ids: ids.size });
  };

  await forEachPooled(slices, opts.concurrency ?? (opts.layout === 'v2' ? 64 : 16), listSlice);
  task.stop();

  ids.sortUnique();
  const unique = ids;
  const plan = planChunks(unique.size, opts.chunkSize);
  if (plan.requested !== undefined) {
    reporter.warn(
      `chunk size raised from ${plan.requested} to ${plan.chunkSize} so that ${unique.size} ids make at most 256 chunks (GitHub's matrix limit)`,
    );
  }
  await writeOutputs(opts.out, unique, plan);
  const dates = [...counts.values()];
  return {
    total: unique.size,
    junk: dates.reduce((s, d) => s + d.junk, 0),
    outsideWindow: dates.reduce((s, d) => s + d.outsideWindow, 0),
    dates,
    plan,
    uuidsFile: join(opts.out, 'uuids.txt'),
    requests,
    elapsedMs: Date.now() - t0,
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

/** The SDK retries too; this covers a store that stays unhealthy for a few seconds. */
async function withRetries<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 403) {
        throw new RunError(`S3 answered 403 Forbidden ${what}: the credentials need s3:ListBucket on the bucket`);
      }
      if (status === 404 || (err as Error).name === 'NoSuchBucket') throw new RunError(`${what}: no such bucket`);
      if ((err as Error).name === 'CredentialsProviderError') throw new RunError(`no AWS credentials: ${oneLine(err)}`);
      if (attempt >= LIST_TRIES) throw new RunError(`${what} failed ${attempt} times: ${oneLine(err)}`);
      await sleep(Math.min(8000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}
