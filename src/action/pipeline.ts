import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RunError } from '../core/errors.ts';
import { readIdFiles, writeIdsAtomic } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import type { Spelling } from '../core/options.ts';
import { forEachPooled } from '../core/pool.ts';
import type { Reporter } from '../core/progress.ts';
import { runCheck, type CheckOptions, type CheckResult } from '../modes/check.ts';
import { runList, type ListOptions, type ListResult } from '../modes/list.ts';
import type { ApiConfig } from '../modes/options.ts';
import { runReprocess, type ReprocessOptions, type ReprocessResult } from '../modes/reprocess.ts';
import type { ArtifactStore } from '../ports/artifacts.ts';
import type { ReprocessingApi, RetryListener } from '../ports/socorro-api.ts';
import type { ObjectStore, StoreConfig } from '../ports/store.ts';

/**
 * The protocol between the jobs of one workflow run: which artifacts each job reads and writes,
 * how a re-run attempt starts from what an earlier one left, and when the reprocess job may
 * send. It knows GitHub only through the ArtifactStore port, so it is tested with an in-memory
 * one, and the action's main.ts only reads inputs, calls it, and writes outputs and summaries.
 */

/** GitHub runs at most 256 jobs from one matrix: one check job per chunk. */
export const MATRIX_JOB_LIMIT = 256;

/** Artifact names shared by the jobs of one run (CONTRACT.md). */
export const artifactNames = {
  uuids: 'uuids',
  chunk: (k: number) => `chunk-${k}`,
  result: (k: number) => `result-${k}`,
  reprocessed: (attempt: number | string) => `reprocessed-${attempt}`,
};

const CHUNK_NAME = /^chunk-(\d+)$/;
const RESULT_NAME = /^result-(\d+)$/;
const LEDGER_NAME = /^reprocessed-\d+$/;
/** Uploads in flight at once: a month can have 256 chunks. */
const UPLOADS_IN_FLIGHT = 8;

export interface PipelineDeps {
  artifacts: ArtifactStore;
  reporter: Reporter;
  openStore: (config: StoreConfig, maxSockets: number) => ObjectStore;
  api: (config: ApiConfig, onRetry: RetryListener) => ReprocessingApi;
  spell: Spelling;
  /** A foldable log section (core.group on a runner). */
  group: <T>(title: string, fn: () => Promise<T>) => Promise<T>;
}

