import * as core from '@actions/core';
import { hourChart, totalOf, type HourCounts } from '../core/hours.ts';
import type { Layout } from '../core/layouts.ts';
import { formatDuration } from '../core/progress.ts';
import type { CheckResult } from '../modes/check.ts';
import type { ListResult } from '../modes/list.ts';
import type { PlanManifest, RunContext, SubmitJobResult, VerifyJobResult } from './pipeline.ts';

/** Job summaries: what happened, in numbers an on-call engineer can check, and what to do next. */

const n = (x: number) => x.toLocaleString('en-US');
const hdr = (...cells: string[]) => cells.map((data) => ({ data, header: true }));

async function write(): Promise<void> {
  // Outside a runner (a local run) there is no summary file: skip, don't fail the job.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.write();
}

/**
 * The hour chart, as text in a code block: it reads the same in every place a summary is shown
 * (a Mermaid chart in a job summary could not be checked offline, and a text chart cannot fail).
 */
function addHours(hours: HourCounts): void {
  const lines = hourChart(hours);
  if (lines.length) core.summary.addCodeBlock(lines.join('\n'));
}

export async function listSummary(r: ListResult, layout: Layout): Promise<void> {
  core.summary
    .addHeading('socorro-reprocess: list', 2)
    .addTable([
      hdr('date', 'raw crashes', 'other keys ignored', 'outside since/until'),
      ...r.dates.map((d) => [d.date, n(d.listed), n(d.junk), n(d.outsideWindow)]),
      ['<strong>total</strong>', n(r.total), n(r.junk), n(r.outsideWindow)],
    ])
    .addRaw(
      `Layout ${layout}; ${n(r.requests)} list requests in ${formatDuration(r.elapsedMs)}. ` +
        `${r.plan.chunks.length} chunk(s) of up to ${n(r.plan.chunkSize)} ids` +
        (r.plan.requested ? ` (raised from ${n(r.plan.requested)} to stay within ${r.plan.maxChunks} matrix jobs)` : '') +
        '.',
      true,
    )
    .addRaw(r.total === 0 ? '\n**No raw crashes found.** Check the bucket, the layout and the dates.\n' : "\nNext: the check jobs HEAD each chunk's processed crashes.\n");
  await write();
}

/** `kept`: whether this attempt's result artifact was uploaded (a re-run then starts from it). */
export async function checkSummary(k: number, r: CheckResult | undefined, failure?: string, kept = r !== undefined): Promise<void> {
  core.summary.addHeading(`socorro-reprocess: check chunk ${k}`, 2);
  if (r) {
    core.summary
      .addTable([
        hdr('chunk', 'ids', 'haves', 'havenots', 'of which not searchable', 'skipped (earlier attempt)', 'errors'),
        [String(k), n(r.input), n(r.haves), n(r.havenots), n(r.notSearchable), n(r.skipped), n(r.errors)],
      ])
      .addRaw(
        `${n(r.requests)} store requests in ${formatDuration(r.elapsedMs)}` +
          (r.searchRequests ? `; ${n(r.searchRequests)} search requests for ${n(r.searched)} stored crashes` : '') +
          (r.throttled ? `; the store throttled ${n(r.throttled)} time(s), concurrency ended at ${r.finalConcurrency}` : '') +
          (r.pastRetention.length ? `; ${r.pastRetention.join(', ')} past search retention (storage alone)` : '') +
          '.',
        true,
      );
    addHours(r.hours);
  }
  const why = failure ?? r?.failure;
  if (why) {
    core.summary.addRaw(
      `\n**Failed:** ${why}\n\n` +
        (kept ? 'Re-run this job: what it classified was kept (its result artifact), and the re-run checks only the rest.\n' : 'Nothing of this attempt was kept: a re-run checks the chunk from the start (or from an earlier attempt\'s result).\n'),
    );
  }
  await write();
}

/** The run's totals per crash date. */
function addTotals(plan: PlanManifest, columns: { submitted: boolean; verified: boolean }): void {
  const dates = Object.keys(plan.byDate).sort();
  const head = ['date', 'listed', 'processed', 'not processed', 'of which not searchable', ...(columns.submitted ? ['submitted'] : []), ...(columns.verified ? ['verified'] : [])];
  const row = (label: string, t: PlanManifest['byDate'][string]) => [
    label,
    n(t.listed),
    n(t.processed),
    n(t.havenots),
    n(t.notSearchable),
    ...(columns.submitted ? [n(t.submitted)] : []),
    ...(columns.verified ? [n(t.verified)] : []),
  ];
  const total = { listed: 0, processed: 0, havenots: 0, notSearchable: 0, submitted: 0, verified: 0 };
  for (const d of dates) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += plan.byDate[d][k];
  core.summary.addTable([hdr(...head), ...dates.map((d) => row(d, plan.byDate[d])), row('<strong>total</strong>', total)]);
}

