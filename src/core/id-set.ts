import { PACKED_SIZE, packCrashId, unpackCrashId } from './crash-id.ts';

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
    const slot = this.find(this.scratch, 0);
    if (this.table[slot] !== 0) return false;
    if ((this.count + 1) * PACKED_SIZE > this.keys.length) {
      const grown = new Uint8Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.set(this.scratch, this.count * PACKED_SIZE);
    this.count++;
    this.table[slot] = this.count;
    if (this.count * 2 > this.table.length) this.rehash();
    return true;
  }

  has(id: string): boolean {
    packCrashId(id, this.scratch, 0);
    return this.table[this.find(this.scratch, 0)] !== 0;
  }

  /** The ids in insertion order. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.count; i++) yield unpackCrashId(this.keys, i * PACKED_SIZE);
  }

  at(index: number): string {
    return unpackCrashId(this.keys, index * PACKED_SIZE);
  }

  private hash(buf: Uint8Array, off: number): number {
    // The first bytes of a crash id come from uuid4: already uniformly random.
    return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) ^ Math.imul(buf[off + 11] | (buf[off + 12] << 8), 0x9e3779b1);
  }

  private find(buf: Uint8Array, off: number): number {
    let slot = this.hash(buf, off) & this.mask;
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

  private rehash(): void {
    this.table = new Uint32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let i = 0; i < this.count; i++) {
      this.table[this.find(this.keys, i * PACKED_SIZE)] = i + 1;
    }
  }
}
