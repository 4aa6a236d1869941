/**
 * A small offline stand-in for GitHub Actions, enough to run this project's workflows as the real
 * service would: a workflow is parsed and validated by GitHub's own parser
 * (@actions/workflow-parser, which also loads and checks the reusable workflows a job `uses:`)
 * and every `${{ }}` is evaluated by GitHub's own evaluator (@actions/expressions).
 *
 * What it does as GitHub does:
 * - Jobs start when their `needs` are done; job and step `if:`s decide what runs, with the status
 *   functions (`success()`, `failure()`, `cancelled()`, `always()`) the runner and the service give
 *   them; a matrix expands from its expressions and its legs run concurrently (`max-parallel`,
 *   `fail-fast` cancelling the running siblings).
 * - `workflow_dispatch` inputs and `workflow_call` inputs/secrets are validated and defaulted as
 *   GitHub does. A job `uses: ./.github/workflows/X.yml` (or `owner/repo/…@ref` mapped to a local
 *   checkout) runs the called workflow's jobs (keyed `caller/called`) with the caller's `github`
 *   context and `vars`, the inputs its `with:` gives and only the secrets its `secrets:` passes
 *   (or all of them with `secrets: inherit`); the caller job's outputs come from
 *   `on.workflow_call.outputs`.
 * - `permissions:` (job, else workflow, else the repository default; a called workflow may only
 *   lower its caller's) decide the job's GITHUB_TOKEN (`github.token`, `secrets.GITHUB_TOKEN`),
 *   minted by RunnerOptions.githubToken. `environment:` adds that environment's secrets and
 *   variables, after an optional approval (required reviewers).
 * - `timeout-minutes` (job and step) and cancellation: a step's process gets SIGINT, SIGTERM
 *   7.5 s later and SIGKILL 2.5 s after that (actions/runner ProcessInvoker); a lost runner is a
 *   SIGKILL with no signal first. Conclusions are GitHub's ('cancelled' for a cancelled job or
 *   step, 'failure' for a timed-out step or job, or a job whose runner was lost).
 * - Re-runs are attempts of the same run: GITHUB_RUN_ATTEMPT and the artifact token follow the
 *   attempt; *Re-run failed jobs* and *Re-run all jobs* are one call each.
 * - Each `uses: ./path` step runs the local action's `runs.main` (node24) in a child process with
 *   the environment a runner gives (INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP,
 *   GITHUB_RUN_ID, GITHUB_API_URL, the artifact service token...). Step outputs are read back from
 *   the GITHUB_OUTPUT file and job outputs evaluated from the job's `outputs:`.
 * - A `uses: ./path` composite action runs its steps as the runner does (see runComposite): `run:`
 *   steps (bash) and `uses:` steps, with the action's inputs, outputs, env and `if:`s.
 *
 * Simulated, not run, keyed on the action's name whatever its version or commit:
 * `actions/checkout` (copies action.yml and links dist/ and .github/actions/ of RunnerOptions.repoRoot into `path:`,
 * whatever `repository:`/`ref:` say, which are recorded: the checkout under test is what the
 * simulation provides), `aws-actions/configure-aws-credentials` (exports what its inputs name, as
 * the real action does for access keys; its OIDC path needs GitHub's token service and is refused)
 * and `google-github-actions/auth` (writes the Workload Identity credentials file the real one
 * writes, pointing at a loopback STS, when the job may mint an OIDC token). Any other step,
 * `run:` steps included, fails the job: the workflow must not grow steps this runner does not
 * understand (a composite action's `run:` steps are the one place they run).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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
import type { Job, ReusableWorkflowJob, WorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken, TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { parseFileReference, type FileReference } from '@actions/workflow-parser/workflows/file-reference';
import { parse as parseYaml } from 'yaml';

// ---------------------------------------------------------------------------------------------
// Loading

export interface Workflow {
  /** The file's name (e.g. reprocess.yml). */
  name: string;
  /** `name:`, else the file's path in the repository: what github.workflow says. */
  displayName: string;
  /** The workflow file, and the repository root its `./…` references resolve against. */
  path: string;
  root: string;
  template: WorkflowTemplate;
  /** Every job, in file order: plain jobs and reusable-workflow calls (`type: 'reusableWorkflowJob'`). */
  jobs: WorkflowJob[];
  /** A plain job (one with steps); a reusable-workflow call throws (see `call`). */
  job(id: string): Job;
  /** A job that calls a reusable workflow: the parser's model of it and the called workflow. */
  call(id: string): { job: ReusableWorkflowJob; workflow: Workflow };
  /** The raw `with:` of step `index` of job `jobId` (the converted model drops it). */
  stepWith(jobId: string, index: number): MappingToken | undefined;
  /** A key of step `index` of job `jobId` as written (e.g. `timeout-minutes`). */
  stepProperty(jobId: string, index: number, key: string): TemplateToken | undefined;
  /** A key of job `jobId` as written (e.g. `timeout-minutes`, `permissions`), which the converted model drops. */
  jobProperty(jobId: string, key: string): TemplateToken | undefined;
  /** The workflow-level `concurrency:` token, if any. */
  concurrency: TemplateToken | undefined;
  /** The `run-name:` token, if any. */
  runName: TemplateToken | undefined;
  /** workflow_dispatch inputs as written (the converted model drops number defaults). */
  dispatchInputs: Record<string, DispatchInput>;
  /** `on.workflow_call` inputs, secrets and outputs as written (the converted model loses number inputs). */
  callInputs: Record<string, CallInput>;
  callSecrets: Record<string, { required: boolean }>;
  callOutputs: Record<string, TemplateToken>;
  /** Whether `on:` names this event. */
  triggeredBy(event: string): boolean;
  /** A job's `permissions:` as written (else the workflow's); read-all/write-all spelled out; {} if neither says. */
  permissions(jobId: string): Record<string, string>;
  /** As `permissions`, but undefined when neither the job nor the workflow says (the default applies). */
  declaredPermissions(jobId: string): Permissions | undefined;
}

export interface DispatchInput {
  type?: string;
  required?: boolean;
  default?: string | number | boolean;
  options?: string[];
  description?: string;
}

export interface CallInput {
  type: 'string' | 'number' | 'boolean';
  required: boolean;
  /** The default as written: a literal, or an expression over github, inputs and vars. */
  default?: TemplateToken;
}

export interface LoadOptions {
  /** The repository root `./…` references resolve against; default: the directory holding the file's `.github/`. */
  root?: string;
  /** Local checkouts of other repositories ('owner/name' → directory), for `uses: owner/name/path@ref`. */
  repositories?: Record<string, string>;
}

/** GitHub allows ten levels of reusable workflows (the caller included). */
const MAX_WORKFLOW_DEPTH = 10;

/** Parses and validates a workflow file, and the reusable workflows it calls; any schema or expression error throws. */
export async function loadWorkflow(path: string, opts: LoadOptions = {}): Promise<Workflow> {
  return load(resolve(path), opts, [], 1);
}

function defaultRoot(path: string): string {
  const parts = path.split(sep);
  const at = parts.lastIndexOf('.github');
  return at > 0 && parts[at + 1] === 'workflows' ? parts.slice(0, at).join(sep) || sep : dirname(path);
}

