import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { RunError, UsageError, oneLine } from '../core/errors.ts';
import { interruptSignal } from '../core/interrupt.ts';
import { DEFAULT_BATCH_SIZE, DEFAULT_MAX, DEFAULT_SLEEP_SECONDS } from '../modes/reprocess.ts';
import { label, parseBoolean, parseInteger, tokenFromEnv, type RawOptions } from '../core/options.ts';
import { periodicProgress, type Reporter } from '../core/progress.ts';
import { parseApiUrl, parseCheckOptions, parseListOptions, parseReprocessOptions, parseVerifyOptions } from '../modes/options.ts';
import { githubArtifactStore, type ArtifactStore } from '../ports/artifacts.ts';
import { openStore } from '../ports/open-store.ts';
import { socorroApi } from '../ports/socorro-api.ts';
import { readInputs, spell } from './inputs.ts';
import { MATRIX_JOB_LIMIT, PlanOverMax, artifactNames, bucketLabel, checkJob, listJob, planJob, submitJob, verifyJob, type PipelineDeps, type RunContext } from './pipeline.ts';
import { checkSummary, failureSummary, hidePaths, listSummary, planSummary, submitSummary, verifySummary } from './summary.ts';
import { scanJob, scanSummary } from './scan-job.ts';
import { parseScanOptions } from '../modes/options.ts';

const MODES = ['list', 'check', 'plan', 'submit', 'reprocess', 'verify', 'scan'] as const;
type Mode = (typeof MODES)[number];

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
    api: (config, onRetry, signal) => socorroApi({ ...config, onRetry, signal }),
    spell,
    group: (title, fn) => core.group(title, fn),
  };
}

/** The run's artifacts: through the REST API when the job has a token (every attempt's), as a later attempt must read them. */
function artifactsFor(raw: RawOptions): ArtifactStore {
  const runId = Number(process.env.GITHUB_RUN_ID);
  return githubArtifactStore({
    token: (raw.githubToken as string) || undefined,
    repository: process.env.GITHUB_REPOSITORY,
    runId: Number.isFinite(runId) && runId > 0 ? runId : undefined,
    retentionDays: parseInteger(spell, 'retentionDays', raw.retentionDays, 30, 1, 90),
  });
}

/**
 * A cancelled job gets SIGINT, then SIGTERM 7.5 s later, then a kill: the first asks the work to
 * stop and save what it did; the second is ignored, so the saving can finish.
 */
function jobInterrupt() {
  return interruptSignal((m) => core.warning(m), process, { second: 'ignore' });
}

