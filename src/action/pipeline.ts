import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crashIdDate } from '../core/crash-id.ts';
import { oneLine, RunError, UsageError } from '../core/errors.ts';
import { addHour, hoursJson, type HourCounts } from '../core/hours.ts';
import { readIdFiles, writeIdsAtomic, writeTextAtomic } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import { HavenotDetails } from '../core/ledger.ts';
import { label, type Spelling } from '../core/options.ts';
import { forEachPooled } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import { runCheck, type CheckOptions, type CheckResult } from '../modes/check.ts';
import { runList, type ListOptions, type ListResult } from '../modes/list.ts';
import type { ApiConfig, SearchConfig } from '../modes/options.ts';
import { DEFAULT_MAX, runReprocess, type ReprocessOptions, type ReprocessResult } from '../modes/reprocess.ts';
import { runVerify, type VerifyOptions, type VerifyResult } from '../modes/verify.ts';
import { ArtifactReadError, type ArtifactInfo, type ArtifactStore } from '../ports/artifacts.ts';
import type { CrashStatsApi, RetryListener } from '../ports/socorro-api.ts';
import type { ObjectStore, StoreConfig } from '../ports/store.ts';

/**
 * The protocol between the jobs of one workflow run: which artifacts each job reads and writes,
 * how a re-run attempt starts from what an earlier one left, and when anything may be sent. It
 * knows GitHub only through the ArtifactStore port, so it is tested with an in-memory one, and
 * the action's main.ts only reads inputs, calls it, and writes outputs and summaries.
 *
 * Nothing is ever overwritten or deleted across attempts (GitHub's handling of earlier
 * attempts' artifacts has changed before): an artifact carries the attempt that made it in its
 * name (none for attempt 1: the contract's names), and a reader picks the newest consistent
 * one. A listing (attempt L) makes the chunks; a check result belongs to the newest listing
 * made before it; the plan takes, for each chunk, its newest complete result; every ledger of
 * every attempt (and snapshot) is honoured.
 */

/** GitHub runs at most 256 jobs from one matrix: one check job per chunk. */
export const MATRIX_JOB_LIMIT = 256;
/** A ledger snapshot at least every this many batches: a lost runner resends at most these. */
export const SNAPSHOT_EVERY_BATCHES = 25;

type Kind = 'uuids' | 'chunk' | 'result' | 'havenots' | 'to-submit' | 'verified' | 'reprocessed';

export interface ParsedName {
  kind: Kind;
  /** The chunk, for chunk and result artifacts. */
  chunk?: number;
  attempt: number;
  /** A ledger snapshot's number (a final ledger has none). */
  part?: number;
  /** A ledger's slot in its attempt: 1, or 2, 3… for a second submit job of the attempt (`reprocessed-1.2`). */
  slot?: number;
}

/** Artifact names, with the caller's prefix (so its own artifacts are never touched). */
export function artifactNames(prefix = '') {
  const tag = (base: string, attempt: number) => `${prefix}${base}${attempt > 1 ? `-attempt${attempt}` : ''}`;
  const esc = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // `.n`: a second plan or verify job of one attempt (a dry run, then the real one).
  const TAGGED = new RegExp(`^${esc}(uuids|chunk-(\\d+)|result-(\\d+)|havenots|to-submit|verified)(?:-attempt(\\d+))?(?:\\.(\\d+))?$`);
  // `.n`: a second submit job of one attempt (a caller running two), whose ledger must not take the first's name.
  const LEDGER = new RegExp(`^${esc}reprocessed-(\\d+)(?:\\.(\\d+))?(?:-part(\\d+))?$`);
  const ledger = (attempt: number, slot = 1) => `${prefix}reprocessed-${attempt}${slot > 1 ? `.${slot}` : ''}`;
  return {
    uuids: (attempt: number) => tag('uuids', attempt),
    chunk: (k: number, attempt: number) => tag(`chunk-${k}`, attempt),
    result: (k: number, attempt: number) => tag(`result-${k}`, attempt),
    havenots: (attempt: number) => tag('havenots', attempt),
    toSubmit: (attempt: number) => tag('to-submit', attempt),
    verified: (attempt: number) => tag('verified', attempt),
    /** The contract's name for an attempt's ledger (`slot` > 1: a second submit job's). */
    ledger,
    ledgerPart: (attempt: number, part: number, slot = 1) => `${ledger(attempt, slot)}-part${part}`,
    parse(name: string): ParsedName | undefined {
      const l = LEDGER.exec(name);
      if (l) return { kind: 'reprocessed', attempt: Number(l[1]), slot: l[2] === undefined ? 1 : Number(l[2]), part: l[3] === undefined ? undefined : Number(l[3]) };
      const m = TAGGED.exec(name);
      if (!m) return undefined;
      const attempt = m[4] === undefined ? 1 : Number(m[4]);
      if (m[2] !== undefined) return { kind: 'chunk', chunk: Number(m[2]), attempt };
      if (m[3] !== undefined) return { kind: 'result', chunk: Number(m[3]), attempt };
      return { kind: m[1] as Kind, attempt };
    },
  };
}

