import { describe, expect, it } from 'vitest';
import { PackedIdList } from '../../src/core/id-set.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';

const sortedUnique = (ids: string[]) => [...new Set(ids)].sort();

describe('PackedIdList', () => {
  it('sorts like strings and drops duplicates', () => {
    const rand = seededBytes(5);
    const ids = Array.from({ length: 20_000 }, () => makeCrashId('20240115', rand));
    const withDupes = [...ids, ...ids.slice(0, 3000), ids[7], ids[7]];
    const list = new PackedIdList();
    for (const id of withDupes) list.push(id);
    expect(list.size).toBe(withDupes.length);
    list.sortUnique();
    expect([...list]).toEqual(sortedUnique(ids));
    expect(list.at(0)).toBe(sortedUnique(ids)[0]);
    expect([...list.range(10, 13)]).toEqual(sortedUnique(ids).slice(10, 13));
  });

  it('orders ids that share their first bytes (one bucket) by the rest, dates included', () => {
    const ids = [
      'aaaa0000-0000-0000-0000-000000240116',
      'aaaa0000-0000-0000-0000-000000240115',
      'aaaa0000-0000-0000-0000-00000f240115',
      'aaaaffff-0000-0000-0000-000000240115',
      'aaaa0000-0000-0000-0000-000000240115',
      'aa000000-0000-0000-0000-000000991231',
      'ab000000-0000-0000-0000-000000000101',
    ];
    const list = new PackedIdList();
    for (const id of ids) list.push(id);
    list.sortUnique();
    expect([...list]).toEqual(sortedUnique(ids));
  });

  it('handles zero and one id', () => {
    const list = new PackedIdList();
    list.sortUnique();
    expect([...list]).toEqual([]);
    list.push('de1bb258-cbbf-4589-a673-34f800160918');
    list.sortUnique();
    expect([...list]).toEqual(['de1bb258-cbbf-4589-a673-34f800160918']);
  });
});
