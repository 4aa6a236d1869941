import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { readIdFiles, writeIdsAtomic } from '../../src/core/id-files.ts';
import { IdSet } from '../../src/core/id-set.ts';

const A = 'de1bb258-cbbf-4589-a673-34f800160918';
const B = '5b35fd4f-7c1c-4b35-9a4e-2e8be0160918';
const C = '00000000-0000-0000-0000-000000160918';

let dir: string;
let n = 0;
async function file(text: string): Promise<string> {
  const p = join(dir, `f${n++}.txt`);
  await writeFile(p, text);
  return p;
}

async function usageError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  return msg;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'id-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readIdFiles', () => {
  it('normalises CRLF, blank lines, surrounding spaces and duplicates', async () => {
    const p = await file(`\r\n  ${A}  \r\n\r\n${B}\r\n\t${A}\t\n \n${C}`);
    const r = await readIdFiles([p]);
    expect([...r.ids]).toEqual([A, B, C]);
    expect(r.lines).toBe(4);
    expect(r.duplicates).toBe(1);
    expect(r.invalid).toBe(0);
  });

  it('tolerates a byte order mark', async () => {
    const p = await file(`\ufeff${A}\n${B}\n`);
    expect([...(await readIdFiles([p])).ids]).toEqual([A, B]);
  });

  it('merges several files in order, counting duplicates across them', async () => {
    const p1 = await file(`${B}\n${A}\n`);
    const p2 = await file(`${A}\n${C}\n`);
    const r = await readIdFiles([p1, p2]);
    expect([...r.ids]).toEqual([B, A, C]);
    expect(r.duplicates).toBe(1);
  });

  it('adds into a given IdSet', async () => {
    const into = new IdSet();
    into.add(C);
    const r = await readIdFiles([await file(`${A}\n${C}\n`)], {}, into);
    expect(r.ids).toBe(into);
    expect([...into]).toEqual([C, A]);
    expect(r.duplicates).toBe(1);
  });

  it('refuses an invalid line, naming file and line number', async () => {
    const p = await file(`${A}\n\n${B}\nnot-a-crash-id\n${C}\n`);
    const msg = await usageError(readIdFiles([p], { skipInvalidOption: '--skip-invalid' }));
    expect(msg).toBe(`${p}:4: "not-a-crash-id" is not a crash id (use --skip-invalid to drop such lines)`);
    // An adapter without such an option (the action) gets no hint it could not follow.
    expect(await usageError(readIdFiles([p]))).toBe(`${p}:4: "not-a-crash-id" is not a crash id`);
  });

  it('counts line numbers with CRLF endings too', async () => {
    const p = await file(`${A}\r\n${B}\r\n${A.toUpperCase()}\r\n`);
    const msg = await usageError(readIdFiles([p]));
    expect(msg).toContain(`${p}:3`);
  });

  it('shortens a very long bad line in the message', async () => {
    const p = await file(`${'x'.repeat(5000)}\n`);
    const msg = await usageError(readIdFiles([p]));
    expect(msg.length).toBeLessThan(300 + p.length);
  });

  it('drops and counts invalid lines with skipInvalid', async () => {
    const p = await file(`${A}\nnope\n${B}\n${A}x\n\n${C}\n`);
    const r = await readIdFiles([p], { skipInvalid: true });
    expect([...r.ids]).toEqual([A, B, C]);
    expect(r.invalid).toBe(2);
    expect(r.lines).toBe(5);
  });

  it('refuses an empty file unless allowEmpty', async () => {
    for (const text of ['', '\n\n', '  \r\n']) {
      const p = await file(text);
      const msg = await usageError(readIdFiles([p]));
      expect(msg).toContain(p);
      const r = await readIdFiles([p], { allowEmpty: true });
      expect(r.ids.size).toBe(0);
    }
  });

  it('refuses an empty file even when an earlier file had ids', async () => {
    const full = await file(`${A}\n`);
    const empty = await file('');
    const msg = await usageError(readIdFiles([full, empty]));
    expect(msg).toContain(empty);
  });

  it('refuses a file of nothing but invalid lines with skipInvalid, as it has no ids', async () => {
    const p = await file('nope\nnada\n');
    await usageError(readIdFiles([p], { skipInvalid: true }));
  });

  it('refuses a missing file and a folder, naming them', async () => {
    const missing = join(dir, 'missing.txt');
    expect(await usageError(readIdFiles([missing]))).toContain(missing);
    const sub = join(dir, 'a-folder');
    await mkdir(sub);
    expect(await usageError(readIdFiles([sub]))).toContain(sub);
  });
});

describe('writeIdsAtomic', () => {
  it('writes one id a line with a final newline and leaves no temp file', async () => {
    const sub = await mkdtemp(join(dir, 'w-'));
    const p = join(sub, 'out.txt');
    await writeIdsAtomic(p, [A, B, C]);
    expect(await readFile(p, 'utf8')).toBe(`${A}\n${B}\n${C}\n`);
    expect(await readdir(sub)).toEqual(['out.txt']);
    await writeIdsAtomic(p, []);
    expect(await readFile(p, 'utf8')).toBe('');
  });

  it('writes more ids than one write buffer holds', async () => {
    const sub = await mkdtemp(join(dir, 'w-'));
    const p = join(sub, 'big.txt');
    const ids = Array.from({ length: 20_000 }, (_, i) => `de1bb258-cbbf-4589-a673-${i.toString(16).padStart(6, '0')}160918`);
    await writeIdsAtomic(p, ids);
    expect(await readFile(p, 'utf8')).toBe(ids.join('\n') + '\n');
  });
});
