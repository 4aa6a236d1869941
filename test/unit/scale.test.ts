/**
 * docs/scale.md as assertions: a day and a month planned the way the action's list job plans
 * them (no store needed), checked against GitHub's documented limits and the workflow's own
 * settings. Every assertion is about what the product computes or is configured with; the
 * arithmetic of the day itself is in docs/scale.md. No timing is measured here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MATRIX_JOB_LIMIT } from '../../src/action/pipeline.ts';
import { DEFAULT_CHUNK_SIZE, planChunks as plan0, type ChunkPlan } from '../../src/core/chunks.ts';

/** The chunks the action's list job makes: the matrix limit is the action's. */
const planChunks = (total: number, size: number) => plan0(total, size, MATRIX_JOB_LIMIT);

// GitHub Actions limits (docs.github.com, "Actions limits" and "Passing information between jobs").
const MATRIX_MAX_JOBS = 256;
const JOB_OUTPUTS_MAX_BYTES = 1024 * 1024; // per job, sized as UTF-16
const ARTIFACTS_PER_JOB_MAX = 500; // actions/upload-artifact v4, @actions/artifact
const HOSTED_JOB_MAX_MINUTES = 6 * 60;
// S3: 5,500 GET/HEAD per second per partitioned prefix; every check job HEADs v1/processed_crash/.
const S3_HEAD_PER_SECOND = 5500;

const DAY = 373_495; // the contract's example day
const MONTH = 11_000_000; // ~30 such days
const BIG_MONTH = 31 * DAY; // 11,578,345: the largest month at that daily volume

const workflow = parse(readFileSync(join(import.meta.dirname, '../../.github/workflows/reprocess.yml'), 'utf8')) as {
  on: { workflow_dispatch: { inputs: Record<string, { default?: unknown }> } };
  jobs: Record<string, { 'timeout-minutes'?: number; strategy?: { 'max-parallel'?: unknown } }>;
};
const inputs = workflow.on.workflow_dispatch.inputs;
const defaultChunkSize = Number(inputs['chunk-size'].default);
// 0 (the dispatch default) means the variable SOCORRO_MAX_PARALLEL, else the workflow's fallback.
const maxParallelFallback = Number(/SOCORRO_MAX_PARALLEL \|\| '(\d+)'/.exec(String(workflow.jobs.check.strategy?.['max-parallel']))?.[1]);
const defaultMaxParallel = Number(inputs['max-parallel'].default) || maxParallelFallback;
const checkTimeoutMinutes = workflow.jobs.check['timeout-minutes'] ?? HOSTED_JOB_MAX_MINUTES;

/** The list job's `chunks` output as the action writes it (core.setOutput JSON-encodes arrays). */
const chunksOutput = (plan: ChunkPlan) => JSON.stringify(plan.chunks.map((c) => c.index));
/** Output size as GitHub counts it: UTF-16, two bytes a character. */
const utf16Bytes = (s: string) => s.length * 2;

/**
 * Seconds one check job spends on HEADs when `parallel` jobs share S3's per-prefix rate (the
 * tool's AIMD pool settles at its share; its own ceiling is well above it, see bench row 1).
 */
const jobSeconds = (chunk: number, parallel: number) => chunk / (S3_HEAD_PER_SECOND / parallel);

/** Sanity of a plan: contiguous, complete, within the matrix limit. */
function expectValid(plan: ChunkPlan, total: number) {
  expect(plan.chunks.length).toBeLessThanOrEqual(MATRIX_MAX_JOBS);
  let next = 0;
  for (const [i, c] of plan.chunks.entries()) {
    expect(c.index).toBe(i);
    expect(c.start).toBe(next);
    expect(c.end - c.start).toBeLessThanOrEqual(plan.chunkSize);
    next = c.end;
  }
  expect(next).toBe(total);
}

describe('scale: the workflow defaults are the ones planned for', () => {
  it("the dispatch's chunk size is the tool's default, and the action's chunk limit is GitHub's matrix limit", () => {
    expect(defaultChunkSize).toBe(DEFAULT_CHUNK_SIZE);
    expect(MATRIX_JOB_LIMIT).toBe(MATRIX_MAX_JOBS);
  });
});

describe('scale: a day of 373,495 ids', () => {
  const plan = planChunks(DAY, defaultChunkSize);

  it('is 8 check jobs, all running at once', () => {
    expectValid(plan, DAY);
    expect(plan.chunks).toHaveLength(8);
    expect(plan.chunks.length).toBeLessThanOrEqual(defaultMaxParallel);
  });

  it("gives a full chunk, sharing S3's rate 8 ways, a small part of the check job's timeout", () => {
    expect(jobSeconds(plan.chunkSize, plan.chunks.length)).toBeLessThan((checkTimeoutMinutes * 60) / 10);
  });
});

describe('scale: a month of ~11 M ids, in one dispatch', () => {
  for (const total of [MONTH, BIG_MONTH]) {
    describe(`${total} ids`, () => {
      const plan = planChunks(total, defaultChunkSize);

      it('keeps the default chunk size and stays within 256 matrix jobs', () => {
        expectValid(plan, total);
        expect(plan.requested).toBeUndefined();
        expect(plan.chunkSize).toBe(50_000);
        expect(plan.chunks).toHaveLength(Math.ceil(total / 50_000)); // 220 and 232
      });

      it("keeps the list job's outputs far below 1 MB", () => {
        const out = chunksOutput(plan);
        expect(JSON.parse(out)).toEqual(plan.chunks.map((_, i) => i));
        expect(utf16Bytes(out) + utf16Bytes(String(total))).toBeLessThan(4 * 1024);
        expect(utf16Bytes(out)).toBeLessThan(JOB_OUTPUTS_MAX_BYTES / 100);
      });

      it('uploads at most 500 artifacts from any one job', () => {
        // list: uuids + chunk-{k} per chunk; check: result-{k}; reprocess: reprocessed-{attempt}.
        const listArtifacts = 1 + plan.chunks.length;
        expect(listArtifacts).toBeLessThanOrEqual(ARTIFACTS_PER_JOB_MAX);
      });

      it("gives every check job a small part of its timeout at S3's rate with max-parallel jobs sharing it", () => {
        const perJob = jobSeconds(plan.chunkSize, Math.min(defaultMaxParallel, plan.chunks.length));
        expect(perJob).toBeLessThan((checkTimeoutMinutes * 60) / 10);
      });
    });
  }

  it('raises a small chunk size so the month still fits in 256 jobs, and each job still fits its timeout', () => {
    const plan = planChunks(MONTH, 10_000);
    expectValid(plan, MONTH);
    expect(plan.requested).toBe(10_000);
    expect(plan.chunkSize).toBe(Math.ceil(MONTH / MATRIX_MAX_JOBS)); // 42,969
    expect(plan.chunks).toHaveLength(MATRIX_MAX_JOBS);
    expect(utf16Bytes(chunksOutput(plan))).toBeLessThan(4 * 1024);
    expect(1 + plan.chunks.length).toBeLessThanOrEqual(ARTIFACTS_PER_JOB_MAX);
    // Even with all 256 jobs sharing S3's rate at once, one job needs 2,000 s < 120 min.
    expect(jobSeconds(plan.chunkSize, MATRIX_MAX_JOBS)).toBeLessThan(checkTimeoutMinutes * 60);
  });
});
