import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { RunError, UsageError, oneLine } from '../core/errors.ts';
import { interruptSignal } from '../core/interrupt.ts';
import { parseInteger, tokenFromEnv } from '../core/options.ts';
import { periodicProgress, type Reporter } from '../core/progress.ts';
import { parseCheckOptions, parseListOptions, parseReprocessOptions } from '../modes/options.ts';
import { githubArtifactStore, type ArtifactStore } from '../ports/artifacts.ts';
import { openStore } from '../ports/open-store.ts';
import { socorroApi } from '../ports/socorro-api.ts';
import { readInputs, spell } from './inputs.ts';
import { MATRIX_JOB_LIMIT, checkJob, listJob, reprocessJob, type PipelineDeps } from './pipeline.ts';
import { checkSummary, listSummary, reprocessSummary } from './summary.ts';

function reporter(): Reporter {
  return {
    info: (m) => core.info(m),
    warn: (m) => core.warning(m),
    ...periodicProgress((line) => core.info(line), 10_000),
  };
}

function pipelineDeps(artifacts: ArtifactStore, rep: Reporter): PipelineDeps {
  return {
    artifacts,
    reporter: rep,
    openStore: (config, maxSockets) => openStore(config, process.env, { maxSockets, log: rep }),
    api: (config, onRetry) => socorroApi({ ...config, onRetry }),
    spell,
    group: (title, fn) => core.group(title, fn),
  };
}

/** The action: one mode per job; inputs in, the pipeline, outputs and a job summary out. */
export async function run(artifacts: ArtifactStore = githubArtifactStore()): Promise<void> {
  try {
    const mode = core.getInput('mode').trim();
    const raw = readInputs();
    // Masked before anything else can print: every later line of the job hides it.
    const token = (raw.apiToken as string) || tokenFromEnv(process.env);
    if (token) core.setSecret(token);
    const ctx = { spell, env: process.env };
    const out = (raw.out as string) || join(process.env.RUNNER_TEMP || tmpdir(), 'socorro-reprocess');
    await mkdir(out, { recursive: true });
    const rep = reporter();
    const deps = pipelineDeps(artifacts, rep);

    if (mode === 'list') {
      const { store, list } = parseListOptions(raw, out, ctx);
      const r = await listJob({ store, list: { ...list, maxChunks: MATRIX_JOB_LIMIT } }, deps);
      core.setOutput('chunks', r.plan.chunks.map((c) => c.index));
      core.setOutput('total', r.total);
      await listSummary(r, list.layout);
    } else if (mode === 'check') {
      const k = parseInteger(spell, 'chunk', raw.chunk, -1, 0, MATRIX_JOB_LIMIT - 1);
      if (k < 0) throw new UsageError("chunk: which chunk to check is required in check mode (an index from the list job's chunks output)");
      const { store, check } = parseCheckOptions(raw, [], out, ctx);
      const { result } = await checkJob(k, { store, check }, deps);
      core.setOutput('haves', result.haves);
      core.setOutput('havenots', result.havenots);
      await checkSummary(k, result);
      if (result.failure) throw new RunError(result.failure);
    } else if (mode === 'reprocess') {
      const { api, reprocess } = parseReprocessOptions(raw, [], out, ctx);
      const attempt = process.env.GITHUB_RUN_ATTEMPT || '1';
      const interrupt = interruptSignal((m) => core.warning(m));
      const r = await reprocessJob({ reprocess, api, attempt, signal: interrupt.signal }, deps).finally(() => interrupt.dispose());
      core.setOutput('submitted', r.result.submitted);
      await reprocessSummary(r, api.apiUrl);
      if (r.result.failure) throw new RunError(r.result.failure);
    } else {
      throw new UsageError(`mode: ${mode || '(empty)'} is not a mode (list, check or reprocess)`);
    }
  } catch (err) {
    core.setFailed(oneLine(err));
  }
}
