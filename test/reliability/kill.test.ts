/**
 * kill -9: the CLI (`node src/cli/index.ts`) as a child process, SIGKILLed at seeded random
 * points (counted in requests it made, so the kill lands mid-run however loaded the machine is),
 * check on each store of STORE_KINDS (S3; GCS with Workload Identity tokens) and reprocess,
 * killed again during the rerun, then run to completion. The final files must equal a clean
 * run's, with no torn line and no duplicate; the API must never have accepted an id twice except
 * for a batch that was already on the wire when the process died (its answer was lost with the
 * process), and those are counted exactly.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { createBucket, putObjects, startTestS3 } from '../../src/demo/s3.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import {
  duplicates,
  metric,
  seeded,
  sorted,
  sortedIds,
  spawnCli,
  startApiProxy,
  waitFor,
  type ApiProxy,
} from '../support/reliability.ts';
import { STORE_KINDS, startTestStore, type StoreKind } from '../support/stores.ts';

const SEEDS = [1, 2, 3, 4, 5];
const TOKEN = 'kill-test-token';
let work: string;

/** Lines of a file as a killed writer left it: complete lines only, and whether the tail was torn. */
async function afterKill(path: string): Promise<{ ids: string[]; torn: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { ids: [], torn: false };
  }
  const torn = text !== '' && !text.endsWith('\n');
  const complete = torn ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  return { ids: complete.split('\n').filter(Boolean), torn };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rel-kill-'));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * A store for the check runs, slowed down so a run lasts long enough to be killed in: S3 behind
 * the fault proxy (8 ms per request), or the loopback GCS server with 8 ms of latency and bearer
 * tokens through a Workload Identity credentials file (what a workflow job has). `requests`
 * counts what reached it, which is where the kill points are counted.
 */
interface KillTarget {
  args: string[];
  env: Record<string, string>;
  requests(): number;
  close(): Promise<void>;
}

async function killTarget(kind: StoreKind, bucket: string, processedKeys: string[]): Promise<KillTarget> {
  if (kind === 's3') {
    const s3 = await startTestS3();
    await createBucket(s3.client, bucket);
    await putObjects(s3.client, bucket, processedKeys);
    // A far-away S3: every request waits 8 ms.
    const proxy = await startFaultProxy(s3.endpoint, { latencyMs: 8 });
    return {
      args: ['--bucket', bucket, '--endpoint', proxy.url, '--path-style'],
      env: s3.env,
      requests: () => proxy.stats.requests,
      async close() {
        await proxy.close();
        await s3.close();
      },
    };
  }
  // As far away as S3 above: results are flushed on a timer, so a faster store would be killed
  // before anything reached the files, and the reruns would resume from nothing.
  const store = await startTestStore('gcs', { latencyMs: 8 });
  await store.createBucket(bucket);
  await store.put(bucket, processedKeys);
  return { args: store.args(bucket), env: store.env, requests: () => store.gcs!.counts().requests, close: () => store.close() };
}

