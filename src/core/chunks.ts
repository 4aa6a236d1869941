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
  /** The size asked for, when it had to be raised to stay within `maxChunks`. */
  requested?: number;
  /** The limit that raised it. */
  maxChunks?: number;
  chunks: Chunk[];
}

export function chunkFile(start: number, end: number): string {
  return `chunks/uuids-${start}-${end}.txt`;
}

/**
 * Splits `total` ids into chunks of `chunkSize`; with `maxChunks` (the caller's limit, e.g. the
 * jobs a matrix may have), the size is raised so that there are never more chunks than that.
 */
export function planChunks(total: number, chunkSize = DEFAULT_CHUNK_SIZE, maxChunks?: number): ChunkPlan {
  let size = chunkSize;
  let requested: number | undefined;
  if (maxChunks !== undefined && Math.ceil(total / size) > maxChunks) {
    requested = size;
    size = Math.ceil(total / maxChunks);
  }
  const chunks: Chunk[] = [];
  for (let start = 0, index = 0; start < total; start += size, index++) {
    const end = Math.min(start + size, total);
    chunks.push({ index, start, end, file: chunkFile(start, end) });
  }
  return requested === undefined ? { chunkSize: size, chunks } : { chunkSize: size, requested, maxChunks, chunks };
}
