import { createHash } from 'node:crypto';
import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { CRASH_ID_LENGTH } from './crash-id.ts';
import { UsageError } from './errors.ts';
import type { IdSet, PackedIdList } from './id-set.ts';

/**
 * The saved times of an id file that `list` wrote: a sidecar of the same stem
 * (`chunks/uuids-0-50000.txt` → `chunks/uuids-0-50000.saved-times`), so check takes a havenot's
 * hour from the listing instead of asking the store for it (one request an id), while the id
 * file itself stays one crash id a line for the scripts that read it.
 *
 * Layout: a fixed header, then one little-endian uint32 a line of the id file, in its order: the
 * second (since the epoch, UTC) the raw crash was saved, 0 when the listing did not say. Four
 * bytes an id: a month of 11 M ids is 44 MB beside 407 MB of ids. The header holds the number of
 * ids and the SHA-256 of the id file's bytes: a sidecar whose id file was edited since (or that
 * sits beside another file of the same name) does not match it, and is not used.
 */
export const SAVED_TIMES_EXT = '.saved-times';

const MAGIC = Buffer.from('socorro-reprocess saved-times 1\n', 'latin1'); // 32 bytes
const HEADER_SIZE = MAGIC.length + 4 + 32;
const BATCH = 8192;
/** A line of an id file list wrote: the id and its newline. */
const LINE = CRASH_ID_LENGTH + 1;

/** In a SavedTimes array: an id no sidecar covers (its hour may be looked up). */
export const NOT_COVERED = 0xffffffff;

/** The sidecar of an id file. */
export function savedTimesFile(idFile: string): string {
  return (idFile.endsWith('.txt') ? idFile.slice(0, -4) : idFile) + SAVED_TIMES_EXT;
}

/**
 * The id files among `paths`: a sidecar named beside its own id file (`check chunks/*`) is left
 * out, as it is read with that file; a sidecar named alone is a usage error.
 */
export function idFilesOf(paths: string[]): string[] {
  const named = new Set(paths);
  return paths.filter((p) => {
    if (!p.endsWith(SAVED_TIMES_EXT)) return true;
    const idFile = p.slice(0, -SAVED_TIMES_EXT.length) + '.txt';
    if (named.has(idFile)) return false;
    throw new UsageError(`${p}: the saved times of ${idFile}, not an id file; give ${idFile}`);
  });
}

/**
 * Writes `list`'s ids `start`..`end` as an id file (one id a line), and their saved times as its
 * sidecar; both atomically (temp file, then rename), the id file last.
 */
export async function writeIdsWithSavedTimes(path: string, list: PackedIdList, start = 0, end = list.size): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const side = savedTimesFile(path);
  const sideTmp = `${side}.tmp-${process.pid}`;
  const hash = createHash('sha256');
  const fh = await open(tmp, 'w');
  const sh = await open(sideTmp, 'w');
  try {
    // The header's count and digest are known at the end: room for it first, filled in last.
    await sh.write(Buffer.alloc(HEADER_SIZE), 0, HEADER_SIZE, 0);
    let pos = HEADER_SIZE;
    const times = Buffer.allocUnsafe(BATCH * 4);
    for (let i = start; i < end; i += BATCH) {
      const stop = Math.min(i + BATCH, end);
      const lines: string[] = [];
      for (let j = i; j < stop; j++) {
        lines.push(list.at(j));
        times.writeUInt32LE(list.savedSecond(j), (j - i) * 4);
      }
      const text = Buffer.from(lines.join('\n') + '\n', 'latin1');
      hash.update(text);
      for (let off = 0; off < text.length; ) off += (await fh.write(text, off, text.length - off)).bytesWritten;
      const bytes = (stop - i) * 4;
      for (let off = 0; off < bytes; ) {
        const { bytesWritten } = await sh.write(times, off, bytes - off, pos);
        off += bytesWritten;
        pos += bytesWritten;
      }
    }
    const header = Buffer.alloc(HEADER_SIZE);
    MAGIC.copy(header, 0);
    header.writeUInt32LE(end - start, MAGIC.length);
    hash.digest().copy(header, MAGIC.length + 4);
    await sh.write(header, 0, HEADER_SIZE, 0);
  } finally {
    await fh.close();
    await sh.close();
  }
  await rename(sideTmp, side);
  await rename(tmp, path);
}

