// What the workflow suites (workflow, workflow-attempts, workflow-gcs) read off a run the same way.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { RESULT_MARKER } from '../support/artifact-job.ts';
import type { ArtifactBackend } from '../support/results-service.ts';
import { summaryProblems } from '../support/summary-html.ts';
import { describe as explain, summariesWritten, type JobGroup, type JobRun, type StepRun, type WrittenSummary } from './runner.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

/** Where reprocess.yml checks the action out in every job. */
export const ACTION = './.socorro-reprocess';

/** The data rows of the first HTML table of a job summary, as header → cell. */
export function summaryRows(summary: string): Array<Record<string, string>> {
  const table = /<table>([\s\S]*?)<\/table>/.exec(summary)?.[1];
  if (!table) throw new Error(`no table in the summary:\n${summary}`);
  const rows = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<t[hd]>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]));
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
}

/** The job group, asserted to have succeeded (the message says what its steps did). */
export function ok(group: JobGroup | undefined): JobGroup {
  expect(group?.result, explain(group)).toBe('success');
  return group!;
}

/** The one action step of a job run that ran. */
export function actionStep(r: JobRun): StepRun {
  const steps = r.steps.filter((s) => s.uses === ACTION && s.outcome !== 'skipped');
  expect(steps, `${r.job}: ${explain({ job: r.job, result: r.result, outputs: {}, runs: [r] })}`).toHaveLength(1);
  return steps[0];
}

/** Downloads one artifact of the run through the artifact port, as a job of that run would; returns its folder. */
export async function fetchArtifact(backend: ArtifactBackend, work: string, runId: string, name: string): Promise<string> {
  const dest = await mkdtemp(join(work, `fetch-${name}-`));
  const { stdout } = await exec(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'test/support/artifact-job.ts'), 'fetch', name, dest], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dest, ...backend.envFor(runId, `test-fetch-${name}`) },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
  if (!line) throw new Error(`artifact-job printed no result:\n${stdout}`);
  return (JSON.parse(line.slice(RESULT_MARKER.length)) as { downloadPath: string }).downloadPath;
}

/** Where the suites keep every summary they rendered, for people to look at (and scripts/render-summary.ts). */
export const SUMMARIES_DIR = join(ROOT, '.tmp/summaries');

function summaryName(w: WrittenSummary): string {
  const leg = w.matrix ? `-${Object.values(w.matrix).map(String).join('-')}` : '';
  return `${w.runId}-${w.job}${leg}-attempt${w.attempt}-step${w.step}.md`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Every summary the runs of this file wrote since the last call, rendered as GitHub renders it
 * (GFM with HTML): nothing literal that should have rendered, tables that are tables, no path of
 * the runner's. Each is kept under .tmp/summaries/{test file}/. Called after each test.
 */
export async function expectEverySummaryRenders(): Promise<void> {
  const written = summariesWritten.splice(0);
  const dir = join(SUMMARIES_DIR, basename(expect.getState().testPath ?? 'e2e').replace(/\.test\.ts$/, ''));
  await mkdir(dir, { recursive: true });
  const problems: string[] = [];
  for (const w of written) {
    await writeFile(join(dir, summaryName(w)), w.summary);
    for (const p of summaryProblems(w.summary, w.roots)) problems.push(`${w.runId} ${w.job} attempt ${w.attempt} step ${w.step}: ${p}`);
  }
  expect(problems, `summaries that do not render as intended (kept in ${dir})`).toEqual([]);
}

/** Keeps `summary` as the run's final summary for the Chromium rendering (scripts/render-summary.ts). */
export async function keepFinalSummary(summary: string): Promise<void> {
  await mkdir(SUMMARIES_DIR, { recursive: true });
  await writeFile(join(SUMMARIES_DIR, 'final.md'), summary);
}
