import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCrashId } from '../../src/core/crash-id.ts';
import { scanIdLines } from '../../src/core/id-files.ts';
import { IdSet } from '../../src/core/id-set.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scan-lines-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Event = ['id', string, number] | ['other', string, number];

/** What the readers did before scanIdLines: readline, trim, regex. */
async function viaReadline(path: string): Promise<Event[]> {
  const out: Event[] = [];
  let n = 0;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const raw of rl) {
    n++;
    const line = raw.trim();
    if (line === '') continue;
    out.push(isCrashId(line) ? ['id', line, n] : ['other', line, n]);
  }
  return out;
}

async function viaScan(path: string, readSize?: number): Promise<Event[]> {
  const out: Event[] = [];
  await scanIdLines(
    path,
    {
      id(buf, off) {
        // The sink sees bytes; turn them into the id through an IdSet to check the packing too.
        const s = new IdSet();
        s.addBytes(buf, off);
        out.push(['id', s.at(0), -1]);
      },
      other(line, lineNo) {
        out.push(isCrashId(line) ? ['id', line, -1] : ['other', line, lineNo]);
      },
    },
    readSize,
  );
  return out;
}

const strip = (evs: Event[]) => evs.map(([k, v, n]) => (k === 'id' ? [k, v] : [k, v, n]));

describe('scanIdLines reads exactly what readline + trim read', () => {
  const rand = seededBytes(99);
  const ids = Array.from({ length: 50 }, () => makeCrashId('20240115', rand));
  const seps = ['\n', '\r\n', '\r', '\n\n', '\r\r\n', ' \n', '\t\r\n'];
  const pads = ['', ' ', '\t', '\u00a0', '\ufeff', '\u2003'];
  const bad = ['not-an-id', ids[0].toUpperCase(), ids[1] + 'x', ids[2].slice(1), 'é' + ids[3], ids[4].replace('-', '_')];

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`random file ${seed}, read in pieces of 1..64 bytes and whole`, async () => {
      const r = seededBytes(seed);
      let text = r()[0] % 2 ? '\ufeff' : '';
      for (let i = 0; i < 300; i++) {
        const b = r();
        const body = b[0] % 7 === 0 ? bad[b[1] % bad.length] : b[0] % 11 === 0 ? '' : ids[b[2] % ids.length];
        text += pads[b[3] % pads.length] + body + pads[b[4] % pads.length] + seps[b[5] % seps.length];
      }
      if (r()[0] % 2) text += ids[0]; // no final newline
      const p = join(dir, `f${seed}.txt`);
      await writeFile(p, text);
      const want = strip(await viaReadline(p));
      expect(strip(await viaScan(p))).toEqual(want);
      for (const size of [1, 7, 36, 37, 38, 64]) expect(strip(await viaScan(p, size))).toEqual(want);
    });
  }

  it('numbers lines like readline, blank and CR-only lines included', async () => {
    const p = join(dir, 'numbers.txt');
    await writeFile(p, `\n\r\n${ids[0]}\rjunk\r\r\n  \nmore junk`);
    expect(await viaScan(p, 5)).toEqual([
      ['id', ids[0], -1],
      ['other', 'junk', 4],
      ['other', 'more junk', 7],
    ]);
    expect(strip(await viaReadline(p))).toEqual(strip(await viaScan(p)));
  });
});
