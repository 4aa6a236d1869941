import { CRASH_ID_LENGTH, PACKED_SIZE, packCrashId, packCrashIdBytes, unpackCrashId } from './crash-id.ts';

/**
 * murmur3 (32-bit) over the 16 bytes of a packed id. Ids are only checked against the regex, so
 * they need not be uuid4-random: ids differing only in the middle must still spread over a table.
 */
export function hashPacked(buf: Uint8Array, off: number): number {
  let h = 0;
  for (let i = off; i < off + PACKED_SIZE; i += 4) {
    let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= PACKED_SIZE;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * A set of crash ids in insertion order, about 24 bytes an id instead of ~100 for a Set of
 * strings: a million-id havenots file plus its ledger fit in a few tens of MB.
 * Ids must be valid (see crash-id.ts); validation happens where files are read.
 */
export class IdSet {
  private keys: Uint8Array;
  private count = 0;
  private table: Uint32Array; // slot -> index+1, 0 = empty
  private mask: number;
  private readonly scratch = new Uint8Array(PACKED_SIZE);
  private readonly text = Buffer.alloc(CRASH_ID_LENGTH);

  constructor(expected = 1024) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.table = new Uint32Array(cap);
    this.mask = cap - 1;
    this.keys = new Uint8Array(Math.max(expected, 64) * PACKED_SIZE);
  }

  get size(): number {
    return this.count;
  }

  /** Adds the id; true when it was not there before. */
  add(id: string): boolean {
    packCrashId(id, this.scratch, 0);
    return this.addPacked(this.scratch, 0);
  }

  has(id: string): boolean {
    packCrashId(id, this.scratch, 0);
    return this.table[this.find(this.scratch, 0)] !== 0;
  }

  /**
   * Adds the id spelled by the 36 ASCII bytes at `buf[off]`, which must be a valid crash id
   * (isCrashIdAt): how files are read without making a string per line.
   */
  addBytes(buf: Uint8Array, off: number): boolean {
    packCrashIdBytes(buf, off, this.scratch);
    return this.addPacked(this.scratch, 0);
  }

  /** Adds the `index`-th id of another set, with no string in between. */
  addFrom(src: IdSet, index: number): boolean {
    return this.addPacked(src.keys, index * PACKED_SIZE);
  }

  /** The insertion index of the id, or -1 when it is not in the set. */
  indexOf(id: string): number {
    packCrashId(id, this.scratch, 0);
    return this.table[this.find(this.scratch, 0)] - 1;
  }

  /** indexOf for the valid crash id spelled by the 36 ASCII bytes at `buf[off]`. */
  indexOfBytes(buf: Uint8Array, off: number): number {
    packCrashIdBytes(buf, off, this.scratch);
    return this.table[this.find(this.scratch, 0)] - 1;
  }

  /** Whether the `index`-th id of another set is in this one. */
  hasFrom(src: IdSet, index: number): boolean {
    return this.table[this.find(src.keys, index * PACKED_SIZE)] !== 0;
  }

  /** Makes room for `n` ids in all, so a set of known size is not regrown (and copied) on the way. */
  reserve(n: number): void {
    if (n * PACKED_SIZE > this.keys.length) {
      const grown = new Uint8Array(n * PACKED_SIZE);
      grown.set(this.keys.subarray(0, this.count * PACKED_SIZE));
      this.keys = grown;
    }
    let cap = this.table.length;
    while (cap < n * 2) cap *= 2;
    if (cap !== this.table.length) this.rehash(cap);
  }

  private addPacked(buf: Uint8Array, off: number): boolean {
    const slot = this.find(buf, off);
    if (this.table[slot] !== 0) return false;
    if ((this.count + 1) * PACKED_SIZE > this.keys.length) {
      const grown = new Uint8Array(this.keys.length * 2);
      grown.set(this.keys);
      // `buf` may be this set's own keys only through addFrom(this, i), which never gets here.
      this.keys = grown;
    }
    this.keys.set(buf.subarray(off, off + PACKED_SIZE), this.count * PACKED_SIZE);
    this.count++;
    this.table[slot] = this.count;
    if (this.count * 2 > this.table.length) this.rehash(this.table.length * 2);
    return true;
  }

  /** The ids in insertion order. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.count; i++) yield this.at(i);
  }

  at(index: number): string {
    return unpackCrashId(this.keys, index * PACKED_SIZE, this.text);
  }

  private find(buf: Uint8Array, off: number): number {
    let slot = hashPacked(buf, off) & this.mask;
    for (;;) {
      const e = this.table[slot];
      if (e === 0) return slot;
      const base = (e - 1) * PACKED_SIZE;
      let same = true;
      for (let i = 0; i < PACKED_SIZE; i++) {
        if (this.keys[base + i] !== buf[off + i]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private rehash(size: number): void {
    this.table = new Uint32Array(size);
    this.mask = this.table.length - 1;
    for (let i = 0; i < this.count; i++) {
      this.table[this.find(this.keys, i * PACKED_SIZE)] = i + 1;
    }
  }
}

/**
 * Crash ids packed 16 bytes each, appended in any order, then sorted (string order: the packed
 * form sorts like the text) and deduplicated in place. How list holds what it finds: a month of
 * 11 M ids is 176 MB here (twice that while sorting), against ~1.8 GB as an array of strings,
 * each a slice that keeps its whole S3 key alive. With `savedTimes`, each id also keeps the
 * second its raw crash was saved (4 bytes more, 0 when the store did not say), which travels
 * with it through the sort: what check later takes a havenot's hour from.
 */
export class PackedIdList {
  private buf = new Uint8Array(4096 * PACKED_SIZE);
  private times: Uint32Array | undefined;
  private n = 0;
  private readonly text = Buffer.alloc(CRASH_ID_LENGTH);

  constructor(opts: { savedTimes?: boolean } = {}) {
    if (opts.savedTimes) this.times = new Uint32Array(4096);
  }

  get size(): number {
    return this.n;
  }

  /** Appends a valid crash id (no check here), with its saved time (epoch ms) when the list keeps them. */
  push(id: string, savedAtMs?: number): void {
    if ((this.n + 1) * PACKED_SIZE > this.buf.length) {
      const grown = new Uint8Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    packCrashId(id, this.buf, this.n * PACKED_SIZE);
    if (this.times) {
      if (this.n === this.times.length) {
        const grown = new Uint32Array(this.times.length * 2);
        grown.set(this.times);
        this.times = grown;
      }
      this.times[this.n] = toSavedSecond(savedAtMs);
    }
    this.n++;
  }

  at(index: number): string {
    return unpackCrashId(this.buf, index * PACKED_SIZE, this.text);
  }

  /** The saved time of the `index`-th id, in whole seconds since the epoch; 0 when unknown (or not kept). */
  savedSecond(index: number): number {
    return this.times ? this.times[index] : 0;
  }

  /** The ids from `start` to `end` (exclusive), as strings, one at a time. */
  *range(start = 0, end = this.n): IterableIterator<string> {
    for (let i = start; i < end; i++) yield this.at(i);
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.range();
  }

  /**
   * Sorts and drops duplicates (a duplicate keeps the saved time of the first one pushed). A
   * counting sort on the first two bytes (crash ids start with uuid4 hex, so the 65,536 buckets
   * are even), then each bucket sorted by the other 14 bytes.
   */
  sortUnique(): void {
    const n = this.n;
    if (n < 2) return;
    const src = this.buf;
    const S = PACKED_SIZE;
    const starts = new Uint32Array(65537);
    for (let i = 0; i < n; i++) starts[((src[i * S] << 8) | src[i * S + 1]) + 1]++;
    for (let b = 0; b < 65536; b++) starts[b + 1] += starts[b];
    const fill = starts.slice(0, 65536);
    const tmp = new Uint8Array(n * S);
    const times = this.times;
    const tmpTimes = times ? new Uint32Array(n) : undefined;
    for (let i = 0; i < n; i++) {
      const b = (src[i * S] << 8) | src[i * S + 1];
      const at = fill[b]++;
      tmp.set(src.subarray(i * S, i * S + S), at * S);
      if (tmpTimes) tmpTimes[at] = times![i];
    }
    // Back into buf, bucket by bucket in order; records that compare equal are dropped.
    const cmp = (a: number, b: number): number => {
      for (let k = 2; k < S; k++) {
        const d = tmp[a * S + k] - tmp[b * S + k];
        if (d !== 0) return d;
      }
      return 0;
    };
    const order: number[] = [];
    let w = 0;
    for (let b = 0; b < 65536; b++) {
      const s = starts[b];
      const e = starts[b + 1];
      if (e === s) continue;
      order.length = 0;
      for (let i = s; i < e; i++) order.push(i);
      // Array.prototype.sort is stable: of equal ids, the first pushed comes first and stays.
      if (e - s > 1) order.sort(cmp);
      let prev = -1;
      for (const r of order) {
        if (prev >= 0 && cmp(prev, r) === 0) continue;
        src.set(tmp.subarray(r * S, r * S + S), w * S);
        if (tmpTimes) times![w] = tmpTimes[r];
        w++;
        prev = r;
      }
    }
    this.n = w;
  }
}

/** Epoch ms as the whole second a saved-times record keeps (0: unknown; 2106 is far off). */
function toSavedSecond(ms: number | undefined): number {
  if (ms === undefined || !Number.isFinite(ms) || ms < 1000) return 0;
  return Math.min(Math.floor(ms / 1000), 0xfffffffe);
}