async function load(path: string, opts: LoadOptions, chain: string[], depth: number): Promise<Workflow> {
  if (chain.includes(path)) throw new Error(`reusable workflows call each other in a loop: ${[...chain, path].join(' → ')}`);
  if (depth > MAX_WORKFLOW_DEPTH) throw new Error(`more than ${MAX_WORKFLOW_DEPTH} levels of reusable workflows`);
  const root = opts.root ?? defaultRoot(path);
  const content = await readFile(path, 'utf8');
  const name = basename(path);
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errorsOf = () => parsed.context.errors.getErrors().map((e) => e.message);
  if (errorsOf().length || !parsed.value) throw new Error(`${name} does not parse:\n${errorsOf().join('\n')}`);

  // The parser fetches each called workflow through this provider, checks the call against its
  // `on.workflow_call` (unknown or missing required inputs and secrets) and converts its jobs.
  const resolveRef = (ref: FileReference): string => {
    if (!('repository' in ref)) return join(root, ref.path);
    const repo = Object.entries(opts.repositories ?? {}).find(([k]) => k.toLowerCase() === `${ref.owner}/${ref.repository}`.toLowerCase());
    if (!repo) throw new Error(`${ref.owner}/${ref.repository} is not a repository this runner has (LoadOptions.repositories)`);
    return join(repo[1], ref.path);
  };
  const provider = {
    async getFileContent(ref: FileReference) {
      return { name: ref.path, content: await readFile(resolveRef(ref), 'utf8') };
    },
  };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, provider, { fetchReusableWorkflowDepth: 1 });
  const errors = [...errorsOf(), ...(template.errors ?? []).map((e) => e.Message)];
  if (errors.length) throw new Error(`${name} is not a valid workflow:\n${[...new Set(errors)].join('\n')}`);

  const rootToken = parsed.value as MappingToken;
  const rawJobs = rootToken.find('jobs') as MappingToken;
  const jobs = template.jobs;
  const calls = new Map<string, { job: ReusableWorkflowJob; workflow: Workflow }>();
  for (const j of jobs) {
    if (j.type !== 'reusableWorkflowJob') continue;
    const ref = parseFileReference(j.ref.value);
    const file = resolveRef(ref);
    const calledRoot = 'repository' in ref ? resolveRef({ ...ref, path: '' }) : root;
    calls.set(j.id.value, { job: j, workflow: await load(file, { ...opts, root: calledRoot }, [...chain, path], depth + 1) });
  }

  const rawJob = (id: string): MappingToken => {
    const j = rawJobs.find(id);
    if (!j || !isMapping(j)) throw new Error(`no job ${id} in ${name}`);
    return j;
  };
  const rawStep = (jobId: string, index: number): MappingToken => {
    const steps = rawJob(jobId).find('steps');
    if (!steps || !isSequence(steps)) throw new Error(`job ${jobId} has no steps`);
    const step = steps.get(index);
    if (!isMapping(step)) throw new Error(`job ${jobId} step ${index} is not a mapping`);
    return step;
  };
  const on = rootToken.find('on');
  const onMapping = on && isMapping(on) ? on : undefined;
  const call = onMapping?.find('workflow_call');
  const callPart = (key: string): MappingToken | undefined => {
    const t = call && isMapping(call) ? call.find(key) : undefined;
    return t && isMapping(t) ? t : undefined;
  };
  const callInputs: Record<string, CallInput> = {};
  for (const { key, value } of callPart('inputs') ?? []) {
    if (!isString(key) || !isMapping(value)) continue;
    const type = value.find('type');
    const required = value.find('required');
    const t = type && isString(type) ? type.value : 'string';
    if (t !== 'string' && t !== 'number' && t !== 'boolean') throw new Error(`${name}: workflow_call input ${key.value} has type ${t}`);
    callInputs[key.value] = { type: t, required: Boolean(required && isBoolean(required) && required.value), default: value.find('default') };
  }
  const callSecrets: Record<string, { required: boolean }> = {};
  for (const { key, value } of callPart('secrets') ?? []) {
    if (!isString(key)) continue;
    const required = isMapping(value) ? value.find('required') : undefined;
    callSecrets[key.value] = { required: Boolean(required && isBoolean(required) && required.value) };
  }
  const callOutputs: Record<string, TemplateToken> = {};
  for (const { key, value } of callPart('outputs') ?? []) {
    const v = isString(key) && isMapping(value) ? value.find('value') : undefined;
    if (isString(key) && v) callOutputs[key.value] = v;
  }
  const workflowPermissions = rootToken.find('permissions');

  const named = rootToken.find('name');
  return {
    name,
    displayName: named && isString(named) && named.value ? named.value : relative(root, path),
    path,
    root,
    template,
    jobs,
    job(id) {
      const j = jobs.find((x) => x.id.value === id);
      if (!j) throw new Error(`no job ${id} in ${name}`);
      if (j.type !== 'job') throw new Error(`job ${id} of ${name} calls a reusable workflow (${j.ref.value}): see call()`);
      return j;
    },
    call(id) {
      const c = calls.get(id);
      if (!c) throw new Error(`job ${id} of ${name} does not call a reusable workflow`);
      return c;
    },
    stepWith(jobId, index) {
      const w = rawStep(jobId, index).find('with');
      if (w === undefined) return undefined;
      if (!isMapping(w)) throw new Error(`job ${jobId} step ${index}: with is not a mapping`);
      return w;
    },
    stepProperty: (jobId, index, key) => rawStep(jobId, index).find(key),
    jobProperty: (jobId, key) => rawJob(jobId).find(key),
    concurrency: template.concurrency,
    runName: rootToken.find('run-name'),
    dispatchInputs: (parseYaml(content) as { on?: { workflow_dispatch?: { inputs?: Record<string, DispatchInput> } } }).on?.workflow_dispatch?.inputs ?? {},
    callInputs,
    callSecrets,
    callOutputs,
    triggeredBy: (event) => Object.hasOwn(template.events ?? {}, event),
    permissions(jobId) {
      const token = rawJob(jobId).find('permissions') ?? workflowPermissions;
      if (token && isString(token)) return { ...permissionsFromToken(token) };
      const out: Record<string, string> = {};
      if (token && isMapping(token)) for (const { key, value } of token) if (isString(key) && isString(value)) out[key.value] = value.value;
      return out;
    },
    declaredPermissions: (jobId) => permissionsFromToken(rawJob(jobId).find('permissions') ?? workflowPermissions),
  };
}

// ---------------------------------------------------------------------------------------------
// Permissions

export type Permission = 'none' | 'read' | 'write';
/** GITHUB_TOKEN scopes → levels; every scope listed (those not granted are 'none'). */
export type Permissions = Record<string, Permission>;

export const PERMISSION_SCOPES = [
  'actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'id-token', 'issues', 'models',
  'packages', 'pages', 'pull-requests', 'repository-projects', 'security-events', 'statuses',
] as const;
const RANK: Record<Permission, number> = { none: 0, read: 1, write: 2 };

function allPermissions(level: (scope: string) => Permission): Permissions {
  return Object.fromEntries(PERMISSION_SCOPES.map((s) => [s, level(s)]));
}

/** `permissions:` as written → every scope's level (unlisted scopes get none, as on GitHub). */
function permissionsFromToken(token: TemplateToken | undefined): Permissions | undefined {
  if (!token) return undefined;
  if (isString(token)) {
    // id-token has no 'read': read-all leaves it out, write-all grants it.
    if (token.value === 'read-all') return allPermissions((s) => (s === 'id-token' ? 'none' : 'read'));
    if (token.value === 'write-all') return allPermissions(() => 'write');
    throw new Error(`permissions: ${token.value} is not read-all or write-all`);
  }
  if (!isMapping(token)) throw new Error('permissions: not a mapping');
  const out = allPermissions(() => 'none');
  for (const { key, value } of token) {
    if (!isString(key) || !isString(value)) continue;
    out[key.value] = value.value as Permission;
  }
  return out;
}

/**
 * The repository's default GITHUB_TOKEN permissions when no `permissions:` applies: 'restricted'
 * (GitHub's default for new repositories and organisations: contents and packages read) or
 * 'permissive' (read and write for every scope but id-token).
 */
export function defaultPermissions(mode: 'restricted' | 'permissive'): Permissions {
  return mode === 'permissive'
    ? allPermissions((s) => (s === 'id-token' ? 'none' : 'write'))
    : allPermissions((s) => (s === 'contents' || s === 'packages' ? 'read' : 'none'));
}

// ---------------------------------------------------------------------------------------------
// Expressions

/**
 * Status for the status functions: of the job so far (a step `if:`), or of the job's ancestors
 * and the run (a job `if:`). `cancelled` is false when absent.
 */
export interface Status {
  success: boolean;
  failure: boolean;
  cancelled?: boolean;
}

export interface ExprContext {
  values: Record<string, unknown>;
  status: Status;
  /** The named contexts an expression may use (default: a workflow step's); others are a parse error, as on GitHub. */
  contexts?: string[];
}

