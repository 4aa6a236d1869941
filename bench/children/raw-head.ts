/**
 * The reference for "the server's ceiling for this client": a bare @aws-sdk/client-s3 HEAD loop,
 * no pool library, no files written, no progress. Run as its own process, like the CLI, so both
 * sides pay the same process start. Prints one JSON line: counts by status and the elapsed time.
 *
 *   node bench/children/raw-head.ts ENDPOINT BUCKET IDS_FILE CONCURRENCY
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

const [endpoint, Bucket, file, conc] = process.argv.slice(2);
const concurrency = Number(conc);
const ids = readFileSync(file, 'utf8').split('\n').filter(Boolean);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
const client = new S3Client({
  endpoint,
  region: process.env.AWS_REGION ?? 'us-west-2',
  forcePathStyle: true,
  maxAttempts: 1,
  requestHandler: { httpAgent: agent },
});
const counts: Record<number, number> = {};
let next = 0;
const t0 = performance.now();
async function worker(): Promise<void> {
  while (next < ids.length) {
    const id = ids[next++];
    let status: number;
    try {
      status = (await client.send(new HeadObjectCommand({ Bucket, Key: `v1/processed_crash/${id}` }))).$metadata.httpStatusCode ?? 200;
    } catch (err) {
      status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
    }
    counts[status] = (counts[status] ?? 0) + 1;
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
const ms = performance.now() - t0;
client.destroy();
process.stdout.write(JSON.stringify({ n: ids.length, counts, loopMs: ms }) + '\n');
