import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { parseChunkSize } from '../core/chunks.ts';
import { parseDates, parseTimeOfDay } from '../core/dates.ts';
import { RunError, UsageError, oneLine } from '../core/errors.ts';
import { readIdFiles, writeIdsAtomic } from '../core/id-files.ts';
import { IdSet } from '../core/id-set.ts';
import { parseLayout } from '../core/layouts.ts';
import {
  parseApiUrl,
  parseBool,
  parseBucket,
  parseEndpoint,
  parseIntOption,
  parseRuleset,
  parseSeconds,
  tokenFromEnv,
} from '../core/options.ts';
import { interruptSignal } from '../core/interrupt.ts';
import { periodicProgress, type Reporter } from '../core/progress.ts';
import { DEFAULT_CHECK_CONCURRENCY, runCheck } from '../modes/check.ts';
import { runList } from '../modes/list.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX, DEFAULT_SLEEP_SECONDS, MAX_BATCH_SIZE, runReprocess } from '../modes/reprocess.ts';
import { githubArtifactStore, type ArtifactStore } from '../ports/artifacts.ts';
import { s3ObjectStore } from '../ports/object-store.ts';
import { reprocessingApi } from '../ports/reprocessing-api.ts';
import { checkSummary, listSummary, reprocessSummary } from './summary.ts';

/** Artifact names shared by the jobs of one run (CONTRACT.md). */
export const artifactNames = {
  uuids: 'uuids',
  chunk: (k: number) => `chunk-${k}`,
  result: (k: number) => `result-${k}`,
  reprocessed: (attempt: number | string) => `reprocessed-${attempt}`,
};

const input = (name: string) => core.getInput(name).trim();

function reporter(): Reporter {
  return {
    info: (m) => core.info(m),
    warn: (m) => core.warning(m),
    ...periodicProgress((line) => core.info(line), 10_000),
  };
}

function s3FromInputs(maxSockets: number) {
  return s3ObjectStore({
    bucket: parseBucket(input('bucket')),
    endpoint: parseEndpoint(input('endpoint') || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL),
    region: input('region') || process.env.AWS_REGION || 'us-west-2',
    pathStyle: parseBool('path-style', input('path-style')),
    maxSockets,
  });
}

/** Uploads with a few in flight: a month can have 256 chunks. */
async function uploadAll(store: ArtifactStore, items: Array<{ name: string; files: string[]; root: string }>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const it = items[next++];
      await store.upload(it.name, it.files, it.root);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, items.length) }, worker));
}

async function listMode(out: string, store: ArtifactStore): Promise<void> {
  const dates = parseDates(input('dates'), 'dates');
  const layout = parseLayout(input('layout'));
  const chunkSize = parseChunkSize(input('chunk-size'));
  const since = parseTimeOfDay(input('since'), 'since');
  const until = parseTimeOfDay(input('until'), 'until');
  if (since !== undefined && until !== undefined && since > until) throw new UsageError(`since ${input('since')} is after until ${input('until')}`);
  const objects = s3FromInputs(64);
  const r = await core.group('List raw crashes', () => runList({ dates, layout, chunkSize, since, until, out }, objects, reporter()));
  // A re-run of this job (re-run all jobs) starts over: the earlier attempt's list, chunks and
  // check results would clash with these uploads (409) or describe another listing. The ledgers
  // (reprocessed-N) stay, so nothing they hold is sent again.
  const stale = (await store.list()).filter((a) => a.name === artifactNames.uuids || /^(chunk|result)-\d+$/.test(a.name));
  if (stale.length) {
    core.info(`re-run: deleting ${stale.length} artifact(s) of an earlier attempt (${stale.map((a) => a.name).join(', ')})`);
    for (const a of stale) await store.delete(a.name);
  }
  await core.group(`Upload ${r.plan.chunks.length + 1} artifacts`, () =>
    uploadAll(store, [
      { name: artifactNames.uuids, files: [join(out, 'uuids.txt')], root: out },
      ...r.plan.chunks.map((c) => ({ name: artifactNames.chunk(c.index), files: [join(out, c.file)], root: out })),
    ]),
  );
  core.setOutput('chunks', r.plan.chunks.map((c) => c.index));
  core.setOutput('total', r.total);
  await listSummary(r, layout);
}

async function checkMode(out: string, store: ArtifactStore): Promise<void> {
  const k = parseIntOption('chunk', input('chunk'), -1, 0, 255);
  if (k < 0) throw new UsageError('chunk: which chunk to check is required in check mode (an index from the list job\'s chunks output)');
  const concurrency = parseIntOption('concurrency', input('concurrency'), DEFAULT_CHECK_CONCURRENCY, 1, 1024);
  const objects = s3FromInputs(concurrency);
  const listed = await store.list();
  const chunk = listed.find((a) => a.name === artifactNames.chunk(k));
  if (!chunk) throw new RunError(`no artifact ${artifactNames.chunk(k)} in this run: run the list job first`);
  const inDir = join(out, 'in');
  const files = await downloadFiles(store, chunk.id, inDir);
  // An earlier attempt's result: start from it, so a re-run only checks what is left.
  const earlier = listed.find((a) => a.name === artifactNames.result(k));
  if (earlier) {
    core.info(`resuming from ${earlier.name} of an earlier attempt`);
    await store.download(earlier.id, out);
  }
  const r = await core.group(`Check chunk ${k}`, () => runCheck({ files, out, concurrency }, objects, reporter()));
  core.setOutput('haves', r.haves);
  core.setOutput('havenots', r.havenots);
  const upload = async () => {
    if (earlier) await store.delete(artifactNames.result(k));
    await store.upload(artifactNames.result(k), [join(out, 'haves.txt'), join(out, 'havenots.txt')], out);
  };
  if (!r.failure) await upload();
  await checkSummary(k, r);
  if (r.failure) throw new RunError(r.failure);
}

