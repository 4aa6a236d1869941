import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { classifySubmit } from '../core/classify.ts';
import { UsageError } from '../core/errors.ts';
import { readIdFiles } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import { AppendOnceFile } from '../core/ledger.ts';
import { sleep } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import type { ReprocessingApi, RetryListener } from '../ports/reprocessing-api.ts';

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
  /** Stops before the next batch (Ctrl-C, a cancelled job): the batch in flight is finished and recorded. */
  signal?: AbortSignal;
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
 * Ids to send: the input less the ledger and rejected.txt. Refuses (exit 2, nothing sent) when
 * there are more than `max` of them, so a wrong file cannot flood the processing queue.
 */
export async function runReprocess(
  opts: ReprocessOptions,
  /** Makes the API client; the mode hands it the retry callback so it can count and log retries. */
  api: (onRetry: RetryListener) => ReprocessingApi,
  reporter: Reporter,
): Promise<ReprocessResult> {
  const t0 = Date.now();
  const usingDefault = opts.files.length === 0;
  const files = usingDefault ? [join(opts.out, 'havenots.txt')] : opts.files;
  const input = await readIdFiles(files, { skipInvalid: opts.skipInvalid, allowEmpty: usingDefault });
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
  const toSend = { size: 0 };
  for (let i = 0; i < input.ids.size; i++) {
    if (ledger.ids.hasFrom(input.ids, i) || opts.alsoSubmitted?.hasFrom(input.ids, i)) res.alreadySubmitted++;
    else if (rejected.ids.hasFrom(input.ids, i)) res.alreadyRejected++;
    else {
      send[i] = 1;
      toSend.size++;
    }
  }
  res.toSend = toSend.size;
  if (input.invalid) reporter.warn(`${input.invalid} line(s) that are not crash ids were skipped`);
  if (res.alreadySubmitted) reporter.info(`${res.alreadySubmitted} id(s) already in the ledger: not sent again`);
  if (res.alreadyRejected) reporter.info(`${res.alreadyRejected} id(s) already in rejected.txt: not sent again`);

  if (toSend.size > max && !opts.allowMany) {
    throw new UsageError(
      `${toSend.size} crash ids to submit is more than --max ${max}; nothing was sent. ` +
        `Large reprocessing jobs can page the people who run Socorro: tell them first (#crashreporting on Matrix), then pass --allow-many`,
    );
  }
  const batchCount = Math.ceil(toSend.size / batchSize);
  const paceMs = (opts.sleepSeconds ?? DEFAULT_SLEEP_SECONDS) * 1000;
  if (opts.dryRun) {
    res.batches = batchCount;
    reporter.info(`dry run: would submit ${toSend.size} id(s) in ${batchCount} batch(es) of up to ${batchSize}, one every ${paceMs / 1000}s; nothing sent`);
    res.elapsedMs = Date.now() - t0;
    return res;
  }
  if (toSend.size === 0) {
    res.elapsedMs = Date.now() - t0;
    return res;
  }

  // The ledger must be writable before anything is sent: an accepted batch missing from it would be sent again.
  await mkdir(opts.out, { recursive: true });
  await ledger.touch();
  const client = api((why, attempt, waitMs) => {
    res.retries++;
    reporter.warn(`API: ${why}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)}s`);
  });
  const task = reporter.start('reprocess', toSend.size);
  let done = 0;

  class Stop extends Error {}
  const suspects: Array<{ id: string; body: string }> = [];

  /**
   * Ids the API answered 400 alone without naming them. When other ids are being accepted, the
   * 400 is about these ids: reject them. When nothing was ever accepted, the API refuses
   * everything (a proxy, a changed API): stop rather than bury every id in rejected.txt.
   */
  const settleSuspects = async () => {
    if (suspects.length === 0) return;
    if (res.submitted === 0) {
      res.failure =
        `the Reprocessing API answered 400 to every request, even to single ids, without naming an invalid crash id ` +
        `(API said: ${suspects[0].body.trim().slice(0, 200) || '(no body)'}); stopped, nothing was rejected. Check --api-url and --ruleset`;
      throw new Stop();
    }
    for (const s of suspects.splice(0)) {
      res.rejected += await rejected.append([s.id], true);
      reporter.warn(`rejected by the API (400): ${s.id}: ${s.body}`);
      done++;
    }
  };

  /** Sends one batch; on 400 isolates the invalid ids (named by Socorro, else by halving). */
  const submit = async (ids: string[]): Promise<void> => {
    const answer = await client.submit(ids);
    res.requests++;
    const verdict = classifySubmit(answer.status);
    if (verdict === 'accepted') {
      // The ledger is written only after a 2xx, and synced: it is what keeps reruns from resubmitting.
      res.submitted += await ledger.append(ids, true);
      done += ids.length;
      task.update(done, { submitted: res.submitted, rejected: res.rejected });
      return;
    }
    if (verdict === 'invalid') {
      const named = /Crash id '([^']+)'/.exec(answer.body)?.[1];
      const bad = named === undefined ? -1 : ids.findIndex((id) => id === named || id.startsWith(named + ':'));
      if (bad >= 0) {
        res.rejected += await rejected.append([ids[bad]], true);
        reporter.warn(`rejected by the API (400): ${ids[bad]}: ${answer.body}`);
        done++;
        const rest = ids.filter((_, i) => i !== bad);
        return rest.length ? submit(rest) : undefined;
      }
      if (ids.length === 1) {
        // Refused without being named: only the batch's outcome tells whether the id is at fault.
        suspects.push({ id: ids[0], body: answer.body });
        return;
      }
      const half = Math.ceil(ids.length / 2);
      await submit(ids.slice(0, half));
      await submit(ids.slice(half));
      return;
    }
    if (verdict === 'forbidden') {
      res.failure =
        `the Reprocessing API refused the token (HTTP ${answer.status}): it needs the 'Reprocess Crashes' permission ` +
        `(crash-stats API tokens page). API said: ${answer.body.trim() || '(no body)'}. Nothing more was sent`;
      throw new Stop();
    }
    const what = answer.status === 0 ? `no answer (${answer.error})` : `HTTP ${answer.status} ${answer.body.trim().slice(0, 200)}`;
    res.failure = `the Reprocessing API failed after retries: ${what}. ${res.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`;
    throw new Stop();
  };

  let nextAt = Date.now();
  try {
    let batch: string[] = [];
    const flushBatch = async () => {
      if (opts.signal?.aborted) {
        res.failure = `interrupted: ${res.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`;
        throw new Stop();
      }
      if (Date.now() < nextAt) await sleep(nextAt - Date.now());
      // One batch every paceMs on a fixed grid; time lost to retries is not made up with a burst.
      const started = Date.now();
      nextAt = (started - nextAt > paceMs / 2 ? started : nextAt) + paceMs;
      res.batches++;
      await submit(batch);
      const ended = Date.now();
      if (ended - started > paceMs) nextAt = Math.max(nextAt, ended + paceMs);
      await settleSuspects();
      batch = [];
    };
    for (let i = 0; i < send.length; i++) {
      if (send[i] === 0) continue;
      batch.push(input.ids.at(i));
      if (batch.length === batchSize) await flushBatch();
    }
    if (batch.length) await flushBatch();
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  } finally {
    task.stop();
    await ledger.close();
    await rejected.close();
    await client.close();
  }
  res.elapsedMs = Date.now() - t0;
  return res;
}
