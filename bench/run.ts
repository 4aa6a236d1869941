/**
 * `npm run bench`: the tool's cost against the store's, as ratios measured side by side in one
 * run on the same local server. See bench/README.md for what each row measures and why.
 *
 *   node bench/run.ts [--quick] [--rows 1,2,3,4,5,6] [--servers s3rver,rgw] [--reps N]
 *                     [--cli auto|dist|src] [--json FILE]
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
import { runNode, startLineChild, type ChildRun, type LineChild } from './lib/proc.ts';
import { startHeadStub, startRgwBench, startS3rverBench, type BenchServer } from './lib/servers.ts';

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
const ROWS = new Set(option('rows', '1,2,3,4,5,6').split(','));
const SERVERS = new Set(option('servers', 's3rver,rgw').split(','));
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
  rows.push(r);
  const verdict = r.pass === undefined ? 'report' : r.pass ? 'PASS' : 'FAIL';
  say(`  -> ${r.row} ${r.server}: ${r.tool} vs ${r.baseline} = ${r.ratio} (goal ${r.goal}) ${verdict}${r.note ? ` — ${r.note}` : ''}`);
}

function printTable(): void {
  const head = ['row', 'server', 'workload', 'tool', 'baseline', 'ratio', 'goal', 'result'];
  const body = rows.map((r) => [r.row, r.server, r.workload, r.tool, r.baseline, r.ratio, r.goal, r.pass === undefined ? 'report' : r.pass ? 'PASS' : 'FAIL']);
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

let cli: CliChoice;
const runCli = (args: string[], env: Record<string, string>, timeoutMs = 15 * 60_000) => runNode([...cli.args, ...args], { env, cwd: work, timeoutMs });
const rawHead = (s: { endpoint: string; env: Record<string, string> }, bucket: string, file: string, c: number) =>
  runNode([join(ROOT, 'bench/children/raw-head.ts'), s.endpoint, bucket, file, String(c)], { env: s.env });
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
  await server.seed(bucket, [...processed].map(processedCrashKey));
  say(`  seeded ${processed.size} processed crashes of ${n} ids in ${bucket} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  const file = join(work, `${bucket}-ids.txt`);
  await writeFile(file, ids.join('\n') + '\n');
  return { bucket, ids, processed, file };
}

async function writeSubset(fx: CheckFixture, n: number, name: string): Promise<string> {
  const file = join(work, `${fx.bucket}-${name}.txt`);
  await writeFile(file, fx.ids.slice(0, n).join('\n') + '\n');
  return file;
}

function verifyRaw(r: ChildRun, fx: CheckFixture, n: number) {
  const o = parseJson(r) as { counts: Record<string, number>; loopMs: number };
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

/** Row 2: check at its default concurrency vs one HEAD at a time, 50 ms added by the proxy. */
async function row2(server: BenchServer, fx: CheckFixture) {
  const proxy = await startProxy(server.endpoint, { latencyMs: 50 });
  try {
    const n = fx.ids.length;
    const seqN = QUICK ? 100 : 200;
    const seqFile = await writeSubset(fx, seqN, 'seq');
    const ps = { endpoint: proxy.url, env: server.env };
    const ratios: number[] = [];
    const checkRates: number[] = [];
    const seqRates: number[] = [];
    for (let rep = 0; rep < Math.max(1, Math.min(REPS, 2)); rep++) {
      const s = verifyRaw(await rawHead(ps, fx.bucket, seqFile, 1), fx, seqN);
      const seqRate = (seqN * 1000) / s.loopMs;
      const out = await freshOut();
      const r = await runCli(['check', fx.file, '--bucket', fx.bucket, '--endpoint', proxy.url, '--path-style', '--out', out, '-q'], server.env);
      const v = await verifyCheck(r, out, fx, n);
      if (v.classified !== n || v.wrong) throw new Error(`check classified ${v.classified}/${n}, ${v.wrong} wrong`);
      const checkRate = (n * 1000) / r.wallMs;
      say(`    rep ${rep + 1}: check ${fmtRate(checkRate)}, sequential ${fmtRate(seqRate)} -> ${(checkRate / seqRate).toFixed(1)}×`);
      ratios.push(checkRate / seqRate);
      checkRates.push(checkRate);
      seqRates.push(seqRate);
    }
    // For scale: what a bare SDK pool gets through the same proxy (walk only, no process start).
    const naive = verifyRaw(await rawHead(ps, fx.bucket, fx.file, 64), fx, n);
    const cap = verifyRaw(await rawHead(ps, fx.bucket, fx.file, 128), fx, n);
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
        `same proxy, bare SDK loop (no process start): 64-way ${fmtX((n * 1000) / naive.loopMs / seq)}, ` +
        `128-way ${fmtX((n * 1000) / cap.loopMs / seq)} (${fmtRate((n * 1000) / cap.loopMs)})${noisy(ratios)}`,
    });
  } finally {
    await proxy.child.close();
  }
}

