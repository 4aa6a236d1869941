import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

/** What a measured child cost: wall time from spawn to exit (process start included), CPU, peak RSS. */
export interface ChildRun {
  code: number | null;
  wallMs: number;
  /** getrusage of the child itself, read in its exit handler. */
  cpuMs: number;
  /** The child's own peak RSS (VmHWM of its final image), read in its exit handler. */
  maxRssMb: number;
  stdout: string;
  stderr: string;
}

// A preload with no TypeScript in it (a .ts preload would load the type stripper, ~17 MB of RSS
// that the measured program may not need): on exit, write the process's own CPU time and peak RSS.
// The peak is VmHWM from /proc/self/status, not getrusage's ru_maxrss: Linux carries ru_maxrss
// over fork and exec, so a child of this bench would report at least the bench's own RSS at the
// moment it was spawned (a 40 MB child of a 400 MB parent reads 405 MB). VmHWM is the high-water
// mark of the image running now; the CLI re-executes itself for its V8 flags (src/start.ts) before
// doing anything, and the preload comes with it (execve keeps execArgv), so it is the tool's peak.
const USAGE_PRELOAD =
  'data:text/javascript,' +
  encodeURIComponent(
    'import{writeFileSync,readFileSync}from"node:fs";const f=process.env.BENCH_USAGE_FILE;' +
      'if(f)process.on("exit",()=>{const u=process.resourceUsage();let kb=u.maxRSS;' +
      'try{const m=/VmHWM:\\s*(\\d+) kB/.exec(readFileSync("/proc/self/status","utf8"));if(m)kb=Number(m[1])}catch{}' +
      'writeFileSync(f,JSON.stringify({maxRssKb:kb,cpuUs:u.userCPUTime+u.systemCPUTime}))});',
  );

const usageDir = mkdtempSync(join(tmpdir(), 'bench-usage-'));
let usageCount = 0;
process.on('exit', () => rmSync(usageDir, { recursive: true, force: true }));

/**
 * Runs `node ARGS` (this node), measuring it. Never throws for a non-zero exit. `env` adds to this
 * process's environment; a variable given as undefined is removed (credentials a store must not see).
 */
export function runNode(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<ChildRun> {
  const usageFile = join(usageDir, `u${++usageCount}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, BENCH_USAGE_FILE: usageFile };
  for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
  // The bench runs with --openssl-legacy-provider for s3rver; the programs it measures do not need it.
  delete env.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // BENCH_NODE_FLAGS: node flags for each measured program (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p", "--trace-gc").
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...flags, '--import', USAGE_PRELOAD, ...args], { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      if (timer) clearTimeout(timer);
      let usage = { maxRssKb: 0, cpuUs: 0 };
      try {
        usage = JSON.parse(readFileSync(usageFile, 'utf8'));
      } catch {
        // killed before its exit handler ran
      }
      resolve({ code, wallMs, cpuMs: usage.cpuUs / 1000, maxRssMb: usage.maxRssKb / 1024, stdout, stderr });
    });
  });
}

/** A long-lived helper process speaking JSON lines (the fault proxy). */
export interface LineChild {
  first: unknown;
  ask(line: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function startLineChild(args: string[], env?: NodeJS.ProcessEnv): Promise<LineChild> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const rl: Interface = createInterface({ input: child.stdout });
  const waiting: Array<{ resolve: (v: unknown) => void; reject: (e: Error) => void }> = [];
  rl.on('line', (line) => waiting.shift()?.resolve(JSON.parse(line)));
  // One exit listener for every question still waiting (not one per question: they would pile up).
  child.once('exit', (code) => {
    const err = new Error(`helper ${args.join(' ')} exited (${code}): ${stderr.slice(-500)}`);
    for (const w of waiting.splice(0)) w.reject(err);
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`helper ${args.join(' ')} has exited: ${stderr.slice(-500)}`));
      else waiting.push({ resolve, reject });
    });
  const first = await next();
  return {
    first,
    ask(line) {
      const p = next();
      child.stdin.write(line + '\n');
      return p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
