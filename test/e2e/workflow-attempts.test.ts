/**
 * Attempts, re-runs and the ways a job ends, through .github/workflows/reprocess.yml (and
 * resubmit.yml, and a caller of reprocess.yml) run by the offline runner (test/e2e/runner.ts):
 * the built action (dist/) in its own processes, s3rver, the Socorro-like API (a fresh one per
 * test, so its `batches` are that test's) and the local results service over REST.
 *
 * What a re-run may never do is send an accepted crash id twice; what it must do is send the
 * rest. Each test cancels or kills a job at a chosen moment (a Retry-After wait, a POST whose
 * answer is on its way, after more than one ledger snapshot, a check job part-way), re-runs,
 * and counts every id the API answered 200 to. Each test has its own crash date in one bucket:
 * the API's processor stores what it processed, so dates never share crashes between tests.
 * Needs a fresh `npm run build` after any change in src/.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { mulberry32 } from '../../src/demo/prng.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { startSocorroApi, type SocorroApi, type SocorroApiOptions } from '../../src/demo/socorro-api.ts';
import { RESULT_MARKER } from '../support/artifact-job.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import {
  describe as explain,
  loadWorkflow,
  WorkflowRun,
  type JobGroup,
  type JobRun,
  type RunnerOptions,
  type StepControl,
  type StepRun,
  type StepStart,
  type Workflow,
} from './runner.ts';
import { ACTION, actionStep, expectEverySummaryRenders, fetchArtifact as fetchArtifactOf, ok, summaryRows } from './helpers.ts';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const API_TOKEN = 'e2e-attempts-token';
const BUCKET = `wf-attempts-${process.pid}-${Date.now().toString(36)}`;
const BATCH = 50; // the action's default batch-size; the workflow does not set it
const SNAPSHOT_EVERY = 25; // SNAPSHOT_EVERY_BATCHES in src/action/pipeline.ts
const SIGTERM_AFTER_MS = 7500; // the runner's SIGINT → SIGTERM delay

/** One crash date per test (2024: past search retention, so storage alone decides). */
const DAYS = {
  retryAfter: { day: '20240401', n: 300, share: 0.9 },
  inFlight: { day: '20240402', n: 300, share: 0.9 },
  hardKill: { day: '20240403', n: 3000, share: 0.9 },
  checkCancel: { day: '20240404', n: 600, share: 0.3 },
  checkKill: { day: '20240405', n: 600, share: 0.3 },
  ledgers: { day: '20240406', n: 1400, share: 0.95 },
  prefix: { day: '20240407', n: 100, share: 0.3 },
  fromRun: { day: '20240408', n: 100, share: 0.3 },
  environment: { day: '20240409', n: 100, share: 0.3 },
} as const;
type Fixture = { ids: string[]; unprocessed: string[] };
const fixtures = {} as Record<keyof typeof DAYS, Fixture>;

let s3: S3Endpoint;
let backend: ArtifactBackend;
let work: string;
let reprocessWf: Workflow;
let resubmitWf: Workflow;
const closers: Array<() => Promise<unknown>> = [];
const t0 = performance.now();
const timings: Record<string, number> = {};

beforeAll(async () => {
  const t = performance.now();
  [s3, backend, work, reprocessWf, resubmitWf] = await Promise.all([
    startTestS3(),
    startArtifactBackend(),
    mkdtemp(join(tmpdir(), 'workflow-attempts-')),
    loadWorkflow(join(ROOT, '.github/workflows/reprocess.yml')),
    loadWorkflow(join(ROOT, '.github/workflows/resubmit.yml')),
  ]);
  await createBucket(s3.client, BUCKET);
  const keys: string[] = [];
  for (const [i, [name, f]] of Object.entries(DAYS).entries()) {
    const d = syntheticDay(f.day, f.n, f.share, 'v1', 301 + i);
    fixtures[name as keyof typeof DAYS] = { ids: d.ids, unprocessed: d.unprocessed };
    keys.push(...d.keys);
  }
  // About 7,600 keys: s3rver takes ~13 s (more uploaders in parallel do not help).
  await putObjects(s3.client, BUCKET, keys);
  timings.setup = performance.now() - t;
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await Promise.allSettled([s3?.close(), backend?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
  timings.total = performance.now() - t0;
  process.stdout.write(`[attempts e2e] times (s): ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ')}\n`);
});

function note(line: string): void {
  process.stdout.write(`[attempts e2e] ${line}\n`);
}

/** A Socorro-like API of its own for one test; its processor stores what it processed, as Socorro's does. */
async function startApi(opts: Omit<SocorroApiOptions, 'token' | 'processor'> = {}): Promise<SocorroApi> {
  const api = await startSocorroApi({
    ...opts,
    token: API_TOKEN,
    processor: { delayMs: 10, onProcessed: (ids) => putObjects(s3.client, BUCKET, ids.map(processedCrashKey)) },
  });
  closers.push(() => api.close());
  return api;
}

interface Extra {
  vars?: Record<string, string>;
  secrets?: Record<string, string | undefined>;
  s3Endpoint?: string;
  apiUrl?: string;
  options?: Partial<RunnerOptions>;
}

function runnerOptions(runId: string, inputs: RunnerOptions['inputs'], api: SocorroApi, extra: Extra = {}): RunnerOptions {
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    SOCORRO_API_TOKEN: API_TOKEN,
    ...extra.secrets,
  })) {
    if (v !== undefined) secrets[k] = v;
  }
  return {
    runId,
    repoRoot: ROOT,
    node: NODE,
    inputs,
    vars: {
      SOCORRO_BUCKET: BUCKET,
      S3_ENDPOINT: extra.s3Endpoint ?? s3.endpoint,
      S3_PATH_STYLE: 'true',
      SOCORRO_API_URL: extra.apiUrl ?? api.url,
      SOCORRO_SLEEP: '0',
      SOCORRO_MAX_PARALLEL: '2',
      ...extra.vars,
    },
    secrets,
    artifactEnv: (r, j, o) => backend.envFor(r, j, o),
    githubToken: (p) => backend.restTokenFor({ actions: p.actions === 'write' ? 'write' : p.actions === 'read' ? 'read' : 'none' }),
    workDir: work,
    ...extra.options,
  };
}