const CONTEXT_NAMES = ['github', 'inputs', 'vars', 'secrets', 'needs', 'matrix', 'strategy', 'steps', 'job', 'jobs', 'runner', 'env'];
/** What a composite action's steps may read: no secrets, vars or needs (a caller passes them as inputs). */
export const COMPOSITE_CONTEXT_NAMES = ['github', 'inputs', 'matrix', 'strategy', 'steps', 'job', 'runner', 'env'];
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
  const tree = new Parser(lexed.tokens, ctx.contexts ?? CONTEXT_NAMES, infos).parse();
  const statusOf: Record<string, boolean> = {
    success: ctx.status.success,
    failure: ctx.status.failure,
    always: true,
    cancelled: ctx.status.cancelled ?? false,
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
// Inputs and secrets

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

/**
 * The `inputs` context of a called workflow, as GitHub builds it from the caller's `with:`:
 * names match case-insensitively, unknown ones and missing required ones are refused, a number or
 * boolean input takes only that type (a string input takes any scalar, as text), and an input not
 * given gets its default (an expression over github, inputs and vars), else false, 0 or "".
 * `null` (an expression that found nothing) counts as not given.
 */
export function callInputs(wf: Workflow, given: Record<string, unknown>, defaultsContext: Record<string, unknown> = {}): Record<string, InputValue> {
  const declared = wf.callInputs;
  const byLower = new Map(Object.keys(declared).map((k) => [k.toLowerCase(), k]));
  const values = new Map<string, unknown>();
  for (const [k, v] of Object.entries(given)) {
    const name = byLower.get(k.toLowerCase());
    if (!name) throw new Error(`Invalid input, ${k} is not defined in the referenced workflow.`);
    if (v !== null && v !== undefined) values.set(name, v);
  }
  const out: Record<string, InputValue> = {};
  const typed = (name: string, type: CallInput['type'], v: unknown): InputValue => {
    const shown = typeof v === 'string' ? v : JSON.stringify(v);
    if (type === 'string') {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
    } else if (typeof v === type) {
      return v as InputValue;
    }
    throw new Error(`Input ${name}: unexpected type of value '${shown}', expected type: ${type[0].toUpperCase()}${type.slice(1)}.`);
  };
  for (const [name, def] of Object.entries(declared)) {
    if (values.has(name)) {
      out[name] = typed(name, def.type, values.get(name));
    } else if (def.required) {
      throw new Error(`Input ${name} is required, but not provided while calling.`);
    } else {
      const ctx = { values: { github: {}, vars: {}, ...defaultsContext, inputs: {} }, status: { success: true, failure: false } };
      const v = def.default === undefined ? null : fromData(evalToken(def.default, ctx));
      out[name] = v !== null ? typed(name, def.type, v) : def.type === 'boolean' ? false : def.type === 'number' ? 0 : '';
    }
  }
  return out;
}

/**
 * The `secrets` context of a called workflow: with explicit secrets, only those `on.workflow_call`
 * declares (required ones must be given); with `secrets: inherit`, all the caller's.
 */
export function callSecrets(wf: Workflow, given: Record<string, string>, inherit = false): Record<string, string> {
  if (inherit) return { ...given };
  const byLower = new Map(Object.entries(given).map(([k, v]) => [k.toLowerCase(), v]));
  const out: Record<string, string> = {};
  for (const [name, def] of Object.entries(wf.callSecrets)) {
    const v = byLower.get(name.toLowerCase());
    if (v === undefined && def.required) throw new Error(`Secret ${name} is required, but not provided while calling.`);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running: the model

export type Conclusion = 'success' | 'failure' | 'skipped' | 'cancelled';

export interface StepRun {
  index: number;
  id: string;
  uses: string;
  /** The result before `continue-on-error`. */
  outcome: Conclusion;
  /** The result after `continue-on-error` (what `steps.<id>.conclusion` says). */
  conclusion: Conclusion;
  /** The `with:` values as evaluated. */
  with: Record<string, string>;
  outputs: Record<string, string>;
  /** GITHUB_STEP_SUMMARY as the step left it. */
  summary: string;
  log: string;
  /** performance.now() when the process started and ended (process steps only). */
  startedAt?: number;
  endedAt?: number;
  pid?: number;
  /** Signals the runner sent the process, with performance.now() when. */
  signals?: Array<{ signal: NodeJS.Signals; at: number }>;
  /** How the process ended. */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** The step's own `timeout-minutes` ran out. */
  timedOut?: boolean;
  /** actions/checkout: where into, and what it was asked for (the simulation always provides repoRoot). */
  checkout?: { path: string; repository: string; ref: string };
  /** A composite action: its own steps, as they ran (`index` within the action). */
  steps?: StepRun[];
}

export interface JobRun {
  /** The job's key: its id, or `caller/id` for a job of a called workflow. */
  job: string;
  name: string;
  matrix?: Record<string, unknown>;
  attempt: number;
  /** The job's id in the artifact service (the token's scope). */
  backendJobId: string;
  result: Conclusion;
  outputs: Record<string, string>;
  steps: StepRun[];
  /** The job's effective GITHUB_TOKEN permissions. */
  permissions?: Permissions;
  /** The environment the job used, and whether its reviewers approved (undefined: no approval asked). */
  environment?: string;
  approved?: boolean;
  /** The job's `timeout-minutes` ran out (GitHub then cancels it; the job concludes as a failure). */
  timedOut?: boolean;
  /** The job was cancelled (a cancelled run, fail-fast, or RunnerOptions/StepControl cancel). */
  cancelled?: boolean;
  /** The runner was lost (StepControl.kill): nothing after the killed step ran. */
  lost?: boolean;
  /** Why the job failed outside any step (a rejected deployment, a bad expression...). */
  error?: string;
}

/** A step summary as a run left it, with the folders of the job that wrote it (paths a reader must not see). */
export interface WrittenSummary {
  runId: string;
  job: string;
  matrix?: Record<string, unknown>;
  attempt: number;
  step: number;
  summary: string;
  /** The job's workspace, RUNNER_TEMP and the run's work folder. */
  roots: string[];
}

/** Every non-empty step summary the runs of this test file wrote, in order (e2e/helpers.ts checks and drains it). */
export const summariesWritten: WrittenSummary[] = [];

export interface JobGroup {
  job: string;
  result: Conclusion;
  outputs: Record<string, string>;
  /** One per matrix leg, or one; none when skipped before the matrix expanded, or for a reusable-workflow call. */
  runs: JobRun[];
  /** Why the job itself failed before any leg ran (e.g. an empty matrix). */
  error?: string;
  /** A reusable-workflow call: the keys of the called workflow's jobs (`caller/id`). */
  called?: string[];
}

/** Which jobs (and matrix legs) a re-run attempt runs again; the rest keep their earlier results. */
export type Selection = (job: string, matrix: Record<string, unknown> | undefined) => boolean;

export interface StepStart {
  /** The job's key (`id`, or `caller/id` in a called workflow). */
  job: string;
  matrix?: Record<string, unknown>;
  attempt: number;
  backendJobId: string;
  index: number;
  id: string;
  uses: string;
  pid: number | undefined;
}

export interface StepControl {
  /**
   * Cancels the step's job as GitHub does for a cancelled run (the job's `if:` is not re-checked:
   * use WorkflowRun.cancel() for that): the running step, unless its `if:` still holds with the
   * job cancelled, gets SIGINT, SIGTERM 7.5 s later and SIGKILL 2.5 s after that; the remaining
   * steps run only if their `if:` holds (`always()`, `cancelled()`). The job concludes 'cancelled'.
   */
  cancel(): void;
  /** A lost runner: SIGKILL now, with no signal first; nothing else of the job runs; it concludes 'failure'. */
  kill(): void;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

export interface EnvironmentConfig {
  /** Environment secrets: they override repository (or passed) secrets of the same name. */
  secrets?: Record<string, string>;
  /** Environment variables: they override repository variables of the same name. */
  vars?: Record<string, string>;
}

export interface RunnerOptions {
  /**
   * GITHUB_RUN_ID / github.run_id. On GitHub it is a number, and `@actions/artifact`'s findBy
   * takes it as one (`workflowRunId: Number(process.env.GITHUB_RUN_ID)`): use digits ('1001') in
   * anything that reads artifacts over REST. Other strings still work for the Twirp client.
   */
  runId: string;
  /** The checkout: action.yml and dist/ are linked from here. */
  repoRoot: string;
  /** Node for `using: node24` actions. */
  node: string;
  /** workflow_dispatch inputs; or, when the workflow is run as called (see `trigger`), the call's inputs. */
  inputs: Record<string, InputValue>;
  vars: Record<string, string>;
  /** Repository secrets; or, when the workflow is run as called, the secrets the caller passes. */
  secrets: Record<string, string>;
  /**
   * Environment the artifact client needs for a job (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL...).
   * Pass `(r, j, o) => backend.envFor(r, j, o)` so the token carries the attempt too.
   */
  artifactEnv(runId: string, backendJobId: string, opts: { attempt: number }): Record<string, string>;
  /** Where each job gets its workspace and RUNNER_TEMP. */
  workDir: string;
  /**
   * What google-github-actions/auth does in a job with `id-token: write`: writes a Workload
   * Identity credentials file into the workspace (pointing at a loopback STS) and returns the
   * variables it exports. Without it, the step fails as it would without GitHub's OIDC.
   */
  gcpAuth?(inputs: Record<string, string>, workspace: string): Promise<Record<string, string>>;
  /** A safety net for tests: a step process still running after this long is SIGKILLed (default 180 s). */
  stepTimeoutMs?: number;
  /**
   * Run the workflow as 'workflow_dispatch' (validating `inputs` as a dispatch) or as called
   * ('workflow_call': `inputs` and `secrets` are what a caller passes). Default: workflow_dispatch
   * if `on:` has it, else workflow_call.
   */
  trigger?: 'workflow_dispatch' | 'workflow_call';
  /** github.event_name / GITHUB_EVENT_NAME: default 'workflow_dispatch' (a called workflow sees its caller's event). */
  eventName?: string;
  /** GITHUB_REPOSITORY / github.repository (default 'mozilla-services/socorro-reprocess'). */
  repository?: string;
  /** GITHUB_API_URL / github.api_url: default the artifact env's GITHUB_API_URL, else https://api.github.com. */
  apiUrl?: string;
  /**
   * The job's GITHUB_TOKEN for its effective permissions, e.g.
   * `(p) => backend.restTokenFor({ actions: p.actions })`. Without it a job gets a token no REST API accepts.
   */
  githubToken?(permissions: Permissions, job: { job: string; matrix?: Record<string, unknown>; attempt: number }): string;
  /** The repository's default token permissions (default 'restricted'). */
  defaultPermissions?: 'restricted' | 'permissive';
  /** Deployment environments by name; a job naming another one gets an empty one (GitHub creates it). */
  environments?: Record<string, EnvironmentConfig>;
  /** Required reviewers: asked before each job that names an environment; false rejects (the job fails unrun). */
  approve?(environment: string, job: { job: string; matrix?: Record<string, unknown>; attempt: number }): boolean | Promise<boolean>;
  /** Scales every `timeout-minutes` (not the 7.5 s / 2.5 s of the signals): 1/600 makes a minute 100 ms. */
  timeScale?: number;
  /** Called when a step's process has started; `control` stays usable until it exits. */
  onStepStart?(step: StepStart, control: StepControl): void;
}

/** actions/runner ProcessInvoker: SIGINT, then SIGTERM after 7.5 s, then SIGKILL after 2.5 s more. */
export const SIGINT_TIMEOUT_MS = 7500;
export const SIGTERM_TIMEOUT_MS = 2500;
/** A job without `timeout-minutes` is cancelled after 360 minutes. */
const DEFAULT_JOB_TIMEOUT_MINUTES = 360;

/** A job's cancellation: once cancelled, it stays so; listeners run once. */
class JobControl {
  cancelled = false;
  timedOut = false;
  lost = false;
  private readonly listeners = new Set<() => void>();

  cancel(timedOut = false): void {
    if (this.cancelled || this.lost) return;
    this.cancelled = true;
    this.timedOut = timedOut;
    for (const l of [...this.listeners]) l();
  }

  onCancel(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Where a set of jobs runs: the workflow run itself, or a reusable workflow a job of it calls. */
interface Scope {
  wf: Workflow;
  /** '' at the top, 'caller/' (nested: 'a/b/') inside a called workflow. */
  prefix: string;
  inputs: Record<string, InputValue>;
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** The caller job's permissions: a called job may not ask for more. */
  ceiling?: Permissions;
  /** Where this workflow file comes from: the `job` context's workflow_* fields. */
  origin: WorkflowOrigin;
}

interface WorkflowOrigin {
  repository: string;
  sha: string;
  /** The ref it was called at (`@ref`), or the run's own ref. */
  ref: string;
  /** Its path in that repository, e.g. .github/workflows/reprocess.yml. */
  path: string;
}

const ZERO_SHA = '0'.repeat(40);

interface ActiveJob {
  key: string;
  matrix: Record<string, unknown> | undefined;
  control: JobControl;
  /** The job's `if:` re-evaluated with the run cancelled: true keeps it running (`always()`). */
  survivesRunCancel(): boolean;
}

/** A job that named an environment; `approved` is undefined when no approval was asked. */
export interface Deployment {
  job: string;
  matrix?: Record<string, unknown>;
  attempt: number;
  environment: string;
  approved?: boolean;
}

const keyOf = (m: Record<string, unknown> | undefined) => JSON.stringify(m ?? null);

/** One workflow run: attempt 1 runs everything; later attempts re-run a selection. */
export class WorkflowRun {
  readonly wf: Workflow;
  readonly opts: RunnerOptions;
  readonly inputs: Record<string, InputValue>;
  /** Latest result of each job (keys as JobRun.job), across attempts. */
  readonly results = new Map<string, JobGroup>();
  /** Every job that named an environment, in order. */
  readonly deployments: Deployment[] = [];
  /** The latest attempt run. */
  attempt = 0;
  private readonly trigger: 'workflow_dispatch' | 'workflow_call';
  private readonly rootScope: Scope;
  private readonly active = new Set<ActiveJob>();
  private runCancelled = false;

  constructor(wf: Workflow, opts: RunnerOptions) {
    this.wf = wf;
    this.opts = opts;
    this.trigger = opts.trigger ?? (wf.triggeredBy('workflow_dispatch') || !wf.triggeredBy('workflow_call') ? 'workflow_dispatch' : 'workflow_call');
    if (!wf.triggeredBy(this.trigger)) throw new Error(`${wf.name} is not triggered by ${this.trigger}`);
    const origin: WorkflowOrigin = { repository: this.repository, sha: ZERO_SHA, ref: 'refs/heads/main', path: relative(wf.root, wf.path) };
    if (this.trigger === 'workflow_dispatch') {
      this.inputs = dispatchInputs(wf, opts.inputs);
      this.rootScope = { wf, prefix: '', inputs: this.inputs, secrets: opts.secrets, vars: opts.vars, origin };
    } else {
      this.inputs = callInputs(wf, opts.inputs, { github: this.github(1), vars: opts.vars });
      this.rootScope = { wf, prefix: '', inputs: this.inputs, secrets: callSecrets(wf, opts.secrets), vars: opts.vars, origin };
    }
  }

  get repository(): string {
    return this.opts.repository ?? 'mozilla-services/socorro-reprocess';
  }

  /** The `github` context (without `token`, which is per job); called workflows see this one too. */
  github(attempt: number, job?: string): Record<string, unknown> {
    const eventName = this.opts.eventName ?? 'workflow_dispatch';
    return {
      event_name: eventName,
      run_id: this.opts.runId,
      run_number: '1',
      run_attempt: String(attempt),
      workflow: this.wf.displayName,
      repository: this.repository,
      repository_owner: this.repository.split('/')[0],
      ref: 'refs/heads/main',
      sha: ZERO_SHA,
      workflow_ref: `${this.repository}/${relative(this.wf.root, this.wf.path)}@refs/heads/main`,
      workflow_sha: ZERO_SHA,
      server_url: 'https://github.com',
      api_url: this.opts.apiUrl ?? 'https://api.github.com',
      job,
      event: eventName === 'workflow_dispatch' && this.trigger === 'workflow_dispatch'
        ? { inputs: Object.fromEntries(Object.entries(this.inputs).map(([k, v]) => [k, String(v)])) }
        : {},
    };
  }

  /** `run-name:` as GitHub shows it (the workflow's name when there is none). */
  runName(): string {
    if (!this.wf.runName) return this.wf.displayName;
    return asString(evalToken(this.wf.runName, { values: { github: this.github(1), inputs: this.inputs, vars: this.opts.vars }, status: { success: true, failure: false } }));
  }

  /** The workflow-level `concurrency:` as evaluated for this run, if any. */
  concurrency(): { group: string; cancelInProgress: boolean } | undefined {
    return evalConcurrency(this.wf, { github: this.github(1), inputs: this.inputs, vars: this.opts.vars });
  }

  /**
   * Cancels the run (GitHub's *Cancel workflow run*), or only the running legs of `job`. For the
   * run: each running job whose `if:` no longer holds with the run cancelled (anything but
   * `always()`-like conditions) is cancelled (see StepControl.cancel), and jobs not yet started
   * run only if their `if:` holds.
   */
  cancel(job?: string): void {
    if (job === undefined) this.runCancelled = true;
    for (const a of [...this.active]) {
      if (job === undefined ? !a.survivesRunCancel() : a.key === job) a.control.cancel();
    }
  }

  /** Runs attempt `attempt`: every job, or only those `select` picks (a re-run). */
  async run(attempt: number, select?: Selection): Promise<Map<string, JobGroup>> {
    if (select && attempt < 2) throw new Error('a re-run is attempt 2 or later');
    if (attempt <= this.attempt) throw new Error(`attempt ${attempt} follows attempt ${this.attempt}: attempts only go up`);
    this.attempt = attempt;
    this.runCancelled = false;
    await this.runScope(this.rootScope, attempt, select);
    return this.results;
  }

  /** GitHub's *Re-run all jobs*: the next attempt, everything again. */
  rerunAllJobs(): Promise<Map<string, JobGroup>> {
    return this.run(this.attempt + 1, () => true);
  }

  /** GitHub's *Re-run failed jobs*: the next attempt, the failed and cancelled jobs (legs) and everything that needs them. */
  rerunFailedJobs(): Promise<Map<string, JobGroup>> {
    return this.run(this.attempt + 1, this.failedSelection());
  }

  /**
   * What *Re-run failed jobs* re-runs: each job (matrix leg) that concluded 'failure' or
   * 'cancelled', and every job that needs one of those, directly or not (all its legs), within
   * a called workflow and, through the caller job, in the calling workflow.
   */
  failedSelection(): Selection {
    const bad = (r: Conclusion) => r === 'failure' || r === 'cancelled';
    const legs = new Set<string>();
    const whole = new Set<string>();
    for (const [key, group] of this.results) {
      if (group.called) continue;
      if (group.runs.length === 0 && bad(group.result)) whole.add(key);
      for (const r of group.runs) if (bad(r.result)) legs.add(`${key}\n${keyOf(r.matrix)}`);
    }
    const failedKeys = new Set([...whole, ...[...legs].map((l) => l.split('\n')[0])]);
    // Dependents: walk every scope, marking a job whose needs (or whose called jobs) are marked.
    const marked = new Set(failedKeys);
    // A caller job whose called workflow has something to re-run is marked (its dependents re-run)
    // but not selected whole: only what failed inside runs again.
    const visit = (wf: Workflow, prefix: string): boolean => {
      let any = false;
      let changed = true;
      while (changed) {
        changed = false;
        for (const j of wf.jobs) {
          const key = prefix + j.id.value;
          if (!whole.has(key) && (j.needs ?? []).some((n) => marked.has(prefix + n.value))) {
            whole.add(key);
            marked.add(key);
            changed = true;
          }
          if (j.type === 'reusableWorkflowJob' && !marked.has(key) && visit(wf.call(j.id.value).workflow, `${key}/`)) {
            marked.add(key);
            changed = true;
          }
          if (marked.has(key)) any = true;
        }
      }
      return any;
    };
    visit(this.wf, '');
    return (job, matrix) => whole.has(job) || legs.has(`${job}\n${keyOf(matrix)}`);
  }

  // ---- scopes and jobs -------------------------------------------------------------------------

  private async runScope(scope: Scope, attempt: number, select: Selection | undefined): Promise<void> {
    const started = new Map<string, Promise<JobGroup>>();
    const start = (id: string, chain: string[] = []): Promise<JobGroup> => {
      if (chain.includes(id)) throw new Error(`needs cycle: ${[...chain, id].join(' → ')}`);
      let p = started.get(id);
      if (!p) {
        const job = scope.wf.jobs.find((j) => j.id.value === id);
        if (!job) throw new Error(`no job ${id} in ${scope.wf.name}`);
        const needs = (job.needs ?? []).map((n) => start(n.value, [...chain, id]));
        p = Promise.all(needs).then(() => (job.type === 'job' ? this.runGroup(scope, job, attempt, select) : this.runCall(scope, job, attempt, select)));
        started.set(id, p);
      }
      return p;
    };
    await Promise.all(scope.wf.jobs.map((job) => start(job.id.value)));
  }

  private needsContext(scope: Scope, job: WorkflowJob): Record<string, unknown> {
    const needs: Record<string, unknown> = {};
    for (const n of job.needs ?? []) {
      const r = this.results.get(scope.prefix + n.value);
      if (!r) throw new Error(`job ${job.id.value} needs ${n.value}, which has not run`);
      needs[n.value] = { result: r.result, outputs: r.outputs };
    }
    return needs;
  }

  /**
   * Status for a job `if:`: success() when every job it needs, directly or not, succeeded and the
   * run is not cancelled; failure() when one of them failed; cancelled() when the run is cancelled.
   * (Ancestors, not just `needs`: GitHub skips a job whose need ran with always() after a skip.)
   */
  private jobStatus(scope: Scope, job: WorkflowJob): Status {
    const seen = new Set<string>();
    const walk = (j: WorkflowJob) => {
      for (const n of j.needs ?? []) {
        if (seen.has(n.value)) continue;
        seen.add(n.value);
        const parent = scope.wf.jobs.find((x) => x.id.value === n.value);
        if (parent) walk(parent);
      }
    };
    walk(job);
    const results = [...seen].map((id) => this.results.get(scope.prefix + id)?.result);
    return {
      success: !this.runCancelled && results.every((r) => r === 'success'),
      failure: results.some((r) => r === 'failure'),
      cancelled: this.runCancelled,
    };
  }

  /** Whether a re-run picks anything at or under `key` (a caller job picks its whole called workflow). */
  private picksUnder(select: Selection, key: string): boolean {
    if (select(key, undefined)) return true;
    for (const [k, g] of this.results) {
      if (!k.startsWith(`${key}/`)) continue;
      if (select(k, undefined) || g.runs.some((r) => select(k, r.matrix))) return true;
    }
    return false;
  }

  private async runCall(scope: Scope, job: ReusableWorkflowJob, attempt: number, select: Selection | undefined): Promise<JobGroup> {
    const id = job.id.value;
    const key = scope.prefix + id;
    const previous = this.results.get(key);
    if (select && previous && !this.picksUnder(select, key)) return previous;
    const { workflow: called } = scope.wf.call(id);
    const needs = this.needsContext(scope, job);
    const values = { github: this.github(attempt, id), inputs: scope.inputs, vars: scope.vars, needs, matrix: {}, strategy: {} };
    const finish = (group: JobGroup) => {
      this.results.set(key, group);
      return group;
    };
    try {
      if (!truthy(evaluate(job.if.expression, { values, status: this.jobStatus(scope, job) }))) return finish({ job: key, result: 'skipped', outputs: {}, runs: [] });
      if (job.strategy) throw new Error('strategy on a job that calls a reusable workflow is not simulated');
      const ctx: ExprContext = { values: { ...values, secrets: scope.secrets }, status: { success: true, failure: false } };
      const given = job['input-values'] ? (fromData(evalToken(job['input-values'], ctx)) as Record<string, unknown>) : {};
      const inputs = callInputs(called, given, { github: values.github, vars: scope.vars });
      const passed = job['secret-values'] ? (fromData(evalToken(job['secret-values'], ctx)) as Record<string, unknown>) : {};
      const secrets = callSecrets(called, job['inherit-secrets'] ? scope.secrets : Object.fromEntries(Object.entries(passed).map(([k, v]) => [k, asString(toData(v))])), job['inherit-secrets']);
      // The caller job's permissions bound every called job's.
      const ceiling = this.effectivePermissions(scope, id);
      for (const j of called.jobs) {
        if (j.type !== 'job') continue;
        const asked = called.declaredPermissions(j.id.value);
        for (const s of PERMISSION_SCOPES) {
          if (asked && RANK[asked[s]] > RANK[ceiling[s]]) {
            throw new Error(`The nested job '${j.id.value}' is requesting '${s}: ${asked[s]}', but is only allowed '${s}: ${ceiling[s]}'.`);
          }
        }
      }
      // A called workflow in the caller's concurrency group waits for the caller, which waits for it.
      const mine = this.concurrency();
      const theirs = evalConcurrency(called, { github: values.github, inputs, vars: scope.vars });
      if (mine && theirs && mine.group === theirs.group) {
        return finish({ job: key, result: 'cancelled', outputs: {}, runs: [], error: `Canceling since a deadlock for concurrency group '${mine.group}' was detected between 'top level workflow' and '${id}'` });
      }
      // A `./` workflow is the caller's repository at the run's commit; owner/repo/…@ref is that repository at ref.
      const ref = parseFileReference(job.ref.value);
      const origin: WorkflowOrigin = 'repository' in ref
        ? { repository: `${ref.owner}/${ref.repository}`, sha: /^[0-9a-f]{40}$/.test(ref.version) ? ref.version : ZERO_SHA, ref: ref.version, path: ref.path }
        : { ...scope.origin, path: ref.path };
      const child: Scope = { wf: called, prefix: `${key}/`, inputs, secrets, vars: scope.vars, ceiling, origin };
      const sub: Selection | undefined = select && ((k, m) => select(key, undefined) || select(k, m));
      await this.runScope(child, attempt, sub);

      const calledKeys = called.jobs.map((j) => `${key}/${j.id.value}`);
      const groups = calledKeys.map((k) => this.results.get(k)!);
      const jobs = Object.fromEntries(called.jobs.map((j, i) => [j.id.value, { result: groups[i].result, outputs: groups[i].outputs }]));
      const outCtx: ExprContext = { values: { github: values.github, inputs, vars: scope.vars, jobs }, status: { success: true, failure: false } };
      const outputs: Record<string, string> = {};
      for (const [name, token] of Object.entries(called.callOutputs)) outputs[name] = asString(evalToken(token, outCtx));
      const result: Conclusion = groups.some((g) => g.result === 'failure') ? 'failure' : groups.some((g) => g.result === 'cancelled') ? 'cancelled' : 'success';
      return finish({ job: key, result, outputs, runs: [], called: calledKeys });
    } catch (err) {
      return finish({ job: key, result: 'failure', outputs: {}, runs: [], error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** A job's GITHUB_TOKEN permissions: its own or its workflow's, else the caller's (or the default). */
  private effectivePermissions(scope: Scope, jobId: string): Permissions {
    const declared = scope.wf.declaredPermissions(jobId);
    const base = scope.ceiling ?? defaultPermissions(this.opts.defaultPermissions ?? 'restricted');
    if (!declared) return base;
    if (!scope.ceiling) return declared;
    // Checked when the call starts; a declared scope above the ceiling never gets here.
    return allPermissions((s) => (RANK[declared[s]] <= RANK[scope.ceiling![s]] ? declared[s] : scope.ceiling![s]));
  }

  private async runGroup(scope: Scope, job: Job, attempt: number, select: Selection | undefined): Promise<JobGroup> {
    const id = job.id.value;
    const key = scope.prefix + id;
    const previous = this.results.get(key);
    const needs = this.needsContext(scope, job);
    const values = { github: this.github(attempt, id), inputs: scope.inputs, vars: scope.vars, needs };
    const status = this.jobStatus(scope, job);

    let legs: Array<Record<string, unknown> | undefined> = [undefined];
    let maxParallel = Infinity;
    let failFast = true;
    const evaluateGroup = (): JobGroup | undefined => {
      if (!truthy(evaluate(job.if.expression, { values, status }))) return { job: key, result: 'skipped', outputs: {}, runs: [] };
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
    const picked = (m: Record<string, unknown> | undefined) => !select || select(key, m);
    let early: JobGroup | undefined;
    try {
      early = evaluateGroup();
    } catch (err) {
      early = { job: key, result: 'failure', outputs: {}, runs: [], error: err instanceof Error ? err.message : String(err) };
    }
    if (select && previous && !legs.some(picked)) return previous;
    if (early) {
      this.results.set(key, early);
      return early;
    }

    const kept = new Map((previous?.runs ?? []).map((r) => [keyOf(r.matrix), r]));
    const runs: JobRun[] = [];
    const running = new Set<JobControl>();
    let failed = false;
    let next = 0;
    const stillHolds = () => truthy(evaluate(job.if.expression, { values, status: { ...status, success: false, cancelled: true } }));
    const cancelledLeg = (matrix: Record<string, unknown> | undefined): JobRun => ({
      job: key, name: id, matrix, attempt, backendJobId: '', result: 'cancelled', outputs: {}, steps: [], cancelled: true,
    });
    const worker = async () => {
      while (next < legs.length) {
        const matrix = legs[next++];
        const old = kept.get(keyOf(matrix));
        if (old && !picked(matrix)) {
          runs.push(old);
          continue;
        }
        // Queued legs of a cancelled run (or of a fail-fast matrix) never start.
        if ((failFast && failed) || (this.runCancelled && !stillHolds())) {
          runs.push(cancelledLeg(matrix));
          continue;
        }
        const control = new JobControl();
        running.add(control);
        const active: ActiveJob = { key, matrix, control, survivesRunCancel: stillHolds };
        this.active.add(active);
        try {
          const r = await this.runJob(scope, job, attempt, needs, matrix, control);
          // fail-fast: a failed leg cancels the running ones and the queued ones never start.
          if (r.result === 'failure' && failFast && !failed) {
            failed = true;
            for (const c of running) if (c !== control) c.cancel();
          }
          runs.push(r);
        } finally {
          running.delete(control);
          this.active.delete(active);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxParallel, legs.length) }, worker));

    // Matrix legs' outputs merge; where names collide the last to finish wins, as on GitHub.
    const outputs: Record<string, string> = {};
    for (const r of runs) for (const [k, v] of Object.entries(r.outputs)) if (v !== '') outputs[k] = v;
    const result: Conclusion = runs.every((r) => r.result === 'success')
      ? 'success'
      : runs.some((r) => r.result === 'failure')
        ? 'failure'
        : 'cancelled';
    const group = { job: key, result, outputs, runs };
    this.results.set(key, group);
    return group;
  }

  private async runJob(scope: Scope, job: Job, attempt: number, needs: Record<string, unknown>, matrix: Record<string, unknown> | undefined, control: JobControl): Promise<JobRun> {
    const id = job.id.value;
    const key = scope.prefix + id;
    const suffix = matrix ? `-${Object.values(matrix).map(String).join('-')}` : '';
    const backendJobId = `${key}${suffix}-attempt${attempt}`.replace(/[^A-Za-z0-9._-]/g, '_');
    const home = join(this.opts.workDir, this.opts.runId, backendJobId);
    const workspace = join(home, 'workspace');
    const temp = join(home, 'temp');
    await mkdir(workspace, { recursive: true });
    await mkdir(temp, { recursive: true });
    const who = { job: key, matrix, attempt };

    const github = this.github(attempt, id);
    const steps: Record<string, unknown> = {};
    // Variables steps export for later steps (GITHUB_ENV, core.exportVariable), over the workflow's and job's env:.
    const jobEnv: Record<string, string> = {};
    let failed = false;
    const jobState = (): Conclusion => (control.cancelled ? 'cancelled' : failed ? 'failure' : 'success');
    const statusNow = (): Status => ({ success: jobState() === 'success', failure: jobState() === 'failure', cancelled: jobState() === 'cancelled' });
    let secrets = scope.secrets;
    let vars = scope.vars;
    const valuesFor = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      github,
      inputs: scope.inputs,
      vars,
      secrets,
      needs,
      matrix: matrix ?? {},
      strategy: {},
      steps,
      // workflow_*: the workflow file this job is defined in (a called one's, in a called workflow).
      job: {
        status: jobState(),
        workflow_ref: `${scope.origin.repository}/${scope.origin.path}@${scope.origin.ref}`,
        workflow_sha: scope.origin.sha,
        workflow_repository: scope.origin.repository,
        workflow_file_path: scope.origin.path,
      },
      runner: { os: 'Linux', temp },
      env: jobEnv,
      ...extra,
    });
    const plain: Status = { success: true, failure: false };
    const run: JobRun = { job: key, name: id, matrix, attempt, backendJobId, result: 'success', outputs: {}, steps: [] };
    const fail = (err: unknown): JobRun => ({ ...run, result: 'failure', error: err instanceof Error ? err.message : String(err) });

    try {
      run.name = job.name ? asString(evalToken(job.name, { values: valuesFor({ secrets: {}, steps: {} }), status: plain })) : id;
      // Environment: its protection rules (required reviewers) pass before the job reaches a runner.
      if (job.environment) {
        const e = fromData(evalToken(job.environment, { values: valuesFor(), status: plain }));
        const named = e && typeof e === 'object' ? (e as { name?: unknown }).name : undefined;
        const name = typeof e === 'string' ? e : typeof named === 'string' ? named : '';
        if (name) {
          run.environment = name;
          const deployment: Deployment = { job: key, matrix, attempt, environment: name };
          this.deployments.push(deployment);
          if (this.opts.approve) {
            run.approved = deployment.approved = await this.opts.approve(name, who);
            if (!run.approved) return { ...fail(`Deployment to environment '${name}' was rejected`), approved: false, environment: name };
          }
          const config = this.opts.environments?.[name] ?? {};
          secrets = { ...secrets, ...config.secrets };
          vars = { ...vars, ...config.vars };
        }
      }
      run.permissions = this.effectivePermissions(scope, id);
      const token = this.opts.githubToken?.(run.permissions, who) ?? `ghs_${'0'.repeat(36)}`;
      github.token = token;
      secrets = { ...secrets, GITHUB_TOKEN: token };
    } catch (err) {
      return fail(err);
    }

    // What every step's process gets from the runner.
    const artifactEnv = this.opts.artifactEnv(this.opts.runId, backendJobId, { attempt });
    if (artifactEnv.GITHUB_RUN_ATTEMPT !== undefined && artifactEnv.GITHUB_RUN_ATTEMPT !== String(attempt)) {
      throw new Error(`artifactEnv gave GITHUB_RUN_ATTEMPT ${artifactEnv.GITHUB_RUN_ATTEMPT} for attempt ${attempt}`);
    }
    const apiUrl = this.opts.apiUrl ?? artifactEnv.GITHUB_API_URL ?? 'https://api.github.com';
    github.api_url = apiUrl;
    const runnerEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      ...artifactEnv,
      GITHUB_EVENT_NAME: String(github.event_name),
      GITHUB_REPOSITORY: this.repository,
      GITHUB_REPOSITORY_OWNER: this.repository.split('/')[0],
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: apiUrl,
      GITHUB_WORKFLOW: this.wf.displayName,
      GITHUB_RUN_ID: this.opts.runId,
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: String(attempt),
      GITHUB_JOB: id,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: '0'.repeat(40),
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
    };

    // The job's timeout: GitHub cancels the job (steps then see cancelled()), and it concludes as a failure.
    let jobTimer: NodeJS.Timeout | undefined;
    try {
      const ctx: ExprContext = { values: valuesFor(), status: plain };
      for (const t of [scope.wf.template.env, job.env]) if (t) Object.assign(jobEnv, stringValues(fromData(evalToken(t, ctx))));
      const t = scope.wf.jobProperty(id, 'timeout-minutes');
      const minutes = t ? Number(fromData(evalToken(t, ctx))) : DEFAULT_JOB_TIMEOUT_MINUTES;
      if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`timeout-minutes: ${minutes} is not a positive number`);
      jobTimer = setTimeout(() => control.cancel(true), minutes * 60_000 * (this.opts.timeScale ?? 1));
      // Never keep the test process alive for a timer.
      jobTimer.unref();

      const stepScope: StepScope = { workspace, temp, runnerEnv, jobEnv, permissions: run.permissions ?? {}, valuesFor, control, status: statusNow };
      for (const [index, step] of job.steps.entries()) {
        if (!('uses' in step) && !('run' in step)) throw new Error(`job ${id}: step ${index} is neither uses nor run`);
        const uses = 'uses' in step ? step.uses.value : '';
        const record: StepRun = { index, id: step.id, uses: uses || '(run)', outcome: 'skipped', conclusion: 'skipped', with: {}, outputs: {}, summary: '', log: '' };
        run.steps.push(record);
        const condition = 'if' in step && step.if ? step.if.expression : 'success()';
        const holds = () => truthy(evaluate(condition, { values: valuesFor(), status: statusNow() }));
        // A lost runner runs nothing more, not even always() steps.
        if (control.lost || !holds()) {
          steps[step.id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
          continue;
        }
        let continueOnError = false;
        try {
          const ctx: ExprContext = { values: valuesFor(), status: statusNow() };
          const stepEnv = 'env' in step && step.env ? stringValues(fromData(evalToken(step.env, ctx))) : {};
          const withCtx: ExprContext = { values: valuesFor({ env: { ...jobEnv, ...stepEnv } }), status: statusNow() };
          const coe = step['continue-on-error'];
          continueOnError = typeof coe === 'boolean' ? coe : coe ? truthy(evalToken(coe, withCtx)) : false;
          const w = scope.wf.stepWith(id, index);
          if (w) {
            for (const [k, v] of Object.entries(fromData(evalToken(w, withCtx)) as Record<string, unknown>)) record.with[k] = asString(toData(v));
          }
          const stepTimeout = scope.wf.stepProperty(id, index, 'timeout-minutes');
          const stepMinutes = stepTimeout ? Number(fromData(evalToken(stepTimeout, withCtx))) : undefined;
          if (!uses) throw new Error('run: steps are not simulated');
          await this.runUses(record, uses, stepEnv, stepScope, {
            holdsIfCancelled: holds,
            stepTimeoutMs: stepMinutes === undefined ? undefined : stepMinutes * 60_000 * (this.opts.timeScale ?? 1),
            start: { job: key, matrix, attempt, backendJobId, index, id: step.id, uses, pid: undefined },
          });
        } catch (err) {
          record.outcome = 'failure';
          record.log += `\n##[error]${err instanceof Error ? err.message : String(err)}\n`;
        }
        record.conclusion = record.outcome === 'failure' && continueOnError ? 'success' : record.outcome;
        if (record.conclusion === 'failure') failed = true;
        steps[step.id] = { outcome: record.outcome, conclusion: record.conclusion, outputs: record.outputs };
      }
    } catch (err) {
      clearTimeout(jobTimer);
      return { ...fail(err), steps: run.steps };
    }
    clearTimeout(jobTimer);

    try {
      if (job.outputs) {
        const ctx: ExprContext = { values: valuesFor(), status: statusNow() };
        for (const { key: k, value } of job.outputs) run.outputs[asString(evalToken(k, ctx))] = asString(evalToken(value, ctx));
      }
    } catch (err) {
      return { ...fail(err), steps: run.steps };
    }
    if (control.timedOut) {
      const minutes = scope.wf.jobProperty(id, 'timeout-minutes');
      run.error = `The job running on runner GitHub Actions 1 has exceeded the maximum execution time of ${minutes ? asString(evalToken(minutes, { values: valuesFor(), status: plain })) : DEFAULT_JOB_TIMEOUT_MINUTES} minutes.`;
    }
    run.timedOut = control.timedOut || undefined;
    run.cancelled = control.cancelled || undefined;
    run.lost = control.lost || undefined;
    if (control.lost) run.error = 'The hosted runner lost communication with the server.';
    // A timed-out or lost job fails; a cancelled one is cancelled (a failed step after the cancel does not change it).
    run.result = control.lost || control.timedOut ? 'failure' : control.cancelled ? 'cancelled' : failed ? 'failure' : 'success';
    return run;
  }

  /** google-github-actions/auth with Workload Identity Federation: it needs the job's OIDC token. */
  private async simulateGcpAuth(permissions: Permissions, w: Record<string, string>, workspace: string): Promise<Record<string, string>> {
    if (permissions['id-token'] !== 'write') throw new Error('google-github-actions/auth: GitHub Actions did not inject $ACTIONS_ID_TOKEN_REQUEST_TOKEN (permissions: id-token: write)');
    if (!w.workload_identity_provider) throw new Error('google-github-actions/auth: the GitHub Action workflow must specify exactly one of "workload_identity_provider" or "credentials_json"');
    if (!this.opts.gcpAuth) throw new Error('google-github-actions/auth: no OIDC/STS stand-in for this run');
    return this.opts.gcpAuth(w, workspace);
  }

  /** A `uses:` step, of the job or of a composite action: a simulated remote action, or one in the workspace. */
  private async runUses(record: StepRun, uses: string, stepEnv: Record<string, string>, scope: StepScope, how: StepHow): Promise<void> {
    const name = uses.split('@')[0];
    const remote = !uses.startsWith('./') && uses.includes('@');
    if (remote && name === 'actions/checkout') {
      record.checkout = await simulateCheckout(this.opts.repoRoot, scope.workspace, record.with, this.repository);
      record.outcome = 'success';
    } else if (remote && name === 'aws-actions/configure-aws-credentials') {
      Object.assign(scope.jobEnv, simulateAwsCredentials(record.with));
      record.outcome = 'success';
    } else if (remote && name === 'google-github-actions/auth') {
      Object.assign(scope.jobEnv, await this.simulateGcpAuth(scope.permissions, record.with, scope.workspace));
      record.outcome = 'success';
    } else if (uses.startsWith('./')) {
      await this.runLocalAction(record, uses, stepEnv, scope, how);
    } else {
      throw new Error(`${uses} is not simulated`);
    }
  }

  /** A `uses: ./path` step: the action's metadata decides inputs (with defaults) and what runs (node24 or composite). */
  private async runLocalAction(record: StepRun, uses: string, stepEnv: Record<string, string>, scope: StepScope, how: StepHow): Promise<void> {
    const { workspace } = scope;
    // As on GitHub, `./` is the workspace, also inside a composite action.
    const actionDir = resolve(workspace, uses);
    if (actionDir !== workspace && !actionDir.startsWith(workspace + sep)) throw new Error(`${uses} is outside the workspace`);
    let metaText: string | undefined;
    for (const file of ['action.yml', 'action.yaml']) {
      metaText = await readFile(join(actionDir, file), 'utf8').catch(() => undefined);
      if (metaText !== undefined) break;
    }
    if (metaText === undefined) {
      throw new Error(`Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under '${actionDir}'. Did you forget to run actions/checkout before running your local action?`);
    }
    const meta = parseYaml(metaText) as ActionMeta;
    const using = meta.runs?.using;
    if (!(using === 'node24' && meta.runs?.main) && using !== 'composite') throw new Error(`action.yml: runs.using ${using} is not simulated (node24 and composite only)`);
    const declared = meta.inputs ?? {};
    const unexpected = Object.keys(record.with).filter((k) => !Object.hasOwn(declared, k));
    if (unexpected.length) throw new Error(`Unexpected input(s) '${unexpected.join("', '")}', valid inputs are ['${Object.keys(declared).join("', '")}']`);

    const inputs: Record<string, string> = {};
    for (const [name, def] of Object.entries(declared)) {
      let value: string | undefined = record.with[name];
      if (value === undefined && def?.default !== undefined && def.default !== null) {
        value = typeof def.default === 'string' ? def.default : JSON.stringify(def.default);
        // An input default may be an expression (e.g. `${{ github.token }}`), evaluated for the step.
        const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(value);
        if (m) value = asString(evaluate(m[1], { values: scope.valuesFor(), status: { success: true, failure: false } }));
        else if (value.includes('${{')) throw new Error(`action.yml: input ${name}: a default mixing text and expressions is not simulated`);
      }
      if (value !== undefined) inputs[name] = value;
    }
    if (using === 'composite') {
      await this.runComposite(record, meta, actionDir, inputs, stepEnv, scope, how);
      return;
    }
    const env: Record<string, string> = { ...scope.runnerEnv, ...scope.jobEnv, ...stepEnv, GITHUB_ACTION_PATH: actionDir };
    // As the runner names them: spaces become '_', hyphens stay.
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    await this.runProcess(record, this.opts.node, [join(actionDir, meta.runs!.main!)], env, scope, how);
  }

  /**
   * A composite action's steps, as the runner takes them: each `if:` (success() unless it names a
   * status function; a failed step of the action fails success()), `env:`, `with:`, `run:` (its
   * `shell:` required) and `uses:` evaluated over the action's inputs, its own steps, env, github,
   * job, runner, matrix and strategy (no secrets, vars or needs: those are a parse error);
   * GITHUB_ENV of a step reaches the later steps and the job; the action's outputs come from its
   * `outputs:`; it fails when one of its steps fails (after continue-on-error).
   */
  private async runComposite(
    record: StepRun,
    meta: ActionMeta,
    actionDir: string,
    inputs: Record<string, string>,
    outerEnv: Record<string, string>,
    scope: StepScope,
    how: StepHow,
  ): Promise<void> {
    const steps: Record<string, unknown> = {};
    record.steps = [];
    let failed = false;
    const status = (): Status => {
      const s = scope.status();
      return failed && !s.cancelled ? { success: false, failure: true, cancelled: false } : s;
    };
    const ctx = (env: Record<string, string>): ExprContext => ({
      values: scope.valuesFor({ inputs, steps, env, secrets: {}, vars: {}, needs: {} }),
      status: status(),
      contexts: COMPOSITE_CONTEXT_NAMES,
    });
    // YAML scalars as the runner reads them: true, 3, null → 'true', '3', ''.
    const text = (v: unknown, c: ExprContext): string => interpolate(typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v), c);
    for (const [index, step] of (meta.runs?.steps ?? []).entries()) {
      // GitHub names an unnamed step `__N` in the steps context too.
      const id = step.id ?? `__${index}`;
      const sub: StepRun = { index, id, uses: step.uses ?? '(run)', outcome: 'skipped', conclusion: 'skipped', with: {}, outputs: {}, summary: '', log: '' };
      record.steps.push(sub);
      const base = () => ({ ...scope.jobEnv, ...outerEnv });
      const condition = ifCondition(step.if);
      const holds = () => truthy(evaluate(condition, ctx(base())));
      if (scope.control.lost || !holds()) {
        steps[id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
        continue;
      }
      try {
        const own = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, text(v, ctx(base()))]));
        const stepEnv = { ...outerEnv, ...own };
        const c = ctx({ ...scope.jobEnv, ...stepEnv });
        for (const [k, v] of Object.entries(step.with ?? {})) sub.with[k] = text(v, c);
        const next: StepHow = { ...how, holdsIfCancelled: holds, start: { ...how.start, id, uses: sub.uses } };
        if (step.run !== undefined && step.uses !== undefined) throw new Error(`${actionDir}: step ${index} has both run and uses`);
        if (step.run !== undefined) {
          if (!step.shell) throw new Error(`${actionDir}: step ${index}: Required property is missing: shell`);
          if (step.shell !== 'bash') throw new Error(`${actionDir}: step ${index}: shell ${step.shell} is not simulated (bash only)`);
          const script = join(scope.temp, `${randomUUID()}.sh`);
          await writeFile(script, text(step.run, c));
          const env = { ...scope.runnerEnv, ...scope.jobEnv, ...stepEnv, GITHUB_ACTION_PATH: actionDir };
          // The runner's bash: `bash --noprofile --norc -eo pipefail {0}`.
          await this.runProcess(sub, 'bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], env, scope, next);
        } else if (step.uses !== undefined) {
          await this.runUses(sub, step.uses, stepEnv, scope, next);
        } else {
          throw new Error(`${actionDir}: step ${index} is neither uses nor run`);
        }
      } catch (err) {
        sub.outcome = 'failure';
        sub.log += `\n##[error]${err instanceof Error ? err.message : String(err)}\n`;
      }
      const coe = step['continue-on-error'];
      const continueOnError = typeof coe === 'string' ? truthy(evaluate(unwrap(coe), ctx(base()))) : coe === true;
      sub.conclusion = sub.outcome === 'failure' && continueOnError ? 'success' : sub.outcome;
      if (sub.conclusion === 'failure') failed = true;
      steps[id] = { outcome: sub.outcome, conclusion: sub.conclusion, outputs: sub.outputs };
    }
    record.log = record.steps.map((x) => x.log).join('');
    record.summary = record.steps.map((x) => x.summary).join('');
    try {
      for (const [name, o] of Object.entries(meta.outputs ?? {})) record.outputs[name] = text(o?.value, ctx({ ...scope.jobEnv, ...outerEnv }));
    } catch (err) {
      failed = true;
      record.log += `\n##[error]${err instanceof Error ? err.message : String(err)}\n`;
    }
    const cancelled = record.steps.some((x) => x.outcome === 'cancelled');
    record.outcome = failed ? 'failure' : cancelled ? 'cancelled' : 'success';
  }

  /** One process of a step (a node action, or a composite action's `run:`), with the runner's file commands, signals and timeouts. */
  private async runProcess(record: StepRun, command: string, args: string[], stepEnv: Record<string, string>, scope: StepScope, how: StepHow): Promise<void> {
    const { temp, workspace, jobEnv, control } = scope;
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
    const proc = startProcess(command, args, workspace, stepEnv);
    record.pid = proc.pid;
    record.signals = proc.signals;
    let cancelledStep = false;
    // The job cancelled: the step stops unless its `if:` still holds (always(), cancelled()).
    const stopOnCancel = () => {
      if (!how.holdsIfCancelled()) {
        cancelledStep = true;
        proc.interrupt();
      }
    };
    const off = control.onCancel(stopOnCancel);
    if (control.cancelled) stopOnCancel();
    const timers: NodeJS.Timeout[] = [];
    if (how.stepTimeoutMs !== undefined) {
      timers.push(setTimeout(() => {
        record.timedOut = true;
        proc.interrupt();
      }, how.stepTimeoutMs));
    }
    const safety = this.opts.stepTimeoutMs ?? 180_000;
    timers.push(setTimeout(() => {
      proc.appendLog(`\n##[error]the step ran longer than ${safety} ms and was killed (RunnerOptions.stepTimeoutMs)\n`);
      proc.kill();
    }, safety));
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      try {
        this.opts.onStepStart?.({ ...how.start, pid: proc.pid }, {
          cancel: () => control.cancel(),
          kill: () => {
            control.lost = true;
            proc.kill();
          },
          exited: proc.done.then(() => undefined),
        });
      } catch (err) {
        // Never leave the process behind a failing hook.
        proc.kill();
        await proc.done.catch(() => undefined);
        throw err;
      }
      exit = await proc.done;
      record.exit = exit;
    } finally {
      off();
      for (const t of timers) clearTimeout(t);
    }
    record.endedAt = performance.now();
    record.log += proc.log();
    record.outputs = parseFileCommands(await readFile(files.GITHUB_OUTPUT, 'utf8'));
    Object.assign(jobEnv, parseFileCommands(await readFile(files.GITHUB_ENV, 'utf8')));
    record.summary = await readFile(files.GITHUB_STEP_SUMMARY, 'utf8');
    if (record.summary.trim()) {
      const { job, matrix, attempt, index } = how.start;
      summariesWritten.push({ runId: this.opts.runId, job, matrix, attempt, step: index, summary: record.summary, roots: [workspace, temp, this.opts.workDir] });
    }
    if (control.lost) {
      record.outcome = 'failure';
    } else if (record.timedOut) {
      // The step's own timeout fails the step (the runner: "The action has timed out.").
      record.log += '\n##[error]The action has timed out.\n';
      record.outcome = 'failure';
    } else if (cancelledStep) {
      record.log += '\n##[error]The operation was canceled.\n';
      record.outcome = 'cancelled';
    } else {
      record.outcome = exit.code === 0 ? 'success' : 'failure';
    }
  }
}


/** What a step needs from its job, for `uses:` and `run:` alike. */
interface StepScope {
  workspace: string;
  temp: string;
  runnerEnv: Record<string, string>;
  /** Exported variables (GITHUB_ENV): steps of composite actions add to it too. */
  jobEnv: Record<string, string>;
  permissions: Permissions;
  valuesFor(extra?: Record<string, unknown>): Record<string, unknown>;
  control: JobControl;
  /** The job's status now, for `if:`s. */
  status(): Status;
}

interface StepHow {
  holdsIfCancelled: () => boolean;
  stepTimeoutMs: number | undefined;
  start: StepStart;
}

interface ActionMeta {
  inputs?: Record<string, { default?: unknown } | null>;
  outputs?: Record<string, { value?: unknown } | null>;
  runs?: {
    using?: string;
    main?: string;
    steps?: Array<{
      id?: string;
      name?: string;
      if?: string | boolean;
      uses?: string;
      run?: string;
      shell?: string;
      with?: Record<string, unknown>;
      env?: Record<string, unknown>;
      'continue-on-error'?: boolean | string;
    }>;
  };
}

const STATUS_CALL = /\b(success|failure|always|cancelled)\s*\(/;

/** A `${{ }}`-wrapped expression's inside, else the text as it is. */
function unwrap(text: string): string {
  const m = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(text);
  return m ? m[1] : text;
}

/** A composite step's `if:` as the runner takes it: success() && (…) unless it names a status function. */
function ifCondition(cond: string | boolean | undefined): string {
  if (cond === undefined || cond === '') return 'success()';
  const e = unwrap(String(cond));
  return STATUS_CALL.test(e) ? e : `success() && (${e})`;
}

/** A string of an action.yml with every `${{ }}` in it evaluated. */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => asString(evaluate(e, ctx)));
}

function stringValues(v: unknown): Record<string, string> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error('env: not a mapping');
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asString(toData(x))]));
}

