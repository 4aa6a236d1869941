import { join } from 'node:path';
import { isFatal, isTransient, type Presence } from '../core/classify.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { RunError, oneLine } from '../core/errors.ts';
import { readIdFiles } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import { processedCrashKey } from '../core/layouts.ts';
import { AppendOnceFile, BatchedAppender } from '../core/ledger.ts';
import { Aimd, forEachPooled } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import { HEAD_RETRY, LIST_RETRY, backoffMs, withRetries, type RetryPolicy } from '../core/retry.ts';
import { StoreError, type ObjectStore } from '../ports/store.ts';

export const DEFAULT_CHECK_CONCURRENCY = 128;

export interface CheckOptions {
  files: string[];
  out: string;
  concurrency?: number;
  skipInvalid?: boolean;
  /** The adapter's spelling of skipInvalid, for the bad-line error's hint. */
  skipInvalidOption?: string;
  policy?: RetryPolicy;
  /** Consecutive ids that fail all attempts before the run gives up on the store. */
  giveUpAfter?: number;
}

export interface CheckDeps {
  store: ObjectStore;
  reporter: Reporter;
  clock?: Clock;
  random?: () => number;
}

export interface CheckResult {
  /** Unique ids in the input files. */
  input: number;
  /** Already in haves.txt or havenots.txt from an earlier run. */
  skipped: number;
  haves: number;
  havenots: number;
  /** Ids that got no usable answer; written nowhere, so a rerun checks them. */
  errors: number;
  invalidLines: number;
  requests: number;
  retries: number;
  throttled: number;
  /** The pool's width at the end (lower than asked when the store throttled). */
  finalConcurrency: number;
  elapsedMs: number;
  /** Why the run failed; results written so far are kept. */
  failure?: string;
}

/** Counters and the stop switch of one check run, shared by its lanes. */
class CheckRun {
  readonly res: CheckResult;
  readonly stop = new AbortController();
  consecutiveFailures = 0;
  lastError = '';

  constructor(res: CheckResult) {
    this.res = res;
  }

  /** Stops the run for `why`; the first reason wins. */
  fail(why: string): void {
    this.res.failure ??= why;
    this.stop.abort();
  }
}

/**
 * HEADs one processed crash until the store gives a verdict: found, missing, or a failure that
 * stops the run. Transient failures are retried with the one backoff policy; throttling also
 * narrows the pool (AIMD), because stores throttle per prefix and every check job shares one.
 */
class HeadRetrier {
  private readonly store: ObjectStore;
  private readonly run: CheckRun;
  private readonly aimd: Aimd;
  private readonly policy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(store: ObjectStore, run: CheckRun, aimd: Aimd, policy: RetryPolicy, clock: Clock, random: () => number) {
    this.store = store;
    this.run = run;
    this.aimd = aimd;
    this.policy = policy;
    this.clock = clock;
    this.random = random;
  }

  /** The verdict, or undefined when the id got none (attempts used up, or the run stopped). */
  async check(id: string): Promise<Presence | undefined> {
    const key = processedCrashKey(id);
    const { res, stop } = this.run;
    for (let attempt = 1; attempt <= this.policy.attempts && !stop.signal.aborted; attempt++) {
      const answer = await this.store.head(key);
      res.requests++;
      if (!(answer instanceof StoreError)) {
        this.aimd.success();
        return answer;
      }
      this.run.lastError = answer.status === 0 ? 'no answer (connection reset or timeout)' : `HTTP ${answer.status}`;
      if (isFatal(answer.kind)) {
        this.run.fail(answer.message);
        return undefined;
      }
      if (!isTransient(answer.kind)) return undefined;
      if (answer.kind === 'throttled') {
        res.throttled++;
        this.aimd.throttled();
      }
      if (attempt < this.policy.attempts) {
        res.retries++;
        await this.clock.sleep(backoffMs(this.policy, attempt, undefined, this.random), stop.signal);
      }
    }
    return undefined;
  }
}

/**
 * HEADs `v1/processed_crash/{id}` for every id of the input files not already in haves.txt or
 * havenots.txt, and appends each to one of them. Only a missing object is a havenot.
 */
