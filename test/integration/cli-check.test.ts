/**
 * `check` through the CLI's main() against each store (STORE_KINDS: S3 — s3rver or RGW — and
 * Google Cloud Storage with bearer tokens): HEAD v1/processed_crash/{id}, haves/havenots,
 * reruns. One bucket per store, seeded once with the same crashes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { STORE_KINDS, exportStoreEnv, startTestStore, type StoreKind, type TestStore } from '../support/stores.ts';
import { exists, listDir, readIds, runCli, type CliRun } from './cli-harness.ts';

const BUCKET = `cli-check-${process.pid}`;
const DAY = '20160918';
// 60 crashes, about 40% never processed, plus junk keys; deterministic.
const day = syntheticDay(DAY, 60, 0.4, 'v1', 5);
const unprocessed = new Set(day.unprocessed);
const processed = day.ids.filter((id) => !unprocessed.has(id));
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** What a 403 to a HEAD must explain, per store: why S3 says 403, which IAM permissions GCS needs. */
const FORBIDDEN_SAYS: Record<StoreKind, RegExp[]> = {
  s3: [/403/, /s3:ListBucket/],
  gcs: [/403/, /storage\.objects\.get and storage\.objects\.list/, /roles\/storage\.objectViewer/],
};

describe.each(STORE_KINDS)('check on %s', (kind) => {
  let store: TestStore;
  let undoEnv = () => {};
  let work: string;
  let listed: string; // an out folder with uuids.txt and chunks/ from `list`
  let chunkFiles: string[];

  function storeArgs(out: string, endpoint?: string): string[] {
    return [...store.args(BUCKET, endpoint), '--out', out, '-q'];
  }
  function check(files: string[], out: string, extra: string[] = []): Promise<CliRun> {
    return runCli(['check', ...files, ...storeArgs(out), '--concurrency', '8', ...extra], { ...store.env });
  }

  beforeAll(async () => {
    store = await startTestStore(kind);
    undoEnv = exportStoreEnv(store);
    await store.createBucket(BUCKET);
    await store.put(BUCKET, day.keys);
    work = await mkdtemp(join(tmpdir(), `cli-check-${kind}-`));
    listed = join(work, 'listed');
    const r = await runCli(['list', '--dates', DAY, '--chunk-size', '25', ...storeArgs(listed)], { ...store.env });
    if (r.code !== 0) throw new Error(`list failed: ${r.stderr}`);
    chunkFiles = (await listDir(join(listed, 'chunks'))).map((f) => join(listed, 'chunks', f));
  });

  afterAll(async () => {
    undoEnv();
    await store?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the fixture: list made three chunks of the planted ids, with processed and unprocessed ones', async () => {
    expect(chunkFiles.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['uuids-0-25.txt', 'uuids-25-50.txt', 'uuids-50-60.txt']);
    expect(await readIds(join(listed, 'uuids.txt'))).toEqual(day.ids);
    expect(processed.length).toBeGreaterThan(10);
    expect(unprocessed.size).toBeGreaterThan(10);
  });

  it('sorts one chunk into haves and havenots, exactly the planted sets', async () => {
    const out = join(work, 'one');
    const chunk = await readIds(chunkFiles[0]);
    const r = await check([chunkFiles[0]], out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const haves = await readIds(join(out, 'haves.txt'));
    const havenots = await readIds(join(out, 'havenots.txt'));
    expect(sorted(haves)).toEqual(sorted(chunk.filter((id) => !unprocessed.has(id))));
    expect(sorted(havenots)).toEqual(sorted(chunk.filter((id) => unprocessed.has(id))));
    expect(r.stdout).toContain(`checked 25 of 25 id(s)`);
    expect(r.stdout).toContain(`haves ${haves.length}, havenots ${havenots.length}`);
  });

  it('checks several chunk files in one run, each id landing in exactly one file', async () => {
    const out = join(work, 'all');
    const r = await check(chunkFiles, out);
    expect(r.code).toBe(0);
    const haves = await readIds(join(out, 'haves.txt'));
    const havenots = await readIds(join(out, 'havenots.txt'));
    expect(sorted(haves)).toEqual(sorted(processed));
    expect(sorted(havenots)).toEqual(sorted(day.unprocessed));
    expect(new Set([...haves, ...havenots]).size).toBe(haves.length + havenots.length);
  });

  it('a rerun is a no-op: no requests for classified ids, files unchanged', async () => {
    const out = join(work, 'rerun');
    expect((await check(chunkFiles.slice(0, 2), out)).code).toBe(0);
    const before = [await readFile(join(out, 'haves.txt'), 'utf8'), await readFile(join(out, 'havenots.txt'), 'utf8')];
    // Through a counting proxy (plain HTTP forwarding, so for either store): the rerun must not
    // send anything — no HEAD, no listing, and on GCS no token request either.
    const tokensBefore = store.tokens?.requests.length;
    const proxy = await startFaultProxy(store.endpoint);
    let r: CliRun;
    try {
      r = await runCli(['check', ...chunkFiles.slice(0, 2), ...storeArgs(out, proxy.url), '--concurrency', '8'], { ...store.env });
      expect(proxy.stats.requests).toBe(0);
    } finally {
      await proxy.close();
    }
    expect(store.tokens?.requests.length).toBe(tokensBefore);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('checked 0 of 50 id(s)');
    expect(r.stdout).toContain('50 skipped');
    expect([await readFile(join(out, 'haves.txt'), 'utf8'), await readFile(join(out, 'havenots.txt'), 'utf8')]).toEqual(before);
    // Then the last chunk adds only its own ids.
    expect((await check(chunkFiles, out)).code).toBe(0);
    const haves = await readIds(join(out, 'haves.txt'));
    const havenots = await readIds(join(out, 'havenots.txt'));
    expect(sorted(haves)).toEqual(sorted(processed));
    expect(sorted(havenots)).toEqual(sorted(day.unprocessed));
  });

  it('finishes a run that was killed mid-write: torn line cut, no duplicates', async () => {
    const out = join(work, 'torn');
    await mkdir(out, { recursive: true });
    const someHaves = processed.slice(0, 5);
    const someHavenots = day.unprocessed.slice(0, 5);
    const torn = day.unprocessed[5].slice(0, 17);
    await writeFile(join(out, 'haves.txt'), someHaves.join('\n') + '\n');
    await writeFile(join(out, 'havenots.txt'), someHavenots.join('\n') + '\n' + torn);
    const r = await check([join(listed, 'uuids.txt')], out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('10 skipped');
    const haves = await readIds(join(out, 'haves.txt'));
    const havenots = await readIds(join(out, 'havenots.txt'));
    expect(haves.slice(0, 5)).toEqual(someHaves);
    expect(havenots.slice(0, 5)).toEqual(someHavenots);
    expect(sorted(haves)).toEqual(sorted(processed));
    expect(sorted(havenots)).toEqual(sorted(day.unprocessed));
  });

  it('normalises its input: CRLF, blanks, spaces and duplicates', async () => {
    const out = join(work, 'messy');
    await mkdir(out, { recursive: true });
    const ids = [processed[0], day.unprocessed[0], processed[1]];
    const input = join(out, 'input.txt');
    await writeFile(input, `\r\n ${ids[0]} \r\n${ids[1]}\r\n\r\n${ids[0]}\r\n\t${ids[2]}`);
    const r = await check([input], out);
    expect(r.code).toBe(0);
    expect(sorted(await readIds(join(out, 'haves.txt')))).toEqual(sorted([processed[0], processed[1]]));
    expect(await readIds(join(out, 'havenots.txt'))).toEqual([day.unprocessed[0]]);
  });

  it('an invalid line is bad input: exit 2, file:line named, nothing written', async () => {
    const out = join(work, 'invalid');
    await mkdir(out, { recursive: true });
    const input = join(out, 'input.txt');
    await writeFile(input, `${processed[0]}\nnot-an-id\n`);
    const r = await check([input], out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${input}:2`);
    expect(await exists(join(out, 'haves.txt'))).toBe(false);
    expect(await exists(join(out, 'havenots.txt'))).toBe(false);
    // Unless --skip-invalid.
    const ok = await check([input], out, ['--skip-invalid']);
    expect(ok.code).toBe(0);
    expect(await readIds(join(out, 'haves.txt'))).toEqual([processed[0]]);
    expect(await readIds(join(out, 'havenots.txt'))).toEqual([]);
  });

  it('a missing or empty input file is bad input (exit 2)', async () => {
    const out = join(work, 'missing');
    await mkdir(out, { recursive: true });
    expect((await check([join(out, 'nope.txt')], out)).code).toBe(2);
    await writeFile(join(out, 'empty.txt'), '');
    expect((await check([join(out, 'empty.txt')], out)).code).toBe(2);
    expect(await exists(join(out, 'haves.txt'))).toBe(false);
  });

  it('a 403 on HEAD stops the run at once, explains it for the store, and writes no havenots', async () => {
    // The proxy lets the bucket check's listing through and answers every HEAD 403: on S3 what
    // a missing s3:ListBucket does to absent keys, on GCS a token without storage.objects.get.
    const proxy = await startFaultProxy(store.endpoint, { forbidHead: true });
    try {
      const out = join(work, 'forbidden');
      const r = await runCli(['check', join(listed, 'uuids.txt'), ...storeArgs(out, proxy.url), '--concurrency', '2'], { ...store.env });
      expect(r.code).toBe(1);
      for (const says of FORBIDDEN_SAYS[kind]) expect(r.stderr).toMatch(says);
      expect(await readIds(join(out, 'havenots.txt'))).toEqual([]);
      expect(await readIds(join(out, 'haves.txt'))).toEqual([]);
      // Stopped at once: nowhere near one HEAD per id.
      expect(proxy.stats.injected.forbidden ?? 0).toBeGreaterThan(0);
      expect(proxy.stats.requests).toBeLessThan(day.ids.length / 2);
    } finally {
      await proxy.close();
    }
  });

  it('a bucket that does not exist: exit 1 before any result file is written (its HEADs would all be 404)', async () => {
    const out = join(work, 'nobucket');
    const r = await runCli(['check', join(listed, 'uuids.txt'), ...store.args('no-such-bucket-here'), '--out', out, '-q'], { ...store.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: ${kind === 'gcs' ? 'GCS' : 'S3'}: no such bucket`));
    expect(await exists(join(out, 'haves.txt'))).toBe(false);
    expect(await exists(join(out, 'havenots.txt'))).toBe(false);
  });
});
