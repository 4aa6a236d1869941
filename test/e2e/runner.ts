/**
 * A small offline stand-in for GitHub Actions, enough to run .github/workflows/reprocess.yml as
 * the real service would: the workflow is parsed and validated by GitHub's own parser
 * (@actions/workflow-parser) and every `${{ }}` is evaluated by GitHub's own evaluator
 * (@actions/expressions). Jobs start when their `needs` are done, job and step `if:`s decide what
 * runs, a matrix expands from its expressions and its legs run concurrently (capped by
 * `max-parallel`), and each `uses: ./` step runs the action's `runs.main` in a child process with
 * the environment a runner gives (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP,
 * GITHUB_RUN_ATTEMPT, the artifact service token...). Step outputs are read back from the
 * GITHUB_OUTPUT file and job outputs evaluated from the job's `outputs:`.
 *
 * Simulated, not run: `actions/checkout` (links action.yml and dist/ of this checkout into the
 * job's workspace), `aws-actions/configure-aws-credentials` (exports what its inputs name,
 * as the real action does for access keys; its OIDC path needs GitHub's token service and is
 * refused) and `google-github-actions/auth` (writes the Workload Identity credentials file the
 * real one writes, pointing at a loopback STS, when the job may mint an OIDC token). Any other step, `run:` steps included, fails the job: the workflow must not grow
 * steps this test does not understand.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import {
  NoOperationTraceWriter,
  convertWorkflowTemplate,
  isBasicExpression,
  isBoolean,
  isLiteral,
  isMapping,
  isNumber,
  isSequence,
  isString,
  parseWorkflow,
  type WorkflowTemplate,
} from '@actions/workflow-parser';
import type { Job } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { parse as parseYaml } from 'yaml';

// ---------------------------------------------------------------------------------------------
// Loading

export interface Workflow {
  name: string;
  template: WorkflowTemplate;
  jobs: Job[];
  job(id: string): Job;
  /** The raw `with:` of step `index` of job `jobId` (the converted model drops it). */
  stepWith(jobId: string, index: number): MappingToken | undefined;
  /** The workflow-level `concurrency:` token, if any. */
  concurrency: TemplateToken | undefined;
  /** workflow_dispatch inputs as written (the converted model drops number defaults). */
  dispatchInputs: Record<string, DispatchInput>;
  /** A job's `permissions:` as written (else the workflow's); the converted model drops them. */
  permissions(jobId: string): Record<string, string>;
}

export interface DispatchInput {
  type?: string;
  required?: boolean;
  default?: string | number | boolean;
  options?: string[];
  description?: string;
}

