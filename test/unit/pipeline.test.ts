/**
 * The jobs of a workflow run against ports in memory: artifacts handed between jobs and
 * attempts, a store, an API that records every batch. What a re-run, a failed check, an
 * unreadable ledger or a lost snapshot does to what is sent, without a runner. The same jobs run
 * through the real artifact client and a real runner in test/e2e.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spell } from '../../src/action/inputs.ts';
import {
  SNAPSHOT_EVERY_BATCHES,
  artifactNames,
  checkJob,
  listJob,
  planJob,
  submitJob,
  verifyJob,
  type PipelineDeps,
  type RunContext,
} from '../../src/action/pipeline.ts';
import { processedCrashKey, rawCrashKey } from '../../src/core/layouts.ts';
import { silentReporter } from '../../src/core/progress.ts';
import type { CrashStatsApi } from '../../src/ports/socorro-api.ts';
import type { StoreConfig } from '../../src/ports/store.ts';
import { MemoryArtifacts } from '../support/memory-artifacts.ts';
import { MemoryStore, storeError } from '../support/memory-store.ts';

// Two recent crash dates, inside search's retention.
const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
const DATES = [day(3), day(2)];
const yymmdd = (d: string) => d.slice(2);
const ID = (i: number, date: string) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000${yymmdd(date)}`;
const ALL = DATES.flatMap((d, j) => Array.from({ length: 120 }, (_, i) => ID(j * 1000 + i, d)));
/** Every fifth id was never processed. */
const HAVENOTS = ALL.filter((_, i) => i % 5 === 0);
const HAVES = ALL.filter((_, i) => i % 5 !== 0);
/** The hour (UTC, HH) each raw crash was saved on its date: they spread over the day. */
const SAVED_HOUR = new Map(ALL.map((id, i) => [id, String(i % 24).padStart(2, '0')]));
/** havenots-hours.json as the havenots above make it: {"20YYMMDD": {"HH": count}}. */
function havenotHours(): Record<string, Record<string, number>> {
  const hours: Record<string, Record<string, number>> = {};
  for (const id of HAVENOTS) {
    const d = (hours[`20${id.slice(-6)}`] ??= {});
    const h = SAVED_HOUR.get(id)!;
    d[h] = (d[h] ?? 0) + 1;
  }
  return hours;
}
const CONFIG: StoreConfig = { kind: 'gcs', bucket: 'memory', region: 'auto', pathStyle: false };

interface Sent {
  batches: string[][];
  ids: () => string[];
}

function recordingApi(sent: Sent, opts: { search?: Set<string> } = {}): CrashStatsApi {
  return {
    idsPerSearch: 50,
    submit: (ids) => {
      sent.batches.push(ids);
      return Promise.resolve({ status: 200, body: 'null' });
    },
    search: (ids) => Promise.resolve({ status: 200, body: '{}', found: new Set(ids.filter((id) => opts.search?.has(id))) }),
    // The pipeline's jobs never ask for a histogram (scan does).
    histogram: () => Promise.reject(new Error('the pipeline asked for a histogram')),
    close: () => Promise.resolve(),
  };
}

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pipeline-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const out = async () => mkdtemp(join(dir, `job-${n++}-`));

function world(opts: { prefix?: string; runId?: number; search?: Set<string> } = {}) {
  const store = new MemoryStore({ kind: 'gcs', pageSize: 17 });
  for (const id of ALL) store.put(rawCrashKey('v1', id), Date.parse(`20${id.slice(-6, -4)}-${id.slice(-4, -2)}-${id.slice(-2)}T${SAVED_HOUR.get(id)}:30:00Z`));
  for (const id of HAVES) store.put(processedCrashKey(id));
  const artifacts = new MemoryArtifacts(opts.runId ?? 1);
  const sent: Sent = { batches: [], ids: () => sent.batches.flat() };
  const deps = (a: MemoryArtifacts = artifacts, s: MemoryStore = store): PipelineDeps => ({
    artifacts: a,
    reporter: silentReporter,
    openStore: () => s,
    api: () => recordingApi(sent, { search: opts.search }),
    spell,
    group: (_title, fn) => fn(),
  });
  const names = artifactNames(opts.prefix);
  const ctx = (attempt: number): RunContext => ({ attempt, names });
  return { store, artifacts, sent, deps, ctx, names };
}

