/**
 * `check` through the CLI's main() against each store (STORE_KINDS: S3 — s3rver or RGW — and
 * Google Cloud Storage with bearer tokens): HEAD v1/processed_crash/{id}, haves/havenots,
 * reruns. One bucket per store, seeded once with the same crashes.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHours, totalOf } from '../../src/core/hours.ts';
import { rawCrashKey, rawCrashKeys } from '../../src/core/layouts.ts';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { STORE_KINDS, exportStoreEnv, startTestStore, type StoreKind, type TestStore } from '../support/stores.ts';
import { chunkIdFiles, exists, listDir, readIds, runCli, type CliRun } from './cli-harness.ts';

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
    chunkFiles = (await chunkIdFiles(join(listed, 'chunks'))).map((f) => join(listed, 'chunks', f));
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

  /** check through a counting proxy: the requests the store got. */
  async function countedCheck(files: string[], out: string): Promise<{ r: CliRun; requests: number }> {
    const proxy = await startFaultProxy(store.endpoint);
    try {
      const r = await runCli(['check', ...files, ...storeArgs(out, proxy.url), '--concurrency', '8'], { ...store.env });
      return { r, requests: proxy.stats.requests };
    } finally {
      await proxy.close();
    }
  }
  // A raw crash is looked for where its era kept it first (the fixture's are all v1).
  const lookups = (ids: string[]) => ids.reduce((n, id) => n + rawCrashKeys(kind, id).indexOf(rawCrashKey('v1', id)) + 1, 0);
  const savedTimesOf = async (out: string) =>
    new Map((await readFile(join(out, 'havenots.tsv'), 'utf8')).trim().split('\n').map((l) => [l.split('\t')[0], l.split('\t')[1]] as const));

  it('a chunk from list: one request an id (its processed crash), the havenots\' hours from the listing', async () => {
    const chunk = await readIds(chunkFiles[0]);
    const lost = chunk.filter((id) => unprocessed.has(id));
    const { r, requests } = await countedCheck([chunkFiles[0]], join(work, 'from-list'));
    expect(r.code).toBe(0);
    // The bucket's one-key listing, then one HEAD an id: no raw crash is asked for its hour.
    expect(requests).toBe(1 + chunk.length);
    expect(r.stdout).not.toContain('asked of the store');
    expect(r.stdout).not.toContain('unknown hour');
    const fromList = await savedTimesOf(join(work, 'from-list'));
    expect(sorted(fromList.keys())).toEqual(sorted(lost));
    for (const id of lost) expect(fromList.get(id)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(totalOf(parseHours(await readFile(join(work, 'from-list', 'havenots-hours.json'), 'utf8')))).toBe(lost.length);

    // The same ids in a file made by hand: no saved times, so each havenot's raw crash is asked.
    const copy = join(work, 'by-hand.txt');
    await writeFile(copy, chunk.join('\n') + '\n');
    const seenBefore = store.s3?.seen?.length ?? 0;
    const looked = await countedCheck([copy], join(work, 'by-hand'));
    const seen = store.s3?.seen?.slice(seenBefore) ?? [];
    expect(looked.r.code).toBe(0);
    const fromLookup = await savedTimesOf(join(work, 'by-hand'));
    expect(sorted(await readIds(join(work, 'by-hand', 'havenots.txt')))).toEqual(sorted(lost));
    if (store.readsRawCrashes) {
      // A raw crash is looked for where its era kept it first (the fixture's are all v1); the hour is the listing's.
      expect(looked.r.stdout).toContain(`${lost.length} havenot hour(s) asked of the store`);
      expect(looked.requests).toBe(1 + chunk.length + lookups(lost));
      for (const id of lost) expect(fromList.get(id)).toBe(new Date(Math.floor(Date.parse(fromLookup.get(id)!) / 1000) * 1000).toISOString());
      expect(await readFile(join(work, 'from-list', 'havenots-hours.json'), 'utf8')).toBe(await readFile(join(work, 'by-hand', 'havenots-hours.json'), 'utf8'));
    } else {
      // The README's policy does not grant raw crashes: each lookup is refused once, the hour is
      // unknown, and the verdicts stand (no stop; issue "Production's shape", item 3).
      // The bucket check's listing, one HEAD an id; past that, the first hour lookup
      // alone, refused, and no other: the rest would be refused too.
      if (store.s3?.seen) {
        const denied = seen.filter((d) => !d.allowed);
        expect(looked.requests).toBe(seen.length);
        expect(seen.filter((d) => d.allowed && d.path.includes('/v1/processed_crash/') && d.method === 'HEAD')).toHaveLength(chunk.length);
        expect(seen.filter((d) => d.allowed && !(d.path.includes('/v1/processed_crash/') && d.method === 'HEAD')).map((d) => d.action)).toEqual(['s3:ListBucket']);
        expect(denied).toHaveLength(1);
        expect(denied.every((d) => d.method === 'HEAD' && /\/v[12]\/raw_crash\//.test(d.path))).toBe(true);
      }
      const asked = Number(/(\d+) havenot hour\(s\) asked of the store/.exec(looked.r.stdout)?.[1]);
      expect(asked).toBe(1);
      expect(looked.r.stderr.match(/reading a raw crash \(for its hour\) was refused/g)).toHaveLength(1);
      expect([...fromLookup.values()].every((t) => t === '-')).toBe(true);
      expect(looked.r.stdout).toContain(`${lost.length} havenot(s) of unknown hour`);
    }
  });

  it('check chunks/* (each sidecar named beside its id file): the same verdicts, one request an id; a sidecar alone is bad input', async () => {
    const everything = (await listDir(join(listed, 'chunks'))).map((f) => join(listed, 'chunks', f));
    expect(everything.filter((f) => f.endsWith('.saved-times'))).toHaveLength(chunkFiles.length);
    const { r, requests } = await countedCheck(everything, join(work, 'glob'));
    expect(r.code, r.stderr).toBe(0);
    expect(requests).toBe(1 + day.ids.length);
    expect(sorted(await readIds(join(work, 'glob', 'havenots.txt')))).toEqual(sorted(day.unprocessed));
    const alone = await check([chunkFiles[0].replace(/\.txt$/, '.saved-times')], join(work, 'alone'));
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim().split('\n')).toHaveLength(1);
    expect(alone.stderr).toContain('not an id file; give');
    expect(await exists(join(work, 'alone', 'haves.txt'))).toBe(false);
  });

  it('an id file edited since list wrote it: its saved times are not trusted (one warning), the hours are looked up', async () => {
    const dir = join(work, 'edited');
    await mkdir(dir, { recursive: true });
    const chunk = await readIds(chunkFiles[1]);
    const file = join(dir, 'uuids-25-50.txt');
    await writeFile(file, chunk.slice(1).join('\n') + '\n');
    await writeFile(join(dir, 'uuids-25-50.saved-times'), await readFile(chunkFiles[1].replace(/\.txt$/, '.saved-times')));
    const lost = chunk.slice(1).filter((id) => unprocessed.has(id));
    const seenBefore = store.s3?.seen?.length ?? 0;
    const { r, requests } = await countedCheck([file], join(dir, 'out'));
    const seen = store.s3?.seen?.slice(seenBefore) ?? [];
    expect(r.code).toBe(0);
    expect(r.stderr.match(/saved-times: its id file changed since list wrote it/g)).toHaveLength(1);
    if (store.readsRawCrashes) expect(r.stdout).toContain(`${lost.length} havenot hour(s) asked of the store`);
    if (store.readsRawCrashes) expect(requests).toBe(1 + chunk.length - 1 + lookups(lost));
    else if (store.s3?.seen) expect(seen.filter((d) => !d.allowed).length).toBeGreaterThanOrEqual(1);
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