export type ArtifactNames = ReturnType<typeof artifactNames>;

/** Uploads in flight at once: a month can have 256 chunks. */
const UPLOADS_IN_FLIGHT = 8;

export interface PipelineDeps {
  artifacts: ArtifactStore;
  reporter: Reporter;
  openStore: (config: StoreConfig, maxSockets: number) => ObjectStore;
  api: (config: ApiConfig, onRetry: RetryListener, signal?: AbortSignal) => CrashStatsApi;
  spell: Spelling;
  /** A foldable log section (core.group on a runner). */
  group: <T>(title: string, fn: () => Promise<T>) => Promise<T>;
}

export interface RunContext {
  /** GITHUB_RUN_ATTEMPT. */
  attempt: number;
  names: ArtifactNames;
}

/** The bucket as a person names it: gs://NAME or s3://NAME (and the endpoint of an S3-compatible store). */
export function bucketLabel(store: StoreConfig): string {
  return `${store.kind === 'gcs' ? 'gs' : 's3'}://${store.bucket}${store.endpoint ? ` at ${store.endpoint}` : ''}`;
}

/** What was listed: the facts every later summary repeats, so what it counts is never in doubt. */
export interface Listing {
  bucket: string;
  layout: string;
  dates: string[];
  /** since/until (minutes after midnight UTC) of each date, when a window was given. */
  since?: number;
  until?: number;
}

/** What the list job leaves in its `uuids` artifact, for the jobs after it. */
export interface ListManifest {
  attempt: number;
  layout: string;
  /** Absent in a manifest of an older version of the action. */
  listing?: Listing;
  total: number;
  dates: ListResult['dates'];
  chunks: Array<{ index: number; file: string; ids: number }>;
}

/** What a check job leaves in its `result-{k}` artifact beside the files. */
export interface CheckManifest {
  chunk: number;
  /** The listing the chunk came from. */
  listAttempt: number;
  attempt: number;
  /** Whether every id of the chunk is in haves.txt or havenots.txt. */
  complete: boolean;
  input: number;
  search: boolean;
}

/** Per crash date, the run's totals: what the final summary shows. */
export interface DateTotals {
  listed: number;
  processed: number;
  havenots: number;
  notSearchable: number;
  submitted: number;
  verified: number;
}

/** What the plan leaves in its `havenots` and `to-submit` artifacts. */
export interface PlanManifest {
  attempt: number;
  /** The run the results came from (this one, or `from-run`). */
  sourceRun?: number;
  /** With from-run: its havenots found processed (and searchable) when checked again. */
  processedSince?: number;
  checked: number;
  havenots: number;
  notSearchable: number;
  /** Of the havenots, those an earlier ledger holds as accepted. */
  earlierSubmitted: number;
  /** Of the havenots, those an earlier ledger holds as rejected (400): never sent again. */
  earlierRejected: number;
  toSubmit: number;
  byDate: Record<string, DateTotals>;
  hours: HourCounts;
  /** What was listed (from the listing the results belong to). */
  listing?: Listing;
  /** Whether every chunk was checked with search (processed = stored and searchable). */
  search?: boolean;
}

async function withStore<T>(deps: PipelineDeps, config: StoreConfig, maxSockets: number, fn: (store: ObjectStore) => Promise<T>): Promise<T> {
  const store = deps.openStore(config, maxSockets);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `name`, or `name.2`, `name.3`… when a job of this attempt took it already (names are unique per run). */
function freeName(listed: ArtifactInfo[], name: string): string {
  const taken = new Set(listed.map((a) => a.name));
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) if (!taken.has(`${name}.${n}`)) return `${name}.${n}`;
}

/** The lowest ledger slot of `attempt` that no artifact (ledger or snapshot) of `listed` uses. */
function freeLedgerSlot(listed: ArtifactInfo[], names: ArtifactNames, attempt: number): number {
  const taken = new Set<number>();
  for (const a of listed) {
    const p = names.parse(a.name);
    if (p?.kind === 'reprocessed' && p.attempt === attempt) taken.add(p.slot ?? 1);
  }
  let slot = 1;
  while (taken.has(slot)) slot++;
  return slot;
}

/** GitHub's answer to a second artifact of one name in a run (a 409 from CreateArtifact). */
function isNameTaken(err: unknown): boolean {
  return /\(409\)|already exists/i.test(oneLine(err));
}

/**
 * Plan and submit honour every earlier attempt's ledger; without a token the runner's internal
 * API hides those attempts (upload-artifact#585), so a later attempt would resend what they sent.
 */
