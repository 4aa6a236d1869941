/** The CLI's usage surface through main(): help, unknown flags, no arguments. */
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.ts';

const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

const FLAGS: Record<string, string[]> = {
  list: ['--bucket', '--dates', '--layout', '--chunk-size', '--since', '--until', '--out', '--endpoint', '--region', '--path-style', '--help'],
  check: ['--bucket', '--concurrency', '--skip-invalid', '--out', '--endpoint', '--region', '--path-style', '--help'],
  reprocess: ['--api-url', '--batch-size', '--sleep', '--max', '--allow-many', '--ruleset', '--dry-run', '--out', '--help'],
};

describe('--help', () => {
  it.each(Object.keys(FLAGS))('%s --help exits 0 and names every flag of the command', async (cmd) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`socorro-reprocess ${cmd}`);
    for (const flag of FLAGS[cmd]) expect(r.stdout, flag).toContain(flag);
  });

  it('help <command> is the same help', async () => {
    const a = await runCli(['help', 'reprocess']);
    const b = await runCli(['reprocess', '--help']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('reprocess --help names the token variables and the permission', async () => {
    const r = await runCli(['reprocess', '--help']);
    expect(r.stdout).toContain('SOCORRO_API_TOKEN');
    expect(r.stdout).toContain('CRASHSTATS_API_TOKEN');
    expect(r.stdout).toContain('Reprocess Crashes');
  });

  it('--help at the top lists the three commands and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['list', 'check', 'reprocess']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    expect(r.stdout).toMatch(/Exit codes: 0 .*1 .*2 /);
  });
});

describe('bad usage: exit 2 and one line on stderr', () => {
  it.each([
    [['list', '--bucket', 'crashes', '--dates', '20160915', '--bogus'], '--bogus'],
    [['check', 'some-file.txt', '--bucket', 'crashes', '--bogus'], '--bogus'],
    [['reprocess', '--bogus'], '--bogus'],
    [['reprocess', '--dry-runn'], '--dry-runn'],
    [['--bogus'], '--bogus'],
    [['frobnicate'], 'frobnicate'],
    [['list', '--dates', '20160915'], '--bucket'],
    [['list', '--bucket', 'crashes'], '--dates'],
    [['check', '--bucket', 'crashes'], 'file'],
    [['list', '--bucket', 'crashes', '--dates'], '--dates'],
    [['reprocess', '--ruleset', 'nope'], 'nope'],
  ])('%j', async (argv, named) => {
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const errLines = lines(r.stderr);
    expect(errLines, r.stderr).toHaveLength(1);
    expect(errLines[0]).toMatch(/^error: /);
    expect(errLines[0]).toContain(named);
  });
});

describe('no arguments', () => {
  it('prints the usage and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    const all = r.stdout + r.stderr;
    expect(all).toContain('Usage: socorro-reprocess');
    for (const cmd of ['list', 'check', 'reprocess']) expect(all).toMatch(new RegExp(`^  ${cmd} `, 'm'));
  });
});
