// `npm run demo`, the README's first command, run as a newcomer runs it: both stores, fewer
// crashes. Its own end-of-run comparison (the API received exactly the planted crashes, the
// chart's hours are the planted outage's) decides its exit code; the test reads both.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseHours } from '../../src/core/hours.ts';

const ROOT = join(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function demo(args: string[], out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--openssl-legacy-provider', join(ROOT, 'src/demo/main.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DEMO_OUT: out, DEMO_CRASHES: '400' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe.each([['gcs', [], '20250915'], ['s3', ['--storage', 's3'], '20160915']] as const)('npm run demo on %s', (_name, args, day) => {
  it('submits exactly the planted crashes, once, and charts the outage at 14:00–16:59 on the demo day', async () => {
    const out = await mkdtemp(join(tmpdir(), 'demo-'));
    dirs.push(out);
    const r = await demo([...args], out);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/OK: the API received \d+ ids; exactly the planted unprocessed crashes, each once/);
    expect(r.stdout).toContain("OK: the chart's hours are exactly the outage's");
    expect(r.stdout).toMatch(/a second run sent 0/);
    // The files a user then opens: every havenot's hour is the demo day's, in the outage.
    const planted = Number(/the API received (\d+) ids/.exec(r.stdout)?.[1]);
    let counted = 0;
    for (const dir of (await readdir(out)).filter((d) => d.startsWith('check-'))) {
      const hours = parseHours(await readFile(join(out, dir, 'havenots-hours.json'), 'utf8'));
      expect(Object.keys(hours)).toEqual([day]);
      for (const [h, n] of Object.entries(hours[day])) {
        expect(['14', '15', '16']).toContain(h);
        counted += n;
      }
    }
    expect(planted).toBeGreaterThan(0);
    expect(counted).toBe(planted);
  });
});

it('npm run demo refuses a store it does not have: exit 2, one line', async () => {
  const out = await mkdtemp(join(tmpdir(), 'demo-'));
  dirs.push(out);
  const r = await demo(['--storage', 'azure'], out);
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split('\n')).toEqual(['demo: --storage azure is not a store (gcs or s3)']);
});
