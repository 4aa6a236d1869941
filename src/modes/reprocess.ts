import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock } from '../core/clock.ts';
import { UsageError, oneLine } from '../core/errors.ts';
import { readIdFiles } from '../core/id-files.ts';
import type { IdSet } from '../core/id-set.ts';
import { AppendOnceFile } from '../core/ledger.ts';
import { label, type Spelling } from '../core/options.ts';
import { Pacer } from '../core/pacer.ts';
import type { Reporter } from '../core/progress.ts';
import type { ReprocessingApi, RetryListener } from '../ports/socorro-api.ts';
import { SubmitStopped, Submitter } from './submitter.ts';

export const DEFAULT_BATCH_SIZE = 50;
export const MAX_BATCH_SIZE = 1000;
export const DEFAULT_MAX = 10_000;
export const DEFAULT_SLEEP_SECONDS = 1;

export interface ReprocessOptions {
  /** Input files; empty means `havenots.txt` in `out`. */
  files: string[];
  out: string;
  batchSize?: number;
  /** Seconds from the start of one batch to the start of the next: the submission pace. */
  sleepSeconds?: number;
  max?: number;
  allowMany?: boolean;
  dryRun?: boolean;
  skipInvalid?: boolean;
  /** Ids already accepted in earlier runs or attempts (ledgers from artifacts), never sent again. */
  alsoSubmitted?: IdSet;
  /** Ids an earlier attempt's ledger has as rejected (400), never sent again either. */
  alsoRejected?: IdSet;
  /** Accept input files with no ids (a plan with nothing left to submit): the run then sends nothing. */
  allowEmpty?: boolean;
  /** Stops before the next batch (Ctrl-C, a cancelled job): the batch in flight is finished and recorded. */
  signal?: AbortSignal;
  /**
   * Called after each batch is settled (its ids in the ledger or rejected.txt), with the number
   * of batches so far; the action uploads ledger snapshots from here. A throw stops the sending.
   */
  onBatch?: (batches: number) => Promise<void>;
}

export interface ReprocessDeps {
  /** Makes the API client; the mode hands it the retry callback so it can count and log retries. */
  api: (onRetry: RetryListener) => ReprocessingApi;
  reporter: Reporter;
  /** How the adapter names the options that messages point to. */
  spell: Spelling;
  clock?: Clock;
}

export interface ReprocessResult {
  input: number;
  /** In the ledger (or an earlier attempt's) already: not sent again. */
  alreadySubmitted: number;
  /** In rejected.txt already: never retried. */
  alreadyRejected: number;
  toSend: number;
  submitted: number;
  rejected: number;
  batches: number;
  requests: number;
  retries: number;
  dryRun: boolean;
  elapsedMs: number;
  ledgerFile: string;
  failure?: string;
}

/**
 * Sends the input's ids, less the ledger and rejected.txt, to the Reprocessing API in paced
 * batches. Refuses (exit 2, nothing sent) when there are more than `max` of them, so a wrong
 * file cannot flood the processing queue.
 */
