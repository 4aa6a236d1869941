/**
 * The API token never appears in anything the tool produces: every CLI mode as a child process
 * (success and failure: 403, 5xx, connection refused, bad URL, an API whose error page echoes the
 * request headers), and the action (dist/index.js, and src/action/index.ts) in every mode with
 * INPUT_* env, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. Everything is grepped: stdout, stderr,
 * every file in --out / the runner temp folder, the summary and output files. The action's
 * `::add-mask::` line (core.setSecret) is the one expected occurrence, and it must be there.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { startSocorroApi, type FaultPlan, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { runReprocess } from '../../src/modes/reprocess.ts';
import { socorroApi } from '../../src/ports/socorro-api.ts';
import { processedCrashKey, rawCrashPrefixes } from '../../src/core/layouts.ts';
import { githubArtifactStore } from '../../src/ports/artifacts.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { exists, filesUnder, metric, ROOT, spawnCli, spawnNode, startApiProxy, type ApiProxy, type ChildRun } from '../support/reliability.ts';

/** Recognisable, and with pieces that would show up if it were cut or re-encoded. */
const TOKEN = 'srtok-7f3a9c1e5b2d-LEAKCHECK-40e8a1';
const PIECES = [TOKEN, '7f3a9c1e5b2d', 'LEAKCHECK-40e8a1', encodeURIComponent(TOKEN), Buffer.from(TOKEN).toString('base64')];
const DAY = '20160915';
const BUCKET = `rel-secrets-${process.pid}-${Date.now().toString(36)}`;

let work: string;
let s3: S3Endpoint;
let api: SocorroApi;
let apiNoPerm: SocorroApi;
let forbidProxy: FaultProxy;
let s3Proxy: FaultProxy;
const apiProxies: ApiProxy[] = [];
const ids: string[] = [];

let scanned = 0;
let scannedBytes = 0;

/** Every place the token must not be; returns where it was found. */
async function leaks(texts: Record<string, string>, dirs: string[]): Promise<string[]> {
  const found: string[] = [];
  const all: Record<string, string> = { ...texts };
  for (const d of dirs) for (const f of await filesUnder(d)) all[join(d, f)] = await readFile(join(d, f), 'latin1');
  for (const [where, text] of Object.entries(all)) {
    scanned++;
    scannedBytes += text.length;
    for (const p of PIECES) if (text.includes(p)) found.push(`${where}: ${JSON.stringify(text.slice(Math.max(0, text.indexOf(p) - 80), text.indexOf(p) + 80))}`);
  }
  return found;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rel-secrets-'));
  s3 = await startTestS3();
  await createBucket(s3.client, BUCKET);
  const rand = seededBytes(123);
  while (ids.length < 60) ids.push(makeCrashId(DAY, rand));
  ids.sort();
  await putObjects(s3.client, BUCKET, [...ids.map((id) => rawCrashPrefixes('v1', DAY)[0] + id), ...ids.slice(0, 40).map(processedCrashKey)]);
  s3Proxy = await startFaultProxy(s3.endpoint, {});
  forbidProxy = await startFaultProxy(s3.endpoint, { forbidHead: true });
  api = await startSocorroApi({ token: TOKEN });
  apiNoPerm = await startSocorroApi({ token: TOKEN, permission: false });
}, 120_000);

