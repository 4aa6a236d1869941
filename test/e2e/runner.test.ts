/**
 * The offline GitHub Actions stand-in (runner.ts) on small workflows written here, not the
 * project's: reusable workflows (called directly and through a dispatch caller), local actions in
 * a checkout path, permissions and the REST token, environments with approval, timeouts,
 * cancellation with the runner's signal sequence, a lost runner, and re-runs. The action under
 * test is a tiny node script (dist/index.mjs of a throwaway repository) that reports what it was
 * given and reacts to signals as told.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import {
  SIGINT_TIMEOUT_MS,
  SIGTERM_TIMEOUT_MS,
  describe as explain,
  loadWorkflow,
  WorkflowRun,
  type JobGroup,
  type JobRun,
  type LoadOptions,
  type RunnerOptions,
  type StepRun,
} from './runner.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const CHECKOUT = 'actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955 # v4';

const ACTION_YML = `name: probe
description: reports what it got; waits for signals when told
inputs:
  mode: { description: report | rest | wait, required: true }
  value: { description: echoed back as the value output, required: false }
  token: { description: a REST token, required: false, default: "\${{ github.token }}" }
  fail: { description: exit 1 when true, required: false, default: "false" }
  ignore-signals: { description: wait mode keeps running on SIGINT/SIGTERM, required: false, default: "false" }
  exit-after-ms: { description: wait mode exits 0 after this long, required: false }
runs:
  using: node24
  main: dist/index.mjs
`;

const ACTION_JS = `import { appendFileSync } from 'node:fs';
const input = (n) => process.env['INPUT_' + n.toUpperCase()] ?? '';
const out = (k, v) => appendFileSync(process.env.GITHUB_OUTPUT, k + '<<EOF_X\\n' + v + '\\nEOF_X\\n');
const mode = input('mode');
if (mode === 'report') {
  const jwt = (process.env.ACTIONS_RUNTIME_TOKEN ?? '').split('.')[1] ?? '';
  const claims = jwt ? JSON.parse(Buffer.from(jwt, 'base64url').toString()) : {};
  out('value', input('value'));
  out('env', JSON.stringify({
    runId: process.env.GITHUB_RUN_ID, attempt: process.env.GITHUB_RUN_ATTEMPT, tokenAttempt: claims.run_attempt ?? null,
    repository: process.env.GITHUB_REPOSITORY, apiUrl: process.env.GITHUB_API_URL, event: process.env.GITHUB_EVENT_NAME,
    workflow: process.env.GITHUB_WORKFLOW, job: process.env.GITHUB_JOB, envToken: process.env.GITHUB_TOKEN ?? null,
    token: input('token'), s3: process.env.S3_KEY ?? null,
  }));
  process.exit(input('fail') === 'true' ? 1 : 0);
} else if (mode === 'rest') {
  const url = process.env.GITHUB_API_URL + '/repos/' + process.env.GITHUB_REPOSITORY + '/actions/runs/' + process.env.GITHUB_RUN_ID + '/artifacts';
  const res = await fetch(url, { headers: { authorization: 'Bearer ' + input('token') } });
  out('status', String(res.status));
} else if (mode === 'wait') {
  out('started', String(Date.now()));
  const ignore = input('ignore-signals') === 'true';
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      out('got-' + sig, String(Date.now()));
      if (!ignore) process.exit(130);
    });
  }
  const ms = Number(input('exit-after-ms') || 0);
  if (ms) setTimeout(() => process.exit(0), ms);
  setInterval(() => {}, 1000);
} else {
  console.error('unknown mode ' + mode);
  process.exit(2);
}
`;

let backend: ArtifactBackend;
let repo: string;
let work: string;
let nextRunId = 5001;

beforeAll(async () => {
  [backend, repo, work] = await Promise.all([startArtifactBackend(), mkdtemp(join(tmpdir(), 'runner-repo-')), mkdtemp(join(tmpdir(), 'runner-work-'))]);
  await mkdir(join(repo, 'dist'), { recursive: true });
  await mkdir(join(repo, '.github/workflows'), { recursive: true });
  await writeFile(join(repo, 'action.yml'), ACTION_YML);
  await writeFile(join(repo, 'dist/index.mjs'), ACTION_JS);
}, 120_000);

afterAll(async () => {
  await backend?.close();
  for (const d of [repo, work]) if (d) await rm(d, { recursive: true, force: true });
});

/** Writes .github/workflows/<name> of the throwaway repository and loads it. */
async function workflow(name: string, text: string, others: Record<string, string> = {}, load: LoadOptions = {}) {
  for (const [n, t] of Object.entries(others)) await writeFile(join(repo, '.github/workflows', n), t);
  await writeFile(join(repo, '.github/workflows', name), text);
  return loadWorkflow(join(repo, '.github/workflows', name), load);
}

function options(over: Partial<RunnerOptions> = {}): RunnerOptions {
  return {
    runId: String(nextRunId++),
    repoRoot: repo,
    node: NODE,
    inputs: {},
    vars: {},
    secrets: {},
    artifactEnv: (r, j, o) => backend.envFor(r, j, o),
    workDir: work,
    // A probe left waiting by a failed test is killed after this long.
    stepTimeoutMs: 30_000,
    ...over,
  };
}

function group(results: Map<string, JobGroup>, key: string): JobGroup {
  const g = results.get(key);
  expect(g, `no job ${key}; have ${[...results.keys()].join(', ')}`).toBeDefined();
  return g!;
}

