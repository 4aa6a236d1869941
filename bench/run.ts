/**
 * `npm run bench`: the tool's cost against the store's, as ratios measured side by side in one
 * run on the same local server. See bench/README.md for what each row measures and why.
 *
 *   node bench/run.ts [--quick] [--rows 1,2,3,4,5,6,7,8,9] [--servers s3rver,rgw,gcs] [--reps N]
 *                     [--cli auto|dist|src] [--json FILE]
 *
 * --rows takes row numbers (3: 3a, 3b and 3c) or row ids (1b, 3c, 5c).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processedCrashKey } from '../src/core/layouts.ts';
import { makeCrashId, rawCrashKey, seededBytes } from '../src/demo/crashes.ts';
import { startSocorroApi, type FaultPlan } from '../src/demo/socorro-api.ts';
import { chooseCli, type CliChoice } from './lib/cli.ts';
import { scanBench } from './scan.ts';
import { runNode, startLineChild, type ChildRun, type LineChild } from './lib/proc.ts';
import { startGcsBench, startHeadStub, startRgwBench, startS3rverBench, type BenchServer } from './lib/servers.ts';

// s3rver's listing continuation tokens need the legacy OpenSSL provider on Node >= 17.
const LEGACY = '--openssl-legacy-provider';
if (!process.execArgv.includes(LEGACY) && !(process.env.NODE_OPTIONS ?? '').includes(LEGACY)) {
  const r = spawnSync(process.execPath, [LEGACY, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const QUICK = flag('quick');
const ROWS = new Set(option('rows', '1,2,3,4,5,6,7,8,9').split(','));
const SERVERS = new Set(option('servers', 's3rver,rgw,gcs').split(','));
/** Whether a row runs: its id (1b) or its number (1: rows 1 and 1b) was asked for. */
const want = (id: string) => ROWS.has(id) || ROWS.has(id.replace(/[a-z]+$/, ''));
const REPS = Number(option('reps', QUICK ? '1' : '3'));
const say = (s: string) => process.stderr.write(s + '\n');

// ---------------------------------------------------------------- results

