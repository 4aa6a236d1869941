/**
 * The scan bench (bench/run.ts row 9, or on its own): a world of ≥ 1 M raw crashes over 30 dates
 * ending yesterday on the loopback GCS server (in its own process, seeded in memory by the
 * server's put, no HTTP PUT) and the same crashes in the SuperSearch stand-in's index (this
 * process, in memory), with a background of 0–4 crashes an hour search never got and planted
 * outages: whole hours, part hours, a small share lost over six hours, one across midnight.
 * `scan` (the CLI, as a child process) must find exactly the planted windows. Against it, a full
 * `check --search` of the same world: its requests are exact (one HEAD a crash, one search per
 * idsPerSearch stored crashes of a date, plus the listing); its wall time is measured on one
 * date of the world (list + check --search, the date with the whole-hour outage) and scaled by
 * crashes, which the note says.
 *
 *   node bench/scan.ts [--per-hour N] [--dates N] [--cli auto|dist|src] [--json FILE] [--show] (--show: scan's report too)
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDay } from '../src/core/dates.ts';
import { idsPerSearch } from '../src/core/search.ts';
import { forEachWorldCrash, plantedWindows, type PlantedOutage, type ScanWorldOptions } from '../src/demo/scan-world.ts';
import { startSocorroApi } from '../src/demo/socorro-api.ts';
import { chooseCli, type CliChoice } from './lib/cli.ts';
import { runNode, type ChildRun } from './lib/proc.ts';
import { startGcsBench } from './lib/servers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DAY = 86_400_000;
const TOKEN = 'bench-scan-token';
const BUCKET = 'bench-scan';

export interface ScanBench {
  crashes: number;
  dates: number;
  planted: string[];
  found: string[];
  exact: boolean;
  seedMs: { gcs: number; index: number };
  scan: { wallMs: number; cpuMs: number; maxRssMb: number; listRequests: number; searchRequests: number; requests: number };
  /** The full check --search of the world: requests exact, wall scaled from the sample. */
  check: { requests: number; heads: number; searches: number; listRequests: number; wallMsEstimate: number };
  sample: { date: string; crashes: number; wallMs: number; listMs: number; checkMs: number; heads: number; searches: number; listRequests: number; havenots: number; scanMissing: number };
  ratio: number;
}

/** The world: 30 dates ending yesterday, `perHour` crashes an hour, five planted outages. */
export function benchWorld(perHour: number, nDates: number, now = Date.now()): { world: ScanWorldOptions; outages: PlantedOutage[] } {
  const dates = Array.from({ length: nDates }, (_, i) => formatDay(now - (nDates - i) * DAY));
  const at = (i: number) => dates[Math.min(dates.length - 1, Math.floor((i * nDates) / 30))];
  const outages: PlantedOutage[] = [
    { date: at(4), from: 14 * 60, to: 17 * 60 }, // three whole hours
    { date: at(11), from: 9 * 60 + 20, to: 9 * 60 + 50, share: 0.9 }, // half an hour, 90% lost
    { date: at(17), from: 3 * 60 + 5, to: 3 * 60 + 25 }, // twenty minutes
    { date: at(22), from: 22 * 60 + 30, to: 25 * 60 + 15, share: 0.7 }, // across midnight
    { date: at(27), from: 6 * 60, to: 12 * 60, share: 0.05 }, // six hours losing 5%
  ];
  return { world: { dates, perHour, seed: 2026, noisePerHour: 4, outages }, outages };
}