function requireEveryAttempt(ctx: RunContext, deps: PipelineDeps): void {
  if (ctx.attempt <= 1 || deps.artifacts.crossAttempt) return;
  const token = label(deps.spell, 'githubToken');
  throw new UsageError(
    `attempt ${ctx.attempt} cannot read the artifacts of earlier attempts (no ${token}: the runner's internal API hides them), ` +
      `so it cannot honour their ledgers; nothing was sent. Give the job ${token} with actions: read`,
  );
}

/** The newest artifact of a kind that `pick` accepts, by attempt. */
function newest(listed: ArtifactInfo[], names: ArtifactNames, pick: (p: ParsedName) => boolean): { a: ArtifactInfo; p: ParsedName } | undefined {
  let best: { a: ArtifactInfo; p: ParsedName } | undefined;
  for (const a of listed) {
    const p = names.parse(a.name);
    if (p && pick(p) && (!best || p.attempt > best.p.attempt || (p.attempt === best.p.attempt && a.id > best.a.id))) best = { a, p };
  }
  return best;
}

async function readJson<T>(path: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    throw new ArtifactReadError(`${what}: ${(err as Error).message}`);
  }
}

async function fetchInto(artifacts: ArtifactStore, a: ArtifactInfo, dir: string, runId?: number): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return artifacts.download(a, dir, { runId });
}

// ------------------------------------------------------------------------------------------ list

/** The list job: list the dates, hand the ids on as `uuids` and one `chunk-{k}` per check job. */
export async function listJob(opts: { list: ListOptions; store: StoreConfig }, ctx: RunContext, deps: PipelineDeps): Promise<ListResult> {
  const list = { ...opts.list, maxChunks: Math.min(opts.list.maxChunks ?? MATRIX_JOB_LIMIT, MATRIX_JOB_LIMIT) };
  const r = await deps.group('List raw crashes', () => withStore(deps, opts.store, 64, (store) => runList(list, { store, reporter: deps.reporter })));
  const manifest: ListManifest = {
    attempt: ctx.attempt,
    layout: list.layout,
    listing: { bucket: bucketLabel(opts.store), layout: list.layout, dates: list.dates, since: list.since, until: list.until },
    total: r.total,
    dates: r.dates,
    chunks: r.plan.chunks.map((c) => ({ index: c.index, file: c.file, ids: c.end - c.start })),
  };
  await writeTextAtomic(join(list.out, 'list.json'), JSON.stringify(manifest, null, 1) + '\n');
  const uploads = [
    { name: ctx.names.uuids(ctx.attempt), files: [join(list.out, 'uuids.txt'), join(list.out, 'list.json')] },
    ...r.plan.chunks.map((c) => ({ name: ctx.names.chunk(c.index, ctx.attempt), files: [join(list.out, c.file)] })),
  ];
  await deps.group(`Upload ${uploads.length} artifacts`, () =>
    forEachPooled(uploads, UPLOADS_IN_FLIGHT, async (u) => {
      await deps.artifacts.upload(u.name, u.files, list.out);
    }),
  );
  return r;
}

/** This run's newest listing: its attempt and manifest. */
async function latestListing(listed: ArtifactInfo[], ctx: RunContext, deps: PipelineDeps, work: string, runId?: number): Promise<{ attempt: number; manifest: ListManifest }> {
  const u = newest(listed, ctx.names, (p) => p.kind === 'uuids');
  if (!u) throw new RunError(`no ${ctx.names.uuids(1)} artifact in ${runId ? `run ${runId}` : 'this run'}: run the list job first`);
  const dir = await fetchInto(deps.artifacts, u.a, join(work, 'listing'), runId);
  const manifest = await readJson<ListManifest>(join(dir, 'list.json'), `${u.a.name}/list.json`);
  return { attempt: u.p.attempt, manifest };
}

// ----------------------------------------------------------------------------------------- check

export interface CheckJobResult {
  chunk: number;
  result: CheckResult;
  /** Whether this attempt started from an earlier attempt's result. */
  resumed: boolean;
  uploaded: string;
}

/**
 * A check job: chunk-{k} of the newest listing in, result-{k} out. A re-run starts from the
 * newest result of the same listing, complete or not, so it checks only the rest; the result
 * is uploaded whether the job finished, failed or was interrupted (it says which).
 */