async function reprocessMode(out: string, store: ArtifactStore): Promise<void> {
  const dryRun = parseBool('dry-run', input('dry-run'));
  const token = input('api-token') || tokenFromEnv(process.env);
  if (token) core.setSecret(token);
  if (!token && !dryRun) throw new UsageError("api-token: no API token (input api-token or env SOCORRO_API_TOKEN); it needs the 'Reprocess Crashes' permission");
  const apiUrl = parseApiUrl(input('api-url'), !dryRun);
  const batchSize = parseIntOption('batch-size', input('batch-size'), DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE);
  const sleepSeconds = parseSeconds('sleep', input('sleep'), DEFAULT_SLEEP_SECONDS);
  const max = parseIntOption('max', input('max'), DEFAULT_MAX, 0, 1_000_000_000);
  const allowMany = parseBool('allow-many', input('allow-many'));
  const ruleset = parseRuleset(input('ruleset'));
  const attempt = process.env.GITHUB_RUN_ATTEMPT || '1';

  const listed = await store.list();
  const chunks = listed.filter((a) => /^chunk-\d+$/.test(a.name)).map((a) => Number(a.name.slice(6)));
  const results = listed.filter((a) => /^result-\d+$/.test(a.name));
  const have = new Set(results.map((a) => Number(a.name.slice(7))));
  const missing = chunks.filter((k) => !have.has(k)).sort((a, b) => a - b);
  if (missing.length) {
    throw new RunError(`no check result for chunk(s) ${missing.join(', ')}: re-run the failed check jobs first; nothing was sent`);
  }
  // Merge every chunk's havenots; an id is in one chunk only, but dedupe all the same.
  const merged = new IdSet();
  let checked = 0;
  for (const a of results) {
    const dir = join(out, 'results', a.name);
    await store.download(a.id, dir);
    const r = await readIdFiles([join(dir, 'havenots.txt')], { allowEmpty: true }, merged);
    checked += r.lines + (await countLines(join(dir, 'haves.txt')));
  }
  // Ledgers of earlier attempts: what they submitted is never sent again.
  const submittedBefore = new IdSet();
  for (const a of listed.filter((x) => /^reprocessed-\d+$/.test(x.name))) {
    const dir = join(out, 'ledgers', a.name);
    await store.download(a.id, dir);
    await readIdFiles([join(dir, 'reprocessed.txt')], { allowEmpty: true }, submittedBefore);
  }
  const workDir = join(out, 'submit');
  await mkdir(workDir, { recursive: true });
  await writeIdsAtomic(join(workDir, 'havenots.txt'), merged);
  core.info(`${merged.size} havenot(s) from ${results.length} chunk(s); ${submittedBefore.size} id(s) submitted by earlier attempts`);

  const rep = reporter();
  const interrupt = interruptSignal((m) => core.warning(m));
  const r = await core.group('Submit to the Reprocessing API', () =>
    runReprocess(
      { files: [], out: workDir, batchSize, sleepSeconds, max, allowMany, dryRun, alsoSubmitted: submittedBefore, signal: interrupt.signal },
      (onRetry) => reprocessingApi({ apiUrl, token: token!, ruleset, onRetry }),
      rep,
    ).finally(() => interrupt.dispose()),
  );
  // The ledger is uploaded even when the run failed part way: it is what stops a re-run from resubmitting.
  if (!dryRun && r.submitted + r.rejected > 0) {
    const present = (await readdir(workDir)).filter((f) => f === 'reprocessed.txt' || f === 'rejected.txt');
    await store.upload(artifactNames.reprocessed(attempt), present.map((f) => join(workDir, f)), workDir);
  }
  core.setOutput('submitted', r.submitted);
  await reprocessSummary(r, { checked, havenots: merged.size, earlier: submittedBefore.size, apiUrl, attempt });
  if (r.failure) throw new RunError(r.failure);
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

async function downloadFiles(store: ArtifactStore, id: number, dir: string): Promise<string[]> {
  await rm(dir, { recursive: true, force: true });
  const path = await store.download(id, dir);
  const found: string[] = [];
  for (const e of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.txt')) found.push(join(e.parentPath, e.name));
  }
  if (found.length === 0) throw new RunError(`artifact ${id} holds no .txt file`);
  return found;
}

export async function run(store: ArtifactStore = githubArtifactStore()): Promise<void> {
  try {
    const mode = input('mode');
    const out = input('out') || join(process.env.RUNNER_TEMP || tmpdir(), 'socorro-reprocess');
    await mkdir(out, { recursive: true });
    if (mode === 'list') await listMode(out, store);
    else if (mode === 'check') await checkMode(out, store);
    else if (mode === 'reprocess') await reprocessMode(out, store);
    else throw new UsageError(`mode: ${mode || '(empty)'} is not a mode (list, check or reprocess)`);
  } catch (err) {
    core.setFailed(oneLine(err));
  }
}
