import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.ts';
import { crashIdDate } from '../core/crash-id.ts';
import { oneLine } from '../core/errors.ts';
import { addHour, hoursJson, type HourCounts } from '../core/hours.ts';
import { readIdFiles, writeTextAtomic } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import { AppendOnceFile, BatchedAppender, HavenotDetails, type HavenotReason } from '../core/ledger.ts';
import { Aimd, forEachPooled } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import { RateLimiter } from '../core/rate-limit.ts';
import { HEAD_RETRY, type RetryPolicy } from '../core/retry.ts';
import { searchable } from '../core/search.ts';
import type { SearchApi } from '../ports/socorro-api.ts';
import type { ObjectStore } from '../ports/store.ts';
import { HeadRetrier, checkBucket, type RunState } from './probe.ts';
import { SearchBatcher, type SearchOutcome } from './search-batcher.ts';

export const DEFAULT_CHECK_CONCURRENCY = 128;
/** The pool's width at start; it doubles every round trip up to the concurrency asked (see Aimd). */
const SLOW_START_WIDTH = 16;

export interface CheckOptions {
  files: string[];
  out: string;
  concurrency?: number;
  skipInvalid?: boolean;
  /** The adapter's spelling of skipInvalid, for the bad-line error's hint. */
  skipInvalidOption?: string;
  /**
   * Processed means what Socorro means: in storage and in search (what crash-stats users see).
   * Ids found in storage are then looked up in search; those it lacks are havenots too.
   */
  search?: boolean;
  policy?: RetryPolicy;
  /** Consecutive ids that fail all attempts before the run gives up on the store. */
  giveUpAfter?: number;
  /** Stops the run (Ctrl-C, a cancelled job): what was classified is written and kept. */
  signal?: AbortSignal;
}

export interface CheckDeps {
  store: ObjectStore;
  reporter: Reporter;
  /** Socorro's search API; needed with `search`. */
  searchApi?: SearchApi;
  /** Search requests a minute: a share of the API's per-IP limit. */
  searchPerMinute?: number;
  clock?: Clock;
  random?: () => number;
}

export interface DateCounts {
  haves: number;
  havenots: number;
  /** Of the havenots: in storage, but not in search. */
  notSearchable: number;
}

export interface CheckResult {
  /** Unique ids in the input files. */
  input: number;
  /** Already in haves.txt or havenots.txt from an earlier run. */
  skipped: number;
  haves: number;
  havenots: number;
  /** Of the havenots: processed in storage, but search does not have them. */
  notSearchable: number;
  /** Ids that got no usable answer (store or search); written nowhere, so a rerun checks them. */
  errors: number;
  invalidLines: number;
  requests: number;
  retries: number;
  throttled: number;
  /** Ids looked up in search, and the requests that took. */
  searched: number;
  searchRequests: number;
  /** Crash dates too old for search (Socorro keeps 26 weeks): storage alone decided. */
  pastRetention: string[];
  /** This run's verdicts by crash date (the id's date). */
  byDate: Record<string, DateCounts>;
  /** Every havenot of havenots.txt (earlier runs' too) by the UTC date and hour its raw crash was saved. */
  hours: HourCounts;
  /** Havenots whose raw crash's saved time could not be found out. */
  hoursUnknown: number;
  /** The pool's width at the end (lower than asked when the store throttled). */
  finalConcurrency: number;
  elapsedMs: number;
  /** Why the run failed; results written so far are kept. */
  failure?: string;
}

/** Counters and the stop switch of one check run, shared by its lanes. */
class CheckRun implements RunState {
  readonly res: CheckResult;
  readonly stop = new AbortController();
  consecutiveFailures = 0;
  lastError = '';

  constructor(res: CheckResult) {
    this.res = res;
  }

  get counts(): CheckResult {
    return this.res;
  }

  /** Stops the run for `why`; the first reason wins. */
  fail(why: string): void {
    this.res.failure ??= why;
    this.stop.abort();
  }

  date(id: string): DateCounts {
    return (this.res.byDate[crashIdDate(id)] ??= { haves: 0, havenots: 0, notSearchable: 0 });
  }
}