async function withStore<T>(deps: PipelineDeps, config: StoreConfig, maxSockets: number, fn: (store: ObjectStore) => Promise<T>): Promise<T> {
  const store = deps.openStore(config, maxSockets);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The list job: list the dates, then hand the ids on as `uuids` and one `chunk-{k}` per check job. */
export async function listJob(opts: { list: ListOptions; store: StoreConfig }, deps: PipelineDeps): Promise<ListResult> {
  const { artifacts } = deps;
  const list = { ...opts.list, maxChunks: Math.min(opts.list.maxChunks ?? MATRIX_JOB_LIMIT, MATRIX_JOB_LIMIT) };
  const r = await deps.group('List raw crashes', () => withStore(deps, opts.store, 64, (store) => runList(list, { store, reporter: deps.reporter })));
  // A re-run of this job (re-run all jobs) starts over: the earlier attempt's list, chunks and
  // check results would clash with these uploads (409) or describe another listing. The ledgers
  // (reprocessed-N) stay, so nothing they hold is sent again.
  const stale = (await artifacts.list()).filter((a) => a.name === artifactNames.uuids || CHUNK_NAME.test(a.name) || RESULT_NAME.test(a.name));
  if (stale.length) {
    deps.reporter.info(`re-run: deleting ${stale.length} artifact(s) of an earlier attempt (${stale.map((a) => a.name).join(', ')})`);
    for (const a of stale) await artifacts.delete(a.name);
  }
  const uploads = [
    { name: artifactNames.uuids, files: [join(list.out, 'uuids.txt')] },
    ...r.plan.chunks.map((c) => ({ name: artifactNames.chunk(c.index), files: [join(list.out, c.file)] })),
  ];
  await deps.group(`Upload ${uploads.length} artifacts`, () =>
    forEachPooled(uploads, UPLOADS_IN_FLIGHT, async (u) => {
      await artifacts.upload(u.name, u.files, list.out);
    }),
  );
  return r;
}

export interface CheckJobResult {
  chunk: number;
  result: CheckResult;
  /** Whether this attempt started from an earlier attempt's result-{k}. */
  resumed: boolean;
}

/** A check job: chunk-{k} in, result-{k} (haves.txt, havenots.txt) out; a re-run resumes from its earlier result. */
export async function checkJob(k: number, opts: { check: Omit<CheckOptions, 'files'>; store: StoreConfig }, deps: PipelineDeps): Promise<CheckJobResult> {
  const { artifacts } = deps;
  const out = opts.check.out;
  const listed = await artifacts.list();
  const chunk = listed.find((a) => a.name === artifactNames.chunk(k));
  if (!chunk) throw new RunError(`no artifact ${artifactNames.chunk(k)} in this run: run the list job first`);
  const files = await downloadTextFiles(artifacts, chunk.id, join(out, 'in'));
  // An earlier attempt's result: start from it, so a re-run only checks what is left.
  const earlier = listed.find((a) => a.name === artifactNames.result(k));
  if (earlier) {
    deps.reporter.info(`resuming from ${earlier.name} of an earlier attempt`);
    await artifacts.download(earlier.id, out);
  }
  const concurrency = opts.check.concurrency ?? 128;
  const result = await deps.group(`Check chunk ${k}`, () =>
    withStore(deps, opts.store, concurrency, (store) => runCheck({ ...opts.check, files }, { store, reporter: deps.reporter })),
  );
  if (!result.failure) {
    if (earlier) await artifacts.delete(artifactNames.result(k));
    await artifacts.upload(artifactNames.result(k), [join(out, 'haves.txt'), join(out, 'havenots.txt')], out);
  }
  return { chunk: k, result, resumed: !!earlier };
}

export interface ReprocessJobResult {
  result: ReprocessResult;
  /** Ids in every chunk's results (haves and havenots). */
  checked: number;
  /** Havenots of every chunk, merged. */
  havenots: number;
  /** Ids that earlier attempts' ledgers hold. */
  earlier: number;
  attempt: string;
  /** Whether this attempt uploaded a ledger. */
  uploadedLedger: boolean;
}

/**
 * The reprocess job: starts only when every chunk has a result, merges their havenots, and
 * submits those no earlier attempt's ledger holds. Its own ledger is uploaded even when the run
 * failed part way: it is what stops a re-run from resubmitting.
 */
export async function reprocessJob(
  opts: { reprocess: Omit<ReprocessOptions, 'files' | 'alsoSubmitted'>; api: ApiConfig; attempt: string; signal?: AbortSignal },
  deps: PipelineDeps,
): Promise<ReprocessJobResult> {
  const { artifacts } = deps;
  const out = opts.reprocess.out;
  const listed = await artifacts.list();
  const chunks = listed.flatMap((a) => CHUNK_NAME.exec(a.name)?.[1] ?? []).map(Number);
  const results = listed.filter((a) => RESULT_NAME.test(a.name));
  const have = new Set(results.map((a) => Number(RESULT_NAME.exec(a.name)![1])));
  const missing = chunks.filter((k) => !have.has(k)).sort((a, b) => a - b);
  if (missing.length) throw new RunError(`no check result for chunk(s) ${missing.join(', ')}: re-run the failed check jobs first; nothing was sent`);

  // Merge every chunk's havenots; an id is in one chunk only, but dedupe all the same.
  const merged = new IdSet();
  let checked = 0;
  for (const a of results) {
    const dir = join(out, 'results', a.name);
    await artifacts.download(a.id, dir);
    const r = await readIdFiles([join(dir, 'havenots.txt')], { allowEmpty: true }, merged);
    checked += r.lines + (await countLines(join(dir, 'haves.txt')));
  }
  // Ledgers of earlier attempts: what they submitted is never sent again.
  const submittedBefore = new IdSet();
  for (const a of listed.filter((x) => LEDGER_NAME.test(x.name))) {
    const dir = join(out, 'ledgers', a.name);
    await artifacts.download(a.id, dir);
    await readIdFiles([join(dir, 'reprocessed.txt')], { allowEmpty: true }, submittedBefore);
  }
  const workDir = join(out, 'submit');
  await mkdir(workDir, { recursive: true });
  await writeIdsAtomic(join(workDir, 'havenots.txt'), merged);
  deps.reporter.info(`${merged.size} havenot(s) from ${results.length} chunk(s); ${submittedBefore.size} id(s) submitted by earlier attempts`);

  const result = await deps.group('Submit to the Reprocessing API', () =>
    runReprocess(
      { ...opts.reprocess, files: [], out: workDir, alsoSubmitted: submittedBefore, signal: opts.signal },
      { api: (onRetry) => deps.api(opts.api, onRetry), reporter: deps.reporter, spell: deps.spell },
    ),
  );
  let uploadedLedger = false;
  if (!result.dryRun && result.submitted + result.rejected > 0) {
    const present = (await readdir(workDir)).filter((f) => f === 'reprocessed.txt' || f === 'rejected.txt');
    await artifacts.upload(artifactNames.reprocessed(opts.attempt), present.map((f) => join(workDir, f)), workDir);
    uploadedLedger = true;
  }
  return { result, checked, havenots: merged.size, earlier: submittedBefore.size, attempt: opts.attempt, uploadedLedger };
}

/** Non-blank lines of a file (0 when it is absent): ids a check job found processed. */
async function countLines(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let n = 0;
  for (const line of text.split('\n')) if (line.trim()) n++;
  return n;
}

async function downloadTextFiles(artifacts: ArtifactStore, id: number, dir: string): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  const path = await artifacts.download(id, dir);
  const found: string[] = [];
  for (const e of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.txt')) found.push(join(e.parentPath, e.name));
  }
  if (found.length === 0) throw new RunError(`artifact ${id} holds no .txt file`);
  return found;
}
