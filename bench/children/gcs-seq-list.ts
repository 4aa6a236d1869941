/**
 * The baseline of row 3c: one paging walk over a v1 day's single prefix on the GCS JSON API,
 * one request at a time (objects.list, maxResults 1000, pageToken, no offsets), with the same
 * fields projection as the tool's, so that only the strategy differs. Plain node:http on one
 * keep-alive socket. Prints one JSON line: requests, keys seen, elapsed ms (the walk only).
 *
 *   node bench/children/gcs-seq-list.ts URL BUCKET YYYYMMDD
 */
import { Agent, request } from 'node:http';
import { rawCrashPrefixes } from '../../src/core/layouts.ts';

const [endpoint, bucket, date] = process.argv.slice(2);
const url = new URL(endpoint);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const prefix = rawCrashPrefixes('v1', date)[0];

const get = (path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ agent, hostname: url.hostname, port: Number(url.port || 80), path, headers: { 'user-agent': 'bench' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });

let requests = 0;
let keys = 0;
let token: string | undefined;
const t0 = performance.now();
do {
  const q = new URLSearchParams({ prefix, maxResults: '1000', fields: 'items(name,updated),nextPageToken' });
  if (token) q.set('pageToken', token);
  const r = await get(`/storage/v1/b/${encodeURIComponent(bucket)}/o?${q.toString()}`);
  requests++;
  if (r.status !== 200) throw new Error(`objects.list answered ${r.status}: ${r.body.slice(0, 300)}`);
  const page = JSON.parse(r.body) as { items?: Array<{ name: string }>; nextPageToken?: string };
  keys += page.items?.length ?? 0;
  token = page.nextPageToken;
} while (token);
const ms = performance.now() - t0;
agent.destroy();
process.stdout.write(JSON.stringify({ requests, keys, loopMs: ms }) + '\n');
