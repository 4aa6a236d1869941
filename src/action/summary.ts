import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import * as core from '@actions/core';
import { hourChart, totalOf, type HourCounts } from '../core/hours.ts';
import { formatDuration } from '../core/progress.ts';
import type { CheckResult } from '../modes/check.ts';
import type { ListResult } from '../modes/list.ts';
import type { Listing, PlanManifest, SubmitJobResult, VerifyJobResult } from './pipeline.ts';

/**
 * Job summaries: what happened, in numbers an on-call engineer can check, what will happen
 * before it happens, and a next step this workflow can take.
 *
 * GitHub renders a summary as GitHub-flavoured Markdown with HTML allowed. A Markdown line right
 * after an HTML block (a table, a chart) with no blank line between is still part of that block
 * and shows literally, so a summary is written as blocks separated by blank lines (Doc). Text
 * from elsewhere (an error message, a bucket name) is escaped where it lands.
 */

const n = (x: number) => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;

/** "in 3s", and "in under a second" rather than "in 0s". */
export function took(ms: number): string {
  return ms < 1000 ? 'in under a second' : `in ${formatDuration(ms)}`;
}

/** Text as Markdown shows it literally (outside HTML blocks). */
export function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|#~&]/g, (c) => `\\${c}`);
}

/** A code span; for names a person may copy (a crash id, an artifact, a bucket). */
export function code(text: string): string {
  return `<code>${html(text)}</code>`;
}

function html(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * `text` without the runner's own folders: a path under the job's work folder or the runner's
 * temp folder means nothing to the reader (and differs every run), so only its file name stays.
 */
export function hidePaths(text: string, roots: Array<string | undefined> = defaultRoots()): string {
  let out = text;
  const sorted = [...new Set(roots.filter((r): r is string => !!r && r.length > 1).map((r) => r.replace(/\/+$/, '')))].sort((a, b) => b.length - a.length);
  for (const root of sorted) {
    const esc = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`${esc}((?:/[^\\s:'"(),;]+)*)`, 'g'), (_m, rest: string) => (rest ? basename(rest) : "the job's work folder"));
  }
  return out;
}

function defaultRoots(): string[] {
  return [process.env.RUNNER_TEMP, process.env.GITHUB_WORKSPACE, process.env.RUNNER_TOOL_CACHE, tmpdir()].filter((r): r is string => !!r);
}

type Cell = string | { html: string };

/** A summary as blocks, each Markdown or one HTML element, with a blank line between any two. */
class Doc {
  private readonly blocks: string[] = [];

  heading(text: string): this {
    this.blocks.push(`## ${md(text)}`);
    return this;
  }

  /** A paragraph of Markdown (the caller escapes what is not its own). */
  para(markdown: string): this {
    this.blocks.push(markdown);
    return this;
  }

  list(items: string[]): this {
    if (items.length) this.blocks.push(items.map((i) => `- ${i}`).join('\n'));
    return this;
  }

