/**
 * The seed's way of listing, one request at a time, for the list rows' baseline:
 *   v2: walk the day's 4096 entropy prefixes in order (the first LIMIT of them), paging each;
 *   v1: one paging walk over the day's single prefix.
 * Prints one JSON line: prefixes walked, requests, keys seen, elapsed ms (the walk only).
 *
 *   node bench/children/seq-list.ts ENDPOINT BUCKET v1|v2 YYYYMMDD [LIMIT]
 */
import { Agent } from 'node:http';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { rawCrashPrefixes } from '../../src/core/layouts.ts';

const [endpoint, Bucket, layout, date, limit] = process.argv.slice(2);
const client = new S3Client({
  endpoint,
  region: process.env.AWS_REGION ?? 'us-west-2',
  forcePathStyle: true,
  requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }) },
});
const all = rawCrashPrefixes(layout === 'v2' ? 'v2' : 'v1', date);
const prefixes = limit ? all.slice(0, Number(limit)) : all;
let requests = 0;
let keys = 0;
const t0 = performance.now();
for (const Prefix of prefixes) {
  let token: string | undefined;
  do {
    const out = await client.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken: token }));
    requests++;
    keys += out.KeyCount ?? out.Contents?.length ?? 0;
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}
const ms = performance.now() - t0;
client.destroy();
process.stdout.write(JSON.stringify({ prefixes: prefixes.length, requests, keys, loopMs: ms }) + '\n');