interface Row {
  row: string;
  server: string;
  workload: string;
  tool: string;
  baseline: string;
  ratio: string;
  goal: string;
  /** undefined: reported only, no goal. */
  pass?: boolean;
  note?: string;
  /** /proc/loadavg (1, 5, 15 min) when the row was measured: the machine is shared. */
  load?: string;
}
const rows: Row[] = [];
const notes: string[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtRate = (perSec: number, unit = '/s') => `${perSec >= 100 ? Math.round(perSec) : perSec.toFixed(1)}${unit}`;
const fmtX = (x: number) => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
const spread = (xs: number[]) => (xs.length > 1 ? Math.max(...xs) / Math.min(...xs) : 1);
const noisy = (xs: number[]) => (spread(xs) > 1.25 ? ` (noisy: pair ratios ${xs.map((x) => x.toFixed(2)).join(', ')})` : '');

function add(r: Row): void {
  r.load ??= uptime();
  rows.push(r);
  const verdict = r.pass === undefined ? 'report' : r.pass ? 'PASS' : 'FAIL';
  say(`  -> ${r.row} ${r.server}: ${r.tool} vs ${r.baseline} = ${r.ratio} (goal ${r.goal}) ${verdict} [load ${r.load}]${r.note ? ` — ${r.note}` : ''}`);
}

function printTable(): void {
  const head = ['row', 'server', 'workload', 'tool', 'baseline', 'ratio', 'goal', 'result', 'load'];
  const body = rows.map((r) => [r.row, r.server, r.workload, r.tool, r.baseline, r.ratio, r.goal, r.pass === undefined ? 'report' : r.pass ? 'PASS' : 'FAIL', r.load ?? '']);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(width[i])).join(' | ') + ' |';
  const out = [line(head), '|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...body.map(line)];
  process.stdout.write('\n' + out.join('\n') + '\n');
  const withNotes = rows.filter((r) => r.note);
  if (withNotes.length || notes.length) {
    process.stdout.write('\nNotes:\n');
    for (const r of withNotes) process.stdout.write(`- ${r.row} (${r.server}): ${r.note}\n`);
    for (const n of notes) process.stdout.write(`- ${n}\n`);
  }
}

// ---------------------------------------------------------------- fixtures

const work = await mkdtemp(join(tmpdir(), 'bench-work-'));
let outCount = 0;
const freshOut = async () => {
  const d = join(work, `out-${++outCount}`);
  await mkdir(d, { recursive: true });
  return d;
};

/** A seeded set of crash ids of one day, half of them processed. */
function idsOf(day: string, n: number, seed: number) {
  const rand = seededBytes(seed);
  const seen = new Set<string>();
  const ids: string[] = [];
  const processed = new Set<string>();
  while (ids.length < n) {
    const id = makeCrashId(day, rand);
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
    if (rand()[0] & 1) processed.add(id);
  }
  ids.sort();
  return { ids, processed };
}

const countLines = async (p: string) => {
  try {
    return (await readFile(p, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** A child's environment on top of the bench's; undefined removes a variable (see runNode). */
type Env = Record<string, string | undefined>;

let cli: CliChoice;
const runCli = (args: string[], env: Env, timeoutMs = 15 * 60_000) => runNode([...cli.args, ...args], { env, cwd: work, timeoutMs });
const rawHead = (s: { endpoint: string; env: Env }, bucket: string, file: string, c: number) =>
  runNode([join(ROOT, 'bench/children/raw-head.ts'), s.endpoint, bucket, file, String(c)], { env: s.env });
type BareMode = 's3' | 'gcs-xml' | 'gcs-json';
/** bench/children/bare-head.ts: a bare node:http loop, requests made (for S3, signed) before its clock. */
const bareHead = (mode: BareMode, endpoint: string, env: Env, bucket: string, file: string, c: number, then?: 'raw') =>
  runNode([join(ROOT, 'bench/children/bare-head.ts'), mode, endpoint, bucket, file, String(c), ...(then ? [then] : [])], { env });
/** The existence request the tool makes on this store, bare. */
const bareModeOf = (s: BenchServer): BareMode => (s.kind === 's3' ? 's3' : 'gcs-xml');
const parseJson = (r: ChildRun) => {
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`child printed no JSON (exit ${r.code}): ${r.stdout.slice(-300)} ${r.stderr.slice(-500)}`);
  }
};
const expectOk = (r: ChildRun, what: string) => {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.slice(-800)}`);
  return r;
};

async function startProxy(target: string, faults: Record<string, unknown>): Promise<{ url: string; child: LineChild }> {
  const child = await startLineChild([join(ROOT, 'bench/children/proxy.ts'), target, JSON.stringify(faults)]);
  return { url: (child.first as { url: string }).url, child };
}

// ---------------------------------------------------------------- rows

interface CheckFixture {
  bucket: string;
  ids: string[];
  processed: Set<string>;
  file: string;
}

async function checkFixture(server: BenchServer, n: number): Promise<CheckFixture> {
  const bucket = `bench-check-${server.name}`;
  const { ids, processed } = idsOf('20240115', n, 11);
  const t0 = performance.now();
  // The ids' raw crashes too: check looks up when each havenot's raw crash was saved.
  await server.seed(bucket, [...ids.map((id) => rawCrashKey('v1', id)), ...[...processed].map(processedCrashKey)]);
  say(`  seeded ${n} raw and ${processed.size} processed crashes in ${bucket} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  const file = join(work, `${bucket}-ids.txt`);
  await writeFile(file, ids.join('\n') + '\n');
  return { bucket, ids, processed, file };
}

async function writeSubset(fx: CheckFixture, n: number, name: string): Promise<string> {
  const file = join(work, `${fx.bucket}-${name}.txt`);
  await writeFile(file, fx.ids.slice(0, n).join('\n') + '\n');
  return file;
}

interface LoopOutput {
  counts: Record<string, number>;
  loopMs: number;
  /** bare-head.ts only: building (and signing) the requests before the loop, and the loop's own CPU. */
  prepMs?: number;
  prepCpuMs?: number;
  loopCpuMs?: number;
  /** bare-head.ts with `raw`: the answers to the raw-crash HEADs that followed the 404s. */
  raw?: Record<string, number>;
}

function verifyRaw(r: ChildRun, fx: CheckFixture, n: number) {
  const o = parseJson(r) as LoopOutput;
  const processed = fx.ids.slice(0, n).filter((id) => fx.processed.has(id)).length;
  if ((o.counts['200'] ?? 0) !== processed || (o.counts['404'] ?? 0) !== n - processed) {
    throw new Error(`raw HEAD loop got ${JSON.stringify(o.counts)}, expected 200×${processed} 404×${n - processed}`);
  }
  return o;
}

async function verifyCheck(r: ChildRun, out: string, fx: CheckFixture, n: number) {
  expectOk(r, 'check');
  const haves = await countLines(join(out, 'haves.txt'));
  const havenots = await countLines(join(out, 'havenots.txt'));
  const want = fx.ids.slice(0, n);
  const wrong = haves.filter((id) => !fx.processed.has(id)).length + havenots.filter((id) => fx.processed.has(id)).length;
  const classified = new Set([...haves, ...havenots]).size;
  return { classified, wrong, total: want.length, haves: haves.length, havenots: havenots.length };
}

/** Row 1: check vs a bare SDK HEAD loop, same concurrency, both as processes. */
async function row1(server: BenchServer, fx: CheckFixture) {
  const n = fx.ids.length;
  const c = 128;
  const ratios: number[] = [];
  const checkRates: number[] = [];
  const rawRates: number[] = [];
  const cpu = { check: [] as number[], raw: [] as number[] };
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? ['raw', 'check'] : ['check', 'raw'];
    const got: Record<string, number> = {};
    for (const which of order) {
      if (which === 'raw') {
        const r = await rawHead(server, fx.bucket, fx.file, c);
        verifyRaw(r, fx, n);
        got.raw = (n * 1000) / r.wallMs;
        cpu.raw.push(r.cpuMs);
      } else {
        const out = await freshOut();
        const r = await runCli(['check', fx.file, '--bucket', fx.bucket, '--endpoint', server.endpoint, '--path-style', '--out', out, '--concurrency', String(c), '-q'], server.env);
        const v = await verifyCheck(r, out, fx, n);
        if (v.classified !== n || v.wrong) throw new Error(`check classified ${v.classified}/${n}, ${v.wrong} wrong`);
        got.check = (n * 1000) / r.wallMs;
        cpu.check.push(r.cpuMs);
      }
    }
    say(`    rep ${rep + 1}: check ${fmtRate(got.check)}, raw SDK ${fmtRate(got.raw)} -> ${(got.check / got.raw).toFixed(2)}`);
    ratios.push(got.check / got.raw);
    checkRates.push(got.check);
    rawRates.push(got.raw);
  }
  const ratio = median(ratios);
  const cpuPerK = (xs: number[]) => ((median(xs) * 1000) / n).toFixed(0);
  add({
    row: '1 check ÷ raw SDK HEAD loop',
    server: server.name,
    workload: `${n} ids, c${c}, process start incl., ${REPS} pair(s)`,
    tool: fmtRate(median(checkRates)),
    baseline: fmtRate(median(rawRates)),
    ratio: ratio.toFixed(2),
    goal: '≥ 0.90',
    pass: ratio >= 0.9,
    note: `client CPU per 1000 ids: check ${cpuPerK(cpu.check)} ms, raw SDK loop ${cpuPerK(cpu.raw)} ms (start included)${noisy(ratios)}`,
  });
}

/**
 * A store with latency added: S3 through the fault proxy (its own process), GCS by the GCS
 * server itself. `args` name the bucket for the CLI, `endpoint` is what the baselines talk to.
 */
interface Far {
  endpoint: string;
  env: Env;
  args(bucket: string): string[];
  close(): Promise<void>;
}

async function far(server: BenchServer, latencyMs: number): Promise<Far> {
  if (server.gcs) {
    const gcs = server.gcs;
    await gcs.setLatency(latencyMs);
    return { endpoint: server.endpoint, env: server.env, args: (b) => server.cliArgs(b), close: () => gcs.setLatency(0) };
  }
  const proxy = await startProxy(server.endpoint, { latencyMs });
  return { endpoint: proxy.url, env: server.env, args: (b) => server.cliArgs(b, proxy.url), close: () => proxy.child.close() };
}

/** Row 2: check at its default concurrency vs one HEAD at a time, 50 ms added (S3: the proxy; GCS: the server). */
async function row2(server: BenchServer, fx: CheckFixture) {
  const lat = await far(server, 50);
  try {
    const n = fx.ids.length;
    const seqN = QUICK ? 100 : 200;
    const seqFile = await writeSubset(fx, seqN, 'seq');
    // The baseline's client: the SDK on S3 (as before), a bare node:http loop on GCS.
    const loop = (file: string, c: number) => (server.kind === 's3' ? rawHead(lat, fx.bucket, file, c) : bareHead('gcs-xml', lat.endpoint, lat.env, fx.bucket, file, c));
    const ratios: number[] = [];
    const checkRates: number[] = [];
    const seqRates: number[] = [];
    for (let rep = 0; rep < Math.max(1, Math.min(REPS, 2)); rep++) {
      const s = verifyRaw(await loop(seqFile, 1), fx, seqN);
      const seqRate = (seqN * 1000) / s.loopMs;
      const out = await freshOut();
      const r = await runCli(['check', fx.file, ...lat.args(fx.bucket), '--out', out, '-q'], lat.env);
      const v = await verifyCheck(r, out, fx, n);
      if (v.classified !== n || v.wrong) throw new Error(`check classified ${v.classified}/${n}, ${v.wrong} wrong`);
      const checkRate = (n * 1000) / r.wallMs;
      say(`    rep ${rep + 1}: check ${fmtRate(checkRate)}, sequential ${fmtRate(seqRate)} -> ${(checkRate / seqRate).toFixed(1)}×`);
      ratios.push(checkRate / seqRate);
      checkRates.push(checkRate);
      seqRates.push(seqRate);
    }
    // For scale: what a bare pool gets through the same latency (walk only, no process start).
    const naive = verifyRaw(await loop(fx.file, 64), fx, n);
    const cap = verifyRaw(await loop(fx.file, 128), fx, n);
    const seq = median(seqRates);
    const ratio = median(ratios);
    add({
      row: '2 check (default c) ÷ sequential HEAD, +50 ms',
      server: server.name,
      workload: `${n} ids (sequential: ${seqN}), process start incl. for check only`,
      tool: fmtRate(median(checkRates)),
      baseline: fmtRate(seq),
      ratio: fmtX(ratio),
      goal: '≥ 40×',
      pass: ratio >= 40,
      note:
        `+50 ms by ${server.kind === 's3' ? 'the proxy' : 'the GCS server'}; same latency, bare ${server.kind === 's3' ? 'SDK' : 'node:http'} loop (no process start): 64-way ${fmtX((n * 1000) / naive.loopMs / seq)}, ` +
        `128-way ${fmtX((n * 1000) / cap.loopMs / seq)} (${fmtRate((n * 1000) / cap.loopMs)})${noisy(ratios)}`,
    });
  } finally {
    await lat.close();
  }
}

/** Rows 3a and 3b (S3): list, v2 (4096 prefixes) and v1 (one prefix, split on hex boundaries), 100 ms added. */
async function row3(server: BenchServer) {
  const bucket = `bench-list-${server.name}`;
  const v2Day = '20220301';
  const v1Day = '20240301';
  // Few keys: s3rver stats every entry of every folder it walks on each LIST, so a fuller v2 day
  // would measure its filesystem walk (3.3 ms a LIST at 512 keys, 1 ms at 64), not the tool.
  const v2n = 64;
  const v1n = server.name === 's3rver' ? (QUICK ? 4000 : 12000) : QUICK ? 3000 : 8000;
  const v2 = idsOf(v2Day, v2n, 21).ids;
  const v1 = idsOf(v1Day, v1n, 22).ids;
  const t0 = performance.now();
  await server.seed(bucket, [...(want('3a') ? v2.map((id) => rawCrashKey('v2', id)) : []), ...(want('3b') ? v1.map((id) => rawCrashKey('v1', id)) : [])]);
  say(`  seeded ${v2n} v2 + ${v1n} v1 raw crashes in ${bucket} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  const proxy = await startProxy(server.endpoint, { latencyMs: 100 });
  try {
    if (want('3a')) await row3a(server, proxy.url, bucket, v2Day, v2n);
    if (want('3b')) await row3b(server, proxy.url, bucket, v1Day, v1n);
  } finally {
    await proxy.child.close();
  }
}

async function row3a(server: BenchServer, proxyUrl: string, bucket: string, v2Day: string, v2n: number) {
  const seqPrefixes = QUICK ? 64 : 128;
  const ratios: number[] = [];
  const par: number[] = [];
  const seq: number[] = [];
  for (let rep = 0; rep < Math.max(1, Math.min(REPS, 2)); rep++) {
    const out = await freshOut();
    const r = expectOk(await runCli(['list', '--bucket', bucket, '--dates', v2Day, '--layout', 'v2', '--endpoint', proxyUrl, '--path-style', '--out', out, '-q'], server.env), 'list v2');
    const listed = (await countLines(join(out, 'uuids.txt'))).length;
    if (listed !== v2n) throw new Error(`list v2 found ${listed} of ${v2n}`);
    const s = parseJson(await runNode([join(ROOT, 'bench/children/seq-list.ts'), proxyUrl, bucket, 'v2', v2Day, String(seqPrefixes)], { env: server.env })) as { loopMs: number };
    const parRate = (4096 * 1000) / r.wallMs;
    const seqRate = (seqPrefixes * 1000) / s.loopMs;
    say(`    rep ${rep + 1}: list v2 ${fmtRate(parRate, ' prefixes/s')} (${(r.wallMs / 1000).toFixed(1)}s), sequential ${fmtRate(seqRate, ' prefixes/s')} -> ${(parRate / seqRate).toFixed(1)}×`);
    ratios.push(parRate / seqRate);
    par.push(parRate);
    seq.push(seqRate);
  }
  const ratio = median(ratios);
  add({
    row: '3a list v2 day ÷ sequential prefix walk, +100 ms',
    server: server.name,
    workload: `4096 prefixes, ${v2n} keys (sequential: first ${seqPrefixes} prefixes), process start incl. for list`,
    tool: fmtRate(median(par), ' pfx/s'),
    baseline: fmtRate(median(seq), ' pfx/s'),
    ratio: fmtX(ratio),
    goal: '≥ 30×',
    pass: ratio >= 30,
    note: `whole day: list ${(4096 / median(par)).toFixed(1)} s, sequential walk ${(4096 / median(seq)).toFixed(0)} s (extrapolated)${noisy(ratios)}`,
  });
}

async function row3b(server: BenchServer, proxyUrl: string, bucket: string, v1Day: string, v1n: number) {
  const out = await freshOut();
  const r = expectOk(await runCli(['list', '--bucket', bucket, '--dates', v1Day, '--endpoint', proxyUrl, '--path-style', '--out', out, '-q'], server.env), 'list v1');
  const listed = (await countLines(join(out, 'uuids.txt'))).length;
  if (listed !== v1n) throw new Error(`list v1 found ${listed} of ${v1n}`);
  const s = parseJson(await runNode([join(ROOT, 'bench/children/seq-list.ts'), proxyUrl, bucket, 'v1', v1Day], { env: server.env })) as { loopMs: number; requests: number };
  // The same walk as list's, without process start: for a day this small, starting node is
  // a third of the CLI's time, and the row is about the listing strategy.
  const p = parseJson(await runNode([join(ROOT, 'bench/children/par-list.ts'), proxyUrl, bucket, 'v1', v1Day, await freshOut()], { env: server.env })) as { loopMs: number; requests: number; total: number };
  if (p.total !== v1n) throw new Error(`list v1 (in-process) found ${p.total} of ${v1n}`);
  add({
    row: '3b list v1 day (16 slices) ÷ one paging walk, +100 ms',
    server: server.name,
    workload: `${v1n} keys under one prefix: ${s.requests} pages walked vs ${p.requests} LISTs in 16 slices (walks only)`,
    tool: `${(p.loopMs / 1000).toFixed(2)} s`,
    baseline: `${(s.loopMs / 1000).toFixed(2)} s`,
    ratio: fmtX(s.loopMs / p.loopMs),
    goal: 'report',
    note: `the CLI, process start included: ${(r.wallMs / 1000).toFixed(1)} s`,
  });
}

/** Row 4a: peak RSS of reprocess --dry-run over 1,000,000 ids (and a 100,000-id ledger). */
async function row4a() {
  const dir = join(work, 'mem-reprocess');
  await mkdir(dir, { recursive: true });
  const n = 1_000_000;
  const rand = seededBytes(41);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(makeCrashId('20240115', rand));
  await writeFile(join(dir, 'havenots.txt'), lines.join('\n') + '\n');
  await writeFile(join(dir, 'reprocessed.txt'), lines.filter((_, i) => i % 10 === 0).join('\n') + '\n');
  lines.length = 0;
  const rss: number[] = [];
  const secs: number[] = [];
  for (let rep = 0; rep < 2; rep++) {
    const r = expectOk(await runCli(['reprocess', '--dry-run', '--allow-many', '--out', dir, '-q'], {}), 'reprocess --dry-run');
    if (!/900000 id\(s\) would be submitted/.test(r.stdout)) throw new Error(`unexpected dry run output: ${r.stdout}`);
    rss.push(r.maxRssMb);
    secs.push(r.wallMs / 1000);
  }
  const base = expectOk(await runCli(['--help'], {}), '--help');
  const peak = Math.max(...rss);
  add({
    row: '4a peak RSS, reprocess --dry-run --allow-many',
    server: '-',
    workload: `${n} ids + 100000-id ledger (read, dedupe, batch)`,
    tool: `${peak.toFixed(0)} MB`,
    baseline: `${base.maxRssMb.toFixed(0)} MB (--help)`,
    ratio: '-',
    goal: '< 120 MB',
    pass: peak < 120,
    note: `runs: ${rss.map((x) => x.toFixed(0)).join(', ')} MB in ${secs.map((x) => x.toFixed(1)).join(', ')} s`,
  });
}

/** Row 4b: RSS growth of check from 20,000 to 200,000 ids (a HEAD stub stands in for S3). */
async function row4b() {
  const stub = await startHeadStub();
  try {
    const rand = seededBytes(43);
    const big = QUICK ? 100_000 : 200_000;
    const ids: string[] = [];
    for (let i = 0; i < big; i++) ids.push(makeCrashId('20240115', rand));
    const small = join(work, 'mem-check-20k.txt');
    const large = join(work, `mem-check-${big / 1000}k.txt`);
    await writeFile(small, ids.slice(0, 20_000).join('\n') + '\n');
    await writeFile(large, ids.join('\n') + '\n');
    const env = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-west-2' };
    const one = async (file: string, n: number) => {
      const out = await freshOut();
      const r = expectOk(await runCli(['check', file, '--bucket', 'stub', '--endpoint', stub.endpoint, '--path-style', '--out', out, '-q'], env), 'check');
      const done = (await countLines(join(out, 'haves.txt'))).length + (await countLines(join(out, 'havenots.txt'))).length;
      if (done !== n) throw new Error(`check classified ${done} of ${n}`);
      return r;
    };
    const a = await one(small, 20_000);
    const b = await one(large, big);
    const growth = b.maxRssMb - a.maxRssMb;
    add({
      row: '4b RSS growth of check, 20k → 200k ids',
      server: 'HEAD stub',
      workload: `20000 and ${big} ids, default concurrency`,
      tool: `+${growth.toFixed(1)} MB`,
      baseline: `${a.maxRssMb.toFixed(0)} → ${b.maxRssMb.toFixed(0)} MB`,
      ratio: '-',
      goal: '< 30 MB',
      pass: growth < 30,
      note: `${big} ids at ${fmtRate((big * 1000) / b.wallMs)} against an instant stub (the tool alone)`,
    });
  } finally {
    await stub.close();
  }
}

/** Row 5: S3 SlowDown above a request rate: every id still classified, none wrong. */
async function row5(server: BenchServer, fx: CheckFixture) {
  const limit = server.name === 's3rver' ? 400 : 300;
  const n = Math.min(fx.ids.length, QUICK ? 2000 : limit * 10);
  const file = await writeSubset(fx, n, 'throttle');
  const proxy = await startProxy(server.endpoint, { maxRps: limit, only: 'HEAD', latencyMs: 20 });
  try {
    let throttled = 0;
    if (want('5')) {
      const out = await freshOut();
      const r = await runCli(['check', file, '--bucket', fx.bucket, '--endpoint', proxy.url, '--path-style', '--out', out], server.env);
      const stats = (await proxy.child.ask('stats')) as { requests: number; injected: Record<string, number> };
      const v = await verifyCheck(r, out, fx, n);
      const achieved = (n * 1000) / r.wallMs;
      throttled = stats.injected.throttled ?? 0;
      const ok = r.code === 0 && v.classified === n && v.wrong === 0;
      add({
        row: '5 check under SlowDown above a rate',
        server: server.name,
        workload: `${n} ids, 503 SlowDown above ${limit} HEAD/s, +20 ms`,
        tool: `${fmtRate(achieved)} (${Math.round((achieved / limit) * 100)}% of limit)`,
        baseline: `${limit}/s limit`,
        ratio: `${v.classified}/${n} classified, ${v.wrong} wrong`,
        goal: `all classified, 0 wrong, exit 0`,
        pass: ok,
        // Ids a second understate what the store let through: each havenot's raw crash is a HEAD too.
        note: `the store let through ${fmtRate(((stats.requests - throttled) * 1000) / r.wallMs)} (${Math.round(((stats.requests - throttled) * 1000 * 100) / r.wallMs / limit)}% of limit, process start included); ` +
          `${throttled} SlowDowns answered of ${stats.requests} HEADs; exit ${r.code}; ${r.stdout.split('\n').find((l) => l.trim().startsWith('checked'))?.trim() ?? ''}`,
      });
    }
    if (!want('5b')) return;

    // Four check jobs at once on the same limit: S3's is per prefix, and every job shares one.
    const jobs = 4;
    const per = Math.floor(n / jobs);
    const files: string[] = [];
    for (let j = 0; j < jobs; j++) {
      const f = join(work, `throttle-job-${j}.txt`);
      await writeFile(f, fx.ids.slice(j * per, (j + 1) * per).join('\n') + '\n');
      files.push(f);
    }
    await proxy.child.ask(`set ${JSON.stringify({ maxRps: limit, only: 'HEAD', latencyMs: 20 })}`);
    const outs = await Promise.all(files.map(() => freshOut()));
    const stats1 = (await proxy.child.ask('stats')) as { requests: number; injected: Record<string, number> };
    const t0 = performance.now();
    const runs = await Promise.all(files.map((f, j) => runCli(['check', f, '--bucket', fx.bucket, '--endpoint', proxy.url, '--path-style', '--out', outs[j], '-q'], server.env)));
    const wall = performance.now() - t0;
    const stats2 = (await proxy.child.ask('stats')) as { requests: number; injected: Record<string, number> };
    let classified = 0;
    let wrong = 0;
    for (let j = 0; j < jobs; j++) {
      const haves = await countLines(join(outs[j], 'haves.txt'));
      const havenots = await countLines(join(outs[j], 'havenots.txt'));
      classified += new Set([...haves, ...havenots]).size;
      wrong += haves.filter((id) => !fx.processed.has(id)).length + havenots.filter((id) => fx.processed.has(id)).length;
    }
    const total = per * jobs;
    const rate = (total * 1000) / wall;
    const throttled2 = (stats2.injected.throttled ?? 0) - (stats1.injected.throttled ?? 0);
    const letThrough = ((stats2.requests - stats1.requests - throttled2) * 1000) / wall;
    add({
      row: '5b 4 check jobs sharing one SlowDown limit',
      server: server.name,
      workload: `${jobs}×${per} ids, 503 above ${limit} HEAD/s in all, +20 ms`,
      tool: `${fmtRate(rate)} (${Math.round((rate / limit) * 100)}% of limit)`,
      baseline: `${limit}/s limit`,
      ratio: `${classified}/${total} classified, ${wrong} wrong`,
      goal: 'all classified, 0 wrong, exit 0',
      pass: runs.every((x) => x.code === 0) && classified === total && wrong === 0,
      note: `the store let through ${fmtRate(letThrough)} (${Math.round((letThrough / limit) * 100)}% of limit); ` +
        `${throttled2} SlowDowns answered; exits ${runs.map((x) => x.code).join(',')}`,
    });
  } finally {
    await proxy.child.close();
  }
}

/** Row 1b: check ÷ a bare keep-alive node:http HEAD loop at the same concurrency, both processes. */
async function row1b(server: BenchServer, fx: CheckFixture) {
  const n = fx.ids.length;
  const c = 64;
  const mode = bareModeOf(server);
  const ratios: number[] = [];
  const checkRates: number[] = [];
  const bareRates: number[] = [];
  const cpu = { check: [] as number[], bare: [] as number[], same: [] as number[] };
  let prepMs = 0;
  let checkRequests = 0;
  const sameRates: number[] = [];
  const havenots = n - fx.ids.filter((id) => fx.processed.has(id)).length;
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? ['bare', 'check', 'same'] : ['same', 'check', 'bare'];
    const got: Record<string, number> = {};
    for (const which of order) {
      if (which === 'bare') {
        const r = await bareHead(mode, server.endpoint, server.env, fx.bucket, fx.file, c);
        const o = verifyRaw(r, fx, n);
        // Process start included; the requests' headers (S3: signatures) made before the clock.
        prepMs = o.prepMs ?? 0;
        got.bare = (n * 1000) / (r.wallMs - prepMs);
        cpu.bare.push(r.cpuMs - (o.prepCpuMs ?? 0));
      } else if (which === 'same') {
        // The same requests as check makes: a 404 is followed by a HEAD of the id's raw crash.
        const r = await bareHead(mode, server.endpoint, server.env, fx.bucket, fx.file, c, 'raw');
        const o = verifyRaw(r, fx, n);
        if ((o.raw?.['200'] ?? 0) !== havenots) throw new Error(`bare loop's raw-crash HEADs got ${JSON.stringify(o.raw)}, expected 200×${havenots}`);
        got.same = (n * 1000) / (r.wallMs - (o.prepMs ?? 0));
        cpu.same.push(r.cpuMs - (o.prepCpuMs ?? 0));
      } else {
        const out = await freshOut();
        const before = await server.requests?.();
        const r = await runCli(['check', fx.file, ...server.cliArgs(fx.bucket), '--out', out, '--concurrency', String(c), '-q'], server.env);
        const after = await server.requests?.();
        checkRequests = before === undefined || after === undefined ? 0 : after - before;
        const v = await verifyCheck(r, out, fx, n);
        if (v.classified !== n || v.wrong) throw new Error(`check classified ${v.classified}/${n}, ${v.wrong} wrong: ${r.stderr.slice(-300)}`);
        got.check = (n * 1000) / r.wallMs;
        cpu.check.push(r.cpuMs);
      }
    }
    say(`    rep ${rep + 1}: check ${fmtRate(got.check)}, bare node:http ${fmtRate(got.bare)} -> ${(got.check / got.bare).toFixed(2)} (bare with raw-crash HEADs ${fmtRate(got.same)})`);
    ratios.push(got.check / got.bare);
    checkRates.push(got.check);
    bareRates.push(got.bare);
    sameRates.push(got.same);
  }
  const ratio = median(ratios);
  const perK = (xs: number[]) => (median(xs) * 1000) / n;
  // RGW cannot say: then one HEAD an id and one more for each havenot's raw crash.
  const requests = checkRequests || n + havenots;
  const same = `against a bare loop that also HEADs each havenot's raw crash (${n + havenots} requests): ${(median(checkRates) / median(sameRates)).toFixed(2)}`;
  add({
    row: `1b check ÷ bare node:http HEAD loop, c${c}`,
    server: server.name,
    workload: `${n} ids, c${c}, process start incl., ${REPS} pair(s)`,
    tool: fmtRate(median(checkRates)),
    baseline: fmtRate(median(bareRates)),
    ratio: ratio.toFixed(2),
    goal: '≥ 0.85',
    pass: ratio >= 0.85,
    note:
      `check sent ${checkRequests ? '' : '≈'}${requests} requests for the ${n} ids (the bucket check's listing among them), the loop ${n}; ` +
      (server.kind === 's3'
        ? `the loop's ${n} SigV4 signatures were made before its clock (${prepMs.toFixed(0)} ms, not counted)`
        : 'plain XML HEADs, no Authorization') +
      `; ${same}${noisy(ratios)}`,
  });
  // The same runs' CPU: what the tool spends per id beyond what the runtime itself must.
  const cpuRatios = cpu.check.map((x, i) => x / cpu.bare[i]);
  const cpuRatio = median(cpuRatios);
  add({
    row: `1c check's CPU per 1000 ids ÷ the bare loop's, c${c}`,
    server: server.name,
    workload: `row 1b's runs (user + system, process start incl.)`,
    tool: `${perK(cpu.check).toFixed(0)} ms`,
    baseline: `${perK(cpu.bare).toFixed(0)} ms`,
    ratio: fmtX(cpuRatio),
    goal: '≤ 1.5×',
    pass: cpuRatio <= 1.5,
    note:
      `per request: check ${((median(cpu.check) * 1000) / requests).toFixed(0)} µs (${requests} requests), bare loop ${((median(cpu.bare) * 1000) / n).toFixed(0)} µs; ` +
      `the bare loop making check's requests (raw-crash HEADs too) ${perK(cpu.same).toFixed(0)} ms per 1000 ids, check ÷ it ${fmtX(median(cpu.check) / median(cpu.same))}` +
      `${server.kind === 's3' ? '; check signs its requests, the loop does not (row 8)' : ''}${noisy(cpuRatios)}`,
  });
}