  /** An HTML table: the first row is the header. Cells are text, or HTML given as {html}. */
  table(rows: Cell[][]): this {
    const cell = (c: Cell, tag: string) => `<${tag}>${typeof c === 'string' ? html(c) : c.html}</${tag}>`;
    const [head, ...body] = rows;
    this.blocks.push(
      `<table><tr>${head.map((c) => cell(c, 'th')).join('')}</tr>${body.map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`).join('')}</table>`,
    );
    return this;
  }

  /** The hour chart, as text in a code block: it reads the same wherever a summary is shown. */
  hours(hours: HourCounts): this {
    const lines = hourChart(hours);
    if (lines.length) this.blocks.push(`<pre><code>${html(lines.join('\n'))}</code></pre>`);
    return this;
  }

  async write(): Promise<void> {
    core.summary.addRaw(this.blocks.join('\n\n') + '\n\n');
    // Outside a runner (a local run) there is no summary file: skip, don't fail the job.
    if (!process.env.GITHUB_STEP_SUMMARY) {
      core.summary.emptyBuffer();
      return;
    }
    await core.summary.write();
  }
}

const total = { html: '<strong>total</strong>' };

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function datesText(dates: string[]): string {
  if (dates.length <= 4) return dates.join(', ');
  return `${dates[0]} to ${dates[dates.length - 1]} (${n(dates.length)} dates)`;
}

function windowText(l: Pick<Listing, 'since' | 'until'>): string {
  if (l.since === undefined && l.until === undefined) return 'the whole day (UTC)';
  return `saved ${hhmm(l.since ?? 0)} to ${l.until === undefined ? '23:59' : hhmm(Math.min(l.until, 24 * 60 - 1))} UTC`;
}

/** What a run works on and with: said first, so what will happen is known before it happens. */
export interface RunFacts {
  listing?: Listing;
  search?: boolean;
  apiUrl?: string;
  max?: number;
  allowMany?: boolean;
}

function factItems(f: RunFacts): string[] {
  const items: string[] = [];
  if (f.listing) {
    items.push(`Bucket: ${code(f.listing.bucket)}, layout ${md(f.listing.layout)}`);
    items.push(`Dates: ${md(datesText(f.listing.dates))}; ${md(windowText(f.listing))}`);
  }
  if (f.search !== undefined) {
    items.push(f.search ? 'Processed means: stored and searchable (Super Search has it)' : 'Processed means: the processed crash is stored (search was not asked)');
  }
  if (f.max !== undefined) items.push(f.allowMany ? `Limit: none (allow-many; max is ${n(f.max)})` : `Limit: at most ${n(f.max)} crashes submitted (more needs allow-many)`);
  if (f.apiUrl) items.push(`Socorro API: ${code(f.apiUrl)}`);
  return items;
}

/** The workflow that submits an earlier run's results: the dispatch form has no from-run. */
function resubmitStep(runId: string | undefined, allowMany: boolean): string {
  const run = runId ? `from-run ${code(runId)}` : 'from-run set to this run’s id';
  return `run the resubmit workflow (${code('resubmit.yml')}) with ${run}${allowMany ? ' and allow-many' : ''}`;
}

const ON_CALL = "tell Socorro's on-call first (#crashreporting on Matrix): a large reprocessing job fills the processing queue and can page them";

// ------------------------------------------------------------------------------------------ list

export async function listSummary(r: ListResult, facts: RunFacts): Promise<void> {
  const doc = new Doc().heading('socorro-reprocess: list').list(factItems(facts));
  doc.table([
    ['date', 'raw crashes', 'other keys ignored', 'outside the hours'],
    ...r.dates.map((d) => [d.date, n(d.listed), n(d.junk), n(d.outsideWindow)]),
    [total, n(r.total), n(r.junk), n(r.outsideWindow)],
  ]);
  doc.para(
    `${plural(r.requests, 'list request')} ${took(r.elapsedMs)}. ` +
      (r.total
        ? `${plural(r.plan.chunks.length, 'chunk')} of up to ${n(r.plan.chunkSize)} ids` +
          (r.plan.requested ? ` (raised from ${n(r.plan.requested)} to stay within ${r.plan.maxChunks} matrix jobs)` : '') +
          '.'
        : ''),
  );
  if (r.total === 0) {
    doc.para(
      '**No raw crashes found**, so there is nothing to check: the check, plan, submit and verify jobs are skipped. ' +
        'If crashes were expected, check the bucket, the layout (v1 since September 2022, v2 before) and the dates.',
    );
  } else {
    doc.para(`Next: ${plural(r.plan.chunks.length, 'check job')}, one a chunk, look up each crash's processed crash; then the plan merges what they found.`);
  }
  await doc.write();
}

// ----------------------------------------------------------------------------------------- check

