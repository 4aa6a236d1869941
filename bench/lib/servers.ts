import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import S3rver from 's3rver';
import type { GcsCounts, GcsRateLimit } from '../../src/demo/gcs-server.ts';
import type { ScanWorldOptions } from '../../src/demo/scan-world.ts';
import { createBucket, putObjects, s3Client } from '../../src/demo/s3.ts';
import { forEachPooled } from '../../src/core/pool.ts';
import { startLineChild } from './proc.ts';

/** A store the rows run against: an S3 (s3rver, Ceph RGW) or the loopback GCS server. */
export interface BenchServer {
  /** 's3rver', 'ceph-rgw' or 'gcs': the table's server column. */
  name: string;
  kind: 's3' | 'gcs';
  /** The base URL (S3: the endpoint; GCS: the emulator's URL, which moves when it restarts). */
  endpoint: string;
  /**
   * What the CLI and the children need in their environment (S3: keys and region; GCS:
   * STORAGE_EMULATOR_HOST and no credentials at all). An undefined value removes the variable
   * from the inherited environment.
   */
  env: Record<string, string | undefined>;
  /** The CLI's arguments naming `bucket` on this store; an S3 endpoint can be a proxy in front of it. */
  cliArgs(bucket: string, endpoint?: string): string[];
  /** Creates a bucket holding these keys (empty bodies of '{}'). */
  seed(bucket: string, keys: string[]): Promise<void>;
  /** The GCS server's controls (latency and rate limit are the server's own; no proxy). */
  gcs?: GcsControl;
  /** Requests the server has answered since it started, where it can say (s3rver, GCS; not RGW). */
  requests?(): Promise<number>;
  close(): Promise<void>;
}

const creds = (accessKeyId: string, secretAccessKey: string) => ({
  AWS_ACCESS_KEY_ID: accessKeyId,
  AWS_SECRET_ACCESS_KEY: secretAccessKey,
  AWS_REGION: 'us-west-2',
});

const s3Args = (own: string) => (bucket: string, endpoint = own) => ['--bucket', bucket, '--endpoint', endpoint, '--path-style'];

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
  let answered = 0;
  (server as unknown as { httpServer: http.Server }).httpServer.on('request', () => answered++);
  const client = s3Client(endpoint, 'S3RVER', 'S3RVER');
  const body = '{}';
  const md5 = createHash('md5').update(body).digest('hex');
  const meta = JSON.stringify({ 'content-type': 'application/octet-stream' }, null, 2);
  return {
    name: 's3rver',
    kind: 's3',
    endpoint,
    env: creds('S3RVER', 'S3RVER'),
    cliArgs: s3Args(endpoint),
    requests: () => Promise.resolve(answered),
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
    kind: 's3',
    endpoint,
    env: creds(ak, sk),
    cliArgs: s3Args(endpoint),
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

/** The GCS bench server's controls, each a command to its process (bench/children/gcs-server.ts). */
export interface GcsControl {
  /** Milliseconds the server adds before every answer (0: instant). */
  setLatency(ms: number): Promise<void>;
  /** No list page holds more than `n` entries (undefined: as many as asked, up to 1000). */
  setPageLimit(n: number | undefined): Promise<void>;
  /**
   * A token-bucket limit (undefined: none) and what it answers above it. A status other than the
   * current one restarts the server on a new port with the same objects: `endpoint` and `env`
   * of the BenchServer follow.
   */
  setRateLimit(limit: GcsRateLimit | undefined, status?: 429 | 503): Promise<void>;
  counts(): Promise<GcsCounts>;
  resetStats(): Promise<void>;
  /** Bearer tokens the server has seen: 0 unless credentials leaked into a run. */
  tokensSeen(): Promise<number>;
  /**
   * Start watching the requests let through (answers but 429/503, sampled every 10 ms); window()
   * stops and tells how many came from the first sample that saw one to the last change, and in what span.
   */
  sample(): Promise<void>;
  window(): Promise<{ passed: number; inSpan: number; spanMs: number }>;
  /** Puts a scan world (src/demo/scan-world.ts) into a bucket in the server's process, no HTTP; see bench/children/gcs-server.ts. */
  seedWorld(bucket: string, world: ScanWorldOptions, processedOn?: string): Promise<{ objects: number; crashes: number; missing: number; noise: number; seedMs: number }>;
}

/**
 * The loopback GCS server (src/demo/gcs-server.ts, auth 'none') in a child process of its own,
 * reached by the CLI as an emulator: STORAGE_EMULATOR_HOST and a gs:// bucket, with no
 * GOOGLE_APPLICATION_CREDENTIALS and CLOUDSDK_CONFIG pointing at an empty folder, so that no
 * credentials of this machine's reach it (tokensSeen() proves it). Seeding is the server's
 * in-process put, sent as commands.
 */
export async function startGcsBench(): Promise<BenchServer> {
  const script = join(dirname(fileURLToPath(import.meta.url)), '../children/gcs-server.ts');
  const child = await startLineChild([script]);
  const noGcloud = await mkdtemp(join(tmpdir(), 'bench-no-gcloud-'));
  const ask = async <T>(cmd: Record<string, unknown>): Promise<T> => {
    const r = (await child.ask(JSON.stringify(cmd))) as T & { error?: string };
    if (r.error) throw new Error(`GCS bench server: ${cmd.op as string}: ${r.error}`);
    return r;
  };
  const server: BenchServer = {
    name: 'gcs',
    kind: 'gcs',
    endpoint: '',
    env: {},
    cliArgs: (bucket) => ['--bucket', `gs://${bucket}`],
    requests: async () => (await server.gcs!.counts()).requests,
    async seed(bucket, keys) {
      // A few MB a command at most.
      for (let i = 0; i < keys.length || i === 0; i += 20_000) await ask({ op: 'seed', bucket, keys: keys.slice(i, i + 20_000) });
    },
    async close() {
      await child.close();
      await rm(noGcloud, { recursive: true, force: true });
    },
  };
  const at = ({ url, host }: { url: string; host: string }) => {
    server.endpoint = url;
    server.env = {
      STORAGE_EMULATOR_HOST: host,
      CLOUDSDK_CONFIG: noGcloud,
      GOOGLE_APPLICATION_CREDENTIALS: undefined,
      // Nothing of S3 is needed; nothing of a real account either.
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
    };
  };
  at(child.first as { url: string; host: string });
  server.gcs = {
    async setLatency(ms) {
      await ask({ op: 'latency', ms });
    },
    async setPageLimit(n) {
      await ask({ op: 'pageLimit', n: n ?? null });
    },
    async setRateLimit(limit, status) {
      at(await ask<{ url: string; host: string }>({ op: 'rateLimit', limit: limit ?? null, status }));
    },
    counts: () => ask<GcsCounts>({ op: 'counts' }),
    async resetStats() {
      await ask({ op: 'reset' });
    },
    tokensSeen: async () => (await ask<{ tokens: number }>({ op: 'tokens' })).tokens,
    async sample() {
      await ask({ op: 'sample', every: 10 });
    },
    window: () => ask<{ passed: number; inSpan: number; spanMs: number }>({ op: 'window' }),
    seedWorld: (bucket, world, processedOn) => ask({ op: 'seedWorld', bucket, world, processedOn }),
  };
  return server;
}
