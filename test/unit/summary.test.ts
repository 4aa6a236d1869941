/**
 * Every kind of job summary, rendered as GitHub renders one (GFM with HTML, test/support/summary-html.ts),
 * and read as an on-call engineer reads it: nothing literal that should have rendered, tables
 * that are tables, no path of the runner's, numbers that say what happened, and a "Next:" that
 * is a step this workflow can take. The offline e2e runs render every summary they produce too.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanManifest, SubmitJobResult, VerifyJobResult } from '../../src/action/pipeline.ts';
import { checkSummary, failureSummary, hidePaths, listSummary, planSummary, submitSummary, took, verifySummary, type PlanSummaryOptions } from '../../src/action/summary.ts';
import type { CheckResult } from '../../src/modes/check.ts';
import type { ListResult } from '../../src/modes/list.ts';
import type { ReprocessResult } from '../../src/modes/reprocess.ts';
import type { VerifyResult } from '../../src/modes/verify.ts';
import { renderSummary, summaryProblems, summaryText } from '../support/summary-html.ts';

let dir: string;
const saved = { summary: process.env.GITHUB_STEP_SUMMARY, temp: process.env.RUNNER_TEMP };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'summary-'));
  process.env.RUNNER_TEMP = join(dir, 'runner-temp');
});
afterAll(async () => {
  for (const [k, v] of [['GITHUB_STEP_SUMMARY', saved.summary], ['RUNNER_TEMP', saved.temp]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(dir, { recursive: true, force: true });
});

/** What `write` puts in the step summary file (emptied first), checked to render as intended. */
async function written(write: () => Promise<void>): Promise<{ markdown: string; text: string }> {
  // @actions/core keeps the first summary path it saw: one file, emptied for each summary.
  const path = join(dir, 'step-summary.md');
  await writeFile(path, '');
  process.env.GITHUB_STEP_SUMMARY = path;
  await write();
  const markdown = await readFile(path, 'utf8');
  expect(summaryProblems(markdown, [dir]), markdown).toEqual([]);
  return { markdown, text: summaryText(markdown) };
}

const DATES = ['20260301', '20260302'];
const listing = { bucket: 'gs://socorro-raw', layout: 'v1', dates: DATES, since: 14 * 60, until: 16 * 60 + 59 };

function listResult(total: number): ListResult {
  return {
    total,
    junk: 2,
    outsideWindow: 5,
    dates: DATES.map((date, i) => ({ date, listed: i === 0 ? total : 0, junk: 1, outsideWindow: i ? 5 : 0 })),
    plan: { chunkSize: 50_000, chunks: total ? [{ index: 0, start: 0, end: total, file: 'chunks/uuids-0-1.txt' }] : [] },
    uuidsFile: 'uuids.txt',
    requests: 3,
    retries: 0,
    elapsedMs: 400,
  };
}

function planManifest(o: Partial<PlanManifest> = {}): PlanManifest {
  return {
    attempt: 1,
    checked: 1000,
    havenots: 369,
    notSearchable: 9,
    earlierSubmitted: 0,
    earlierRejected: 0,
    toSubmit: 369,
    byDate: { [DATES[0]]: { listed: 1000, processed: 631, havenots: 369, notSearchable: 9, submitted: 0, verified: 0 } },
    hours: { [DATES[0]]: { '14': 200, '15': 169 } },
    listing,
    search: true,
    ...o,
  };
}

const planOpts = (o: Partial<PlanSummaryOptions> = {}): PlanSummaryOptions => ({
  dryRun: false,
  sender: 'submit-job',
  runId: '4242',
  apiUrl: 'https://crash-stats.mozilla.org',
  max: 10_000,
  allowMany: false,
  batchSize: 50,
  sleepSeconds: 1,
  ...o,
});

function reprocessResult(o: Partial<ReprocessResult> = {}): ReprocessResult {
  return { input: 369, alreadySubmitted: 0, alreadyRejected: 0, toSend: 369, submitted: 369, rejected: 0, batches: 8, requests: 8, retries: 0, dryRun: false, elapsedMs: 0, ledgerFile: '/x', ...o };
}

function verifyResult(o: Partial<VerifyResult> = {}): VerifyResult {
  return { input: 369, verified: 369, unverified: 0, alreadyVerified: 0, firstUnverified: [], passes: 1, requests: 369, retries: 0, throttled: 0, searchRequests: 8, pastRetention: [], byDate: {}, elapsedMs: 61_000, ...o };
}

