import { open, rename, stat, type FileHandle } from 'node:fs/promises';
import { CRASH_ID_LENGTH, isCrashId, isCrashIdAt } from './crash-id.ts';
import { UsageError } from './errors.ts';
import { IdSet } from './id-set.ts';

export interface ReadOptions {
  /** Drop lines that are not crash ids instead of refusing the file. */
  skipInvalid?: boolean;
  /** Accept a file with no ids at all (a havenots.txt after a clean day). */
  allowEmpty?: boolean;
  /** How the caller's adapter spells skipInvalid, for the error's hint; none when it has no such option. */
  skipInvalidOption?: string;
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
export async function readIdFiles(paths: string[], opts: ReadOptions = {}, into?: IdSet): Promise<ReadResult> {
  let bytes = 0;
  for (const path of paths) {
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new UsageError(`${path}: not a file`);
      bytes += st.size;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${path}: no such file`);
    }
  }
  // Sized from the files (37 bytes a line), so a million ids are not regrown and copied on the way.
  const expected = Math.ceil(bytes / (CRASH_ID_LENGTH + 1));
  const ids = into ?? new IdSet(expected);
  if (into) into.reserve(into.size + expected);
  const res: ReadResult = { ids, lines: 0, duplicates: 0, invalid: 0 };
  for (const path of paths) {
    const before = res.ids.size + res.duplicates;
    await scanIdLines(path, {
      id(buf, off) {
        res.lines++;
        if (!res.ids.addBytes(buf, off)) res.duplicates++;
      },
      other(line, lineNo) {
        res.lines++;
        if (isCrashId(line)) {
          if (!res.ids.add(line)) res.duplicates++;
          return;
        }
        if (opts.skipInvalid) {
          res.invalid++;
          return;
        }
        const shown = line.length > 60 ? line.slice(0, 57) + '...' : line;
        const hint = opts.skipInvalidOption ? ` (use ${opts.skipInvalidOption} to drop such lines)` : '';
        throw new UsageError(`${path}:${lineNo}: "${shown}" is not a crash id${hint}`);
      },
    });
    if (!opts.allowEmpty && res.ids.size + res.duplicates === before) {
      throw new UsageError(`${path}: no crash ids in the file`);
    }
  }
  return res;
}

export interface LineSink {
  /** A line that is a crash id once trimmed: its 36 bytes at `buf[off]`, valid only during the call. */
  id(buf: Uint8Array, off: number): void;
  /** Any other non-blank line, trimmed (String.prototype.trim), with its 1-based line number. */
  other(line: string, lineNo: number): void;
}

const READ_SIZE = 1 << 20;
const isAsciiSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c;

/**
 * Reads a file line by line as readline does (`\n`, `\r\n` and a lone `\r` end a line; blank lines
 * are skipped but counted), without a string per line: a crash id (the usual line) goes from
 * the read buffer straight to `sink.id`. Anything else is decoded, trimmed like a string and
 * handed to `sink.other`, so odd lines (other whitespace, a byte order mark) behave exactly as
 * before. A throw from the sink stops the read.
 */
export async function scanIdLines(path: string, sink: LineSink, readSize = READ_SIZE): Promise<void> {
  const fh = await open(path, 'r');
  let buf = Buffer.allocUnsafe(readSize);
  let end = 0;
  let lineNo = 0;
  // One line, [s, e) without its `\n`; it may hold lone `\r`s (more lines) and end with the `\r` of a CRLF.
  const line = (s: number, e: number): void => {
    let a = s;
    let b = e;
    if (b > a && buf[b - 1] === 0x0d) b--;
    while (a < b && isAsciiSpace(buf[a])) a++;
    while (b > a && isAsciiSpace(buf[b - 1])) b--;
    if (b - a === CRASH_ID_LENGTH && isCrashIdAt(buf, a)) {
      lineNo++;
      sink.id(buf, a);
      return;
    }
    if (a === b) {
      lineNo++;
      return;
    }
    // The slow path: decode, split on lone CRs (a CR just before the LF is part of the break).
    const pieces = buf.toString('utf8', s, e).split('\r');
    if (buf[e - 1] === 0x0d) pieces.pop();
    for (const raw of pieces) {
      lineNo++;
      const t = raw.trim();
      if (t !== '') sink.other(t, lineNo);
    }
  };
  try {
    for (;;) {
      if (end === buf.length) {
        // A line longer than the buffer: make room for the rest of it.
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, end);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, end, buf.length - end, null);
      const eof = bytesRead === 0;
      end += bytesRead;
      let s = 0;
      for (;;) {
        const nl = buf.indexOf(0x0a, s);
        if (nl < 0 || nl >= end) break;
        line(s, nl);
        s = nl + 1;
      }
      if (eof) {
        if (s < end) line(s, end);
        return;
      }
      // Keep the unfinished line; a CR at the very end may yet be the first half of a CRLF.
      buf.copy(buf, 0, s, end);
      end -= s;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Writes all of `text`: a write may be short (a file size limit, a nearly full disk), and one
 * that is not repeated would leave the file cut without an error.
 */
export async function writeAll(fh: FileHandle, text: string): Promise<void> {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
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
        await writeAll(fh, buf.join('\n') + '\n');
        buf = [];
      }
    }
    if (buf.length) await writeAll(fh, buf.join('\n') + '\n');
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** Writes a small text file atomically (temp file, then rename). */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await writeAll(fh, text);
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}