function evalConcurrency(wf: Workflow, values: Record<string, unknown>): { group: string; cancelInProgress: boolean } | undefined {
  if (!wf.concurrency) return undefined;
  const v = fromData(evalToken(wf.concurrency, { values, status: { success: true, failure: false } }));
  if (typeof v === 'string') return { group: v, cancelInProgress: false };
  const c = v as { group?: unknown; 'cancel-in-progress'?: unknown };
  return { group: typeof c.group === 'string' ? c.group : asString(toData(c.group)), cancelInProgress: c['cancel-in-progress'] === true };
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

/** actions/checkout: this repository's action.yml and dist/ into `path` (the workspace by default). */
async function simulateCheckout(repoRoot: string, workspace: string, w: Record<string, string>, repository: string): Promise<NonNullable<StepRun['checkout']>> {
  const path = w.path ?? '';
  const dest = resolve(workspace, path);
  const rel = relative(workspace, dest);
  // As the real action refuses it.
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new Error(`Repository path '${dest}' is not under '${workspace}'`);
  }
  await mkdir(dest, { recursive: true });
  await copyFile(join(repoRoot, 'action.yml'), join(dest, 'action.yml'));
  const link = (from: string, to: string) =>
    symlink(from, to, 'dir').catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  await link(join(repoRoot, 'dist'), join(dest, 'dist'));
  // The repository's composite actions (.github/actions/*), which its workflows run from the checkout.
  if (await stat(join(repoRoot, '.github/actions')).then((x) => x.isDirectory(), () => false)) {
    await mkdir(join(dest, '.github'), { recursive: true });
    await link(join(repoRoot, '.github/actions'), join(dest, '.github/actions'));
  }
  return { path, repository: w.repository || repository, ref: w.ref ?? '' };
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

interface ProcessHandle {
  pid: number | undefined;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Signals sent, in order, with performance.now(). */
  signals: Array<{ signal: NodeJS.Signals; at: number }>;
  /** The runner's cancel: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that, each only if still running. */
  interrupt(): void;
  /** SIGKILL now. */
  kill(): void;
  log(): string;
  appendLog(text: string): void;
}

/** A step's process. Signals go to its pid only, as ProcessInvoker sends them on Linux. */
function startProcess(node: string, args: string[], cwd: string, env: Record<string, string>): ProcessHandle {
  const child = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d: Buffer) => {
    if (log.length < 2_000_000) log += d.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const signals: ProcessHandle['signals'] = [];
  let exited = false;
  const timers: NodeJS.Timeout[] = [];
  const send = (signal: NodeJS.Signals) => {
    if (exited) return;
    signals.push({ signal, at: performance.now() });
    child.kill(signal);
  };
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
    child.on('error', (err) => {
      exited = true;
      for (const t of timers) clearTimeout(t);
      reject(err);
    });
    child.on('close', (code, signal) => {
      exited = true;
      for (const t of timers) clearTimeout(t);
      resolvePromise({ code, signal });
    });
  });
  let interrupting = false;
  return {
    pid: child.pid,
    done,
    signals,
    interrupt() {
      if (interrupting || exited) return;
      interrupting = true;
      send('SIGINT');
      timers.push(setTimeout(() => {
        send('SIGTERM');
        timers.push(setTimeout(() => send('SIGKILL'), SIGTERM_TIMEOUT_MS));
      }, SIGINT_TIMEOUT_MS));
    },
    kill() {
      for (const t of timers) clearTimeout(t);
      send('SIGKILL');
    },
    log: () => log,
    appendLog(text) {
      log += text;
    },
  };
}

