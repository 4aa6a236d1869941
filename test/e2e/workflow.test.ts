/**
 * The whole pipeline as GitHub would run it, offline: .github/workflows/reprocess.yml is parsed
 * with GitHub's parser and run job by job (test/e2e/runner.ts), each `uses: ./` step running the
 * built action (dist/index.js, as action.yml says) in its own process, against s3rver (S3), a
 * Socorro-like Reprocessing API and the real @actions/artifact client on a local results service
 * + Azurite. Needs a fresh `npm run build` after any change in src/.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { RESULT_MARKER } from '../support/artifact-job.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { describe as explain, loadWorkflow, WorkflowRun, type JobGroup, type JobRun, type RunnerOptions, type Workflow } from './runner.ts';

const exec = promisify(execFile);
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
  [s3, api, backend, work, wf] = await Promise.all([
    startTestS3(),
    startSocorroApi({ token: API_TOKEN }),
    startArtifactBackend(),
    mkdtemp(join(tmpdir(), 'workflow-e2e-')),
    loadWorkflow(WORKFLOW),
  ]);
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
  const perJob = artifactCounts(RUN_ID);
  process.stdout.write(
    `[workflow e2e] ${allIds.length} crashes, ${unprocessed.length} unprocessed, ${Math.ceil(allIds.length / CHUNK_SIZE)} chunks; ` +
      `times (s): ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}\n` +
      `[workflow e2e] artifacts per job at the end: ${JSON.stringify(perJob)}\n` +
      `[workflow e2e] artifacts per job after attempt 1: ${JSON.stringify(countsAfterAttempt1)}\n`,
  );
});

const RUN_ID = 'run-1001';
let run: WorkflowRun;
let countsAfterAttempt1: Record<string, number> = {};

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
    },
    secrets: {
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      SOCORRO_API_TOKEN: API_TOKEN,
    },
    artifactEnv: (r, j) => backend.envFor(r, j),
    workDir: work,
  };
}

function artifactCounts(runId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of backend?.artifacts(runId) ?? []) counts[a.jobId] = (counts[a.jobId] ?? 0) + 1;
  return counts;
}

/** Downloads one artifact of the run through the artifact port, as a job of that run would. */
async function fetchArtifact(runId: string, name: string): Promise<string> {
  const dest = await mkdtemp(join(work, `fetch-${name}-`));
  const { stdout } = await exec(NODE, [join(ROOT, 'test/support/artifact-job.ts'), 'fetch', name, dest], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dest, ...backend.envFor(runId, `verify-${name}`) },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`artifact-job printed no result:\n${stdout}`);
  return (JSON.parse(line.slice(RESULT_MARKER.length)) as { downloadPath: string }).downloadPath;
}

async function idLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** The data rows of the first HTML table of a job summary, as header → cell. */
function summaryRows(summary: string): Array<Record<string, string>> {
  const table = /<table>([\s\S]*?)<\/table>/.exec(summary)?.[1];
  if (!table) throw new Error(`no table in the summary:\n${summary}`);
  const rows = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]));
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

function ok(group: JobGroup | undefined): JobGroup {
  expect(group?.result, explain(group)).toBe('success');
  return group!;
}

/** The one `uses: ./` step of a job run. */
function actionStep(r: JobRun) {
  const steps = r.steps.filter((s) => s.uses === './');
  expect(steps).toHaveLength(1);
  return steps[0];
}

function expectedChunk(k: number) {
  const ids = allIds.slice(k * CHUNK_SIZE, (k + 1) * CHUNK_SIZE);
  const havenots = ids.filter((id) => unprocessed.includes(id));
  return { ids, havenots, haves: ids.length - havenots.length };
}