/** The action: one mode per job; inputs in, the pipeline, outputs and a job summary out. */
export async function run(store?: ArtifactStore): Promise<void> {
  const modeText = core.getInput('mode').trim();
  // list, plan and scan take no signal and upload only whole artifacts: a cancel may stop them at once.
  const interrupt = modeText === 'list' || modeText === 'plan' || modeText === 'scan' ? undefined : jobInterrupt();
  try {
    if (!(MODES as readonly string[]).includes(modeText)) throw new UsageError(`mode: ${modeText || '(empty)'} is not a mode (${MODES.join(', ')})`);
    const mode = modeText as Mode;
    const raw = readInputs();
    // Masked before anything else can print: every later line of the job hides them.
    for (const secret of [raw.apiToken as string, tokenFromEnv(process.env), raw.githubToken as string]) if (secret) core.setSecret(secret);
    const ctx = { spell, env: process.env };
    const out = (raw.out as string) || join(process.env.RUNNER_TEMP || tmpdir(), 'socorro-reprocess');
    await mkdir(out, { recursive: true });
    const rep = reporter();
    const deps = pipelineDeps(store ?? artifactsFor(raw), rep);
    const attempt = Number(process.env.GITHUB_RUN_ATTEMPT) || 1;
    const run: RunContext = { attempt, names: artifactNames((raw.artifactPrefix as string) ?? '') };
    // Plan and submit refuse outright (pipeline.ts); check and verify only read less than they could.
    if (!deps.artifacts.crossAttempt && attempt > 1 && (mode === 'check' || mode === 'verify')) {
      rep.warn(`no ${label(spell, 'githubToken')}: earlier attempts' artifacts are read through the runner's internal API, which hides them`);
    }
    const runId = process.env.GITHUB_RUN_ID || undefined;

    if (mode === 'list') {
      const { store: config, list } = parseListOptions(raw, out, ctx);
      // The submit job needs the API token: better to hear now than after an hour of checking.
      if (raw.tokenPresent !== '' && !parseBoolean(spell, 'tokenPresent', raw.tokenPresent, true)) {
        throw new UsageError("the API token the submit job needs (secret SOCORRO_API_TOKEN) is not set: set it (a Crash Stats token with the 'Reprocess Crashes' permission), or dispatch a dry run");
      }
      const r = await listJob({ store: config, list: { ...list, maxChunks: MATRIX_JOB_LIMIT } }, run, deps);
      core.setOutput('chunks', r.plan.chunks.map((c) => c.index));
      core.setOutput('total', r.total);
      // What the later jobs will do with these, as far as this job's inputs say.
      await listSummary(r, {
        listing: { bucket: bucketLabel(config), layout: list.layout, dates: list.dates, since: list.since, until: list.until },
        search: raw.search === '' ? undefined : parseBoolean(spell, 'search', raw.search),
        apiUrl: raw.apiUrl ? parseApiUrl(raw, false, spell) : undefined,
        max: raw.max ? parseInteger(spell, 'max', raw.max, DEFAULT_MAX, 0, 1_000_000_000) : undefined,
        allowMany: raw.allowMany ? parseBoolean(spell, 'allowMany', raw.allowMany) : undefined,
      });
    } else if (mode === 'check') {
      const k = parseInteger(spell, 'chunk', raw.chunk, -1, 0, MATRIX_JOB_LIMIT - 1);
      if (k < 0) throw new UsageError("chunk: which chunk to check is required in check mode (an index from the list job's chunks output)");
      const { store: config, check, search } = parseCheckOptions(raw, [], out, ctx);
      let r;
      try {
        r = await checkJob(k, { store: config, check, search, signal: interrupt?.signal }, run, deps);
      } catch (err) {
        // checkJob uploads what it classified before it rethrows a failed check; earlier failures upload nothing.
        const kept = await deps.artifacts.list().then((l) => l.some((a) => a.name === run.names.result(k, attempt)), () => false);
        await checkSummary(k, undefined, oneLine(err), kept);
        throw err;
      }
      core.setOutput('haves', r.result.haves);
      core.setOutput('havenots', r.result.havenots);
      core.setOutput('not-searchable', r.result.notSearchable);
      await checkSummary(k, r.result);
      if (r.result.failure) throw new RunError(r.result.failure);
    } else if (mode === 'plan' || mode === 'submit' || mode === 'reprocess') {
      const { api, reprocess } = parseReprocessOptions(raw, [], out, { ...ctx, env: mode === 'plan' ? {} : process.env }, { tokenNeeded: mode !== 'plan' });
      const fromRun = parseInteger(spell, 'fromRun', raw.fromRun, 0, 1, Number.MAX_SAFE_INTEGER) || undefined;
      let plan;
      if (mode !== 'submit') {
        // An earlier run's havenots are checked against the store again: another run may have sent them since.
        const recheck = fromRun !== undefined && raw.bucket ? parseCheckOptions(raw, [], out, ctx) : undefined;
        const max = reprocess.max ?? DEFAULT_MAX;
        const summaryOptions = {
          dryRun: !!reprocess.dryRun,
          sender: mode === 'plan' ? ('submit-job' as const) : ('this-job' as const),
          runId,
          apiUrl: api.apiUrl,
          max,
          allowMany: !!reprocess.allowMany,
          batchSize: reprocess.batchSize ?? DEFAULT_BATCH_SIZE,
          sleepSeconds: reprocess.sleepSeconds ?? DEFAULT_SLEEP_SECONDS,
          environment: (raw.environment as string) || undefined,
        };
        plan = await deps.group('Plan: merge the havenots, dedupe against every ledger', () =>
          planJob(
            {
              out,
              fromRun,
              max,
              allowMany: !!reprocess.allowMany,
              dryRun: !!reprocess.dryRun,
              recheck: recheck && { store: recheck.store, search: recheck.search, concurrency: recheck.check.concurrency },
            },
            run,
            deps,
          ),
        ).catch(async (err: unknown) => {
          // Over max: the numbers first, then the refusal and the step that gets past it.
          if (err instanceof PlanOverMax) {
            core.setOutput('havenots', err.result.plan.havenots);
            core.setOutput('to-submit', err.result.plan.toSubmit);
            await planSummary(err.result.plan, { ...summaryOptions, refused: err.message });
          } else await failureSummary('plan', oneLine(err));
          throw err;
        });
        core.setOutput('havenots', plan.plan.havenots);
        core.setOutput('to-submit', plan.plan.toSubmit);
        await planSummary(plan.plan, { ...summaryOptions, overMax: plan.overMax, sender: mode === 'plan' ? 'submit-job' : plan.plan.toSubmit ? 'this-job' : 'none' });
        if (mode === 'plan') return;
      }
      const r = await submitJob({ reprocess, api, signal: interrupt?.signal, plan }, run, deps).catch(async (err: unknown) => {
        const why = oneLine(err);
        await failureSummary('submit', /nothing (more )?(was|will be) sent/i.test(why) ? why : `${why}. Nothing more was sent`, 're-run this job when the cause is fixed: no id in any ledger of the run is sent again.');
        throw err;
      });
      core.setOutput('submitted', r.result.submitted);
      await submitSummary(r, { apiUrl: api.apiUrl, runId, batchSize: reprocess.batchSize ?? DEFAULT_BATCH_SIZE, sleepSeconds: reprocess.sleepSeconds ?? DEFAULT_SLEEP_SECONDS });
      if (r.result.failure) throw new RunError(r.result.failure);
    } else if (mode === 'scan') {
      const { store: config, scan, search } = parseScanOptions(raw, out, ctx, Date.now());
      const { result: r, artifact } = await scanJob({ store: config, scan, search, artifactPrefix: (raw.artifactPrefix as string) ?? '' }, run, deps).catch(async (err: unknown) => {
        await failureSummary('scan', `${oneLine(err)}. No scan.json: nothing was claimed.`);
        throw err;
      });
      core.setOutput('windows', r.windows.length);
      core.setOutput('missing', r.missing);
      core.setOutput('repairs', r.windows.map((w) => ({ dates: w.date, hours: w.hours })));
      await scanSummary(r, artifact);
      // A window fails the job, so a scheduled scan notifies; the summary has the repair dispatches.
      if (r.windows.length > 0) {
        throw new RunError(`${r.windows.length} outage window(s): ${r.windows.map((w) => `${w.date} ${w.hours}`).join(', ')}; the job summary has the reprocess dispatch for each`);
      }
    } else {
      const { store: config, verify, search } = parseVerifyOptions(raw, [], out, ctx);
      const r = await verifyJob({ store: config, verify, search, signal: interrupt?.signal }, run, deps);
      core.setOutput('verified', r.result.verified);
      core.setOutput('unverified', r.result.unverified);
      await verifySummary(r, { verifyMinutes: verify.waitMinutes });
      if (r.result.failure) throw new RunError(r.result.failure);
      if (r.result.unverified) {
        throw new RunError(`${r.result.unverified} of ${r.result.input} submitted crash(es) not processed yet; the ${run.names.verified(attempt)} artifact lists them (unverified.txt)`);
      }
    }
  } catch (err) {
    core.setFailed(hidePaths(oneLine(err)));
  } finally {
    interrupt?.dispose();
  }
}