describe('job summaries render as GitHub renders them, and say what happened', () => {
  it('list: the bucket, dates, hours, search, limit and API first; a table per date; "in under a second"', async () => {
    const { text, markdown } = await written(() => listSummary(listResult(1000), { listing, search: true, apiUrl: 'https://crash-stats.mozilla.org', max: 10_000 }));
    expect(text).toContain('Bucket: gs://socorro-raw, layout v1');
    expect(text).toContain('Dates: 20260301, 20260302; saved 14:00 to 16:59 UTC');
    expect(text).toContain('Processed means: stored and searchable');
    expect(text).toContain('Limit: at most 10,000 crashes submitted (more needs allow-many)');
    expect(text).toContain('Socorro API: https://crash-stats.mozilla.org');
    expect(text).toContain('3 list requests in under a second');
    expect(text).not.toContain('0s');
    expect(renderSummary(markdown)).toMatch(/<table><tr><th>date<\/th>/);
  });

  it('list of an empty date: says so, and that the later jobs are skipped', async () => {
    const { text } = await written(() => listSummary(listResult(0), { listing }));
    expect(text).toContain('No raw crashes found, so there is nothing to check: the check, plan, submit and verify jobs are skipped');
    expect(text).not.toContain('Next: ');
  });

  it('check: a table, the chart, and a failure that keeps what was classified, without the runner\'s paths', async () => {
    const r = { input: 500, skipped: 0, haves: 400, havenots: 100, notSearchable: 3, errors: 0, invalidLines: 0, requests: 500, retries: 0, throttled: 0, searched: 400, searchRequests: 8, pastRetention: [], byDate: {}, hours: { [DATES[0]]: { '14': 100 } }, hoursUnknown: 0, finalConcurrency: 128, elapsedMs: 2500 } as CheckResult;
    const ok = await written(() => checkSummary(3, r));
    expect(ok.text).toContain('500 store requests in 3s; 8 search requests for 400 stored crashes.');
    expect(ok.text).toContain('havenots by the hour');
    const failed = await written(() => checkSummary(3, { ...r, failure: `store: forbidden (403) reading ${process.env.RUNNER_TEMP}/socorro-reprocess/in/chunk-3.txt` }));
    expect(failed.text).toContain('Failed: store: forbidden (403) reading chunk-3.txt');
    expect(failed.text).toContain('Next: re-run this job. What it classified was kept');
  });

  it('plan: the facts, "N to submit" in bold after the table (not inside it), how long at the pace, and that sending starts at once', async () => {
    const { text, markdown } = await written(() => planSummary(planManifest(), planOpts()));
    expect(renderSummary(markdown)).toContain('<strong>369 to submit</strong>');
    expect(text).toContain('369 to submit: 369 crashes not processed (9 of them stored but not searchable).');
    expect(text).toContain('The submission: 369 crash ids in 8 batches of up to 50 to https://crash-stats.mozilla.org/api/Reprocessing/, one batch every 1 s: about 7s at that pace.');
    expect(text).toContain('Sending starts as soon as this plan ends: no environment holds the submit job for a reviewer.');
    expect(text).toContain('Limit: at most 10,000 crashes submitted');
    expect(text).toContain('Dates: 20260301, 20260302; saved 14:00 to 16:59 UTC');
  });

  it('plan behind an environment says who holds the sending; in mode reprocess that it starts now', async () => {
    expect((await written(() => planSummary(planManifest(), planOpts({ environment: 'socorro-prod' })))).text).toContain(
      'Next: the submit job waits in environment socorro-prod until a reviewer approves it',
    );
    expect((await written(() => planSummary(planManifest(), planOpts({ sender: 'this-job' })))).text).toContain('Sending starts now, in this job.');
  });

  it('plan with 0 to submit: "Nothing to submit", never "Next: the submit job sends them"', async () => {
    const quiet = await written(() => planSummary(planManifest({ havenots: 0, notSearchable: 0, toSubmit: 0, hours: {} }), planOpts()));
    expect(quiet.text).toContain('Nothing to submit: every crash listed is processed. The submit and verify jobs are skipped.');
    expect(quiet.text).not.toMatch(/sends them|Sending starts/);
    const rerun = await written(() => planSummary(planManifest({ earlierSubmitted: 360, earlierRejected: 9, toSubmit: 0 }), planOpts({ sender: 'none' })));
    expect(rerun.text).toContain('0 to submit: 369 crashes not processed (9 of them stored but not searchable), less 360 submitted and 9 rejected (400, never sent again) by earlier attempts.');
    expect(rerun.text).toContain('Nothing to submit: every crash not processed is in a ledger of an earlier attempt');
  });

  it('a dry-run plan says how to submit for real with a step the workflow has (resubmit.yml with from-run), allow-many when over max', async () => {
    const dry = await written(() => planSummary(planManifest(), planOpts({ dryRun: true })));
    expect(dry.text).toContain('Nothing was sent (a dry run).');
    expect(dry.text).toContain('Next: to submit them, run the resubmit workflow (resubmit.yml) with from-run 4242: it submits these results');
    const over = await written(() => planSummary(planManifest({ toSubmit: 12_000 }), planOpts({ dryRun: true, overMax: true })));
    expect(over.text).toContain("Next: 12,000 is more than max 10,000, so tell Socorro's on-call first (#crashreporting on Matrix)");
    expect(over.text).toContain('run the resubmit workflow (resubmit.yml) with from-run 4242 and allow-many.');
    // A plan made from an earlier run's results points at that run: its results are there.
    const fromRun = await written(() => planSummary(planManifest({ sourceRun: 77, processedSince: 5 }), planOpts({ dryRun: true })));
    expect(fromRun.text).toContain('from the results of run 77 (5 of its havenots processed since, not counted)');
    expect(fromRun.text).toContain('with from-run 77');
  });

  it('a real plan over max shows its numbers and chart first, then the refusal and the exact next step', async () => {
    const refused = '12000 crash ids to submit is more than max 10000; nothing will be sent. Large reprocessing jobs can page the people who run Socorro: tell them first (#crashreporting on Matrix), then use allow-many';
    const { text, markdown } = await written(() => planSummary(planManifest({ toSubmit: 12_000 }), planOpts({ refused })));
    const html = renderSummary(markdown);
    expect(html.indexOf('<table>')).toBeLessThan(html.indexOf('Refused'));
    expect(html.indexOf('havenots by the hour')).toBeLessThan(html.indexOf('Refused'));
    expect(text).toContain('Refused, nothing was sent: 12000 crash ids to submit is more than max 10000; nothing will be sent.');
    expect(text).toContain("Next: tell Socorro's on-call first (#crashreporting on Matrix): a large reprocessing job fills the processing queue and can page them. Then run the resubmit workflow (resubmit.yml) with from-run 4242 and allow-many");
    expect(text).not.toMatch(/Sending starts/);
  });

  it('submit: nothing to submit; what was not sent again is the job\'s own count; rejected ids are not "submitted"', async () => {
    const plan = planManifest();
    const job = (r: Partial<ReprocessResult>, o: Partial<SubmitJobResult> = {}): SubmitJobResult => ({ result: reprocessResult(r), plan, earlier: r.alreadySubmitted ?? 0, ...o });
    const opts = { apiUrl: 'https://crash-stats.mozilla.org', runId: '4242', batchSize: 50, sleepSeconds: 1 };
    const none = await written(() => submitSummary(job({ input: 0, toSend: 0, submitted: 0, batches: 0, requests: 0 }), opts));
    expect(none.text).toContain('Nothing to submit: the plan had no crash to submit.');
    expect(none.text).not.toContain('Next:');
    const again = await written(() => submitSummary(job({ alreadySubmitted: 360, alreadyRejected: 9, toSend: 0, submitted: 0, batches: 0, requests: 0 }), opts));
    expect(again.text).toContain('Nothing to submit: every id of the plan was sent or refused before, and none is sent twice. Not sent again: 360 already in a ledger of this run, 9 rejected (400) by an earlier attempt.');
    const sent = await written(() => submitSummary(job({ submitted: 366, rejected: 3 }, { ledger: 'reprocessed-1' }), opts));
    expect(sent.text).toContain('8 requests to https://crash-stats.mozilla.org/api/Reprocessing/ in under a second; ledger artifact reprocessed-1.');
    expect(sent.text).toContain('3 ids rejected (400) as not a valid crash');
    expect(sent.text).toContain('Next: the verify job checks that they get processed.');
    const dry = await written(() => submitSummary(job({ dryRun: true, submitted: 0, toSend: 12_000, batches: 240 }, { overMax: 10_000 }), opts));
    expect(dry.text).toContain('Nothing was sent (a dry run). The submission: 12,000 crash ids in 240 batches');
    expect(dry.text).toContain('run the resubmit workflow (resubmit.yml) with from-run 4242 and allow-many.');
    const failed = await written(() => submitSummary(job({ submitted: 100, failure: 'interrupted: 100 id(s) were accepted and are in the ledger; rerun to send the rest' }, { ledger: 'reprocessed-1' }), opts));
    expect(failed.text).toContain('Failed: interrupted: 100 id(s) were accepted');
    expect(failed.text).toContain('Next: re-run this job when the cause is fixed');
    expect(failed.text).not.toContain('verify job checks');
  });

  it('verify: all verified; nothing to verify; unverified, with a next step a ledger does not block', async () => {
    const plan = planManifest({ byDate: { [DATES[0]]: { listed: 1000, processed: 631, havenots: 369, notSearchable: 9, submitted: 369, verified: 360 } } });
    const job = (r: Partial<VerifyResult>): VerifyJobResult => ({ result: verifyResult(r), ledgers: 1, plan });
    const all = await written(() => verifySummary(job({})));
    expect(all.text).toContain('verified 369 of 369');
    expect(all.text).toContain('1 pass over the 369 crashes the run\'s 1 ledger holds, in 1m01s; processed means stored and searchable (8 search requests).');
    expect(all.text).toContain('Every submitted crash is processed. Nothing more to do.');
    const nothing = await written(() => verifySummary(job({ input: 0, verified: 0, passes: 0 })));
    expect(nothing.text).toContain('nothing to verify');
    expect(nothing.text).toContain('Nothing to verify: no ledger of this run holds a submitted crash, so nothing was sent.');
    const some = await written(() => verifySummary(job({ verified: 360, unverified: 9, firstUnverified: ['de1bb258-cbbf-4589-a673-34f800160918'] }), { verifyMinutes: 15 }));
    expect(some.text).toContain('9 not processed yet, first: de1bb258-cbbf-4589-a673-34f800160918.');
    expect(some.text).toContain('Next: re-run this job later to look again (it keeps looking for 15 minutes)');
    expect(some.text).not.toMatch(/submit unverified\.txt again/);
    expect(renderSummary(some.markdown)).toContain('<code>de1bb258-cbbf-4589-a673-34f800160918</code>');
  });

  it('a failure with text of its own (asterisks, underscores, paths) shows as written', async () => {
    const { text } = await written(() => failureSummary('plan', `no check result for chunk(s) 2, *3* and my_chunk_4: see ${process.env.RUNNER_TEMP}/socorro-reprocess/plan/to-submit/to-submit.txt`, 're-run the failed check jobs.'));
    expect(text).toContain('Failed: no check result for chunk(s) 2, *3* and my_chunk_4: see to-submit.txt');
    expect(text).toContain('Next: re-run the failed check jobs.');
  });
});

