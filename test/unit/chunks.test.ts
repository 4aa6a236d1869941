import { describe, expect, it } from 'vitest';
import { DEFAULT_CHUNK_SIZE, chunkFile, planChunks } from '../../src/core/chunks.ts';

/** The plan covers 0..total exactly, in order, with contiguous chunks. */
function expectCovers(plan: ReturnType<typeof planChunks>, total: number) {
  let next = 0;
  plan.chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(c.start).toBe(next);
    expect(c.end).toBeGreaterThan(c.start);
    expect(c.end - c.start).toBeLessThanOrEqual(plan.chunkSize);
    expect(c.file).toBe(`chunks/uuids-${c.start}-${c.end}.txt`);
    next = c.end;
  });
  expect(next).toBe(total);
}

describe('planChunks', () => {
  it('names files chunks/uuids-{start}-{end}.txt with end exclusive, the last one short', () => {
    const plan = planChunks(373_495);
    expect(plan.chunkSize).toBe(DEFAULT_CHUNK_SIZE);
    expect(plan.requested).toBeUndefined();
    expect(plan.chunks.map((c) => c.file)).toEqual([
      'chunks/uuids-0-50000.txt',
      'chunks/uuids-50000-100000.txt',
      'chunks/uuids-100000-150000.txt',
      'chunks/uuids-150000-200000.txt',
      'chunks/uuids-200000-250000.txt',
      'chunks/uuids-250000-300000.txt',
      'chunks/uuids-300000-350000.txt',
      'chunks/uuids-350000-373495.txt', // the contract's own example
    ]);
    expectCovers(plan, 373_495);
  });

  it('makes one chunk for fewer ids than the size, and none for zero', () => {
    expect(planChunks(7, 10).chunks).toEqual([{ index: 0, start: 0, end: 7, file: 'chunks/uuids-0-7.txt' }]);
    expect(planChunks(0, 10).chunks).toEqual([]);
  });

  it('does not make an empty last chunk when the total is a multiple of the size', () => {
    const plan = planChunks(30, 10);
    expect(plan.chunks.map((c) => c.file)).toEqual(['chunks/uuids-0-10.txt', 'chunks/uuids-10-20.txt', 'chunks/uuids-20-30.txt']);
  });

  it('keeps exactly the limit when that is what the size gives', () => {
    const plan = planChunks(256 * 10, 10, 256);
    expect(plan.chunks).toHaveLength(256);
    expect(plan.requested).toBeUndefined();
  });

  it('without a limit, keeps the size however many chunks it makes', () => {
    const plan = planChunks(1000, 1);
    expect(plan.chunks).toHaveLength(1000);
    expect(plan.chunkSize).toBe(1);
    expect(plan.requested).toBeUndefined();
    expectCovers(plan, 1000);
  });

  it.each([
    [2561, 10],
    [1_000_000, 1],
    [13_000_001, 50_000],
    [257, 1],
  ])('never makes more chunks than the limit (%i ids, size %i) and reports the raised size', (total, size) => {
    const plan = planChunks(total, size, 256);
    expect(plan.chunks.length).toBeLessThanOrEqual(256);
    expect(plan.requested).toBe(size);
    expect(plan.maxChunks).toBe(256);
    expect(plan.chunkSize).toBeGreaterThan(size);
    expectCovers(plan, total);
  });

  it('chunkFile names a chunk', () => {
    expect(chunkFile(0, 5)).toBe('chunks/uuids-0-5.txt');
  });
});
