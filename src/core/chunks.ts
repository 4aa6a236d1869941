import { UsageError } from './errors.ts';

/** GitHub runs at most 256 jobs from one matrix. */
export const MAX_CHUNKS = 256;
export const DEFAULT_CHUNK_SIZE = 50_000;

export interface Chunk {
  index: number;
  /** First line of uuids.txt in the chunk (0-based). */
  start: number;
  /** One past the last line. */
  end: number;
  /** `chunks/uuids-{start}-{end}.txt`, relative to the output folder. */
  file: string;
}

export interface ChunkPlan {
  chunkSize: number;
  /** The size asked for, when it had to be raised to stay within MAX_CHUNKS. */
  requested?: number;
  chunks: Chunk[];
}

export function parseChunkSize(s: string | number | undefined): number {
  if (s === undefined || s === '') return DEFAULT_CHUNK_SIZE;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 100_000_000) {
    throw new UsageError(`--chunk-size: ${s} is not a whole number from 1 to 100000000`);
  }
  return n;
}

export function chunkFile(start: number, end: number): string {
  return `chunks/uuids-${start}-${end}.txt`;
}

/** Splits `total` ids into chunks, raising the size when there would be more than 256. */
export function planChunks(total: number, chunkSize = DEFAULT_CHUNK_SIZE): ChunkPlan {
  let size = chunkSize;
  let requested: number | undefined;
  if (Math.ceil(total / size) > MAX_CHUNKS) {
    requested = size;
    size = Math.ceil(total / MAX_CHUNKS);
  }
  const chunks: Chunk[] = [];
  for (let start = 0, index = 0; start < total; start += size, index++) {
    const end = Math.min(start + size, total);
    chunks.push({ index, start, end, file: chunkFile(start, end) });
  }
  return { chunkSize: size, requested, chunks };
}
