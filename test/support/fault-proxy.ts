/**
 * A forwarding HTTP proxy for tests and benchmarks, put in front of an S3 server (s3rver, Ceph
 * RGW) that cannot inject failures itself. Requests go upstream unchanged (Host included, so
 * SigV4 signatures stay valid); from a seeded generator it answers some of them itself with
 * S3-style throttling, server errors, resets or delays, and it can add latency to all of them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { mulberry32 } from '../../src/demo/prng.ts';

export interface ProxyFaults {
  /** Share of requests faulted, 0..1. */
  rate?: number;
  /** Picked at random among these when a request is faulted. */
  kinds?: Array<'slowdown' | '500' | 'reset' | 'delay'>;
  /** How long a 'delay' fault holds the request before forwarding it. */
  delayMs?: number;
  /** Added to every request, answered or forwarded (a far-away S3). */
  latencyMs?: number;
  /** Requests above this rate get 503 SlowDown (token bucket, burst about maxRps/10). */
  maxRps?: number;
  /** Restrict rate faults and maxRps to one method (a listing is a GET). */
  only?: 'HEAD' | 'GET' | 'PUT';
  /** Answer every HEAD with 403 and no body, like S3 when s3:ListBucket is missing. */
  forbidHead?: boolean;
  /** Answer every HEAD with a bodyless 404 while listings pass: a partial emulator, or HEADs that reach another place. */
  missingHead?: boolean;
  /**
   * Answer every request with this S3 error (HEADs without a body, as S3 does): what S3 says to
   * a wrong secret key (403 SignatureDoesNotMatch), a skewed clock (403 RequestTimeTooSkewed)...
   */
  refuse?: { status: number; code: string; message?: string };
  seed?: number;
}

export interface FaultProxy {
  url: string;
  port: number;
  /**
   * requests: received; forwarded: sent upstream; injected: answers the proxy made up, by kind
   * ('slowdown', '500', 'reset', 'delay', 'throttled' for maxRps, 'forbidden' for forbidHead, 'missing' for missingHead,
   * 'refused' for refuse).
   */
  stats: { requests: number; forwarded: number; injected: Record<string, number> };
  set(f: ProxyFaults): void;
  close(): Promise<void>;
}

// Connection-level headers belong to each hop, not to the request; none of them is signed by SigV4.
// `expect` is answered by this server already, so forwarding it would make upstream wait twice.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** Raw headers ([k, v, k, v, …]) without hop-by-hop ones; keeps case, order and duplicates. */
function endToEnd(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  }
  return out;
}


let requestCounter = 0;

function s3Error(res: http.ServerResponse, isHead: boolean, status: number, code: string, message: string): void {
  const requestId = (++requestCounter).toString(16).toUpperCase().padStart(16, '0');
  const body = isHead
    ? ''
    : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
  });
  res.end(body);
}

type Action = 'forward' | 'slowdown' | '500' | 'reset' | 'delay' | 'throttled' | 'forbidden' | 'missing' | 'refused';

