/**
 * The whole pipeline as GitHub would run it, offline: .github/workflows/reprocess.yml is parsed
 * with GitHub's parser and run job by job (test/e2e/runner.ts), each action step running the
 * built action (dist/index.js, as action.yml says) in its own process, against s3rver (an
 * S3-compatible store: its keys go to the action through env:), a Socorro-like API whose
 * processor stores what it was sent, and the real @actions/artifact client on a local results
 * service + Azurite, reading every attempt's artifacts over REST with the job's GITHUB_TOKEN.
 * Needs a fresh `npm run build` after any change in src/.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { loadWorkflow, stepsOf, WorkflowRun, type RunnerOptions, type Workflow } from './runner.ts';
import { ACTION, actionStep, expectEverySummaryRenders, fetchArtifact as fetchArtifactOf, keepFinalSummary, ok, summaryRows } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const WORKFLOW = join(ROOT, '.github/workflows/reprocess.yml');

// Two days of a small bucket: 4 chunks of 50, about a third of the crashes never processed.
const DAYS = ['20240301', '20240302'];
const PER_DAY = 100;
const UNPROCESSED_SHARE = 0.3;
const CHUNK_SIZE = 50;
const MAX_PARALLEL = 2;
const API_TOKEN = 'e2e-reprocess-token';
const BUCKET = `wf-e2e-${process.pid}-${Date.now().toString(36)}`;

let s3: S3Endpoint;
let api: SocorroApi;
let backend: ArtifactBackend;
let work: string;
let wf: Workflow;
const t0 = performance.now();
const timings: Record<string, number> = {};

const allIds: string[] = [];
const unprocessed: string[] = [];

beforeAll(async () => {
  const t = performance.now();
  [s3, backend, work, wf] = await Promise.all([startTestS3(), startArtifactBackend(), mkdtemp(join(tmpdir(), 'workflow-e2e-')), loadWorkflow(WORKFLOW)]);
  // The processor stores what it processed, as Socorro's does: the verify job then finds it.
  api = await startSocorroApi({ token: API_TOKEN, processor: { delayMs: 20, onProcessed: (ids) => putObjects(s3.client, BUCKET, ids.map(processedCrashKey)) } });
  await createBucket(s3.client, BUCKET);
  const keys: string[] = [];
  for (const [i, day] of DAYS.entries()) {
    const d = syntheticDay(day, PER_DAY, UNPROCESSED_SHARE, 'v1', 101 + i);
    allIds.push(...d.ids);
    unprocessed.push(...d.unprocessed);
    keys.push(...d.keys);
  }
  allIds.sort();
  unprocessed.sort();
  await putObjects(s3.client, BUCKET, keys);
  timings.setup = performance.now() - t;
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([s3?.close(), api?.close(), backend?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
  timings.total = performance.now() - t0;
  process.stdout.write(
    `[workflow e2e] ${allIds.length} crashes, ${unprocessed.length} unprocessed, ${Math.ceil(allIds.length / CHUNK_SIZE)} chunks; ` +
      `times (s): ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}\n` +
      `[workflow e2e] artifacts at the end: ${backend ? backend.artifacts(RUN_ID).length : 0}\n`,
  );
});

const RUN_ID = '1001';
let run: WorkflowRun;

function runnerOptions(runId: string, inputs: RunnerOptions['inputs']): RunnerOptions {
  return {
    runId,
    repoRoot: ROOT,
    node: NODE,
    inputs,
    vars: {
      SOCORRO_BUCKET: BUCKET,
      S3_ENDPOINT: s3.endpoint,
      S3_PATH_STYLE: 'true',
      SOCORRO_API_URL: api.url,
      SOCORRO_SLEEP: '0',
      SOCORRO_MAX_PARALLEL: String(MAX_PARALLEL),
    },
    secrets: {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      SOCORRO_API_TOKEN: API_TOKEN,
    },
    artifactEnv: (r, j, o) => backend.envFor(r, j, o),
    githubToken: (p) => backend.restTokenFor({ actions: p.actions === 'write' ? 'write' : p.actions === 'read' ? 'read' : 'none' }),
    workDir: work,
  };
}

/** One artifact of the run, downloaded; its folder. */
const fetchArtifact = (runId: string, name: string) => fetchArtifactOf(backend, work, runId, name);

