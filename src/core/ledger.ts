import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { isCrashId } from './crash-id.ts';
import { scanIdLines, writeAll } from './id-files.ts';
import { IdSet } from './id-set.ts';

/**
 * An append-once id file: haves.txt, havenots.txt, reprocessed.txt (the ledger), rejected.txt.
 * The one place those files are written. Each append is a single write of whole lines, and a
 * torn last line (a kill mid-write) is cut off when the file is opened, so a rerun sees only
 * complete ids and never writes one twice.
 */
export class AppendOnceFile implements Appender {
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
    await writeAll(this.fh, fresh.join('\n') + '\n');
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

/** What BatchedAppender writes to: an append-once id file, or a log of lines. */
export interface Appender {
  /** Appends the items in one write; resolves when they are written. */
  append(items: string[]): Promise<unknown>;
  /** Creates the file if it is missing. */
  touch(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Why a crash is a havenot: its processed crash is not in storage, or it is but search (what
 * crash-stats users see) does not have it.
 */
export type HavenotReason = 'not-in-storage' | 'not-searchable';

export interface HavenotDetail {
  /** When its raw crash was saved, epoch ms; undefined when it could not be found out. */
  savedAt?: number;
  reason: HavenotReason;
}

/**
 * havenots.tsv, beside havenots.txt: a line for each havenot, `crash id<TAB>saved (ISO, or -)<TAB>
 * reason`, written before the id reaches havenots.txt, so every havenot has its line (the last
 * one counts when a rerun wrote one again). What the hour chart and havenots-hours.json are
 * made from, and a file a person can read.
 */
export class HavenotDetails implements Appender {
  readonly path: string;
  readonly entries = new Map<string, HavenotDetail>();
  private fh: FileHandle | undefined;

  private constructor(path: string) {
    this.path = path;
  }

  static async open(path: string): Promise<HavenotDetails> {
    const d = new HavenotDetails(path);
    let text: string;
    try {
      await repairTornTail(path);
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return d;
    }
    for (const line of text.split('\n')) {
      const [id, saved, reason] = line.split('\t');
      if (!id || !isCrashId(id) || (reason !== 'not-in-storage' && reason !== 'not-searchable')) continue;
      const t = saved && saved !== '-' ? Date.parse(saved) : NaN;
      d.entries.set(id, { savedAt: Number.isFinite(t) ? t : undefined, reason });
    }
    return d;
  }

  /** The line for a havenot; record it with `append`. */
  line(id: string, detail: HavenotDetail): string {
    this.entries.set(id, detail);
    return `${id}\t${detail.savedAt === undefined ? '-' : new Date(detail.savedAt).toISOString()}\t${detail.reason}`;
  }

  async append(lines: string[]): Promise<number> {
    if (lines.length === 0) return 0;
    this.fh ??= await open(this.path, 'a');
    await writeAll(this.fh, lines.join('\n') + '\n');
    return lines.length;
  }

  async touch(): Promise<void> {
    this.fh ??= await open(this.path, 'a');
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}

/**
 * Batches appends to several files: one write per file every `everyMs` or per
 * `maxPending` ids, never one per id, and never two at once. A failed write (disk full, EIO) is
 * not thrown from a timer, where it would crash the process: it is kept as `failure`, reported
 * once through `onFailure`, and no later write is tried, so what is on disk stays whole lines.
 */
export class BatchedAppender {
  private readonly files: Appender[];
  private pending: string[][];
  private pendingCount = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly maxPending: number;
  private readonly onFailure?: (err: Error) => void;
  private failed: Error | undefined;
  private closed = false;

  constructor(files: Appender[], opts: { everyMs?: number; maxPending?: number; onFailure?: (err: Error) => void } = {}) {
    this.files = files;
    this.pending = files.map(() => []);
    this.maxPending = opts.maxPending ?? 1000;
    this.onFailure = opts.onFailure;
    this.timer = setInterval(() => void this.flush(), opts.everyMs ?? 1000);
    this.timer.unref();
  }

  /** The first write that failed; nothing is written after it. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /** Queues `id` for file `file` (an index into the constructor's files). */
  add(file: number, id: string): void {
    if (this.closed) throw new Error('BatchedAppender: add after close');
    this.pending[file].push(id);
    if (++this.pendingCount >= this.maxPending) void this.flush();
  }

  /** Writes what is queued; resolves when it is on disk (or failed: see `failure`). Never rejects. */
  flush(): Promise<void> {
    const batches = this.pending;
    this.pending = this.files.map(() => []);
    this.pendingCount = 0;
    this.writing = this.writing.then(async () => {
      if (this.failed) return;
      try {
        for (const [i, ids] of batches.entries()) if (ids.length) await this.files[i].append(ids);
      } catch (err) {
        this.failed = err instanceof Error ? err : new Error(String(err));
        this.onFailure?.(this.failed);
      }
    });
    return this.writing;
  }

  /** Stops the timer, writes the rest, and closes the files. Returns the failure, if any. */
  async close(): Promise<Error | undefined> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    for (const f of this.files) {
      try {
        if (!this.failed) await f.touch();
        await f.close();
      } catch (err) {
        this.failed ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    return this.failed;
  }
}