/** Parses and validates a workflow file; any schema or expression error throws. */
export async function loadWorkflow(path: string): Promise<Workflow> {
  const content = await readFile(path, 'utf8');
  const name = basename(path);
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errorsOf = () => parsed.context.errors.getErrors().map((e) => e.message);
  if (errorsOf().length || !parsed.value) throw new Error(`${name} does not parse:\n${errorsOf().join('\n')}`);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  const errors = [...errorsOf(), ...(template.errors ?? []).map((e) => e.Message)];
  if (errors.length) throw new Error(`${name} is not a valid workflow:\n${[...new Set(errors)].join('\n')}`);

  const jobs = template.jobs.map((j) => {
    if (j.type !== 'job') throw new Error(`job ${j.id.value}: reusable workflows are not simulated`);
    return j;
  });
  const rawJobs = (parsed.value as MappingToken).find('jobs') as MappingToken;
  return {
    name,
    template,
    jobs,
    job(id) {
      const j = jobs.find((x) => x.id.value === id);
      if (!j) throw new Error(`no job ${id} in ${name}`);
      return j;
    },
    stepWith(jobId, index) {
      const steps = (rawJobs.find(jobId) as MappingToken | undefined)?.find('steps');
      if (!steps || !isSequence(steps)) throw new Error(`job ${jobId} has no steps`);
      const step = steps.get(index);
      if (!isMapping(step)) throw new Error(`job ${jobId} step ${index} is not a mapping`);
      const w = step.find('with');
      if (w === undefined) return undefined;
      if (!isMapping(w)) throw new Error(`job ${jobId} step ${index}: with is not a mapping`);
      return w;
    },
    concurrency: template.concurrency,
    dispatchInputs: (parseYaml(content) as { on?: { workflow_dispatch?: { inputs?: Record<string, DispatchInput> } } }).on?.workflow_dispatch?.inputs ?? {},
    permissions(jobId) {
      const y = parseYaml(content) as { permissions?: Record<string, string>; jobs?: Record<string, { permissions?: Record<string, string> }> };
      return y.jobs?.[jobId]?.permissions ?? y.permissions ?? {};
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Expressions

/** Status of the job (for step `if:`s) or of its needs (for a job `if:`). */
export interface Status {
  success: boolean;
  failure: boolean;
}

export interface ExprContext {
  values: Record<string, unknown>;
  status: Status;
}

const CONTEXT_NAMES = ['github', 'inputs', 'vars', 'secrets', 'needs', 'matrix', 'strategy', 'steps', 'job', 'runner', 'env'];
const STATUS_FUNCTIONS = ['success', 'failure', 'always', 'cancelled'];

export function toData(value: unknown): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

export function fromData(value: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(value, data.replacer));
}

/** Evaluates one expression (the text inside `${{ }}`). */
export function evaluate(expression: string, ctx: ExprContext): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const infos = STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const tree = new Parser(lexed.tokens, CONTEXT_NAMES, infos).parse();
  const statusOf: Record<string, boolean> = {
    success: ctx.status.success,
    failure: ctx.status.failure,
    always: true,
    cancelled: false,
  };
  const functions = new Map(
    infos.map((info) => [info.name, { ...info, call: () => new data.BooleanData(statusOf[info.name]) }]),
  );
  const context = new data.Dictionary(...Object.entries(ctx.values).map(([key, value]) => ({ key, value: toData(value) })));
  return new Evaluator(tree, context, functions).evaluate();
}

/** A template token's value: literals as they are, expressions evaluated, mappings and sequences recursively. */
export function evalToken(token: TemplateToken, ctx: ExprContext): data.ExpressionData {
  if (isBasicExpression(token)) return evaluate(token.expression, ctx);
  if (isString(token)) return new data.StringData(token.value);
  if (isBoolean(token)) return new data.BooleanData(token.value);
  if (isNumber(token)) return new data.NumberData(token.value);
  if (isMapping(token)) {
    const d = new data.Dictionary();
    for (const { key, value } of token) d.add(asString(evalToken(key, ctx)), evalToken(value, ctx));
    return d;
  }
  if (isSequence(token)) {
    const a = new data.Array();
    for (const item of token) a.add(evalToken(item, ctx));
    return a;
  }
  if (isLiteral(token)) return new data.Null();
  throw new Error(`cannot evaluate a ${token.typeName()} token`);
}

/** How the runner turns a value into a step input or an output: scalars only. */
export function asString(value: data.ExpressionData): string {
  switch (value.kind) {
    case data.Kind.Null:
      return '';
    case data.Kind.String:
    case data.Kind.Number:
      return value.coerceString();
    case data.Kind.Boolean:
      return (value).value ? 'true' : 'false';
    default:
      throw new Error(`a ${data.Kind[value.kind]} is not a string value`);
  }
}

export function truthy(value: data.ExpressionData): boolean {
  switch (value.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return (value).value;
    case data.Kind.Number: {
      const n = value.number();
      return n !== 0 && !Number.isNaN(n);
    }
    case data.Kind.String:
      return value.coerceString() !== '';
    default:
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Dispatch inputs

export type InputValue = string | number | boolean;

/**
 * The `inputs` context of a workflow_dispatch, validated as GitHub validates a dispatch:
 * unknown inputs and missing required ones are refused, choices must be options, defaults fill in.
 */
export function dispatchInputs(wf: Workflow, given: Record<string, InputValue>): Record<string, InputValue> {
  const declared = wf.dispatchInputs;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) throw new Error(`Unexpected inputs provided: ["${name}"]`);
  }
  const out: Record<string, InputValue> = {};
  for (const [name, def] of Object.entries(declared)) {
    const v = Object.hasOwn(given, name) ? given[name] : def.default;
    if (def.required && (v === undefined || v === '')) throw new Error(`Required input '${name}' not provided`);
    switch (def.type ?? 'string') {
      case 'boolean':
        if (v !== undefined && typeof v !== 'boolean') throw new Error(`input ${name}: ${String(v)} is not a boolean`);
        out[name] = v ?? false;
        break;
      case 'number':
        if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw new Error(`input ${name}: ${String(v)} is not a number`);
        if (v !== undefined) out[name] = v;
        break;
      case 'choice':
        if (v !== undefined && !def.options?.includes(String(v))) throw new Error(`input ${name}: ${String(v)} is not one of ${def.options?.join(', ')}`);
        out[name] = v === undefined ? '' : String(v);
        break;
      default:
        out[name] = v === undefined ? '' : String(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running

export type Conclusion = 'success' | 'failure' | 'skipped' | 'cancelled';

export interface StepRun {
  index: number;
  id: string;
  uses: string;
  outcome: Conclusion;
  /** The `with:` values as evaluated. */
  with: Record<string, string>;
  outputs: Record<string, string>;
  /** GITHUB_STEP_SUMMARY as the step left it. */
  summary: string;
  log: string;
  /** performance.now() when the process started and ended (`uses: ./` steps only). */
  startedAt?: number;
  endedAt?: number;
}

export interface JobRun {
  job: string;
  name: string;
  matrix?: Record<string, unknown>;
  attempt: number;
  /** The job's id in the artifact service (the token's scope). */
  backendJobId: string;
  result: Conclusion;
  outputs: Record<string, string>;
  steps: StepRun[];
}

export interface JobGroup {
  job: string;
  result: Conclusion;
  outputs: Record<string, string>;
  /** One per matrix leg, or one; none when skipped before the matrix expanded. */
  runs: JobRun[];
  /** Why the job itself failed before any leg ran (e.g. an empty matrix). */
  error?: string;
}

export interface RunnerOptions {
  runId: string;
  /** The checkout: action.yml and dist/ are linked from here. */
  repoRoot: string;
  /** Node for `using: node24` actions. */
  node: string;
  inputs: Record<string, InputValue>;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  /** Environment the artifact client needs for a job (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL...). */
  artifactEnv(runId: string, backendJobId: string): Record<string, string>;
  /** Where each job gets its workspace and RUNNER_TEMP. */
  workDir: string;
  /**
   * What google-github-actions/auth does in a job with `id-token: write`: writes a Workload
   * Identity credentials file into the workspace (pointing at a loopback STS) and returns the
   * variables it exports. Without it, the step fails as it would without GitHub's OIDC.
   */
  gcpAuth?(inputs: Record<string, string>, workspace: string): Promise<Record<string, string>>;
  stepTimeoutMs?: number;
}

/** Which jobs (and matrix legs) a re-run attempt runs again; the rest keep their earlier results. */
export type Selection = (job: string, matrix: Record<string, unknown> | undefined) => boolean;

/** One workflow run: attempt 1 runs everything; later attempts re-run a selection. */
export class WorkflowRun {
  readonly wf: Workflow;
  readonly opts: RunnerOptions;
  readonly inputs: Record<string, InputValue>;
  /** Latest result of each job, across attempts. */
  readonly results = new Map<string, JobGroup>();

  constructor(wf: Workflow, opts: RunnerOptions) {
    this.wf = wf;
    this.opts = opts;
    this.inputs = dispatchInputs(wf, opts.inputs);
  }

  github(attempt: number, job?: string): Record<string, unknown> {
    return {
      event_name: 'workflow_dispatch',
      run_id: this.opts.runId,
      run_attempt: String(attempt),
      workflow: this.wf.name,
      repository: 'mozilla-services/socorro-reprocess',
      ref: 'refs/heads/main',
      job,
      event: { inputs: Object.fromEntries(Object.entries(this.inputs).map(([k, v]) => [k, String(v)])) },
    };
  }

  /** Runs attempt `attempt`: every job, or only those `select` picks (a re-run). */
  async run(attempt: number, select?: Selection): Promise<Map<string, JobGroup>> {
    if (select && attempt < 2) throw new Error('a re-run is attempt 2 or later');
    const started = new Map<string, Promise<JobGroup>>();
    const start = (id: string, chain: string[] = []): Promise<JobGroup> => {
      if (chain.includes(id)) throw new Error(`needs cycle: ${[...chain, id].join(' → ')}`);
      let p = started.get(id);
      if (!p) {
        const job = this.wf.job(id);
        const needs = (job.needs ?? []).map((n) => start(n.value, [...chain, id]));
        p = Promise.all(needs).then(() => this.runGroup(job, attempt, select));
        started.set(id, p);
      }
      return p;
    };
    for (const job of this.wf.jobs) await start(job.id.value);
    return this.results;
  }

  private needsContext(job: Job): Record<string, unknown> {
    const needs: Record<string, unknown> = {};
    for (const n of job.needs ?? []) {
      const r = this.results.get(n.value);
      if (!r) throw new Error(`job ${job.id.value} needs ${n.value}, which has not run`);
      needs[n.value] = { result: r.result, outputs: r.outputs };
    }
    return needs;
  }

  private async runGroup(job: Job, attempt: number, select: Selection | undefined): Promise<JobGroup> {
    const id = job.id.value;
    const previous = this.results.get(id);
    const needs = this.needsContext(job);
    const values = { github: this.github(attempt, id), inputs: this.inputs, vars: this.opts.vars, needs };
    const needsOk = Object.values(needs).every((n) => (n as { result: string }).result === 'success');
    const status = { success: needsOk, failure: !needsOk };

    let legs: Array<Record<string, unknown> | undefined> = [undefined];
    let maxParallel = Infinity;
    let failFast = true;
    const evaluateGroup = (): JobGroup | undefined => {
      if (!truthy(evaluate(job.if.expression, { values, status }))) return { job: id, result: 'skipped', outputs: {}, runs: [] };
      if (!job.strategy) return undefined;
      const strategy = fromData(evalToken(job.strategy, { values, status })) as Record<string, unknown>;
      failFast = strategy['fail-fast'] === undefined ? true : Boolean(strategy['fail-fast']);
      if (strategy['max-parallel'] !== undefined) {
        maxParallel = Number(strategy['max-parallel']);
        if (!Number.isInteger(maxParallel) || maxParallel < 1) throw new Error(`max-parallel: ${JSON.stringify(strategy['max-parallel'])} is not a positive whole number`);
      }
      legs = expandMatrix(strategy.matrix);
      return undefined;
    };

    // A job not picked for a re-run keeps what its last attempt left.
    const picked = (m: Record<string, unknown> | undefined) => !select || select(id, m);
    let early: JobGroup | undefined;
    try {
      early = evaluateGroup();
    } catch (err) {
      early = { job: id, result: 'failure', outputs: {}, runs: [], error: err instanceof Error ? err.message : String(err) };
    }
    if (select && previous && !legs.some(picked)) return previous;
    if (early) {
      this.results.set(id, early);
      return early;
    }

    const keyOf = (m: Record<string, unknown> | undefined) => JSON.stringify(m ?? null);
    const kept = new Map((previous?.runs ?? []).map((r) => [keyOf(r.matrix), r]));
    const runs: JobRun[] = [];
    let failed = false;
    let next = 0;
    const worker = async () => {
      while (next < legs.length) {
        const matrix = legs[next++];
        const old = kept.get(keyOf(matrix));
        if (old && !picked(matrix)) {
          runs.push(old);
          continue;
        }
        if (failFast && failed) {
          runs.push({ job: id, name: id, matrix, attempt, backendJobId: '', result: 'cancelled', outputs: {}, steps: [] });
          continue;
        }
        const r = await this.runJob(job, attempt, needs, matrix);
        if (r.result !== 'success') failed = true;
        runs.push(r);
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxParallel, legs.length) }, worker));

    // Matrix legs' outputs merge; where names collide the last to finish wins, as on GitHub.
    const outputs: Record<string, string> = {};
    for (const r of runs) for (const [k, v] of Object.entries(r.outputs)) if (v !== '') outputs[k] = v;
    const result: Conclusion = runs.every((r) => r.result === 'success') ? 'success' : 'failure';
    const group = { job: id, result, outputs, runs };
    this.results.set(id, group);
    return group;
  }

  private async runJob(job: Job, attempt: number, needs: Record<string, unknown>, matrix: Record<string, unknown> | undefined): Promise<JobRun> {
    const id = job.id.value;
    const suffix = matrix ? `-${Object.values(matrix).map(String).join('-')}` : '';
    const backendJobId = `${id}${suffix}-attempt${attempt}`.replace(/[^A-Za-z0-9._-]/g, '_');
    const home = join(this.opts.workDir, this.opts.runId, backendJobId);
    const workspace = join(home, 'workspace');
    const temp = join(home, 'temp');
    await mkdir(workspace, { recursive: true });
    await mkdir(temp, { recursive: true });

    const steps: Record<string, unknown> = {};
    // Variables steps export for later steps (GITHUB_ENV, core.exportVariable).
    const jobEnv: Record<string, string> = {};
    let failed = false;
    const valuesFor = (): Record<string, unknown> => ({
      github: this.github(attempt, id),
      inputs: this.inputs,
      vars: this.opts.vars,
      secrets: this.opts.secrets,
      needs,
      matrix: matrix ?? {},
      steps,
      job: { status: failed ? 'failure' : 'success' },
      runner: { os: 'Linux', temp },
      env: jobEnv,
    });
    const name = job.name ? asString(evalToken(job.name, { values: valuesFor(), status: { success: true, failure: false } })) : id;

    // What every step's process gets from the runner.
    const runnerEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_REPOSITORY: 'mozilla-services/socorro-reprocess',
      GITHUB_RUN_ID: this.opts.runId,
      GITHUB_RUN_ATTEMPT: String(attempt),
      GITHUB_JOB: id,
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
      ...this.opts.artifactEnv(this.opts.runId, backendJobId),
    };
    if (job.env) Object.assign(jobEnv, fromData(evalToken(job.env, { values: valuesFor(), status: { success: true, failure: false } })));

    const stepRuns: StepRun[] = [];
    for (const [index, step] of job.steps.entries()) {
      if (!('uses' in step) && !('run' in step)) throw new Error(`job ${id}: step ${index} is neither uses nor run`);
      const uses = 'uses' in step ? step.uses.value : '';
      const record: StepRun = { index, id: step.id, uses: uses || '(run)', outcome: 'skipped', with: {}, outputs: {}, summary: '', log: '' };
      stepRuns.push(record);
      const ctx: ExprContext = { values: valuesFor(), status: { success: !failed, failure: failed } };
      if ('if' in step && step.if && !truthy(evaluate(step.if.expression, ctx))) {
        steps[step.id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
        continue;
      }
      try {
        const w = this.wf.stepWith(id, index);
        if (w) {
          for (const [k, v] of Object.entries(fromData(evalToken(w, ctx)) as Record<string, unknown>)) {
            record.with[k] = asString(toData(v));
          }
        }
        if (!uses) throw new Error('run: steps are not simulated');
        if (uses.startsWith('actions/checkout@')) {
          await simulateCheckout(this.opts.repoRoot, workspace);
          record.outcome = 'success';
        } else if (uses.startsWith('aws-actions/configure-aws-credentials@')) {
          Object.assign(jobEnv, simulateAwsCredentials(record.with));
          record.outcome = 'success';
        } else if (uses.startsWith('google-github-actions/auth@')) {
          Object.assign(jobEnv, await this.simulateGcpAuth(job, record.with, workspace));
          record.outcome = 'success';
        } else if (uses === './') {
          await this.runLocalAction(record, workspace, temp, { ...runnerEnv, ...jobEnv }, jobEnv);
        } else {
          throw new Error(`${uses} is not simulated`);
        }
      } catch (err) {
        record.outcome = 'failure';
        record.log += `\n##[error]${err instanceof Error ? err.message : String(err)}\n`;
      }
      if (record.outcome === 'failure') failed = true;
      steps[step.id] = { outcome: record.outcome, conclusion: record.outcome, outputs: record.outputs };
    }

    const outputs: Record<string, string> = {};
    if (job.outputs) {
      const ctx: ExprContext = { values: valuesFor(), status: { success: !failed, failure: failed } };
      for (const { key, value } of job.outputs) outputs[asString(evalToken(key, ctx))] = asString(evalToken(value, ctx));
    }
    return { job: id, name, matrix, attempt, backendJobId, result: failed ? 'failure' : 'success', outputs, steps: stepRuns };
  }

  /** google-github-actions/auth with Workload Identity Federation: it needs the job's OIDC token. */
  private async simulateGcpAuth(job: Job, w: Record<string, string>, workspace: string): Promise<Record<string, string>> {
    if (this.wf.permissions(job.id.value)['id-token'] !== 'write') throw new Error('google-github-actions/auth: GitHub Actions did not inject $ACTIONS_ID_TOKEN_REQUEST_TOKEN (permissions: id-token: write)');
    if (!w.workload_identity_provider) throw new Error('google-github-actions/auth: the GitHub Action workflow must specify exactly one of "workload_identity_provider" or "credentials_json"');
    if (!this.opts.gcpAuth) throw new Error('google-github-actions/auth: no OIDC/STS stand-in for this run');
    return this.opts.gcpAuth(w, workspace);
  }

  /** A `uses: ./` step: the action's metadata decides inputs (with defaults) and the entry point. */
  private async runLocalAction(record: StepRun, workspace: string, temp: string, env: Record<string, string>, jobEnv: Record<string, string>): Promise<void> {
    const metaPath = join(workspace, 'action.yml');
    const metaText = await readFile(metaPath, 'utf8').catch(() => {
      throw new Error(`Can't find 'action.yml' under '${workspace}'. Did you forget to run actions/checkout before running your local action?`);
    });
    const meta = parseYaml(metaText) as {
      inputs?: Record<string, { default?: unknown }>;
      runs?: { using?: string; main?: string };
    };
    if (meta.runs?.using !== 'node24' || !meta.runs.main) throw new Error(`action.yml: runs.using ${meta.runs?.using} is not simulated (node24 only)`);
    const declared = meta.inputs ?? {};
    const unexpected = Object.keys(record.with).filter((k) => !Object.hasOwn(declared, k));
    if (unexpected.length) throw new Error(`Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`);

    const stepEnv: Record<string, string> = { ...env };
    for (const [name, def] of Object.entries(declared)) {
      let value: string | undefined = record.with[name];
      if (value === undefined && def?.default !== undefined && def.default !== null) {
        value = typeof def.default === 'string' ? def.default : JSON.stringify(def.default);
        if (value.includes('${{')) throw new Error(`action.yml: expression defaults (input ${name}) are not simulated`);
      }
      // As the runner names them: spaces become '_', hyphens stay.
      if (value !== undefined) stepEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    }
    const commands = join(temp, '_runner_file_commands');
    await mkdir(commands, { recursive: true });
    const file = async (kind: string) => {
      const p = join(commands, `${kind}_${randomUUID()}`);
      await writeFile(p, '');
      return p;
    };
    const files = {
      GITHUB_OUTPUT: await file('set_output'),
      GITHUB_ENV: await file('set_env'),
      GITHUB_PATH: await file('add_path'),
      GITHUB_STATE: await file('save_state'),
      GITHUB_STEP_SUMMARY: await file('step_summary'),
    };
    Object.assign(stepEnv, files);

    record.startedAt = performance.now();
    const { code, log } = await runProcess(this.opts.node, [join(workspace, meta.runs.main)], workspace, stepEnv, this.opts.stepTimeoutMs ?? 180_000);
    record.endedAt = performance.now();
    record.log += log;
    record.outputs = parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8'));
    Object.assign(jobEnv, parseFileCommands(await readFile(files.GITHUB_ENV, 'utf8')));
    record.summary = await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
    record.outcome = code === 0 ? 'success' : 'failure';
  }
}

/** The matrix's combinations; `include`/`exclude` are not used by our workflow and not simulated. */
export function expandMatrix(matrix: unknown): Array<Record<string, unknown>> {
  if (matrix === null || typeof matrix !== 'object' || Array.isArray(matrix)) throw new Error('strategy.matrix is not a mapping');
  let combos: Array<Record<string, unknown>> = [{}];
  for (const [key, values] of Object.entries(matrix)) {
    if (key === 'include' || key === 'exclude') throw new Error(`matrix ${key} is not simulated`);
    if (!Array.isArray(values)) throw new Error(`Matrix vector '${key}' is not an array`);
    if (values.length === 0) throw new Error(`Matrix vector '${key}' does not contain any values`);
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  if (combos.length > 256) throw new Error(`the matrix has ${combos.length} jobs; GitHub runs at most 256`);
  return combos;
}

/** GITHUB_OUTPUT / GITHUB_ENV: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks. */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const heredoc = line.indexOf('<<');
    const eq = line.indexOf('=');
    if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      const end = lines.indexOf(delimiter, i + 1);
      if (!delimiter || end < 0) throw new Error(`file command: no closing ${delimiter || 'delimiter'} for ${name}`);
      out[name] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (eq > 0) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`file command: malformed line ${JSON.stringify(line)}`);
    }
  }
  return out;
}

