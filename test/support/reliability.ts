/**
 * Helpers for the reliability tests (test/reliability): id-file invariants, a recording HTTP
 * proxy for the Reprocessing API (latency, made-up 400s, lost responses, echoed headers), a
 * request-counting sink, child processes that can be SIGKILLed, a metrics log, and GCS helpers
 * (exact fault figures, IAM restrictions, refused tokens) for the loopback GCS server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCrashId } from '../../src/core/crash-id.ts';
import { OBJECT_VIEWER, type GcsAuth, type GcsFaultKind, type GcsFaultPlan, type GcsPermission } from '../../src/demo/gcs-server.ts';
import { mulberry32 } from '../../src/demo/prng.ts';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const NODE = join(ROOT, 'node_modules/.bin/node');
export const CLI = join(ROOT, 'src/cli/index.ts');

// ---------------------------------------------------------------------------------------------
// Metrics: one JSON line per measurement, so the figures of a run can be added up afterwards.

export const METRICS_FILE = process.env.RELIABILITY_METRICS ?? join(tmpdir(), 'socorro-reprocess-reliability.jsonl');

export function metric(test: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ test, ...figures });
  appendFileSync(METRICS_FILE, line + '\n');
  process.stdout.write(`[reliability] ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// Id files

/**
 * The lines of an id file, checked against the contract: ends with '\n' (no torn last line), no
 * blank or CR lines, every line a crash id, each id once. Throws with the reason otherwise.
 */
export async function strictIds(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`${path}: torn last line ${JSON.stringify(text.slice(text.lastIndexOf('\n') + 1))}`);
  const lines = text.slice(0, -1).split('\n');
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    if (!isCrashId(l)) throw new Error(`${path}:${i + 1}: not a crash id: ${JSON.stringify(l)}`);
    if (seen.has(l)) throw new Error(`${path}:${i + 1}: duplicate ${l}`);
    seen.add(l);
  });
  return lines;
}

/** strictIds, sorted; [] when the file does not exist. */
export async function sortedIds(path: string): Promise<string[]> {
  if (!(await exists(path))) return [];
  return (await strictIds(path)).sort();
}

