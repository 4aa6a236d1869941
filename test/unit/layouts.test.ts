import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { LAYOUTS, crashIdFromKey, processedCrashKey, rawCrashPrefixes } from '../../src/core/layouts.ts';
import { parseChoice } from '../../src/core/options.ts';
import { rawCrashKey } from '../../src/demo/crashes.ts';

const ID = 'de1bb258-cbbf-4589-a673-34f800160918';

describe('layouts', () => {
  it('v1 has one prefix a day', () => {
    expect(rawCrashPrefixes('v1', '20160918')).toEqual(['v1/raw_crash/20160918/']);
  });

  it('v2 has 4096 distinct entropy prefixes a day, in key order', () => {
    const p = rawCrashPrefixes('v2', '20160918');
    expect(p).toHaveLength(4096);
    expect(new Set(p).size).toBe(4096);
    expect(p[0]).toBe('v2/raw_crash/000/20160918/');
    expect(p[1]).toBe('v2/raw_crash/001/20160918/');
    expect(p[4095]).toBe('v2/raw_crash/fff/20160918/');
    expect([...p].sort()).toEqual(p);
    for (const x of p) expect(x).toMatch(/^v2\/raw_crash\/[0-9a-f]{3}\/20160918\/$/);
  });

  it('the demo writes raw crashes under the prefixes the lister reads', () => {
    expect(rawCrashKey('v1', ID)).toBe(`v1/raw_crash/20160918/${ID}`);
    expect(rawCrashKey('v2', ID)).toBe(`v2/raw_crash/de1/20160918/${ID}`);
    expect(rawCrashPrefixes('v2', '20160918')).toContain('v2/raw_crash/de1/20160918/');
  });

  it('keeps processed crashes at v1/processed_crash/{id}', () => {
    expect(processedCrashKey(ID)).toBe(`v1/processed_crash/${ID}`);
  });

  it('parses a layout option: v1 by default', () => {
    const spell = (n: string) => `--${n}`;
    expect(parseChoice(spell, 'layout', undefined, LAYOUTS, 'v1', 'a layout')).toBe('v1');
    expect(parseChoice(spell, 'layout', '', LAYOUTS, 'v1', 'a layout')).toBe('v1');
    expect(parseChoice(spell, 'layout', ' v2 ', LAYOUTS, 'v1', 'a layout')).toBe('v2');
    expect(() => parseChoice(spell, 'layout', 'v3', LAYOUTS, 'v1', 'a layout')).toThrow(UsageError);
    expect(() => parseChoice(spell, 'layout', 'V1', LAYOUTS, 'v1', 'a layout')).toThrow('--layout: V1 is not a layout (v1 or v2)');
  });

  describe('crashIdFromKey', () => {
    const prefix = 'v1/raw_crash/20160918/';
    it('returns the id of a raw crash key', () => {
      expect(crashIdFromKey(prefix, prefix + ID)).toBe(ID);
      const v2 = 'v2/raw_crash/de1/20160918/';
      expect(crashIdFromKey(v2, v2 + ID)).toBe(ID);
    });

    it.each([
      ['the prefix itself', prefix],
      ['a README', prefix + 'README'],
      ['an id with an extension', prefix + ID + '.json'],
      ['a nested key', prefix + 'nested/' + ID],
      ['an id with a trailing slash', prefix + ID + '/'],
      ['an id nested under an id', prefix + ID + '/' + ID],
      ['an uppercase id', prefix + ID.toUpperCase()],
      ['a truncated id', prefix + ID.slice(0, 35)],
      ['an id with a leading space', prefix + ' ' + ID],
      ['an id with a trailing newline', prefix + ID + '\n'],
    ])('rejects %s', (_what, key) => {
      expect(crashIdFromKey(prefix, key)).toBeUndefined();
    });
  });
});
