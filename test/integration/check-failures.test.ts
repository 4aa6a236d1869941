/**
 * How check fails, through the real CLI against a real S3 protocol server: the results file
 * cannot be written (a full disk), the runner's clock is off, the secret key is wrong. Each of
 * these once ended in a stack trace or in a wrong explanation (missing s3:ListBucket).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { CLI, NODE, ROOT, readIds, type CliRun } from './cli-harness.ts';

const BUCKET = `check-failures-${process.pid}`;
const DAY = '20160918';
const day = syntheticDay(DAY, 400, 0.3, 'v1', 17);
const unprocessed = new Set(day.unprocessed);

let s3: S3Endpoint;
let work: string;
let idsFile: string;

beforeAll(async () => {
  s3 = await startTestS3();
  await createBucket(s3.client, BUCKET);
  await putObjects(s3.client, BUCKET, day.keys);
  work = await mkdtemp(join(tmpdir(), 'check-failures-'));
  idsFile = join(work, 'ids.txt');
  await writeFile(idsFile, day.ids.join('\n') + '\n');
});

afterAll(async () => {
  await s3?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * The CLI in a child process (its own exit code and unhandled rejections), optionally with a
 * skewed clock, or with files limited to `maxFileKb` (ulimit -f: a write past it fails with
 * EFBIG, as one on a full disk fails with ENOSPC).
 */
function cli(argv: string[], env: Record<string, string>, opts: { skewMs?: number; maxFileKb?: number } = {}): Promise<CliRun> {
  const skewMs = opts.skewMs ?? 0;
  const pre = skewMs ? ['--import', join(ROOT, 'test/support/skewed-clock.ts')] : [];
  const [cmd, args] = opts.maxFileKb
    ? ['bash', ['-c', `ulimit -f ${opts.maxFileKb}; exec "$0" "$@"`, NODE, ...pre, CLI, ...argv]]
    : [NODE, [...pre, CLI, ...argv]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TEST_CLOCK_SKEW_MS: String(skewMs), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}

const check = (out: string, env: Record<string, string> = s3.env, opts: { skewMs?: number; maxFileKb?: number } = {}) =>
  cli(['check', idsFile, '--bucket', BUCKET, '--endpoint', s3.endpoint, '--path-style', '--out', out, '-q', '--concurrency', '16'], env, opts);

describe('check when its results cannot be written', () => {
  it('the disk fills up part way: one error line, exit 1, what was written is kept, a rerun finishes', async () => {
    const out = join(work, 'disk-full');
    await mkdir(out);
    // 4 KB a file: about 110 ids, while the run has ~280 haves to write.
    const r = await check(out, s3.env, { maxFileKb: 4 });
    expect(r.code, r.stderr).toBe(1);
    // The ids file is made by hand and the S3 policy grants no raw crash: the hours-unknown warning comes first.
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: reading a raw crash (for its hour) was refused'));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: could not write the results \(.*EFBIG.*\); what was written before is kept/);
    // haves.txt holds processed crashes only (a torn last line is cut on the next open).
    const written = await readFile(join(out, 'haves.txt'), 'utf8');
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThanOrEqual(4096);
    const whole = written.slice(0, written.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
    expect(whole.every((id) => !unprocessed.has(id) && day.ids.includes(id))).toBe(true);
    // With room again, a rerun finishes the job exactly.
    const again = await check(out);
    expect(again.code, again.stderr).toBe(0);
    expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual([...day.unprocessed].sort());
    expect((await readIds(join(out, 'haves.txt'))).length).toBe(day.ids.length - day.unprocessed.length);
  });

  it('the disk fills up while the run goes on (a timed flush fails): the same, and no stack trace', async () => {
    // 20 ms a HEAD, 4 at once: the run takes ~2 s, so results are flushed by the timer mid-run.
    const proxy = await startFaultProxy(s3.endpoint, { latencyMs: 20 });
    try {
      const out = join(work, 'disk-full-timed');
      await mkdir(out);
      const r = await cli(
        ['check', idsFile, '--bucket', BUCKET, '--endpoint', proxy.url, '--path-style', '--out', out, '-q', '--concurrency', '4'],
        s3.env,
        { maxFileKb: 2 },
      );
      expect(r.code, r.stderr).toBe(1);
      // The ids file is made by hand and the S3 policy grants no raw crash: the hours-unknown warning comes first.
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: reading a raw crash (for its hour) was refused'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: could not write the results \(.*EFBIG.*\); what was written before is kept/);
      // It stopped soon after the failed write instead of checking every id.
      expect(proxy.stats.requests).toBeLessThan(day.ids.length);
    } finally {
      await proxy.close();
    }
  });
});

describe('check on a runner whose clock is off', () => {
  it.each([
    ['20 minutes ahead', 20 * 60_000],
    ['an hour behind', -60 * 60_000],
  ])('%s: HEADs are signed with the store\'s time, and every id is classified', async (_what, skew) => {
    const out = join(work, `skew-${skew}`);
    const r = await check(out, s3.env, { skewMs: skew });
    expect(r.code, r.stderr).toBe(0);
    expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual([...day.unprocessed].sort());
    expect((await readIds(join(out, 'haves.txt'))).length).toBe(day.ids.length - day.unprocessed.length);
  });
});

describe('check when S3 refuses the credentials themselves', () => {
  // What S3 answers (s3rver checks neither signatures nor clocks the way S3 does, so the proxy
  // answers for it): the listing's XML names the cause, HEADs get a bare 403.
  it.each([
    ['a wrong secret key', 403, 'SignatureDoesNotMatch', /^error: S3 refused the signature of a listing of v1\/processed_crash\/ \(HTTP 403\): check AWS_SECRET_ACCESS_KEY/],
    ['an unknown access key id', 403, 'InvalidAccessKeyId', /^error: S3 refused the credentials as invalid or expired .*check AWS_ACCESS_KEY_ID/],
    ['a clock S3 finds too far off', 403, 'RequestTimeTooSkewed', /^error: S3 refused a listing of v1\/processed_crash\/: this machine's clock is too far from the store's \(clock skew\)/],
    ['a real lack of s3:ListBucket', 403, 'AccessDenied', /^error: S3 answered 403 Forbidden to a listing of v1\/processed_crash\/: the credentials need s3:ListBucket/],
  ])('%s: says so, in one line, and checks nothing', async (_what, status, code, says) => {
    const proxy = await startFaultProxy(s3.endpoint, { refuse: { status, code } });
    try {
      const out = join(work, `refused-${code}`);
      const r = await cli(['check', idsFile, '--bucket', BUCKET, '--endpoint', proxy.url, '--path-style', '--out', out, '-q'], s3.env);
      expect(r.code).toBe(1);
      // The ids file is made by hand and the S3 policy grants no raw crash: the hours-unknown warning comes first.
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: reading a raw crash (for its hour) was refused'));
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(says);
      if (code !== 'AccessDenied') expect(lines[0]).not.toContain('s3:ListBucket');
      // The bucket check stopped it: one listing (a second after a clock correction), no HEAD.
      expect(proxy.stats.requests).toBeLessThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  });
});