afterAll(async () => {
  for (const p of apiProxies) await p.close();
  await forbidProxy?.close();
  await s3Proxy?.close();
  await api?.close();
  await apiNoPerm?.close();
  await s3?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function apiProxy(opts: Parameters<typeof startApiProxy>[1]): Promise<ApiProxy> {
  const p = await startApiProxy(api.url, opts);
  apiProxies.push(p);
  return p;
}

let outCount = 0;
async function freshOut(label: string): Promise<string> {
  const d = join(work, `${label}-${++outCount}`);
  await mkdir(d, { recursive: true });
  return d;
}

describe('CLI: the token is nowhere in stdout, stderr or --out', () => {
  let havenots = '';
  const base = () => ({ ...s3.env, SOCORRO_API_TOKEN: TOKEN });
  const s3Args = (endpoint: string, out: string) => ['--bucket', BUCKET, '--endpoint', endpoint, '--path-style', '--out', out];

  beforeAll(async () => {
    havenots = join(work, 'cli-havenots.txt');
    await writeFile(havenots, ids.slice(40).join('\n') + '\n');
  });

  type Scenario = { name: string; code: number; argv: (out: string) => Promise<string[]> | string[]; env?: () => Record<string, string> };
  const scenarios: Scenario[] = [
    { name: 'list', code: 0, argv: (out) => ['list', '--dates', DAY, ...s3Args(s3Proxy.url, out)] },
    { name: 'check', code: 0, argv: (out) => ['check', havenots, ...s3Args(s3Proxy.url, out)] },
    { name: 'check, HEAD 403', code: 1, argv: (out) => ['check', havenots, ...s3Args(forbidProxy.url, out)] },
    { name: 'reprocess', code: 0, argv: (out) => ['reprocess', havenots, '--api-url', api.url, '--sleep', '0', '--out', out] },
    { name: 'reprocess --dry-run', code: 0, argv: (out) => ['reprocess', havenots, '--api-url', api.url, '--dry-run', '--out', out] },
    { name: 'reprocess, token from CRASHSTATS_API_TOKEN', code: 0, argv: (out) => ['reprocess', havenots, '--api-url', api.url, '--sleep', '0', '--out', out], env: () => ({ CRASHSTATS_API_TOKEN: TOKEN }) },
    { name: 'reprocess, 403 (no permission)', code: 1, argv: (out) => ['reprocess', havenots, '--api-url', apiNoPerm.url, '--sleep', '0', '--out', out] },
    {
      name: 'reprocess, 403 wrong token (the API has another)',
      code: 1,
      argv: async (out) => ['reprocess', havenots, '--api-url', (await startSocorroApiTracked('another-token')).url, '--sleep', '0', '--out', out],
    },
    { name: 'reprocess, 403 page echoing the request headers', code: 1, argv: async (out) => ['reprocess', havenots, '--api-url', (await apiProxy({ alwaysStatus: 403, echoHeaders: true })).url, '--sleep', '0', '--out', out] },
    { name: 'reprocess, 500s echoing the request headers', code: 1, argv: async (out) => ['reprocess', havenots, '--api-url', (await apiProxy({ alwaysStatus: 500, echoHeaders: true })).url, '--sleep', '0', '--out', out] },
    { name: 'reprocess, 400 page echoing the request headers', code: 1, argv: async (out) => ['reprocess', havenots, '--api-url', (await apiProxy({ alwaysStatus: 400, echoHeaders: true })).url, '--sleep', '0', '--out', out] },
    { name: 'reprocess, http URL that is not loopback', code: 2, argv: (out) => ['reprocess', havenots, '--api-url', 'http://crash-stats.invalid', '--out', out] },
    { name: 'reprocess, bad URL', code: 2, argv: (out) => ['reprocess', havenots, '--api-url', 'https://', '--out', out] },
    { name: 'reprocess --help', code: 0, argv: () => ['reprocess', '--help'] },
  ];

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_n, s) => {
    const out = await freshOut('cli');
    const r = await spawnCli(await s.argv(out), { ...base(), ...(s.env ? s.env() : {}) }, 120_000).done;
    expect(r.code, r.stderr).toBe(s.code);
    expect(await leaks({ stdout: r.stdout, stderr: r.stderr }, [out])).toEqual([]);
  }, 120_000);
});

