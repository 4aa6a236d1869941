import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';

const BUCKET = 'crashes';
const KEY = 'v1/raw_crash/20160918/de1bb258-cbbf-4589-a673-34f800160918';
const MISSING = 'v1/processed_crash/de1bb258-cbbf-4589-a673-34f800160918';

let dir: string;
let s3rver: S3rver;
let s3Url: string;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const clients: S3Client[] = [];
let proxy: FaultProxy | undefined;

function client(endpoint: string, maxAttempts = 1): S3Client {
  const c = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts,
    requestHandler: { httpAgent: agent },
  });
  clients.push(c);
  return c;
}

/** HTTP status of a HeadObject, whether it succeeded or not. */
async function headStatus(c: S3Client, key: string): Promise<number> {
  try {
    const r = await c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return r.$metadata.httpStatusCode ?? -1;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return status ?? 0; // 0: no HTTP answer (connection reset)
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fault-proxy-test-'));
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  const { port } = await s3rver.run();
  s3Url = `http://127.0.0.1:${port}`;
  const direct = client(s3Url);
  await direct.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await direct.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: '{"ProductName":"Firefox"}' }));
}, 30_000);

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  agent.destroy();
  // s3rver's close() waits for keep-alive sockets, so end them first.
  (s3rver as unknown as { httpServer?: http.Server }).httpServer?.closeAllConnections();
  await s3rver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('fault proxy in front of s3rver', () => {
  it('forwards requests unchanged, SigV4 included', async () => {
    proxy = await startFaultProxy(s3Url);
    const c = client(proxy.url);
    expect(await headStatus(c, KEY)).toBe(200);
    expect(await headStatus(c, MISSING)).toBe(404);

    const body = '{"ProductName":"Firefox","Version":"140.0"}';
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}-copy`, Body: body }));
    const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${KEY}-copy` }));
    expect(await got.Body!.transformToString()).toBe(body);

    expect(proxy.stats.requests).toBe(4);
    expect(proxy.stats.forwarded).toBe(4);
    expect(proxy.stats.injected).toEqual({});
  });

  it('injects SlowDown at the configured rate, reproducibly for a seed', async () => {
    const run = async (): Promise<number[]> => {
      proxy = await startFaultProxy(s3Url, { rate: 0.25, kinds: ['slowdown'], seed: 7 });
      const c = client(proxy.url, 1);
      const out: number[] = [];
      for (let i = 0; i < 80; i++) out.push(await headStatus(c, KEY));
      const injected = proxy.stats.injected.slowdown ?? 0;
      expect(out.filter((s) => s === 503)).toHaveLength(injected);
      await proxy.close();
      proxy = undefined;
      return out;
    };
    const a = await run();
    const b = await run();
    expect(b).toEqual(a);
    expect(new Set(a)).toEqual(new Set([200, 503]));
    const slow = a.filter((s) => s === 503).length;
    expect(slow).toBeGreaterThan(5);
    expect(slow).toBeLessThan(40);
  });

  it('gives GET a SlowDown XML body the SDK recognises, and only faults the chosen method', async () => {
    proxy = await startFaultProxy(s3Url, { rate: 1, kinds: ['slowdown'], only: 'GET', seed: 1 });
    const c = client(proxy.url, 1);
    expect(await headStatus(c, KEY)).toBe(200);
    const err = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
  });

  it('injects 500 and resets', async () => {
    proxy = await startFaultProxy(s3Url, { rate: 1, kinds: ['500'], seed: 1 });
    const c = client(proxy.url, 1);
    expect(await headStatus(c, KEY)).toBe(500);
    const err = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });

    proxy.set({ rate: 1, kinds: ['reset'], seed: 1 });
    expect(await headStatus(c, KEY)).toBe(0);
    expect(proxy.stats.injected).toEqual({ '500': 2, reset: 1 });
    expect(proxy.stats.forwarded).toBe(0);
  });

  it('lets the SDK retry past occasional faults', async () => {
    proxy = await startFaultProxy(s3Url, { rate: 0.3, kinds: ['slowdown', '500', 'reset'], seed: 11 });
    const c = client(proxy.url, 5);
    const out: number[] = [];
    for (let i = 0; i < 20; i++) out.push(await headStatus(c, KEY));
    expect(out.every((s) => s === 200)).toBe(true);
    expect(proxy.stats.requests).toBeGreaterThan(20);
  });

  it('answers every HEAD with 403 when forbidHead is set, and still forwards GET', async () => {
    proxy = await startFaultProxy(s3Url, { forbidHead: true });
    const c = client(proxy.url);
    expect(await headStatus(c, KEY)).toBe(403);
    expect(await headStatus(c, MISSING)).toBe(403);
    const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }));
    expect(got.$metadata.httpStatusCode).toBe(200);
    await got.Body!.transformToString();
    expect(proxy.stats.injected).toEqual({ forbidden: 2 });
  });

  it('adds latencyMs to every request, and delayMs to delay faults', async () => {
    proxy = await startFaultProxy(s3Url);
    const c = client(proxy.url);
    await headStatus(c, KEY); // warm the connections
    const time = async (key = KEY): Promise<number> => {
      const t = performance.now();
      await headStatus(c, key);
      return performance.now() - t;
    };
    // Minimum of a few tries, so one slow moment on a busy machine does not decide the order.
    const fastest = async (n: number, key = KEY): Promise<number> => {
      let best = Infinity;
      for (let i = 0; i < n; i++) best = Math.min(best, await time(key));
      return best;
    };
    const plain = await fastest(3);
    proxy.set({ latencyMs: 200 });
    const slow = await fastest(3);
    const slowMissing = await fastest(1, MISSING);
    // Lower bounds only: timers never fire early, but a loaded machine can be late.
    expect(slow).toBeGreaterThanOrEqual(195);
    expect(slowMissing).toBeGreaterThanOrEqual(195);
    expect(slow).toBeGreaterThan(plain);

    proxy.set({ rate: 1, kinds: ['delay'], delayMs: 100, latencyMs: 50, seed: 1 });
    expect(await time()).toBeGreaterThanOrEqual(145);
    expect(proxy.stats.injected.delay).toBe(1);
  });

  it('answers faulted uploads without breaking the connection for the next request', async () => {
    proxy = await startFaultProxy(s3Url, { rate: 1, kinds: ['slowdown'], only: 'PUT', latencyMs: 20, seed: 1 });
    const c = client(proxy.url, 1);
    const body = 'x'.repeat(256 * 1024);
    const err = await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}-big`, Body: body })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(await headStatus(c, KEY)).toBe(200);

    proxy.set({ rate: 1, kinds: ['delay'], delayMs: 30, only: 'PUT', seed: 1 });
    await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}-big`, Body: body }));
    const got = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${KEY}-big` }));
    expect((await got.Body!.transformToString()).length).toBe(body.length);
  });

  it('answers SlowDown above maxRps under a burst', async () => {
    proxy = await startFaultProxy(s3Url, { maxRps: 20 });
    const c = client(proxy.url, 1);
    const burst = await Promise.all(Array.from({ length: 64 }, () => headStatus(c, KEY)));
    const throttled = burst.filter((s) => s === 503).length;
    const ok = burst.filter((s) => s === 200).length;
    expect(throttled + ok).toBe(64);
    // The bucket holds maxRps/10 = 2 tokens and refills 20/s; a burst of 64 must be mostly refused.
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(throttled).toBeGreaterThan(32);
    expect(proxy.stats.injected.throttled).toBe(throttled);

    // Paced below the limit, everything gets through.
    proxy.set({ maxRps: 20 });
    const paced: number[] = [];
    for (let i = 0; i < 5; i++) {
      paced.push(await headStatus(c, KEY));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(paced).toEqual([200, 200, 200, 200, 200]);
  });

  it('keeps up with a pool of 128 concurrent HEADs', async () => {
    proxy = await startFaultProxy(s3Url);
    const c = client(proxy.url);
    const keys = Array.from({ length: 512 }, (_, i) => (i % 2 ? KEY : `${MISSING}-${i}`));
    let next = 0;
    const counts = { 200: 0, 404: 0, other: 0 };
    await Promise.all(
      Array.from({ length: 128 }, async () => {
        while (next < keys.length) {
          const s = await headStatus(c, keys[next++]);
          if (s === 200 || s === 404) counts[s]++;
          else counts.other++;
        }
      }),
    );
    expect(counts).toEqual({ 200: 256, 404: 256, other: 0 });
    expect(proxy.stats.forwarded).toBe(512);
  }, 60_000);
});
