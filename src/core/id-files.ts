import { createReadStream } from 'node:fs';
import { open, rename, stat, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { isCrashId } from './crash-id.ts';
import { UsageError } from './errors.ts';
import { IdSet } from './id-set.ts';

export interface ReadOptions {
  /** Drop lines that are not crash ids instead of refusing the file. */
  skipInvalid?: boolean;
  /** Accept a file with no ids at all (a havenots.txt after a clean day). */
  allowEmpty?: boolean;
}

export interface ReadResult {
  ids: IdSet;
  lines: number;
  duplicates: number;
  invalid: number;
}

/**
 * Reads crash-id files (CRLF, blanks, surrounding spaces and duplicates tolerated) into one
 * IdSet. Every file is read before anything is sent, so a bad line refuses the whole run.
 */
export async function readIdFiles(paths: string[], opts: ReadOptions = {}, into = new IdSet()): Promise<ReadResult> {
  const res: ReadResult = { ids: into, lines: 0, duplicates: 0, invalid: 0 };
  for (const path of paths) {
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new UsageError(`${path}: not a file`);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${path}: no such file`);
    }
    const before = res.ids.size + res.duplicates;
    let lineNo = 0;
    const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const raw of rl) {
      lineNo++;
      const line = raw.trim();
      if (line === '') continue;
      res.lines++;
      if (!isCrashId(line)) {
        if (opts.skipInvalid) {
          res.invalid++;
          continue;
        }
        rl.close();
        const shown = line.length > 60 ? line.slice(0, 57) + '...' : line;
        throw new UsageError(`${path}:${lineNo}: "${shown}" is not a crash id (use --skip-invalid to drop such lines)`);
      }
      if (!res.ids.add(line)) res.duplicates++;
    }
    if (!opts.allowEmpty && res.ids.size + res.duplicates === before) {
      throw new UsageError(`${path}: no crash ids in the file`);
    }
  }
  return res;
}

/** Writes a whole file atomically (temp file, then rename): readers never see half of it. */
export async function writeIdsAtomic(path: string, ids: Iterable<string>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    let buf: string[] = [];
    for (const id of ids) {
      buf.push(id);
      if (buf.length >= 8192) {
        await fh.write(buf.join('\n') + '\n');
        buf = [];
      }
    }
    if (buf.length) await fh.write(buf.join('\n') + '\n');
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}
