import { join } from 'node:path';
import { FORBIDDEN_HELP, classifyHead, isThrottle } from '../core/classify.ts';
import { RunError, oneLine } from '../core/errors.ts';
import { readIdFiles } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import { processedCrashKey } from '../core/layouts.ts';
import { AppendOnceFile } from '../core/ledger.ts';
import { Aimd, forEachPooled, sleep } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import type { ObjectStore } from '../ports/object-store.ts';

export const DEFAULT_CHECK_CONCURRENCY = 128;

export interface CheckOptions {
  files: string[];
  out: string;
  concurrency?: number;
  skipInvalid?: boolean;
  /** HEAD attempts per id before it counts as an error. */
  maxAttempts?: number;
  /** Consecutive ids that fail all attempts before the run gives up on the store. */
  giveUpAfter?: number;
  /** First backoff, in ms (doubles each attempt). */
  backoffMs?: number;
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
  /** The pool's width at the end (lower than asked when S3 throttled). */
  finalConcurrency: number;
  elapsedMs: number;
  /** Why the run failed; results so far are kept. */
  failure?: string;
}

export async function runCheck(opts: CheckOptions, store: ObjectStore, reporter: Reporter): Promise<CheckResult> {
  const t0 = Date.now();
  // Every input is read and validated before any output file is touched.
  const input = await readIdFiles(opts.files, { skipInvalid: opts.skipInvalid });
  const haves = await AppendOnceFile.open(join(opts.out, 'haves.txt'));
  const havenots = await AppendOnceFile.open(join(opts.out, 'havenots.txt'));

  const todo = new IdSet(input.ids.size);
  for (let i = 0; i < input.ids.size; i++) {
    if (!haves.ids.hasFrom(input.ids, i) && !havenots.ids.hasFrom(input.ids, i)) todo.addFrom(input.ids, i);
  }
  const res: CheckResult = {
    input: input.ids.size,
    skipped: input.ids.size - todo.size,
    haves: 0,
    havenots: 0,
    errors: 0,
    invalidLines: input.invalid,
    requests: 0,
    retries: 0,
    throttled: 0,
    finalConcurrency: 0,
    elapsedMs: 0,
  };
  if (input.invalid) reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
  if (res.skipped) reporter.info(`${res.skipped} id(s) already classified by an earlier run: skipped`);

  // Only when there is something to check: a rerun with nothing left sends no request at all.
  if (todo.size > 0) await checkBucket(store);

  const concurrency = opts.concurrency ?? DEFAULT_CHECK_CONCURRENCY;
  const maxAttempts = opts.maxAttempts ?? 10;
  const giveUpAfter = opts.giveUpAfter ?? Math.max(50, concurrency * 2);
  const backoffMs = opts.backoffMs ?? 100;
  const abort = new AbortController();
  let setWidth = (_n: number) => {};
  const aimd = new Aimd(concurrency, (n) => setWidth(n));

  // Results are appended in batches: one write per second or per thousand ids, never per id.
  let pendingHaves: string[] = [];
  let pendingHavenots: string[] = [];
  let writing = Promise.resolve();
  const flush = () => {
    const h = pendingHaves;
    const n = pendingHavenots;
    pendingHaves = [];
    pendingHavenots = [];
    writing = writing.then(async () => {
      await haves.append(h);
      await havenots.append(n);
    });
    return writing;
  };
  const timer = setInterval(flush, 1000);

  let consecutiveFailures = 0;
  let lastError = '';
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
    const key = processedCrashKey(id);
    for (let attempt = 1; attempt <= maxAttempts && !abort.signal.aborted; attempt++) {
      const status = await store.head(key);
      res.requests++;
      const verdict = classifyHead(status);
      if (verdict === 'processed' || verdict === 'unprocessed') {
        consecutiveFailures = 0;
        aimd.success();
        if (verdict === 'processed') {
          res.haves++;
          pendingHaves.push(id);
        } else {
          res.havenots++;
          pendingHavenots.push(id);
        }
        if (pendingHaves.length + pendingHavenots.length >= 1000) void flush();
        return progress();
      }
      if (verdict === 'forbidden') {
        if (!res.failure) res.failure = FORBIDDEN_HELP;
        abort.abort();
        return;
      }
      lastError = status === 0 ? 'no answer (connection reset or timeout)' : `HTTP ${status}`;
      if (verdict === 'error') break;
      if (isThrottle(status)) {
        res.throttled++;
        aimd.throttled();
      }
      if (attempt < maxAttempts) {
        res.retries++;
        const cap = Math.min(10_000, backoffMs * 2 ** (attempt - 1));
        await sleep(cap / 2 + Math.random() * (cap / 2), abort.signal);
      }
    }
    if (abort.signal.aborted) return;
    res.errors++;
    progress();
    if (++consecutiveFailures >= giveUpAfter) {
      res.failure ??= `S3 keeps failing (${consecutiveFailures} ids in a row got no usable answer; last: ${lastError}); stopped. Rerun to finish: ids already classified are skipped`;
      abort.abort();
    }
  };

  try {
    await forEachPooled(todo, concurrency, checkOne, {
      signal: abort.signal,
      onQueue: (q) => (setWidth = (n) => (q.concurrency = Math.max(1, n))),
    });
  } finally {
    clearInterval(timer);
    await flush();
    await haves.touch();
    await havenots.touch();
    await haves.close();
    await havenots.close();
    show();
    task.stop();
  }
  if (!res.failure && res.errors > 0) {
    res.failure = `${res.errors} id(s) could not be checked (last: ${lastError}); they were written nowhere. Rerun to finish: ids already classified are skipped`;
  }
  res.finalConcurrency = aimd.current;
  res.elapsedMs = Date.now() - t0;
  return res;
}

/**
 * A HEAD in a bucket that does not exist is a bodyless 404, the same answer as a crash that was
 * never processed: without this look first, a mistyped bucket would make every id a havenot.
 * One small listing also catches missing s3:ListBucket before any HEAD.
 */
async function checkBucket(store: ObjectStore): Promise<void> {
  try {
    await store.listPage('v1/processed_crash/', { maxKeys: 1 });
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (e.name === 'NoSuchBucket' || status === 404) throw new RunError('no such bucket: check --bucket (nothing was checked)');
    if (status === 403) throw new RunError(FORBIDDEN_HELP.replace('to a HEAD of a processed crash', 'to a listing of the bucket'));
    if (e.name === 'CredentialsProviderError') throw new RunError(`no AWS credentials: ${oneLine(e)}`);
    throw new RunError(`S3 did not answer a listing of the bucket: ${oneLine(e)}`);
  }
}