describe.each(STORE_KINDS)('check on %s, SIGKILLed twice per seed, then finished', (kind) => {
  const BUCKET = `rel-kill-${process.pid}-${Date.now().toString(36)}`;
  const N = 1200;
  let target: KillTarget;
  const ids: string[] = [];
  const processed = new Set<string>();
  let idsFile = '';
  let clean: { haves: string[]; havenots: string[] };
  /** Lines the killed runs left (haves + havenots), every kill of every seed. */
  const leftByKills: number[] = [];

  const run = (out: string) => spawnCli(['check', idsFile, ...target.args, '--concurrency', '4', '--out', out, '-q'], target.env);

  beforeAll(async () => {
    const rand = seededBytes(31337);
    const seen = new Set<string>();
    while (ids.length < N) {
      const id = makeCrashId('20160915', rand);
      if (seen.has(id)) continue;
      seen.add(id);
      ids.push(id);
      if (rand()[0] >= 77) processed.add(id);
    }
    target = await killTarget(kind, BUCKET, [...processed].map(processedCrashKey));
    idsFile = join(work, `check-ids-${kind}.txt`);
    await writeFile(idsFile, ids.join('\n') + '\n');

    const out = join(work, `check-clean-${kind}`);
    await mkdir(out);
    const r = await run(out).done;
    expect(r.code, r.stderr).toBe(0);
    clean = { haves: await sortedIds(join(out, 'haves.txt')), havenots: await sortedIds(join(out, 'havenots.txt')) };
    // The clean run itself is the seeded truth.
    expect(clean.haves).toEqual(sorted(processed));
    expect(clean.havenots).toEqual(sorted(ids.filter((id) => !processed.has(id))));
  }, 180_000);

  afterAll(async () => {
    await target?.close();
  });

  it.each(SEEDS)('seed %i', async (seed) => {
    const rand = seeded(seed);
    const out = join(work, `check-kill-${kind}-${seed}`);
    await mkdir(out);
    const kills: Array<{ atRequest: number; haves: number; havenots: number; torn: boolean }> = [];
    for (let k = 0; k < 2; k++) {
      const base = target.requests();
      // Late enough for a flush, early enough in each run: a run sends about one request an id (S3 under the least-privilege
      // policy asks no raw crash after the first refusal), and the second resumes from the first.
      const at = 300 + Math.floor(rand() * (N / 4));
      const jitterMs = Math.floor(rand() * 20);
      const { child, done } = run(out);
      const running = await waitFor(() => target.requests() - base >= at, child);
      expect(running, 'the run ended before the kill point').toBe(true);
      await new Promise((r) => setTimeout(r, jitterMs));
      child.kill('SIGKILL');
      const res = await done;
      expect(res.signal).toBe('SIGKILL');
      // What the killed run left: complete lines only are trusted, and each must be right.
      const h = await afterKill(join(out, 'haves.txt'));
      const n = await afterKill(join(out, 'havenots.txt'));
      for (const id of h.ids) expect(processed.has(id), `${id} in haves after kill ${k}`).toBe(true);
      for (const id of n.ids) expect(processed.has(id), `${id} in havenots after kill ${k}`).toBe(false);
      kills.push({ atRequest: target.requests() - base, haves: h.ids.length, havenots: n.ids.length, torn: h.torn || n.torn });
      leftByKills.push(h.ids.length + n.ids.length);
    }
    const fin = await run(out).done;
    expect(fin.code, fin.stderr).toBe(0);
    const haves = await sortedIds(join(out, 'haves.txt')); // throws on a torn line or a duplicate
    const havenots = await sortedIds(join(out, 'havenots.txt'));
    expect(haves).toEqual(clean.haves);
    expect(havenots).toEqual(clean.havenots);
    expect(haves.filter((id) => havenots.includes(id))).toEqual([]);
    metric('kill-check', { store: kind, seed, kills, finalHaves: haves.length, finalHavenots: havenots.length, lost: 0, duplicated: 0, misclassified: 0 });
  }, 180_000);

  it('Ctrl-C (SIGINT): the HEADs in flight are written, whole lines only, exit 1 saying so; a rerun finishes', async () => {
    const out = join(work, `check-sigint-${kind}`);
    await mkdir(out);
    const base = target.requests();
    const { child, done } = run(out);
    expect(await waitFor(() => target.requests() - base >= 300, child), 'the run ended before the signal').toBe(true);
    child.kill('SIGINT');
    const res = await done;
    expect(res.signal).toBeNull();
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('SIGINT: stopping after the work in flight');
    expect(res.stderr).toMatch(/interrupted: what was classified is written; rerun to finish/);
    // Complete lines only (sortedIds throws on a torn one), each right, and some of them.
    const haves = await sortedIds(join(out, 'haves.txt'));
    const havenots = await sortedIds(join(out, 'havenots.txt'));
    for (const id of haves) expect(processed.has(id)).toBe(true);
    for (const id of havenots) expect(processed.has(id)).toBe(false);
    expect(haves.length + havenots.length).toBeGreaterThan(0);
    expect(haves.length + havenots.length).toBeLessThan(N);
    const fin = await run(out).done;
    expect(fin.code, fin.stderr).toBe(0);
    expect(await sortedIds(join(out, 'haves.txt'))).toEqual(clean.haves);
    expect(await sortedIds(join(out, 'havenots.txt'))).toEqual(clean.havenots);
  }, 120_000);

  it('the kills above left results behind, so the reruns really resumed from partial files', () => {
    expect(leftByKills).toHaveLength(2 * SEEDS.length);
    expect(leftByKills.filter((n) => n > 0).length).toBeGreaterThan(0);
  });

  it('a torn last line (a kill mid-write) is cut off and the id checked again', async () => {
    const out = join(work, `check-torn-${kind}`);
    await mkdir(out);
    const first = sorted(processed).slice(0, 10);
    const unp = ids.filter((id) => !processed.has(id));
    await writeFile(join(out, 'haves.txt'), first.join('\n') + '\n' + sorted(processed)[10].slice(0, 17));
    await writeFile(join(out, 'havenots.txt'), unp.slice(0, 3).join('\n') + '\n' + unp[3].slice(0, 30));
    const r = await run(out).done;
    expect(r.code, r.stderr).toBe(0);
    expect(await sortedIds(join(out, 'haves.txt'))).toEqual(clean.haves);
    expect(await sortedIds(join(out, 'havenots.txt'))).toEqual(clean.havenots);
  }, 120_000);
});

