import { open, stat, type FileHandle } from 'node:fs/promises';
import { isCrashId } from './crash-id.ts';
import { scanIdLines } from './id-files.ts';
import { IdSet } from './id-set.ts';

/**
 * An append-once id file: haves.txt, havenots.txt, reprocessed.txt (the ledger), rejected.txt.
 * The one place those files are written. Each append is a single write of whole lines, and a
 * torn last line (a kill mid-write) is cut off when the file is opened, so a rerun sees only
 * complete ids and never writes one twice.
 */
export class AppendOnceFile {
  readonly path: string;
  readonly ids: IdSet;
  private fh: FileHandle | undefined;
  /** Lines in the existing file that were not crash ids (kept, never rewritten). */
  readonly foreignLines: number;

  private constructor(path: string, ids: IdSet, foreignLines: number) {
    this.path = path;
    this.ids = ids;
    this.foreignLines = foreignLines;
  }

  /**
   * Loads the file if it exists. Nothing is created until the first append (or `touch`), so a
   * run refused for bad input leaves no file behind.
   */
  static async open(path: string): Promise<AppendOnceFile> {
    const ids = new IdSet();
    let foreign = 0;
    let exists = true;
    try {
      await repairTornTail(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      exists = false;
    }
    if (exists) {
      ids.reserve(Math.ceil((await stat(path)).size / 37));
      await scanIdLines(path, {
        id: (buf, off) => void ids.addBytes(buf, off),
        other(line) {
          if (isCrashId(line)) ids.add(line);
          else foreign++;
        },
      });
    }
    return new AppendOnceFile(path, ids, foreign);
  }

  /** Creates the file if it is missing (an empty havenots.txt says "none", a missing one says "not run"). */
  async touch(): Promise<void> {
    this.fh ??= await open(this.path, 'a');
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Appends the ids not yet in the file, in one write; returns how many were new. */
  async append(ids: Iterable<string>, sync = false): Promise<number> {
    const fresh: string[] = [];
    for (const id of ids) if (this.ids.add(id)) fresh.push(id);
    if (fresh.length === 0) return 0;
    this.fh ??= await open(this.path, 'a');
    await this.fh.write(fresh.join('\n') + '\n');
    if (sync) await this.fh.datasync();
    return fresh.length;
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}

/** Cuts anything after the last newline: a torn line from a writer that was killed. */
async function repairTornTail(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const { size } = await fh.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await fh.read(last, 0, 1, size - 1);
    if (last[0] !== 0x0a) await fh.truncate(await lastNewlineBefore(fh, size));
  } finally {
    await fh.close();
  }
}

async function lastNewlineBefore(fh: FileHandle, size: number): Promise<number> {
  const step = 65536;
  for (let end = size; end > 0; end -= step) {
    const start = Math.max(0, end - step);
    const buf = Buffer.alloc(end - start);
    await fh.read(buf, 0, buf.length, start);
    const nl = buf.lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
  }
  return 0;
}
