/**
 * list and check against real protocol servers, with faults injected, on both stores: S3
 * (s3rver, or RGW with S3_TEST_ENDPOINT) through the fault proxy, and Google Cloud Storage (the
 * loopback GCS server, bearer tokens from the loopback STS through a Workload Identity
 * credentials file) with the server's own seeded faults, rate limit and IAM. Injected
 * throttling, 5xx, resets and delays must never lose an id or turn an error into "not
 * processed"; a 403 stops at once and writes nothing for the ids that got it; a missing bucket
 * writes nothing; on GCS a 401 that persists stops the run, naming the credentials.
 *
 * The modes are driven with the real store ports and small backoffs; the CLI (in-process main,
 * its own defaults) covers the exit code and message of the same situations. TEST_STORES
 * (test/support/stores.ts) narrows the file to one store: the RGW leg of .ci/run runs S3 only.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { makeCrashId, rawCrashKey, seededBytes } from '../../src/demo/crashes.ts';
import type { GcsFaultKind, GcsFaultPlan } from '../../src/demo/gcs-server.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { silentReporter } from '../../src/core/progress.ts';
import { runCheck, type CheckResult } from '../../src/modes/check.ts';
import { runList } from '../../src/modes/list.ts';
import { adcTokens } from '../../src/ports/gcs-auth.ts';
import { gcsStore } from '../../src/ports/gcs-store.ts';
import { s3Store } from '../../src/ports/s3-store.ts';
import type { ObjectStore } from '../../src/ports/store.ts';
import { startFaultProxy, type FaultProxy, type ProxyFaults } from '../support/fault-proxy.ts';
import {
  GCS_FAULT_STATUS,
  exportEnv,
  filesUnder,
  metric,
  refuseGcsTokens,
  replayGcsFaults,
  restrictGcsPermissions,
  sortedIds,
  strictIds,
  waitFor,
} from '../support/reliability.ts';
import { STORE_KINDS, startTestStore, type StoreKind, type TestStore } from '../support/stores.ts';

const BUCKET = `rel-faults-${process.pid}-${Date.now().toString(36)}`;
const DAY = '20160915';
const P = `v1/raw_crash/${DAY}/`;
const N = 1500;

let work: string;

// The seeded truth, the same on both stores.
const ids: string[] = [];
const processed = new Set<string>();
const unprocessed = new Set<string>();
const junk = [P + 'README', P + 'a', P + 'nested/x', P + 'zzz'];
/** A processed crash with no raw crash, and a raw crash of the next day: neither is listed. */
const strays: string[] = [];
{
  const rand = seededBytes(4242);
  const seen = new Set<string>();
  // 1100 ids under the hex digit 'a', so that slice pages past 1000 keys (faults between pages).
  while (ids.length < N) {
    let id = makeCrashId(DAY, rand);
    if (ids.length < 1100) id = 'a' + id.slice(1);
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
    if (rand()[0] < 77) unprocessed.add(id); // ~30%
    else processed.add(id);
  }
  strays.push(processedCrashKey(makeCrashId(DAY, rand)), rawCrashKey('v1', makeCrashId('20160916', rand)));
}
const objectKeys = () => [...ids.map((id) => rawCrashKey('v1', id)), ...[...processed].map(processedCrashKey), ...junk, ...strays];

const sortedAll = () => [...ids].sort();
const sortedProcessed = () => [...processed].sort();
const sortedUnprocessed = () => [...unprocessed].sort();

let dirCount = 0;
async function freshDir(label: string): Promise<string> {
  const d = join(work, `${label}-${++dirCount}`);
  await mkdir(d, { recursive: true });
  return d;
}

/** The check inputs: the ids as list writes them, in one file. */
let idsFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rel-faults-'));
  idsFile = join(work, 'ids.txt');
  await writeFile(idsFile, sortedAll().join('\n') + '\n');
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Asserts the check outputs in `out` are exactly the truth for `input`. */
async function expectExact(out: string, input: string[] = ids) {
  const want = new Set(input);
  expect(await sortedIds(join(out, 'haves.txt'))).toEqual(sortedProcessed().filter((id) => want.has(id)));
  expect(await sortedIds(join(out, 'havenots.txt'))).toEqual(sortedUnprocessed().filter((id) => want.has(id)));
}

/** The ids split among `n` check jobs, each with its id file and its own output folder. */
async function jobFiles(n: number): Promise<Array<{ ids: string[]; file: string; out: string }>> {
  const all = sortedAll();
  const per = Math.ceil(all.length / n);
  const jobs = [];
  for (let k = 0; k < n; k++) {
    const jobIds = all.slice(k * per, (k + 1) * per);
    const out = await freshDir(`job-${n}-${k}`);
    const file = join(out, 'ids.txt');
    await writeFile(file, jobIds.join('\n') + '\n');
    jobs.push({ ids: jobIds, file, out });
  }
  return jobs;
}

/**
 * What check wrote is right as far as it goes: every id in haves.txt is processed, every id in
 * havenots.txt is not, no id in both. Returns the figures.
 */
async function classifiedSoFar(out: string) {
  const haves = await sortedIds(join(out, 'haves.txt'));
  const havenots = await sortedIds(join(out, 'havenots.txt'));
  const wrongHaves = haves.filter((id) => !processed.has(id));
  const wrongHavenots = havenots.filter((id) => !unprocessed.has(id));
  const both = haves.filter((id) => havenots.includes(id));
  return { haves, havenots, misclassified: wrongHaves.length + wrongHavenots.length, both: both.length };
}

/** The CLI in this process; `env` is all the environment it is given. */
async function runMain(argv: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const stream = { isTTY: false, write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WriteStream;
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: stream, env });
  return { code, stdout, stderr };
}

// ---------------------------------------------------------------------------------------------
// S3: s3rver or RGW behind the fault proxy

