// `npm run demo`: the whole pipeline on this machine, nothing to configure. An embedded S3
// (s3rver) holds a synthetic day of crashes, an embedded Reprocessing API stands in for
// Socorro, and the real CLI runs list → check (one process per chunk, like the matrix jobs) →
// reprocess. Ends by comparing what the API received with what was planted.
import { spawn } from 'node:child_process';
import { readFile, readdir, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { main } from '../cli/main.ts';
import { formatDuration } from '../core/progress.ts';
import { syntheticDay } from './crashes.ts';
import { createBucket, putObjects, startS3rver } from './s3.ts';
import { startSocorroApi } from './socorro-api.ts';

const DAY = '20160915';
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
    const tag = `  [${args[1].split('/').pop()}] `;
    child.stdout.on('data', (b: Buffer) => process.stdout.write(b.toString().replace(/^(?=.)/gm, tag)));
    child.on('error', fail);
    child.on('exit', (code) => done(code ?? 1));
  });
}

async function demo(): Promise<number> {
  await rm(OUT, { recursive: true, force: true });
  step(`Starting an embedded S3 and Reprocessing API, seeding ${CRASHES} crashes for ${DAY}`);
  const s3 = await startS3rver();
  const api = await startSocorroApi({ token: TOKEN });
  try {
    await createBucket(s3.client, BUCKET);
    const day = syntheticDay(DAY, CRASHES, 0.08, 'v1', 20160915);
    const t = Date.now();
    await putObjects(s3.client, BUCKET, day.keys);
    console.log(`  S3 ${s3.endpoint}: ${day.ids.length} raw crashes, ${day.ids.length - day.unprocessed.length} processed, ` +
      `${day.junk.length} junk keys (${formatDuration(Date.now() - t)}); API ${api.url}`);

    const env = { ...process.env, ...s3.env, SOCORRO_API_TOKEN: TOKEN };
    const s3Args = ['--bucket', BUCKET, '--endpoint', s3.endpoint, '--path-style', '--out', OUT];

    step('list: every raw crash saved on the day');
    let rc = await main(['list', '--dates', DAY, '--chunk-size', String(Math.ceil(CRASHES / 4)), ...s3Args], io((s) => process.stdout.write('  ' + s), env));
    if (rc !== 0) return rc;
    const chunks = (await readLines(join(OUT, 'uuids.txt'))).length;

    step('check: one process per chunk, in parallel (the matrix jobs)');
    const chunkFiles = (await readdir(join(OUT, 'chunks'))).sort();
    const codes = await Promise.all(
      chunkFiles.map((f, k) =>
        runCli(['check', join(OUT, 'chunks', f), '--bucket', BUCKET, '--endpoint', s3.endpoint, '--path-style', '--quiet', '--out', join(OUT, `check-${k}`)], env),
      ),
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
    step('Summary');
    const rel = relative(process.cwd(), OUT) || '.';
    console.log(`  listed      ${chunks} crash ids (${day.junk.length} other keys ignored) in ${chunkFiles.length} chunks  ${rel}/uuids.txt, ${rel}/chunks/`);
    console.log(`  checked     ${chunks - day.unprocessed.length} processed, ${day.unprocessed.length} not processed      ${rel}/check-*/haves.txt, havenots.txt`);
    console.log(`  submitted   ${ledger.length} in ${api.batches.filter((b) => b.status === 200).length} batches; a second run sent ${api.accepted.length - ledger.length}   ${rel}/reprocessed.txt`);
    console.log(`  ${exact ? 'OK' : 'MISMATCH'}: the API received ${received.length} ids; ${exact ? 'exactly the planted unprocessed crashes, each once' : `planted ${day.unprocessed.length}`}`);
    console.log(`  time        ${formatDuration(Date.now() - t0)}`);
    return exact && rc === 0 ? 0 : 1;
  } finally {
    await api.close();
    await s3.close();
  }
}

process.exitCode = await demo();
