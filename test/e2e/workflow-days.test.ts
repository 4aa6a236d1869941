/**
 * Days as they come, through reprocess.yml run offline job by job (test/e2e/runner.ts, the built
 * action in every step, s3rver, the Socorro stand-in, artifacts on the results service + Azurite):
 * a quiet day (every crash processed), an empty date, a day where every crash is a havenot, a
 * day cut into 256 chunks, a plan over max, a crash the processor never gets through. Each ends
 * as it should (green unless there is something left to do), and each summary says what
 * happened and a next step that follows from it; every summary renders as GitHub renders it
 * (helpers.expectEverySummaryRenders). Needs a fresh `npm run build` after any change in src/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { summaryText } from '../support/summary-html.ts';
import { describe as explain, loadWorkflow, WorkflowRun, type JobGroup, type RunnerOptions, type Workflow } from './runner.ts';
import { actionStep, expectEverySummaryRenders, ok, summaryRows } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const API_TOKEN = 'e2e-days-token';
const BUCKET = `wf-days-${process.pid}-${Date.now().toString(36)}`;

// 2024 is past search's 26 weeks: storage alone says what is processed, as in workflow.test.ts.
const DAY = {
  quiet: { date: '20240310', n: 60, share: 0 },
  empty: { date: '20240311', n: 0, share: 0 },
  allHavenots: { date: '20240312', n: 40, share: 1 },
  many: { date: '20240313', n: 512, share: 0.05 },
  overMax: { date: '20240314', n: 30, share: 1 },
  stuck: { date: '20240315', n: 20, share: 1 },
} as const;
type DayName = keyof typeof DAY;

let s3: S3Endpoint;
let api: SocorroApi;
let backend: ArtifactBackend;
let work: string;
let wf: Workflow;
const ids = {} as Record<DayName, { all: string[]; unprocessed: string[] }>;

beforeAll(async () => {
  [s3, backend, work, wf] = await Promise.all([startTestS3(), startArtifactBackend(), mkdtemp(join(tmpdir(), 'workflow-days-')), loadWorkflow(join(ROOT, '.github/workflows/reprocess.yml'))]);
  // The processor stores what it processed, as Socorro's does: the verify job then finds it.
  api = await startSocorroApi({ token: API_TOKEN, processor: { delayMs: 20, onProcessed: (done) => putObjects(s3.client, BUCKET, done.map(processedCrashKey)) } });
  await createBucket(s3.client, BUCKET);
  const keys: string[] = [];
  for (const [i, [name, d]] of Object.entries(DAY).entries()) {
    const day = d.n ? syntheticDay(d.date, d.n, d.share, 'v1', 301 + i) : { ids: [], unprocessed: [], keys: [] };
    ids[name as DayName] = { all: day.ids, unprocessed: day.unprocessed };
    keys.push(...day.keys);
  }
  await putObjects(s3.client, BUCKET, keys);
  // The crash the processor never gets through: verify must say to look later, not to resend.
  api.processor.neverProcess.add(ids.stuck.unprocessed[0]);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([s3?.close(), api?.close(), backend?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
});

// Every summary these runs wrote renders as GitHub renders it (kept under .tmp/summaries/).
afterEach(expectEverySummaryRenders);

function runnerOptions(runId: string, inputs: RunnerOptions['inputs'], vars: Record<string, string> = {}): RunnerOptions {
  return {
    runId,
    repoRoot: ROOT,
    node: NODE,
    inputs: { 'verify-minutes': 0, ...inputs },
    vars: { SOCORRO_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, S3_PATH_STYLE: 'true', SOCORRO_API_URL: api.url, SOCORRO_SLEEP: '0', SOCORRO_MAX_PARALLEL: '4', ...vars },
    secrets: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, SOCORRO_API_TOKEN: API_TOKEN },
    artifactEnv: (r, j, o) => backend.envFor(r, j, o),
    githubToken: (p) => backend.restTokenFor({ actions: p.actions === 'write' ? 'write' : p.actions === 'read' ? 'read' : 'none' }),
    workDir: work,
  };
}

/** What a reader reads in the job's summary (rendered, blocks on lines of their own). */
function read(group: JobGroup | undefined, run = 0): string {
  expect(group?.runs[run], explain(group)).toBeDefined();
  return summaryText(actionStep(group!.runs[run]).summary);
}

/** The run ended green: every job succeeded or was skipped. */
function green(results: Map<string, JobGroup>): void {
  for (const [job, g] of results) expect(['success', 'skipped'], `${job}: ${explain(g)}`).toContain(g.result);
}

