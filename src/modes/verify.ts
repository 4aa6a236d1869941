import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.ts';
import { crashIdDate } from '../core/crash-id.ts';
import { oneLine } from '../core/errors.ts';
import { readIdFiles, writeIdsAtomic } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import { AppendOnceFile, BatchedAppender } from '../core/ledger.ts';
import { Aimd, forEachPooled } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import { RateLimiter } from '../core/rate-limit.ts';
import { HEAD_RETRY, type RetryPolicy } from '../core/retry.ts';
import { searchable } from '../core/search.ts';
import type { SearchApi } from '../ports/socorro-api.ts';
import type { ObjectStore } from '../ports/store.ts';
import { HeadRetrier, checkBucket, type RunState } from './probe.ts';
import { SearchBatcher } from './search-batcher.ts';

export const DEFAULT_EVERY_SECONDS = 60;

export interface VerifyOptions {
  /** Input files; empty means `reprocessed.txt` (the ledger) in `out`. */
  files: string[];
  out: string;
  /** Processed in storage and in search, as check --search means it. */
  search?: boolean;
  /** Minutes to keep polling the ids not yet processed; 0 (the default): one pass. */
  waitMinutes?: number;
  /** Seconds between passes. */
  everySeconds?: number;
  concurrency?: number;
  skipInvalid?: boolean;
  skipInvalidOption?: string;
  policy?: RetryPolicy;
  /** Stops polling (Ctrl-C, a cancelled job): the files say where it got. */
  signal?: AbortSignal;
}

export interface VerifyDeps {
  store: ObjectStore;
  reporter: Reporter;
  searchApi?: SearchApi;
  searchPerMinute?: number;
  clock?: Clock;
  random?: () => number;
}

export interface VerifyResult {
  input: number;
  /** Processed now (in verified.txt), earlier runs' included. */
  verified: number;
  /** Not processed at the end (unverified.txt). */
  unverified: number;
  /** Of the verified, those an earlier run had verified already. */
  alreadyVerified: number;
  /** The first unverified ids, for the report. */
  firstUnverified: string[];
  passes: number;
  requests: number;
  retries: number;
  throttled: number;
  searchRequests: number;
  /** Crash dates too old for search: storage alone decided. */
  pastRetention: string[];
  /** Verified and unverified ids by crash date. */
  byDate: Record<string, { verified: number; unverified: number }>;
  elapsedMs: number;
  /** Why the run stopped early (a store or search failure); unverified.txt still says what is left. */
  failure?: string;
}

class VerifyRun implements RunState {
  readonly counts = { requests: 0, retries: 0, throttled: 0 };
  readonly stop = new AbortController();
  lastError = '';
  failure: string | undefined;

  fail(why: string): void {
    this.failure ??= why;
    this.stop.abort();
  }
}

/**
 * Did the submitted crashes get processed? Checks each id as check does (storage, and search
 * with `search`), then polls those not yet processed every `everySeconds` until all are or
 * `waitMinutes` have passed. verified.txt gets each id as it is found processed; unverified.txt
 * (written at the end) holds the rest: every input id is in exactly one of them.
 */