export async function checkJob(
  k: number,
  opts: { check: Omit<CheckOptions, 'files'>; store: StoreConfig; search?: SearchConfig; signal?: AbortSignal },
  ctx: RunContext,
  deps: PipelineDeps,
): Promise<CheckJobResult> {
  const out = opts.check.out;
  const listed = await deps.artifacts.list();
  // The listing's attempt is in its artifact's name: the id list itself is not needed here.
  const listing = newest(listed, ctx.names, (p) => p.kind === 'uuids');
  if (!listing) throw new RunError(`no ${ctx.names.uuids(1)} artifact in this run: run the list job first`);
  const listAttempt = listing.p.attempt;
  const chunk = listed.find((a) => a.name === ctx.names.chunk(k, listAttempt));
  if (!chunk) throw new RunError(`no artifact ${ctx.names.chunk(k, listAttempt)} in this run (the newest listing, attempt ${listAttempt})`);
  const inDir = await fetchInto(deps.artifacts, chunk, join(out, 'in'));
  const files = (await readdir(inDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.txt')).map((e) => join(e.parentPath, e.name));
  if (files.length === 0) throw new RunError(`artifact ${chunk.name} holds no .txt file`);
  // Results of this listing are the ones made at or after it.
  const earlier = newest(listed, ctx.names, (p) => p.kind === 'result' && p.chunk === k && p.attempt >= listAttempt);
  if (earlier) {
    deps.reporter.info(`resuming from ${earlier.a.name}, of attempt ${earlier.p.attempt}`);
    const dir = await fetchInto(deps.artifacts, earlier.a, join(out, 'resume'));
    for (const f of ['haves.txt', 'havenots.txt', 'havenots.tsv']) {
      const text = await readFile(join(dir, f), 'utf8').catch(() => undefined);
      if (text !== undefined) await writeFile(join(out, f), text);
    }
  }
  const concurrency = opts.check.concurrency ?? 128;
  let result: CheckResult | undefined;
  let failure: Error | undefined;
  try {
    result = await deps.group(`Check chunk ${k}`, () =>
      withStore(deps, opts.store, concurrency, async (store) => {
        const api = opts.search ? deps.api(opts.search.api, () => {}, opts.signal) : undefined;
        try {
          return await runCheck({ ...opts.check, files, signal: opts.signal }, { store, reporter: deps.reporter, searchApi: api, searchPerMinute: opts.search?.perMinute });
        } finally {
          await api?.close();
        }
      }),
    );
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  }
  // What was classified is kept even when the job failed: a re-run checks only the rest.
  const manifest: CheckManifest = {
    chunk: k,
    listAttempt,
    attempt: ctx.attempt,
    complete: !!result && !result.failure,
    input: result?.input ?? 0,
    search: !!opts.check.search,
  };
  await writeTextAtomic(join(out, 'check.json'), JSON.stringify(manifest, null, 1) + '\n');
  const present = (await readdir(out)).filter((f) => ['haves.txt', 'havenots.txt', 'havenots.tsv', 'havenots-hours.json', 'check.json'].includes(f));
  const name = ctx.names.result(k, ctx.attempt);
  await deps.artifacts.upload(name, present.map((f) => join(out, f)), out);
  if (failure) throw failure;
  return { chunk: k, result: result!, resumed: !!earlier, uploaded: name };
}

// ------------------------------------------------------------------------------------------ plan

/** Every ledger of a run (every attempt, every snapshot): what was submitted, and what was refused. */
async function readLedgers(
  listed: ArtifactInfo[],
  ctx: RunContext,
  deps: PipelineDeps,
  work: string,
  runId?: number,
): Promise<{ submitted: IdSet; rejected: IdSet; count: number }> {
  const submitted = new IdSet();
  const rejected = new IdSet();
  let count = 0;
  for (const a of listed) {
    if (ctx.names.parse(a.name)?.kind !== 'reprocessed') continue;
    const dir = await fetchInto(deps.artifacts, a, join(work, 'ledgers', `${runId ?? 'this'}-${a.id}`), runId);
    await readIdFiles([join(dir, 'reprocessed.txt')], { allowEmpty: true }, submitted).catch((err: unknown) => {
      throw new ArtifactReadError(`ledger ${a.name}: ${(err as Error).message}`);
    });
    // A ledger of a job that had nothing rejected may have no rejected.txt; one it has must be read.
    const rejectedFile = join(dir, 'rejected.txt');
    if (await stat(rejectedFile).then(() => true, () => false)) {
      await readIdFiles([rejectedFile], { allowEmpty: true }, rejected).catch((err: unknown) => {
        throw new ArtifactReadError(`ledger ${a.name}: ${(err as Error).message}`);
      });
    }
    count++;
  }
  return { submitted, rejected, count };
}

/**
 * Checks `merged` (an earlier run's havenots) again, as check does: the ones still not
 * processed, and how many are now (dropped from `details` too). A check that cannot finish sends nothing.
 */
async function recheckHavenots(
  merged: IdSet,
  details: Map<string, { savedAt?: number; reason: string }>,
  recheck: NonNullable<Parameters<typeof planJob>[0]['recheck']>,
  dir: string,
  deps: PipelineDeps,
): Promise<{ still: IdSet; processed: number }> {
  if (merged.size === 0) return { still: merged, processed: 0 };
  await mkdir(join(dir, 'check'), { recursive: true });
  const input = join(dir, 'havenots-then.txt');
  await writeIdsAtomic(input, merged);
  const concurrency = recheck.concurrency ?? 64;
  const r = await withStore(deps, recheck.store, concurrency, async (store) => {
    const api = recheck.search ? deps.api(recheck.search.api, () => {}) : undefined;
    try {
      return await runCheck(
        { files: [input], out: join(dir, 'check'), concurrency, search: !!recheck.search },
        { store, reporter: deps.reporter, searchApi: api, searchPerMinute: recheck.search?.perMinute },
      );
    } finally {
      await api?.close();
    }
  });
  if (r.failure) throw new RunError(`checking the earlier run's havenots again: ${r.failure}; nothing was sent`);
  const haves = await readIdFiles([join(dir, 'check', 'haves.txt')], { allowEmpty: true });
  const still = new IdSet();
  for (const id of merged) if (!haves.ids.has(id)) still.add(id);
  for (const id of haves.ids) details.delete(id);
  deps.reporter.info(`${haves.ids.size} of the earlier run's havenots are processed now; ${still.size} still are not`);
  return { still, processed: haves.ids.size };
}

export interface PlanJobResult {
  plan: PlanManifest;
  /** Ids of the merged havenots not yet submitted: the `to-submit` artifact. */
  toSubmitFile: string;
  /** A dry run over `max`: the real run would be refused (it needs allow-many). */
  overMax?: boolean;
}

/**
 * A real plan with more than `max` ids to submit: refused (nothing is sent), but with its numbers,
 * so the summary can show them before the refusal and the next step.
 */
export class PlanOverMax extends UsageError {
  override name = 'PlanOverMax';
  readonly result: PlanJobResult;
  constructor(message: string, result: PlanJobResult) {
    super(message);
    this.result = result;
  }
}

/**
 * The plan: starts only when every chunk of the newest listing has a complete result; merges
 * their havenots (the `havenots` artifact), dedupes them against every ledger of this run (and
 * of `fromRun`, when the results come from there), and writes what is left to submit (the
 * `to-submit` artifact). Refuses (sending nothing) when earlier ledgers cannot be read.
 */
export async function planJob(
  opts: {
    out: string;
    fromRun?: number;
    max: number;
    allowMany: boolean;
    /** A dry run shows the numbers however many there are: the refusal is the real run's. */
    dryRun?: boolean;
    /**
     * With fromRun: the store (and search) to check the earlier run's havenots against again.
     * Its results may be hours old, and another run may have submitted them since (a ledger this
     * run cannot see): only those still not processed are planned.
     */
    recheck?: { store: StoreConfig; search?: SearchConfig; concurrency?: number };
  },
  ctx: RunContext,
  deps: PipelineDeps,
): Promise<PlanJobResult> {
  const { artifacts } = deps;
  requireEveryAttempt(ctx, deps);
  const work = join(opts.out, 'plan');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const here = await artifacts.list();
  const source = opts.fromRun === undefined ? here : await artifacts.list({ runId: opts.fromRun });
  const { attempt: listAttempt, manifest } = await latestListing(source, ctx, deps, work, opts.fromRun);

  // The newest result of each chunk of that listing; each must be complete.
  const picked: Array<{ a: ArtifactInfo; k: number }> = [];
  const missing: number[] = [];
  const partial: number[] = [];
  for (const c of manifest.chunks) {
    const r = newest(source, ctx.names, (p) => p.kind === 'result' && p.chunk === c.index && p.attempt >= listAttempt);
    if (!r) missing.push(c.index);
    else picked.push({ a: r.a, k: c.index });
  }
  let merged = new IdSet();
  const details = new Map<string, { savedAt?: number; reason: string }>();
  const byDate: Record<string, DateTotals> = {};
  const day = (id: string) => (byDate[crashIdDate(id)] ??= { listed: 0, processed: 0, havenots: 0, notSearchable: 0, submitted: 0, verified: 0 });
  let checked = 0;
  let searched = picked.length > 0;
  for (const { a, k } of picked) {
    const dir = await fetchInto(artifacts, a, join(work, 'results', String(k)), opts.fromRun);
    const m = await readJson<CheckManifest>(join(dir, 'check.json'), `${a.name}/check.json`);
    searched &&= m.search;
    if (!m.complete) {
      partial.push(k);
      continue;
    }
    const h = await readIdFiles([join(dir, 'haves.txt')], { allowEmpty: true });
    for (const id of h.ids) {
      day(id).listed++;
      day(id).processed++;
    }
    const n = await readIdFiles([join(dir, 'havenots.txt')], { allowEmpty: true }, merged);
    checked += h.ids.size + n.lines;
    const d = await HavenotDetails.open(join(dir, 'havenots.tsv'));
    for (const [id, v] of d.entries) details.set(id, v);
  }
  if (missing.length || partial.length) {
    const what = [
      missing.length ? `no check result for chunk(s) ${missing.join(', ')}` : '',
      partial.length ? `an unfinished check result for chunk(s) ${partial.join(', ')}` : '',
    ].filter(Boolean);
    throw new RunError(`${what.join('; ')}: re-run the failed check jobs first; nothing was sent`);
  }
  let processedSince = 0;
  if (opts.fromRun !== undefined) {
    if (!opts.recheck) throw new UsageError(`${label(deps.spell, 'fromRun')}: the earlier run's havenots are checked against the store again before anything is sent: give ${label(deps.spell, 'bucket')}`);
    const then = merged;
    const r = await recheckHavenots(then, details, opts.recheck, join(work, 'recheck'), deps);
    merged = r.still;
    processedSince = r.processed;
    for (const id of then) {
      if (merged.has(id)) continue;
      day(id).listed++;
      day(id).processed++;
    }
  }
  let notSearchable = 0;
  // The hours of the havenots still planned (not of those a recheck found processed since).
  const hours: HourCounts = {};
  for (const id of merged) {
    const savedAt = details.get(id)?.savedAt;
    if (savedAt !== undefined) addHour(hours, savedAt);
    const d = day(id);
    d.listed++;
    d.havenots++;
    if (details.get(id)?.reason === 'not-searchable') {
      d.notSearchable++;
      notSearchable++;
    }
  }

  // Ledgers of every attempt of this run, and of the run the results came from: never sent again.
  const ledgers = await readLedgers(here, ctx, deps, work);
  const fromLedgers = opts.fromRun === undefined ? undefined : await readLedgers(source, ctx, deps, work, opts.fromRun);
  const toSubmit = new IdSet();
  let earlier = 0;
  let earlierRejected = 0;
  for (const id of merged) {
    if (ledgers.submitted.has(id) || fromLedgers?.submitted.has(id)) {
      earlier++;
      day(id).submitted++;
    } else if (ledgers.rejected.has(id) || fromLedgers?.rejected.has(id)) earlierRejected++;
    else toSubmit.add(id);
  }
  const plan: PlanManifest = {
    attempt: ctx.attempt,
    sourceRun: opts.fromRun,
    processedSince: opts.fromRun === undefined ? undefined : processedSince,
    checked,
    havenots: merged.size,
    notSearchable,
    earlierSubmitted: earlier,
    earlierRejected,
    toSubmit: toSubmit.size,
    byDate,
    hours,
    listing: manifest.listing,
    search: searched,
  };
  const havenotsDir = join(work, 'havenots');
  await mkdir(havenotsDir, { recursive: true });
  await writeIdsAtomic(join(havenotsDir, 'havenots.txt'), merged);
  await writeTextAtomic(
    join(havenotsDir, 'havenots.tsv'),
    [...merged].map((id) => {
      const d = details.get(id);
      return `${id}\t${d?.savedAt === undefined ? '-' : new Date(d.savedAt).toISOString()}\t${d?.reason ?? 'not-in-storage'}\n`;
    }).join(''),
  );
  await writeTextAtomic(join(havenotsDir, 'havenots-hours.json'), hoursJson(hours));
  await writeTextAtomic(join(havenotsDir, 'plan.json'), JSON.stringify(plan, null, 1) + '\n');
  const submitDir = join(work, 'to-submit');
  await mkdir(submitDir, { recursive: true });
  const toSubmitFile = join(submitDir, 'to-submit.txt');
  await writeIdsAtomic(toSubmitFile, toSubmit);
  await writeTextAtomic(join(submitDir, 'plan.json'), JSON.stringify(plan, null, 1) + '\n');
  await artifacts.upload(freeName(here, ctx.names.havenots(ctx.attempt)), ['havenots.txt', 'havenots.tsv', 'havenots-hours.json', 'plan.json'].map((f) => join(havenotsDir, f)), havenotsDir);
  await artifacts.upload(freeName(here, ctx.names.toSubmit(ctx.attempt)), [toSubmitFile, join(submitDir, 'plan.json')], submitDir);
  deps.reporter.info(
    `${merged.size} havenot(s) from ${picked.length} chunk(s); ${earlier} submitted and ${earlierRejected} rejected by earlier attempts; ${toSubmit.size} to submit` +
      (opts.fromRun !== undefined ? ` (results of run ${opts.fromRun})` : ''),
  );
  const result: PlanJobResult = { plan, toSubmitFile };
  if (toSubmit.size > opts.max && !opts.allowMany && opts.dryRun) {
    deps.reporter.warn(`${toSubmit.size} crash ids to submit is more than ${label(deps.spell, 'max')} ${opts.max}: the real run needs ${label(deps.spell, 'allowMany')} (tell the people who run Socorro first)`);
    result.overMax = true;
  } else if (toSubmit.size > opts.max && !opts.allowMany) {
    throw new PlanOverMax(
      `${toSubmit.size} crash ids to submit is more than ${label(deps.spell, 'max')} ${opts.max}; nothing will be sent. ` +
        `Large reprocessing jobs can page the people who run Socorro: tell them first (#crashreporting on Matrix), then use ${label(deps.spell, 'allowMany')}`,
      result,
    );
  }
  return result;
}

// ---------------------------------------------------------------------------------------- submit

export interface SubmitJobResult {
  result: ReprocessResult;
  plan: PlanManifest;
  /** Ids of this job's input that a ledger holds as accepted (not sent again). */
  earlier: number;
  ledger?: string;
  /** A dry run with more than `max` to send: the real run needs allow-many. */
  overMax?: number;
}

/**
 * The submit job: sends the plan's `to-submit` ids no ledger holds. Its ledger reaches the run's
 * artifacts as it goes: a snapshot every SNAPSHOT_EVERY_BATCHES batches (replacing the previous
 * one), and the whole ledger when the job ends, finished, interrupted or failed. A lost runner, or
 * a final upload that fails, leaves the last snapshot. A snapshot that cannot be uploaded stops
 * the sending: the bound on what a re-run resends must hold.
 */
export async function submitJob(
  opts: { reprocess: Omit<ReprocessOptions, 'files' | 'alsoSubmitted' | 'signal' | 'onBatch'>; api: ApiConfig; signal?: AbortSignal; plan?: PlanJobResult },
  ctx: RunContext,
  deps: PipelineDeps,
): Promise<SubmitJobResult> {
  const { artifacts } = deps;
  requireEveryAttempt(ctx, deps);
  const out = opts.reprocess.out;
  const work = join(out, 'submit');
  await mkdir(work, { recursive: true });
  const listed = await artifacts.list();
  let planned = opts.plan;
  if (!planned) {
    const t = newest(listed, ctx.names, (p) => p.kind === 'to-submit');
    if (!t) throw new RunError(`no ${ctx.names.toSubmit(1)} artifact in this run: run the plan job first; nothing was sent`);
    const dir = await fetchInto(artifacts, t.a, join(work, 'planned'));
    planned = { plan: await readJson<PlanManifest>(join(dir, 'plan.json'), `${t.a.name}/plan.json`), toSubmitFile: join(dir, 'to-submit.txt') };
  }
  // Read again here: a re-run of this job must honour what the first attempt of it sent.
  const ledgers = await readLedgers(listed, ctx, deps, work);
  // This job's ledger slot: another submit job of this attempt may have taken reprocessed-{attempt}.
  let slot = freeLedgerSlot(listed, ctx.names, ctx.attempt);
  /** Uploads the local ledger as `name(slot)`; a name another job took meanwhile (409) moves this job to the next free slot. */
  const uploadAs = async (name: (slot: number) => string): Promise<string> => {
    for (let tries = 1; ; tries++) {
      const n = name(slot);
      try {
        await artifacts.upload(n, await ledgerFiles(work), work);
        return n;
      } catch (err) {
        if (!isNameTaken(err) || tries >= 3) throw err;
        deps.reporter.warn(`${n} was taken by another job of this attempt meanwhile: the ledger goes under the next free name`);
        slot = Math.max(slot + 1, freeLedgerSlot(await artifacts.list(), ctx.names, ctx.attempt));
      }
    }
  };
  let part = 0;
  let lastPart: string | undefined;
  const snapshot = async () => {
    const p = ++part;
    const name = await uploadAs((n) => ctx.names.ledgerPart(ctx.attempt, p, n));
    if (lastPart) await artifacts.delete(lastPart).catch(() => undefined); // the newer snapshot holds all of it
    lastPart = name;
  };
  // The whole ledger, as the attempt's ledger artifact; the snapshot it replaces goes.
  const uploadLedger = async (): Promise<string> => {
    const name = await uploadAs((n) => ctx.names.ledger(ctx.attempt, n));
    if (lastPart) await artifacts.delete(lastPart).catch(() => undefined);
    return name;
  };
  const max = opts.reprocess.max ?? DEFAULT_MAX;
  let result: ReprocessResult;
  try {
    result = await deps.group('Submit to the Reprocessing API', () =>
      runReprocess(
        {
          ...opts.reprocess,
          // A dry run shows what it would send however many: the refusal is the real run's.
          allowMany: opts.reprocess.allowMany || opts.reprocess.dryRun,
          files: [planned.toSubmitFile],
          // A plan with nothing left to submit (a quiet day, a re-run after everything was sent).
          allowEmpty: true,
          out: work,
          alsoSubmitted: ledgers.submitted,
          alsoRejected: ledgers.rejected,
          signal: opts.signal,
          onBatch: async (batches) => {
            if (batches % SNAPSHOT_EVERY_BATCHES === 0) await snapshot();
          },
        },
        { api: (onRetry) => deps.api(opts.api, onRetry, opts.signal), reporter: deps.reporter, spell: deps.spell },
      ),
    );
  } catch (err) {
    // An unexpected stop (a ledger write, the API client): what was accepted is in the local
    // ledger; upload it, so that a re-run does not send it again.
    if (!opts.reprocess.dryRun && (await hasLedgerLines(work))) {
      await uploadLedger().catch((e: unknown) => deps.reporter.warn(`could not upload the ledger after the failure: ${oneLine(e)}`));
    }
    throw err;
  }
  let ledger: string | undefined;
  if (!result.dryRun && result.submitted + result.rejected > 0) ledger = await uploadLedger();
  const overMax = result.dryRun && result.toSend > max && !opts.reprocess.allowMany ? max : undefined;
  return { result, plan: planned.plan, earlier: result.alreadySubmitted, ledger, overMax };
}

/** Whether the local ledger holds any id (accepted or rejected). */
async function hasLedgerLines(dir: string): Promise<boolean> {
  for (const f of await ledgerFiles(dir)) if ((await stat(f)).size > 0) return true;
  return false;
}

async function ledgerFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f === 'reprocessed.txt' || f === 'rejected.txt').map((f) => join(dir, f));
}