describe('the helpers', () => {
  it('took() never says "in 0s"', () => {
    expect([took(0), took(999), took(1000), took(61_000)]).toEqual(['in under a second', 'in under a second', 'in 1s', 'in 1m01s']);
  });

  it("hidePaths() keeps only the file name of a path under the runner's folders", () => {
    expect(hidePaths('/home/runner/work/_temp/socorro-reprocess/plan/to-submit.txt: no crash ids in the file', ['/home/runner/work/_temp'])).toBe('to-submit.txt: no crash ids in the file');
    expect(hidePaths('ENOENT: open "/tmp/x/y/submitted.txt"', ['/tmp'])).toBe('ENOENT: open "submitted.txt"');
    expect(hidePaths('gs://bucket/v1/raw_crash/2026 stays', ['/tmp'])).toBe('gs://bucket/v1/raw_crash/2026 stays');
  });

  it('the checker catches what the old summaries did: a line right after </table> shows its ** literally', () => {
    expect(summaryProblems('<table><tr><th>a</th></tr><tr><td>1</td></tr></table>\n**369 to submit**\n')).toEqual([expect.stringMatching(/^literal \*\*/)]);
    expect(summaryProblems('<table><tr><th>a</th></tr><tr><td>1</td></tr></table>\n\n**369 to submit**\n')).toEqual([]);
    expect(summaryProblems('a | b\n--|\n')).toEqual([expect.stringMatching(/literal \|/)]);
    expect(summaryProblems('see /tmp/socorro-reprocess/x.txt')).toEqual([expect.stringMatching(/an absolute path/)]);
    expect(summaryProblems('1 list request in 0s.')).toEqual([expect.stringMatching(/^"in 0s"/)]);
  });
});
