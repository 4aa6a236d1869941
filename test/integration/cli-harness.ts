/**
 * Helpers for the CLI integration tests: run `main()` in-process with captured output, or the
 * real entry point as a child process (for real exit codes), and read id files.
 */
import { spawn } from 'node:child_process';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const NODE = join(ROOT, 'node_modules/.bin/node');
export const CLI = join(ROOT, 'src/cli/index.ts');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `main(argv)` in this process; env is the whole environment the CLI sees. */
export async function runCli(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const stream = {
    isTTY: false,
    write(s: string | Uint8Array) {
      stderr += typeof s === 'string' ? s : Buffer.from(s).toString();
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: stream, env });
  return { code, stdout, stderr };
}

/** The CLI as a user runs it: `node src/cli/index.ts ...` in a child process. */
export function spawnCli(argv: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODE, [CLI, ...argv], {
      cwd: ROOT,
      // A clean environment: nothing from the test runner (AWS_*, tokens) leaks in.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI did not exit within ${timeoutMs}ms: ${argv.join(' ')}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
  });
}

/** Lines of an id file; the file must end with a newline (or be empty) and have no blank lines. */
export async function readIds(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${path} does not end with a newline`);
  const lines = text.slice(0, -1).split('\n');
  if (lines.some((l) => l === '' || l.includes('\r'))) throw new Error(`${path} has blank or CR lines`);
  return lines;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function listDir(path: string): Promise<string[]> {
  return (await readdir(path)).sort();
}

/** The id files of a chunks folder, sorted (list writes a `.saved-times` sidecar beside each). */
export async function chunkIdFiles(path: string): Promise<string[]> {
  return (await listDir(path)).filter((f) => f.endsWith('.txt'));
}

/** The stderr lines that are not progress lines. */
export function stderrLines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}