/**
 * What the sidecars of some id files say about the ids of one IdSet: `times[i]` for its `i`-th
 * id, in seconds (0: the listing gave no time), or NOT_COVERED. `covered` ids have an entry.
 */
export interface SavedTimes {
  times: Uint32Array;
  covered: number;
}

export interface SavedTimesRead {
  /** Undefined when no input file has a sidecar that matches it. */
  saved: SavedTimes | undefined;
  /** Sidecars that were there but did not match their id file (edited since list wrote it). */
  stale: string[];
}

/** The header of a sidecar: its id count and digest; undefined when it is not one (or is cut). */
async function readHeader(path: string): Promise<{ count: number; digest: Buffer; size: number } | undefined> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size < HEADER_SIZE) return undefined;
    const header = Buffer.alloc(HEADER_SIZE);
    await fh.read(header, 0, HEADER_SIZE, 0);
    if (!header.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const count = header.readUInt32LE(MAGIC.length);
    if (size !== HEADER_SIZE + count * 4) return undefined;
    return { count, digest: header.subarray(MAGIC.length + 4), size };
  } finally {
    await fh.close();
  }
}

/**
 * Reads the sidecar beside each of `files` (if any) into times for `ids`, the set those files
 * were read into. A sidecar counts only when its digest is that of its id file, which is then
 * exactly what list wrote: `count` lines of one id and a newline, the n-th line's time the n-th.
 */
export async function readSavedTimes(files: string[], ids: IdSet): Promise<SavedTimesRead> {
  let saved: SavedTimes | undefined;
  const stale: string[] = [];
  for (const file of files) {
    const side = savedTimesFile(file);
    if (side === file || !(await stat(side).then((st) => st.isFile(), () => false))) continue;
    const header = await readHeader(side);
    const size = (await stat(file)).size;
    if (!header || size !== header.count * LINE) {
      stale.push(side);
      continue;
    }
    // One pass over the id file: its digest, and where each line's time goes. The times are
    // taken only when the digest is the one list wrote (until then a line may not be an id).
    const hash = createHash('sha256');
    const at = new Int32Array(header.count);
    const secs = new Uint32Array(header.count);
    const idf = await open(file, 'r');
    const sf = await open(side, 'r');
    try {
      const idBuf = Buffer.allocUnsafe(BATCH * LINE);
      const tBuf = Buffer.allocUnsafe(BATCH * 4);
      for (let n = 0; n < header.count; n += BATCH) {
        const k = Math.min(BATCH, header.count - n);
        await readFully(idf, idBuf, k * LINE, n * LINE);
        await readFully(sf, tBuf, k * 4, HEADER_SIZE + n * 4);
        hash.update(idBuf.subarray(0, k * LINE));
        for (let j = 0; j < k; j++) {
          at[n + j] = ids.indexOfBytes(idBuf, j * LINE);
          secs[n + j] = tBuf.readUInt32LE(j * 4);
        }
      }
    } finally {
      await idf.close();
      await sf.close();
    }
    if (!hash.digest().equals(header.digest)) {
      stale.push(side);
      continue;
    }
    saved ??= { times: new Uint32Array(ids.size).fill(NOT_COVERED), covered: 0 };
    for (let j = 0; j < header.count; j++) {
      const i = at[j];
      if (i < 0 || saved.times[i] !== NOT_COVERED) continue;
      saved.times[i] = secs[j];
      saved.covered++;
    }
  }
  return { saved, stale };
}

async function readFully(fh: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  for (let off = 0; off < length; ) {
    const { bytesRead } = await fh.read(buf, off, length - off, position + off);
    if (bytesRead === 0) throw new Error('the file was cut while it was read');
    off += bytesRead;
  }
}
