import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIdFiles } from '../../src/core/id-files.ts';
import { PackedIdList } from '../../src/core/id-set.ts';
import { NOT_COVERED, idFilesOf, readSavedTimes, savedTimesFile, writeIdsWithSavedTimes } from '../../src/core/saved-times.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { decide } from '../../src/demo/s3-policy.ts';

const rand = seededBytes(99);
const ids = Array.from({ length: 20_000 }, () => makeCrashId('20261201', rand));
const T0 = Date.UTC(2026, 11, 1);
const savedAt = (i: number) => T0 + i * 4_000 + (i % 1000);

describe('saved times beside an id file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'saved-times-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  function listOf(n: number, withTimes = true): PackedIdList {
    const list = new PackedIdList({ savedTimes: withTimes });
    // Pushed in reverse, with a duplicate: the sort carries each time with its id, the first push wins.
    for (let i = n - 1; i >= 0; i--) list.push(ids[i], savedAt(i));
    list.push(ids[0], savedAt(0) + 3_600_000);
    list.sortUnique();
    return list;
  }

  it('travel with their ids through the sort, and read back for the ids of one set, 4 bytes an id', async () => {
    const list = listOf(ids.length);
    const file = join(dir, 'uuids-0-20000.txt');
    await writeIdsWithSavedTimes(file, list, 0, list.size);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n').slice(0, -1).sort()).toEqual([...ids].sort());
    expect((await readFile(savedTimesFile(file))).length).toBeLessThan(ids.length * 4 + 100);
    const read = await readIdFiles([file]);
    const { saved, stale } = await readSavedTimes([file], read.ids);
    expect(stale).toEqual([]);
    expect(saved!.covered).toBe(ids.length);
    for (const [i, id] of ids.entries()) expect(saved!.times[read.ids.indexOf(id)]).toBe(Math.floor(savedAt(i) / 1000));
  });

  it('cover only the ids of files that have them; an edited id file has its sidecar refused', async () => {
    const list = listOf(100);
    const a = join(dir, 'a.txt');
    await writeIdsWithSavedTimes(a, list, 0, 50);
    const b = join(dir, 'b.txt');
    await writeFile(b, ids.slice(100, 110).join('\n') + '\n');
    const c = join(dir, 'c.txt');
    await writeIdsWithSavedTimes(c, list, 50, 100);
    await writeFile(c, (await readFile(c, 'utf8')).replace(list.at(60), list.at(61)));
    const read = await readIdFiles([a, b, c], { allowEmpty: true });
    const { saved, stale } = await readSavedTimes([a, b, c], read.ids);
    expect(stale).toEqual([savedTimesFile(c)]);
    expect(saved!.covered).toBe(50);
    expect(saved!.times[read.ids.indexOf(ids[105])]).toBe(NOT_COVERED);
    expect(saved!.times[read.ids.indexOf(list.at(10))]).toBe(Math.floor(savedAt(ids.indexOf(list.at(10))) / 1000));
  });

  it('a list without times writes 0 (unknown) for each id', async () => {
    const list = listOf(10, false);
    const f = join(dir, 'none.txt');
    await writeIdsWithSavedTimes(f, list);
    const read = await readIdFiles([f]);
    expect([...(await readSavedTimes([f], read.ids)).saved!.times]).toEqual(new Array(10).fill(0));
  });

  it('a sidecar named beside its id file is left out of the inputs; one named alone is refused', () => {
    expect(idFilesOf(['c/uuids-0-5.txt', 'c/uuids-0-5.saved-times', 'x.txt'])).toEqual(['c/uuids-0-5.txt', 'x.txt']);
    expect(() => idFilesOf(['c/uuids-0-5.saved-times'])).toThrow('c/uuids-0-5.saved-times: the saved times of c/uuids-0-5.txt, not an id file; give c/uuids-0-5.txt');
  });
});

describe("the S3 policy gate (the README's least privilege)", () => {
  it('grants ListBucket and GetObject on v1/processed_crash/* only', () => {
    const id = ids[0];
    expect(decide('GET', '/b?list-type=2&prefix=v1%2Fraw_crash%2F20261201%2F&max-keys=1000')).toEqual({ action: 's3:ListBucket', allowed: true });
    expect(decide('HEAD', '/b')).toEqual({ action: 's3:ListBucket', allowed: true });
    expect(decide('HEAD', `/b/v1/processed_crash/${id}`)).toEqual({ action: 's3:GetObject', allowed: true });
    expect(decide('GET', `/b/v1/processed_crash/${id}?x-id=GetObject`).allowed).toBe(true);
    expect(decide('HEAD', `/b/v1/raw_crash/20261201/${id}`)).toEqual({ action: 's3:GetObject', allowed: false });
    expect(decide('HEAD', `/b/v2/raw_crash/000/20261201/${id}`).allowed).toBe(false);
    expect(decide('GET', '/b?location').allowed).toBe(false);
    expect(decide('GET', `/b/v1/processed_crash/${id}?acl`).allowed).toBe(false);
    expect(decide('PUT', `/b/v1/processed_crash/${id}`).allowed).toBe(false);
    expect(decide('DELETE', '/b').allowed).toBe(false);
    expect(decide('GET', '/').allowed).toBe(false);
  });
});