/**
 * HEADs `v1/processed_crash/{id}` for every id of the input files not already in haves.txt or
 * havenots.txt, and appends each to one of them; with `search`, an id found in storage is a
 * have only if Socorro's search has it too. Only a missing object, or an answer of search that
 * lacks a stored crash, makes a havenot; for each, havenots.tsv says why and when its raw crash
 * was saved, and havenots-hours.json counts them by that hour.
 */
export async function runCheck(opts: CheckOptions, deps: CheckDeps): Promise<CheckResult> {
  const { store, reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  if (opts.search && !deps.searchApi) throw new Error('runCheck: search needs a search API');
  // Every input is read and validated before any output file is touched.
  const input = await readIdFiles(opts.files, { skipInvalid: opts.skipInvalid, skipInvalidOption: opts.skipInvalidOption });
  const haves = await AppendOnceFile.open(join(opts.out, 'haves.txt'));
  const havenots = await AppendOnceFile.open(join(opts.out, 'havenots.txt'));
  const details = await HavenotDetails.open(join(opts.out, 'havenots.tsv'));

  const todo = new IdSet(input.ids.size);
  for (let i = 0; i < input.ids.size; i++) {
    if (!haves.ids.hasFrom(input.ids, i) && !havenots.ids.hasFrom(input.ids, i)) todo.addFrom(input.ids, i);
  }
  const concurrency = opts.concurrency ?? DEFAULT_CHECK_CONCURRENCY;
  const run = new CheckRun({
    input: input.ids.size,
    skipped: input.ids.size - todo.size,
    haves: 0,
    havenots: 0,
    notSearchable: 0,
    errors: 0,
    invalidLines: input.invalid,
    requests: 0,
    retries: 0,
    throttled: 0,
    searched: 0,
    searchRequests: 0,
    pastRetention: [],
    byDate: {},
    hours: {},
    hoursUnknown: 0,
    finalConcurrency: concurrency,
    elapsedMs: 0,
  });
  const res = run.res;
  if (input.invalid) reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
  if (res.skipped) reporter.info(`${res.skipped} id(s) already classified by an earlier run: skipped`);

  // Search keeps 26 weeks of crashes: older dates are decided by storage alone, said once.
  const searchDates = new Set<string>();
  if (opts.search) {
    const past = new Set<string>();
    for (const id of todo) {
      const d = crashIdDate(id);
      if (searchDates.has(d) || past.has(d)) continue;
      (searchable(d, clock.now()) ? searchDates : past).add(d);
    }
    res.pastRetention = [...past].sort();
    if (past.size) {
      reporter.warn(
        `${res.pastRetention.join(', ')}: older than Socorro's 26 weeks of search data; for ${past.size === 1 ? 'that date' : 'those dates'} storage alone decides (no search)`,
      );
    }
  }

  // Only when there is something to check: a rerun with nothing left sends no request at all.
  if (todo.size > 0) await checkBucket(store, clock);
  const onAbort = () => run.fail('interrupted: what was classified is written; rerun to finish (ids already classified are skipped)');
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const giveUpAfter = opts.giveUpAfter ?? Math.max(50, concurrency * 2);
  let setWidth = (_n: number) => {};
  const aimd = new Aimd(concurrency, (n) => setWidth(n), { initial: Math.min(concurrency, SLOW_START_WIDTH), now: () => clock.now() });
  const heads = new HeadRetrier(store, run, aimd, opts.policy ?? HEAD_RETRY, clock, deps.random ?? Math.random);
  // Order matters within a flush: a havenot's line in havenots.tsv is on disk before its id.
  const HAVES = 0;
  const DETAILS = 1;
  const HAVENOTS = 2;
  const writer = new BatchedAppender([haves, details, havenots], {
    onFailure: (err) => run.fail(`could not write the results (${oneLine(err)}); what was written before is kept. Rerun to finish: ids already classified are skipped`),
  });

  let done = 0;
  const task = reporter.start(opts.search ? 'check (storage and search)' : 'check', todo.size);
  // Progress is drawn at most ten times a second, not once per id.
  let shownAt = 0;
  const show = () => task.update(done, { haves: res.haves, havenots: res.havenots, errors: res.errors, width: aimd.current });
  const progress = () => {
    done++;
    const now = performance.now();
    if (now - shownAt < 100) return;
    shownAt = now;
    show();
  };

  const have = (id: string) => {
    res.haves++;
    run.date(id).haves++;
    writer.add(HAVES, id);
    progress();
  };
  const havenot = async (id: string, reason: HavenotReason) => {
    const savedAt = await heads.savedAt(id);
    if (run.stop.signal.aborted) return;
    res.havenots++;
    const c = run.date(id);
    c.havenots++;
    if (reason === 'not-searchable') {
      res.notSearchable++;
      c.notSearchable++;
    }
    writer.add(DETAILS, details.line(id, { savedAt, reason }));
    writer.add(HAVENOTS, id);
    progress();
  };
  const unchecked = (n: number) => {
    res.errors += n;
    for (let i = 0; i < n; i++) progress();
  };

  const searcher = opts.search
    ? new SearchBatcher(
        deps.searchApi!,
        new RateLimiter(deps.searchPerMinute ?? 90, clock),
        async (o: SearchOutcome) => {
          if (o.found) {
            res.searched += o.ids.length;
            for (const id of o.ids) {
              if (o.found.has(id)) have(id);
              else await havenot(id, 'not-searchable');
            }
            return;
          }
          // A search that failed after its retries classifies nothing: those ids are left for a rerun.
          unchecked(o.ids.length);
          run.fail(
            o.forbidden
              ? `the search API refused the token (${o.failure}); stopped. Check the token, or run without it (search allows anonymous requests)`
              : `the search API failed after retries: ${o.failure}; the ids it was asked about were written nowhere. Rerun to finish: ids already classified are skipped`,
          );
        },
        { signal: run.stop.signal },
      )
    : undefined;

  const checkOne = async (id: string) => {
    const verdict = await heads.check(id);
    if (run.stop.signal.aborted) return;
    if (verdict === undefined) {
      unchecked(1);
      if (++run.consecutiveFailures >= giveUpAfter) {
        run.fail(
          `${store.kind.toUpperCase()} keeps failing (${run.consecutiveFailures} ids in a row got no usable answer; last: ${run.lastError}); stopped. ` +
            'Rerun to finish: ids already classified are skipped',
        );
      }
      return;
    }
    run.consecutiveFailures = 0;
    if (verdict === 'missing') return havenot(id, 'not-in-storage');
    if (searcher && searchDates.has(crashIdDate(id))) return searcher.add(id);
    have(id);
  };

  try {
    await forEachPooled(todo, aimd.current, checkOne, {
      signal: run.stop.signal,
      onQueue: (q) => (setWidth = (n) => (q.concurrency = Math.max(1, n))),
    });
    await searcher?.drain();
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    res.searchRequests = searcher?.requests ?? 0;
    const writeFailure = await writer.close();
    if (writeFailure) run.fail(`could not write the results (${oneLine(writeFailure)}); what was written before is kept. Rerun to finish: ids already classified are skipped`);
    show();
    task.stop();
  }
  // The hours of every havenot in havenots.txt, this run's and earlier ones'.
  if (!writeFailure(res)) {
    for (const id of havenots.ids) {
      const t = details.entries.get(id)?.savedAt;
      if (t === undefined) res.hoursUnknown++;
      else addHour(res.hours, t);
    }
    try {
      await writeTextAtomic(join(opts.out, 'havenots-hours.json'), hoursJson(res.hours));
    } catch (err) {
      run.fail(`could not write havenots-hours.json (${oneLine(err)})`);
    }
  }
  if (!res.failure && res.errors > 0) {
    res.failure = `${res.errors} id(s) could not be checked (last: ${run.lastError}); they were written nowhere. Rerun to finish: ids already classified are skipped`;
  }
  res.finalConcurrency = aimd.current;
  res.elapsedMs = clock.now() - t0;
  return res;
}

/** Whether the run stopped because its results could not be written (then nothing more is). */
const writeFailure = (res: CheckResult) => res.failure?.startsWith('could not write the results') ?? false;