function only(g: JobGroup): JobRun {
  expect(g.runs, explain(g)).toHaveLength(1);
  return g.runs[0];
}

function step(r: JobRun, id: string): StepRun {
  const s = r.steps.find((x) => x.id === id);
  expect(s, `no step ${id} in ${r.job}`).toBeDefined();
  return s!;
}

const envOf = (s: StepRun) => JSON.parse(s.outputs.env) as Record<string, unknown>;

describe('reusable workflows', () => {
  const LIB = `name: lib
on:
  workflow_call:
    inputs:
      dates: { type: string, required: true }
      size: { type: number, default: 50 }
      dry: { type: boolean, default: true }
      note: { type: string }
      n0: { type: number }
      b0: { type: boolean }
      who: { type: string, default: "\${{ github.event_name }}" }
    secrets:
      TOKEN: { required: true }
      OPTIONAL:
    outputs:
      echoed: { value: "\${{ jobs.a.outputs.inputs }}" }
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    outputs: { inputs: "\${{ steps.r.outputs.value }}" }
    steps:
      - uses: ${CHECKOUT}
      - id: r
        uses: ./
        with:
          mode: report
          value: "\${{ toJSON(inputs) }}"
  s:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - id: r
        uses: ./
        with:
          mode: report
          value: "\${{ format('{0}|{1}|{2}', secrets.TOKEN, secrets.OPTIONAL, secrets.OTHER) }}"
`;

  it('run as called: inputs validated, typed and defaulted; only declared secrets are visible', async () => {
    const wf = await workflow('lib.yml', LIB);
    const run = new WorkflowRun(wf, options({ inputs: { dates: '20240301' }, secrets: { TOKEN: 't0k', OTHER: 'not passed' } }));
    const results = await run.run(1);
    const a = only(group(results, 'a'));
    expect(a.result, explain(group(results, 'a'))).toBe('success');
    // Defaults as written, else false / 0 / "", and a default expression over github.
    expect(JSON.parse(step(a, 'r').outputs.value)).toEqual({ dates: '20240301', size: 50, dry: true, note: '', n0: 0, b0: false, who: 'workflow_dispatch' });
    // OTHER is a secret of the caller, but not one the workflow declares: not passed.
    expect(step(only(group(results, 's')), 'r').outputs.value).toBe('t0k||');

    const bad = (inputs: RunnerOptions['inputs'], secrets: Record<string, string> = { TOKEN: 't' }) => () => new WorkflowRun(wf, options({ inputs, secrets }));
    expect(bad({})).toThrow('Input dates is required, but not provided while calling.');
    expect(bad({ dates: 'x', size: '50' })).toThrow("Input size: unexpected type of value '50', expected type: Number.");
    expect(bad({ dates: 'x', dry: 'true' })).toThrow("Input dry: unexpected type of value 'true', expected type: Boolean.");
    expect(bad({ dates: 'x', bogus: 1 })).toThrow('Invalid input, bogus is not defined in the referenced workflow.');
    expect(bad({ dates: 'x' }, {})).toThrow('Secret TOKEN is required, but not provided while calling.');
  });

  const CALLED = `name: called
on:
  workflow_call:
    inputs:
      dates: { type: string, required: true }
      size: { type: number, default: 1 }
      dry: { type: boolean, default: true }
      where: { type: string, default: nowhere }
    secrets:
      TOKEN: { required: true }
    outputs:
      seen: { value: "\${{ jobs.inner.outputs.seen }}" }
      result: { value: "\${{ jobs.inner.result }}" }
permissions: {}
jobs:
  inner:
    runs-on: ubuntu-latest
    permissions: { contents: read }
    outputs: { seen: "\${{ steps.r.outputs.value }}" }
    steps:
      - uses: ${CHECKOUT}
        with: { repository: "\${{ inputs.where }}/action", ref: v9, path: .act, persist-credentials: false }
      - id: r
        uses: ./.act
        with:
          mode: report
          value: "\${{ inputs.dates }} \${{ inputs.size }} \${{ inputs.dry }} \${{ inputs.where }} \${{ secrets.TOKEN }}/\${{ secrets.REPO_OTHER }} \${{ github.event_name }} \${{ github.workflow }} \${{ vars.WHERE }}"
      - id: origin
        uses: ./.act
        with:
          mode: report
          value: "\${{ fromJSON(toJSON(job)).workflow_repository }} \${{ fromJSON(toJSON(job)).workflow_file_path }} \${{ github.workflow_ref }}"
`;
  const caller = (secrets: string) => `name: caller
run-name: reprocess \${{ inputs.dates }}\${{ inputs.dry && ' (dry run)' || '' }}
on:
  workflow_dispatch:
    inputs:
      dates: { type: string, required: true }
      dry: { type: boolean, default: false }
      size: { type: number, default: 7 }
permissions: {}
jobs:
  call:
    uses: ./.github/workflows/called.yml
    permissions: { contents: read }
    with:
      dates: \${{ inputs.dates }}
      size: \${{ inputs.size }}
      dry: \${{ inputs.dry }}
      where: \${{ vars.WHERE }}
    secrets: ${secrets}
  after:
    needs: call
    runs-on: ubuntu-latest
    permissions: { contents: read }
    steps:
      - uses: ${CHECKOUT}
      - id: r
        uses: ./
        with: { mode: report, value: "\${{ needs.call.outputs.seen }}|\${{ needs.call.outputs.result }}|\${{ needs.call.result }}" }
`;

  it('a dispatch caller runs it: with: evaluated in the caller, explicit secrets, outputs back to the caller', async () => {
    const wf = await workflow('caller.yml', caller('\n      TOKEN: ${{ secrets.REPO_TOKEN }}'), { 'called.yml': CALLED });
    expect(wf.call('call').workflow.name).toBe('called.yml');
    const run = new WorkflowRun(wf, options({ inputs: { dates: '20240301', dry: true }, vars: { WHERE: 'there' }, secrets: { REPO_TOKEN: 's3cr3t', REPO_OTHER: 'other' } }));
    expect(run.runName()).toBe('reprocess 20240301 (dry run)');
    const results = await run.run(1);
    expect([...results.keys()].sort()).toEqual(['after', 'call', 'call/inner']);
    const call = group(results, 'call');
    expect(call).toMatchObject({ result: 'success', runs: [], called: ['call/inner'] });
    const inner = only(group(results, 'call/inner'));
    // The caller's github context (event, workflow name) and vars; a secret not passed is empty.
    const seen = '20240301 7 true there s3cr3t/ workflow_dispatch caller there';
    expect(step(inner, 'r').outputs.value, explain(group(results, 'call/inner'))).toBe(seen);
    expect(envOf(step(inner, 'r'))).toMatchObject({ event: 'workflow_dispatch', workflow: 'caller', job: 'inner' });
    // The checkout went where asked; what it was asked for is recorded.
    expect(inner.steps[0].checkout).toEqual({ path: '.act', repository: 'there/action', ref: 'v9' });
    // job.workflow_*: the called file; github.workflow_ref: the caller's.
    expect(step(inner, 'origin').outputs.value).toBe(
      'mozilla-services/socorro-reprocess .github/workflows/called.yml mozilla-services/socorro-reprocess/.github/workflows/caller.yml@refs/heads/main',
    );
    expect(call.outputs).toEqual({ seen, result: 'success' });
    expect(step(only(group(results, 'after')), 'r').outputs.value).toBe(`${seen}|success|success`);
  });

  it('secrets: inherit passes every secret of the caller', async () => {
    const wf = await workflow('caller-inherit.yml', caller('inherit'), { 'called.yml': CALLED });
    const results = await new WorkflowRun(wf, options({ inputs: { dates: '20240302' }, vars: { WHERE: 'w' }, secrets: { TOKEN: 'tok', REPO_OTHER: 'other' } })).run(1);
    expect(step(only(group(results, 'call/inner')), 'r').outputs.value).toBe('20240302 7 false w tok/other workflow_dispatch caller w');
  });

  it("the parser checks the call against the called workflow's on.workflow_call", async () => {
    const base = caller('\n      TOKEN: ${{ secrets.REPO_TOKEN }}');
    await expect(workflow('bad-input.yml', base.replace('where: ${{ vars.WHERE }}', 'bogus: 1'), { 'called.yml': CALLED })).rejects.toThrow(
      'Invalid input, bogus is not defined in the referenced workflow.',
    );
    await expect(workflow('bad-secret.yml', base.replace('TOKEN: ${{ secrets.REPO_TOKEN }}', 'OTHER: x'), { 'called.yml': CALLED })).rejects.toThrow(
      'Secret TOKEN is required, but not provided while calling.',
    );
    await expect(workflow('no-file.yml', base.replace('called.yml', 'missing.yml'))).rejects.toThrow('Unable to find reusable workflow');
  });
});

