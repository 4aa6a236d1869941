import { describe, expect, it } from 'vitest';
import { PACKED_SIZE, packCrashId } from '../../src/core/crash-id.ts';
import { IdSet, hashPacked } from '../../src/core/id-set.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';

const A = 'de1bb258-cbbf-4589-a673-34f800160918';
const B = '5b35fd4f-7c1c-4b35-9a4e-2e8be0160918';
const C = '00000000-0000-0000-0000-000000160918';

describe('IdSet', () => {
  it('adds, dedupes and answers has', () => {
    const s = new IdSet();
    expect(s.size).toBe(0);
    expect(s.has(A)).toBe(false);
    expect(s.add(A)).toBe(true);
    expect(s.add(A)).toBe(false);
    expect(s.has(A)).toBe(true);
    expect(s.has(B)).toBe(false);
    expect(s.add(B)).toBe(true);
    expect(s.size).toBe(2);
  });

  it('keeps insertion order, not sorted order', () => {
    const s = new IdSet();
    for (const id of [B, C, A, C, B]) s.add(id);
    expect([...s]).toEqual([B, C, A]);
    expect(s.at(0)).toBe(B);
    expect(s.at(2)).toBe(A);
  });

  it('tells apart ids that differ only in the date digits or the last hex digit', () => {
    const s = new IdSet();
    const x = 'de1bb258-cbbf-4589-a673-34f800160918';
    const y = 'de1bb258-cbbf-4589-a673-34f800160919';
    const z = 'de1bb258-cbbf-4589-a673-34f801160918';
    expect(s.add(x)).toBe(true);
    expect(s.has(y)).toBe(false);
    expect(s.has(z)).toBe(false);
    expect(s.add(y)).toBe(true);
    expect(s.add(z)).toBe(true);
    expect([...s]).toEqual([x, y, z]);
  });

  it('grows past 100k ids (keys and table), keeping every id once and in order', () => {
    const rand = seededBytes(7);
    const n = 120_000;
    const ids = Array.from({ length: n }, () => makeCrashId('20160918', rand));
    expect(new Set(ids).size).toBe(n); // the generator does not repeat itself
    const s = new IdSet(); // starts at the default size, so it must grow many times
    let added = 0;
    for (const id of ids) if (s.add(id)) added++;
    expect(added).toBe(n);
    // Again, all duplicates now.
    let fresh = 0;
    for (let i = 0; i < n; i += 7) if (s.add(ids[i])) fresh++;
    expect(fresh).toBe(0);
    expect(s.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(s.has(ids[i])).toBe(true);
    expect(s.has(makeCrashId('20160919', seededBytes(8)))).toBe(false);
    let i = 0;
    for (const id of s) {
      if (id !== ids[i]) throw new Error(`position ${i}: ${id} !== ${ids[i]}`);
      i++;
    }
    expect(i).toBe(n);
    expect(s.at(n - 1)).toBe(ids[n - 1]);
  });

  // Ids are only checked against the regex, so nothing makes them uuid4-random: sequential ids
  // that differ only in the middle groups must not all land in one hash chain (that took minutes).
  it('spreads 100k ids that differ only in the middle groups evenly over a table, and finds them all', () => {
    const n = 100_000;
    const id = (i: number) => {
      const h = i.toString(16).padStart(12, '0');
      return `de1bb258-${h.slice(0, 4)}-${h.slice(4, 8)}-${h.slice(8, 12)}-34f800160918`;
    };
    // The slots of a 2^18 table (what IdSet uses for 100k ids): no crowding anywhere.
    const slots = new Uint32Array(1 << 12);
    const packed = new Uint8Array(PACKED_SIZE);
    for (let i = 0; i < n; i++) {
      packCrashId(id(i), packed, 0);
      slots[(hashPacked(packed, 0) & ((1 << 18) - 1)) >>> 6]++;
    }
    const mean = n / slots.length;
    // A random spread has a fullest group near mean + 4σ (~44 here); a weak hash piles them up.
    expect(Math.max(...slots)).toBeLessThan(mean * 2);
    expect(Math.min(...slots)).toBeGreaterThan(mean * 0.25);
    const s = new IdSet();
    let added = 0;
    for (let i = 0; i < n; i++) if (s.add(id(i))) added++;
    expect(added).toBe(n);
    let found = 0;
    for (let i = 0; i < n; i += 3) if (s.has(id(i))) found++;
    expect(found).toBe(Math.ceil(n / 3));
    expect(s.has(id(n))).toBe(false);
  });

  it('honours an expected size larger than the default without losing ids', () => {
    const rand = seededBytes(9);
    const ids = Array.from({ length: 5000 }, () => makeCrashId('20220101', rand));
    const s = new IdSet(3000);
    for (const id of ids) s.add(id);
    expect(s.size).toBe(5000);
    expect([...s]).toEqual(ids);
  });
});