export async function startFaultProxy(target: string, faults: ProxyFaults = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`fault proxy: only http targets are supported, got ${target}`);
  const upstreamHost = upstream.hostname;
  const upstreamPort = Number(upstream.port || 80);

  // Reused upstream connections: a new TCP connection per HEAD would make the proxy the bottleneck.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024, scheduling: 'lifo' });
  const stopping = new AbortController();

  const stats: FaultProxy['stats'] = { requests: 0, forwarded: 0, injected: {} };
  let f: ProxyFaults = {};
  let rand = mulberry32(0);
  let bucket = 0;
  let bucketAt = 0;
  const set = (next: ProxyFaults): void => {
    f = { ...next, kinds: next.kinds ? [...next.kinds] : undefined };
    rand = mulberry32(next.seed ?? 1);
    bucket = burst();
    bucketAt = performance.now();
  };
  const burst = (): number => Math.max(1, (f.maxRps ?? 0) / 10);

  /** Decided on arrival, in arrival order, so a seed gives the same sequence every run. */
  const decide = (method: string): Action => {
    if (f.refuse) return 'refused';
    if (f.forbidHead && method === 'HEAD') return 'forbidden';
    if (f.missingHead && method === 'HEAD') return 'missing';
    if (f.only && f.only !== method) return 'forward';
    if (f.maxRps !== undefined && f.maxRps > 0) {
      const now = performance.now();
      bucket = Math.min(burst(), bucket + ((now - bucketAt) * f.maxRps) / 1000);
      bucketAt = now;
      if (bucket < 1) return 'throttled';
      bucket -= 1;
    }
    const kinds = f.kinds;
    if (!f.rate || !kinds || kinds.length === 0) return 'forward';
    // Always two draws, so request n's fate depends only on n and the seed.
    const hit = rand() < f.rate;
    const kind = kinds[Math.floor(rand() * kinds.length)];
    return hit ? kind : 'forward';
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, retried = false): void => {
    stats.forwarded++;
    const upReq = http.request({
      agent,
      host: upstreamHost,
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.rawHeaders),
      // Keep the client's Host header instead of the upstream address, for SigV4.
      setHost: false,
    });
    // Bodyless requests that fail on a reused idle socket (upstream closed it just then) are
    // retried once, so the proxy never makes up failures that were not asked for.
    const bodyless = req.method === 'HEAD' || req.method === 'GET' || req.method === 'DELETE';
    upReq.on('response', (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, endToEnd(upRes.rawHeaders));
      pipeline(upRes, res, () => {});
    });
    upReq.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (!retried && bodyless && upReq.reusedSocket && err.code === 'ECONNRESET') {
        forward(req, res, true);
        return;
      }
      s3Error(res, req.method === 'HEAD', 502, 'BadGateway', 'The fault proxy could not reach the upstream server.');
    });
    // The client gave up: stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upReq.destroy();
    });
    // pipe, not pipeline: an upstream error must not destroy the client's request (and socket)
    // before we have answered it; node drains what is left of the body after the answer.
    if (retried) upReq.end();
    else req.pipe(upReq);
  };

  const server = http.createServer({ keepAliveTimeout: 30_000, noDelay: true }, (req, res) => {
    stats.requests++;
    const method = req.method ?? 'GET';
    const action = decide(method);
    if (action !== 'forward') stats.injected[action] = (stats.injected[action] ?? 0) + 1;
    const wait = (f.latencyMs ?? 0) + (action === 'delay' ? (f.delayMs ?? 0) : 0);

    const act = (): void => {
      if (req.socket.destroyed) return;
      const isHead = method === 'HEAD';
      switch (action) {
        case 'forbidden':
          res.writeHead(403, { 'Content-Length': 0 });
          res.end();
          return;
        case 'missing':
          res.writeHead(404, { 'Content-Length': 0 });
          res.end();
          return;
        case 'refused':
          s3Error(res, isHead, f.refuse!.status, f.refuse!.code, f.refuse!.message ?? f.refuse!.code);
          return;
        case 'throttled':
        case 'slowdown':
          s3Error(res, isHead, 503, 'SlowDown', 'Please reduce your request rate.');
          return;
        case '500':
          s3Error(res, isHead, 500, 'InternalError', 'We encountered an internal error. Please try again.');
          return;
        case 'reset':
          req.socket.resetAndDestroy();
          return;
        case 'delay':
        case 'forward':
          forward(req, res);
          return;
      }
    };

    if (wait <= 0) {
      act();
      return;
    }
    // Hold the body until the request goes upstream, so a slow S3 also slows down uploads.
    req.pause();
    sleep(wait, undefined, { signal: stopping.signal }).then(act, () => req.socket.destroy());
  });

  set(faults);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    set,
    close: () =>
      new Promise<void>((resolve, reject) => {
        stopping.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