// ---------------------------------------------------------------------------------------- verify

export interface VerifyJobResult {
  result: VerifyResult;
  ledgers: number;
  /** The plan's totals, with submitted and verified filled in: the run's final numbers. */
  plan?: PlanManifest;
}

/** The verify job: every id any ledger of this run holds, checked (and polled) as check does. */
export async function verifyJob(
  opts: { verify: Omit<VerifyOptions, 'files'>; store: StoreConfig; search?: SearchConfig; signal?: AbortSignal },
  ctx: RunContext,
  deps: PipelineDeps,
): Promise<VerifyJobResult> {
  const { artifacts } = deps;
  const out = opts.verify.out;
  const work = join(out, 'verify-in');
  const listed = await artifacts.list();
  const ledgers = await readLedgers(listed, ctx, deps, work);
  const plan = await finalTotals(listed, ctx, deps, work, ledgers.submitted);
  // Nothing submitted (a quiet day, a dry run, a submit job that failed before sending): nothing to verify.
  if (ledgers.submitted.size === 0) return { result: nothingVerified(), ledgers: ledgers.count, plan: await plan(undefined) };
  await mkdir(work, { recursive: true });
  const input = join(work, 'submitted.txt');
  await writeIdsAtomic(input, ledgers.submitted);
  const result = await deps.group('Verify the submitted crashes', () =>
    withStore(deps, opts.store, opts.verify.concurrency ?? 64, async (store) => {
      const api = opts.search ? deps.api(opts.search.api, () => {}, opts.signal) : undefined;
      try {
        return await runVerify({ ...opts.verify, files: [input], signal: opts.signal }, { store, reporter: deps.reporter, searchApi: api, searchPerMinute: opts.search?.perMinute });
      } finally {
        await api?.close();
      }
    }),
  );
  await artifacts.upload(freeName(listed, ctx.names.verified(ctx.attempt)), [join(out, 'verified.txt'), join(out, 'unverified.txt')], out);
  return { result, ledgers: ledgers.count, plan: await plan(join(out, 'verified.txt')) };
}

