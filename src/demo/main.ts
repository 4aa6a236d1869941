// `npm run demo`: the whole pipeline on this machine, nothing to configure. An embedded store
// holds a synthetic day of crashes — Google Cloud Storage by default, as Socorro today (the
// loopback GCS server, reached as an emulator through STORAGE_EMULATOR_HOST), or S3 (s3rver)
// with `npm run demo -- --storage s3` — an embedded Reprocessing API stands in for Socorro, and
// the real CLI runs list → check (one process per chunk, like the matrix jobs) → reprocess.
// The day has an outage: the crashes saved from 14:00 to 16:59 UTC were never processed (a share
// of them), and the check's hour chart shows it. Ends by comparing what the API received, and the
// hours, with what was planted.
import { spawn } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { main } from '../cli/main.ts';
import { addHour, hourChart, hoursJson, mergeHours, parseHours, type HourCounts } from '../core/hours.ts';
import { formatDuration } from '../core/progress.ts';
import { forEachPooled } from '../core/pool.ts';
import { syntheticDay } from './crashes.ts';
import { startGcsServer } from './gcs-server.ts';
import { createBucket, putObjects, startS3rver } from './s3.ts';
import { startSocorroApi } from './socorro-api.ts';

const storageArg = process.argv.indexOf('--storage');
const STORAGE = storageArg >= 0 ? process.argv[storageArg + 1] : 'gcs';
if (STORAGE !== 'gcs' && STORAGE !== 's3') {
  console.error(`demo: --storage ${STORAGE ?? ''} is not a store (gcs or s3)`);
  process.exit(2);
}
// A day of each era: GCS since Jul 2024, S3 before.
const DAY = STORAGE === 'gcs' ? '20250915' : '20160915';
const CRASHES = Number(process.env.DEMO_CRASHES ?? 2000);
const OUT = resolve(process.env.DEMO_OUT ?? 'demo-out');
const BUCKET = 'demo-crashes';
const TOKEN = 'demo-token';

const t0 = Date.now();
const step = (s: string) => process.stdout.write(`\n== ${s}\n`);
const io = (stdout: (s: string) => void, env: NodeJS.ProcessEnv) => ({ stdout, stderr: process.stderr, env });

async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../cli/index.ts'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const tag = `  [${(args[1] ?? '').split('/').pop()}] `;
    child.stdout.on('data', (b: Buffer) => process.stdout.write(b.toString().replace(/^(?=.)/gm, tag)));
    child.on('error', fail);
    child.on('exit', (code) => done(code ?? 1));
  });
}

