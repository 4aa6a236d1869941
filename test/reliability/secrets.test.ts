/**
 * The API token never appears in anything the tool produces: every CLI mode as a child process
 * (success and failure: 403, 5xx, connection refused, bad URL, an API whose error page echoes the
 * request headers), and the action (dist/index.js, and src/action/index.ts) in every mode with
 * INPUT_* env, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. Everything is grepped: stdout, stderr,
 * every file in --out / the runner temp folder, the summary and output files. The action's
 * `::add-mask::` line (core.setSecret) is the one expected occurrence, and it must be there.
 *
 * Google Cloud Storage too (every CLI mode and action mode that touches a gs:// bucket, working
 * and failing: 401, 403, a missing bucket, error pages that echo the Authorization header): the
 * bearer tokens the loopback STS issued (test/support/gcp-token-service.ts `issued`), the GitHub
 * OIDC request token of the credentials file, and the OIDC JWT itself appear nowhere either.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentReporter } from '../../src/core/progress.ts';
import { makeCrashId, rawCrashKey, seededBytes } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { startSocorroApi, type FaultPlan, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { runReprocess } from '../../src/modes/reprocess.ts';
import { socorroApi } from '../../src/ports/socorro-api.ts';
import { processedCrashKey, rawCrashPrefixes } from '../../src/core/layouts.ts';
import { githubArtifactStore } from '../../src/ports/artifacts.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { runList } from '../../src/modes/list.ts';
import { adcTokens } from '../../src/ports/gcs-auth.ts';
import { gcsStore } from '../../src/ports/gcs-store.ts';
import {
  exists,
  exportEnv,
  filesUnder,
  metric,
  refuseGcsTokens,
  restrictGcsPermissions,
  ROOT,
  spawnCli,
  spawnNode,
  startApiProxy,
  type ApiProxy,
  type ChildRun,
} from '../support/reliability.ts';
import { STORE_KINDS, startTestStore, type TestStore } from '../support/stores.ts';

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

/** Every place the token (or `pieces`) must not be; returns where it was found. */
async function leaks(texts: Record<string, string>, dirs: string[], pieces: string[] = PIECES): Promise<string[]> {
  const found: string[] = [];
  const all: Record<string, string> = { ...texts };
  for (const d of dirs) for (const f of await filesUnder(d)) all[join(d, f)] = await readFile(join(d, f), 'latin1');
  for (const [where, text] of Object.entries(all)) {
    scanned++;
    scannedBytes += text.length;
    for (const p of pieces) if (text.includes(p)) found.push(`${where}: ${JSON.stringify(text.slice(Math.max(0, text.indexOf(p) - 80), text.indexOf(p) + 80))}`);
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

// ---------------------------------------------------------------------------------------------
// Google Cloud Storage: the loopback GCS server, tokens from the loopback STS through a Workload
// Identity credentials file (test/support/stores.ts), as google-github-actions/auth leaves a job.

const GBUCKET = `rel-secrets-gcs-${process.pid}-${Date.now().toString(36)}`;
/** The header of every OIDC JWT the loopback GitHub endpoint mints: the JWT's first segment. */
const OIDC_JWT_HEADER = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: 'loopback', kid: 'loopback' })).toString('base64url');

let gcsFixture: Promise<TestStore> | undefined;
/** One GCS store for the file, started on first use (only when STORE_KINDS has gcs). */
function gcsStoreFixture(): Promise<TestStore> {
  return (gcsFixture ??= (async () => {
    const g = await startTestStore('gcs');
    await g.createBucket(GBUCKET);
    await g.put(GBUCKET, [...ids.map((id) => rawCrashKey('v1', id)), ...ids.slice(0, 40).map(processedCrashKey)]);
    return g;
  })());
}
afterAll(async () => {
  if (gcsFixture) await (await gcsFixture).close();
});

/**
 * What must never be printed: every access token issued so far (whole, without its ya29 prefix,
 * base64), the OIDC request token, any OIDC JWT; and the API token (check --search has both).
 */
function gcsSecrets(g: TestStore): string[] {
  const out = [...PIECES, g.tokens!.githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN, Buffer.from(g.tokens!.githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN).toString('base64'), OIDC_JWT_HEADER];
  for (const t of g.tokens!.issued) out.push(t.token, t.token.replace(/^ya29\.[a-z]\./, ''), Buffer.from(t.token).toString('base64'));
  return out;
}

