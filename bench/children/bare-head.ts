/**
 * The runtime's own ceiling for an existence check: a bare keep-alive node:http loop, no pool
 * library, no retries, no files written, no progress, the same concurrency as the tool. Run as its
 * own process, like the CLI, so that both sides pay a process start (rows 1b, 2 on GCS, 7).
 *
 *   s3        HEAD /{bucket}/v1/processed_crash/{id}, SigV4 headers (src/ports/sigv4.ts) made for
 *             every request BEFORE the loop (signing is not the baseline's cost; valid signatures,
 *             for stores that check them: RGW). Credentials and region from AWS_* in the environment.
 *   gcs-xml   HEAD /{bucket}/v1/processed_crash/{id} (GCS XML API; an emulator: no Authorization)
 *   gcs-json  GET /storage/v1/b/{bucket}/o/{encoded name}?fields=name (GCS JSON API), body read
 *
 * With `raw` last, a 404 is followed by a HEAD of the id's v1 raw crash (v1/raw_crash/{date}/{id}),
 * the request check makes for each havenot to learn when its raw crash was saved; `counts` stay
 * the processed crashes' answers, `raw` counts the others.
 *
 * Prints one JSON line: counts by status, prepMs/prepCpuMs (building, and for s3 signing, every
 * request's headers; the caller takes it off the wall time), loopMs/loopCpuMs (the requests).
 *
 *   node bench/children/bare-head.ts s3|gcs-xml|gcs-json ENDPOINT BUCKET IDS_FILE CONCURRENCY [raw]
 */
import { readFileSync } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { EMPTY_SHA256, SigV4Signer } from '../../src/ports/sigv4.ts';

const [mode, endpoint, bucket, file, conc, then] = process.argv.slice(2);
const follow = then === 'raw';
if (mode !== 's3' && mode !== 'gcs-xml' && mode !== 'gcs-json') throw new Error(`mode: s3, gcs-xml or gcs-json, not ${mode}`);
const concurrency = Number(conc);
const ids = readFileSync(file, 'utf8').split('\n').filter(Boolean);
const url = new URL(endpoint);
if (url.protocol !== 'http:') throw new Error('loopback http endpoints only');
const host = url.host;
const port = Number(url.port || 80);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const method = mode === 'gcs-json' ? 'GET' : 'HEAD';

// ---- every request's path and headers, before the clock
const c0 = process.cpuUsage();
const p0 = performance.now();
const paths: string[] = new Array<string>(ids.length);
const headers: string[][] = new Array<string[]>(ids.length);
const rawPaths: string[] = follow ? new Array<string>(ids.length) : [];
const rawHeaders: string[][] = follow ? new Array<string[]>(ids.length) : [];
const rawKey = (id: string) => `v1/raw_crash/20${id.slice(-6)}/${id}`;
if (mode === 's3') {
  const creds = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '' };
  const signer = new SigV4Signer(process.env.AWS_REGION ?? 'us-west-2', 's3');
  // One date for the run (S3 accepts a signature for 15 minutes): what check does within a second.
  const date = signer.now();
  for (let i = 0; i < ids.length; i++) {
    const path = `/${bucket}/v1/processed_crash/${ids[i]}`;
    paths[i] = path;
    headers[i] = ['host', host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'authorization', signer.headAuthorization(creds, host, path, date), 'user-agent', 'bench'];
    if (follow) {
      const raw = `/${bucket}/${rawKey(ids[i])}`;
      rawPaths[i] = raw;
      rawHeaders[i] = ['host', host, 'x-amz-content-sha256', EMPTY_SHA256, 'x-amz-date', date, 'authorization', signer.headAuthorization(creds, host, raw, date), 'user-agent', 'bench'];
    }
  }
} else {
  const common = ['host', host, 'user-agent', 'bench'];
  const b = encodeURIComponent(bucket);
  for (let i = 0; i < ids.length; i++) {
    paths[i] = mode === 'gcs-xml' ? `/${b}/v1/processed_crash/${ids[i]}` : `/storage/v1/b/${b}/o/${encodeURIComponent(`v1/processed_crash/${ids[i]}`)}?fields=name`;
    headers[i] = common;
    if (follow) {
      rawPaths[i] = mode === 'gcs-xml' ? `/${b}/${rawKey(ids[i])}` : `/storage/v1/b/${b}/o/${encodeURIComponent(rawKey(ids[i]))}?fields=name`;
      rawHeaders[i] = common;
    }
  }
}
const prepMs = performance.now() - p0;
const prepCpu = process.cpuUsage(c0);

// ---- the loop
const send = (path: string, hdrs: string[]) =>
  new Promise<number>((resolve) => {
    const req = request({ agent, hostname: url.hostname, port, method, path, headers: hdrs, setHost: false }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (method === 'HEAD') {
        res.resume();
        resolve(status);
        return;
      }
      res.on('data', () => {});
      res.on('end', () => resolve(status));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });

const counts: Record<number, number> = {};
const raw: Record<number, number> = {};
let next = 0;
async function worker(): Promise<void> {
  while (next < ids.length) {
    const i = next++;
    const status = await send(paths[i], headers[i]);
    counts[status] = (counts[status] ?? 0) + 1;
    if (follow && status === 404) {
      const r = await send(rawPaths[i], rawHeaders[i]);
      raw[r] = (raw[r] ?? 0) + 1;
    }
  }
}
const c1 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
const loopMs = performance.now() - t0;
const loopCpu = process.cpuUsage(c1);
agent.destroy();
process.stdout.write(
  JSON.stringify({
    n: ids.length,
    counts,
    ...(follow ? { raw } : {}),
    prepMs,
    prepCpuMs: (prepCpu.user + prepCpu.system) / 1000,
    loopMs,
    loopCpuMs: (loopCpu.user + loopCpu.system) / 1000,
  }) + '\n',
);
