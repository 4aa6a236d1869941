/**
 * list and check against a real S3 protocol server (s3rver, or RGW with S3_TEST_ENDPOINT) through
 * the fault proxy: injected SlowDown/500/reset/delay must never lose an id or turn an error into
 * "not processed"; a HEAD 403 stops at once and writes nothing for the ids that got it.
 *
 * The modes are driven with the real S3 port and small backoffs; the CLI (in-process main, its
 * own defaults) covers the exit code and message of the same situations.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { makeCrashId, rawCrashKey, seededBytes } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { silentReporter } from '../../src/core/progress.ts';
import { runCheck, type CheckResult } from '../../src/modes/check.ts';
import { runList } from '../../src/modes/list.ts';
import { s3Store } from '../../src/ports/s3-store.ts';
import { startFaultProxy, type FaultProxy, type ProxyFaults } from '../support/fault-proxy.ts';
import { filesUnder, metric, sortedIds, strictIds, waitFor } from '../support/reliability.ts';

const BUCKET = `rel-s3faults-${process.pid}-${Date.now().toString(36)}`;
const DAY = '20160915';
const P = `v1/raw_crash/${DAY}/`;
const N = 1500;

let s3: S3Endpoint;
let work: string;
/** A fault-free proxy: every client goes through a proxy, so s3rver only sees proxy sockets. */
let clean: FaultProxy;
const proxies: FaultProxy[] = [];

const ids: string[] = [];
const processed = new Set<string>();
const unprocessed = new Set<string>();
const junk = [P + 'README', P + 'a', P + 'nested/x', P + 'zzz'];

const sortedAll = () => [...ids].sort();
const sortedProcessed = () => [...processed].sort();
const sortedUnprocessed = () => [...unprocessed].sort();

let dirCount = 0;
async function freshDir(label: string): Promise<string> {
  const d = join(work, `${label}-${++dirCount}`);
  await mkdir(d, { recursive: true });
  return d;
}

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

/** The check inputs: the ids as list writes them, in one file. */
let idsFile: string;

beforeAll(async () => {
  s3 = await startTestS3();
  await createBucket(s3.client, BUCKET);
  work = await mkdtemp(join(tmpdir(), 'rel-s3faults-'));
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
  await putObjects(s3.client, BUCKET, [
    ...ids.map((id) => rawCrashKey('v1', id)),
    ...[...processed].map(processedCrashKey),
    ...junk,
    // A processed crash with no raw crash, and a raw crash of the next day: neither is listed.
    processedCrashKey(makeCrashId(DAY, rand)),
    rawCrashKey('v1', makeCrashId('20160916', rand)),
  ]);
  clean = await proxy({});
  idsFile = join(work, 'ids.txt');
  await writeFile(idsFile, sortedAll().join('\n') + '\n');
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await s3?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Asserts the check outputs in `out` are exactly the truth for `input`. */
async function expectExact(out: string, input: string[] = ids) {
  const want = new Set(input);
  expect(await sortedIds(join(out, 'haves.txt'))).toEqual(sortedProcessed().filter((id) => want.has(id)));
  expect(await sortedIds(join(out, 'havenots.txt'))).toEqual(sortedUnprocessed().filter((id) => want.has(id)));
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

function injected(p: FaultProxy): number {
  return Object.values(p.stats.injected).reduce((a, b) => a + b, 0);
}

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const stream = { isTTY: false, write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WriteStream;
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: stream, env: { ...s3.env, ...env } });
  return { code, stdout, stderr };
}

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
    await waitFor(() => p.stats.requests >= 600);
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