/**
 * Row 3c (GCS): list of a v1 day ÷ one paging walk, 100 ms added by the server, which also caps
 * every list page at 200 entries (GCS may return fewer than maxResults): a 20,000-crash day is
 * 100 pages for the walk.
 */
async function row3c(server: BenchServer) {
  const gcs = server.gcs!;
  const bucket = `bench-list-${server.name}`;
  const day = '20240301';
  const n = QUICK ? 8000 : 20_000;
  const pageLimit = 200;
  const { ids } = idsOf(day, n, 22);
  const t0 = performance.now();
  await server.seed(bucket, ids.map((id) => rawCrashKey('v1', id)));
  const perSlice = new Map<string, number>();
  for (const id of ids) perSlice.set(id[0], (perSlice.get(id[0]) ?? 0) + 1);
  const fullest = Math.max(...perSlice.values());
  say(`  seeded ${n} v1 raw crashes in ${bucket} (${((performance.now() - t0) / 1000).toFixed(1)}s); fullest hex slice ${fullest} keys`);
  const walk = async () => {
    const s = parseJson(await runNode([join(ROOT, 'bench/children/gcs-seq-list.ts'), server.endpoint, bucket, day], { env: server.env })) as { loopMs: number; requests: number; keys: number };
    if (s.keys !== n) throw new Error(`the paging walk saw ${s.keys} of ${n} keys`);
    return s;
  };
  await gcs.setPageLimit(pageLimit);
  // One walk without latency first: the server renders each object's resource once, which the
  // first walk measured would pay alone.
  await walk();
  await gcs.setLatency(100);
  try {
    const ratios: number[] = [];
    const par: number[] = [];
    const seq: number[] = [];
    let pages = 0;
    let lists = 0;
    for (let rep = 0; rep < Math.max(1, Math.min(REPS, 3)); rep++) {
      const s = await walk();
      // The list mode's own walk, in process (no process start): the row is about the strategy.
      const p = parseJson(await runNode([join(ROOT, 'bench/children/par-list.ts'), server.endpoint, bucket, 'v1', day, await freshOut(), 'gcs'], { env: server.env })) as { loopMs: number; requests: number; total: number };
      if (p.total !== n) throw new Error(`list v1 (in-process) found ${p.total} of ${n}`);
      say(`    rep ${rep + 1}: list ${(p.loopMs / 1000).toFixed(2)} s (${p.requests} lists), one walk ${(s.loopMs / 1000).toFixed(2)} s (${s.requests} pages) -> ${(s.loopMs / p.loopMs).toFixed(1)}×`);
      ratios.push(s.loopMs / p.loopMs);
      par.push(p.loopMs);
      seq.push(s.loopMs);
      pages = s.requests;
      lists = p.requests;
    }
    const out = await freshOut();
    const r = expectOk(await runCli(['list', ...server.cliArgs(bucket), '--dates', day, '--out', out, '-q'], server.env), 'list v1 (GCS)');
    const listed = (await countLines(join(out, 'uuids.txt'))).length;
    if (listed !== n) throw new Error(`list v1 on GCS found ${listed} of ${n}`);
    const ratio = median(ratios);
    // What a page costs beyond the latency (server and client), from the walk itself; the
    // one-threaded server renders pages one after another, so the tool's lists take at least
    // lists × that, however many are in flight.
    const pageMs = Math.max(0, median(seq) / pages - 100);
    const floorMs = Math.max(100 + pageMs, lists * pageMs);
    add({
      row: '3c list v1 day ÷ one paging walk, +100 ms, pages ≤ 200',
      server: server.name,
      workload: `${n} keys under one prefix: ${pages} pages walked vs ${lists} lists (walks only, ${REPS > 1 ? 'median of pairs' : 'one pair'})`,
      tool: `${(median(par) / 1000).toFixed(2)} s`,
      baseline: `${(median(seq) / 1000).toFixed(2)} s`,
      ratio: fmtX(ratio),
      goal: '≥ 10×',
      pass: ratio >= 10,
      note:
        `+100 ms and pages of at most ${pageLimit} by the GCS server; both ask fields=items(name,updated),nextPageToken; fullest hex slice ${fullest} keys ` +
        `(${Math.ceil(fullest / pageLimit)} pages); a page costs ${pageMs.toFixed(1)} ms beyond the latency (the walk's), and the one-threaded server renders ` +
        `the ${lists} lists one after another: at least ${(floorMs / 1000).toFixed(2)} s, so ${fmtX(median(seq) / floorMs)} is about this bench's ceiling; ` +
        `the CLI, process start included: ${(r.wallMs / 1000).toFixed(2)} s${noisy(ratios)}`,
    });
  } finally {
    await gcs.setLatency(0);
    await gcs.setPageLimit(undefined);
  }
}