interface DemoStore {
  label: string;
  /** --bucket, --endpoint...: how the CLI reaches it. */
  args: string[];
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The processor's outage on the demo day: the hours (UTC) whose crashes were not all processed. */
const OUTAGE_HOURS = [14, 15, 16];

/**
 * When a key was saved on the demo day, the same every run (from the crash id's hex digits): an
 * unprocessed crash's raw crash in the outage's hours, every other crash at any hour, and its
 * processed crash five minutes after its raw crash.
 */
function savedTime(key: string, unprocessed: ReadonlySet<string>): Date {
  const id = key.split('/').pop() ?? '';
  const n = Number.parseInt(id.slice(0, 8), 16) || 0;
  const hour = unprocessed.has(id) ? OUTAGE_HOURS[n % OUTAGE_HOURS.length] : n % 24;
  const day = `${DAY.slice(0, 4)}-${DAY.slice(4, 6)}-${DAY.slice(6, 8)}`;
  const t = Date.parse(`${day}T00:00:00Z`) + ((hour * 60 + ((n >>> 8) % 60)) * 60 + ((n >>> 16) % 50)) * 1000;
  return new Date(key.startsWith('v1/processed_crash/') ? t + 5 * 60_000 : t);
}

/** The embedded store, seeded with the day's keys, each saved at `when(key)`. */
async function startStore(keys: string[], when: (key: string) => Date): Promise<DemoStore> {
  if (STORAGE === 'gcs') {
    const gcs = await startGcsServer();
    gcs.createBucket(BUCKET);
    for (const k of keys) gcs.put(BUCKET, k, '{}', { updated: when(k) });
    // An emulator: STORAGE_EMULATOR_HOST, and no credentials, so requests carry none.
    return { label: `GCS ${gcs.url} (emulator)`, args: ['--bucket', `gs://${BUCKET}`], env: { STORAGE_EMULATOR_HOST: gcs.host }, close: () => gcs.close() };
  }
  const s3 = await startS3rver();
  await createBucket(s3.client, BUCKET);
  await putObjects(s3.client, BUCKET, keys);
  await forEachPooled(keys, 32, (k) => s3.setSavedTime!(BUCKET, k, when(k)));
  return { label: `S3 ${s3.endpoint}`, args: ['--bucket', BUCKET, '--endpoint', s3.endpoint, '--path-style'], env: s3.env, close: () => s3.close() };
}

async function demo(): Promise<number> {
  await rm(OUT, { recursive: true, force: true });
  step(`Starting an embedded ${STORAGE === 'gcs' ? 'Google Cloud Storage' : 'S3'} and Reprocessing API, seeding ${CRASHES} crashes for ${DAY}`);
  const day = syntheticDay(DAY, CRASHES, 0.08, 'v1', 20160915);
  const unprocessed = new Set(day.unprocessed);
  const when = (key: string) => savedTime(key, unprocessed);
  const plantedHours: HourCounts = {};
  for (const id of day.unprocessed) addHour(plantedHours, when(id).getTime());
  const t = Date.now();
  const store = await startStore(day.keys, when);
  const api = await startSocorroApi({ token: TOKEN });
  try {
    console.log(`  ${store.label}: ${day.ids.length} raw crashes, ${day.ids.length - day.unprocessed.length} processed, ` +
      `${day.junk.length} junk keys (${formatDuration(Date.now() - t)}); API ${api.url}`);

    // No credentials of the user's reach the embedded store (GCS: an emulator takes none).
    const env: NodeJS.ProcessEnv = { ...process.env, ...store.env, SOCORRO_API_TOKEN: TOKEN };
    if (STORAGE === 'gcs') {
      delete env.GOOGLE_APPLICATION_CREDENTIALS;
      env.CLOUDSDK_CONFIG = join(OUT, '.no-gcloud'); // not the user's gcloud login either
    }
    const storeArgs = [...store.args, '--out', OUT];

    step('list: every raw crash saved on the day');
    let rc = await withEnv(env, () => main(['list', '--dates', DAY, '--chunk-size', String(Math.ceil(CRASHES / 4)), ...storeArgs], io((s) => process.stdout.write('  ' + s), env)));
    if (rc !== 0) return rc;
    const chunks = (await readLines(join(OUT, 'uuids.txt'))).length;

    step('check: one process per chunk, in parallel (the matrix jobs)');
    const chunkFiles = (await readdir(join(OUT, 'chunks'))).filter((f) => f.endsWith('.txt')).sort();
    const codes = await Promise.all(
      chunkFiles.map((f, k) => runCli(['check', join(OUT, 'chunks', f), ...store.args, '--quiet', '--out', join(OUT, `check-${k}`)], env)),
    );
    if (codes.some((c) => c !== 0)) return 1;

    step('reprocess: submit every havenot, 50 a batch, to the API');
    const havenotFiles = chunkFiles.map((_, k) => join(OUT, `check-${k}`, 'havenots.txt'));
    rc = await main(['reprocess', ...havenotFiles, '--api-url', api.url, '--sleep', '0.05', '--out', OUT], io((s) => process.stdout.write('  ' + s), env));
    if (rc !== 0) return rc;
    // Run it again: the ledger must keep every id from being sent twice.
    rc = await main(['reprocess', ...havenotFiles, '--api-url', api.url, '--quiet', '--out', OUT], io(() => {}, env));

    const ledger = (await readLines(join(OUT, 'reprocessed.txt'))).sort();
    const received = api.accepted.slice().sort();
    const exact = ledger.join() === day.unprocessed.join() && received.join() === day.unprocessed.join();
    // The chunks' hours merged, as the workflow's plan job merges them.
    const hours: HourCounts = {};
    for (const k of chunkFiles.keys()) mergeHours(hours, parseHours(await readFile(join(OUT, `check-${k}`, 'havenots-hours.json'), 'utf8')));
    const hoursRight = hoursJson(hours) === hoursJson(plantedHours);
    step('Summary');
    const rel = relative(process.cwd(), OUT) || '.';
    console.log(`  listed      ${chunks} crash ids (${day.junk.length} other keys ignored) in ${chunkFiles.length} chunks  ${rel}/uuids.txt, ${rel}/chunks/`);
    console.log(`  checked     ${chunks - day.unprocessed.length} processed, ${day.unprocessed.length} not processed      ${rel}/check-*/haves.txt, havenots.txt`);
    console.log(`  submitted   ${ledger.length} in ${api.batches.filter((b) => b.status === 200).length} batches; a second run sent ${api.accepted.length - ledger.length}   ${rel}/reprocessed.txt`);
    for (const line of hourChart(hours, { indent: '  ' })) console.log(line);
    console.log(`  ${exact ? 'OK' : 'MISMATCH'}: the API received ${received.length} ids; ${exact ? 'exactly the planted unprocessed crashes, each once' : `planted ${day.unprocessed.length}`}`);
    console.log(`  ${hoursRight ? 'OK' : 'MISMATCH'}: the chart's hours are ${hoursRight ? "exactly the outage's" : `not the planted ones (${OUTAGE_HOURS.join(', ')} UTC)`}`);
    console.log(`  time        ${formatDuration(Date.now() - t0)}`);
    return exact && hoursRight && rc === 0 ? 0 : 1;
  } finally {
    await api.close();
    await store.close();
  }
}

/** Runs `fn` with `env` as the process environment (Google's auth library reads it there). */
async function withEnv<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = env;
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

process.exitCode = await demo();