describe('.github/workflows/reprocess.yml, run offline job by job', () => {
  const chunkCount = Math.ceil((DAYS.length * PER_DAY) / CHUNK_SIZE);

  it('list → check (a matrix of 4, 2 at a time) → reprocess submits exactly the unprocessed crashes', async () => {
    expect(chunkCount).toBeGreaterThanOrEqual(3);
    expect(unprocessed.length).toBeGreaterThan(0);
    const t = performance.now();
    run = new WorkflowRun(
      wf,
      runnerOptions(RUN_ID, {
        dates: `${DAYS[0]}..${DAYS[DAYS.length - 1]}`,
        'chunk-size': CHUNK_SIZE,
        'max-parallel': MAX_PARALLEL,
        'dry-run': false,
        sleep: 0,
      }),
    );
    const results = await run.run(1);
    timings.attempt1 = performance.now() - t;
    countsAfterAttempt1 = artifactCounts(RUN_ID);

    // list: the chunks output is a JSON array of indexes, for the matrix.
    const list = ok(results.get('list'));
    const chunks: unknown = JSON.parse(list.outputs.chunks);
    expect(chunks).toEqual(Array.from({ length: chunkCount }, (_, k) => k));
    expect(list.outputs.total).toBe(String(allIds.length));
    const listStep = actionStep(list.runs[0]);
    expect(listStep.with).toMatchObject({ mode: 'list', bucket: BUCKET, 'chunk-size': String(CHUNK_SIZE), 'path-style': 'true' });
    const listRows = summaryRows(listStep.summary);
    expect(listRows.map((r) => r.date)).toEqual([...DAYS, '<strong>total</strong>']);
    expect(listRows.at(-1)?.['raw crashes']).toBe(String(allIds.length));
    // syntheticDay plants three keys per day that are not crash ids.
    expect(listRows.at(-1)?.['other keys ignored']).toBe(String(3 * DAYS.length));

    // check: one job per chunk. (How many run at once is the runner's doing, from the
    // workflow's max-parallel: test/action/workflows.test.ts checks what the workflow asks for.)
    const check = ok(results.get('check'));
    expect(check.runs.map((r) => r.matrix?.chunk).sort()).toEqual(chunks);
    expect(new Set(check.runs.map((r) => r.name))).toEqual(new Set((chunks as number[]).map((k) => `check chunk ${k}`)));
    for (const r of check.runs) {
      const k = r.matrix!.chunk as number;
      const want = expectedChunk(k);
      const step = actionStep(r);
      expect(step.with.chunk).toBe(String(k));
      expect(step.outputs).toMatchObject({ haves: String(want.haves), havenots: String(want.havenots.length) });
      expect(summaryRows(step.summary)[0]).toMatchObject({
        chunk: String(k),
        ids: String(want.ids.length),
        haves: String(want.haves),
        havenots: String(want.havenots.length),
        errors: '0',
      });
    }

    // reprocess: the ledger is exactly the planted unprocessed set, each id sent once.
    const reprocess = ok(results.get('reprocess'));
    expect(reprocess.outputs.submitted).toBe(String(unprocessed.length));
    const ledgerDir = await fetchArtifact(RUN_ID, 'reprocessed-1');
    // The ledger is in submission order; as a set (and without duplicates) it is the planted one.
    expect((await idLines(join(ledgerDir, 'reprocessed.txt'))).sort()).toEqual(unprocessed);
    expect([...api.accepted].sort()).toEqual(unprocessed);
    const sent = api.batches.flatMap((b) => b.ids);
    expect(sent).toHaveLength(unprocessed.length);
    expect(api.batches.every((b) => b.status === 200)).toBe(true);
    expect(summaryRows(actionStep(reprocess.runs[0]).summary)[0]).toMatchObject({
      'ids checked': String(allIds.length),
      havenots: String(unprocessed.length),
      'already submitted': '0',
      'to send': String(unprocessed.length),
      submitted: String(unprocessed.length),
      'rejected (400)': '0',
    });

    // Artifacts: uuids + a chunk each from list, a result per check job, one ledger.
    expect(backend.artifacts(RUN_ID).map((a) => a.name).sort()).toEqual(
      ['uuids', 'reprocessed-1', ...(chunks as number[]).flatMap((k) => [`chunk-${k}`, `result-${k}`])].sort(),
    );
    expect(countsAfterAttempt1[list.runs[0].backendJobId]).toBe(chunkCount + 1);
    for (const r of check.runs) expect(countsAfterAttempt1[r.backendJobId]).toBe(1);
    expect(countsAfterAttempt1[reprocess.runs[0].backendJobId]).toBe(1);
  }, 600_000);

  it('re-running only the reprocess job (attempt 2) submits nothing: the ledger of attempt 1 is honoured', async () => {
    expect(run, 'needs the first test').toBeDefined();
    const before = api.batches.length;
    const t = performance.now();
    const results = await run.run(2, (job) => job === 'reprocess');
    timings.attempt2 = performance.now() - t;

    const reprocess = ok(results.get('reprocess'));
    expect(reprocess.runs[0].attempt).toBe(2);
    expect(results.get('check')?.runs.every((r) => r.attempt === 1)).toBe(true);
    expect(reprocess.outputs.submitted).toBe('0');
    expect(api.batches.length).toBe(before);
    const summary = actionStep(reprocess.runs[0]).summary;
    expect(summaryRows(summary)[0]).toMatchObject({
      havenots: String(unprocessed.length),
      'already submitted': String(unprocessed.length),
      'to send': '0',
      submitted: '0',
    });
    expect(summary).toContain(`${unprocessed.length} id(s) were submitted by earlier attempts and not sent again`);
    // Nothing sent, so no ledger for this attempt.
    expect(backend.artifacts(RUN_ID).some((a) => a.name === 'reprocessed-2')).toBe(false);
  }, 300_000);

  it('re-running one check job (attempt 3) resumes from its result and replaces the artifact; reprocess still sends nothing', async () => {
    expect(run, 'needs the first test').toBeDefined();
    const K = 1;
    const old = backend.artifacts(RUN_ID).find((a) => a.name === `result-${K}`)!;
    const oldDir = await fetchArtifact(RUN_ID, `result-${K}`);
    const before = api.batches.length;
    const t = performance.now();
    // GitHub re-runs a job's dependents with it.
    const results = await run.run(3, (job, matrix) => (job === 'check' && matrix?.chunk === K) || job === 'reprocess');
    timings.attempt3 = performance.now() - t;

    const check = ok(results.get('check'));
    const rerun = check.runs.find((r) => r.matrix?.chunk === K)!;
    expect(rerun.attempt).toBe(3);
    expect(check.runs.filter((r) => r.attempt === 1)).toHaveLength(chunkCount - 1);
    const want = expectedChunk(K);
    const step = actionStep(rerun);
    // Every id was classified by attempt 1: this job only carries its result over.
    expect(step.outputs).toMatchObject({ haves: '0', havenots: '0' });
    expect(summaryRows(step.summary)[0]).toMatchObject({ ids: String(want.ids.length), 'skipped (earlier attempt)': String(want.ids.length) });

    const now = backend.artifacts(RUN_ID).filter((a) => a.name === `result-${K}`);
    expect(now).toHaveLength(1);
    expect(now[0].id).not.toBe(old.id);
    expect(now[0].jobId).toBe(rerun.backendJobId);
    const newDir = await fetchArtifact(RUN_ID, `result-${K}`);
    // Same ids (the order within a file is not part of the contract).
    for (const f of ['haves.txt', 'havenots.txt']) {
      expect((await idLines(join(newDir, f))).sort(), f).toEqual((await idLines(join(oldDir, f))).sort());
    }
    expect((await idLines(join(newDir, 'havenots.txt'))).sort()).toEqual(want.havenots);

    const reprocess = ok(results.get('reprocess'));
    expect(reprocess.runs[0].attempt).toBe(3);
    expect(reprocess.outputs.submitted).toBe('0');
    expect(api.batches.length).toBe(before);
    expect([...api.accepted].sort()).toEqual(unprocessed);
  }, 300_000);

  it('re-running all jobs (attempt 4) lists and checks afresh, replacing those artifacts, and submits nothing again', async () => {
    expect(run, 'needs the first test').toBeDefined();
    const before = api.batches.length;
    const t = performance.now();
    const results = await run.run(4, () => true);
    timings.attempt4 = performance.now() - t;

    const list = ok(results.get('list'));
    expect(list.runs[0].attempt).toBe(4);
    expect(JSON.parse(list.outputs.chunks)).toEqual(Array.from({ length: chunkCount }, (_, k) => k));
    const check = ok(results.get('check'));
    expect(check.runs.map((r) => r.attempt)).toEqual(Array(chunkCount).fill(4));
    for (const r of check.runs) {
      const want = expectedChunk(r.matrix!.chunk as number);
      // The earlier listing's results were dropped with it: every id is checked again.
      expect(actionStep(r).outputs).toMatchObject({ haves: String(want.haves), havenots: String(want.havenots.length) });
    }
    const reprocess = ok(results.get('reprocess'));
    expect(reprocess.outputs.submitted).toBe('0');
    expect(api.batches.length).toBe(before);
    expect(summaryRows(actionStep(reprocess.runs[0]).summary)[0]).toMatchObject({ 'already submitted': String(unprocessed.length), submitted: '0' });

    // One artifact per name, each from this attempt's jobs, and attempt 1's ledger kept.
    const artifacts = backend.artifacts(RUN_ID);
    expect(artifacts.map((a) => a.name).sort()).toEqual(
      ['uuids', 'reprocessed-1', ...Array.from({ length: chunkCount }, (_, k) => [`chunk-${k}`, `result-${k}`]).flat()].sort(),
    );
    const jobOf = new Map(artifacts.map((a) => [a.name, a.jobId]));
    expect(jobOf.get('uuids')).toBe(list.runs[0].backendJobId);
    for (const r of check.runs) {
      const k = String(r.matrix!.chunk);
      expect(jobOf.get(`chunk-${k}`)).toBe(list.runs[0].backendJobId);
      expect(jobOf.get(`result-${k}`)).toBe(r.backendJobId);
    }
  }, 300_000);

  it('dates without crashes: list outputs [] and the check matrix and reprocess are skipped, not failed', async () => {
    const empty = new WorkflowRun(wf, runnerOptions('run-1002', { dates: '20240305', 'dry-run': false, sleep: 0 }));
    const results = await empty.run(1);
    const list = ok(results.get('list'));
    expect(list.outputs.chunks).toBe('[]');
    expect(list.outputs.total).toBe('0');
    expect(actionStep(list.runs[0]).summary).toContain('No raw crashes found');
    expect(results.get('check')).toMatchObject({ result: 'skipped', runs: [] });
    expect(results.get('reprocess')).toMatchObject({ result: 'skipped', runs: [] });
    expect(backend.artifacts('run-1002').map((a) => a.name)).toEqual(['uuids']);
  }, 300_000);
});