type World = ReturnType<typeof world>;

async function list(w: World, attempt = 1, chunkSize = 50) {
  return listJob({ store: CONFIG, list: { dates: DATES, layout: 'v1', chunkSize, out: await out() } }, w.ctx(attempt), w.deps());
}

async function checkAll(w: World, chunks: number[], attempt = 1, search = false) {
  for (const k of chunks) {
    await checkJob(k, { store: CONFIG, check: { out: await out(), concurrency: 4, search }, search: search ? { api: { apiUrl: 'http://x' }, perMinute: 1e6 } : undefined }, w.ctx(attempt), w.deps());
  }
}

async function plan(w: World, attempt = 1, extra: Partial<Parameters<typeof planJob>[0]> = {}) {
  return planJob({ out: await out(), max: 10_000, allowMany: false, ...extra }, w.ctx(attempt), w.deps());
}

async function submit(w: World, attempt = 1, extra: { signal?: AbortSignal; batchSize?: number } = {}) {
  return submitJob({ reprocess: { out: await out(), batchSize: extra.batchSize ?? 4, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' }, signal: extra.signal }, w.ctx(attempt), w.deps());
}

const sorted = (ids: Iterable<string>) => [...ids].sort();
const idLines = (text: string | undefined) => (text ?? '').split('\n').filter(Boolean).sort();

describe('one run, every job once', () => {
  it('lists into chunks, checks each, plans, submits each havenot once, verifies, with per-date totals', async () => {
    const w = world();
    const l = await list(w);
    expect(l.total).toBe(ALL.length);
    const chunks = l.plan.chunks.map((c) => c.index);
    expect(chunks).toEqual([0, 1, 2, 3, 4]);
    expect(w.artifacts.names()).toEqual(['chunk-0', 'chunk-1', 'chunk-2', 'chunk-3', 'chunk-4', 'uuids']);
    await checkAll(w, chunks);
    const p = await plan(w);
    expect([p.plan.checked, p.plan.havenots, p.plan.toSubmit, p.plan.earlierSubmitted]).toEqual([ALL.length, HAVENOTS.length, HAVENOTS.length, 0]);
    expect(idLines(w.artifacts.text('havenots', 'havenots.txt'))).toEqual(sorted(HAVENOTS));
    expect(idLines(w.artifacts.text('to-submit', 'to-submit.txt'))).toEqual(sorted(HAVENOTS));
    for (const d of DATES) expect(p.plan.byDate[d]).toEqual({ listed: 120, processed: 96, havenots: 24, notSearchable: 0, submitted: 0, verified: 0 });
    // Each havenot's hour, merged from the chunks.
    expect(p.plan.hours).toEqual(havenotHours());
    expect(Object.keys(p.plan.hours[DATES[0]]).length).toBeGreaterThan(5);

    const s = await submit(w);
    expect(sorted(w.sent.ids())).toEqual(sorted(HAVENOTS));
    expect(s.result.submitted).toBe(HAVENOTS.length);
    expect(s.ledger).toBe('reprocessed-1');
    expect(idLines(w.artifacts.text('reprocessed-1', 'reprocessed.txt'))).toEqual(sorted(HAVENOTS));
    // 12 batches: no snapshot is due, and none is left beside the final ledger.
    expect(w.artifacts.names().filter((a) => a.startsWith('reprocessed-'))).toEqual(['reprocessed-1']);

    // They are processed now: verify finds every one, and completes the plan's totals.
    for (const id of HAVENOTS) w.store.put(processedCrashKey(id));
    const v = await verifyJob({ store: CONFIG, verify: { out: await out(), concurrency: 4 } }, w.ctx(1), w.deps());
    expect([v.result.verified, v.result.unverified, v.ledgers]).toEqual([HAVENOTS.length, 0, 1]);
    for (const d of DATES) expect(v.plan?.byDate[d]).toMatchObject({ havenots: 24, submitted: 24, verified: 24 });
    expect(idLines(w.artifacts.text('verified', 'verified.txt'))).toEqual(sorted(HAVENOTS));
  });

  it('counts a stored crash search lacks as a havenot, by date', async () => {
    // Search has all haves but the first ten of the first date.
    const missingFromSearch = new Set(HAVES.slice(0, 10));
    const w = world({ search: new Set(HAVES.filter((id) => !missingFromSearch.has(id))) });
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index), 1, true);
    const p = await plan(w);
    expect([p.plan.havenots, p.plan.notSearchable]).toEqual([HAVENOTS.length + 10, 10]);
    expect(p.plan.byDate[DATES[0]]).toMatchObject({ listed: 120, processed: 86, havenots: 34, notSearchable: 10 });
    const tsv = (w.artifacts.text('havenots', 'havenots.tsv') ?? '').split('\n').filter((line) => line.endsWith('\tnot-searchable'));
    expect(tsv.map((line) => line.split('\t')[0]).sort()).toEqual(sorted(missingFromSearch));
    await submit(w);
    expect(sorted(w.sent.ids())).toEqual(sorted([...HAVENOTS, ...missingFromSearch]));
  });

  it("uses the caller's prefix for every name, and never reads the caller's own artifacts", async () => {
    const w = world({ prefix: 'sr-' });
    // The caller's own artifact with a name of ours: it must survive and not be taken for a result.
    const own = await out();
    await import('node:fs/promises').then((fs) => fs.writeFile(join(own, 'havenots.txt'), ALL.join('\n') + '\n'));
    await w.artifacts.upload('result-0', [join(own, 'havenots.txt')], own);
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    await plan(w);
    await submit(w);
    expect(sorted(w.sent.ids())).toEqual(sorted(HAVENOTS));
    expect(w.artifacts.names()).toContain('result-0');
    expect(w.artifacts.names().filter((a) => a !== 'result-0').every((a) => a.startsWith('sr-'))).toBe(true);
  });
});

describe('the plan sends nothing unless every chunk has a complete result', () => {
  it('refuses when a chunk has no result, naming it', async () => {
    const w = world();
    await list(w);
    await checkAll(w, [0, 1, 3, 4]);
    await expect(plan(w)).rejects.toThrow(/no check result for chunk\(s\) 2: re-run the failed check jobs first; nothing was sent/);
    expect(w.artifacts.names()).not.toContain('to-submit');
  });

  it('refuses a result a failed check left, and a re-run checks only the rest of the chunk', async () => {
    const w = world();
    await list(w);
    await checkAll(w, [0, 1, 2, 3]);
    // Chunk 4's check loses its credentials after 20 HEADs: the job fails, its result is kept.
    let heads = 0;
    const failing = new MemoryStore({ kind: 'gcs', fail: (op) => (op === 'head' && ++heads > 20 ? storeError('forbidden', 403) : undefined) });
    for (const [k, v] of w.store.objects) failing.put(k, v);
    const failed = await checkJob(4, { store: CONFIG, check: { out: await out(), concurrency: 1 } }, w.ctx(1), w.deps(w.artifacts, failing));
    expect(failed.result.failure).toMatch(/forbidden/);
    expect(w.artifacts.names()).toContain('result-4');
    expect(JSON.parse(w.artifacts.text('result-4', 'check.json') ?? '{}')).toMatchObject({ chunk: 4, complete: false, listAttempt: 1, attempt: 1 });
    await expect(plan(w)).rejects.toThrow(/an unfinished check result for chunk\(s\) 4/);

    // Attempt 2 re-runs the failed check job: it starts from what attempt 1 classified.
    const before = w.store.calls.head;
    const r = await checkJob(4, { store: CONFIG, check: { out: await out(), concurrency: 1 } }, w.ctx(2), w.deps());
    expect(r.resumed).toBe(true);
    expect(r.uploaded).toBe('result-4-attempt2');
    const [chunkFile] = w.artifacts.files('chunk-4');
    const chunkIds = idLines(w.artifacts.text('chunk-4', chunkFile));
    expect(chunkIds.length).toBeGreaterThan(20);
    const classifiedBefore = idLines(w.artifacts.text('result-4', 'haves.txt')).length + idLines(w.artifacts.text('result-4', 'havenots.txt')).length;
    expect(classifiedBefore).toBeGreaterThan(0);
    // HEADs of the ids left (plus the raw-crash lookup for each havenot's hour), none of the rest.
    const left = chunkIds.length - classifiedBefore;
    expect(w.store.calls.head - before).toBeGreaterThanOrEqual(left);
    expect(w.store.calls.head - before).toBeLessThan(chunkIds.length);
    const p = await plan(w, 2);
    expect(p.plan.havenots).toBe(HAVENOTS.length);
    await submit(w, 2);
    expect(sorted(w.sent.ids())).toEqual(sorted(HAVENOTS));
  });

  it('takes results of the newest listing only: a re-list in attempt 2 needs its chunks checked again', async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    // Attempt 2 re-runs everything from the list job: results of the older listing are not its.
    await list(w, 2);
    expect(w.artifacts.names()).toContain('uuids-attempt2');
    await expect(plan(w, 2)).rejects.toThrow(/no check result for chunk\(s\) 0, 1, 2, 3, 4/);
    await checkAll(w, [0, 1, 2, 3, 4], 2);
    expect((await plan(w, 2)).plan.toSubmit).toBe(HAVENOTS.length);
  });

  it('a second plan in one attempt (a dry run, then the real one) takes the next free names, and its submit the newer plan', async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    await plan(w);
    await submit(w, 1, { batchSize: 100 });
    const p2 = await plan(w);
    expect(p2.plan.toSubmit).toBe(0);
    expect(w.artifacts.names()).toEqual(expect.arrayContaining(['havenots', 'havenots.2', 'to-submit', 'to-submit.2']));
    expect(idLines(w.artifacts.text('to-submit.2', 'to-submit.txt'))).toEqual([]);
  });

  it('refuses more than max ids to submit, sending nothing', async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    await expect(plan(w, 1, { max: 10 })).rejects.toThrow(/48 crash ids to submit is more than max 10; nothing will be sent/);
    expect(w.sent.batches).toEqual([]);
  });

  it('a dry run over max still plans, so the numbers and the chart are seen before anyone decides', async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    const p = await plan(w, 1, { max: 10, dryRun: true });
    expect(p.plan.toSubmit).toBe(HAVENOTS.length);
    expect(idLines(w.artifacts.text('to-submit', 'to-submit.txt'))).toHaveLength(HAVENOTS.length);
    expect(w.sent.batches).toEqual([]);
  });
});