/** Row 4c (GCS): RSS growth of check from 20,000 to 200,000 ids against the GCS server answering at once. */
async function row4c(server: BenchServer) {
  const gcs = server.gcs!;
  const big = QUICK ? 100_000 : 200_000;
  const small = 20_000;
  const bucket = 'bench-mem-gcs';
  const { ids, processed } = idsOf('20240115', big, 43);
  const t0 = performance.now();
  await server.seed(bucket, [...ids.map((id) => rawCrashKey('v1', id)), ...[...processed].map(processedCrashKey)]);
  say(`  seeded ${big} raw and ${processed.size} processed crashes in ${bucket} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  const fx: CheckFixture = { bucket, ids, processed, file: join(work, `mem-gcs-${big / 1000}k.txt`) };
  await writeFile(fx.file, ids.join('\n') + '\n');
  const smallFile = await writeSubset(fx, small, '20k');
  await gcs.setLatency(0);
  await gcs.setRateLimit(undefined);
  const one = async (file: string, n: number) => {
    const out = await freshOut();
    const r = expectOk(await runCli(['check', file, ...server.cliArgs(bucket), '--out', out, '-q'], server.env), 'check (GCS)');
    const v = await verifyCheck(r, out, fx, n);
    if (v.classified !== n || v.wrong) throw new Error(`check on GCS classified ${v.classified}/${n}, ${v.wrong} wrong`);
    return r;
  };
  const a = await one(smallFile, small);
  const b = await one(fx.file, big);
  const growth = b.maxRssMb - a.maxRssMb;
  add({
    row: '4c RSS growth of check, 20k → 200k ids',
    server: server.name,
    workload: `${small} and ${big} ids, default concurrency, no latency`,
    tool: `+${growth.toFixed(1)} MB`,
    baseline: `${a.maxRssMb.toFixed(0)} → ${b.maxRssMb.toFixed(0)} MB`,
    ratio: '-',
    goal: '< 30 MB',
    pass: growth < 30,
    note: `${big} ids at ${fmtRate((big * 1000) / b.wallMs)} (process start incl.), every verdict checked against the seeded truth`,
  });
}

/**
 * Row 5c: 8, then 16, check jobs at once behind ONE store rate limit, +20 ms: S3 through the
 * proxy's maxRps (503 SlowDown), GCS by the server's own limit on reads (429, then 503). The
 * same ids in all, split among the jobs. Two rates from the store's view, from the first request
 * it let through to the last (sampled every 10 ms): ids classified a second, what a user waits
 * for, and requests let through a second, whatever they were (check also HEADs the raw crash of
 * each havenot that has no saved time).
 */
async function row5c(server: BenchServer, fx: CheckFixture) {
  const limit = server.name === 'ceph-rgw' ? 300 : 400;
  const total = Math.min(fx.ids.length, QUICK ? 2000 : 8000);
  const variants: Array<429 | 503> = server.kind === 's3' ? [503] : [429, 503];
  for (const jobs of [8, 16]) {
    const per = Math.floor(total / jobs);
    const files: string[] = [];
    for (let j = 0; j < jobs; j++) {
      const f = join(work, `shared-${server.name}-${jobs}-${j}.txt`);
      await writeFile(f, fx.ids.slice(j * per, (j + 1) * per).join('\n') + '\n');
      files.push(f);
    }
    for (const status of variants) await row5cOnce(server, fx, files, per, limit, status);
  }
}

async function row5cOnce(server: BenchServer, fx: CheckFixture, files: string[], per: number, limit: number, status: 429 | 503) {
  const jobs = files.length;
  const total = per * jobs;
  // Set up the limit; `stop` undoes it, `window` reads the store's view of the run.
  let args: (b: string) => string[];
  let window: () => Promise<{ inSpan: number; spanMs: number; throttled: number; answered: number }>;
  let stop: () => Promise<void>;
  let what: string;
  if (server.gcs) {
    const gcs = server.gcs;
    // The burst as the proxy's (a tenth of a second's worth), so both limits let the same through.
    await gcs.setRateLimit({ perSecond: limit, burst: Math.max(1, limit / 10), scope: 'reads' }, status);
    await gcs.setLatency(20);
    await gcs.resetStats();
    await gcs.sample();
    args = (b) => server.cliArgs(b);
    window = async () => {
      const w = await gcs.window();
      const c = await gcs.counts();
      return { ...w, throttled: c.byStatus[String(status)] ?? 0, answered: c.requests };
    };
    stop = async () => {
      await gcs.setRateLimit(undefined);
      await gcs.setLatency(0);
    };
    what = `GCS server: ${status} above ${limit} reads/s`;
  } else {
    const proxy = await startProxy(server.endpoint, { maxRps: limit, only: 'HEAD', latencyMs: 20 });
    await proxy.child.ask('sample');
    args = (b) => server.cliArgs(b, proxy.url);
    window = async () => {
      const w = (await proxy.child.ask('window')) as { inSpan: number; spanMs: number };
      const st = (await proxy.child.ask('stats')) as { requests: number; injected: Record<string, number> };
      return { ...w, throttled: st.injected.throttled ?? 0, answered: st.requests };
    };
    stop = () => proxy.child.close();
    what = `proxy: 503 SlowDown above ${limit} HEAD/s`;
  }
  try {
    const outs = await Promise.all(files.map(() => freshOut()));
    const env = server.env; // after a GCS restart: the new port
    const t0 = performance.now();
    const runs = await Promise.all(files.map((f, j) => runCli(['check', f, ...args(fx.bucket), '--out', outs[j], '-q'], env)));
    const wall = performance.now() - t0;
    const w = await window();
    let classified = 0;
    let wrong = 0;
    for (let j = 0; j < jobs; j++) {
      const haves = await countLines(join(outs[j], 'haves.txt'));
      const havenots = await countLines(join(outs[j], 'havenots.txt'));
      classified += new Set([...haves, ...havenots]).size;
      wrong += haves.filter((id) => !fx.processed.has(id)).length + havenots.filter((id) => fx.processed.has(id)).length;
    }
    const reqRate = w.spanMs > 0 ? (w.inSpan * 1000) / w.spanMs : 0;
    const idRate = w.spanMs > 0 ? (classified * 1000) / w.spanMs : 0;
    const share = idRate / limit;
    const ends = runs.map((r) => /concurrency ended at (\d+)/.exec(r.stdout)?.[1] ?? 'unthrottled').join(',');
    const correct = runs.every((x) => x.code === 0) && classified === total && wrong === 0;
    add({
      row: `5c ${jobs} check jobs behind one ${limit} req/s limit${server.kind === 'gcs' ? ` (${status})` : ' (503)'}`,
      server: server.name,
      workload: `${jobs}×${per} ids, ${what} in all, +20 ms`,
      tool: `${fmtRate(idRate, ' ids/s')}; let through ${fmtRate(reqRate, ' req/s')} (${((reqRate / limit) * 100).toFixed(0)}%)`,
      baseline: `${limit}/s limit`,
      ratio: `${share.toFixed(2)} (ids/s ÷ limit); ${classified}/${total} classified, ${wrong} wrong`,
      goal: 'ids/s ≥ 0.95 of limit; all classified, 0 wrong, exit 0',
      pass: correct && share >= 0.95,
      note:
        `the store's view: ${w.inSpan} requests let through in ${(w.spanMs / 1000).toFixed(2)} s (${(w.inSpan / Math.max(1, classified)).toFixed(2)} an id), ` +
        `${((reqRate / limit) * 100).toFixed(1)}% of the limit; spawn to last exit ${(wall / 1000).toFixed(1)} s ` +
        `(${fmtRate((total * 1000) / wall)} ids with process starts); ${w.throttled} throttled of ${w.answered} requests; ` +
        `exits ${runs.map((x) => x.code).join(',')}; widths at the end ${ends}`,
    });
    if (!correct) say(`    5c failures: ${runs.filter((x) => x.code !== 0).map((x) => x.stderr.trim().split('\n').pop()).join(' | ')}`);
  } finally {
    await stop();
  }
}

