import { classifySubmit } from '../core/classify.ts';
import type { AppendOnceFile } from '../core/ledger.ts';
import type { Log } from '../core/progress.ts';
import type { ApiAnswer, ReprocessingApi } from '../ports/socorro-api.ts';

/** Why a submission stopped; the run keeps what the ledger holds. */
export class SubmitStopped extends Error {
  override name = 'SubmitStopped';
}

export interface SubmitCounts {
  submitted: number;
  rejected: number;
  requests: number;
  /** Ids settled (accepted or rejected), for progress. */
  settled: number;
}

/**
 * Sends batches to the Reprocessing API and records what became of each id: accepted ids into
 * the ledger (synced before anything else is sent: it is what keeps reruns from resubmitting),
 * ids refused as invalid into rejected.txt, never retried.
 *
 * Socorro refuses a whole batch with 400 for one invalid id. When its answer names the id, that
 * id is rejected and the rest resent; otherwise the batch is halved until single ids are left.
 * A single id refused without being named is only a suspect: if other ids are being accepted,
 * the 400 was about it; if nothing was ever accepted, the API refuses everything (a proxy, a
 * changed API, a bad ruleset) and the run stops rather than bury every id in rejected.txt.
 */
export class Submitter {
  readonly counts: SubmitCounts = { submitted: 0, rejected: 0, requests: 0, settled: 0 };
  private readonly api: ReprocessingApi;
  private readonly ledger: AppendOnceFile;
  private readonly rejected: AppendOnceFile;
  private readonly log: Log;
  /** What to check when the API refuses everything: names of the adapter's options. */
  private readonly checkHint: string;
  private suspects: Array<{ id: string; body: string }> = [];

  constructor(api: ReprocessingApi, ledger: AppendOnceFile, rejected: AppendOnceFile, log: Log, checkHint: string) {
    this.api = api;
    this.ledger = ledger;
    this.rejected = rejected;
    this.log = log;
    this.checkHint = checkHint;
  }

  /** Sends one batch and settles it; throws SubmitStopped when the run must stop. */
  async send(ids: string[]): Promise<void> {
    await this.submit(ids);
    await this.settleSuspects();
  }

  private async submit(ids: string[]): Promise<void> {
    const answer = await this.api.submit(ids);
    this.counts.requests++;
    const verdict = classifySubmit(answer.status);
    if (verdict === 'accepted') {
      this.counts.submitted += await this.ledger.append(ids, true);
      this.counts.settled += ids.length;
      return;
    }
    if (verdict === 'invalid') return this.isolate(ids, answer);
    if (verdict === 'forbidden') {
      throw new SubmitStopped(
        `the Reprocessing API refused the token (HTTP ${answer.status}): it needs the 'Reprocess Crashes' permission ` +
          `(crash-stats API tokens page). API said: ${answer.body.trim() || '(no body)'}. Nothing more was sent`,
      );
    }
    const what = answer.status === 0 ? `no answer (${answer.error})` : `HTTP ${answer.status} ${answer.body.trim().slice(0, 200)}`;
    throw new SubmitStopped(
      `the Reprocessing API failed after retries: ${what}. ${this.counts.submitted} id(s) were accepted and are in the ledger; rerun to send the rest`,
    );
  }

  private async isolate(ids: string[], answer: ApiAnswer): Promise<void> {
    const named = /Crash id '([^']+)'/.exec(answer.body)?.[1];
    const bad = named === undefined ? -1 : ids.findIndex((id) => id === named || id.startsWith(named + ':'));
    if (bad >= 0) {
      await this.reject(ids[bad], answer.body);
      const rest = ids.filter((_, i) => i !== bad);
      if (rest.length) await this.submit(rest);
      return;
    }
    if (ids.length === 1) {
      this.suspects.push({ id: ids[0], body: answer.body });
      return;
    }
    const half = Math.ceil(ids.length / 2);
    await this.submit(ids.slice(0, half));
    await this.submit(ids.slice(half));
  }

  private async settleSuspects(): Promise<void> {
    if (this.suspects.length === 0) return;
    if (this.counts.submitted === 0) {
      throw new SubmitStopped(
        'the Reprocessing API answered 400 to every request, even to single ids, without naming an invalid crash id ' +
          `(API said: ${this.suspects[0].body.trim().slice(0, 200) || '(no body)'}); stopped, nothing was rejected. Check ${this.checkHint}`,
      );
    }
    for (const s of this.suspects.splice(0)) await this.reject(s.id, s.body);
  }

  private async reject(id: string, body: string): Promise<void> {
    this.counts.rejected += await this.rejected.append([id], true);
    this.counts.settled++;
    this.log.warn(`rejected by the API (400): ${id}: ${body}`);
  }
}
