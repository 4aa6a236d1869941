/**
 * Google Cloud Storage through the real CLI (main() in this process, the CLI as a child where
 * exit codes matter): the loopback GCS server checks bearer tokens, which the tool gets through
 * Application Default Credentials from a Workload Identity credentials file and the loopback STS.
 * What is special to GCS: tokens (expiry, 401 and one fresh token, revocation), IAM permissions
 * (403), a missing bucket with least privilege, 429, the emulator without credentials.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { startGcsServer } from '../../src/demo/gcs-server.ts';
import { DEFAULT_SERVICE_ACCOUNT } from '../support/gcp-token-service.ts';
import { startTestStore, type TestStore } from '../support/stores.ts';
import { exists, readIds, runCli, spawnCli } from './cli-harness.ts';

const BUCKET = 'gcs-crashes';
const DAY = '20250301';
const day = syntheticDay(DAY, 600, 0.25, 'v1', 41);
const unprocessed = [...day.unprocessed].sort();
const processed = day.ids.filter((id) => !day.unprocessed.includes(id)).sort();

let store: TestStore;
let work: string;
let n = 0;
const outDir = () => join(work, `out-${n++}`);

// google-auth-library reads Application Default Credentials from the process environment: the
// in-process CLI runs of this file get them there; child processes get their own.
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  store = await startTestStore('gcs', { shortPages: { seed: 3 } });
  for (const [k, v] of Object.entries(store.env)) {
    savedEnv[k] = process.env[k];
    process.env[k] = v;
  }
  await store.createBucket(BUCKET);
  await store.put(BUCKET, day.keys, { savedAt: new Date(Date.UTC(2025, 2, 1, 13, 30)) });
  work = await mkdtemp(join(tmpdir(), 'gcs-store-'));
});

afterAll(async () => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const env = () => ({ ...store.env });
const cli = (argv: string[], extraEnv: Record<string, string> = {}) => runCli(argv, { ...env(), ...extraEnv });

describe('list and check on a gs:// bucket, with credentials from a Workload Identity file', () => {
  it('lists the day (short pages, junk keys) and sorts it into exactly the planted haves and havenots', async () => {
    const out = outDir();
    const l = await cli(['list', '--dates', DAY, ...store.args(BUCKET), '--chunk-size', '250', '--out', out, '-q']);
    expect(l.code, l.stderr).toBe(0);
    expect(await readIds(join(out, 'uuids.txt'))).toEqual(day.ids);
    expect(l.stdout).toMatch(new RegExp(`^  ${DAY}: 600, 3 other key\\(s\\) ignored$`, 'm'));
    const tokensBefore = store.tokens!.counts().sts;
    const c = await cli(['check', join(out, 'uuids.txt'), ...store.args(BUCKET), '--out', out, '-q']);
    expect(c.code, c.stderr).toBe(0);
    expect((await readIds(join(out, 'haves.txt'))).sort()).toEqual(processed);
    expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual(unprocessed);
    // One token for the whole run: every request shared it.
    expect(store.tokens!.counts().sts - tokensBefore).toBe(1);
  });

  it('since/until compare the objects\' updated time', async () => {
    const out = outDir();
    const inside = await cli(['list', '--dates', DAY, ...store.args(BUCKET), '--since', '13:30', '--until', '13:30', '--out', out, '-q']);
    expect(inside.code, inside.stderr).toBe(0);
    expect((await readIds(join(out, 'uuids.txt'))).length).toBe(600);
    const outside = await cli(['list', '--dates', DAY, ...store.args(BUCKET), '--since', '13:31', '--out', out, '-q']);
    expect(outside.code, outside.stderr).toBe(0);
    expect(await readIds(join(out, 'uuids.txt'))).toEqual([]);
    expect(outside.stdout).toMatch(new RegExp(`^  ${DAY}: 0, 3 other key\\(s\\) ignored, 600 outside --since/--until$`, 'm'));
  });

  it('the v2 layout on GCS too (4096 prefixes a day)', async () => {
    const v2 = syntheticDay('20250302', 40, 0.5, 'v2', 9);
    await store.put(BUCKET, v2.keys);
    const out = outDir();
    const r = await cli(['list', '--dates', '20250302', '--layout', 'v2', ...store.args(BUCKET), '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await readIds(join(out, 'uuids.txt'))).toEqual(v2.ids);
  });
});

describe('tokens', () => {
  it('a token revoked mid-run is replaced once (not once per request in flight), and nothing is misclassified', async () => {
    const out = outDir();
    const ids = join(work, 'ids-revoke.txt');
    await writeFile(ids, day.ids.join('\n') + '\n');
    store.gcs!.setLatency(3);
    const issuedBefore = store.tokens!.issued.length;
    let revoked = 0;
    const headsBefore = store.gcs!.counts().byApi['xml-head'] ?? 0;
    const timer = setInterval(() => {
      // After 150 HEADs of this run, the token in use stops working (revoked, as on a rotated key).
      if (revoked === 0 && (store.gcs!.counts().byApi['xml-head'] ?? 0) - headsBefore > 150) {
        for (const t of store.tokens!.issued.slice(issuedBefore)) store.gcs!.auth!.revoke(t.token);
        revoked++;
      }
    }, 5);
    try {
      const r = await cli(['check', ids, ...store.args(BUCKET), '--out', out, '-q', '--concurrency', '32']);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      clearInterval(timer);
      store.gcs!.setLatency(0);
    }
    expect(revoked).toBe(1);
    expect(store.tokens!.issued.length - issuedBefore).toBe(2);
    expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual(unprocessed);
    expect((await readIds(join(out, 'haves.txt'))).sort()).toEqual(processed);
  });

  it('tokens that expire during a run are replaced before they expire: no 401 at all', async () => {
    const s = await startTestStore('gcs', { latencyMs: 4 });
    try {
      s.tokens!.setLifetime(2);
      await s.createBucket(BUCKET);
      await s.put(BUCKET, day.keys);
      const out = outDir();
      const ids = join(work, 'ids-expiry.txt');
      await writeFile(ids, day.ids.join('\n') + '\n');
      const r = await spawnCli(['check', ids, ...s.args(BUCKET), '--out', out, '-q', '--concurrency', '4'], { ...s.env });
      expect(r.code, r.stderr).toBe(0);
      expect(s.gcs!.counts().byStatus['401'] ?? 0).toBe(0);
      // 600 HEADs at ~4 ms, 4 at a time: ~0.6 s+, so at least one token was replaced; not one per request.
      expect(s.tokens!.issued.length).toBeGreaterThanOrEqual(1);
      expect(s.tokens!.issued.length).toBeLessThan(20);
      expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual(unprocessed);
    } finally {
      await s.close();
    }
  });

  it('credentials GCS keeps refusing: one fresh token, then exit 1 saying they are invalid or expired; nothing written', async () => {
    const s = await startTestStore('gcs');
    try {
      await s.createBucket(BUCKET);
      // The STS issues tokens, but GCS never learnt of them (a token for another universe).
      s.tokens!.onIssue((t) => s.gcs!.auth!.revoke(t.token));
      const out = outDir();
      const ids = join(work, 'ids-refused.txt');
      await writeFile(ids, day.ids.slice(0, 50).join('\n') + '\n');
      const r = await spawnCli(['check', ids, ...s.args(BUCKET), '--out', out, '-q'], { ...s.env });
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: GCS refused the credentials as invalid or expired \(HTTP 401 to a listing of v1\/processed_crash\/\)/);
      expect(s.tokens!.issued).toHaveLength(2);
      expect(await exists(join(out, 'havenots.txt'))).toBe(false);
      // The tokens are never printed.
      for (const t of s.tokens!.issued) expect(r.stderr + r.stdout).not.toContain(t.token);
    } finally {
      await s.close();
    }
  });
});

describe('IAM: least privilege and 403', () => {
  it('works with exactly roles/storage.objectViewer (objects.get, objects.list; no buckets.get)', async () => {
    const s = await startTestStore('gcs');
    try {
      await s.createBucket(BUCKET);
      await s.put(BUCKET, day.keys);
      const viewer = ['storage.objects.get', 'storage.objects.list'] as const;
      const tokens: string[] = [];
      s.tokens!.onIssue((t) => {
        s.gcs!.auth!.setPermissions(t.principal, viewer);
        tokens.push(t.token);
      });
      const out = outDir();
      const l = await spawnCli(['list', '--dates', DAY, ...s.args(BUCKET), '--out', out, '-q'], { ...s.env });
      expect(l.code, l.stderr).toBe(0);
      const c = await spawnCli(['check', join(out, 'uuids.txt'), ...s.args(BUCKET), '--out', out, '-q'], { ...s.env });
      expect(c.code, c.stderr).toBe(0);
      expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual(unprocessed);
      // The restriction was in force: the same token may not read the bucket's metadata.
      const probe = await request(`${s.gcs!.url}/storage/v1/b/${BUCKET}`, { headers: { authorization: `Bearer ${tokens[0]}` } });
      await probe.body.text();
      expect(probe.statusCode).toBe(403);
      expect(s.gcs!.counts().byApiStatus['json-bucket 403']).toBe(1);
      // A HEAD for each processed crash found; the havenots' hours came with the listing.
      expect(s.gcs!.counts().byApiStatus['xml-head 200']).toBe(processed.length);
      expect(s.gcs!.counts().byApiStatus['xml-head 404']).toBe(unprocessed.length);
    } finally {
      await s.close();
    }
  });

  it.each([
    ['storage.objects.get missing', ['storage.objects.list'], 'a HEAD of a processed crash'],
    ['storage.objects.list missing', ['storage.objects.get'], 'a listing of v1/processed_crash/'],
  ])('%s: exit 1 at once, naming both permissions; no havenot', async (_what, permissions, what) => {
    const s = await startTestStore('gcs');
    try {
      await s.createBucket(BUCKET);
      await s.put(BUCKET, day.keys);
      for (const p of [DEFAULT_SERVICE_ACCOUNT, ...s.tokens!.issued.map((t) => t.principal)]) s.gcs!.auth!.setPermissions(p, permissions as never);
      s.tokens!.onIssue((t) => s.gcs!.auth!.setPermissions(t.principal, permissions as never));
      const out = outDir();
      const ids = join(work, `ids-403-${permissions[0]}.txt`);
      await writeFile(ids, day.ids.join('\n') + '\n');
      const r = await spawnCli(['check', ids, ...s.args(BUCKET), '--out', out, '-q', '--concurrency', '8'], { ...s.env });
      expect(r.code).toBe(1);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`GCS answered 403 Forbidden to ${what}`);
      expect(lines[0]).toContain('storage.objects.get and storage.objects.list');
      expect(lines[0]).toContain('roles/storage.objectViewer');
      expect(await readIds(join(out, 'havenots.txt')).catch(() => [])).toEqual([]);
      expect(s.gcs!.counts().byApi['xml-head'] ?? 0).toBeLessThanOrEqual(8);
    } finally {
      await s.close();
    }
  });
});

describe('a bucket that does not exist', () => {
  it('check: exit 1 before any result file is written, even though HEADs of missing objects would all be 404', async () => {
    const out = outDir();
    const ids = join(work, 'ids-nobucket.txt');
    await writeFile(ids, day.ids.slice(0, 20).join('\n') + '\n');
    const r = await cli(['check', ids, ...store.args('no-such-bucket-here'), '--out', out, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: GCS: no such bucket \(HTTP 404 to a listing of v1\/processed_crash\/\): check the bucket name \(gs:\/\/no-such-bucket-here\)/);
    expect(await exists(join(out, 'havenots.txt'))).toBe(false);
    expect(await exists(join(out, 'haves.txt'))).toBe(false);
  });

  it('list: exit 1, nothing written', async () => {
    const out = outDir();
    const r = await cli(['list', '--dates', DAY, ...store.args('no-such-bucket-here'), '--out', out, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GCS: no such bucket/);
    expect(await exists(join(out, 'uuids.txt'))).toBe(false);
  });
});

describe('throttling', () => {
  it('429 above a request rate: the pool narrows and every id is classified exactly', async () => {
    store.gcs!.setRateLimit({ perSecond: 300, scope: 'reads' });
    try {
      const out = outDir();
      const ids = join(work, 'ids-429.txt');
      await writeFile(ids, day.ids.join('\n') + '\n');
      const r = await cli(['check', ids, ...store.args(BUCKET), '--out', out, '--concurrency', '64']);
      expect(r.code, r.stderr).toBe(0);
      expect(store.gcs!.counts().byStatus['429']).toBeGreaterThan(0);
      expect(r.stdout).toMatch(/the store throttled \d+ time\(s\); concurrency ended at \d+/);
      expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual(unprocessed);
      expect((await readIds(join(out, 'haves.txt'))).sort()).toEqual(processed);
    } finally {
      store.gcs!.setRateLimit(undefined);
    }
  });
});

describe('an emulator without credentials (STORAGE_EMULATOR_HOST)', () => {
  it('a bare host:port, no Authorization on any request, exact results', async () => {
    const emu = await startGcsServer({ log: true });
    try {
      emu.createBucket(BUCKET);
      for (const k of day.keys) emu.put(BUCKET, k);
      const out = outDir();
      const noCreds = { HOME: work, CLOUDSDK_CONFIG: join(work, 'no-gcloud'), STORAGE_EMULATOR_HOST: emu.host };
      const l = await spawnCli(['list', '--dates', DAY, '--bucket', `gs://${BUCKET}`, '--out', out, '-q'], noCreds);
      expect(l.code, l.stderr).toBe(0);
      const c = await spawnCli(['check', join(out, 'uuids.txt'), '--bucket', `gs://${BUCKET}`, '--out', out, '-q'], noCreds);
      expect(c.code, c.stderr).toBe(0);
      expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual(unprocessed);
      expect(emu.requests().length).toBeGreaterThan(600);
      expect(emu.requests().every((q) => q.token === undefined)).toBe(true);
    } finally {
      await emu.close();
    }
  });
});

describe('choosing the store', () => {
  it.each([
    [['--bucket', 'gs://b-ok', '--storage', 's3'], /^error: --storage s3 contradicts --bucket gs:\/\/b-ok/],
    [['--bucket', 's3://b-ok', '--storage', 'gcs'], /^error: --storage gcs contradicts --bucket s3:\/\/b-ok/],
    [['--bucket', 'ftp://b-ok'], /^error: --bucket: ftp:\/\/b-ok is not a bucket \(NAME, s3:\/\/NAME or gs:\/\/NAME\)/],
    [['--bucket', 'gs://'], /^error: --bucket: gs:\/\/ is not a bucket name/],
  ])('%j is bad usage: exit 2, one line, nothing sent', async (args, says) => {
    const out = outDir();
    const before = store.gcs!.counts().requests;
    const r = await cli(['list', '--dates', DAY, ...args, '--endpoint', store.endpoint, '--out', out]);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(says);
    expect(store.gcs!.counts().requests).toBe(before);
  });

  it('--storage gcs takes a bare bucket name', async () => {
    const out = outDir();
    const r = await cli(['list', '--dates', DAY, '--bucket', BUCKET, '--storage', 'gcs', '--endpoint', store.endpoint, '--out', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readIds(join(out, 'uuids.txt'))).length).toBe(600);
  });
});

describe('the era hint', () => {
  it('a date of the S3 v2 era listed as GCS v1: 0 crashes, and one warning naming where they were', async () => {
    const out = outDir();
    const r = await cli(['list', '--dates', '20220815,20230105', ...store.args(BUCKET), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toEqual([
      'warning: 20220815 listed 0 crashes in the v1 layout on Google Cloud Storage; Socorro kept that date\'s crashes in the v2 layout on S3 (May 2016 – Sep 2022); ' +
        '20230105 listed 0 crashes in the v1 layout on Google Cloud Storage; Socorro kept that date\'s crashes in the v1 layout on S3 (Sep 2022 – Jul 2024): check the layout and the bucket',
    ]);
  });

  it('no hint for a date of the store\'s own era, even when it is empty', async () => {
    const out = outDir();
    const r = await cli(['list', '--dates', '20250303', ...store.args(BUCKET), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('warning:');
  });
});