/** Row 7 (GCS): XML HEAD vs JSON GET ?fields=name, bare loops at the same concurrency, same ids. */
async function row7(server: BenchServer, fx: CheckFixture) {
  const n = fx.ids.length;
  const c = 128;
  const xml = { rate: [] as number[], cpu: [] as number[] };
  const json = { rate: [] as number[], cpu: [] as number[] };
  const ratios: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const order: BareMode[] = rep % 2 === 0 ? ['gcs-xml', 'gcs-json'] : ['gcs-json', 'gcs-xml'];
    const got: Partial<Record<BareMode, number>> = {};
    for (const mode of order) {
      const o = verifyRaw(await bareHead(mode, server.endpoint, server.env, fx.bucket, fx.file, c), fx, n);
      const side = mode === 'gcs-xml' ? xml : json;
      got[mode] = (n * 1000) / o.loopMs;
      side.rate.push(got[mode]);
      side.cpu.push(((o.loopCpuMs ?? 0) * 1000) / n);
    }
    say(`    rep ${rep + 1}: XML HEAD ${fmtRate(got['gcs-xml']!)}, JSON GET ${fmtRate(got['gcs-json']!)} -> ${(got['gcs-xml']! / got['gcs-json']!).toFixed(2)}`);
    ratios.push(got['gcs-xml']! / got['gcs-json']!);
  }
  const cx = median(xml.cpu);
  const cj = median(json.cpu);
  add({
    row: '7 existence: XML HEAD ÷ JSON GET ?fields=name',
    server: server.name,
    workload: `${n} ids, c${c}, bare node:http loops (loop only), ${REPS} pair(s)`,
    tool: `${fmtRate(median(xml.rate))} HEAD`,
    baseline: `${fmtRate(median(json.rate))} GET`,
    ratio: `${median(ratios).toFixed(2)}× req/s`,
    goal: 'report',
    note: `client CPU per 1000 requests: XML HEAD ${cx.toFixed(0)} ms, JSON GET ${cj.toFixed(0)} ms (${(cj / cx).toFixed(2)}×); the tool uses XML HEAD${noisy(ratios)}`,
  });
}