/** Whether the file (as a kill may leave it) ends mid-line. */
export async function hasTornTail(path: string): Promise<boolean> {
  if (!(await exists(path))) return false;
  const text = await readFile(path, 'utf8');
  return text !== '' && !text.endsWith('\n');
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Every file under `dir`, relative, sorted. */
export async function filesUnder(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

/** Counts of values seen more than once. */
export function duplicates(values: Iterable<string>): Map<string, number> {
  const count = new Map<string, number>();
  for (const v of values) count.set(v, (count.get(v) ?? 0) + 1);
  for (const [k, n] of count) if (n < 2) count.delete(k);
  return count;
}

export function sorted(values: Iterable<string>): string[] {
  return [...values].sort();
}

/** Seeded kill points and data. */
export const seeded = mulberry32;

// ---------------------------------------------------------------------------------------------
// An HTTP proxy for the Reprocessing API

export interface ApiProxyOptions {
  /** Holds each request this long before forwarding it (a far-away, slow API). */
  latencyMs?: number;
  /**
   * Ids (without ':ruleset') the proxy refuses as Socorro does for a bad crash id: a batch
   * holding one is answered 400 without reaching the API.
   */
  rejectIds?: Set<string>;
  /** 'named': Socorro's JSON naming the id; 'html': Django's bare 400 page, naming nothing. */
  rejectStyle?: 'named' | 'html';
  /**
   * Share of forwarded requests whose answer is lost: the API handled the batch (and may have
   * accepted it), then the client's connection is reset instead of getting the answer.
   */
  loseResponseRate?: number;
  seed?: number;
  /** Answer every request itself with this status (and `Retry-After: 0`), never forwarding. */
  alwaysStatus?: number;
  /** The body of `alwaysStatus` answers echoes every request header (as debug error pages do). */
  echoHeaders?: boolean;
  /** After this many forwarded requests, answer 403 as Socorro does without the permission. */
  forbidAfter?: number;
}

export interface ApiProxy {
  url: string;
  stats: {
    requests: number;
    forwarded: number;
    rejected400: number;
    forbidden: number;
    /** Batches whose answer was lost, with the upstream status and the ids sent. */
    lost: Array<{ status: number; ids: string[] }>;
    /** In flight now (received, not yet answered or reset). */
    inFlight: number;
  };
  /** Resolves when nothing is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const stripRuleset = (v: string) => (v.includes(':') ? v.slice(0, v.indexOf(':')) : v);

export async function startApiProxy(target: string, opts: ApiProxyOptions = {}): Promise<ApiProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const rand = seeded(opts.seed ?? 1);
  const stats: ApiProxy['stats'] = { requests: 0, forwarded: 0, rejected400: 0, forbidden: 0, lost: [], inFlight: 0 };
  let idleWaiters: Array<() => void> = [];
  const settle = () => {
    stats.inFlight--;
    if (stats.inFlight === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  };

  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    stats.requests++;
    stats.inFlight++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => void handle());
    const handle = async () => {
      const body = Buffer.concat(chunks);
      if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
      if (opts.alwaysStatus !== undefined) {
        const text = opts.echoHeaders ? `error page; request headers: ${JSON.stringify(req.headers)}` : 'Server Error';
        res.writeHead(opts.alwaysStatus, { 'Content-Type': 'text/plain', 'Retry-After': '0', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        settle();
        return;
      }
      const ids = new URLSearchParams(body.toString('utf8')).getAll('crash_ids').map(stripRuleset);
      if (opts.forbidAfter !== undefined && stats.forwarded >= opts.forbidAfter) {
        stats.forbidden++;
        const text = `{"error": "Use of this endpoint requires the 'Reprocess Crashes' permission"}`;
        res.writeHead(403, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        settle();
        return;
      }
      const bad = opts.rejectIds ? ids.find((id) => opts.rejectIds!.has(id)) : undefined;
      if (bad !== undefined) {
        stats.rejected400++;
        const text =
          opts.rejectStyle === 'html'
            ? '<!doctype html>\n<html lang="en">\n<head>\n  <title>Bad Request (400)</title>\n</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n'
            : `{"error": "Bad request: BadArgumentError: Crash id '${bad}' is not valid."}`;
        res.writeHead(400, { 'Content-Type': opts.rejectStyle === 'html' ? 'text/html' : 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        settle();
        return;
      }
      // Decided before forwarding, in arrival order: reproducible for a seed.
      const lose = (opts.loseResponseRate ?? 0) > 0 && rand() < opts.loseResponseRate!;
      stats.forwarded++;
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const up = http.request(
        { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on('data', (c: Buffer) => parts.push(c));
          upRes.on('end', () => {
            if (lose) {
              stats.lost.push({ status: upRes.statusCode ?? 0, ids });
              req.socket.resetAndDestroy();
              settle();
              return;
            }
            const out = Buffer.concat(parts);
            const h = { ...upRes.headers, 'content-length': String(out.length) };
            delete (h as Record<string, unknown>)['transfer-encoding'];
            delete (h as Record<string, unknown>)['connection'];
            delete (h as Record<string, unknown>)['keep-alive'];
            if (!res.destroyed) {
              res.writeHead(upRes.statusCode ?? 502, h);
              res.end(out);
            }
            settle();
          });
        },
      );
      up.on('error', () => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(502, { 'Content-Length': 0 });
          res.end();
        }
        settle();
      });
      // A client that died after sending its request: the API still handles it, as a real
      // server would.
      up.end(body);
    };
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    idle: () => (stats.inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// A sink that counts every request (an S3 endpoint or API that must never be reached)

export interface Sink {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(500, { 'Content-Length': 0 });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  done: Promise<ChildRun>;
}

/** `node <script> ...args` with a clean environment (PATH, HOME and `env` only). */
export function spawnNode(args: string[], env: Record<string, string>, timeoutMs = 120_000): Spawned {
  const child = spawn(NODE, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildRun>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not exit within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

export function spawnCli(argv: string[], env: Record<string, string>, timeoutMs?: number): Spawned {
  return spawnNode([CLI, ...argv], env, timeoutMs);
}

/** Polls `cond` every few ms until it holds (or the child exits, or the deadline passes). */
export async function waitFor(cond: () => boolean, child?: ChildProcess, timeoutMs = 60_000): Promise<boolean> {
  const t0 = Date.now();
  while (!cond()) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) return false;
    if (Date.now() - t0 > timeoutMs) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Google Cloud Storage (the loopback server of src/demo/gcs-server.ts)

/**
 * Puts `env` into process.env and returns the undo. google-auth-library reads Application
 * Default Credentials (GOOGLE_APPLICATION_CREDENTIALS) from the process environment, never from
 * the env object an in-process main() gets, so in-process GCS runs need it there.
 */
export function exportEnv(env: Record<string, string>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** The status the GCS server answers for a fault kind ('0': the connection was reset). */
export const GCS_FAULT_STATUS: Record<Exclude<GcsFaultKind, 'delay'>, string> = { '503': '503', '500': '500', '429': '429', reset: '0' };

/**
 * The faults the GCS server injected into its first `requests` requests under `plan`: its
 * generator makes two draws per request in arrival order (gcs-server.ts), so replaying them
 * gives the exact figures, delays included (those leave no trace in the status counts). Only
 * for plans without `apis` (with `apis`, which requests were eligible is not known here).
 */
export function replayGcsFaults(plan: GcsFaultPlan, requests: number): Record<GcsFaultKind, number> {
  if (plan.apis) throw new Error('replayGcsFaults: a plan restricted to some APIs cannot be replayed');
  const rand = mulberry32(plan.seed);
  const out: Record<GcsFaultKind, number> = { '503': 0, '500': 0, '429': 0, reset: 0, delay: 0 };
  for (let i = 0; i < requests; i++) {
    const hit = rand() < plan.rate;
    const kind = plan.kinds[Math.floor(rand() * plan.kinds.length)];
    if (hit) out[kind]++;
  }
  return out;
}

/** Minimal view of test/support/stores.ts's GCS TestStore that these helpers need. */
interface GcsTestStoreLike {
  gcs?: { auth: GcsAuth | undefined };
  tokens?: { issued: Array<{ token: string; principal: string }>; onIssue(l: (t: { token: string; principal: string }) => void): () => void };
}

/**
 * Gives every principal the token service has issued tokens for, and every later one, exactly
 * `permissions` on the GCS server (IAM in miniature); returns the undo (the README's grant again, stores.ts GCS_GRANT).
 */
export function restrictGcsPermissions(store: GcsTestStoreLike, permissions: readonly GcsPermission[]): () => void {
  const auth = store.gcs!.auth!;
  const principals = new Set(store.tokens!.issued.map((t) => t.principal));
  for (const p of principals) auth.setPermissions(p, permissions);
  const off = store.tokens!.onIssue((t) => {
    principals.add(t.principal);
    auth.setPermissions(t.principal, permissions);
  });
  return () => {
    off();
    for (const p of principals) auth.setPermissions(p, OBJECT_VIEWER);
  };
}

/**
 * From now on GCS refuses every token (those issued so far and every fresh one): credentials
 * that keep getting 401 (tokens for another universe, a deleted service account). Returns the
 * undo, which stops refusing new tokens (the refused ones stay refused).
 */
export function refuseGcsTokens(store: GcsTestStoreLike): () => void {
  const auth = store.gcs!.auth!;
  for (const t of store.tokens!.issued) auth.revoke(t.token);
  return store.tokens!.onIssue((t) => auth.revoke(t.token));
}