export async function runReprocess(opts: ReprocessOptions, deps: ReprocessDeps): Promise<ReprocessResult> {
  const { reporter, spell } = deps;
  const clock = deps.clock ?? systemClock;
  const t0 = clock.now();
  const usingDefault = opts.files.length === 0;
  const files = usingDefault ? [join(opts.out, 'havenots.txt')] : opts.files;
  const input = await readIdFiles(files, { skipInvalid: opts.skipInvalid, allowEmpty: usingDefault || opts.allowEmpty, skipInvalidOption: spell('skipInvalid') });
  const ledger = await AppendOnceFile.open(join(opts.out, 'reprocessed.txt'));
  const rejected = await AppendOnceFile.open(join(opts.out, 'rejected.txt'));

  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const max = opts.max ?? DEFAULT_MAX;
  const res: ReprocessResult = {
    input: input.ids.size,
    alreadySubmitted: 0,
    alreadyRejected: 0,
    toSend: 0,
    submitted: 0,
    rejected: 0,
    batches: 0,
    requests: 0,
    retries: 0,
    dryRun: !!opts.dryRun,
    elapsedMs: 0,
    ledgerFile: ledger.path,
  };
  // One byte an input id (1: to send) instead of a second set of ids: 1 MB for a million, not 24.
  const send = new Uint8Array(input.ids.size);
  for (let i = 0; i < input.ids.size; i++) {
    if (ledger.ids.hasFrom(input.ids, i) || opts.alsoSubmitted?.hasFrom(input.ids, i)) res.alreadySubmitted++;
    else if (rejected.ids.hasFrom(input.ids, i) || opts.alsoRejected?.hasFrom(input.ids, i)) res.alreadyRejected++;
    else {
      send[i] = 1;
      res.toSend++;
    }
  }
  if (input.invalid) reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
  if (res.alreadySubmitted) reporter.info(`${res.alreadySubmitted} id(s) already in the ledger: not sent again`);
  if (res.alreadyRejected) reporter.info(`${res.alreadyRejected} id(s) already rejected (400) by the API: not sent again`);

  if (res.toSend > max && !opts.allowMany) {
    throw new UsageError(
      `${res.toSend} crash ids to submit is more than ${label(spell, 'max')} ${max}; nothing was sent. ` +
        `Large reprocessing jobs can page the people who run Socorro: tell them first (#crashreporting on Matrix), then use ${label(spell, 'allowMany')}`,
    );
  }
  const batchCount = Math.ceil(res.toSend / batchSize);
  const paceMs = (opts.sleepSeconds ?? DEFAULT_SLEEP_SECONDS) * 1000;
  if (opts.dryRun || res.toSend === 0) {
    if (opts.dryRun) {
      res.batches = batchCount;
      reporter.info(`dry run: would submit ${res.toSend} id(s) in ${batchCount} batch(es) of up to ${batchSize}, one every ${paceMs / 1000}s; nothing sent`);
    }
    res.elapsedMs = clock.now() - t0;
    return res;
  }

  // The ledger must be writable before anything is sent: an accepted batch missing from it would be sent again.
  await mkdir(opts.out, { recursive: true });
  await ledger.touch();
  const client = deps.api((why, attempt, waitMs) => {
    res.retries++;
    reporter.warn(`API: ${why}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)}s`);
  });
  const submitter = new Submitter(client, ledger, rejected, reporter, `${label(spell, 'apiUrl')} and ${label(spell, 'ruleset')}`);
  const pacer = new Pacer(paceMs, clock);
  const task = reporter.start('reprocess', res.toSend);

  const interrupted = () =>
    new SubmitStopped(`interrupted: ${submitter.counts.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`);
  const sendBatch = async (batch: string[]) => {
    if (opts.signal?.aborted) throw interrupted();
    await pacer.ready(opts.signal);
    if (opts.signal?.aborted) throw interrupted();
    res.batches++;
    try {
      await submitter.send(batch);
    } catch (err) {
      // A retry wait cut short by the interrupt is not the API failing: say what happened.
      if (err instanceof SubmitStopped && opts.signal?.aborted) throw interrupted();
      throw err;
    } finally {
      pacer.finished();
      task.update(submitter.counts.settled, { submitted: submitter.counts.submitted, rejected: submitter.counts.rejected });
    }
    if (opts.onBatch) {
      try {
        await opts.onBatch(res.batches);
      } catch (err) {
        throw new SubmitStopped(`could not save the ledger so far (${oneLine(err)}); stopped sending: ${submitter.counts.submitted} id(s) were accepted and are in the local ledger`);
      }
    }
  };

  try {
    let batch: string[] = [];
    for (let i = 0; i < send.length; i++) {
      if (send[i] === 0) continue;
      batch.push(input.ids.at(i));
      if (batch.length === batchSize) {
        await sendBatch(batch);
        batch = [];
      }
    }
    if (batch.length) await sendBatch(batch);
  } catch (err) {
    if (!(err instanceof SubmitStopped)) throw err;
    res.failure = err.message;
  } finally {
    task.stop();
    await ledger.close();
    await rejected.close();
    await client.close();
    res.submitted = submitter.counts.submitted;
    res.rejected = submitter.counts.rejected;
    res.requests = submitter.counts.requests;
  }
  res.elapsedMs = clock.now() - t0;
  return res;
}