/** Row 8: CPU per SigV4 signature, ours against @smithy/signature-v4 (bench/children/sign-cost.ts). */
async function row8() {
  const r = expectOk(await runNode([join(ROOT, 'bench/children/sign-cost.ts'), String(QUICK ? 3 : 5)]), 'sign-cost');
  const o = parseJson(r) as { oursUs: number; smithyUs: number; rounds: number };
  // S3 allows 5,500 GET/HEAD a second per prefix; a check matrix of 8 jobs shares one prefix.
  const perJob = 5500 / 8;
  const pct = (us: number) => ((us * perJob) / 1e6) * 100;
  add({
    row: '8 SigV4 signature cost',
    server: '-',
    workload: `HEAD signatures, median of ${o.rounds} rounds of 20000 (CPU time)`,
    tool: `${o.oursUs.toFixed(1)} µs (ours)`,
    baseline: `${o.smithyUs.toFixed(1)} µs (@smithy)`,
    ratio: fmtX(o.smithyUs / o.oursUs),
    goal: 'report',
    note: `at ~${Math.round(perJob / 10) * 10} HEAD/s (S3's 5,500/s per prefix shared by 8 jobs): ours ${pct(o.oursUs).toFixed(2)}% of one core, @smithy/signature-v4 ${pct(o.smithyUs).toFixed(2)}%`,
  });
}

