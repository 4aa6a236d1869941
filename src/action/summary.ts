import * as core from '@actions/core';
import { formatDuration } from '../core/progress.ts';
import type { Layout } from '../core/layouts.ts';
import type { CheckResult } from '../modes/check.ts';
import type { ListResult } from '../modes/list.ts';
import type { ReprocessJobResult } from './pipeline.ts';

/** Job summaries: what happened, in numbers an on-call engineer can check, and what to do next. */

const n = (x: number) => x.toLocaleString('en-US');
const hdr = (...cells: string[]) => cells.map((data) => ({ data, header: true }));

async function write(): Promise<void> {
  // Outside a runner (a local run) there is no summary file: skip, don't fail the job.
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.write();
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
        (r.plan.requested ? ` (raised from ${n(r.plan.requested)} to stay within 256 matrix jobs)` : '') +
        '.',
      true,
    )
    .addRaw(r.total === 0 ? '\n**No raw crashes found.** Check the bucket, the layout and the dates.\n' : '\nNext: the check jobs HEAD each chunk\'s processed crashes.\n');
  await write();
}

export async function checkSummary(k: number, r: CheckResult): Promise<void> {
  core.summary
    .addHeading(`socorro-reprocess: check chunk ${k}`, 2)
    .addTable([
      hdr('chunk', 'ids', 'haves', 'havenots', 'skipped (earlier attempt)', 'errors'),
      [String(k), n(r.input), n(r.haves), n(r.havenots), n(r.skipped), n(r.errors)],
    ])
    .addRaw(
      `${n(r.requests)} HEAD requests in ${formatDuration(r.elapsedMs)}` +
        (r.throttled ? `; the store throttled ${n(r.throttled)} time(s), concurrency ended at ${r.finalConcurrency}` : '') +
        '.',
      true,
    );
  if (r.failure) core.summary.addRaw(`\n**Failed:** ${r.failure}\n\nRe-run this job: ids already classified are kept.\n`);
  await write();
}

export async function reprocessSummary(job: ReprocessJobResult, apiUrl: string): Promise<void> {
  const r = job.result;
  core.summary
    .addHeading(`socorro-reprocess: reprocess${r.dryRun ? ' (dry run)' : ''}`, 2)
    .addTable([
      hdr('ids checked', 'havenots', 'already submitted', 'to send', r.dryRun ? 'would submit' : 'submitted', 'rejected (400)'),
      [n(job.checked), n(job.havenots), n(r.alreadySubmitted), n(r.toSend), n(r.dryRun ? r.toSend : r.submitted), n(r.rejected)],
    ])
    .addRaw(
      (r.dryRun
        ? 'Nothing was sent.'
        : `${n(r.requests)} request(s) to ${apiUrl}/api/Reprocessing/ in ${formatDuration(r.elapsedMs)}` +
          (job.uploadedLedger ? `; ledger artifact reprocessed-${job.attempt}.` : '; nothing new for the ledger.')) +
        (job.earlier ? ` ${n(job.earlier)} id(s) were submitted by earlier attempts and not sent again.` : ''),
      true,
    );
  if (r.failure) core.summary.addRaw(`\n**Failed:** ${r.failure}\n\nRe-run this job: ids in the ledger are not sent again.\n`);
  else if (r.dryRun && r.toSend) core.summary.addRaw('\nNext: dispatch again without dry-run to submit.\n');
  await write();
}