/** `kept`: whether this attempt's result artifact was uploaded (a re-run then starts from it). */
export async function checkSummary(k: number, r: CheckResult | undefined, failure?: string, kept = r !== undefined): Promise<void> {
  const doc = new Doc().heading(`socorro-reprocess: check chunk ${k}`);
  if (r) {
    doc.table([
      ['chunk', 'ids', 'haves', 'havenots', 'of which not searchable', 'skipped (earlier attempt)', 'errors'],
      [String(k), n(r.input), n(r.haves), n(r.havenots), n(r.notSearchable), n(r.skipped), n(r.errors)],
    ]);
    doc.para(
      md(
        `${plural(r.requests, 'store request')} ${took(r.elapsedMs)}` +
          (r.searchRequests ? `; ${plural(r.searchRequests, 'search request')} for ${n(r.searched)} stored crashes` : '') +
          (r.throttled ? `; the store throttled ${plural(r.throttled, 'time')}, concurrency ended at ${r.finalConcurrency}` : '') +
          (r.pastRetention.length ? `; ${r.pastRetention.join(', ')} past search retention (storage alone)` : '') +
          '.',
      ),
    );
    doc.hours(r.hours);
  }
  const why = failure ?? r?.failure;
  if (why) {
    doc.para(`**Failed:** ${md(hidePaths(why))}`);
    doc.para(
      kept
        ? 'Next: re-run this job. What it classified was kept (its result artifact), and the re-run checks only the rest.'
        : "Next: re-run this job. Nothing of this attempt was kept: the re-run checks the chunk from the start (or from an earlier attempt's result).",
    );
  } else if (r) {
    doc.para(r.havenots ? `Next: the plan merges these ${plural(r.havenots, 'havenot')} with the other chunks'.` : 'Every crash of this chunk is processed.');
  }
  await doc.write();
}

// ------------------------------------------------------------------------------------------ plan

/** The run's totals per crash date. */
function totalsTable(doc: Doc, plan: PlanManifest, columns: { submitted: boolean; verified: boolean }): void {
  const dates = Object.keys(plan.byDate).sort();
  const head = ['date', 'listed', 'processed', 'not processed', 'of which not searchable', ...(columns.submitted ? ['submitted'] : []), ...(columns.verified ? ['verified'] : [])];
  const row = (label: Cell, t: PlanManifest['byDate'][string]): Cell[] => [
    label,
    n(t.listed),
    n(t.processed),
    n(t.havenots),
    n(t.notSearchable),
    ...(columns.submitted ? [n(t.submitted)] : []),
    ...(columns.verified ? [n(t.verified)] : []),
  ];
  const sum = { listed: 0, processed: 0, havenots: 0, notSearchable: 0, submitted: 0, verified: 0 };
  for (const d of dates) for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += plan.byDate[d][k];
  doc.table([head, ...dates.map((d) => row(d, plan.byDate[d])), row(total, sum)]);
}

/** A job that failed before it had numbers to show: why, in the summary as well as the log. */
export async function failureSummary(job: string, why: string, next?: string): Promise<void> {
  const doc = new Doc().heading(`socorro-reprocess: ${job} failed`).para(`**Failed:** ${md(hidePaths(why))}`);
  if (next) doc.para(`Next: ${next}`);
  await doc.write();
}

export interface PlanSummaryOptions {
  dryRun: boolean;
  /** Who sends: the submit job after this one, this same job (mode reprocess), or nobody (mode plan alone). */
  sender: 'submit-job' | 'this-job' | 'none';
  /** This run's id (GITHUB_RUN_ID), for the resubmit step. */
  runId?: string;
  apiUrl: string;
  max: number;
  allowMany: boolean;
  batchSize: number;
  sleepSeconds: number;
  /** The submit job's environment (required reviewers hold it), when the workflow says. */
  environment?: string;
  /** A real plan over max: the refusal, after the numbers. */
  refused?: string;
  /** A dry run over max. */
  overMax?: boolean;
}