/** Row 6: reprocess pacing against the Socorro stand-in: the rate asked, and no burst after a 429. */
async function row6() {
  const sleepS = 0.2;
  const batches = QUICK ? 50 : 100;
  const batchSize = 50;
  const rand = seededBytes(61);
  const ids = Array.from({ length: batches * batchSize }, () => makeCrashId('20240115', rand));
  const asked = 60 / sleepS;

  const once = async (faults: FaultPlan | undefined, rateLimitPerMinute: number | undefined) => {
    const api = await startSocorroApi({ faults, rateLimitPerMinute });
    try {
      const dir = await freshOut();
      await writeFile(join(dir, 'ids.txt'), ids.join('\n') + '\n');
      const r = await runCli(
        ['reprocess', join(dir, 'ids.txt'), '--api-url', api.url, '--sleep', String(sleepS), '--batch-size', String(batchSize), '--out', dir, '-q'],
        { SOCORRO_API_TOKEN: 'demo-token' },
      );
      expectOk(r, 'reprocess');
      const ok = api.batches.filter((b) => b.status >= 200 && b.status < 300);
      const all = api.batches;
      const span = ok[ok.length - 1].at - ok[0].at;
      const perMin = ((ok.length - 1) * 60_000) / span;
      // The most requests (retries included) that reached the API within one --sleep interval:
      // 1 when paced, 2 with timer jitter, more when a backlog is sent in a burst.
      let window = 0;
      let minGap = Infinity;
      for (let i = 0, j = 0; i < all.length; i++) {
        while (all[i].at - all[j].at >= sleepS * 1000) j++;
        window = Math.max(window, i - j + 1);
        if (i > 0) minGap = Math.min(minGap, all[i].at - all[i - 1].at);
      }
      const r429 = all.filter((b) => b.status === 429).length;
      return { perMin, window, minGap, r429, accepted: api.accepted.length, requests: all.length };
    } finally {
      await api.close();
    }
  };

  const clean = await once(undefined, Math.ceil(asked * 1.1));
  const off = Math.abs(clean.perMin - asked) / asked;
  add({
    row: '6a reprocess pacing',
    server: 'Socorro stand-in',
    workload: `${batches} batches of ${batchSize}, --sleep ${sleepS} (${asked}/min), API limit ${Math.ceil(asked * 1.1)}/min`,
    tool: `${clean.perMin.toFixed(1)} batches/min`,
    baseline: `${asked} asked`,
    ratio: `${(off * 100).toFixed(1)}% off, ${clean.r429}×429`,
    goal: '≤ 5% off, no 429',
    pass: off <= 0.05 && clean.r429 === 0 && clean.accepted === ids.length,
    note: `${clean.accepted} ids accepted in ${clean.requests} requests; at most ${clean.window} in any ${sleepS} s; closest two ${clean.minGap.toFixed(0)} ms apart`,
  });

  const faulty = await once({ rate: 0.05, seed: 7, kinds: ['429'], retryAfterSeconds: 1 }, undefined);
  add({
    row: '6b reprocess after 429s (Retry-After: 1)',
    server: 'Socorro stand-in',
    workload: `${batches} batches, --sleep ${sleepS}, 5% of requests answered 429`,
    tool: `${faulty.perMin.toFixed(1)} batches/min`,
    baseline: `${asked} asked`,
    ratio: `≤ ${faulty.window} requests per ${sleepS} s`,
    goal: '≤ 2 per interval (no catch-up burst)',
    pass: faulty.window <= 2 && faulty.accepted === ids.length,
    note: `${faulty.r429} injected 429s, ${faulty.accepted} ids accepted; closest two requests ${faulty.minGap.toFixed(0)} ms apart`,
  });
}

