import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import S3rver from 's3rver';
import { createBucket, putObjects, s3Client } from '../../src/demo/s3.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import { forEachPooled } from '../../src/core/pool.ts';

/** An S3 server the rows run against. */
export interface BenchServer {
  name: string;
  endpoint: string;
  env: Record<string, string>;
  client: S3Client;
  /** Creates a bucket holding these keys (empty bodies of '{}'). */
  seed(bucket: string, keys: string[]): Promise<void>;
  close(): Promise<void>;
}

const creds = (accessKeyId: string, secretAccessKey: string) => ({
  AWS_ACCESS_KEY_ID: accessKeyId,
  AWS_SECRET_ACCESS_KEY: secretAccessKey,
  AWS_REGION: 'us-west-2',
});

/**
 * s3rver 3.7.1 in this process. Objects are seeded by writing s3rver's own files (object, .md5,
 * metadata) as its PutObject does, because seeding 20,000 objects through PUT takes minutes on
 * a loaded 2-core box; what is measured (HEAD, LIST) goes through its HTTP API as usual.
 */
export async function startS3rverBench(): Promise<BenchServer> {
  const directory = await mkdtemp(join(tmpdir(), 'bench-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: true });
  const addr = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const client = s3Client(endpoint, 'S3RVER', 'S3RVER');
  const body = '{}';
  const md5 = createHash('md5').update(body).digest('hex');
  const meta = JSON.stringify({ 'content-type': 'application/octet-stream' }, null, 2);
  return {
    name: 's3rver',
    endpoint,
    env: creds('S3RVER', 'S3RVER'),
    client,
    async seed(bucket, keys) {
      await createBucket(client, bucket);
      const made = new Map<string, Promise<unknown>>();
      await forEachPooled(keys, 32, async (key) => {
        const parts = key.split('/');
        const last = parts.pop()!;
        const dir = join(directory, bucket, ...parts);
        if (!made.has(dir)) made.set(dir, mkdir(dir, { recursive: true }));
        await made.get(dir);
        const base = join(dir, `${last}._S3rver_`);
        await writeFile(base + 'object', body);
        await writeFile(base + 'object.md5', md5);
        await writeFile(base + 'metadata.json', meta);
      });
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

const run = (cmd: string, args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout))),
  );

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Ceph RGW: an endpoint given in BENCH_RGW_ENDPOINT (keys BENCH_RGW_ACCESS_KEY/SECRET_KEY,
 * default rgwtest/rgwtestsecret), else one started with scripts/rgw.sh when radosgw is
 * installed, else undefined.
 */
export async function startRgwBench(root: string): Promise<BenchServer | undefined> {
  let endpoint = process.env.BENCH_RGW_ENDPOINT;
  const ak = process.env.BENCH_RGW_ACCESS_KEY ?? 'rgwtest';
  const sk = process.env.BENCH_RGW_SECRET_KEY ?? 'rgwtestsecret';
  let stop = async () => {};
  if (!endpoint) {
    try {
      await run('sh', ['-c', 'command -v radosgw && command -v ceph-mon && command -v ceph-osd']);
    } catch {
      return undefined;
    }
    const dir = await mkdtemp(join(tmpdir(), 'bench-rgw-'));
    const script = join(root, 'scripts/rgw.sh');
    const out = await run(script, ['start', dir, String(await freePort())]);
    endpoint = /RGW_ENDPOINT=(\S+)/.exec(out)?.[1];
    stop = async () => {
      await run(script, ['stop', dir]).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    };
    if (!endpoint) {
      await stop();
      throw new Error(`scripts/rgw.sh start printed no endpoint: ${out}`);
    }
  }
  const client = s3Client(endpoint, ak, sk);
  return {
    name: 'ceph-rgw',
    endpoint,
    env: creds(ak, sk),
    client,
    async seed(bucket, keys) {
      await createBucket(client, bucket);
      await putObjects(client, bucket, keys);
    },
    async close() {
      client.destroy();
      await stop();
    },
  };
}

/**
 * A HEAD-only stand-in for S3 for the memory row: answers at once (200 for ids ending in an even
 * digit, else 404), so that 200,000 ids take a minute, not ten. It checks nothing.
 */
export async function startHeadStub(latencyMs = 0): Promise<{ endpoint: string; requests: () => number; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    n++;
    const url = req.url ?? '';
    // check lists one key first to prove the bucket exists: answer with an empty listing.
    if (req.method === 'GET' && url.includes('list-type=2')) {
      const body = '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>stub</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>';
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // The id's first hex digit (random) picks the answer: about half 200, half 404.
    const c = url.charCodeAt(url.lastIndexOf('/') + 1);
    const answer = () => {
      res.writeHead(c % 2 === 0 ? 200 : 404, { 'content-length': 0 });
      res.end();
    };
    if (latencyMs > 0) setTimeout(answer, latencyMs);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function ensureDir(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
}