/** The env a workflow step has after google-github-actions/auth: the credentials file, and the OIDC request variables. */
const gcsJobEnv = (g: TestStore) => ({ ...g.env, ...g.tokens!.githubEnv });

interface EchoFront {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/**
 * A stand-in for GCS that answers every request with `status` and a GCS-shaped JSON error whose
 * message quotes the request's Authorization header, as a debugging proxy or a misconfigured
 * gateway in front of storage.googleapis.com might (HEADs get the status, no body).
 */
async function startEchoFront(status: 401 | 403 | 500): Promise<EchoFront> {
  const reason = status === 401 ? 'authError' : status === 403 ? 'forbidden' : 'backendError';
  const front: EchoFront = { url: '', requests: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    front.requests++;
    req.resume();
    const message = `${status === 401 ? 'Invalid Credentials' : status === 403 ? 'Forbidden' : 'Backend Error'} (gateway saw authorization: ${req.headers.authorization ?? '(none)'})`;
    const body = JSON.stringify({ error: { code: status, message, errors: [{ message, domain: 'global', reason }] } });
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(body), ...(status === 401 ? { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  fronts.push(front);
  return front;
}
const fronts: EchoFront[] = [];
afterAll(async () => {
  for (const f of fronts) await f.close();
});

/** Every GCS run and what its scan found, recorded before asserting (the figures, however it ended). */
const gcsRuns: Array<{ name: string; leaks: number; tokensIssued: number }> = [];
afterAll(() => {
  if (gcsRuns.length) metric('secrets-gcs', { runs: gcsRuns.length, leaks: gcsRuns.reduce((a, r) => a + r.leaks, 0), leaking: gcsRuns.filter((r) => r.leaks).map((r) => r.name), tokensIssued: gcsRuns.reduce((a, r) => a + r.tokensIssued, 0) });
});

if (STORE_KINDS.includes('gcs')) {
  describe('CLI on a gs:// bucket: no GCS token, OIDC request token or OIDC JWT in stdout, stderr or --out', () => {
    let g: TestStore;
    let idsFile = '';
    let processedFile = '';
    beforeAll(async () => {
      g = await gcsStoreFixture();
      processedFile = join(work, 'gcs-cli-processed.txt');
      await writeFile(processedFile, ids.slice(0, 40).join('\n') + '\n');
      // The marker really is how the OIDC JWTs begin (else the scan for them would be vacuous).
      expect(g.tokens!.mintOidcToken().startsWith(`${OIDC_JWT_HEADER}.`)).toBe(true);
      idsFile = join(work, 'gcs-cli-ids.txt');
      await writeFile(idsFile, ids.join('\n') + '\n');
    }, 120_000);

    type Scenario = { name: string; code: number; argv: (out: string) => Promise<string[]> | string[]; env?: Record<string, string>; setup?: () => () => void; says?: RegExp };
    const args = (bucket = GBUCKET, endpoint?: string) => g.args(bucket, endpoint);
    const scenarios: Scenario[] = [
      { name: 'list', code: 0, argv: (out) => ['list', '--dates', DAY, ...args(), '--out', out] },
      { name: 'check', code: 0, argv: (out) => ['check', idsFile, ...args(), '--out', out] },
      // Its dates are older than search's 26 weeks: storage decides, after the API was configured with the token.
      { name: 'check --search', code: 0, argv: (out) => ['check', idsFile, ...args(), '--search', '--api-url', api.url, '--out', out], env: { SOCORRO_API_TOKEN: TOKEN } },
      { name: 'verify (all processed)', code: 0, argv: (out) => ['verify', processedFile, ...args(), '--out', out] },
      { name: 'verify (some not processed)', code: 1, argv: (out) => ['verify', idsFile, ...args(), '--out', out], says: /not processed/ },
      { name: 'check, 403 (no storage.objects.get)', code: 1, argv: (out) => ['check', idsFile, ...args(), '--out', out], setup: () => restrictGcsPermissions(g, ['storage.objects.list']), says: /403 Forbidden/ },
      { name: 'list, 403 (no storage.objects.list)', code: 1, argv: (out) => ['list', '--dates', DAY, ...args(), '--out', out], setup: () => restrictGcsPermissions(g, ['storage.objects.get']), says: /403 Forbidden/ },
      { name: 'check, 401 that persists', code: 1, argv: (out) => ['check', idsFile, ...args(), '--out', out], setup: () => refuseGcsTokens(g), says: /invalid or expired/ },
      { name: 'list, 401 that persists', code: 1, argv: (out) => ['list', '--dates', DAY, ...args(), '--out', out], setup: () => refuseGcsTokens(g), says: /invalid or expired/ },
      { name: 'check, a bucket that does not exist', code: 1, argv: (out) => ['check', idsFile, ...args(`${GBUCKET}-typo`), '--out', out], says: /no such bucket/ },
      { name: 'check, 401 page echoing the Authorization header', code: 1, argv: async (out) => ['check', idsFile, ...args(GBUCKET, (await startEchoFront(401)).url), '--out', out], says: /invalid or expired/ },
      { name: 'check, 403 page echoing the Authorization header', code: 1, argv: async (out) => ['check', idsFile, ...args(GBUCKET, (await startEchoFront(403)).url), '--out', out], says: /403 Forbidden/ },
      { name: 'list, 403 page echoing the Authorization header', code: 1, argv: async (out) => ['list', '--dates', DAY, ...args(GBUCKET, (await startEchoFront(403)).url), '--out', out], says: /403 Forbidden/ },
      { name: 'verify, 401 page echoing the Authorization header', code: 1, argv: async (out) => ['verify', processedFile, ...args(GBUCKET, (await startEchoFront(401)).url), '--out', out], says: /invalid or expired/ },
    ];

    it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_n, s) => {
      const out = await freshOut('gcs-cli');
      const undo = s.setup?.();
      const issuedBefore = g.tokens!.issued.length;
      try {
        const r = await spawnCli(await s.argv(out), { ...gcsJobEnv(g), ...s.env }, 120_000).done;
        expect(r.code, r.stderr).toBe(s.code);
        if (s.says) expect(r.stderr).toMatch(s.says);
        const found = await leaks({ stdout: r.stdout, stderr: r.stderr }, [out], gcsSecrets(g));
        gcsRuns.push({ name: `cli ${s.name}`, leaks: found.length, tokensIssued: g.tokens!.issued.length - issuedBefore });
        // A token was obtained and sent (the scan has something to find).
        expect(g.tokens!.issued.length).toBeGreaterThan(issuedBefore);
        expect(found).toEqual([]);
      } finally {
        undo?.();
      }
    }, 120_000);

    it('list in-process against 500s echoing the Authorization header (small backoffs): the failure names no token', async () => {
      const out = await freshOut('gcs-net');
      const front = await startEchoFront(500);
      const restore = exportEnv(g.env);
      const issuedBefore = g.tokens!.issued.length;
      const log: string[] = [];
      const reporter = { ...silentReporter, info: (m: string) => log.push(m), warn: (m: string) => log.push(m) };
      try {
        const store = gcsStore({ bucket: GBUCKET, endpoint: front.url, tokens: adcTokens({ anonymousIfNoFile: false }) });
        const err = await runList({ dates: [DAY], layout: 'v1', chunkSize: 100, out, concurrency: 1, policy: { attempts: 3, baseMs: 1, capMs: 5 } }, { store, reporter }).then(
          () => undefined,
          (e: unknown) => e,
        );
        await store.close();
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toMatch(/^GCS did not answer a listing of v1\/raw_crash\/20160915\/ usably \(HTTP 500\)/);
        expect(front.requests).toBe(3);
        // A token was minted and sent (the front echoed it), so there was one to leak.
        const issued = g.tokens!.issued.length - issuedBefore;
        expect(issued).toBeGreaterThan(0);
        const found = await leaks({ failure: (err as Error).message, log: log.join('\n') }, [out], gcsSecrets(g));
        gcsRuns.push({ name: 'in-process list, 500s echoing', leaks: found.length, tokensIssued: issued });
        expect(found).toEqual([]);
      } finally {
        restore();
      }
    });
  });
}

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

  if (STORE_KINDS.includes('gcs')) {
    describe('on a gs:// bucket (Workload Identity credentials file, OIDC request variables in the env)', () => {
      let g: TestStore;
      beforeAll(async () => {
        g = await gcsStoreFixture();
      }, 120_000);
      const gcsIn = () => ({ bucket: `gs://${GBUCKET}`, endpoint: g.endpoint });

      /** Leaks of any GCS secret; the action masks none (it never has one to print). */
      async function gcsActionLeaks(r: ActionRun): Promise<string[]> {
        return leaks({ stdout: r.stdout, stderr: r.stderr }, [r.temp], gcsSecrets(g));
      }

      it('list → check from dist/index.js: no GCS token, OIDC request token or OIDC JWT anywhere', async () => {
        const runId = 'secrets-gcs1';
        const issuedBefore = g.tokens!.issued.length;
        const list = await action(DIST, runId, 'list', { mode: 'list', dates: DAY, ...gcsIn(), 'chunk-size': '100' }, gcsJobEnv(g));
        expect(list.code, list.stdout + list.stderr).toBe(0);
        expect(list.outputs).toContain('chunks');
        const check = await action(DIST, runId, 'check0', { mode: 'check', chunk: '0', ...gcsIn() }, gcsJobEnv(g));
        expect(check.code, check.stdout + check.stderr).toBe(0);
        expect(check.outputs).toMatch(/havenots/);
        // Each job obtained its own token through the credentials file.
        expect(g.tokens!.issued.length - issuedBefore).toBeGreaterThanOrEqual(2);
        for (const [name, r] of [['gcs list', list], ['gcs check', check]] as const) {
          const found = await gcsActionLeaks(r);
          gcsRuns.push({ name: `action ${name}`, leaks: found.length, tokensIssued: 1 });
          expect(found, name).toEqual([]);
          results.push({ name, masked: false, leaks: found.length });
        }
      }, 240_000);

      const failingChecks: Array<{ name: string; endpoint?: () => Promise<string>; setup?: () => () => void; says: RegExp }> = [
        { name: '401 that persists', setup: () => refuseGcsTokens(g), says: /invalid or expired/ },
        { name: '403 (no storage.objects.get)', setup: () => restrictGcsPermissions(g, ['storage.objects.list']), says: /403 Forbidden/ },
        { name: '401 page echoing the Authorization header', endpoint: async () => (await startEchoFront(401)).url, says: /invalid or expired/ },
        { name: '403 page echoing the Authorization header', endpoint: async () => (await startEchoFront(403)).url, says: /403 Forbidden/ },
      ];

      // One run per entry point, whose list job (healthy GCS, the same entry point) cuts the ids
      // into chunks of 10; each failing check job takes a chunk of its own, as the matrix does.
      const listed = new Map<string, Promise<void>>();
      it.each(failingChecks.flatMap((f, k) => [['dist/index.js', f, k] as const, ['src/action/index.ts', f, k] as const]).map(([e, f, k]) => [f.name, e, f, k] as const))(
        'check failing on GCS: %s (%s): fails, no leak',
        async (_n, entry, f, k) => {
          const script = entry === 'dist/index.js' ? DIST : SRC;
          const runId = `secrets-gcs2-${entry === 'dist/index.js' ? 'dist' : 'src'}`;
          if (!listed.has(runId)) {
            listed.set(runId, action(script, runId, 'list', { mode: 'list', dates: DAY, ...gcsIn(), 'chunk-size': '10' }, gcsJobEnv(g)).then((r) => expect(r.code, r.stdout + r.stderr).toBe(0)));
          }
          await listed.get(runId);
          const undo = f.setup?.();
          const issuedBefore = g.tokens!.issued.length;
          try {
            const inputs = { mode: 'check', chunk: String(k), ...gcsIn(), ...(f.endpoint ? { endpoint: await f.endpoint() } : {}) };
            const r = await action(script, runId, `gcsfail${++jobCount}`, inputs, gcsJobEnv(g));
            const found = await gcsActionLeaks(r);
            gcsRuns.push({ name: `action check, ${f.name} (${entry})`, leaks: found.length, tokensIssued: g.tokens!.issued.length - issuedBefore });
            expect(r.code, r.stdout + r.stderr).toBe(1);
            expect(r.stdout).toMatch(/^::error::/m);
            expect(r.stdout).toMatch(f.says);
            expect(g.tokens!.issued.length).toBeGreaterThan(issuedBefore);
            expect(found).toEqual([]);
            results.push({ name: `gcs check: ${f.name} (${entry})`, masked: false, leaks: found.length });
          } finally {
            undo?.();
          }
        },
        120_000,
      );
    });
  }
});

let seeded2: Promise<void> | undefined;
let jobCount = 0;