describe('reprocess, SIGKILLed twice per seed, then finished', () => {
  const N = 400;
  const BATCH = 10;
  let api: SocorroApi;
  let proxy: ApiProxy;
  const rand0 = seededBytes(4711);
  const ids: string[] = [];
  while (ids.length < N) ids.push(makeCrashId('20160915', rand0));

  const run = (out: string, file: string) =>
    spawnCli(['reprocess', file, '--api-url', proxy.url, '--batch-size', String(BATCH), '--sleep', '0', '--out', out, '-q'], { SOCORRO_API_TOKEN: TOKEN });

  beforeAll(async () => {
    api = await startSocorroApi({ token: TOKEN });
    // A slow API: each request is held 15 ms before Socorro sees it.
    proxy = await startApiProxy(api.url, { latencyMs: 15 });
  });

  afterAll(async () => {
    await proxy?.close();
    await api?.close();
  });

  it('a clean run submits every id once', async () => {
    const out = join(work, 'reprocess-clean');
    await mkdir(out);
    const file = join(out, 'havenots.txt');
    await writeFile(file, ids.join('\n') + '\n');
    const before = api.accepted.length;
    const r = await run(out, file).done;
    expect(r.code, r.stderr).toBe(0);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(ids));
    expect(sorted(api.accepted.slice(before))).toEqual(sorted(ids));
  }, 120_000);

  // SIGINT (Ctrl-C) and SIGTERM (a cancelled job) too: the same guarantees must hold.
  const RUNS = [...SEEDS.map((s) => [s, 'SIGKILL'] as const), [6, 'SIGINT'] as const, [7, 'SIGTERM'] as const];
  it.each(RUNS)('seed %i, %s', async (seed, signal) => {
    const rand = seeded(seed * 7919);
    const out = join(work, `reprocess-kill-${seed}`);
    await mkdir(out);
    // Ids of their own for each seed, so the server's record of this seed is separable.
    const mine = ids.map((id) => id.slice(0, 30) + String(seed).padStart(2, '0') + id.slice(32));
    const file = join(out, 'havenots.txt');
    await writeFile(file, mine.join('\n') + '\n');
    const mineSet = new Set(mine);
    const acceptedMine = () => api.accepted.filter((id) => mineSet.has(id));

    const kills: Array<{ atRequest: number; ledger: number; torn: boolean; acceptedNotInLedger: number; exit: string | number | null }> = [];
    let expectedResends = 0;
    for (let k = 0; k < 2; k++) {
      const base = proxy.stats.requests;
      const remainingBatches = Math.ceil((N - (await afterKill(join(out, 'reprocessed.txt'))).ids.length) / BATCH);
      const at = 1 + Math.floor(rand() * Math.max(1, remainingBatches - 3));
      const jitterMs = Math.floor(rand() * 15);
      const { child, done } = run(out, file);
      const running = await waitFor(() => proxy.stats.requests - base >= at, child);
      expect(running, 'the run ended before the kill point').toBe(true);
      await new Promise((r) => setTimeout(r, jitterMs));
      child.kill(signal);
      const res = await done;
      if (signal === 'SIGKILL') expect(res.signal).toBe('SIGKILL');
      else expect(res.code === 0 && res.signal === null, 'stopped by the signal, not finished').toBe(false);
      // A request already sent still reaches the API, as it would in real life.
      await proxy.idle();
      const ledger = await afterKill(join(out, 'reprocessed.txt'));
      const accepted = new Set(acceptedMine());
      // Never in the ledger without a 2xx.
      for (const id of ledger.ids) expect(accepted.has(id)).toBe(true);
      // Accepted but not in the ledger: only the batch on the wire at the kill (at most one).
      const inLedger = new Set(ledger.ids);
      const unrecorded = [...accepted].filter((id) => !inLedger.has(id));
      expect(unrecorded.length).toBeLessThanOrEqual(BATCH);
      // SIGINT/SIGTERM let the batch in flight finish and reach the ledger before the exit.
      if (signal !== 'SIGKILL') expect(unrecorded).toEqual([]);
      expectedResends += unrecorded.length;
      kills.push({ atRequest: proxy.stats.requests - base, ledger: ledger.ids.length, torn: ledger.torn, acceptedNotInLedger: unrecorded.length, exit: res.signal ?? res.code });
    }
    const fin = await run(out, file).done;
    expect(fin.code, fin.stderr).toBe(0);
    const ledger = await sortedIds(join(out, 'reprocessed.txt')); // no torn line, no duplicate
    expect(ledger).toEqual(sorted(mine));
    expect(await sortedIds(join(out, 'rejected.txt'))).toEqual([]);
    const all = acceptedMine();
    const dups = duplicates(all);
    // Each id accepted once, except the ids of batches whose answer died with the process.
    expect(all.length).toBe(N + expectedResends);
    expect([...dups.values()].every((n) => n === 2)).toBe(true);
    expect(dups.size).toBe(expectedResends);
    metric('kill-reprocess', { seed, signal, kills, finalLedger: ledger.length, lost: N - ledger.length, acceptedTwice: dups.size, batchSize: BATCH });
  }, 180_000);
});