/** Uploads files as an artifact of the run, from a job of the caller's own (not the pipeline's). */
async function uploadArtifact(runId: string, name: string, dir: string, files: string[]): Promise<{ id: number }> {
  const { stdout } = await exec(NODE, [join(ROOT, 'test/support/artifact-job.ts'), 'upload', name, dir, ...files.map((f) => join(dir, f))], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...backend.envFor(runId, `caller-own-job`) },
  });
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`artifact-job printed no result:\n${stdout}`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as { id: number };
}

/** One artifact of the run, downloaded; its folder. */
const fetchArtifact = (runId: string, name: string) => fetchArtifactOf(backend, work, runId, name);

async function idLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/** The ids of an artifact's id file (reprocessed.txt, havenots.txt...), sorted. */
async function artifactIds(runId: string, name: string, file: string): Promise<string[]> {
  return (await idLines(join(await fetchArtifact(runId, name), file))).sort();
}

const leg = (g: JobGroup | undefined, chunk: number): JobRun => {
  const r = g?.runs.find((x) => x.matrix?.chunk === chunk);
  if (!r) throw new Error(`no leg for chunk ${chunk}: ${explain(g)}`);
  return r;
};

const names = (runId: string) => backend.artifacts(runId).map((a) => a.name);

/** How many times the API answered 200 to each id (ruleset suffix dropped), over `batches`. */
function acceptedCounts(batches: SocorroApi['batches']): Map<string, number> {
  const counts = new Map<string, number>();
  for (const b of batches) {
    if (b.status !== 200) continue;
    for (const v of b.ids) {
      const id = v.split(':')[0];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

/** Every id of `expected` accepted exactly once over the whole run, and nothing else. */
function expectEachAcceptedOnce(api: SocorroApi, expected: string[]): void {
  const counts = acceptedCounts(api.batches);
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  expect(twice, 'ids the API accepted more than once').toEqual([]);
  expect([...counts.keys()].sort()).toEqual([...expected].sort());
}

/** Resolves once `cond` holds (polled), or rejects after `timeoutMs`. */
async function until(cond: () => boolean, what: string, everyMs = 2, timeoutMs = 90_000): Promise<void> {
  const start = performance.now();
  while (!cond()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * An onStepStart hook that runs `act` for the first step that `pick` accepts; what goes wrong in
 * it is kept for the test to rethrow (a hook must not throw into the runner).
 */
function hookOnce(pick: (s: StepStart) => boolean, act: (s: StepStart, c: StepControl) => Promise<void>) {
  const state: { fired: boolean; error?: unknown; done?: Promise<void> } = { fired: false };
  const onStepStart = (s: StepStart, c: StepControl) => {
    if (state.fired || !pick(s)) return;
    state.fired = true;
    state.done = act(s, c).catch((err: unknown) => {
      state.error = err;
      c.kill();
    });
  };
  return {
    onStepStart,
    async check(): Promise<void> {
      expect(state.fired, 'the hook fired').toBe(true);
      await state.done;
      if (state.error) throw state.error instanceof Error ? state.error : new Error(JSON.stringify(state.error));
    },
  };
}

const isSubmit = (s: StepStart, attempt = 1) => s.job.endsWith('reprocess') && s.uses === ACTION && s.attempt === attempt;

/** The time from the runner's SIGINT to the process's exit, and the signals it got. */
function sigintToExit(step: StepRun): { ms: number; signals: string[] } {
  const sigint = step.signals?.find((x) => x.signal === 'SIGINT');
  if (!sigint || step.endedAt === undefined) throw new Error(`no SIGINT or no end recorded: ${JSON.stringify(step.signals)}`);
  return { ms: step.endedAt - sigint.at, signals: (step.signals ?? []).map((x) => x.signal) };
}

/** A seed for the API's fault plan whose first fault (of `rate`) is request `k` (0-based). */
function seedWithFirstFaultAt(k: number, rate: number): number {
  for (let seed = 1; ; seed++) {
    const r = mulberry32(seed);
    // The API draws twice per request: hit, then kind.
    const hits = Array.from({ length: k + 1 }, () => {
      const hit = r() < rate;
      r();
      return hit;
    });
    if (hits[k] && !hits.slice(0, k).some(Boolean)) return seed;
  }
}

/**
 * A proxy in front of the API that forwards each request at once and can hold the answer to the
 * nth POST: the API has accepted that batch (it is in api.batches) while the client still waits.
 */
async function startSlowAnswers(target: string): Promise<{ url: string; hold(nth: number, ms: number): void; releasedAt: number[] }> {
  const up = new URL(target);
  const agent = new http.Agent({ keepAlive: true });
  const holds = new Map<number, number>();
  const releasedAt: number[] = [];
  let posts = 0;
  const server = http.createServer((req, res) => {
    const n = req.method === 'POST' ? ++posts : 0;
    const upReq = http.request({ agent, host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      const answer = () => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      };
      const ms = holds.get(n);
      if (ms === undefined) return answer();
      setTimeout(() => {
        releasedAt.push(performance.now());
        answer();
      }, ms);
    });
    upReq.on('error', () => res.destroy());
    req.pipe(upReq);
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hold: (nth, ms) => holds.set(nth, ms), releasedAt };
}

function timed<T>(name: string, fn: () => Promise<T>): () => Promise<T> {
  return async () => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = performance.now() - t;
    }
  };
}

// Every summary these runs wrote renders as GitHub renders it (kept under .tmp/summaries/).
afterEach(expectEverySummaryRenders);

describe('reprocess.yml across attempts: cancels, kills and re-runs never send an accepted id twice', () => {
  it(
    'a cancel during a Retry-After wait stops at once (SIGINT → exit before SIGTERM), saves the ledger; the re-run sends the rest, each id accepted once',
    timed('retryAfter', async () => {
      const f = fixtures.retryAfter;
      expect(f.unprocessed.length).toBeGreaterThan(5 * BATCH);
      // Requests 0..2 accepted, request 3 answered 429 with Retry-After: 30 (the client waits 30 s).
      const api = await startApi({ faults: { rate: 0.5, seed: seedWithFirstFaultAt(3, 0.5), kinds: ['429'], retryAfterSeconds: 30 } });
      let cancelledAt = 0;
      const hook = hookOnce(isSubmit, async (_s, control) => {
        await until(() => api.batches.some((b) => b.status === 429), 'the 429');
        // Long enough for the client to read the answer and start its wait; far short of 30 s.
        await new Promise((r) => setTimeout(r, 300));
        cancelledAt = performance.now();
        control.cancel();
      });
      const RUN = '3001';
      const run = new WorkflowRun(reprocessWf, runnerOptions(RUN, { dates: DAYS.retryAfter.day, 'verify-minutes': 0 }, api, { options: { onStepStart: hook.onStepStart } }));
      const first = await run.run(1);
      await hook.check();

      const reprocess = first.get('reprocess')!;
      expect(reprocess.result, explain(reprocess)).toBe('cancelled');
      const step = actionStep(reprocess.runs[0]);
      expect(step.log).toMatch(/API: HTTP 429; retry 1 in 30\.0s/);
      expect(step.log).toContain('stopping; saving what was done');
      // Three batches accepted, the fourth refused; its retry was never sent.
      expect(api.batches.map((b) => b.status)).toEqual([200, 200, 200, 429]);
      const { ms, signals } = sigintToExit(step);
      note(`Retry-After cancel: SIGINT → exit ${ms.toFixed(0)} ms (signals ${signals.join(',')}); requests in attempt 1: ${api.batches.length}`);
      expect(signals).toEqual(['SIGINT']);
      expect(ms).toBeLessThan(SIGTERM_AFTER_MS);
      expect(step.endedAt! - cancelledAt).toBeLessThan(SIGTERM_AFTER_MS);
      // The ledger of attempt 1 is in the run's artifacts: exactly the three accepted batches.
      expect(names(RUN)).toContain('reprocessed-1');
      const accepted1 = api.batches.filter((b) => b.status === 200).flatMap((b) => b.ids).sort();
      expect(await artifactIds(RUN, 'reprocessed-1', 'reprocessed.txt')).toEqual(accepted1);

      api.setFaults(undefined);
      const second = await run.rerunFailedJobs();
      const again = ok(second.get('reprocess'));
      expect(again.runs[0].attempt).toBe(2);
      expect(again.outputs.submitted).toBe(String(f.unprocessed.length - accepted1.length));
      expect(summaryRows(actionStep(again.runs[0]).summary)[0]).toMatchObject({ 'already submitted': String(accepted1.length) });
      expectEachAcceptedOnce(api, f.unprocessed);
      expect(ok(second.get('verify')).outputs.verified).toBe(String(f.unprocessed.length));
      note(`Retry-After cancel: requests in all ${api.batches.length} (${Math.ceil(f.unprocessed.length / BATCH)} batches + the 429), 0 ids accepted twice`);
    }),
    120_000,
  );

  it(
    'a cancel while a POST is in flight waits for its answer: the accepted batch is in the ledger and never sent again',
    timed('inFlight', async () => {
      const f = fixtures.inFlight;
      const api = await startApi();
      const slow = await startSlowAnswers(api.url);
      const HOLD_MS = 3000;
      slow.hold(3, HOLD_MS);
      let cancelledAt = 0;
      const hook = hookOnce(isSubmit, async (_s, control) => {
        // The API has accepted the third batch; its answer is held by the proxy.
        await until(() => api.batches.length >= 3, 'the third batch');
        cancelledAt = performance.now();
        control.cancel();
      });
      const RUN = '3002';
      const run = new WorkflowRun(reprocessWf, runnerOptions(RUN, { dates: DAYS.inFlight.day, 'verify-minutes': 0 }, api, { apiUrl: slow.url, options: { onStepStart: hook.onStepStart } }));
      const first = await run.run(1);
      await hook.check();

      const reprocess = first.get('reprocess')!;
      expect(reprocess.result, explain(reprocess)).toBe('cancelled');
      const step = actionStep(reprocess.runs[0]);
      expect(api.batches.map((b) => b.status)).toEqual([200, 200, 200]);
      // The process ended after the held answer arrived: it waited for it rather than dropping it.
      expect(slow.releasedAt).toHaveLength(1);
      expect(step.endedAt!).toBeGreaterThan(slow.releasedAt[0]);
      const { ms, signals } = sigintToExit(step);
      note(`in-flight cancel: SIGINT → exit ${ms.toFixed(0)} ms with a ${HOLD_MS} ms answer in flight (signals ${signals.join(',')}); cancelled ${(slow.releasedAt[0] - cancelledAt).toFixed(0)} ms before the answer`);
      expect(signals).toEqual(['SIGINT']);
      expect(ms).toBeLessThan(SIGTERM_AFTER_MS);
      // The batch in flight was accepted, so it is in the ledger (all three are).
      const inFlight = api.batches[2].ids.sort();
      const ledger1 = await artifactIds(RUN, 'reprocessed-1', 'reprocessed.txt');
      expect(ledger1).toEqual(api.batches.flatMap((b) => b.ids).sort());
      expect(ledger1).toEqual(expect.arrayContaining(inFlight));

      const second = await run.rerunFailedJobs();
      ok(second.get('reprocess'));
      expectEachAcceptedOnce(api, f.unprocessed);
      // Attempt 2 did not send a single id of the batch that was in flight.
      expect(api.batches.slice(3).flatMap((b) => b.ids).filter((id) => inFlight.includes(id))).toEqual([]);
      note(`in-flight cancel: requests in all ${api.batches.length}, 0 ids accepted twice`);
    }),
    120_000,
  );

  it(
    'a lost runner (SIGKILL) after more than 25 batches: the re-run resends at most the batches since the last snapshot',
    timed('hardKill', async () => {
      const f = fixtures.hardKill;
      const KILL_AT = 37;
      expect(f.unprocessed.length).toBeGreaterThan((KILL_AT + 10) * BATCH);
      const api = await startApi();
      let killedAt = 0;
      const hook = hookOnce(isSubmit, async (_s, control) => {
        await until(() => api.batches.length >= KILL_AT, `${KILL_AT} batches`, 1);
        control.kill();
        killedAt = api.batches.length;
      });
      const RUN = '3003';
      // 20 ms a batch: the kill lands where it is aimed.
      const run = new WorkflowRun(reprocessWf, runnerOptions(RUN, { dates: DAYS.hardKill.day, 'verify-minutes': 0 }, api, { vars: { SOCORRO_SLEEP: '0.02' }, options: { onStepStart: hook.onStepStart } }));
      const first = await run.run(1);
      await hook.check();

      const reprocess = first.get('reprocess')!;
      expect(reprocess.result, explain(reprocess)).toBe('failure');
      expect(reprocess.runs[0].lost).toBe(true);
      const sentBeforeKill = api.batches.length;
      expect(sentBeforeKill).toBeGreaterThanOrEqual(KILL_AT);
      expect(sentBeforeKill).toBeLessThan(2 * SNAPSHOT_EVERY);
      // No final ledger (the process was killed); the snapshot of the first 25 batches is there.
      expect(names(RUN).filter((n) => n.startsWith('reprocessed-'))).toEqual(['reprocessed-1-part1']);
      const part1 = await artifactIds(RUN, 'reprocessed-1-part1', 'reprocessed.txt');
      expect(part1).toEqual(api.batches.slice(0, SNAPSHOT_EVERY).flatMap((b) => b.ids).sort());
      const accepted1 = new Set(api.batches.filter((b) => b.status === 200).flatMap((b) => b.ids));

      const second = await run.rerunFailedJobs();
      const again = ok(second.get('reprocess'));
      expect(again.runs[0].attempt).toBe(2);
      const attempt2 = api.batches.slice(sentBeforeKill);
      const resentIds = attempt2.flatMap((b) => b.ids).filter((id) => accepted1.has(id));
      const resentBatches = attempt2.filter((b) => b.ids.some((id) => accepted1.has(id))).length;
      note(`hard kill: killed at ${killedAt} batches (${sentBeforeKill} reached the API), ${resentBatches} batches resent (${resentIds.length} ids) in attempt 2`);
      expect(resentBatches).toBeLessThanOrEqual(SNAPSHOT_EVERY);
      expect(resentIds.length).toBeLessThanOrEqual(SNAPSHOT_EVERY * BATCH);
      // Exactly what was accepted after the snapshot is sent again, nothing the snapshot holds.
      expect(resentIds.sort()).toEqual([...accepted1].filter((id) => !part1.includes(id)).sort());
      const counts = acceptedCounts(api.batches);
      expect([...counts.keys()].sort()).toEqual(f.unprocessed);
      expect([...counts].filter(([, n]) => n > 1).length).toBe(resentIds.length);
      expect(ok(second.get('verify')).outputs.verified).toBe(String(f.unprocessed.length));
    }),
    180_000,
  );
});

describe('check jobs across attempts', () => {
  const CHUNK = 300;
  let proxy: FaultProxy;

  beforeAll(async () => {
    // s3rver has no latency knob: a forwarding proxy gives the check jobs a slow store on demand.
    proxy = await startFaultProxy(s3.endpoint);
    closers.push(() => proxy.close());
  });

  /** A hook that slows the store for chunk 0's check step of attempt 1 and stops it after `requests` store requests. */
  function stopChunk0(how: 'cancel' | 'kill', requests: number) {
    return hookOnce(
      (s) => s.job === 'check' && s.matrix?.chunk === 0 && s.uses === ACTION && s.attempt === 1,
      async (_s, control) => {
        const base = proxy.stats.requests;
        proxy.set({ latencyMs: 150 });
        void control.exited.then(() => proxy.set({}));
        await until(() => proxy.stats.requests - base >= requests, `${requests} store requests`, 1);
        if (how === 'cancel') control.cancel();
        else control.kill();
      },
    );
  }

  it(
    'a check job cancelled part-way keeps what it classified; the re-run checks only the rest; the merged havenots are the union of the chunks; all submitted once',
    timed('checkCancel', async () => {
      const f = fixtures.checkCancel;
      const api = await startApi();
      const hook = stopChunk0('cancel', 200);
      const RUN = '3004';
      // One check job at a time: every store request during chunk 0's step is chunk 0's.
      const run = new WorkflowRun(
        reprocessWf,
        runnerOptions(RUN, { dates: DAYS.checkCancel.day, 'chunk-size': CHUNK, 'verify-minutes': 0 }, api, { s3Endpoint: proxy.url, vars: { SOCORRO_MAX_PARALLEL: '1' }, options: { onStepStart: hook.onStepStart } }),
      );
      const first = await run.run(1);
      await hook.check();
      const check = first.get('check')!;
      expect(leg(check, 0).result, explain(check)).toBe('cancelled');
      expect(leg(check, 1).result, explain(check)).toBe('success');
      for (const job of ['plan', 'reprocess', 'verify']) expect(first.get(job)?.result, job).toBe('skipped');
      expect(api.batches).toEqual([]);
      // The cancelled job uploaded what it classified, marked unfinished.
      const partialDir = await fetchArtifact(RUN, 'result-0');
      expect(JSON.parse(await readFile(join(partialDir, 'check.json'), 'utf8'))).toMatchObject({ chunk: 0, complete: false, attempt: 1 });
      const partialHaves = await idLines(join(partialDir, 'haves.txt'));
      const partialHavenots = await idLines(join(partialDir, 'havenots.txt'));
      const classified = partialHaves.length + partialHavenots.length;
      expect(classified).toBeGreaterThan(0);
      expect(classified).toBeLessThan(CHUNK);
      const chunk0 = f.ids.slice(0, CHUNK);
      expect([...partialHaves, ...partialHavenots].every((id) => chunk0.includes(id))).toBe(true);
      expect(partialHavenots.every((id) => f.unprocessed.includes(id))).toBe(true);
      expect(partialHaves.some((id) => f.unprocessed.includes(id))).toBe(false);

      const second = await run.rerunFailedJobs();
      const rerun = leg(ok(second.get('check')), 0);
      expect(rerun.attempt).toBe(2);
      // Chunk 1 was not re-run.
      expect(leg(second.get('check'), 1).attempt).toBe(1);
      const row = summaryRows(actionStep(rerun).summary)[0];
      note(`check cancel: attempt 1 classified ${classified} of ${CHUNK}; the re-run skipped ${row['skipped (earlier attempt)']} and checked ${Number(row.haves) + Number(row.havenots)}`);
      expect(row).toMatchObject({ chunk: '0', ids: String(CHUNK), 'skipped (earlier attempt)': String(classified), errors: '0' });
      expect(Number(row.haves) + Number(row.havenots)).toBe(CHUNK - classified);

      // The plan's merged havenots: the union of every chunk's newest complete result, = the fixture's.
      const plan = ok(second.get('plan'));
      expect(plan.outputs['to-submit']).toBe(String(f.unprocessed.length));
      const r0 = await artifactIds(RUN, 'result-0-attempt2', 'havenots.txt');
      const r1 = await artifactIds(RUN, 'result-1', 'havenots.txt');
      expect(r0).toEqual(expect.arrayContaining(partialHavenots));
      const merged = await artifactIds(RUN, 'havenots-attempt2', 'havenots.txt');
      expect(merged).toEqual([...new Set([...r0, ...r1])].sort());
      expect(merged).toEqual(f.unprocessed);
      ok(second.get('reprocess'));
      expectEachAcceptedOnce(api, f.unprocessed);
    }),
    120_000,
  );

  it(
    'a check job whose runner is lost part-way leaves no result: the re-run checks the whole chunk and the result is still exact',
    timed('checkKill', async () => {
      const f = fixtures.checkKill;
      const api = await startApi();
      const hook = stopChunk0('kill', 200);
      const RUN = '3005';
      const run = new WorkflowRun(
        reprocessWf,
        runnerOptions(RUN, { dates: DAYS.checkKill.day, 'chunk-size': CHUNK, 'verify-minutes': 0 }, api, { s3Endpoint: proxy.url, vars: { SOCORRO_MAX_PARALLEL: '1' }, options: { onStepStart: hook.onStepStart } }),
      );
      const first = await run.run(1);
      await hook.check();
      const check = first.get('check')!;
      expect(leg(check, 0).result, explain(check)).toBe('failure');
      expect(leg(check, 0).lost).toBe(true);
      expect(names(RUN)).not.toContain('result-0');
      expect(names(RUN)).toContain('result-1');
      expect(first.get('plan')?.result).toBe('skipped');

      const second = await run.rerunFailedJobs();
      const rerun = leg(ok(second.get('check')), 0);
      const row = summaryRows(actionStep(rerun).summary)[0];
      expect(row).toMatchObject({ ids: String(CHUNK), 'skipped (earlier attempt)': '0', errors: '0' });
      const want0 = f.ids.slice(0, CHUNK).filter((id) => f.unprocessed.includes(id)).length;
      expect(row).toMatchObject({ haves: String(CHUNK - want0), havenots: String(want0) });
      expect(ok(second.get('plan')).outputs['to-submit']).toBe(String(f.unprocessed.length));
      expect(await artifactIds(RUN, 'havenots-attempt2', 'havenots.txt')).toEqual(f.unprocessed);
      ok(second.get('reprocess'));
      expectEachAcceptedOnce(api, f.unprocessed);
    }),
    120_000,
  );
});

describe('ledgers that cannot be read or written', () => {
  it(
    'a snapshot that cannot be uploaded stops the sending at 25 batches; a re-run that cannot list the ledgers sends nothing and fails; then the rest, once',
    timed('ledgers', async () => {
      const f = fixtures.ledgers;
      expect(f.unprocessed.length).toBeGreaterThan(SNAPSHOT_EVERY * BATCH);
      const api = await startApi();
      const RUN = '3006';
      // Attempt 2 sits out the artifact client's backoff (~55 s) on quick timers.
      const artifactEnv: RunnerOptions['artifactEnv'] = (r, j, o) => ({ ...backend.envFor(r, j, o), ...(o.attempt === 2 ? { NODE_OPTIONS: `--import=${join(ROOT, 'test/support/quick-timers.ts')}` } : {}) });
      const run = new WorkflowRun(reprocessWf, runnerOptions(RUN, { dates: DAYS.ledgers.day, 'verify-minutes': 0 }, api, { options: { artifactEnv } }));

      // Attempt 1: the storage quota refuses the first snapshot.
      backend.failUploads((name) => name === 'reprocessed-1-part1');
      let first;
      try {
        first = await run.run(1);
      } finally {
        backend.failUploads(undefined);
      }
      const reprocess = first.get('reprocess')!;
      expect(reprocess.result, explain(reprocess)).toBe('failure');
      const step = actionStep(reprocess.runs[0]);
      expect(step.exit?.code).toBe(1);
      expect(step.log).toMatch(/::error::could not save the ledger so far \(.*Artifact storage quota has been hit.*\); stopped sending: 1250 id\(s\) were accepted/);
      expect(backend.refusedUploads()).toContain('reprocessed-1-part1');
      expect(api.batches).toHaveLength(SNAPSHOT_EVERY);
      // What was accepted still reached the run: the final ledger, uploaded as the job ended.
      expect(names(RUN).filter((n) => n.startsWith('reprocessed-'))).toEqual(['reprocessed-1']);
      expect(await artifactIds(RUN, 'reprocessed-1', 'reprocessed.txt')).toEqual(api.batches.flatMap((b) => b.ids).sort());

      // Attempt 2: the REST listing of the run's artifacts fails (the client retries a 500 five times).
      backend.setRestFaults({ list: 500 });
      let second;
      try {
        second = await run.run(2, (job) => job === 'reprocess');
      } finally {
        backend.setRestFaults({});
      }
      const blind = second.get('reprocess')!;
      expect(blind.result, explain(blind)).toBe('failure');
      const blindStep = actionStep(blind.runs[0]);
      expect(blindStep.exit?.code).toBe(1);
      expect(blindStep.log).toMatch(/::error::could not list the artifacts of run 3006: 500 Server Error \(asked 5 times\)/);
      const listed = backend.restRequests().filter((q) => q.path.endsWith('/actions/runs/3006/artifacts'));
      expect(listed.slice(-6).map((q) => q.status)).toEqual([200, 500, 500, 500, 500, 500]);
      expect(api.batches).toHaveLength(SNAPSHOT_EVERY);
      note(`ledger listing 500: attempt 2 sent ${api.batches.length - SNAPSHOT_EVERY} requests; job summary ${blindStep.summary.trim() === '' ? 'empty (the reason is in the log only)' : 'written'}`);

      // Attempt 3: the rest, once.
      const third = await run.run(3, (job) => job === 'reprocess' || job === 'verify');
      const rest = ok(third.get('reprocess'));
      expect(rest.outputs.submitted).toBe(String(f.unprocessed.length - SNAPSHOT_EVERY * BATCH));
      expectEachAcceptedOnce(api, f.unprocessed);
      expect(ok(third.get('verify')).outputs.verified).toBe(String(f.unprocessed.length));
    }),
    180_000,
  );
});

describe('callers, from-run and environments', () => {
  const FROM_DRY = '3008';

  it(
    "artifact-prefix: every pipeline artifact is prefixed; the caller's own result-0 is never read or touched",
    timed('prefix', async () => {
      const f = fixtures.prefix;
      const api = await startApi();
      const RUN = '3007';
      const repo = join(work, 'caller-repo');
      await mkdir(join(repo, '.github/workflows'), { recursive: true });
      const callerFile = join(repo, '.github/workflows/caller.yml');
      await writeFile(
        callerFile,
        [
          'name: caller',
          'on: workflow_dispatch',
          'permissions:',
          '  contents: read',
          'jobs:',
          '  reprocess:',
          '    uses: example-org/socorro-reprocess/.github/workflows/reprocess.yml@v1',
          '    permissions: { contents: read, actions: read, id-token: write }',
          '    with:',
          `      dates: "${DAYS.prefix.day}"`,
          '      chunk-size: 50',
          '      artifact-prefix: sr-',
          '      verify-minutes: 0',
          '    secrets:',
          '      SOCORRO_API_TOKEN: ${{ secrets.SOCORRO_API_TOKEN }}',
          '      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}',
          '      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
          '',
        ].join('\n'),
      );
      const caller = await loadWorkflow(callerFile, { repositories: { 'example-org/socorro-reprocess': ROOT } });

      // The caller's own result-0, uploaded before the run: a complete-looking check result whose
      // havenots are crashes that were processed (they must never be sent).
      const decoys = f.ids.filter((id) => !f.unprocessed.includes(id)).slice(0, 20);
      const own = join(work, 'caller-own');
      await mkdir(own, { recursive: true });
      await writeFile(join(own, 'havenots.txt'), decoys.join('\n') + '\n');
      await writeFile(join(own, 'haves.txt'), '');
      await writeFile(join(own, 'check.json'), JSON.stringify({ chunk: 0, listAttempt: 1, attempt: 1, complete: true, input: 20, search: false }) + '\n');
      const { id: ownId } = await uploadArtifact(RUN, 'result-0', own, ['havenots.txt', 'haves.txt', 'check.json']);
      const ownBefore = backend.artifactRecords(RUN).find((a) => a.name === 'result-0')!;

      const run = new WorkflowRun(caller, runnerOptions(RUN, {}, api));
      const results = await run.run(1);
      ok(results.get('reprocess'));
      for (const job of ['list', 'check', 'plan', 'reprocess', 'verify']) ok(results.get(`reprocess/${job}`));
      expect(results.get('reprocess/plan')!.outputs['to-submit']).toBe(String(f.unprocessed.length));

      // The caller's artifact: the same one (id, digest), its content unchanged.
      const ownAfter = backend.artifactRecords(RUN).filter((a) => a.name === 'result-0');
      expect(ownAfter).toEqual([ownBefore]);
      expect(ownAfter[0].id).toBe(String(ownId));
      expect(await artifactIds(RUN, 'result-0', 'havenots.txt')).toEqual([...decoys].sort());
      // Every other artifact is the pipeline's, prefixed.
      expect(names(RUN).filter((n) => n !== 'result-0').sort()).toEqual(
        ['sr-uuids', 'sr-chunk-0', 'sr-chunk-1', 'sr-result-0', 'sr-result-1', 'sr-havenots', 'sr-to-submit', 'sr-reprocessed-1', 'sr-verified'].sort(),
      );
      // None of the decoys was sent; exactly the unprocessed crashes were, once each.
      expect([...acceptedCounts(api.batches).keys()].filter((id) => decoys.includes(id))).toEqual([]);
      expectEachAcceptedOnce(api, f.unprocessed);
      expect(await artifactIds(RUN, 'sr-havenots', 'havenots.txt')).toEqual(f.unprocessed);
    }),
    120_000,
  );

  it(
    'resubmit.yml from-run after a dry run submits exactly the havenots; a second resubmit of the same run finds them processed and sends nothing',
    timed('fromRun', async () => {
      const f = fixtures.fromRun;
      const api = await startApi();
      const dry = await new WorkflowRun(reprocessWf, runnerOptions(FROM_DRY, { dates: DAYS.fromRun.day, 'chunk-size': 50, 'dry-run': true }, api)).run(1);
      expect(ok(dry.get('plan')).outputs['to-submit']).toBe(String(f.unprocessed.length));
      expect(actionStep(dry.get('plan')!.runs[0]).summary).toContain('Nothing was sent (a dry run)');
      expect(dry.get('reprocess')?.result).toBe('skipped');
      expect(api.batches).toEqual([]);

      const resubmit = (runId: string) => new WorkflowRun(resubmitWf, runnerOptions(runId, { 'from-run': FROM_DRY, 'verify-minutes': 0 }, api)).run(1);
      const second = await resubmit('3009');
      expect(second.get('reprocess/list')?.result).toBe('skipped');
      expect(second.get('reprocess/check')?.result).toBe('skipped');
      const plan = ok(second.get('reprocess/plan'));
      expect(plan.outputs['to-submit']).toBe(String(f.unprocessed.length));
      expect(actionStep(plan.runs[0]).summary).toContain(`from the results of run ${FROM_DRY} (0 of its havenots processed since, not counted)`);
      // The reprocess job runs although list and check were skipped: its if: checks the plan itself.
      ok(second.get('reprocess/reprocess'));
      expectEachAcceptedOnce(api, f.unprocessed);
      expect(await artifactIds('3009', 'reprocessed-1', 'reprocessed.txt')).toEqual(f.unprocessed);
      expect(ok(second.get('reprocess/verify')).outputs.verified).toBe(String(f.unprocessed.length));
      const afterSecond = api.batches.length;

      // A second resubmit of the same dry run cannot see run 3009's ledger; its plan checks the dry
      // run's havenots against the store again, where 3009's crashes are processed by now.
      const third = await resubmit('3010');
      const thirdPlan = ok(third.get('reprocess/plan'));
      const resent = acceptedCounts(api.batches.slice(afterSecond));
      note(`from-run: a second resubmit of run ${FROM_DRY} planned ${thirdPlan.outputs['to-submit']} and the API accepted ${resent.size} ids again`);
      expect(thirdPlan.outputs['to-submit']).toBe('0');
      expect(actionStep(thirdPlan.runs[0]).summary).toContain(`(${f.unprocessed.length} of its havenots processed since, not counted)`);
      expect(third.get('reprocess/reprocess')?.result).toBe('skipped');
      expect(resent.size).toBe(0);
      expect(api.batches.length).toBe(afterSecond);
    }),
    180_000,
  );

  it(
    "environment: a rejected deployment fails the reprocess job unrun and sends nothing; approved, it submits with the environment's token; the plan's summary was there first",
    timed('environment', async () => {
      const f = fixtures.environment;
      const api = await startApi();
      const RUN = '3012';
      let approving = false;
      const asked: Array<{ environment: string; job: string; attempt: number; plan?: string; planSummary: string }> = [];
      const holder: { run?: WorkflowRun } = {};
      const opts = runnerOptions(RUN, { dates: DAYS.environment.day, 'chunk-size': 100, 'verify-minutes': 0 }, api, {
        vars: { SOCORRO_ENVIRONMENT: 'prod' },
        secrets: { SOCORRO_API_TOKEN: undefined },
        options: {
          environments: { prod: { secrets: { SOCORRO_API_TOKEN: API_TOKEN } } },
          approve: (environment, job) => {
            const plan = holder.run!.results.get('plan');
            const step = plan?.runs[0]?.steps.find((s) => s.uses === ACTION && s.outcome !== 'skipped');
            asked.push({ environment, job: job.job, attempt: job.attempt, plan: plan?.result, planSummary: step?.summary ?? '' });
            return approving;
          },
        },
      });
      const run = (holder.run = new WorkflowRun(reprocessWf, opts));

      const first = await run.run(1);
      // The list job let it start: the token is the environment's.
      expect(actionStep(ok(first.get('list')).runs[0]).with['token-present']).toBe('true');
      const rejected = first.get('reprocess')!;
      expect(rejected.result).toBe('failure');
      expect(rejected.runs[0]).toMatchObject({ environment: 'prod', approved: false, error: "Deployment to environment 'prod' was rejected" });
      expect(rejected.runs[0].steps).toEqual([]);
      expect(api.batches).toEqual([]);
      expect(names(RUN).some((n) => n.startsWith('reprocessed-'))).toBe(false);

      approving = true;
      const second = await run.rerunFailedJobs();
      const reprocess = ok(second.get('reprocess'));
      expect(reprocess.runs[0]).toMatchObject({ attempt: 2, environment: 'prod', approved: true });
      expect(actionStep(reprocess.runs[0]).with['api-token']).toBe(API_TOKEN);
      expectEachAcceptedOnce(api, f.unprocessed);
      expect(ok(second.get('verify')).outputs.verified).toBe(String(f.unprocessed.length));

      // Both times the reviewers were asked, the plan had finished and its summary said what would be sent.
      expect(asked.map((a) => [a.environment, a.job, a.attempt, a.plan])).toEqual([
        ['prod', 'reprocess', 1, 'success'],
        ['prod', 'reprocess', 2, 'success'],
      ]);
      for (const a of asked) {
        expect(a.planSummary).toContain(`**${f.unprocessed.length} to submit**`);
        // ...and who holds the sending: the environment's reviewers, not "sending starts as soon as this plan ends".
        expect(a.planSummary).toContain('Next: the submit job waits in environment <code>prod</code> until a reviewer approves it');
        expect(a.planSummary).not.toContain('Sending starts');
      }
      expect(run.deployments.map((d) => [d.job, d.environment, d.attempt, d.approved])).toEqual([
        ['reprocess', 'prod', 1, false],
        ['reprocess', 'prod', 2, true],
      ]);
    }),
    120_000,
  );
});