describe('network failures (in-process, small backoffs): the token is not in the failure or any log line', () => {
  it.each(['connection refused', 'every connection reset'] as const)('%s', async (what) => {
    const out = await freshOut('net');
    const file = join(out, 'havenots.txt');
    await writeFile(file, ids.slice(40).join('\n') + '\n');
    const broken = what === 'connection refused' ? undefined : await startSocorroApiTracked(TOKEN, { rate: 1, seed: 1, kinds: ['reset'] });
    const log: string[] = [];
    const reporter = { info: (m: string) => log.push(m), warn: (m: string) => log.push(m), start: () => ({ update() {}, stop() {} }) };
    const r = await runReprocess(
      { files: [file], out, sleepSeconds: 0 },
      { api: (onRetry) => socorroApi({ apiUrl: broken?.url ?? 'http://127.0.0.1:1', token: TOKEN, policy: { attempts: 9, baseMs: 1, capMs: 5 }, onRetry }), reporter, spell: (n) => n },
    );
    expect(r.failure).toMatch(/no answer/);
    expect(r.submitted).toBe(0);
    expect(log.some((l) => l.startsWith('API: ') && l.includes('retry'))).toBe(true); // retry lines reached the log
    expect(await leaks({ failure: r.failure ?? '', log: log.join('\n') }, [out])).toEqual([]);
  });
});

const extraApis: SocorroApi[] = [];
async function startSocorroApiTracked(token: string, faults?: FaultPlan): Promise<SocorroApi> {
  const a = await startSocorroApi({ token, faults });
  extraApis.push(a);
  return a;
}
afterAll(async () => {
  for (const a of extraApis) await a.close();
});