export async function planSummary(plan: PlanManifest, o: PlanSummaryOptions): Promise<void> {
  const doc = new Doc().heading(`socorro-reprocess: plan${o.dryRun ? ' (dry run)' : ''}`);
  doc.list(factItems({ listing: plan.listing, search: plan.search, apiUrl: o.apiUrl, max: o.max, allowMany: o.allowMany }));
  totalsTable(doc, plan, { submitted: false, verified: false });
  const earlier = [
    plan.earlierSubmitted ? `${n(plan.earlierSubmitted)} submitted` : '',
    plan.earlierRejected ? `${n(plan.earlierRejected)} rejected (400, never sent again)` : '',
  ].filter(Boolean);
  doc.para(
    `**${n(plan.toSubmit)} to submit**: ${plural(plan.havenots, 'crash', 'crashes')} not processed` +
      (plan.notSearchable ? ` (${n(plan.notSearchable)} of them stored but not searchable)` : '') +
      (plan.sourceRun ? `, from the results of run ${plan.sourceRun} (${n(plan.processedSince ?? 0)} of its havenots processed since, not counted)` : '') +
      (earlier.length ? `, less ${earlier.join(' and ')} by earlier attempts` : '') +
      '.',
  );
  doc.hours(plan.hours);
  // The results to submit are this run's, or the earlier run's that this one was planned from.
  const resultsRun = plan.sourceRun !== undefined ? String(plan.sourceRun) : o.runId;
  if (o.refused) {
    doc.para(`**Refused, nothing was sent:** ${md(o.refused.replace(/\s*Large reprocessing jobs.*$/, ''))}`);
    doc.para(`Next: ${ON_CALL}. Then ${resubmitStep(resultsRun, true)}: it submits these results after checking them against the bucket again.`);
  } else if (plan.toSubmit === 0) {
    doc.para(
      '**Nothing to submit**: ' +
        (plan.havenots === 0
          ? 'every crash listed is processed.'
          : `every crash not processed is in a ledger of ${plan.sourceRun ? 'that run or this one' : 'an earlier attempt'}, and none is sent twice.`) +
        (o.sender === 'submit-job' ? ' The submit and verify jobs are skipped.' : ''),
    );
  } else if (o.dryRun) {
    doc.para(`Nothing was sent (a dry run). ${estimate(plan.toSubmit, o)}`);
    doc.para(
      o.overMax
        ? `Next: ${n(plan.toSubmit)} is more than max ${n(o.max)}, so ${ON_CALL}. Then, to submit them, ${resubmitStep(resultsRun, true)}.`
        : `Next: to submit them, ${resubmitStep(resultsRun, false)}: it submits these results after checking them against the bucket again.`,
    );
  } else {
    doc.para(estimate(plan.toSubmit, o));
    if (o.sender === 'this-job') doc.para('**Sending starts now, in this job.** Cancelling the run stops it between two batches; what was accepted is in the ledger.');
    else if (o.sender === 'submit-job' && o.environment) {
      doc.para(`Next: the submit job waits in environment ${code(o.environment)} until a reviewer approves it, then sends them and records each accepted batch in the ledger.`);
    } else if (o.sender === 'submit-job') {
      doc.para(
        '**Sending starts as soon as this plan ends**: no environment holds the submit job for a reviewer. ' +
          'Cancelling the run stops it between two batches; what was accepted is in the ledger, and a re-run sends only the rest.',
      );
    }
  }
  await doc.write();
}

/** How long the submission takes at the configured pace: one batch every `sleep` seconds. */
function estimate(ids: number, o: Pick<PlanSummaryOptions, 'batchSize' | 'sleepSeconds' | 'apiUrl'>): string {
  const batches = Math.ceil(ids / o.batchSize);
  const ms = Math.max(0, batches - 1) * o.sleepSeconds * 1000;
  return (
    `The submission: ${plural(ids, 'crash id')} in ${plural(batches, 'batch', 'batches')} of up to ${n(o.batchSize)} to ${code(`${o.apiUrl}/api/Reprocessing/`)}, ` +
    `one batch every ${o.sleepSeconds} s: ${ms < 1000 ? 'under a second' : `about ${formatDuration(ms)}`} at that pace.`
  );
}

// ---------------------------------------------------------------------------------------- submit

export interface SubmitSummaryOptions {
  apiUrl: string;
  runId?: string;
  batchSize: number;
  sleepSeconds: number;
}

