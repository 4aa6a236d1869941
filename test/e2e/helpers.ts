// What the workflow suites (workflow, workflow-attempts, workflow-gcs) read off a run the same way.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { RESULT_MARKER } from '../support/artifact-job.ts';
import type { ArtifactBackend } from '../support/results-service.ts';
import { describe as explain, type JobGroup, type JobRun, type StepRun } from './runner.ts';

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