describe('the action: the token is nowhere but in its ::add-mask:: line', () => {
  let backend: ArtifactBackend;
  // RELIABILITY_ACTION_DIST: a fresh bundle to check instead of the committed one.
  const DIST = process.env.RELIABILITY_ACTION_DIST ?? join(ROOT, 'dist/index.js');
  const SRC = join(ROOT, 'src/action/index.ts');

  beforeAll(async () => {
    backend = await startArtifactBackend();
  }, 120_000);
  afterAll(async () => {
    await backend?.close();
  });

  interface ActionRun extends ChildRun {
    outputs: string;
    summary: string;
    temp: string;
  }

  async function action(entry: string, runId: string, jobId: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
    const temp = await freshOut(`action-${jobId}`);
    const outputs = join(temp, 'github_output');
    const summary = join(temp, 'step_summary');
    await writeFile(outputs, '');
    await writeFile(summary, '');
    const inputEnv = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]));
    const r = await spawnNode(
      [entry],
      {
        ...backend.envFor(runId, jobId),
        ...s3.env,
        GITHUB_OUTPUT: outputs,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_RUN_ATTEMPT: '1',
        RUNNER_TEMP: join(temp, 'runner-temp'),
        ...inputEnv,
        ...env,
      },
      120_000,
    ).done;
    return { ...r, outputs: await readFile(outputs, 'utf8'), summary: await readFile(summary, 'utf8'), temp };
  }

  /** Leaks, ignoring the one line `::add-mask::TOKEN`; and whether that line was printed. */
  async function actionLeaks(r: ActionRun): Promise<{ found: string[]; masked: boolean }> {
    const maskLine = `::add-mask::${TOKEN}`;
    const lines = r.stdout.split('\n');
    const masked = lines.some((l) => l.trim() === maskLine);
    const stdout = lines.filter((l) => l.trim() !== maskLine).join('\n');
    return { found: await leaks({ stdout, stderr: r.stderr }, [r.temp]), masked };
  }

  /** chunk-0 and result-0 for a run, as the list and check jobs would leave them. */
  async function seedRun(runId: string) {
    const dir = await freshOut(`seed-${runId}`);
    await mkdir(join(dir, 'chunks'));
    await writeFile(join(dir, 'chunks', 'uuids-0-60.txt'), ids.join('\n') + '\n');
    await writeFile(join(dir, 'haves.txt'), ids.slice(0, 40).join('\n') + '\n');
    await writeFile(join(dir, 'havenots.txt'), ids.slice(40).join('\n') + '\n');
    const env = backend.envFor(runId, 'seed');
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true);
    try {
      const store = githubArtifactStore();
      await store.upload('chunk-0', [join(dir, 'chunks', 'uuids-0-60.txt')], dir);
      await store.upload('result-0', [join(dir, 'haves.txt'), join(dir, 'havenots.txt')], dir);
    } finally {
      process.stdout.write = write;
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  const results: Array<{ name: string; masked: boolean; leaks: number }> = [];
  // The figures for the note: whatever ran, however it ended (a report, not an assertion).
  afterAll(() => {
    metric('secrets', { runs: results.length, leaks: results.reduce((a, r) => a + r.leaks, 0), scannedTexts: scanned, scannedBytes });
  });

  it('dist/ is present (the action runs from it)', async () => {
    expect(await exists(DIST)).toBe(true);
  });

  it('list → check → reprocess (dry run, then for real) from dist/index.js: no leak, the token masked in reprocess', async () => {
    const runId = 'secrets1';
    const s3In = { bucket: BUCKET, endpoint: s3Proxy.url, 'path-style': 'true' };
    const list = await action(DIST, runId, 'list', { mode: 'list', dates: DAY, ...s3In, 'chunk-size': '100' }, { SOCORRO_API_TOKEN: TOKEN });
    expect(list.code, list.stdout + list.stderr).toBe(0);
    expect(list.outputs).toContain('chunks');
    const check = await action(DIST, runId, 'check0', { mode: 'check', chunk: '0', ...s3In }, { SOCORRO_API_TOKEN: TOKEN });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const dry = await action(DIST, runId, 'dry', { mode: 'reprocess', 'api-url': api.url, 'api-token': TOKEN, 'dry-run': 'true' });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    const before = api.accepted.length;
    const real = await action(DIST, runId, 'reprocess', { mode: 'reprocess', 'api-url': api.url, 'api-token': TOKEN, sleep: '0' });
    expect(real.code, real.stdout + real.stderr).toBe(0);
    expect(api.accepted.length - before).toBe(20);
    for (const [name, r, mustMask] of [['list', list, false], ['check', check, false], ['reprocess dry run', dry, true], ['reprocess', real, true]] as const) {
      const { found, masked } = await actionLeaks(r);
      expect(found, name).toEqual([]);
      if (mustMask) expect(masked, `${name}: ::add-mask:: printed`).toBe(true);
      results.push({ name, masked, leaks: found.length });
    }
  }, 240_000);

  const failing: Array<{ name: string; inputs: () => Promise<Record<string, string>>; env?: Record<string, string> }> = [
    { name: '403 (no permission)', inputs: async () => ({ 'api-url': apiNoPerm.url, 'api-token': TOKEN }) },
    { name: '403 page echoing the headers', inputs: async () => ({ 'api-url': (await apiProxy({ alwaysStatus: 403, echoHeaders: true })).url, 'api-token': TOKEN }) },
    { name: '500s echoing the headers', inputs: async () => ({ 'api-url': (await apiProxy({ alwaysStatus: 500, echoHeaders: true })).url, 'api-token': TOKEN }) },
    { name: 'http URL that is not loopback', inputs: async () => ({ 'api-url': 'http://crash-stats.invalid', 'api-token': TOKEN }) },
    { name: 'token only in SOCORRO_API_TOKEN, 403 page echoing the headers', inputs: async () => ({ 'api-url': (await apiProxy({ alwaysStatus: 403, echoHeaders: true })).url }), env: { SOCORRO_API_TOKEN: TOKEN } },
  ];

  it.each(failing.flatMap((f) => [['dist/index.js', f] as const, ['src/action/index.ts', f] as const]).map(([e, f]) => [f.name, e, f] as const))(
    'reprocess failing: %s (%s): fails, no leak, masked',
    async (_n, entry, f) => {
      const runId = 'secrets2';
      if (!seeded2) seeded2 = seedRun(runId);
      await seeded2;
      const r = await action(entry === 'dist/index.js' ? DIST : SRC, runId, `fail${++jobCount}`, { mode: 'reprocess', sleep: '0', ...(await f.inputs()) }, f.env);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/^::error::/m);
      const { found, masked } = await actionLeaks(r);
      expect(found).toEqual([]);
      expect(masked).toBe(true);
      results.push({ name: `${f.name} (${entry})`, masked, leaks: found.length });
    },
    120_000,
  );

});

let seeded2: Promise<void> | undefined;
let jobCount = 0;