async function idLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

function expectedChunk(k: number) {
  const ids = allIds.slice(k * CHUNK_SIZE, (k + 1) * CHUNK_SIZE);
  const havenots = ids.filter((id) => unprocessed.includes(id));
  return { ids, havenots, haves: ids.length - havenots.length };
}

const total = (rows: Array<Record<string, string>>) => rows.find((r) => r.date === '<strong>total</strong>');

// Every summary these runs wrote renders as GitHub renders it (kept under .tmp/summaries/).
afterEach(expectEverySummaryRenders);

describe('.github/workflows/reprocess.yml, run offline job by job', () => {
  const chunkCount = Math.ceil((DAYS.length * PER_DAY) / CHUNK_SIZE);

  it('list → check (a matrix of 4) → plan → reprocess → verify submits exactly the unprocessed crashes, once each, and verifies them', async () => {
    expect(chunkCount).toBeGreaterThanOrEqual(3);
    expect(unprocessed.length).toBeGreaterThan(0);
    const t = performance.now();
    run = new WorkflowRun(wf, runnerOptions(RUN_ID, { dates: `${DAYS[0]}..${DAYS[DAYS.length - 1]}`, 'chunk-size': CHUNK_SIZE, 'verify-minutes': 1 }));
    expect(run.runName()).toBe(`reprocess ${DAYS[0]}..${DAYS[1]} ${BUCKET}, search, max 10000`);
    const results = await run.run(1);
    timings.attempt1 = performance.now() - t;

    // Every job checked the action out into .socorro-reprocess (this workflow's own repository
    // and commit, through job.workflow_*) and ran it from there.
    for (const g of results.values()) {
      for (const r of g.runs) expect(r.steps[0].checkout, r.job).toMatchObject({ path: '.socorro-reprocess', repository: 'mozilla-services/socorro-reprocess' });
    }

    // list: the chunks output is a JSON array of indexes, for the matrix.
    const list = ok(results.get('list'));
    const chunks: unknown = JSON.parse(list.outputs.chunks);
    expect(chunks).toEqual(Array.from({ length: chunkCount }, (_, k) => k));
    expect(list.outputs.total).toBe(String(allIds.length));
    const listStep = actionStep(list.runs[0]);
    // An S3-compatible store: the credentials step passes its keys to the action as they are, not through AWS STS.
    const credentials = stepsOf(list.runs[0]).filter((s) => s.outcome !== 'skipped' && !s.checkout && s.uses !== ACTION);
    expect(credentials.map((s) => s.uses)).toEqual(['./.socorro-reprocess/.github/actions/credentials', '(run)']);
    expect(listStep.with).toMatchObject({ mode: 'list', bucket: BUCKET, 'chunk-size': String(CHUNK_SIZE), 'path-style': 'true', 'token-present': 'true' });
    const listRows = summaryRows(listStep.summary);
    expect(listRows.map((r) => r.date)).toEqual([...DAYS, '<strong>total</strong>']);
    expect(listRows.at(-1)?.['raw crashes']).toBe(String(allIds.length));
    expect(listRows.at(-1)?.['other keys ignored']).toBe(String(3 * DAYS.length));

    // check: one job per chunk, each with its own result.
    const check = ok(results.get('check'));
    expect(check.runs.map((r) => r.matrix?.chunk).sort()).toEqual(chunks);
    for (const r of check.runs) {
      const k = r.matrix!.chunk as number;
      const want = expectedChunk(k);
      const step = actionStep(r);
      expect(step.with).toMatchObject({ chunk: String(k), search: 'true' });
      expect(step.outputs).toMatchObject({ haves: String(want.haves), havenots: String(want.havenots.length) });
      expect(summaryRows(step.summary)[0]).toMatchObject({ chunk: String(k), ids: String(want.ids.length), haves: String(want.haves), havenots: String(want.havenots.length), errors: '0' });
      // 2024 is past search's 26 weeks: storage alone decides, and the summary says so.
      expect(step.summary).toContain('past search retention (storage alone)');
    }

    // plan: the havenots of every chunk, merged, with totals per date and the hour chart.
    const plan = ok(results.get('plan'));
    expect(plan.outputs['to-submit']).toBe(String(unprocessed.length));
    const planStep = actionStep(plan.runs[0]);
    expect(total(summaryRows(planStep.summary))).toMatchObject({ listed: String(allIds.length), 'not processed': String(unprocessed.length) });
    expect(planStep.summary).toMatch(/<pre><code>havenots by the hour their raw crash was saved \(UTC\)/);
    const havenotsDir = await fetchArtifact(RUN_ID, 'havenots');
    expect((await idLines(join(havenotsDir, 'havenots.txt'))).sort()).toEqual(unprocessed);
    const hours = JSON.parse(await readFile(join(havenotsDir, 'havenots-hours.json'), 'utf8')) as Record<string, Record<string, number>>;
    // Keyed by the day each raw crash was saved: the fixture's were saved today.
    expect(Object.values(hours).flatMap((h) => Object.values(h)).reduce((a, b) => a + b, 0)).toBe(unprocessed.length);

    // reprocess: the ledger is exactly the planted unprocessed set, each id sent once.
    const reprocess = ok(results.get('reprocess'));
    expect(reprocess.outputs.submitted).toBe(String(unprocessed.length));
    expect(actionStep(reprocess.runs[0]).with).toMatchObject({ mode: 'submit', sleep: '0', 'api-token': API_TOKEN });
    const ledgerDir = await fetchArtifact(RUN_ID, 'reprocessed-1');
    expect((await idLines(join(ledgerDir, 'reprocessed.txt'))).sort()).toEqual(unprocessed);
    expect([...api.accepted].sort()).toEqual(unprocessed);
    expect(api.batches.flatMap((b) => b.ids)).toHaveLength(unprocessed.length);
    expect(summaryRows(actionStep(reprocess.runs[0]).summary)[0]).toMatchObject({ 'to submit': String(unprocessed.length), 'already submitted': '0', submitted: String(unprocessed.length), 'rejected (400)': '0' });

    // verify: the run's final summary, with the totals per date.
    const verify = ok(results.get('verify'));
    expect(verify.outputs.verified).toBe(String(unprocessed.length));
    const verifyStep = actionStep(verify.runs[0]);
    expect(verifyStep.summary).toContain(`verified ${unprocessed.length} of ${unprocessed.length}`);
    // The run's final summary, for the Chromium rendering in .ci/run (scripts/render-summary.ts).
    await keepFinalSummary(verifyStep.summary);
    expect(total(summaryRows(verifyStep.summary))).toMatchObject({ listed: String(allIds.length), submitted: String(unprocessed.length), verified: String(unprocessed.length) });

    // Artifacts: uuids + a chunk each from list, a result per check job, the plan's two, one ledger, verified.
    expect(backend.artifacts(RUN_ID).map((a) => a.name).sort()).toEqual(
      ['uuids', 'havenots', 'to-submit', 'reprocessed-1', 'verified', ...(chunks as number[]).flatMap((k) => [`chunk-${k}`, `result-${k}`])].sort(),
    );
    // Every job after list read the run's artifacts through the REST API, with its token.
    const rest = backend.restRequests();
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.every((q) => q.auth === 'token' && q.status < 400)).toBe(true);
  }, 600_000);

  it('re-running the reprocess job (attempt 2) sends nothing: the ledger of attempt 1 is honoured', async () => {
    expect(run, 'needs the first test').toBeDefined();
    const before = api.batches.length;
    const t = performance.now();
    const results = await run.run(2, (job) => job === 'reprocess' || job === 'verify');
    timings.attempt2 = performance.now() - t;

    const reprocess = ok(results.get('reprocess'));
    expect(reprocess.runs[0].attempt).toBe(2);
    expect(reprocess.outputs.submitted).toBe('0');
    expect(api.batches.length).toBe(before);
    const summary = actionStep(reprocess.runs[0]).summary;
    expect(summaryRows(summary)[0]).toMatchObject({ 'to submit': String(unprocessed.length), 'already submitted': String(unprocessed.length), submitted: '0' });
    expect(summary).toContain(`**Nothing to submit**: every id of the plan was sent or refused before, and none is sent twice. Not sent again: ${unprocessed.length} already in a ledger of this run.`);
    // Nothing sent, so no ledger for this attempt.
    expect(backend.artifacts(RUN_ID).some((a) => a.name === 'reprocessed-2')).toBe(false);
    expect(ok(results.get('verify')).outputs.verified).toBe(String(unprocessed.length));
  }, 300_000);

  it('re-running all jobs (attempt 3) lists and checks afresh under attempt-tagged names, keeps every earlier artifact, and sends nothing again', async () => {
    expect(run, 'needs the first test').toBeDefined();
    const before = api.batches.length;
    const earlier = backend.artifacts(RUN_ID).map((a) => a.name);
    const t = performance.now();
    const results = await run.rerunAllJobs();
    timings.attempt3 = performance.now() - t;

    const list = ok(results.get('list'));
    expect(list.runs[0].attempt).toBe(3);
    const check = ok(results.get('check'));
    for (const r of check.runs) {
      const want = expectedChunk(r.matrix!.chunk as number);
      // The earlier listing's results are not this listing's: every id is checked again, and
      // what attempt 1 submitted has been processed since.
      expect(actionStep(r).outputs).toMatchObject({ haves: String(want.ids.length), havenots: '0' });
    }
    expect(ok(results.get('plan')).outputs['to-submit']).toBe('0');
    expect(results.get('reprocess')?.result).toBe('skipped');
    expect(api.batches.length).toBe(before);

    const names = backend.artifacts(RUN_ID).map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(earlier));
    expect(names).toEqual(expect.arrayContaining(['uuids-attempt3', 'havenots-attempt3', ...Array.from({ length: chunkCount }, (_, k) => [`chunk-${k}-attempt3`, `result-${k}-attempt3`]).flat()]));
  }, 300_000);

  it('a dry run lists, checks and plans, and sends nothing; the run is named a dry run', async () => {
    const before = api.batches.length;
    const dry = new WorkflowRun(wf, runnerOptions('1003', { dates: DAYS[0], 'dry-run': true }));
    expect(dry.runName()).toBe(`reprocess ${DAYS[0]} ${BUCKET}, search, max 10000 (dry run)`);
    const results = await dry.run(1);
    const plan = ok(results.get('plan'));
    const planStep = actionStep(plan.runs[0]);
    expect(planStep.summary).toContain('plan (dry run)');
    // Every crash of the day is processed: nothing to submit, said as such (not "the submit job sends them").
    expect(planStep.summary).toContain('**Nothing to submit**: every crash listed is processed. The submit and verify jobs are skipped.');
    expect(results.get('reprocess')?.result).toBe('skipped');
    expect(results.get('verify')?.result).toBe('skipped');
    expect(api.batches.length).toBe(before);
  }, 300_000);

  it('dates without crashes: list outputs [] and the later jobs are skipped, not failed', async () => {
    const empty = new WorkflowRun(wf, runnerOptions('1002', { dates: '20240305' }));
    const results = await empty.run(1);
    const list = ok(results.get('list'));
    expect(list.outputs.chunks).toBe('[]');
    expect(list.outputs.total).toBe('0');
    expect(actionStep(list.runs[0]).summary).toContain('No raw crashes found');
    for (const job of ['check', 'plan', 'reprocess', 'verify']) expect(results.get(job)?.result, job).toBe('skipped');
    expect(backend.artifacts('1002').map((a) => a.name)).toEqual(['uuids']);
  }, 300_000);

  it('refuses, in the list job and before listing, a run whose reprocess job would have no API token', async () => {
    const opts = runnerOptions('1004', { dates: DAYS[0] });
    delete opts.secrets.SOCORRO_API_TOKEN;
    const results = await new WorkflowRun(wf, opts).run(1);
    const list = results.get('list')!;
    expect(list.result).toBe('failure');
    expect(actionStep(list.runs[0]).log).toMatch(/::error::the API token the submit job needs \(secret SOCORRO_API_TOKEN\) is not set/);
    expect(backend.artifacts('1004')).toEqual([]);
    for (const job of ['check', 'plan', 'reprocess']) expect(results.get(job)?.result, job).toBe('skipped');
  }, 300_000);
});