export async function runCheck(opts: CheckOptions, deps: CheckDeps): Promise<CheckResult> {
  const { store, reporter } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  // Every input is read and validated before any output file is touched.
  const input = await readIdFiles(opts.files, { skipInvalid: opts.skipInvalid, skipInvalidOption: opts.skipInvalidOption });
  const haves = await AppendOnceFile.open(join(opts.out, 'haves.txt'));
  const havenots = await AppendOnceFile.open(join(opts.out, 'havenots.txt'));

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
    errors: 0,
    invalidLines: input.invalid,
    requests: 0,
    retries: 0,
    throttled: 0,
    finalConcurrency: concurrency,
    elapsedMs: 0,
  });
  const res = run.res;
  if (input.invalid) reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
  if (res.skipped) reporter.info(`${res.skipped} id(s) already classified by an earlier run: skipped`);

  // Only when there is something to check: a rerun with nothing left sends no request at all.
  if (todo.size > 0) await checkBucket(store, clock);

  const giveUpAfter = opts.giveUpAfter ?? Math.max(50, concurrency * 2);
  let setWidth = (_n: number) => {};
  const aimd = new Aimd(concurrency, (n) => setWidth(n), { now: () => clock.now() });
  const heads = new HeadRetrier(store, run, aimd, opts.policy ?? HEAD_RETRY, clock, deps.random ?? Math.random);
  const HAVES = 0;
  const HAVENOTS = 1;
  const writer = new BatchedAppender([haves, havenots], {
    onFailure: (err) => run.fail(`could not write the results (${oneLine(err)}); what was written before is kept. Rerun to finish: ids already classified are skipped`),
  });

  let done = 0;
  const task = reporter.start('check', todo.size);
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

  const checkOne = async (id: string) => {
    const verdict = await heads.check(id);
    if (run.stop.signal.aborted) return;
    if (verdict === 'found') {
      res.haves++;
      writer.add(HAVES, id);
    } else if (verdict === 'missing') {
      res.havenots++;
      writer.add(HAVENOTS, id);
    } else {
      res.errors++;
      if (++run.consecutiveFailures >= giveUpAfter) {
        run.fail(
          `${store.kind.toUpperCase()} keeps failing (${run.consecutiveFailures} ids in a row got no usable answer; last: ${run.lastError}); stopped. ` +
            'Rerun to finish: ids already classified are skipped',
        );
      }
      return progress();
    }
    run.consecutiveFailures = 0;
    progress();
  };

  try {
    await forEachPooled(todo, concurrency, checkOne, {
      signal: run.stop.signal,
      onQueue: (q) => (setWidth = (n) => (q.concurrency = Math.max(1, n))),
    });
  } finally {
    const writeFailure = await writer.close();
    if (writeFailure) run.fail(`could not write the results (${oneLine(writeFailure)}); what was written before is kept. Rerun to finish: ids already classified are skipped`);
    show();
    task.stop();
  }
  if (!res.failure && res.errors > 0) {
    res.failure = `${res.errors} id(s) could not be checked (last: ${run.lastError}); they were written nowhere. Rerun to finish: ids already classified are skipped`;
  }
  res.finalConcurrency = aimd.current;
  res.elapsedMs = clock.now() - t0;
  return res;
}

/**
 * A HEAD in a bucket that does not exist is a bodyless 404, the same answer as a crash that was
 * never processed: without this look first, a mistyped bucket would make every id a havenot.
 * One small listing (what the least privilege allows: S3 ListBucket, GCS storage.objects.list)
 * also catches missing permissions and credentials before any HEAD.
 */
async function checkBucket(store: ObjectStore, clock: Clock): Promise<void> {
  try {
    await withRetries(() => store.listPage({ prefix: 'v1/processed_crash/', maxKeys: 1 }), {
      policy: LIST_RETRY,
      clock,
      retryable: (err) => err instanceof StoreError && isTransient(err.kind),
    });
  } catch (err) {
    if (err instanceof StoreError) throw new RunError(`${err.message}; nothing was checked`);
    throw err;
  }
}