/** A readable account of a job group that did not succeed, with the failing steps' logs. */
/** A job's steps with every composite action's own steps after it, as the log shows them. */
export function stepsOf(run: JobRun): StepRun[] {
  const flat = (steps: StepRun[]): StepRun[] => steps.flatMap((s) => [s, ...flat(s.steps ?? [])]);
  return flat(run.steps);
}

export function describe(group: JobGroup | undefined): string {
  if (!group) return '(job did not run)';
  const lines = [`job ${group.job}: ${group.result}${group.error ? ` (${group.error})` : ''}`];
  if (group.called) lines.push(`  calls: ${group.called.join(', ')}`);
  for (const r of group.runs) {
    const flags = [r.timedOut && 'timed out', r.cancelled && 'cancelled', r.lost && 'runner lost', r.environment && `environment ${r.environment}`].filter(Boolean);
    lines.push(`  ${r.name} [${r.backendJobId}]: ${r.result}${flags.length ? ` (${flags.join(', ')})` : ''}${r.error ? ` — ${r.error}` : ''}`);
    for (const s of r.steps) {
      const sig = s.signals?.length ? ` signals ${s.signals.map((x) => x.signal).join(',')}` : '';
      lines.push(`    step ${s.index} ${s.uses}: ${s.outcome}${sig}`);
      if (s.outcome === 'failure') lines.push(s.log.split('\n').slice(-40).map((l) => `      | ${l}`).join('\n'));
    }
  }
  return lines.join('\n');
}