export async function submitSummary(job: SubmitJobResult, o: SubmitSummaryOptions): Promise<void> {
  const r = job.result;
  const doc = new Doc().heading(`socorro-reprocess: submit${r.dryRun ? ' (dry run)' : ''}`);
  doc.table([
    ['to submit', 'already submitted', r.dryRun ? 'would submit' : 'submitted', 'rejected (400)', 'batches'],
    [n(r.input), n(r.alreadySubmitted), n(r.dryRun ? r.toSend : r.submitted), n(r.rejected + r.alreadyRejected), n(r.batches)],
  ]);
  const skipped = [
    r.alreadySubmitted ? `${n(r.alreadySubmitted)} already in a ledger of this run` : '',
    r.alreadyRejected ? `${n(r.alreadyRejected)} rejected (400) by an earlier attempt` : '',
  ].filter(Boolean);
  const notAgain = skipped.length ? ` Not sent again: ${skipped.join(', ')}.` : '';
  const resultsRun = job.plan.sourceRun !== undefined ? String(job.plan.sourceRun) : o.runId;
  if (r.toSend === 0 && !r.failure) {
    doc.para(`**Nothing to submit**: ${r.input ? 'every id of the plan was sent or refused before, and none is sent twice.' : 'the plan had no crash to submit.'}${notAgain}`);
  } else if (r.dryRun) {
    doc.para(`Nothing was sent (a dry run). ${estimate(r.toSend, o)}${notAgain}`);
    doc.para(
      job.overMax !== undefined
        ? `Next: ${n(r.toSend)} is more than max ${n(job.overMax)}, so ${ON_CALL}. Then, to submit them, ${resubmitStep(resultsRun, true)}.`
        : `Next: to submit them, ${resubmitStep(resultsRun, false)}.`,
    );
  } else {
    doc.para(
      `${plural(r.requests, 'request')} to ${code(`${o.apiUrl}/api/Reprocessing/`)} ${took(r.elapsedMs)}; ` +
        (job.ledger ? `ledger artifact ${code(job.ledger)}.` : 'nothing new for the ledger.') +
        notAgain,
    );
    if (r.rejected) doc.para(`${plural(r.rejected, 'id')} rejected (400) as not a valid crash: in rejected.txt of the ledger artifact, never sent again.`);
  }
  if (r.failure) {
    doc.para(`**Failed:** ${md(hidePaths(r.failure))}`);
    doc.para('Next: re-run this job when the cause is fixed: no id in any ledger of the run is sent again, so it sends only the rest.');
  } else if (!r.dryRun && r.submitted) {
    doc.para('Next: the verify job checks that they get processed.');
  }
  await doc.write();
}

// ---------------------------------------------------------------------------------------- verify

/** The final summary of a run: what a person reads first. */
export async function verifySummary(job: VerifyJobResult, o: { verifyMinutes?: number } = {}): Promise<void> {
  const r = job.result;
  const doc = new Doc().heading(r.input ? `socorro-reprocess: verified ${n(r.verified)} of ${n(r.input)}` : 'socorro-reprocess: nothing to verify');
  if (job.plan) {
    doc.list(factItems({ listing: job.plan.listing, search: job.plan.search }));
    totalsTable(doc, job.plan, { submitted: true, verified: true });
    if (totalOf(job.plan.hours)) doc.hours(job.plan.hours);
  }
  if (r.input === 0) {
    doc.para('**Nothing to verify**: no ledger of this run holds a submitted crash, so nothing was sent.');
    await doc.write();
    return;
  }
  doc.para(
    md(
      `${plural(r.passes, 'pass', 'passes')} over the ${plural(r.input, 'crash', 'crashes')} the run's ${plural(job.ledgers, 'ledger')} ${job.ledgers === 1 ? 'holds' : 'hold'}, ${took(r.elapsedMs)}` +
        (r.searchRequests ? `; processed means stored and searchable (${plural(r.searchRequests, 'search request')})` : '') +
        '.',
    ),
  );
  if (r.failure) doc.para(`**Failed:** ${md(hidePaths(r.failure))}`);
  if (r.unverified) {
    doc.para(`**${n(r.unverified)} not processed yet**, first: ${r.firstUnverified.map(code).join(', ')}.`);
    doc.para(
      `Next: re-run this job later to look again (it ${o.verifyMinutes ? `keeps looking for ${o.verifyMinutes} minutes` : 'looks once'}); the ids are in unverified.txt of the verified artifact. ` +
        'Submitting them again would not help, and no ledger of this run sends them twice: if they stay unprocessed, ' +
        "tell Socorro's on-call (#crashreporting on Matrix) with unverified.txt, as the processor may be failing on them.",
    );
  } else if (r.failure) {
    doc.para('Next: re-run this job when the cause is fixed.');
  } else {
    doc.para('**Every submitted crash is processed.** Nothing more to do.');
  }
  await doc.write();
}