describe('reusable workflows of another repository, and concurrency', () => {
  const LIB4 = `name: lib4
on:
  workflow_call:
    inputs:
      bucket: { type: string, required: true }
concurrency:
  group: \${{ github.workflow }}-\${{ inputs.bucket }}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
        with:
          repository: \${{ fromJSON(toJSON(job)).workflow_repository }}
          ref: \${{ fromJSON(toJSON(job)).workflow_sha }}
`;
  const top = (group: string) => `name: top
on: workflow_dispatch
concurrency:
  group: ${group}
  cancel-in-progress: false
jobs:
  call:
    uses: octo/lib/.github/workflows/lib4.yml@0123456789abcdef0123456789abcdef01234567
    with: { bucket: b1 }
`;

  it('owner/repo/path@ref resolves to a local checkout of that repository (LoadOptions.repositories)', async () => {
    const lib = await mkdtemp(join(tmpdir(), 'runner-lib-'));
    try {
      await mkdir(join(lib, '.github/workflows'), { recursive: true });
      await writeFile(join(lib, '.github/workflows/lib4.yml'), LIB4);
      const wf = await workflow('top.yml', top('top-${{ github.run_id }}'), {}, { repositories: { 'Octo/Lib': lib } });
      expect(wf.call('call').workflow.path).toBe(join(lib, '.github/workflows/lib4.yml'));
      const run = new WorkflowRun(wf, options());
      expect(run.concurrency()).toEqual({ group: `top-${run.opts.runId}`, cancelInProgress: false });
      const results = await run.run(1);
      // The called job's own workflow: that repository at the pinned commit.
      expect(only(group(results, 'call/j')).steps[0].checkout).toEqual({ path: '', repository: 'octo/lib', ref: '0123456789abcdef0123456789abcdef01234567' });
      await expect(workflow('top.yml', top('x'))).rejects.toThrow('Unable to find reusable workflow');
    } finally {
      await rm(lib, { recursive: true, force: true });
    }
  });

  it("a called workflow in its caller's concurrency group would wait for itself: GitHub cancels it", async () => {
    const lib = await mkdtemp(join(tmpdir(), 'runner-lib-'));
    try {
      await mkdir(join(lib, '.github/workflows'), { recursive: true });
      await writeFile(join(lib, '.github/workflows/lib4.yml'), LIB4);
      // github.workflow is the caller's name in both.
      const wf = await workflow('top.yml', top('${{ github.workflow }}-b1'), {}, { repositories: { 'octo/lib': lib } });
      const results = await new WorkflowRun(wf, options()).run(1);
      expect(group(results, 'call')).toMatchObject({ result: 'cancelled', error: expect.stringContaining("deadlock for concurrency group 'top-b1'") });
      expect(results.has('call/j')).toBe(false);
    } finally {
      await rm(lib, { recursive: true, force: true });
    }
  });
});