function nothingVerified(): VerifyResult {
  return {
    input: 0, verified: 0, unverified: 0, alreadyVerified: 0, firstUnverified: [], passes: 0, requests: 0, retries: 0,
    throttled: 0, searchRequests: 0, pastRetention: [], byDate: {}, elapsedMs: 0,
  };
}

/** The plan's totals, completed with what the ledgers hold and what verify found: the run's final numbers. */
async function finalTotals(listed: ArtifactInfo[], ctx: RunContext, deps: PipelineDeps, work: string, submitted: IdSet) {
  const h = newest(listed, ctx.names, (p) => p.kind === 'havenots');
  const plan = h ? await readJson<PlanManifest>(join(await fetchInto(deps.artifacts, h.a, join(work, 'havenots')), 'plan.json'), `${h.a.name}/plan.json`) : undefined;
  return async (verifiedFile: string | undefined): Promise<PlanManifest | undefined> => {
    if (!plan) return undefined;
    const verified = verifiedFile ? (await readIdFiles([verifiedFile], { allowEmpty: true })).ids : new IdSet();
    for (const t of Object.values(plan.byDate)) {
      t.submitted = 0;
      t.verified = 0;
    }
    for (const id of submitted) if (plan.byDate[crashIdDate(id)]) plan.byDate[crashIdDate(id)].submitted++;
    for (const id of verified) if (plan.byDate[crashIdDate(id)]) plan.byDate[crashIdDate(id)].verified++;
    return plan;
  };
}