export async function scanBench(opts: { cli: CliChoice; perHour?: number; dates?: number; say?: (s: string) => void; showReport?: boolean }): Promise<ScanBench> {
  const say = opts.say ?? ((s: string) => process.stderr.write(s + '\n'));
  const { world, outages } = benchWorld(opts.perHour ?? 1400, opts.dates ?? 30);
  const sampleDate = outages[0].date;
  const work = await mkdtemp(join(tmpdir(), 'bench-scan-'));
  const server = await startGcsBench();
  const api = await startSocorroApi({ token: TOKEN });
  try {
    let t = performance.now();
    const seeded = await server.gcs!.seedWorld(BUCKET, world, sampleDate);
    const gcsSeedMs = performance.now() - t;
    t = performance.now();
    const perDate = new Map<string, number>();
    forEachWorldCrash(world, (c) => {
      if (c.searchable) api.index.add(c.id, c.receivedAt);
      const d = c.key.slice(13, 21);
      perDate.set(d, (perDate.get(d) ?? 0) + 1);
    });
    const indexSeedMs = performance.now() - t;
    say(`  seeded ${seeded.crashes.toLocaleString('en-US')} raw crashes over ${world.dates.length} dates (${seeded.objects.toLocaleString('en-US')} objects with ${sampleDate}'s processed crashes) in the GCS server's memory in ${(gcsSeedMs / 1000).toFixed(1)}s; ${api.index.size.toLocaleString('en-US')} search documents in ${(indexSeedMs / 1000).toFixed(1)}s; ${seeded.missing} missing from search, ${seeded.noise} of them background`);

    const env = { ...server.env, SOCORRO_API_TOKEN: TOKEN };
    const cli = (args: string[]): Promise<ChildRun> => runNode([...opts.cli.args, ...args], { env, cwd: work, timeoutMs: 60 * 60_000 });
    const counts = async () => {
      const c = await server.gcs!.counts();
      return { list: c.byApi['json-list'] ?? 0, head: c.byApi['xml-head'] ?? 0, all: c.requests, searches: api.searches.length };
    };

    // scan
    let before = await counts();
    const out = join(work, 'scan');
    await mkdir(out);
    const scan = await cli(['scan', '--bucket', `gs://${BUCKET}`, '--dates', `${world.dates[0]}..${world.dates[world.dates.length - 1]}`, '--api-url', api.url, '--out', out, '-q']);
    let after = await counts();
    if (scan.code !== 3) throw new Error(`scan exited ${scan.code} (a window was planted: 3 expected): ${scan.stderr.slice(-600)}`);
    const doc = JSON.parse(await readFile(join(out, 'scan.json'), 'utf8')) as {
      windows: Array<{ date: string; hours: string }>;
      hours: Record<string, Record<string, { missing: number }>>;
      costs: { listRequests: number; searchRequests: number; checkHeads: number; checkSearches: number };
    };
    const planted = plantedWindows(outages).map((w) => `${w.date} ${w.hours}`);
    const found = doc.windows.map((w) => `${w.date} ${w.hours}`);
    const scanRequests = after.all - before.all + (after.searches - before.searches);
    if (opts.showReport) say(scan.stdout);
    say(`  scan: exit ${scan.code}, ${(scan.wallMs / 1000).toFixed(1)}s, peak RSS ${scan.maxRssMb.toFixed(0)} MB, ${after.list - before.list} list + ${after.searches - before.searches} search requests; windows ${found.join(', ')}`);

    // A full check's requests, exactly: the listing of every date, a HEAD a crash, the searches.
    const perSearch = idsPerSearch('/api/SuperSearch/');
    const heads = seeded.crashes;
    const searches = [...perDate.values()].reduce((a, n) => a + Math.ceil(n / perSearch), 0);
    const listRequests = doc.costs.listRequests;

    // check --search of one date, measured: list, then check of what it listed.
    const sampleOut = join(work, 'sample');
    await mkdir(sampleOut);
    before = await counts();
    const list = await cli(['list', '--bucket', `gs://${BUCKET}`, '--dates', sampleDate, '--out', sampleOut, '-q']);
    if (list.code !== 0) throw new Error(`list exited ${list.code}: ${list.stderr.slice(-600)}`);
    const check = await cli(['check', join(sampleOut, 'uuids.txt'), '--bucket', `gs://${BUCKET}`, '--search', '--api-url', api.url, '--out', sampleOut, '-q']);
    if (check.code !== 0) throw new Error(`check exited ${check.code}: ${check.stderr.slice(-600)}`);
    after = await counts();
    const havenots = (await readFile(join(sampleOut, 'havenots.txt'), 'utf8')).split('\n').filter(Boolean).length;
    const sampleCrashes = perDate.get(sampleDate)!;
    const sampleWall = list.wallMs + check.wallMs;
    const scanMissing = Object.values(doc.hours[sampleDate] ?? {}).reduce((a, h) => a + h.missing, 0);
    say(`  check --search of ${sampleDate} (${sampleCrashes.toLocaleString('en-US')} crashes): list ${(list.wallMs / 1000).toFixed(1)}s + check ${(check.wallMs / 1000).toFixed(1)}s, ${after.head - before.head} HEADs, ${after.searches - before.searches} searches; ${havenots} havenots (scan: ${scanMissing} missing that date)`);

    const checkRequests = listRequests + heads + searches;
    return {
      crashes: seeded.crashes,
      dates: world.dates.length,
      planted,
      found,
      exact: planted.join('|') === found.join('|'),
      seedMs: { gcs: gcsSeedMs, index: indexSeedMs },
      scan: { wallMs: scan.wallMs, cpuMs: scan.cpuMs, maxRssMb: scan.maxRssMb, listRequests: doc.costs.listRequests, searchRequests: doc.costs.searchRequests, requests: scanRequests },
      check: { requests: checkRequests, heads, searches, listRequests, wallMsEstimate: (sampleWall * seeded.crashes) / sampleCrashes },
      sample: {
        date: sampleDate,
        crashes: sampleCrashes,
        wallMs: sampleWall,
        listMs: list.wallMs,
        checkMs: check.wallMs,
        heads: after.head - before.head,
        searches: after.searches - before.searches,
        listRequests: after.list - before.list,
        havenots,
        scanMissing,
      },
      ratio: checkRequests / scanRequests,
    };
  } finally {
    await api.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
}

// Run on its own: print the result as JSON (and a line a person reads).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const option = (name: string, dflt: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  const say = (s: string) => process.stderr.write(s + '\n');
  const cli = await chooseCli(ROOT, option('cli', 'auto'), say);
  const r = await scanBench({ cli, perHour: Number(option('per-hour', '1400')), dates: Number(option('dates', '30')), say, showReport: argv.includes('--show') });
  say(`scan ${r.scan.requests} requests, ${(r.scan.wallMs / 1000).toFixed(1)}s; check --search ${r.check.requests} requests (1/${Math.round(r.ratio)}), ~${(r.check.wallMsEstimate / 60_000).toFixed(1)} min; windows ${r.exact ? 'exact' : 'WRONG'}`);
  const json = option('json', '');
  if (json) await (await import('node:fs/promises')).writeFile(json, JSON.stringify(r, null, 2));
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exitCode = r.exact && r.ratio >= 500 ? 0 : 1;
}