describe('local actions and checkout paths', () => {
  it('uses: ./path runs the action checked out there; a path with no action fails as GitHub says', async () => {
    const wf = await workflow('paths.yml', `name: paths
on: workflow_dispatch
jobs:
  good:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
        with: { path: sub/dir }
      - id: r
        uses: ./sub/dir
        with: { mode: report, value: ok }
  missing:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
        with: { path: sub }
      - uses: ./elsewhere
        with: { mode: report }
  outside:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
        with: { path: ../escape }
`);
    const results = await new WorkflowRun(wf, options()).run(1);
    const good = only(group(results, 'good'));
    expect(good.result, explain(group(results, 'good'))).toBe('success');
    expect(step(good, 'r').outputs.value).toBe('ok');
    expect(good.steps[0].checkout).toEqual({ path: 'sub/dir', repository: 'mozilla-services/socorro-reprocess', ref: '' });
    const missing = only(group(results, 'missing'));
    expect(missing.result).toBe('failure');
    expect(missing.steps[1].log).toContain("Can't find 'action.yml', 'action.yaml' or 'Dockerfile' under");
    const outside = only(group(results, 'outside'));
    expect(outside.result).toBe('failure');
    expect(outside.steps[0].log).toMatch(/Repository path '.*escape' is not under '/);
  });
});

describe('composite actions', () => {
  const COMPOSITE = `name: greet
description: "a composite action: a run step, a local action, a skipped step, outputs"
inputs:
  who: { description: whom to greet, required: true }
  skip: { description: skip the last step, required: false, default: "true" }
  token: { description: a default expression, required: false, default: "\${{ github.token }}" }
outputs:
  said: { description: what the probe echoed, value: "\${{ steps.probe.outputs.value }}" }
  env: { description: what the probe saw, value: "\${{ steps.probe.outputs.env }}" }
  skipped: { description: the skipped step's outcome, value: "\${{ steps.maybe.outcome }}" }
runs:
  using: composite
  steps:
    - id: hello
      shell: bash
      env:
        WHO: \${{ inputs.who }}
        HAS_TOKEN: \${{ inputs.token != '' }}
      run: |
        echo "greeting=hello $WHO from $OUTER ($HAS_TOKEN)" >> "$GITHUB_OUTPUT"
        echo "S3_KEY=key-of-$WHO" >> "$GITHUB_ENV"
        echo "## greeted $WHO" >> "$GITHUB_STEP_SUMMARY"
    - id: probe
      uses: ./
      with: { mode: report, value: "\${{ steps.hello.outputs.greeting }}" }
    - id: maybe
      if: inputs.skip != 'true'
      shell: bash
      run: exit 1
`;
  const FAILING = `name: failing
description: "a failed step, then failure() and continue-on-error"
runs:
  using: composite
  steps:
    - { id: soft, shell: bash, run: exit 4, continue-on-error: true }
    - { id: hard, shell: bash, run: "echo about to fail; exit 3" }
    - { id: skipped, shell: bash, run: "echo never" }
    - id: cleanup
      if: failure()
      shell: bash
      env: { SOFT: "\${{ steps.soft.outcome }}/\${{ steps.soft.conclusion }}" }
      run: echo "cleanup=$SOFT" >> "$GITHUB_OUTPUT"
outputs:
  cleanup: { description: from the failure() step, value: "\${{ steps.cleanup.outputs.cleanup }}" }
`;
  const SECRETS = `name: secrets
description: reads a context a composite action has not
runs:
  using: composite
  steps:
    - { shell: bash, run: "echo \${{ secrets.X }}" }
`;
  const NO_SHELL = `name: no-shell
description: a run step without its shell
runs:
  using: composite
  steps:
    - run: echo hi
`;

  beforeAll(async () => {
    for (const [name, text] of Object.entries({ greet: COMPOSITE, failing: FAILING, secrets: SECRETS, 'no-shell': NO_SHELL })) {
      await mkdir(join(repo, '.github/actions', name), { recursive: true });
      await writeFile(join(repo, '.github/actions', name, 'action.yml'), text);
    }
  });

  it('runs its run: and uses: steps with its inputs (defaults too), env and if:s; its outputs and GITHUB_ENV reach the job', async () => {
    const wf = await workflow('composite.yml', `name: composite
on: workflow_dispatch
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - id: greet
        uses: ./.github/actions/greet
        env: { OUTER: the-job }
        with: { who: "\${{ github.repository }}" }
      - id: after
        uses: ./
        with: { mode: report, value: "\${{ steps.greet.outputs.said }} / \${{ steps.greet.outputs.skipped }} / \${{ env.S3_KEY }}" }
      - id: unexpected
        if: always()
        uses: ./.github/actions/greet
        with: { who: x, nobody: y }
`);
    const results = await new WorkflowRun(wf, options()).run(1);
    const j = only(group(results, 'j'));
    const greet = step(j, 'greet');
    expect(greet.outcome, explain(group(results, 'j'))).toBe('success');
    expect(greet.steps?.map((s) => [s.id, s.uses, s.outcome])).toEqual([
      ['hello', '(run)', 'success'],
      ['probe', './', 'success'],
      ['maybe', '(run)', 'skipped'],
    ]);
    expect(greet.outputs.said).toBe('hello mozilla-services/socorro-reprocess from the-job (true)');
    expect(greet.outputs.skipped).toBe('skipped');
    // GITHUB_ENV of the run: step reached the next step of the action, and the job's later steps.
    expect(JSON.parse(greet.outputs.env)).toMatchObject({ s3: 'key-of-mozilla-services/socorro-reprocess' });
    expect(greet.summary).toBe('## greeted mozilla-services/socorro-reprocess\n');
    expect(step(j, 'after').outputs.value).toBe('hello mozilla-services/socorro-reprocess from the-job (true) / skipped / key-of-mozilla-services/socorro-reprocess');
    expect(envOf(step(j, 'after')).s3).toBe('key-of-mozilla-services/socorro-reprocess');
    const unexpected = step(j, 'unexpected');
    expect(unexpected.outcome).toBe('failure');
    expect(unexpected.log).toContain("Unexpected input(s) 'nobody'");
    expect(j.result).toBe('failure');
  });

  it('a failed step fails the action: later steps skip unless failure(); continue-on-error holds inside it too', async () => {
    const wf = await workflow('composite-fail.yml', `name: composite-fail
on: workflow_dispatch
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: failing, uses: ./.github/actions/failing }
      - { id: next, uses: ./, with: { mode: report } }
      - { id: on-failure, if: failure(), uses: ./, with: { mode: report, value: "\${{ steps.failing.outcome }} \${{ steps.failing.outputs.cleanup }}" } }
`);
    const results = await new WorkflowRun(wf, options()).run(1);
    const j = only(group(results, 'j'));
    const failing = step(j, 'failing');
    expect(failing.steps?.map((s) => [s.id, s.outcome, s.conclusion])).toEqual([
      ['soft', 'failure', 'success'],
      ['hard', 'failure', 'failure'],
      ['skipped', 'skipped', 'skipped'],
      ['cleanup', 'success', 'success'],
    ]);
    expect(failing.outcome).toBe('failure');
    expect(failing.log).toContain('about to fail');
    expect(step(j, 'next').outcome).toBe('skipped');
    expect(step(j, 'on-failure').outputs.value).toBe('failure failure/success');
    expect(j.result).toBe('failure');
  });

  it('a composite step may not read secrets, and a run: step needs its shell, as on GitHub', async () => {
    const wf = await workflow('composite-bad.yml', `name: composite-bad
on: workflow_dispatch
jobs:
  secrets:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: s, uses: ./.github/actions/secrets }
  shell:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: s, uses: ./.github/actions/no-shell }
`);
    const results = await new WorkflowRun(wf, options({ secrets: { X: 'the-secret' } })).run(1);
    const secrets = step(only(group(results, 'secrets')), 's');
    expect(secrets.outcome).toBe('failure');
    expect(secrets.log).toMatch(/Unrecognized named-value: 'secrets'/);
    expect(secrets.log).not.toContain('the-secret');
    const shell = step(only(group(results, 'shell')), 's');
    expect(shell.outcome).toBe('failure');
    expect(shell.log).toContain('Required property is missing: shell');
  });
});

describe('permissions and the GITHUB_TOKEN', () => {
  it('actions: read gets a token the REST API accepts, none gets 403; the run id is numeric', async () => {
    const wf = await workflow('perms.yml', `name: perms
on: workflow_dispatch
permissions: { contents: read }
jobs:
  reader:
    runs-on: ubuntu-latest
    permissions: { contents: read, actions: read }
    steps:
      - uses: ${CHECKOUT}
      - { id: rest, uses: ./, with: { mode: rest } }
      - { id: r, uses: ./, with: { mode: report } }
  plain:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: rest, uses: ./, with: { mode: rest } }
`);
    const opts = options({ githubToken: (p) => backend.restTokenFor({ actions: p.actions }) });
    const results = await new WorkflowRun(wf, opts).run(1);
    const reader = only(group(results, 'reader'));
    expect(reader.permissions).toMatchObject({ contents: 'read', actions: 'read', 'id-token': 'none' });
    expect(step(reader, 'rest').outputs.status, explain(group(results, 'reader'))).toBe('200');
    // The token reaches the action through its input default ${{ github.token }}; the runner
    // sets no GITHUB_TOKEN variable.
    const env = envOf(step(reader, 'r'));
    expect(env).toMatchObject({ runId: opts.runId, apiUrl: backend.apiUrl, repository: backend.repository, envToken: null });
    expect(env.token).toMatch(/^ghs_/);
    expect(env.runId).toMatch(/^\d+$/);
    const plain = only(group(results, 'plain'));
    expect(plain.permissions).toMatchObject({ contents: 'read', actions: 'none' });
    expect(step(plain, 'rest').outputs.status).toBe('403');
  });

  it('a called job may not ask for more than its caller grants', async () => {
    const lib = `name: lib2
on: workflow_call
jobs:
  inner:
    runs-on: ubuntu-latest
    permissions: { contents: read, actions: read }
    steps:
      - uses: ${CHECKOUT}
`;
    const wf = await workflow('narrow.yml', `name: narrow
on: workflow_dispatch
permissions: {}
jobs:
  call:
    uses: ./.github/workflows/lib2.yml
    permissions: { contents: read }
`, { 'lib2.yml': lib });
    const results = await new WorkflowRun(wf, options()).run(1);
    expect(group(results, 'call')).toMatchObject({
      result: 'failure',
      error: "The nested job 'inner' is requesting 'actions: read', but is only allowed 'actions: none'.",
    });
    expect(results.has('call/inner')).toBe(false);
  });
});

describe('environments', () => {
  const ENV = `name: envs
on:
  workflow_dispatch:
    inputs:
      env: { type: string, default: staging }
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: \${{ inputs.env }}
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report, value: "\${{ secrets.TOKEN }} \${{ vars.V }}" } }
  mapped:
    runs-on: ubuntu-latest
    environment: { name: staging, url: "https://example.invalid" }
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report, value: "\${{ secrets.TOKEN }}" } }
  none:
    runs-on: ubuntu-latest
    environment: ""
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report, value: "\${{ secrets.TOKEN }} \${{ vars.V }}" } }
`;
  const opts = (env: string, asked: string[]) =>
    options({
      inputs: { env },
      secrets: { TOKEN: 'repo-token' },
      vars: { V: 'repo-var' },
      environments: { staging: { secrets: { TOKEN: 'staging-token' }, vars: { V: 'staging-var' } }, prod: { secrets: { TOKEN: 'prod-token' } } },
      approve: (name, job) => {
        asked.push(`${job.job}:${name}`);
        return name !== 'prod';
      },
    });

  it("a job's environment secrets and variables override the repository's, after approval", async () => {
    const wf = await workflow('envs.yml', ENV);
    const asked: string[] = [];
    const run = new WorkflowRun(wf, opts('staging', asked));
    const results = await run.run(1);
    expect(step(only(group(results, 'deploy')), 'r').outputs.value).toBe('staging-token staging-var');
    expect(step(only(group(results, 'mapped')), 'r').outputs.value).toBe('staging-token');
    // An empty environment name is no environment.
    expect(step(only(group(results, 'none')), 'r').outputs.value).toBe('repo-token repo-var');
    expect(asked.sort()).toEqual(['deploy:staging', 'mapped:staging']);
    expect(run.deployments.map((d) => [d.job, d.environment, d.approved, d.attempt]).sort()).toEqual([
      ['deploy', 'staging', true, 1],
      ['mapped', 'staging', true, 1],
    ]);
    expect(only(group(results, 'deploy'))).toMatchObject({ environment: 'staging', approved: true });
  });

  it('a rejected deployment fails the job without running it', async () => {
    const wf = await workflow('envs.yml', ENV);
    const run = new WorkflowRun(wf, opts('prod', []));
    const results = await run.run(1);
    expect(only(group(results, 'deploy'))).toMatchObject({
      result: 'failure',
      environment: 'prod',
      approved: false,
      steps: [],
      error: "Deployment to environment 'prod' was rejected",
    });
    expect(group(results, 'mapped').result).toBe('success');
    expect(run.deployments.find((d) => d.job === 'deploy')).toMatchObject({ environment: 'prod', approved: false });
  });
});

describe('status functions, timeouts and cancellation', () => {
  it('success(), failure() and continue-on-error decide the later steps', async () => {
    const wf = await workflow('status.yml', `name: status
on: workflow_dispatch
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: soft, uses: ./, continue-on-error: true, with: { mode: report, fail: "true" } }
      - { id: after-soft, uses: ./, with: { mode: report, value: "\${{ steps.soft.outcome }}/\${{ steps.soft.conclusion }} \${{ job.status }}" } }
      - { id: hard, uses: ./, with: { mode: report, fail: "true" } }
      - { id: ok-only, uses: ./, with: { mode: report } }
      - { id: on-failure, if: failure(), uses: ./, with: { mode: report, value: "\${{ job.status }}" } }
      - { id: not-on-cancel, if: cancelled(), uses: ./, with: { mode: report } }
`);
    const results = await new WorkflowRun(wf, options()).run(1);
    const j = only(group(results, 'j'));
    expect(j.result).toBe('failure');
    expect(step(j, 'soft')).toMatchObject({ outcome: 'failure', conclusion: 'success' });
    expect(step(j, 'after-soft').outputs.value).toBe('failure/success success');
    expect(step(j, 'hard').outcome).toBe('failure');
    expect(step(j, 'ok-only').outcome).toBe('skipped');
    expect(step(j, 'on-failure').outputs.value).toBe('failure');
    expect(step(j, 'not-on-cancel').outcome).toBe('skipped');
  });

  it('timeout-minutes: the job is cancelled (SIGINT), always() steps and jobs run, and it concludes as a failure', async () => {
    const wf = await workflow('timeouts.yml', `name: timeouts
on: workflow_dispatch
jobs:
  slow:
    runs-on: ubuntu-latest
    timeout-minutes: 1
    steps:
      - uses: ${CHECKOUT}
      - { id: w, uses: ./, with: { mode: wait } }
      - { id: always, if: always(), uses: ./, with: { mode: report, value: "\${{ job.status }} \${{ steps.w.outcome }}" } }
      - { id: on-cancel, if: cancelled(), uses: ./, with: { mode: report } }
      - { id: on-failure, if: failure(), uses: ./, with: { mode: report } }
      - { id: default, uses: ./, with: { mode: report } }
  later:
    needs: slow
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
  cleanup:
    needs: slow
    if: always() && needs.slow.result == 'failure'
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
  step-timeout:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: w, uses: ./, timeout-minutes: 1, with: { mode: wait } }
      - { id: default, uses: ./, with: { mode: report } }
      - { id: on-failure, if: failure(), uses: ./, with: { mode: report, value: "\${{ steps.w.outcome }} \${{ job.status }}" } }
      - { id: on-cancel, if: cancelled(), uses: ./, with: { mode: report } }
`);
    // 1 minute = 1.5 s: long enough for the probe to set its signal handlers before the timeout.
    const results = await new WorkflowRun(wf, options({ timeScale: 1 / 40 })).run(1);
    const slow = only(group(results, 'slow'));
    expect(slow, explain(group(results, 'slow'))).toMatchObject({ result: 'failure', timedOut: true, cancelled: true });
    expect(slow.error).toBe('The job running on runner GitHub Actions 1 has exceeded the maximum execution time of 1 minutes.');
    // The probe exits on SIGINT, so it never needed SIGTERM.
    expect(step(slow, 'w')).toMatchObject({ outcome: 'cancelled', exit: { code: 130, signal: null } });
    expect(step(slow, 'w').signals?.map((s) => s.signal)).toEqual(['SIGINT']);
    expect(step(slow, 'w').outputs['got-SIGINT']).toMatch(/^\d+$/);
    // Inside the job the status is cancelled: cancelled() steps run, failure() ones do not.
    expect(step(slow, 'always').outputs.value).toBe('cancelled cancelled');
    expect(step(slow, 'on-cancel').outcome).toBe('success');
    expect(step(slow, 'on-failure').outcome).toBe('skipped');
    expect(step(slow, 'default').outcome).toBe('skipped');
    expect(group(results, 'later').result).toBe('skipped');
    expect(group(results, 'cleanup').result).toBe('success');

    // A step's own timeout fails the step (not cancelled): failure() steps run.
    const st = only(group(results, 'step-timeout'));
    expect(st.result).toBe('failure');
    expect(step(st, 'w')).toMatchObject({ outcome: 'failure', timedOut: true });
    expect(step(st, 'w').log).toContain('The action has timed out.');
    expect(step(st, 'default').outcome).toBe('skipped');
    expect(step(st, 'on-failure').outputs.value).toBe('failure failure');
    expect(step(st, 'on-cancel').outcome).toBe('skipped');
  });

  const CANCEL = `name: cancel
on: workflow_dispatch
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: w, uses: ./, with: { mode: wait, ignore-signals: "true" } }
      - { id: always, if: always(), uses: ./, with: { mode: report, value: "\${{ job.status }}" } }
      - { id: on-cancel, if: cancelled(), uses: ./, with: { mode: report } }
      - { id: default, uses: ./, with: { mode: report } }
`;

  it("cancelling a step: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that (actions/runner's ProcessInvoker)", async () => {
    const wf = await workflow('cancel.yml', CANCEL);
    const run = new WorkflowRun(wf, options({
      onStepStart(s, control) {
        // After the probe has had time to set its handlers (a SIGINT before that kills it at once).
        if (s.id === 'w') setTimeout(() => control.cancel(), 1000);
      },
    }));
    const results = await run.run(1);
    const j = only(group(results, 'j'));
    expect(j).toMatchObject({ result: 'cancelled', cancelled: true });
    const w = step(j, 'w');
    expect(w).toMatchObject({ outcome: 'cancelled', exit: { code: null, signal: 'SIGKILL' } });
    const sent = w.signals!;
    expect(sent.map((s) => s.signal)).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
    // Timer slack only ever adds time.
    const termAfter = sent[1].at - sent[0].at;
    const killAfter = sent[2].at - sent[1].at;
    expect(termAfter).toBeGreaterThanOrEqual(SIGINT_TIMEOUT_MS - 1);
    expect(termAfter).toBeLessThan(SIGINT_TIMEOUT_MS + 500);
    expect(killAfter).toBeGreaterThanOrEqual(SIGTERM_TIMEOUT_MS - 1);
    expect(killAfter).toBeLessThan(SIGTERM_TIMEOUT_MS + 500);
    // What the process itself saw, by its own clock.
    const got = Number(w.outputs['got-SIGTERM']) - Number(w.outputs['got-SIGINT']);
    expect(got).toBeGreaterThan(SIGINT_TIMEOUT_MS - 300);
    expect(got).toBeLessThan(SIGINT_TIMEOUT_MS + 500);
    expect(step(j, 'always').outputs.value).toBe('cancelled');
    expect(step(j, 'on-cancel').outcome).toBe('success');
    expect(step(j, 'default').outcome).toBe('skipped');
  }, 30_000);

  it('a lost runner: SIGKILL with no signal first, and nothing else of the job runs', async () => {
    const wf = await workflow('cancel.yml', CANCEL);
    const run = new WorkflowRun(wf, options({
      onStepStart(s, control) {
        if (s.id === 'w') setTimeout(() => control.kill(), 200);
      },
    }));
    const results = await run.run(1);
    const j = only(group(results, 'j'));
    expect(j).toMatchObject({ result: 'failure', lost: true });
    const w = step(j, 'w');
    expect(w.signals?.map((s) => s.signal)).toEqual(['SIGKILL']);
    expect(w.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(w.outputs['got-SIGINT']).toBeUndefined();
    for (const id of ['always', 'on-cancel', 'default']) expect(step(j, id).outcome, id).toBe('skipped');
  });

  it('cancelling the run: running jobs stop unless their if: holds; later jobs run only with always()', async () => {
    const wf = await workflow('cancel-run.yml', `name: cancel-run
on: workflow_dispatch
jobs:
  long:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: w, uses: ./, with: { mode: wait } }
  guard:
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: w, uses: ./, with: { mode: wait, exit-after-ms: "2500" } }
  after:
    needs: long
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
  final:
    needs: long
    if: always()
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report, value: "\${{ needs.long.result }}" } }
  not-cancelled:
    needs: long
    if: "!cancelled()"
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
`);
    const run: WorkflowRun = new WorkflowRun(wf, options({
      onStepStart(s) {
        if (s.job === 'long') setTimeout(() => run.cancel(), 1000);
      },
    }));
    const results = await run.run(1);
    const long = only(group(results, 'long'));
    expect(long.result).toBe('cancelled');
    expect(step(long, 'w').signals?.map((s) => s.signal)).toEqual(['SIGINT']);
    // A job whose if: is always() is not cancelled: its step ran to its own end.
    const guard = only(group(results, 'guard'));
    expect(guard.result).toBe('success');
    expect(step(guard, 'w').signals).toEqual([]);
    expect(group(results, 'after').result).toBe('skipped');
    expect(step(only(group(results, 'final')), 'r').outputs.value).toBe('cancelled');
    expect(group(results, 'not-cancelled').result).toBe('skipped');
  });

  it('fail-fast cancels the running legs of the matrix', async () => {
    const wf = await workflow('fail-fast.yml', `name: fail-fast
on: workflow_dispatch
jobs:
  m:
    runs-on: ubuntu-latest
    strategy:
      matrix: { leg: [quick, slow] }
    steps:
      - uses: ${CHECKOUT}
      - id: w
        uses: ./
        with:
          mode: "\${{ matrix.leg == 'quick' && 'report' || 'wait' }}"
          fail: "\${{ matrix.leg == 'quick' }}"
`);
    const results = await new WorkflowRun(wf, options()).run(1);
    const m = group(results, 'm');
    expect(m.result).toBe('failure');
    const byLeg = Object.fromEntries(m.runs.map((r) => [r.matrix?.leg, r]));
    expect(byLeg.quick.result).toBe('failure');
    expect(byLeg.slow.result).toBe('cancelled');
    expect(step(byLeg.slow, 'w').signals?.map((s) => s.signal)).toEqual(['SIGINT']);
  });
});

describe('re-runs', () => {
  it('Re-run failed jobs re-runs the failed leg and its dependents; attempts reach the env and the artifact token', async () => {
    const wf = await workflow('rerun.yml', `name: rerun
on: workflow_dispatch
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report } }
  b:
    needs: a
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix: { chunk: [1, 2, 3] }
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report, fail: "\${{ matrix.chunk == 2 && github.run_attempt == '1' }}" } }
  c:
    needs: b
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report } }
  d:
    needs: a
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
`);
    const calls: Array<[string, number]> = [];
    const run = new WorkflowRun(wf, options({
      artifactEnv: (r, j, o) => {
        calls.push([j, o.attempt]);
        return backend.envFor(r, j, o);
      },
    }));
    let results = await run.run(1);
    expect(group(results, 'b').result).toBe('failure');
    expect(group(results, 'c').result).toBe('skipped');

    results = await run.rerunFailedJobs();
    expect(run.attempt).toBe(2);
    const attempts = (key: string) => group(results, key).runs.map((r) => [r.matrix?.chunk ?? null, r.attempt, r.result]).sort();
    expect(attempts('a')).toEqual([[null, 1, 'success']]);
    expect(attempts('b')).toEqual([[1, 1, 'success'], [2, 2, 'success'], [3, 1, 'success']]);
    expect(attempts('c')).toEqual([[null, 2, 'success']]);
    expect(attempts('d')).toEqual([[null, 1, 'success']]);
    const leg2 = group(results, 'b').runs.find((r) => r.matrix?.chunk === 2)!;
    expect(envOf(step(leg2, 'r'))).toMatchObject({ attempt: '2', tokenAttempt: 2 });
    expect(calls.filter(([, at]) => at === 2).map(([j]) => j).sort()).toEqual(['b-2-attempt2', 'c-attempt2']);

    results = await run.rerunAllJobs();
    for (const key of ['a', 'b', 'c', 'd']) expect(group(results, key).runs.every((r) => r.attempt === 3 && r.result === 'success'), key).toBe(true);
    await expect(run.run(3)).rejects.toThrow('attempts only go up');
  });

  it('inside a called workflow, only the failed called job and what needs it run again', async () => {
    const lib = `name: lib3
on: workflow_call
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
  y:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
      - { id: r, uses: ./, with: { mode: report, fail: "\${{ github.run_attempt == '1' }}" } }
`;
    const wf = await workflow('rerun-call.yml', `name: rerun-call
on: workflow_dispatch
jobs:
  call:
    uses: ./.github/workflows/lib3.yml
  post:
    needs: call
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
  side:
    runs-on: ubuntu-latest
    steps:
      - uses: ${CHECKOUT}
`, { 'lib3.yml': lib });
    const run = new WorkflowRun(wf, options());
    let results = await run.run(1);
    expect(group(results, 'call').result).toBe('failure');
    expect(group(results, 'post').result).toBe('skipped');
    results = await run.rerunFailedJobs();
    const at = (key: string) => only(group(results, key)).attempt;
    expect({ x: at('call/x'), y: at('call/y'), post: at('post'), side: at('side') }).toEqual({ x: 1, y: 2, post: 2, side: 1 });
    expect(group(results, 'call').result).toBe('success');
  });
});
