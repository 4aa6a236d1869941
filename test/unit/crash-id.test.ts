import { describe, expect, it } from 'vitest';
import { CRASH_ID_LENGTH, PACKED_SIZE, crashIdDate, isCrashId, packCrashId, unpackCrashId } from '../../src/core/crash-id.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';

const GOOD = 'de1bb258-cbbf-4589-a673-34f800160918';

describe('isCrashId', () => {
  it.each([
    GOOD,
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffff999999',
    '0123abcd-4567-89ef-abcd-ef0123220930',
  ])('accepts %s', (id) => {
    expect(isCrashId(id)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['uppercase hex', GOOD.toUpperCase()],
    ['one uppercase letter', GOOD.replace('d', 'D')],
    ['a letter in the date digits', 'de1bb258-cbbf-4589-a673-34f80016091x'],
    ['a hex letter in the date digits', 'de1bb258-cbbf-4589-a673-34f80016091a'],
    ['too short', GOOD.slice(0, 35)],
    ['too long', GOOD + '0'],
    ['leading space', ' ' + GOOD.slice(1)],
    ['trailing newline', GOOD + '\n'],
    ['trailing CR', GOOD + '\r'],
    ['dash moved', 'de1bb25-8cbbf-4589-a673-34f800160918'],
    ['no dashes', GOOD.replaceAll('-', '') + '0000'],
    ['a g', GOOD.replace('e', 'g')],
    ['a ruleset suffix', GOOD + ':default'],
    ['a key, not an id', `v1/raw_crash/20160918/${GOOD}`],
  ])('refuses %s', (_what, s) => {
    expect(isCrashId(s)).toBe(false);
  });

  it('has the length the contract says', () => {
    expect(CRASH_ID_LENGTH).toBe(36);
    expect(GOOD).toHaveLength(CRASH_ID_LENGTH);
  });

  it('reads the date from the last six digits as 20YYMMDD', () => {
    expect(crashIdDate(GOOD)).toBe('20160918');
    expect(crashIdDate('ffffffff-ffff-ffff-ffff-ffffff220101')).toBe('20220101');
  });
});

describe('pack / unpack', () => {
  const rand = seededBytes(42);
  const ids = [
    GOOD,
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffff999999',
    '0f0f0f0f-f0f0-0f0f-f0f0-0f0f0f090909',
    ...Array.from({ length: 500 }, (_, i) => makeCrashId(`2016${String((i % 12) + 1).padStart(2, '0')}${String((i % 28) + 1).padStart(2, '0')}`, rand)),
  ];

  it('round-trips every id', () => {
    const buf = new Uint8Array(PACKED_SIZE * ids.length);
    ids.forEach((id, i) => packCrashId(id, buf, i * PACKED_SIZE));
    ids.forEach((id, i) => expect(unpackCrashId(buf, i * PACKED_SIZE)).toBe(id));
  });

  it('writes exactly PACKED_SIZE bytes at the offset', () => {
    const buf = new Uint8Array(PACKED_SIZE * 3).fill(0xaa);
    packCrashId('00000000-0000-0000-0000-000000000000', buf, PACKED_SIZE);
    expect([...buf.subarray(0, PACKED_SIZE)].every((b) => b === 0xaa)).toBe(true);
    expect([...buf.subarray(PACKED_SIZE, 2 * PACKED_SIZE)].every((b) => b === 0)).toBe(true);
    expect([...buf.subarray(2 * PACKED_SIZE)].every((b) => b === 0xaa)).toBe(true);
  });

  it('packs distinct ids to distinct bytes', () => {
    const seen = new Set<string>();
    for (const id of ids) {
      const b = new Uint8Array(PACKED_SIZE);
      packCrashId(id, b, 0);
      seen.add(Buffer.from(b).toString('hex'));
    }
    expect(seen.size).toBe(new Set(ids).size);
  });

  it('orders packed bytes exactly as the id strings sort', () => {
    // Ids that differ only in one position, at every position, plus random ones.
    const tricky: string[] = [];
    for (let pos = 0; pos < 36; pos++) {
      if ([8, 13, 18, 23].includes(pos)) continue;
      const digits = pos >= 30 ? '09' : '0f';
      for (const c of digits) tricky.push(GOOD.slice(0, pos) + c + GOOD.slice(pos + 1));
    }
    const all = [...ids, ...tricky];
    const packed = (id: string) => {
      const b = new Uint8Array(PACKED_SIZE);
      packCrashId(id, b, 0);
      return Buffer.from(b);
    };
    const byString = [...all].sort();
    const byBytes = [...all].sort((a, b) => Buffer.compare(packed(a), packed(b)));
    expect(byBytes).toEqual(byString);
  });
});