describe('submit across attempts: each id once', () => {
  async function planned(w: World) {
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    await plan(w);
  }

  it('a cancelled submit saves its ledger; the re-run sends only the rest, and none twice', async () => {
    const w = world();
    await planned(w);
    const stop = new AbortController();
    const deps = w.deps();
    // Cancelled after the 5th batch is accepted.
    const api = deps.api;
    deps.api = (c, r, s) => {
      const a = api(c, r, s);
      return { ...a, submit: async (ids) => { const x = await a.submit(ids); if (w.sent.batches.length === 5) stop.abort(); return x; } };
    };
    const first = await submitJob({ reprocess: { out: await out(), batchSize: 4, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' }, signal: stop.signal }, w.ctx(1), deps);
    expect(first.result.failure).toMatch(/^interrupted: 20 id\(s\) were accepted/);
    expect(idLines(w.artifacts.text('reprocessed-1', 'reprocessed.txt'))).toHaveLength(20);

    const second = await submit(w, 2);
    expect(second.earlier).toBe(20);
    expect(second.result.submitted).toBe(HAVENOTS.length - 20);
    expect(w.sent.ids()).toHaveLength(HAVENOTS.length);
    expect(sorted(w.sent.ids())).toEqual(sorted(HAVENOTS));
  });

  it(`snapshots the ledger every ${SNAPSHOT_EVERY_BATCHES} batches: a runner lost without a word resends at most that many`, async () => {
    const w = world();
    await planned(w);
    // Every batch goes out, then the runner is lost before the final ledger is uploaded: only the
    // snapshot after batch 25 tells the re-run what was sent.
    const artifacts = w.artifacts;
    const lost = artifacts.view({ fail: (op, name) => (op === 'upload' && name === 'reprocessed-1' ? new Error('runner lost') : undefined) });
    await expect(submitJob({ reprocess: { out: await out(), batchSize: 1, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(1), w.deps(lost))).rejects.toThrow(/runner lost/);
    const sentFirst = w.sent.ids().length;
    expect(sentFirst).toBe(HAVENOTS.length);
    // One snapshot (after batch 25) survives; the earlier ones were replaced by it.
    expect(artifacts.names().filter((a) => a.startsWith('reprocessed-'))).toEqual(['reprocessed-1-part1']);
    const snapshot = idLines(artifacts.text('reprocessed-1-part1', 'reprocessed.txt'));
    expect(snapshot).toHaveLength(SNAPSHOT_EVERY_BATCHES);
    const second = await submit(w, 2);
    expect(second.earlier).toBe(SNAPSHOT_EVERY_BATCHES);
    // The re-run sends exactly the havenots the snapshot lacks: the batches after it, resent, and nothing of the snapshot's.
    const resent = w.sent.ids().slice(sentFirst);
    expect(sorted(resent)).toEqual(sorted(HAVENOTS.filter((id) => !snapshot.includes(id))));
    expect(resent).toHaveLength(HAVENOTS.length - SNAPSHOT_EVERY_BATCHES);
  });

  it('stops sending when a snapshot cannot be uploaded, and still leaves the ledger', async () => {
    const w = world();
    await planned(w);
    const lossy = w.artifacts.view({ fail: (op, name) => (op === 'upload' && name === 'reprocessed-1-part1' ? new Error('503 Service Unavailable') : undefined) });
    const r = await submitJob({ reprocess: { out: await out(), batchSize: 1, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(1), w.deps(lossy));
    expect(r.result.failure).toMatch(/could not save the ledger so far \(503 Service Unavailable\); stopped sending: 25 id\(s\)/);
    expect(w.sent.ids()).toHaveLength(SNAPSHOT_EVERY_BATCHES);
    expect(idLines(w.artifacts.text('reprocessed-1', 'reprocessed.txt'))).toHaveLength(SNAPSHOT_EVERY_BATCHES);
  });

  it('sends nothing when the ledgers cannot be listed', async () => {
    const w = world();
    await planned(w);
    const blind = w.artifacts.view({ fail: (op) => (op === 'list' ? new Error('500 Internal Server Error') : undefined) });
    await expect(submitJob({ reprocess: { out: await out(), sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(2), w.deps(blind))).rejects.toThrow(/could not list the artifacts/);
    expect(w.sent.batches).toEqual([]);
  });

  it('sends nothing when an earlier ledger cannot be read', async () => {
    const w = world();
    await planned(w);
    await submit(w, 1, { batchSize: 100 });
    const n = w.sent.ids().length;
    const broken = w.artifacts.view({ fail: (op, name) => (op === 'download' && name === 'reprocessed-1' ? new Error('digest mismatch') : undefined) });
    await expect(submitJob({ reprocess: { out: await out(), sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(2), w.deps(broken))).rejects.toThrow(/reprocessed-1.*digest mismatch/);
    expect(w.sent.ids()).toHaveLength(n);
  });

  it("a run planned from another run's results honours that run's ledgers, and checks its havenots against the store again", async () => {
    const w = world({ runId: 10 });
    await planned(w);
    await submit(w, 1, { batchSize: 10 });
    const recheck = { store: CONFIG, concurrency: 4 };
    // A later run: from-run 10; the earlier run already sent everything.
    const later = w.artifacts.view({ runId: 11 });
    const p = await planJob({ out: await out(), fromRun: 10, max: 10_000, allowMany: false, recheck }, w.ctx(1), w.deps(later));
    expect([p.plan.havenots, p.plan.earlierSubmitted, p.plan.toSubmit, p.plan.sourceRun, p.plan.processedSince]).toEqual([HAVENOTS.length, HAVENOTS.length, 0, 10, 0]);
    expect(later.names()).toEqual(['havenots', 'to-submit']);
    // Without a store to check against, nothing is planned.
    await expect(planJob({ out: await out(), fromRun: 10, max: 10_000, allowMany: false }, w.ctx(1), w.deps(w.artifacts.view({ runId: 12 })))).rejects.toThrow(/^from-run: the earlier run's havenots are checked against the store again before anything is sent: give bucket$/);
  });

  it('two resubmits of one dry run send each crash once: the second finds in the store what the first got processed', async () => {
    const w = world({ runId: 20 });
    await planned(w); // a dry run: planned, nothing sent
    const recheck = { store: CONFIG, concurrency: 4 };
    const first = w.artifacts.view({ runId: 21 });
    await planJob({ out: await out(), fromRun: 20, max: 10_000, allowMany: false, recheck }, w.ctx(1), w.deps(first));
    await submitJob({ reprocess: { out: await out(), batchSize: 10, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(1), w.deps(first));
    expect(sorted(w.sent.ids())).toEqual(sorted(HAVENOTS));
    // Socorro processed them; a second resubmit of run 20 (which cannot see run 21's ledger).
    for (const id of HAVENOTS.slice(0, 40)) w.store.put(processedCrashKey(id));
    const second = w.artifacts.view({ runId: 22 });
    const p = await planJob({ out: await out(), fromRun: 20, max: 10_000, allowMany: false, recheck }, w.ctx(1), w.deps(second));
    expect([p.plan.processedSince, p.plan.toSubmit]).toEqual([40, HAVENOTS.length - 40]);
    expect(p.plan.byDate[DATES[0]]).toMatchObject({ listed: 120 });
    expect(idLines(second.text('to-submit', 'to-submit.txt'))).toEqual(sorted(HAVENOTS.slice(40)));
    // The hour chart counts the havenots still planned, not those processed since.
    const total = Object.values(p.plan.hours).flatMap((h) => Object.values(h)).reduce((a, b) => a + b, 0);
    expect(total).toBe(HAVENOTS.length - 40);
  });

  it('an unexpected failure part way (not a stop the API asked for) still uploads the ledger: the re-run sends only the rest', async () => {
    const w = world();
    await planned(w);
    let calls = 0;
    const failing = (a: MemoryArtifacts = w.artifacts): PipelineDeps => ({
      ...w.deps(a),
      api: () => {
        const api = recordingApi(w.sent);
        return { ...api, submit: (ids) => (++calls > 3 ? Promise.reject(new TypeError('the API client broke')) : api.submit(ids)) };
      },
    });
    await expect(submitJob({ reprocess: { out: await out(), batchSize: 4, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(1), failing())).rejects.toThrow(/the API client broke/);
    const first = w.sent.ids();
    expect(first).toHaveLength(12);
    expect(sorted(idLines(w.artifacts.text('reprocessed-1', 'reprocessed.txt')))).toEqual(sorted(first));
    await submit(w, 2);
    const rest = w.sent.ids().slice(first.length);
    expect(sorted(rest)).toEqual(sorted(HAVENOTS.filter((id) => !first.includes(id))));
  });
});

describe('empty is normal: nothing to submit, nothing to verify', () => {
  async function planned(w: World, attempt = 1, extra: Partial<Parameters<typeof planJob>[0]> = {}) {
    const l = await list(w, attempt);
    await checkAll(w, l.plan.chunks.map((c) => c.index), attempt);
    return plan(w, attempt, extra);
  }

  it('a re-run of mode reprocess after a complete submission plans 0 and submits nothing, without failing', async () => {
    const w = world();
    const p1 = await planned(w);
    await submitJob({ reprocess: { out: await out(), batchSize: 10, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' }, plan: p1 }, w.ctx(1), w.deps());
    const sent = w.sent.ids().length;
    expect(sent).toBe(HAVENOTS.length);
    // Attempt 2 re-runs the one job (plan and submit): the plan finds every havenot in a ledger.
    const p2 = await plan(w, 2);
    expect([p2.plan.toSubmit, p2.plan.earlierSubmitted]).toEqual([0, HAVENOTS.length]);
    const s = await submitJob({ reprocess: { out: await out(), batchSize: 10, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' }, plan: p2 }, w.ctx(2), w.deps());
    expect([s.result.input, s.result.toSend, s.result.submitted, s.result.failure]).toEqual([0, 0, 0, undefined]);
    expect(s.ledger).toBeUndefined();
    expect(w.sent.ids()).toHaveLength(sent);
  });

  it('a quiet day (every crash processed): 0 havenots, nothing to submit, nothing to verify', async () => {
    const w = world();
    for (const id of HAVENOTS) w.store.put(processedCrashKey(id));
    const p = await planned(w);
    expect([p.plan.checked, p.plan.havenots, p.plan.toSubmit]).toEqual([ALL.length, 0, 0]);
    expect(idLines(w.artifacts.text('to-submit', 'to-submit.txt'))).toEqual([]);
    const s = await submit(w);
    expect([s.result.input, s.result.toSend, s.ledger]).toEqual([0, 0, undefined]);
    expect(w.sent.batches).toEqual([]);
    const v = await verifyJob({ store: CONFIG, verify: { out: await out(), concurrency: 4 } }, w.ctx(1), w.deps());
    expect([v.result.input, v.result.verified, v.result.unverified, v.ledgers, v.result.failure]).toEqual([0, 0, 0, 0, undefined]);
    expect(v.plan?.byDate[DATES[0]]).toMatchObject({ listed: 120, processed: 120, havenots: 0, submitted: 0, verified: 0 });
  });

  it('verify with no ledger at all (the submit job failed before sending) says nothing to verify', async () => {
    const w = world();
    await planned(w);
    const v = await verifyJob({ store: CONFIG, verify: { out: await out(), concurrency: 4 } }, w.ctx(1), w.deps());
    expect([v.result.input, v.ledgers, v.result.failure]).toEqual([0, 0, undefined]);
  });

  it('a day where every crash is a havenot plans and submits every one', async () => {
    const w = world();
    for (const id of HAVES) w.store.objects.delete(processedCrashKey(id));
    const p = await planned(w);
    expect([p.plan.havenots, p.plan.toSubmit]).toEqual([ALL.length, ALL.length]);
    for (const d of DATES) expect(p.plan.byDate[d]).toMatchObject({ listed: 120, processed: 0, havenots: 120 });
    await submit(w, 1, { batchSize: 50 });
    expect(sorted(w.sent.ids())).toEqual(sorted(ALL));
  });

  it('a dry run over max in mode reprocess (plan and submit in one job) plans, and its submit shows what it would send', async () => {
    const w = world();
    const p = await planned(w, 1, { max: 10, dryRun: true });
    expect(p.plan.toSubmit).toBe(HAVENOTS.length);
    const s = await submitJob({ reprocess: { out: await out(), batchSize: 4, sleepSeconds: 0, max: 10, dryRun: true }, api: { apiUrl: 'http://x', token: 't' }, plan: p }, w.ctx(1), w.deps());
    expect([s.result.dryRun, s.result.toSend, s.result.batches, s.result.submitted]).toEqual([true, HAVENOTS.length, 12, 0]);
    expect(w.sent.batches).toEqual([]);
  });
});

describe('what an earlier attempt refused, and what a job cannot see', () => {
  /** An API that answers 400 naming the first id of a batch that `bad` holds, as Socorro does. */
  function rejectingApi(w: World, bad: Set<string>): PipelineDeps['api'] {
    return () => ({
      ...recordingApi(w.sent),
      submit: (ids) => {
        const b = ids.find((id) => bad.has(id));
        if (b) return Promise.resolve({ status: 400, body: `Crash id '${b}' is not a valid crash id` });
        w.sent.batches.push(ids);
        return Promise.resolve({ status: 200, body: 'null' });
      },
    });
  }

  it("a re-run of the submit job never sends again what an earlier attempt's ledger rejected (400)", async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    await plan(w);
    const bad = new Set(HAVENOTS.slice(0, 3));
    const asked: string[] = [];
    const deps = (): PipelineDeps => {
      const d = w.deps();
      const api = rejectingApi(w, bad);
      return { ...d, api: (c, r, s) => { const a = api(c, r, s); return { ...a, submit: (ids) => { asked.push(...ids); return a.submit(ids); } }; } };
    };
    const first = await submitJob({ reprocess: { out: await out(), batchSize: 4, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(1), deps());
    expect([first.result.submitted, first.result.rejected]).toEqual([HAVENOTS.length - 3, 3]);
    expect(idLines(w.artifacts.text('reprocessed-1', 'rejected.txt'))).toEqual(sorted(bad));
    // Attempt 2 re-runs the submit job: same to-submit; attempt 1's ledger has them as rejected.
    asked.length = 0;
    const second = await submitJob({ reprocess: { out: await out(), batchSize: 4, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(2), deps());
    expect(asked).toEqual([]);
    expect([second.result.alreadySubmitted, second.result.alreadyRejected, second.result.toSend]).toEqual([HAVENOTS.length - 3, 3, 0]);
    // The summary's numbers are the job's own: what this input held of each ledger, not a ledger's size.
    expect(second.earlier).toBe(HAVENOTS.length - 3);
    // And a plan counts them as rejected, not as submitted.
    const p = await plan(w, 2);
    expect([p.plan.toSubmit, p.plan.earlierSubmitted, p.plan.earlierRejected]).toEqual([0, HAVENOTS.length - 3, 3]);
  });

  it('a plan or submit job at attempt 2 that can read only its own attempt (no GitHub token) refuses, sending nothing', async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    const p = await plan(w);
    await submitJob({ reprocess: { out: await out(), batchSize: 10, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' }, plan: p }, w.ctx(1), w.deps());
    const sent = w.sent.ids().length;
    const blind = w.artifacts.view({ crossAttempt: false });
    const uploads = w.artifacts.calls.upload;
    const refusal = /^attempt 2 cannot read the artifacts of earlier attempts \(no github-token: the runner's internal API hides them\), so it cannot honour their ledgers; nothing was sent\. Give the job github-token with actions: read$/;
    await expect(planJob({ out: await out(), max: 10_000, allowMany: false }, w.ctx(2), w.deps(blind))).rejects.toThrow(refusal);
    await expect(submitJob({ reprocess: { out: await out(), sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(2), w.deps(blind))).rejects.toThrow(refusal);
    expect(w.sent.ids()).toHaveLength(sent);
    expect(w.artifacts.calls.upload).toBe(uploads);
    // Attempt 1 has no earlier attempts to miss.
    const fresh = world();
    const fl = await list(fresh);
    await checkAll(fresh, fl.plan.chunks.map((c) => c.index));
    await expect(planJob({ out: await out(), max: 10_000, allowMany: false }, fresh.ctx(1), fresh.deps(fresh.artifacts.view({ crossAttempt: false })))).resolves.toBeDefined();
  });

  it('two submit jobs of one attempt keep two ledgers (reprocessed-1, reprocessed-1.2): neither is lost, a re-run sends nothing', async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    const p = await plan(w);
    // The first job was given half of the havenots (a caller splitting the work), the second all.
    const halfDir = await out();
    const half = join(halfDir, 'half.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(half, HAVENOTS.slice(0, 24).join('\n') + '\n'));
    const a = await submitJob({ reprocess: { out: await out(), batchSize: 1, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' }, plan: { ...p, toSubmitFile: half } }, w.ctx(1), w.deps());
    const b = await submitJob({ reprocess: { out: await out(), batchSize: 1, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(1), w.deps());
    expect([a.ledger, b.ledger]).toEqual(['reprocessed-1', 'reprocessed-1.2']);
    expect(b.result.submitted).toBe(HAVENOTS.length - 24);
    expect(sorted(w.sent.ids())).toEqual(sorted(HAVENOTS));
    expect(w.artifacts.names().filter((n) => n.startsWith('reprocessed-'))).toEqual(['reprocessed-1', 'reprocessed-1.2']);
    const again = await submit(w, 2);
    expect([again.result.toSend, again.result.alreadySubmitted]).toEqual([0, HAVENOTS.length]);
  });

  it('a submit job whose ledger name another job of the attempt took meanwhile (a 409) uploads under the next free name', async () => {
    const w = world();
    const l = await list(w);
    await checkAll(w, l.plan.chunks.map((c) => c.index));
    await plan(w);
    // Another job takes reprocessed-1 while this one sends: its upload meets GitHub's 409.
    const racing = w.deps();
    const api = racing.api;
    let taken = false;
    racing.api = (c, r, s) => {
      const x = api(c, r, s);
      return {
        ...x,
        submit: async (ids) => {
          if (!taken) {
            taken = true;
            const d = await out();
            await import('node:fs/promises').then((fs) => fs.writeFile(join(d, 'reprocessed.txt'), ''));
            await w.artifacts.upload('reprocessed-1', [join(d, 'reprocessed.txt')], d);
          }
          return x.submit(ids);
        },
      };
    };
    const s = await submitJob({ reprocess: { out: await out(), batchSize: 4, sleepSeconds: 0 }, api: { apiUrl: 'http://x', token: 't' } }, w.ctx(1), racing);
    expect(s.ledger).toBe('reprocessed-1.2');
    expect(idLines(w.artifacts.text('reprocessed-1.2', 'reprocessed.txt'))).toEqual(sorted(HAVENOTS));
  });
});
