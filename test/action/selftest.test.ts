/**
 * ci.yml's `selftest` job, run here step by step as a runner would: its `run:` scripts with bash
 * (the loopback servers started in the background, GITHUB_ENV carried from step to step), its
 * `uses: ./` steps as the built action (dist/index.js) with INPUT_* from the evaluated `with:`,
 * against the real @actions/artifact client on the local results service. What passes here is
 * what GitHub's own runner then does on every push. (actions/checkout, actions/setup-node and
 * `npm ci` are what this checkout already is.)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { asString, evaluate, parseFileCommands } from '../e2e/runner.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { ROOT, loadAction } from './support.ts';
import { summaryProblems } from '../support/summary-html.ts';

type Step = { name?: string; id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
const ci = parseYaml(await readFile(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
  jobs: { selftest: { strategy: { matrix: { store: string[] } }; steps: Step[]; permissions: Record<string, string> } };
};
const job = ci.jobs.selftest;
const action = loadAction();
const BIN = join(ROOT, 'node_modules/.bin');

let backend: ArtifactBackend;
let work: string;
beforeAll(async () => {
  [backend, work] = await Promise.all([startArtifactBackend(), mkdtemp(join(tmpdir(), 'selftest-'))]);
});
afterAll(async () => {
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** `${{ }}` in a value, evaluated; whole-expression values keep their type's text form. */
function interpolate(value: unknown, values: Record<string, unknown>): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => asString(evaluate(e, { values, status: { success: true, failure: false } })));
}

function exec(cmd: string, args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; out: string; pgid?: number }> {
  return new Promise((done) => {
    // Its own process group: the background servers a script starts are killed with it at the end.
    const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    child.on('close', (code) => done({ code, out, pgid: child.pid }));
  });
}

describe("ci.yml's selftest job, step by step", () => {
  it('asks for what it needs and nothing more: actions: read for the artifacts, no secret', async () => {
    expect(job.permissions).toEqual({ contents: 'read', actions: 'read' });
    expect(JSON.stringify(job)).not.toContain('secrets.');
    expect(job.strategy.matrix.store).toEqual(['gcs', 's3']);
  });

  it.each(job.strategy.matrix.store)('%s: list → check → reprocess (dry run, then for real) → verify: every unprocessed crash once, verified', async (store) => {
    const runId = store === 'gcs' ? '7001' : '7002';
    const dir = await mkdtemp(join(work, `${store}-`));
    const githubEnv = join(dir, 'github_env');
    await writeFile(githubEnv, '');
    const jobEnv: Record<string, string> = {};
    const steps: Record<string, { outputs: Record<string, string> }> = {};
    const groups: number[] = [];
    const githubToken = backend.restTokenFor({ actions: 'read' });
    const base = {
      PATH: `${BIN}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? dir,
      RUNNER_TEMP: dir,
      GITHUB_ENV: githubEnv,
      GITHUB_REPOSITORY: backend.repository,
      GITHUB_RUN_ID: runId,
      ...backend.envFor(runId, `selftest-${store}`, { attempt: 1 }),
    };
    const values = () => ({ matrix: { store }, env: jobEnv, steps, github: { token: githubToken, repository: backend.repository }, runner: { temp: dir } });
    try {
      for (const [i, step] of job.steps.entries()) {
        const label = step.name ?? step.id ?? step.uses ?? step.run ?? String(i);
        if (step.uses?.startsWith('actions/checkout@') || step.uses?.startsWith('actions/setup-node@') || step.run === 'npm ci') continue;
        const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(v, values())]));
        if (step.run) {
          const r = await exec('bash', ['-e', '-c', step.run], { ...base, ...jobEnv, ...stepEnv }, ROOT);
          if (r.pgid) groups.push(r.pgid);
          expect(r.code, `${label}:\n${r.out}`).toBe(0);
        } else {
          expect(step.uses, label).toBe('./');
          const outputFile = join(dir, `output-${i}`);
          const summaryFile = join(dir, `summary-${i}`);
          await Promise.all([writeFile(outputFile, ''), writeFile(summaryFile, '')]);
          const inputs: Record<string, string> = {};
          for (const [name, def] of Object.entries(action.inputs)) {
            const given = step.with?.[name];
            const value = given !== undefined ? interpolate(given, values()) : def.default !== undefined ? interpolate(def.default, values()) : undefined;
            if (value !== undefined) inputs[`INPUT_${name.toUpperCase()}`] = value;
          }
          for (const name of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs), `${label}: ${name}`).toContain(name);
          const r = await exec(join(BIN, 'node'), [join(ROOT, 'dist/index.js')], { ...base, ...jobEnv, ...inputs, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile }, dir);
          expect(r.code, `${label}:\n${r.out}`).toBe(0);
          // Secrets the job has none of; the API stub's token is masked all the same.
          if (inputs.INPUT_API_TOKEN) expect(r.out.split('\n').filter((l) => l.includes(inputs.INPUT_API_TOKEN) && !l.startsWith('::add-mask::'))).toEqual([]);
          if (step.id) steps[step.id] = { outputs: parseFileCommands(await readFile(outputFile, 'utf8')) };
          // Mode reprocess (plan and submit in one job) and the rest: each summary renders as GitHub renders it.
          expect(summaryProblems(await readFile(summaryFile, 'utf8'), [dir]), `${label}: its summary`).toEqual([]);
        }
        Object.assign(jobEnv, parseFileCommands(await readFile(githubEnv, 'utf8')));
      }
      // The last step compared the numbers with `test`; here they are seen to be real.
      const unprocessed = jobEnv.UNPROCESSED;
      expect(Number(unprocessed)).toBeGreaterThan(50);
      expect(steps.reprocess.outputs.submitted).toBe(unprocessed);
      expect(steps.verify.outputs.verified).toBe(unprocessed);
      const names = backend.artifacts(runId).map((a) => a.name);
      expect(names.every((n) => n.startsWith(`selftest-${store}-`))).toBe(true);
      expect(names).toEqual(expect.arrayContaining([`selftest-${store}-havenots`, `selftest-${store}-havenots.2`, `selftest-${store}-reprocessed-1`, `selftest-${store}-verified`]));
    } finally {
      for (const g of groups) {
        try {
          process.kill(-g, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    }
  }, 180_000);
});