function s3Suite() {
  let s3: S3Endpoint;
  /** A fault-free proxy: every client goes through a proxy, so s3rver only sees proxy sockets. */
  let clean: FaultProxy;
  const proxies: FaultProxy[] = [];

  function store(endpoint: string, maxSockets = 32) {
    return s3Store({
      bucket: BUCKET,
      endpoint,
      pathStyle: true,
      region: 'us-west-2',
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      maxSockets,
    });
  }

  async function proxy(faults: ProxyFaults): Promise<FaultProxy> {
    const p = await startFaultProxy(s3.endpoint, faults);
    proxies.push(p);
    return p;
  }

  function injected(p: FaultProxy): number {
    return Object.values(p.stats.injected).reduce((a, b) => a + b, 0);
  }

  const cli = (argv: string[], env: Record<string, string> = {}) => runMain(argv, { ...s3.env, ...env });

  beforeAll(async () => {
    s3 = await startTestS3();
    await createBucket(s3.client, BUCKET);
    await putObjects(s3.client, BUCKET, objectKeys());
    clean = await proxy({});
  });

  afterAll(async () => {
    for (const p of proxies) await p.close();
    await s3?.close();
  });

  describe('clean run (the reference)', () => {
    it('list and check through a fault-free proxy give exactly the seeded truth', async () => {
      const out = await freshDir('clean');
      const l = await runList({ dates: [DAY], layout: 'v1', chunkSize: 500, out }, { store: store(clean.url), reporter: silentReporter });
      expect(l.total).toBe(N);
      expect(l.junk).toBe(junk.length);
      expect(await strictIds(join(out, 'uuids.txt'))).toEqual(sortedAll());
      const c = await runCheck({ files: [join(out, 'uuids.txt')], out, concurrency: 32, policy: { attempts: 10, baseMs: 5, capMs: 10_000 } }, { store: store(clean.url), reporter: silentReporter });
      expect(c.failure).toBeUndefined();
      expect(c.errors).toBe(0);
      await expectExact(out);
    });
  });

  describe('10% faults (slowdown, 500, reset, delay) on list and check', () => {
    it.each([1, 2, 3])('seed %i: outputs identical to a clean run; nothing lost, misclassified or duplicated', async (seed) => {
      const out = await freshDir(`faults10-${seed}`);
      const p = await proxy({ rate: 0.1, kinds: ['slowdown', '500', 'reset', 'delay'], delayMs: 40, seed });
      const l = await runList({ dates: [DAY], layout: 'v1', chunkSize: 500, out }, { store: store(p.url), reporter: silentReporter });
      const listFaults = { ...p.stats.injected };
      const listRequests = p.stats.requests;
      const uuids = await strictIds(join(out, 'uuids.txt'));
      expect(uuids).toEqual(sortedAll());
      expect(l.total).toBe(N);
      for (const f of ['uuids-0-500.txt', 'uuids-500-1000.txt', 'uuids-1000-1500.txt']) {
        expect(await strictIds(join(out, 'chunks', f))).toEqual(uuids.slice(Number(f.split('-')[1]), Number(f.split('-')[2].slice(0, -4))));
      }

      const before = p.stats.requests;
      const c = await runCheck(
        { files: [join(out, 'uuids.txt')], out, concurrency: 32, policy: { attempts: 10, baseMs: 5, capMs: 10_000 } },
        { store: store(p.url), reporter: silentReporter },
      );
      expect(c.failure).toBeUndefined();
      expect(c.errors).toBe(0);
      expect(c.haves + c.havenots).toBe(N);
      await expectExact(out);
      const s = await classifiedSoFar(out);
      expect(injected(p)).toBeGreaterThan(0);
      metric('s3-faults-10pct', {
        seed,
        listRequests,
        listFaults,
        checkRequests: p.stats.requests - before,
        totalFaults: p.stats.injected,
        idsListed: uuids.length,
        idsChecked: c.haves + c.havenots,
        lost: N - (s.haves.length + s.havenots.length),
        misclassified: s.misclassified,
        duplicated: 0,
        retries: c.retries,
        throttled: c.throttled,
        finalConcurrency: c.finalConcurrency,
      });
    });

    it('the CLI (its own retry settings) at 10% faults: exit 0, identical outputs', async () => {
      const out = await freshDir('faults10-cli');
      const p = await proxy({ rate: 0.1, kinds: ['slowdown', '500', 'reset', 'delay'], delayMs: 40, seed: 99 });
      const common = ['--bucket', BUCKET, '--endpoint', p.url, '--path-style', '--out', out, '-q'];
      const l = await cli(['list', '--dates', DAY, '--chunk-size', '700', ...common]);
      expect(l.stderr).toBe('');
      expect(l.code).toBe(0);
      const c = await cli(['check', join(out, 'chunks', 'uuids-0-700.txt'), join(out, 'chunks', 'uuids-700-1400.txt'), join(out, 'chunks', 'uuids-1400-1500.txt'), '--concurrency', '16', ...common]);
      expect(c.stderr).toBe('');
      expect(c.code).toBe(0);
      await expectExact(out);
      metric('s3-faults-10pct-cli', { requests: p.stats.requests, faults: p.stats.injected, idsChecked: N });
    });
  });

  describe('heavy and total failure of S3', () => {
    it('70% 500s with 2 attempts per id: the run fails, but everything written is right and the rest is nowhere; a rerun finishes exactly', async () => {
      const out = await freshDir('heavy');
      const p = await proxy({ rate: 0.7, kinds: ['500', 'reset'], seed: 7, only: 'HEAD' });
      const r = await runCheck({ files: [idsFile], out, concurrency: 16, policy: { attempts: 2, baseMs: 1, capMs: 10_000 }, giveUpAfter: 10_000 }, { store: store(p.url), reporter: silentReporter });
      expect(r.errors).toBeGreaterThan(0);
      expect(r.failure).toMatch(/could not be checked.*written nowhere.*Rerun/);
      const s = await classifiedSoFar(out);
      expect(s.misclassified).toBe(0);
      expect(s.both).toBe(0);
      expect(s.haves.length).toBe(r.haves);
      expect(s.havenots.length).toBe(r.havenots);
      expect(r.haves + r.havenots + r.errors).toBe(N);
      const errorsFirst = r.errors;

      // The rerun (S3 healthy again) checks only what is left, and ends exactly right.
      const again = await runCheck({ files: [idsFile], out, concurrency: 16, policy: { attempts: 10, baseMs: 1, capMs: 10_000 } }, { store: store(clean.url), reporter: silentReporter });
      expect(again.failure).toBeUndefined();
      expect(again.skipped).toBe(r.haves + r.havenots);
      expect(again.haves + again.havenots).toBe(errorsFirst);
      await expectExact(out);
      metric('s3-faults-70pct-then-rerun', {
        faults: p.stats.injected,
        classifiedFirst: r.haves + r.havenots,
        errorsFirst,
        misclassified: s.misclassified,
        recheckedOnRerun: again.haves + again.havenots,
      });
    });

    it.each(['slowdown', '500', 'reset'] as const)('every HEAD answered %s: check fails with a clear message and writes no id at all', async (kind) => {
      const out = await freshDir(`total-${kind}`);
      const p = await proxy({ rate: 1, kinds: [kind], seed: 3, only: 'HEAD' });
      const r: CheckResult = await runCheck({ files: [idsFile], out, concurrency: 16, policy: { attempts: 3, baseMs: 1, capMs: 10_000 } }, { store: store(p.url), reporter: silentReporter });
      expect(r.failure).toMatch(/S3 keeps failing \(\d+ ids in a row got no usable answer; last: (HTTP 503|HTTP 500|no answer \(connection reset or timeout\))\); stopped\. Rerun to finish/);
      expect(r.haves).toBe(0);
      expect(r.havenots).toBe(0);
      // The files exist (check ran) and are empty: no error became a havenot.
      expect(await readFile(join(out, 'havenots.txt'), 'utf8')).toBe('');
      expect(await readFile(join(out, 'haves.txt'), 'utf8')).toBe('');
      expect(r.errors).toBeLessThan(N);
      metric('s3-faults-100pct', { kind, requests: p.stats.requests, faults: p.stats.injected, errors: r.errors, written: 0, finalConcurrency: r.finalConcurrency });
    });

    it('100% faults on listing: list fails (RunError) after its retries and writes no uuids.txt or chunk', async () => {
      const out = await freshDir('total-list');
      const p = await proxy({ rate: 1, kinds: ['500', 'reset'], seed: 5, only: 'GET' });
      const policy = { attempts: 4, baseMs: 5, capMs: 50 };
      await expect(runList({ dates: [DAY], layout: 'v1', chunkSize: 500, out, concurrency: 1, policy }, { store: store(p.url), reporter: silentReporter })).rejects.toThrow(
        /^S3 did not answer a listing of v1\/raw_crash\/20160915\/ usably \((HTTP 500|no answer)\).*; nothing was written$/,
      );
      expect(await filesUnder(out)).toEqual([]);
      // The policy's attempts for the first slice, and no more: the SDK adds no retries of its own.
      expect(p.stats.requests).toBe(policy.attempts);
      metric('s3-list-100pct', { requests: p.stats.requests, faults: p.stats.injected });
    }, 120_000);
  });

  describe('HEAD 403 (s3:ListBucket missing)', () => {
    it('stops at once, explains the permission, writes nothing for the ids that got 403', async () => {
      const out = await freshDir('forbidden');
      const p = await proxy({ forbidHead: true });
      const concurrency = 16;
      const r = await runCheck({ files: [idsFile], out, concurrency, policy: { attempts: 10, baseMs: 1, capMs: 10_000 } }, { store: store(p.url), reporter: silentReporter });
      expect(r.failure).toMatch(/403 Forbidden/);
      expect(r.failure).toMatch(/s3:ListBucket/);
      expect(r.haves + r.havenots + r.errors).toBe(0);
      expect(await readFile(join(out, 'havenots.txt'), 'utf8')).toBe('');
      expect(await readFile(join(out, 'haves.txt'), 'utf8')).toBe('');
      // At once: only the HEADs already in flight, not one per id, and the one HEAD that
      // confirms the 403 through the SDK.
      expect(p.stats.injected.forbidden).toBeLessThanOrEqual(concurrency + 1);
      metric('s3-head-403', { heads: p.stats.injected.forbidden, concurrency, written: 0 });
    });

    it('403 in the middle of a run: what was classified before is right, the rest is nowhere, and the HEADs stop', async () => {
      const out = await freshDir('forbidden-mid');
      const p = await proxy({ latencyMs: 2 });
      const concurrency = 8;
      const run = runCheck({ files: [idsFile], out, concurrency, policy: { attempts: 10, baseMs: 1, capMs: 10_000 } }, { store: store(p.url), reporter: silentReporter });
      // About 1.6 HEADs per id: the processed crash, and for a havenot (~30%) its raw crash in
      // the v2 and then the v1 layout (check records the hour it was saved).
      await waitFor(() => p.stats.requests >= 1000);
      p.set({ forbidHead: true });
      const r = await run;
      expect(r.failure).toMatch(/s3:ListBucket/);
      const s = await classifiedSoFar(out);
      expect(s.misclassified).toBe(0);
      expect(s.both).toBe(0);
      expect(s.haves.length + s.havenots.length).toBe(r.haves + r.havenots);
      expect(r.haves + r.havenots).toBeGreaterThanOrEqual(500);
      expect(r.haves + r.havenots).toBeLessThan(N);
      expect(p.stats.injected.forbidden).toBeLessThanOrEqual(2 * concurrency);
      metric('s3-head-403-mid', { classifiedBefore: r.haves + r.havenots, forbiddenHeads: p.stats.injected.forbidden, concurrency, misclassified: s.misclassified });
    });

    it('the CLI: exit 1, one error line naming s3:ListBucket, empty haves/havenots', async () => {
      const out = await freshDir('forbidden-cli');
      const p = await proxy({ forbidHead: true });
      const r = await cli(['check', idsFile, '--bucket', BUCKET, '--endpoint', p.url, '--path-style', '--out', out, '-q']);
      expect(r.code).toBe(1);
      const errLines = r.stderr.split('\n').filter(Boolean);
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(/^error: S3 answered 403 Forbidden.*s3:ListBucket/);
      expect(await readFile(join(out, 'havenots.txt'), 'utf8')).toBe('');
      expect(await readFile(join(out, 'haves.txt'), 'utf8')).toBe('');
      expect(p.stats.injected.forbidden).toBeLessThanOrEqual(128 + 1);
    });
  });

  describe('a 404 that is not about the crash', () => {
    // HEAD answers have no body: a missing bucket answers 404 to every HEAD, exactly like a
    // missing processed crash. Taking it at its word would send every crash of the day to the
    // processing queue.
    it('check against a bucket that does not exist: the run fails and no id is written to havenots.txt', async () => {
      const out = await freshDir('no-bucket');
      const r = await cli(['check', idsFile, '--bucket', `${BUCKET}-typo`, '--endpoint', clean.url, '--path-style', '--out', out, '-q']);
      const havenots = await sortedIds(join(out, 'havenots.txt'));
      metric('s3-missing-bucket', { exit: r.code, havenotsWritten: havenots.length, input: N });
      expect(havenots).toEqual([]);
      expect([1, 2]).toContain(r.code);
      expect(r.stderr).toMatch(/bucket/i);
    });
  });

  describe('throttling (503 SlowDown above a request rate)', () => {
    it('every id is classified exactly; every throttled answer is counted and the pool narrows', async () => {
      const out = await freshDir('throttled');
      const p = await proxy({ maxRps: 400, only: 'HEAD' });
      const concurrency = 64;
      // The CLI's own HEAD retry policy: throttling narrows the pool instead of lengthening waits.
      const c = await runCheck({ files: [idsFile], out, concurrency }, { store: store(p.url, concurrency), reporter: silentReporter });
      expect(c.failure).toBeUndefined();
      expect(c.errors).toBe(0);
      await expectExact(out);
      expect(p.stats.injected.throttled).toBeGreaterThan(0);
      // Each SlowDown the proxy made up reached the pool as one throttled answer, no more, no less.
      expect(c.throttled).toBe(p.stats.injected.throttled);
      expect(c.finalConcurrency).toBeLessThan(concurrency);
      metric('s3-throttled', { maxRps: 400, requests: p.stats.requests, throttled: p.stats.injected.throttled, idsChecked: c.haves + c.havenots, lost: N - (c.haves + c.havenots), finalConcurrency: c.finalConcurrency, elapsedMs: c.elapsedMs });
    });

    it('six check jobs sharing one limit (S3 throttles per prefix): every id of every job classified exactly', async () => {
      const p = await proxy({ maxRps: 300, only: 'HEAD', latencyMs: 10 });
      const jobs = await jobFiles(6);
      // The CLI's own HEAD retry policy and width, as a matrix's jobs have.
      const runs = await Promise.all(jobs.map((j) => runCheck({ files: [j.file], out: j.out }, { store: store(p.url, 128), reporter: silentReporter })));
      for (const [k, c] of runs.entries()) {
        expect(c.failure).toBeUndefined();
        expect(c.errors).toBe(0);
        await expectExact(jobs[k].out, jobs[k].ids);
      }
      const throttled = runs.reduce((n, c) => n + c.throttled, 0);
      expect(throttled).toBe(p.stats.injected.throttled);
      expect(throttled).toBeGreaterThan(0);
      metric('s3-throttled-6-jobs', { maxRps: 300, requests: p.stats.requests, throttled, finalConcurrency: runs.map((c) => c.finalConcurrency), elapsedMs: runs.map((c) => c.elapsedMs) });
    });
  });

  describe('list of a bucket that does not exist', () => {
    it('exit 1, naming the bucket; nothing written', async () => {
      const out = await freshDir('no-bucket-list');
      const r = await cli(['list', '--dates', DAY, '--bucket', `${BUCKET}-typo`, '--endpoint', clean.url, '--path-style', '--out', out, '-q']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: S3: no such bucket/);
      expect(await filesUnder(out)).toEqual([]);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Google Cloud Storage: the loopback server's own seeded faults, rate limit and IAM

/** Fault kinds that answer (or reset) instead of serving. */
const FAILING = ['503', '500', '429', 'reset'] as const;
type Failing = (typeof FAILING)[number];
const ALL_KINDS: GcsFaultKind[] = [...FAILING, 'delay'];

/** What check says was the last failure of an id, per fault kind. */
const LAST_ERROR: Record<Failing, string> = { '503': 'HTTP 503', '500': 'HTTP 500', '429': 'HTTP 429', reset: 'no answer (connection reset or timeout)' };

/** How a listing that keeps failing is reported, per fault kind (503 and 429 are throttling to GCS). */
const LIST_FAILURE: Record<Failing, string> = {
  '503': `GCS is throttling requests (HTTP 503 to a listing of ${P})`,
  '500': `GCS did not answer a listing of ${P} usably (HTTP 500)`,
  '429': `GCS is throttling requests (HTTP 429 to a listing of ${P})`,
  reset: `GCS did not answer a listing of ${P} usably (no answer)`,
};

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function gcsSuite() {
  let store: TestStore;
  const opened: ObjectStore[] = [];
  const undo: Array<() => void> = [];
  let restoreEnv = () => {};

  const server = () => store.gcs!;
  /** The GCS port as the CLI opens it: one ADC bearer token from the process environment. */
  function gcs(bucket = BUCKET, maxSockets = 32): ObjectStore {
    const s = gcsStore({ bucket, endpoint: store.endpoint, tokens: adcTokens({ anonymousIfNoFile: false }), maxSockets });
    opened.push(s);
    return s;
  }
  const cli = (argv: string[]) => runMain(argv, { ...store.env });
  const common = (out: string, bucket = BUCKET) => [...store.args(bucket), '--out', out, '-q'];
  const heads = () => server().counts().byApi['xml-head'] ?? 0;
  const answered = (key: string) => server().counts().byApiStatus[key] ?? 0;
  const isFault = (status: number) => status === 0 || status === 500 || status === 503 || status === 429;

  /**
   * The server's log of HEADs since the last resetStats: the answers each processed crash got,
   * and each raw crash (check looks up a havenot's raw crash for the hour it was saved).
   */
  function headLog() {
    const processedHeads = new Map<string, number[]>();
    const rawHeads = new Map<string, number[]>();
    for (const r of server().requests()) {
      if (r.api !== 'xml-head' || r.object === undefined) continue;
      const m = r.object.startsWith('v1/processed_crash/') ? processedHeads : rawHeads;
      m.set(r.object, [...(m.get(r.object) ?? []), r.status]);
    }
    /** Answers that are a verdict (200 found, 404 missing), over all keys. */
    const verdicts = (m: Map<string, number[]>) => [...m.values()].reduce((a, v) => a + v.filter((st) => st === 200 || st === 404).length, 0);
    return { processed: processedHeads, raw: rawHeads, verdicts };
  }

  /**
   * A run stopped part way by a store answer that ends it (403, 401): what was written is right,
   * and every processed crash answered 200/404 before the stop made a line, but for the at most
   * `concurrency` in flight (a havenot whose raw-crash lookup then got the stopping answer is
   * written nowhere).
   */
  async function expectStoppedPartWay(r: { haves: number; havenots: number }, out: string, concurrency: number, answeredAtLeast: number) {
    const s = await classifiedSoFar(out);
    expect(s.misclassified).toBe(0);
    expect(s.both).toBe(0);
    expect(s.haves.length + s.havenots.length).toBe(r.haves + r.havenots);
    expect(r.haves + r.havenots).toBeLessThan(N);
    const log = headLog();
    const answeredBefore = log.verdicts(log.processed);
    expect(answeredBefore).toBeGreaterThanOrEqual(answeredAtLeast - concurrency);
    expect(answeredBefore - (r.haves + r.havenots)).toBeGreaterThanOrEqual(0);
    expect(answeredBefore - (r.haves + r.havenots)).toBeLessThanOrEqual(concurrency);
    return s;
  }

  /**
   * Asserts every id got exactly one answer that was not a fault for its processed crash, the
   * right one (200 processed, 404 not), and every havenot one for its raw crash: nothing lost,
   * nothing asked twice once answered.
   */
  function expectOneVerdictPerId() {
    const log = headLog();
    const wrong: string[] = [];
    for (const id of ids) {
      const good = (log.processed.get(processedCrashKey(id)) ?? []).filter((st) => !isFault(st));
      if (good.length !== 1 || good[0] !== (processed.has(id) ? 200 : 404)) wrong.push(`${id}: ${good.join(',')}`);
      if (unprocessed.has(id)) {
        const raw = (log.raw.get(rawCrashKey('v1', id)) ?? []).filter((st) => !isFault(st));
        if (raw.length !== 1 || raw[0] !== 200) wrong.push(`raw ${id}: ${raw.join(',')}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(log.processed.size).toBe(N);
    expect(log.raw.size).toBe(unprocessed.size);
  }

  /** HEADs of processed crashes so far (the log is live). */
  const processedHeadsSoFar = () => server().requests().filter((q) => q.api === 'xml-head' && q.object?.startsWith('v1/processed_crash/')).length;

  /** HEAD answers that were faults, all keys. */
  const faultedHeads = () => FAILING.reduce((a, k) => a + answered(`xml-head ${GCS_FAULT_STATUS[k]}`), 0);

  /** A fault plan with fresh counters, so the figures afterwards are this run's alone. */
  function faults(plan: GcsFaultPlan) {
    server().resetStats();
    server().setFaults(plan);
  }

  /** Asserts the server answered exactly the faults its generator drew, and nothing else failed. */
  function expectOnlyInjected(plan: GcsFaultPlan) {
    const counts = server().counts();
    const drawn = replayGcsFaults(plan, counts.requests);
    for (const kind of FAILING) expect(counts.byStatus[GCS_FAULT_STATUS[kind]] ?? 0, `${kind} answers`).toBe(drawn[kind]);
    const good = Object.entries(counts.byStatus).filter(([s]) => s !== '0' && s !== '500' && s !== '503' && s !== '429').map(([s]) => s);
    expect(good.every((s) => s === '200' || s === '404'), good.join(',')).toBe(true);
    return { counts, drawn };
  }

  beforeAll(async () => {
    // Short pages (random sizes up to the page size asked), as GCS may send: more pages, so
    // more faults between pages.
    // The log (per request: API, object, status) is what the exact per-id figures come from.
    store = await startTestStore('gcs', { shortPages: { seed: 11 }, log: true });
    restoreEnv = exportEnv(store.env);
    await store.createBucket(BUCKET);
    await store.put(BUCKET, objectKeys());
  });

  afterEach(async () => {
    server().setFaults(undefined);
    server().setRateLimit(undefined);
    server().setLatency(0);
    for (const u of undo.splice(0)) u();
    for (const s of opened.splice(0)) await s.close();
  });

  afterAll(async () => {
    restoreEnv();
    await store?.close();
  });

  describe('clean run (the reference)', () => {
    it('list (short pages) and check give exactly the seeded truth, one HEAD per id', async () => {
      const out = await freshDir('gcs-clean');
      server().resetStats();
      const l = await runList({ dates: [DAY], layout: 'v1', chunkSize: 500, out }, { store: gcs(), reporter: silentReporter });
      expect(l.total).toBe(N);
      expect(l.junk).toBe(junk.length);
      expect(await strictIds(join(out, 'uuids.txt'))).toEqual(sortedAll());
      expect(server().counts().byApi['json-list']).toBe(l.requests);
      const c = await runCheck({ files: [join(out, 'uuids.txt')], out, concurrency: 32, policy: { attempts: 10, baseMs: 5, capMs: 10_000 } }, { store: gcs(), reporter: silentReporter });
      expect(c.failure).toBeUndefined();
      expect(c.errors).toBe(0);
      await expectExact(out);
      expectOneVerdictPerId();
      // One HEAD per processed crash, and one per havenot's raw crash: nothing more.
      expect(heads()).toBe(N + unprocessed.size);
      expect(c.requests).toBe(heads());
      expect(c.hoursUnknown).toBe(0);
    });
  });

  describe('10% faults (503, 500, 429, reset, delay) on list and check', () => {
    it.each([1, 2, 3])('seed %i: outputs identical to a clean run; nothing lost, misclassified or duplicated', async (seed) => {
      const out = await freshDir(`gcs-faults10-${seed}`);
      const plan: GcsFaultPlan = { rate: 0.1, seed, kinds: ALL_KINDS, delayMs: 40 };
      faults(plan);
      const l = await runList({ dates: [DAY], layout: 'v1', chunkSize: 500, out }, { store: gcs(), reporter: silentReporter });
      const listCounts = server().counts();
      const uuids = await strictIds(join(out, 'uuids.txt'));
      expect(uuids).toEqual(sortedAll());
      expect(l.total).toBe(N);
      for (const f of ['uuids-0-500.txt', 'uuids-500-1000.txt', 'uuids-1000-1500.txt']) {
        expect(await strictIds(join(out, 'chunks', f))).toEqual(uuids.slice(Number(f.split('-')[1]), Number(f.split('-')[2].slice(0, -4))));
      }
      // Every listing answer that failed was retried, once each: the tool's count is the server's.
      const listFailed = FAILING.reduce((a, k) => a + (listCounts.byApiStatus[`json-list ${GCS_FAULT_STATUS[k]}`] ?? 0), 0);
      expect(l.requests).toBe(listCounts.byApi['json-list']);
      expect(l.retries).toBe(listFailed);

      const c = await runCheck(
        { files: [join(out, 'uuids.txt')], out, concurrency: 32, policy: { attempts: 10, baseMs: 5, capMs: 10_000 } },
        { store: gcs(), reporter: silentReporter },
      );
      expect(c.failure).toBeUndefined();
      expect(c.errors).toBe(0);
      expect(c.haves + c.havenots).toBe(N);
      await expectExact(out);
      const s = await classifiedSoFar(out);
      expect(s.both).toBe(0);
      const { counts, drawn } = expectOnlyInjected(plan);
      expect(sum(drawn)).toBeGreaterThan(0);
      expectOneVerdictPerId();
      // Every HEAD a fault answered was asked again, once, and counted: the tool's figures are the server's.
      const headFailed = faultedHeads();
      expect(headFailed).toBeGreaterThan(0);
      expect(c.requests).toBe(counts.byApi['xml-head']);
      expect(c.requests).toBe(N + unprocessed.size + headFailed);
      expect(c.retries).toBe(headFailed);
      expect(c.throttled).toBe(answered('xml-head 429') + answered('xml-head 503'));
      expect(c.hoursUnknown).toBe(0);
      metric('gcs-faults-10pct', {
        seed,
        listRequests: listCounts.requests,
        listFaults: replayGcsFaults(plan, listCounts.requests),
        checkRequests: counts.requests - listCounts.requests,
        totalFaults: drawn,
        idsListed: uuids.length,
        idsChecked: c.haves + c.havenots,
        lost: N - (s.haves.length + s.havenots.length),
        misclassified: s.misclassified,
        duplicated: 0, // strictIds throws on a duplicate line
        retries: c.retries,
        throttled: c.throttled,
        finalConcurrency: c.finalConcurrency,
      });
    });

    it('the CLI (its own retry settings) at 10% faults: exit 0, identical outputs', async () => {
      const out = await freshDir('gcs-faults10-cli');
      const plan: GcsFaultPlan = { rate: 0.1, seed: 99, kinds: ALL_KINDS, delayMs: 40 };
      faults(plan);
      const l = await cli(['list', '--dates', DAY, '--chunk-size', '700', ...common(out)]);
      expect(l.stderr).toBe('');
      expect(l.code).toBe(0);
      const c = await cli(['check', join(out, 'chunks', 'uuids-0-700.txt'), join(out, 'chunks', 'uuids-700-1400.txt'), join(out, 'chunks', 'uuids-1400-1500.txt'), '--concurrency', '16', ...common(out)]);
      expect(c.stderr).toBe('');
      expect(c.code).toBe(0);
      await expectExact(out);
      const { counts, drawn } = expectOnlyInjected(plan);
      expect(sum(drawn)).toBeGreaterThan(0);
      expectOneVerdictPerId();
      metric('gcs-faults-10pct-cli', { requests: counts.requests, faults: drawn, idsChecked: N });
    });
  });

  describe('heavy and total failure of GCS', () => {
    it('70% 500s/resets on HEAD with 2 attempts per id: the run fails, everything written is right, the rest is nowhere; a rerun finishes exactly', async () => {
      const out = await freshDir('gcs-heavy');
      faults({ rate: 0.7, seed: 7, kinds: ['500', 'reset'], apis: ['xml-head'] });
      const r = await runCheck({ files: [idsFile], out, concurrency: 16, policy: { attempts: 2, baseMs: 1, capMs: 10_000 }, giveUpAfter: 10_000 }, { store: gcs(BUCKET, 16), reporter: silentReporter });
      expect(r.errors).toBeGreaterThan(0);
      expect(r.failure).toMatch(/could not be checked.*written nowhere.*Rerun/);
      const s = await classifiedSoFar(out);
      expect(s.misclassified).toBe(0);
      expect(s.both).toBe(0);
      expect(s.haves.length).toBe(r.haves);
      expect(s.havenots.length).toBe(r.havenots);
      expect(r.haves + r.havenots + r.errors).toBe(N);
      // Every HEAD the run made reached the server; each processed crash answered (not faulted)
      // made exactly one line, and no id was asked again once answered.
      expect(heads()).toBe(r.requests);
      const faulted = faultedHeads();
      const log = headLog();
      expect(log.verdicts(log.processed)).toBe(r.haves + r.havenots);
      expect([...log.processed.values()].every((v) => v.filter((st) => !isFault(st)).length <= 1)).toBe(true);
      const errorsFirst = r.errors;

      // The rerun (GCS healthy again) checks only what is left, and ends exactly right.
      server().setFaults(undefined);
      const again = await runCheck({ files: [idsFile], out, concurrency: 16, policy: { attempts: 10, baseMs: 1, capMs: 10_000 } }, { store: gcs(BUCKET, 16), reporter: silentReporter });
      expect(again.failure).toBeUndefined();
      expect(again.skipped).toBe(r.haves + r.havenots);
      expect(again.haves + again.havenots).toBe(errorsFirst);
      await expectExact(out);
      metric('gcs-faults-70pct-then-rerun', { faults: faulted, headsFirst: r.requests, classifiedFirst: r.haves + r.havenots, errorsFirst, misclassified: s.misclassified, recheckedOnRerun: again.haves + again.havenots });
    });

    it.each(FAILING)('every HEAD answered %s: check fails with a clear message and writes no id at all', async (kind) => {
      const out = await freshDir(`gcs-total-${kind}`);
      faults({ rate: 1, seed: 3, kinds: [kind], apis: ['xml-head'] });
      const concurrency = 16;
      const r: CheckResult = await runCheck({ files: [idsFile], out, concurrency, policy: { attempts: 3, baseMs: 1, capMs: 10_000 } }, { store: gcs(BUCKET, concurrency), reporter: silentReporter });
      // check gives up after max(50, 2 × concurrency) ids in a row without an answer.
      expect(r.failure).toBe(`GCS keeps failing (50 ids in a row got no usable answer; last: ${LAST_ERROR[kind]}); stopped. Rerun to finish: ids already classified are skipped`);
      expect(r.haves).toBe(0);
      expect(r.havenots).toBe(0);
      expect(r.errors).toBe(50);
      // The files exist (check ran) and are empty: no error became a havenot.
      expect(await readFile(join(out, 'havenots.txt'), 'utf8')).toBe('');
      expect(await readFile(join(out, 'haves.txt'), 'utf8')).toBe('');
      // Every HEAD got the fault, and the tool counted each of them.
      expect(heads()).toBe(r.requests);
      expect(answered(`xml-head ${GCS_FAULT_STATUS[kind]}`)).toBe(r.requests);
      metric('gcs-faults-100pct', { kind, requests: server().counts().requests, heads: r.requests, errors: r.errors, written: 0, finalConcurrency: r.finalConcurrency });
    });

    it.each(FAILING)('every listing answered %s: list fails (RunError) after its retries and writes no uuids.txt or chunk', async (kind) => {
      const out = await freshDir(`gcs-total-list-${kind}`);
      faults({ rate: 1, seed: 5, kinds: [kind], apis: ['json-list'] });
      const policy = { attempts: 4, baseMs: 5, capMs: 50 };
      const err = await runList({ dates: [DAY], layout: 'v1', chunkSize: 500, out, concurrency: 1, policy }, { store: gcs(), reporter: silentReporter }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message.startsWith(LIST_FAILURE[kind]), message).toBe(true);
      expect(message.endsWith('; nothing was written'), message).toBe(true);
      expect(await filesUnder(out)).toEqual([]);
      // The policy's attempts for the first slice, and no more.
      expect(server().counts().requests).toBe(policy.attempts);
      expect(answered(`json-list ${GCS_FAULT_STATUS[kind]}`)).toBe(policy.attempts);
      metric('gcs-list-100pct', { kind, requests: server().counts().requests });
    });
  });

  describe('throttling (429 above a request rate)', () => {
    it('every id is classified exactly; every 429 is counted and the pool narrows', async () => {
      const out = await freshDir('gcs-throttled');
      server().resetStats();
      server().setRateLimit({ perSecond: 400, scope: 'reads' });
      const concurrency = 64;
      // The CLI's own HEAD retry policy: throttling narrows the pool instead of lengthening waits.
      const c = await runCheck({ files: [idsFile], out, concurrency }, { store: gcs(BUCKET, concurrency), reporter: silentReporter });
      expect(c.failure).toBeUndefined();
      expect(c.errors).toBe(0);
      await expectExact(out);
      const refused = answered('xml-head 429');
      expect(refused).toBeGreaterThan(0);
      expect(c.throttled).toBe(refused);
      // One verdict per id, and one more HEAD per 429.
      expectOneVerdictPerId();
      expect(heads()).toBe(N + unprocessed.size + refused);
      expect(c.requests).toBe(heads());
      expect(c.finalConcurrency).toBeLessThan(concurrency);
      metric('gcs-throttled', { perSecond: 400, requests: server().counts().requests, throttled: refused, idsChecked: c.haves + c.havenots, lost: N - (c.haves + c.havenots), finalConcurrency: c.finalConcurrency, elapsedMs: c.elapsedMs });
    });

    it('six check jobs sharing one limit: every id of every job classified exactly', async () => {
      server().resetStats();
      server().setRateLimit({ perSecond: 300, burst: 30, scope: 'reads' });
      const jobs = await jobFiles(6);
      // The CLI's own HEAD retry policy and width, as a matrix's jobs have.
      const runs = await Promise.all(jobs.map((j) => runCheck({ files: [j.file], out: j.out }, { store: gcs(BUCKET, 128), reporter: silentReporter })));
      for (const [k, c] of runs.entries()) {
        expect(c.failure).toBeUndefined();
        expect(c.errors).toBe(0);
        await expectExact(jobs[k].out, jobs[k].ids);
      }
      const throttled = runs.reduce((n, c) => n + c.throttled, 0);
      expect(throttled).toBe(answered('xml-head 429'));
      expect(throttled).toBeGreaterThan(0);
      expectOneVerdictPerId();
      metric('gcs-throttled-6-jobs', { perSecond: 300, requests: server().counts().requests, throttled, finalConcurrency: runs.map((c) => c.finalConcurrency) });
    });
  });

  describe('403: a token lacking storage.objects.get (or .list)', () => {
    const NAMES_PERMISSIONS = `the credentials need storage.objects.get and storage.objects.list on gs://${BUCKET} (roles/storage.objectViewer on the bucket)`;

    it('stops at once, naming both permissions and the role; writes nothing for the ids that got 403', async () => {
      const out = await freshDir('gcs-forbidden');
      server().resetStats();
      undo.push(restrictGcsPermissions(store, ['storage.objects.list']));
      const concurrency = 16;
      const r = await runCheck({ files: [idsFile], out, concurrency, policy: { attempts: 10, baseMs: 1, capMs: 10_000 } }, { store: gcs(BUCKET, concurrency), reporter: silentReporter });
      expect(r.failure).toBe(`GCS answered 403 Forbidden to a HEAD of a processed crash: ${NAMES_PERMISSIONS}`);
      expect(r.haves + r.havenots + r.errors).toBe(0);
      expect(await readFile(join(out, 'havenots.txt'), 'utf8')).toBe('');
      expect(await readFile(join(out, 'haves.txt'), 'utf8')).toBe('');
      // At once: only the HEADs already in flight, none retried.
      const forbidden = answered('xml-head 403');
      expect(forbidden).toBeGreaterThan(0);
      expect(forbidden).toBeLessThanOrEqual(concurrency);
      expect(heads()).toBe(forbidden);
      metric('gcs-head-403', { heads: forbidden, concurrency, written: 0 });
    });

    it('403 in the middle of a run: what was classified before is right, the rest is nowhere, and the HEADs stop', async () => {
      const out = await freshDir('gcs-forbidden-mid');
      server().resetStats();
      server().setLatency(2);
      const concurrency = 8;
      const run = runCheck({ files: [idsFile], out, concurrency, policy: { attempts: 10, baseMs: 1, capMs: 10_000 } }, { store: gcs(BUCKET, concurrency), reporter: silentReporter });
      await waitFor(() => processedHeadsSoFar() >= 600);
      undo.push(restrictGcsPermissions(store, ['storage.objects.list']));
      const r = await run;
      // The first 403 may answer a processed crash's HEAD or a havenot's raw crash's (its hour).
      expect([`GCS answered 403 Forbidden to a HEAD of a processed crash: ${NAMES_PERMISSIONS}`, `GCS answered 403 Forbidden to a HEAD of a raw crash: ${NAMES_PERMISSIONS}`]).toContain(r.failure);
      const s = await expectStoppedPartWay(r, out, concurrency, 600);
      // The 403s are only those in flight.
      const forbidden = answered('xml-head 403');
      expect(forbidden).toBeGreaterThan(0);
      expect(forbidden).toBeLessThanOrEqual(concurrency);
      metric('gcs-head-403-mid', { classifiedBefore: r.haves + r.havenots, forbiddenHeads: forbidden, concurrency, misclassified: s.misclassified });
    });

    it('the CLI: exit 1, one error line naming the permissions, empty haves/havenots', async () => {
      const out = await freshDir('gcs-forbidden-cli');
      server().resetStats();
      undo.push(restrictGcsPermissions(store, ['storage.objects.list']));
      const r = await cli(['check', idsFile, ...common(out)]);
      expect(r.code).toBe(1);
      const errLines = r.stderr.split('\n').filter(Boolean);
      expect(errLines).toEqual([`error: GCS answered 403 Forbidden to a HEAD of a processed crash: ${NAMES_PERMISSIONS}`]);
      expect(await readFile(join(out, 'havenots.txt'), 'utf8')).toBe('');
      expect(await readFile(join(out, 'haves.txt'), 'utf8')).toBe('');
      // The default pool is 128 wide: at most that many HEADs were in flight when the first 403 came.
      expect(answered('xml-head 403')).toBeLessThanOrEqual(128);
      expect(heads()).toBe(answered('xml-head 403'));
    });

    it('list with a token lacking storage.objects.list: exit 1 at once, nothing written', async () => {
      const out = await freshDir('gcs-forbidden-list');
      server().resetStats();
      undo.push(restrictGcsPermissions(store, ['storage.objects.get']));
      const r = await cli(['list', '--dates', DAY, ...common(out)]);
      expect(r.code).toBe(1);
      const errLines = r.stderr.split('\n').filter(Boolean);
      expect(errLines).toHaveLength(1);
      expect(errLines[0].startsWith(`error: GCS answered 403 Forbidden to a listing of ${P}: ${NAMES_PERMISSIONS}`), errLines[0]).toBe(true);
      expect(await filesUnder(out)).toEqual([]);
      // At once: the first page of each of the 16 slices at most, none retried.
      expect(answered('json-list 403')).toBeGreaterThan(0);
      expect(answered('json-list 403')).toBeLessThanOrEqual(16);
      expect(server().counts().requests).toBe(answered('json-list 403'));
    });
  });

  describe('401: credentials GCS keeps refusing', () => {
    const INVALID = 'GCS refused the credentials as invalid or expired';

    it('check: one fresh token, then exit 1 saying the credentials are invalid or expired; nothing written', async () => {
      const out = await freshDir('gcs-401');
      server().resetStats();
      undo.push(refuseGcsTokens(store));
      const issuedBefore = store.tokens!.issued.length;
      const r = await cli(['check', idsFile, ...common(out)]);
      expect(r.code).toBe(1);
      const errLines = r.stderr.split('\n').filter(Boolean);
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(new RegExp(`^error: ${INVALID} \\(HTTP 401 to a listing of v1/processed_crash/\\): the token is invalid or expired, and a fresh one was refused too`));
      // The token it started with, and one fresh one: no more.
      expect(store.tokens!.issued.length - issuedBefore).toBe(2);
      expect(server().counts().byStatus).toEqual({ 401: 2 });
      expect(await filesUnder(out)).toEqual([]);
      metric('gcs-401', { mode: 'check', tokens: store.tokens!.issued.length - issuedBefore, requests: server().counts().requests, written: 0 });
    });

    it('list: the same, with its 16 slices in flight sharing the one fresh token; nothing written', async () => {
      const out = await freshDir('gcs-401-list');
      server().resetStats();
      undo.push(refuseGcsTokens(store));
      const issuedBefore = store.tokens!.issued.length;
      const r = await cli(['list', '--dates', DAY, ...common(out)]);
      expect(r.code).toBe(1);
      const errLines = r.stderr.split('\n').filter(Boolean);
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(new RegExp(`^error: ${INVALID} \\(HTTP 401 to a listing of ${P}\\)`));
      expect(store.tokens!.issued.length - issuedBefore).toBe(2);
      expect(await filesUnder(out)).toEqual([]);
      const refused = server().counts().byStatus['401'] ?? 0;
      expect(refused).toBe(server().counts().requests);
      expect(refused).toBeLessThanOrEqual(2 * 16);
      metric('gcs-401', { mode: 'list', tokens: store.tokens!.issued.length - issuedBefore, requests: refused, written: 0 });
    });

    it('tokens refused in the middle of a run: the run stops after one fresh token; what was classified is right', async () => {
      const out = await freshDir('gcs-401-mid');
      server().resetStats();
      server().setLatency(2);
      const concurrency = 8;
      const issuedBefore = store.tokens!.issued.length;
      const run = runCheck({ files: [idsFile], out, concurrency, policy: { attempts: 10, baseMs: 1, capMs: 10_000 } }, { store: gcs(BUCKET, concurrency), reporter: silentReporter });
      await waitFor(() => processedHeadsSoFar() >= 600);
      undo.push(refuseGcsTokens(store));
      const r = await run;
      expect(r.failure).toMatch(new RegExp(`^${INVALID} \\(HTTP 401 to a HEAD of a (processed|raw) crash\\)`));
      const s = await expectStoppedPartWay(r, out, concurrency, 600);
      // One token before, one fresh one after the first 401, shared by every request in flight.
      expect(store.tokens!.issued.length - issuedBefore).toBe(2);
      const refused = answered('xml-head 401');
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThanOrEqual(2 * concurrency);
      metric('gcs-401-mid', { classifiedBefore: r.haves + r.havenots, refusedHeads: refused, tokens: store.tokens!.issued.length - issuedBefore, concurrency, misclassified: s.misclassified });
    });
  });

  describe('a bucket that does not exist', () => {
    // A HEAD of an object in a missing bucket is a bodyless 404, like a missing processed crash.
    it('check: exit 1 before any result file is written; no HEAD at all', async () => {
      const out = await freshDir('gcs-no-bucket');
      server().resetStats();
      const r = await cli(['check', idsFile, ...common(out, `${BUCKET}-typo`)]);
      const havenots = await sortedIds(join(out, 'havenots.txt'));
      metric('gcs-missing-bucket', { exit: r.code, havenotsWritten: havenots.length, input: N });
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([
        `error: GCS: no such bucket (HTTP 404 to a listing of v1/processed_crash/): check the bucket name (gs://${BUCKET}-typo) (GCS said: The specified bucket does not exist.); nothing was checked`,
      ]);
      expect(await filesUnder(out)).toEqual([]);
      expect(heads()).toBe(0);
    });

    it('list: exit 1, nothing written', async () => {
      const out = await freshDir('gcs-no-bucket-list');
      const r = await cli(['list', '--dates', DAY, ...common(out, `${BUCKET}-typo`)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: GCS: no such bucket \(HTTP 404 to a listing of v1\/raw_crash\/20160915\/\)/);
      expect(await filesUnder(out)).toEqual([]);
    });
  });
}

const SUITES: Record<StoreKind, [string, () => void]> = { s3: ['S3', s3Suite], gcs: ['Google Cloud Storage', gcsSuite] };
for (const kind of STORE_KINDS) describe(SUITES[kind][0], SUITES[kind][1]);
