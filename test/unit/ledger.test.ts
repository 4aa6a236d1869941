import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppendOnceFile } from '../../src/core/ledger.ts';

const A = 'de1bb258-cbbf-4589-a673-34f800160918';
const B = '5b35fd4f-7c1c-4b35-9a4e-2e8be0160918';
const C = '00000000-0000-0000-0000-000000160918';

let dir: string;
let n = 0;
const path = () => join(dir, `ledger-${n++}.txt`);
const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('AppendOnceFile', () => {
  it('creates nothing until the first append', async () => {
    const p = path();
    const f = await AppendOnceFile.open(p);
    expect(f.size).toBe(0);
    expect(await exists(p)).toBe(false);
    expect(await f.append([])).toBe(0);
    expect(await exists(p)).toBe(false);
    await f.close();
    expect(await exists(p)).toBe(false);
  });

  it('touch creates an empty file', async () => {
    const p = path();
    const f = await AppendOnceFile.open(p);
    await f.touch();
    await f.close();
    expect(await readFile(p, 'utf8')).toBe('');
  });

  it('appends each id once, across appends and reopenings', async () => {
    const p = path();
    const f = await AppendOnceFile.open(p);
    expect(await f.append([A, B, A])).toBe(2);
    expect(await f.append([B, C], true)).toBe(1);
    expect(await f.append([A, B, C])).toBe(0);
    expect(f.has(A) && f.has(B) && f.has(C)).toBe(true);
    await f.close();
    expect(await readFile(p, 'utf8')).toBe(`${A}\n${B}\n${C}\n`);

    const g = await AppendOnceFile.open(p);
    expect(g.size).toBe(3);
    expect(await g.append([C, A])).toBe(0);
    await g.touch();
    await g.close();
    expect(await readFile(p, 'utf8')).toBe(`${A}\n${B}\n${C}\n`);
  });

  it('cuts a torn last line when opened, then appends after it', async () => {
    const p = path();
    await writeFile(p, `${A}\n${B}\n${C.slice(0, 20)}`);
    const f = await AppendOnceFile.open(p);
    expect(await readFile(p, 'utf8')).toBe(`${A}\n${B}\n`);
    expect(f.size).toBe(2);
    expect(f.has(C)).toBe(false);
    expect(await f.append([C])).toBe(1);
    await f.close();
    expect(await readFile(p, 'utf8')).toBe(`${A}\n${B}\n${C}\n`);
  });

  it('cuts a whole id written without its newline (the write was torn before it)', async () => {
    const p = path();
    await writeFile(p, `${A}\n${B}`);
    const f = await AppendOnceFile.open(p);
    await f.close();
    expect(await readFile(p, 'utf8')).toBe(`${A}\n`);
    expect(f.has(B)).toBe(false);
  });

  it('cuts a file that is one torn line to nothing', async () => {
    const p = path();
    await writeFile(p, A.slice(0, 10));
    const f = await AppendOnceFile.open(p);
    expect(f.size).toBe(0);
    expect(await readFile(p, 'utf8')).toBe('');
    await f.close();
  });

  it('finds the last newline far before the end of a long torn tail', async () => {
    const p = path();
    await writeFile(p, `${A}\n${'x'.repeat(200_000)}`);
    const f = await AppendOnceFile.open(p);
    await f.close();
    expect(await readFile(p, 'utf8')).toBe(`${A}\n`);
  });

  it('reads CRLF and blank lines, counts foreign lines and keeps them', async () => {
    const p = path();
    await writeFile(p, `${A}\r\n\r\n# a note\r\n${B}\r\n`);
    const f = await AppendOnceFile.open(p);
    expect(f.size).toBe(2);
    expect(f.foreignLines).toBe(1);
    await f.append([C]);
    await f.close();
    expect(await readFile(p, 'utf8')).toBe(`${A}\r\n\r\n# a note\r\n${B}\r\n${C}\n`);
  });
});