const sentOf = (day: DayName) => new Set(api.batches.flatMap((b) => b.ids).filter((id) => ids[day].all.includes(id)));

describe('reprocess.yml on days as they come: each ends as it should, and its summaries say what happened', () => {
  it('a quiet day and an empty date: lists, checks, plans "nothing to submit"; submit and verify skipped; green', async () => {
    const results = await new WorkflowRun(wf, runnerOptions('2001', { dates: `${DAY.quiet.date},${DAY.empty.date}` })).run(1);
    green(results);
    const list = read(results.get('list'));
    expect(summaryRows(actionStep(ok(results.get('list')).runs[0]).summary).map((r) => [r.date, r['raw crashes']])).toEqual([
      [DAY.quiet.date, String(DAY.quiet.n)],
      [DAY.empty.date, '0'],
      ['<strong>total</strong>', String(DAY.quiet.n)],
    ]);
    expect(list).toContain(`Dates: ${DAY.quiet.date}, ${DAY.empty.date}; the whole day (UTC)`);
    expect(list).toContain('Next: 1 check job, one a chunk');
    const plan = read(ok(results.get('plan')));
    expect(plan).toContain('0 to submit: 0 crashes not processed.');
    expect(plan).toContain('Nothing to submit: every crash listed is processed. The submit and verify jobs are skipped.');
    expect(plan).not.toMatch(/sends them|Sending starts|The submission:/);
    for (const job of ['reprocess', 'verify']) expect(results.get(job)?.result, job).toBe('skipped');
    expect(sentOf('quiet').size).toBe(0);
  }, 300_000);

  it('an empty date alone: the list says no raw crashes and that the later jobs are skipped; green', async () => {
    const results = await new WorkflowRun(wf, runnerOptions('2002', { dates: DAY.empty.date })).run(1);
    green(results);
    const list = read(ok(results.get('list')));
    expect(list).toContain('No raw crashes found, so there is nothing to check: the check, plan, submit and verify jobs are skipped.');
    expect(list).not.toContain('Next:');
    for (const job of ['check', 'plan', 'reprocess', 'verify']) expect(results.get(job)?.result, job).toBe('skipped');
  }, 300_000);

  it('a day where every crash is a havenot: all submitted once and verified; a re-run of submit and verify sends nothing and ends green', async () => {
    const run = new WorkflowRun(wf, runnerOptions('2003', { dates: DAY.allHavenots.date }));
    const first = await run.run(1);
    green(first);
    const n = DAY.allHavenots.n;
    const plan = read(ok(first.get('plan')));
    expect(plan).toContain(`${n} to submit: ${n} crashes not processed.`);
    expect(plan).toContain(`The submission: ${n} crash ids in 1 batch of up to 50`);
    expect(plan).toContain('Sending starts as soon as this plan ends: no environment holds the submit job for a reviewer.');
    const submit = read(ok(first.get('reprocess')));
    expect(summaryRows(actionStep(first.get('reprocess')!.runs[0]).summary)[0]).toMatchObject({ 'to submit': String(n), 'already submitted': '0', submitted: String(n), 'rejected (400)': '0' });
    expect(submit).toContain('ledger artifact reprocessed-1.');
    expect(submit).toContain('Next: the verify job checks that they get processed.');
    const verify = read(ok(first.get('verify')));
    expect(verify).toContain(`verified ${n} of ${n}`);
    expect(verify).toContain('Every submitted crash is processed. Nothing more to do.');
    expect(sentOf('allHavenots').size).toBe(n);

    const batches = api.batches.length;
    const again = await run.run(2, (job) => job === 'reprocess' || job === 'verify');
    green(again);
    expect(api.batches.length).toBe(batches);
    const resubmit = read(ok(again.get('reprocess')));
    expect(resubmit).toContain(`Nothing to submit: every id of the plan was sent or refused before, and none is sent twice. Not sent again: ${n} already in a ledger of this run.`);
    expect(resubmit).not.toContain('Next:');
    expect(read(ok(again.get('verify')))).toContain(`verified ${n} of ${n}`);
  }, 300_000);

  it('a day cut into 256 chunks (the matrix limit): 256 check jobs, one plan of all their results, each havenot submitted once', async () => {
    const results = await new WorkflowRun(wf, runnerOptions('2004', { dates: DAY.many.date, 'chunk-size': 1 }, { SOCORRO_MAX_PARALLEL: '16' })).run(1);
    green(results);
    const list = ok(results.get('list'));
    expect(JSON.parse(list.outputs.chunks)).toHaveLength(256);
    expect(read(list)).toContain('256 chunks of up to 2 ids (raised from 1 to stay within 256 matrix jobs).');
    const check = ok(results.get('check'));
    expect(check.runs).toHaveLength(256);
    const planned = ids.many.unprocessed.length;
    const plan = read(ok(results.get('plan')));
    expect(plan).toContain(`${planned} to submit: ${planned} crashes not processed.`);
    expect(summaryRows(actionStep(results.get('plan')!.runs[0]).summary).at(-1)).toMatchObject({ listed: String(DAY.many.n), 'not processed': String(planned) });
    expect(sentOf('many')).toEqual(new Set(ids.many.unprocessed));
    expect(api.batches.flatMap((b) => b.ids).filter((id) => ids.many.all.includes(id))).toHaveLength(planned);
    expect(read(ok(results.get('verify')))).toContain(`verified ${planned} of ${planned}`);
  }, 600_000);

  it('a plan over max: its numbers, table and chart first, then the refusal and resubmit.yml with from-run and allow-many; nothing sent', async () => {
    const n = DAY.overMax.n;
    const results = await new WorkflowRun(wf, runnerOptions('2005', { dates: DAY.overMax.date }, { SOCORRO_MAX: '10' })).run(1);
    const planGroup = results.get('plan');
    expect(planGroup?.result, explain(planGroup)).toBe('failure');
    expect(planGroup!.outputs).toMatchObject({ 'to-submit': String(n) });
    expect(actionStep(planGroup!.runs[0]).outputs).toMatchObject({ havenots: String(n), 'to-submit': String(n) });
    const markdown = actionStep(planGroup!.runs[0]).summary;
    const plan = summaryText(markdown);
    expect(plan).toContain('Limit: at most 10 crashes submitted (more needs allow-many)');
    expect(plan).toContain(`${n} to submit: ${n} crashes not processed.`);
    // The numbers come before the refusal: the table and the chart, then what to do.
    expect(markdown.indexOf('<table>')).toBeLessThan(markdown.indexOf('Refused'));
    expect(markdown.indexOf('havenots by the hour')).toBeLessThan(markdown.indexOf('Refused'));
    expect(plan).toContain(`Refused, nothing was sent: ${n} crash ids to submit is more than max 10`);
    expect(plan).toContain("Next: tell Socorro's on-call first (#crashreporting on Matrix)");
    expect(plan).toContain('Then run the resubmit workflow (resubmit.yml) with from-run 2005 and allow-many');
    for (const job of ['reprocess', 'verify']) expect(results.get(job)?.result, job).toBe('skipped');
    expect(sentOf('overMax').size).toBe(0);

    // A dry run over max plans (green) and names the same step.
    const dry = await new WorkflowRun(wf, runnerOptions('2006', { dates: DAY.overMax.date, 'dry-run': true }, { SOCORRO_MAX: '10' })).run(1);
    green(dry);
    const dryPlan = read(ok(dry.get('plan')));
    expect(dryPlan).toContain('Nothing was sent (a dry run).');
    expect(dryPlan).toContain(`Next: ${n} is more than max 10, so tell Socorro's on-call first`);
    expect(dryPlan).toContain('run the resubmit workflow (resubmit.yml) with from-run 2006 and allow-many.');
    expect(sentOf('overMax').size).toBe(0);
  }, 300_000);

  it('a crash the processor never gets through: verify fails, saying to look again later and whom to tell, never to submit again', async () => {
    const n = DAY.stuck.n;
    const results = await new WorkflowRun(wf, runnerOptions('2007', { dates: DAY.stuck.date })).run(1);
    for (const job of ['list', 'check', 'plan', 'reprocess']) ok(results.get(job));
    const verifyGroup = results.get('verify');
    expect(verifyGroup?.result, explain(verifyGroup)).toBe('failure');
    const verify = read(verifyGroup);
    expect(verify).toContain(`verified ${n - 1} of ${n}`);
    expect(verify).toContain(`1 not processed yet, first: ${ids.stuck.unprocessed[0]}.`);
    expect(verify).toContain('Next: re-run this job later to look again (it looks once)');
    expect(verify).toContain("tell Socorro's on-call (#crashreporting on Matrix) with unverified.txt");
    expect(verify).not.toMatch(/submit (them|unverified\.txt) again(?! would)/);
    expect(sentOf('stuck').size).toBe(n);
  }, 300_000);
});