async function simulateCheckout(repoRoot: string, workspace: string): Promise<void> {
  await copyFile(join(repoRoot, 'action.yml'), join(workspace, 'action.yml'));
  await symlink(join(repoRoot, 'dist'), join(workspace, 'dist'), 'dir').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

/** What configure-aws-credentials exports for access keys; it fails the step when it has no credentials. */
function simulateAwsCredentials(w: Record<string, string>): Record<string, string> {
  const region = w['aws-region'];
  if (!region) throw new Error('configure-aws-credentials: Region is not valid');
  const keyId = w['aws-access-key-id'];
  const secret = w['aws-secret-access-key'];
  if (keyId && secret) {
    if (w['role-to-assume']) throw new Error('configure-aws-credentials: assuming a role with access keys is not simulated');
    return { AWS_ACCESS_KEY_ID: keyId, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: region, AWS_DEFAULT_REGION: region };
  }
  if (w['role-to-assume']) throw new Error('configure-aws-credentials: OIDC (role-to-assume without keys) needs GitHub and AWS STS: not simulated');
  throw new Error('configure-aws-credentials: Credentials could not be loaded, please check your action inputs');
}

function runProcess(node: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<{ code: number; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const keep = (d: Buffer) => {
      if (log.length < 2_000_000) log += d.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      log += `\n##[error]the step ran longer than ${timeoutMs} ms and was killed\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), log });
    });
  });
}

/** A readable account of a job group that did not succeed, with the failing steps' logs. */
export function describe(group: JobGroup | undefined): string {
  if (!group) return '(job did not run)';
  const lines = [`job ${group.job}: ${group.result}${group.error ? ` (${group.error})` : ''}`];
  for (const r of group.runs) {
    lines.push(`  ${r.name} [${r.backendJobId}]: ${r.result}`);
    for (const s of r.steps) {
      lines.push(`    step ${s.index} ${s.uses}: ${s.outcome}`);
      if (s.outcome === 'failure') lines.push(s.log.split('\n').slice(-40).map((l) => `      | ${l}`).join('\n'));
    }
  }
  return lines.join('\n');
}