export async function runVerify(opts: VerifyOptions, deps: VerifyDeps): Promise<VerifyResult> {
  const { store, reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  if (opts.search && !deps.searchApi) throw new Error('runVerify: search needs a search API');
  const usingDefault = opts.files.length === 0;
  const files = usingDefault ? [join(opts.out, 'reprocessed.txt')] : opts.files;
  const input = await readIdFiles(files, { skipInvalid: opts.skipInvalid, allowEmpty: usingDefault, skipInvalidOption: opts.skipInvalidOption });
  const verified = await AppendOnceFile.open(join(opts.out, 'verified.txt'));

  let pending = new IdSet(input.ids.size);
  for (let i = 0; i < input.ids.size; i++) if (!verified.ids.hasFrom(input.ids, i)) pending.addFrom(input.ids, i);
  const alreadyVerified = input.ids.size - pending.size;
  if (alreadyVerified) reporter.info(`${alreadyVerified} id(s) verified by an earlier run: not checked again`);

  const run = new VerifyRun();
  const concurrency = opts.concurrency ?? 64;
  const searchDates = new Set<string>();
  const past = new Set<string>();
  if (opts.search) {
    for (const id of pending) {
      const d = crashIdDate(id);
      if (!searchDates.has(d) && !past.has(d)) (searchable(d, clock.now()) ? searchDates : past).add(d);
    }
    if (past.size) reporter.warn(`${[...past].sort().join(', ')}: older than Socorro's 26 weeks of search data; storage alone decides (no search)`);
  }
  if (pending.size > 0) await checkBucket(store, clock);

  const aimd = new Aimd(concurrency, () => {}, { now: () => clock.now() });
  const heads = new HeadRetrier(store, run, aimd, opts.policy ?? HEAD_RETRY, clock, deps.random ?? Math.random);
  const writer = new BatchedAppender([verified], {
    onFailure: (err) => run.fail(`could not write verified.txt (${oneLine(err)})`),
  });
  const limiter = new RateLimiter(deps.searchPerMinute ?? 90, clock);
  const waitMs = (opts.waitMinutes ?? 0) * 60_000;
  const everyMs = (opts.everySeconds ?? DEFAULT_EVERY_SECONDS) * 1000;
  const stopped = () => run.stop.signal.aborted || opts.signal?.aborted === true;
  const onAbort = () => run.stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let passes = 0;
  let searchRequests = 0;

  try {
    while (pending.size > 0 && !stopped()) {
      passes++;
      const stillPending = new IdSet(pending.size);
      const found = (id: string) => writer.add(0, id);
      // Each pass asks search anew, with a query Socorro has not cached (its cache lasts 5 minutes).
      const searcher = opts.search
        ? new SearchBatcher(
            deps.searchApi!,
            limiter,
            (o) => {
              if (!o.found) {
                for (const id of o.ids) stillPending.add(id);
                run.fail(`the search API failed after retries: ${o.failure}`);
              } else {
                for (const id of o.ids) {
                  if (o.found.has(id)) found(id);
                  else stillPending.add(id);
                }
              }
              return Promise.resolve();
            },
            { signal: run.stop.signal, variant: passes },
          )
        : undefined;
      const task = reporter.start(`verify, pass ${passes}`, pending.size);
      let done = 0;
      await forEachPooled(
        pending,
        concurrency,
        async (id) => {
          const v = await heads.check(id);
          task.update(++done);
          if (v === 'found' && searcher && searchDates.has(crashIdDate(id))) return searcher.add(id);
          if (v === 'found') return found(id);
          stillPending.add(id); // missing, or no usable answer this pass: asked again next pass
        },
        { signal: run.stop.signal },
      );
      await searcher?.drain();
      searchRequests += searcher?.requests ?? 0;
      task.stop();
      await writer.flush();
      // Ids a stopped pass never reached are still pending.
      for (const id of pending) if (!stillPending.has(id) && !verified.has(id)) stillPending.add(id);
      pending = stillPending;
      if (pending.size === 0 || stopped()) break;
      if (clock.now() - t0 + everyMs > waitMs) break;
      reporter.info(`${pending.size} not processed yet; next look in ${Math.round(everyMs / 1000)} s`);
      await clock.sleep(everyMs, run.stop.signal);
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    const writeFailure = await writer.close();
    if (writeFailure) run.fail(`could not write verified.txt (${oneLine(writeFailure)})`);
  }
  await writeIdsAtomic(join(opts.out, 'unverified.txt'), pending);

  const byDate: VerifyResult['byDate'] = {};
  for (let i = 0; i < input.ids.size; i++) {
    const id = input.ids.at(i);
    const d = (byDate[crashIdDate(id)] ??= { verified: 0, unverified: 0 });
    if (pending.has(id)) d.unverified++;
    else d.verified++;
  }
  const firstUnverified: string[] = [];
  for (const id of pending) {
    if (firstUnverified.length === 10) break;
    firstUnverified.push(id);
  }
  return {
    input: input.ids.size,
    verified: input.ids.size - pending.size,
    unverified: pending.size,
    alreadyVerified,
    firstUnverified,
    passes,
    requests: run.counts.requests,
    retries: run.counts.retries,
    throttled: run.counts.throttled,
    searchRequests,
    pastRetention: [...past].sort(),
    byDate,
    elapsedMs: clock.now() - t0,
    failure: run.failure ?? (opts.signal?.aborted ? 'interrupted: verified.txt and unverified.txt say where it got; run it again to go on' : undefined),
  };
}