/** Row 3: list, v2 (4096 prefixes) and v1 (one prefix, split on hex boundaries), 100 ms added. */
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
  await server.seed(bucket, [...v2.map((id) => rawCrashKey('v2', id)), ...v1.map((id) => rawCrashKey('v1', id))]);
  say(`  seeded ${v2n} v2 + ${v1n} v1 raw crashes in ${bucket} (${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  const proxy = await startProxy(server.endpoint, { latencyMs: 100 });
  try {
    const seqPrefixes = QUICK ? 64 : 128;
    const ratios: number[] = [];
    const par: number[] = [];
    const seq: number[] = [];
    for (let rep = 0; rep < Math.max(1, Math.min(REPS, 2)); rep++) {
      const out = await freshOut();
      const r = expectOk(await runCli(['list', '--bucket', bucket, '--dates', v2Day, '--layout', 'v2', '--endpoint', proxy.url, '--path-style', '--out', out, '-q'], server.env), 'list v2');
      const listed = (await countLines(join(out, 'uuids.txt'))).length;
      if (listed !== v2n) throw new Error(`list v2 found ${listed} of ${v2n}`);
      const s = parseJson(await runNode([join(ROOT, 'bench/children/seq-list.ts'), proxy.url, bucket, 'v2', v2Day, String(seqPrefixes)], { env: server.env })) as { loopMs: number };
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

    const out = await freshOut();
    const r = expectOk(await runCli(['list', '--bucket', bucket, '--dates', v1Day, '--endpoint', proxy.url, '--path-style', '--out', out, '-q'], server.env), 'list v1');
    const listed = (await countLines(join(out, 'uuids.txt'))).length;
    if (listed !== v1n) throw new Error(`list v1 found ${listed} of ${v1n}`);
    const s = parseJson(await runNode([join(ROOT, 'bench/children/seq-list.ts'), proxy.url, bucket, 'v1', v1Day], { env: server.env })) as { loopMs: number; requests: number };
    // The same walk as list's, without process start: for a day this small, starting node is
    // a third of the CLI's time, and the row is about the listing strategy.
    const p = parseJson(await runNode([join(ROOT, 'bench/children/par-list.ts'), proxy.url, bucket, 'v1', v1Day, await freshOut()], { env: server.env })) as { loopMs: number; requests: number; total: number };
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
  } finally {
    await proxy.child.close();
  }
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
    const out = await freshOut();
    const r = await runCli(['check', file, '--bucket', fx.bucket, '--endpoint', proxy.url, '--path-style', '--out', out], server.env);
    const stats = (await proxy.child.ask('stats')) as { requests: number; injected: Record<string, number> };
    const v = await verifyCheck(r, out, fx, n);
    const achieved = (n * 1000) / r.wallMs;
    const throttled = stats.injected.throttled ?? 0;
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
      note: `${throttled} SlowDowns answered of ${stats.requests} HEADs; exit ${r.code}; ${r.stdout.trim().split('\n').pop()}`,
    });

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
    add({
      row: '5b 4 check jobs sharing one SlowDown limit',
      server: server.name,
      workload: `${jobs}×${per} ids, 503 above ${limit} HEAD/s in all, +20 ms`,
      tool: `${fmtRate(rate)} (${Math.round((rate / limit) * 100)}% of limit)`,
      baseline: `${limit}/s limit`,
      ratio: `${classified}/${total} classified, ${wrong} wrong`,
      goal: 'all classified, 0 wrong, exit 0',
      pass: runs.every((x) => x.code === 0) && classified === total && wrong === 0,
      note: `${(stats2.injected.throttled ?? 0) - throttled} SlowDowns answered; exits ${runs.map((x) => x.code).join(',')}`,
    });
  } finally {
    await proxy.child.close();
  }
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

// ---------------------------------------------------------------- main

const uptime = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');
  } catch {
    return loadavg().map((x) => x.toFixed(2)).join(' ');
  }
};

const servers: BenchServer[] = [];
const started = new Date();
try {
  cli = await chooseCli(ROOT, option('cli', 'auto'), say);
  say(`bench: node ${process.version}, ${cpus().length} CPU(s), load ${uptime()}, CLI ${cli.label}`);
  if (SERVERS.has('s3rver')) servers.push(await startS3rverBench());
  if (SERVERS.has('rgw') && [...'1235'].some((r) => ROWS.has(r))) {
    say('starting Ceph RGW (scripts/rgw.sh) if installed...');
    try {
      const rgw = await startRgwBench(ROOT);
      if (rgw) servers.push(rgw);
      else notes.push('Ceph RGW not installed (scripts/rgw.sh install): rows ran on s3rver only.');
    } catch (err) {
      notes.push(`Ceph RGW did not start: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  for (const server of servers) {
    const needCheck = ROWS.has('1') || ROWS.has('2') || ROWS.has('5');
    const n = server.name === 's3rver' ? (QUICK ? 6000 : 20_000) : QUICK ? 4000 : 10_000;
    const fx = needCheck ? await checkFixture(server, n) : undefined;
    if (ROWS.has('1') && fx) {
      say(`row 1 on ${server.name}: check vs raw SDK HEAD loop (load ${uptime()})`);
      await row1(server, fx);
    }
    if (ROWS.has('2') && fx) {
      say(`row 2 on ${server.name}: check vs sequential HEADs through +50 ms (load ${uptime()})`);
      await row2(server, fx);
    }
    if (ROWS.has('3')) {
      say(`row 3 on ${server.name}: list vs sequential walks through +100 ms (load ${uptime()})`);
      await row3(server);
    }
    if (ROWS.has('5') && fx) {
      say(`row 5 on ${server.name}: check under SlowDown (load ${uptime()})`);
      await row5(server, fx);
    }
  }
  if (ROWS.has('4')) {
    say(`row 4: memory (load ${uptime()})`);
    await row4a();
    await row4b();
  }
  if (ROWS.has('6')) {
    say(`row 6: reprocess pacing (load ${uptime()})`);
    await row6();
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