// ---------------------------------------------------------------- row 9: scan

/** scan of a 1 M-crash month against a full check --search of it (bench/scan.ts). */
async function row9() {
  const r = await scanBench({ cli, say });
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  add({
    row: '9 scan ÷ check --search (requests)',
    server: 'gcs + SuperSearch stand-in',
    workload: `${n(r.crashes)} crashes, ${r.dates} dates, ${r.planted.length} planted windows`,
    tool: `${n(r.scan.requests)} requests (${n(r.scan.listRequests)} list + ${r.scan.searchRequests} search), ${(r.scan.wallMs / 1000).toFixed(1)} s`,
    baseline: `${n(r.check.requests)} requests (${n(r.check.heads)} HEAD + ${n(r.check.searches)} search + ${n(r.check.listRequests)} list), ~${(r.check.wallMsEstimate / 60_000).toFixed(1)} min`,
    ratio: `1/${n(r.ratio)}`,
    goal: '≤ 1/500, the planted windows exactly',
    pass: r.ratio >= 500 && r.exact,
    note:
      `windows found ${r.exact ? 'exactly the planted' : `${r.found.join(', ')} (planted ${r.planted.join(', ')})`}; scan peak RSS ${r.scan.maxRssMb.toFixed(0)} MB; ` +
      `check's wall is measured on one date (${r.sample.date}, ${n(r.sample.crashes)} crashes: list ${(r.sample.listMs / 1000).toFixed(1)} s + check --search ${(r.sample.checkMs / 1000).toFixed(1)} s, ` +
      `${n(r.sample.heads)} HEADs, ${r.sample.searches} searches, ${n(r.sample.havenots)} havenots against scan's ${n(r.sample.scanMissing)} missing) and scaled by crashes; ` +
      `seeded in the servers' memory (no HTTP PUT) in ${(r.seedMs.gcs / 1000).toFixed(1)} s + ${(r.seedMs.index / 1000).toFixed(1)} s`,
  });
}

// ---------------------------------------------------------------- main

function uptime(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
  } catch {
    return loadavg().map((x) => x.toFixed(2)).join(' ');
  }
}

const servers: BenchServer[] = [];
const started = new Date();
try {
  cli = await chooseCli(ROOT, option('cli', 'auto'), say);
  say(`bench: node ${process.version}, ${cpus().length} CPU(s), load ${uptime()}, CLI ${cli.label}`);
  // Rows that run on an S3 (s3rver, RGW) and on the GCS server.
  const onS3 = ['1', '1b', '1c', '2', '3a', '3b', '5', '5b', '5c'].some(want);
  const onGcs = ['1b', '1c', '2', '3c', '4c', '5c', '7'].some(want);
  if (SERVERS.has('s3rver') && onS3) servers.push(await startS3rverBench());
  if (SERVERS.has('rgw') && onS3) {
    say('starting Ceph RGW (scripts/rgw.sh) if installed...');
    try {
      const rgw = await startRgwBench(ROOT);
      if (rgw) servers.push(rgw);
      else notes.push('Ceph RGW not installed (scripts/rgw.sh install): the S3 rows ran on s3rver only.');
    } catch (err) {
      notes.push(`Ceph RGW did not start: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (SERVERS.has('gcs') && onGcs) servers.push(await startGcsBench());
  for (const server of servers) {
    const s3 = server.kind === 's3';
    const needCheck = (s3 ? ['1', '1b', '1c', '2', '5', '5b', '5c'] : ['1b', '1c', '2', '5c', '7']).some(want);
    const n = server.name === 'ceph-rgw' ? (QUICK ? 4000 : 10_000) : QUICK ? 6000 : 20_000;
    const fx = needCheck ? await checkFixture(server, n) : undefined;
    if (s3 && want('1') && fx) {
      say(`row 1 on ${server.name}: check vs raw SDK HEAD loop (load ${uptime()})`);
      await row1(server, fx);
    }
    if ((want('1b') || want('1c')) && fx) {
      say(`row 1b on ${server.name}: check vs bare node:http HEAD loop (load ${uptime()})`);
      await row1b(server, fx);
    }
    if (want('2') && fx) {
      say(`row 2 on ${server.name}: check vs sequential HEADs, +50 ms (load ${uptime()})`);
      await row2(server, fx);
    }
    if (s3 && (want('3a') || want('3b'))) {
      say(`row 3 on ${server.name}: list vs sequential walks through +100 ms (load ${uptime()})`);
      await row3(server);
    }
    if (!s3 && want('3c')) {
      say(`row 3c on ${server.name}: list vs one paging walk, +100 ms (load ${uptime()})`);
      await row3c(server);
    }
    if (s3 && (want('5') || want('5b')) && fx) {
      say(`row 5 on ${server.name}: check under SlowDown (load ${uptime()})`);
      await row5(server, fx);
    }
    if (want('5c') && fx) {
      say(`row 5c on ${server.name}: 8 and 16 check jobs behind one rate limit (load ${uptime()})`);
      await row5c(server, fx);
    }
    if (!s3 && want('7') && fx) {
      say(`row 7 on ${server.name}: XML HEAD vs JSON GET (load ${uptime()})`);
      await row7(server, fx);
    }
    if (!s3 && want('4c')) {
      say(`row 4c on ${server.name}: memory of check (load ${uptime()})`);
      await row4c(server);
    }
    if (server.gcs) {
      // Every GCS run was an emulator's: no bearer token may have reached the server.
      const tokens = await server.gcs.tokensSeen();
      if (tokens) throw new Error(`the GCS server saw ${tokens} bearer token(s): credentials leaked into a run`);
      notes.push('GCS: every request reached the server without credentials (no bearer token seen).');
    }
  }
  if (want('4a') || want('4b')) {
    say(`row 4: memory (load ${uptime()})`);
    if (want('4a')) await row4a();
    if (want('4b')) await row4b();
  }
  if (want('6')) {
    say(`row 6: reprocess pacing (load ${uptime()})`);
    await row6();
  }
  if (want('8')) {
    say(`row 8: signature cost (load ${uptime()})`);
    await row8();
  }
  if (want('9') && SERVERS.has('gcs')) {
    say(`row 9: scan of a 1 M-crash month vs check --search (load ${uptime()})`);
    await row9();
  }
} finally {
  for (const s of servers) await s.close().catch(() => {});
  await rm(work, { recursive: true, force: true });
}

process.stdout.write(
  `\nsocorro-reprocess bench — ${started.toISOString()} — node ${process.version}, ${cpus().length} CPU(s), ` +
    `load average ${uptime()} (at start see stderr) — CLI: ${cli!.label}\n`,
);
printTable();
const jsonFile = option('json', '');
if (jsonFile) writeFileSync(jsonFile, JSON.stringify({ started, rows, notes, cli: cli!.label }, null, 2));
const failed = rows.filter((r) => r.pass === false);
process.exitCode = 0;
if (failed.length) process.stdout.write(`\n${failed.length} goal(s) not met: ${failed.map((r) => r.row.split(' ')[0]).join(', ')}\n`);