/** A job that failed before it had numbers to show: why, in the summary as well as the log. */
export async function failureSummary(job: string, why: string): Promise<void> {
  core.summary.addHeading(`socorro-reprocess: ${job} failed`, 2).addRaw(`**${why}**`, true);
  await write();
}

export async function planSummary(plan: PlanManifest, opts: { dryRun: boolean; final: boolean }): Promise<void> {
  core.summary.addHeading(`socorro-reprocess: plan${opts.dryRun ? ' (dry run)' : ''}`, 2);
  addTotals(plan, { submitted: false, verified: false });
  core.summary.addRaw(
    `${n(plan.havenots)} not processed (${n(plan.notSearchable)} of them stored but not searchable)` +
      (plan.sourceRun ? `, from the results of run ${plan.sourceRun} (${n(plan.processedSince ?? 0)} of its havenots processed since, not counted)` : '') +
      `; ${n(plan.earlierSubmitted)} already submitted by earlier attempts; **${n(plan.toSubmit)} to submit**.`,
    true,
  );
  addHours(plan.hours);
  if (opts.dryRun) core.summary.addRaw('\nNothing was sent (a dry run). Next: dispatch again without dry-run (or with from-run set to this run) to submit.\n');
  else if (!opts.final) core.summary.addRaw('\nNext: the submit job sends them, paced, and records each accepted batch in the ledger.\n');
  await write();
}

export async function submitSummary(job: SubmitJobResult, apiUrl: string, run: RunContext): Promise<void> {
  const r = job.result;
  core.summary
    .addHeading(`socorro-reprocess: submit${r.dryRun ? ' (dry run)' : ''}`, 2)
    .addTable([
      hdr('to submit', 'already submitted', r.dryRun ? 'would submit' : 'submitted', 'rejected (400)', 'batches'),
      [n(r.input), n(r.alreadySubmitted), n(r.dryRun ? r.toSend : r.submitted), n(r.rejected), n(r.batches)],
    ])
    .addRaw(
      (r.dryRun
        ? 'Nothing was sent.'
        : `${n(r.requests)} request(s) to ${apiUrl}/api/Reprocessing/ in ${formatDuration(r.elapsedMs)}` +
          (job.ledger ? `; ledger artifact ${job.ledger}.` : '; nothing new for the ledger.')) +
        (job.earlier ? ` ${n(job.earlier)} id(s) were submitted by earlier attempts and not sent again.` : ''),
      true,
    );
  if (r.failure) core.summary.addRaw(`\n**Failed:** ${r.failure}\n\nRe-run this job: ids in any ledger of the run (${run.names.ledger(run.attempt)} and the others) are not sent again.\n`);
  else if (!r.dryRun && r.submitted) core.summary.addRaw('\nNext: the verify job checks that they get processed.\n');
  await write();
}

/** The final summary of a run: what a person reads first. */
export async function verifySummary(job: VerifyJobResult): Promise<void> {
  const r = job.result;
  core.summary.addHeading(`socorro-reprocess: verified ${n(r.verified)} of ${n(r.input)}`, 2);
  if (job.plan) {
    addTotals(job.plan, { submitted: true, verified: true });
    if (totalOf(job.plan.hours)) addHours(job.plan.hours);
  }
  core.summary.addRaw(
    `${r.passes} pass(es) over the ${n(r.input)} crash(es) the run's ${job.ledgers} ledger(s) hold, in ${formatDuration(r.elapsedMs)}` +
      (r.searchRequests ? `; processed means stored and searchable (${n(r.searchRequests)} search requests)` : '') +
      '.',
    true,
  );
  if (r.unverified) {
    core.summary.addRaw(
      `\n**${n(r.unverified)} not processed yet**, first: ${r.firstUnverified.map((id) => `\`${id}\``).join(', ')}.\n\n` +
        'Next: re-run this job later to look again; if they stay unprocessed, submit unverified.txt (the verified artifact) again and tell Socorro\'s on-call (#crashreporting on Matrix).\n',
    );
  } else if (r.failure) {
    core.summary.addRaw(`\n**Failed:** ${r.failure}\n`);
  } else {
    core.summary.addRaw('\nEvery submitted crash is processed. Nothing more to do.\n');
  }
  await write();
}
