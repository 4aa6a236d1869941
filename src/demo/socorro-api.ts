/**
 * A loopback stand-in for Socorro's `POST /api/Reprocessing/`, for the demo and integration tests.
 *
 * It follows the order of checks in the real webapp (tokens middleware → rate limit → permission
 * → method → form parsing → crash id / ruleset validation → publish) and answers with the same
 * statuses and bodies, so a client that works against it should work against crash-stats.
 * On top of that it can inject failures from a seeded generator, reproducibly.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from './prng.ts';

export interface SocorroApiOptions {
  /** Port to listen on; 0 (the default) picks a free one. Always bound to 127.0.0.1. */
  port?: number;
  /** The one valid API token; default 'demo-token'. */
  token?: string;
  /** Whether the token carries the 'Reprocess Crashes' permission; default true. */
  permission?: boolean;
  /** Injected failures, decided per request from a seeded generator. */
  faults?: FaultPlan;
  /** A real per-minute request limit (fixed one-minute windows), answered like django-ratelimit. */
  rateLimitPerMinute?: number;
}

export interface FaultPlan {
  /** Share of requests that fail, 0..1. */
  rate: number;
  seed: number;
  kinds: Array<'429' | '500' | '502' | 'reset'>;
  /** Retry-After sent with an injected 429; default 1. */
  retryAfterSeconds?: number;
}

export interface ReceivedBatch {
  /** Status answered; 0 when the connection was reset instead. */
  status: number;
  /** The crash_ids values as sent (with any ':ruleset' suffix). */
  ids: string[];
  /** Milliseconds since the server started. */
  at: number;
}

export interface SocorroApi {
  url: string;
  /** Every crash_ids value of each batch answered 2xx, in arrival order, as sent. */
  accepted: string[];
  /** Every request that reached the handler, with the status it got. */
  batches: ReceivedBatch[];
  setFaults(plan: FaultPlan | undefined): void;
  close(): Promise<void>;
}

const ENDPOINT = '/api/Reprocessing/';
const CRASH_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{6}[0-9]{6}$/;
// settings.VALID_RULESETS in Socorro.
const VALID_RULESETS = new Set(['default', 'regenerate_signature']);
// Django defaults that Socorro does not override.
const DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000;
const DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440;
const PERMISSION_NAME = 'Reprocess Crashes';


/** Python's repr() of a str, as it appears in Socorro's BadArgumentError messages. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return quote + out + quote;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** JSON as Python's json.dumps writes it (", " and ": " separators, ASCII only), like Django. */
function pyJson(v: Json): string {
  if (Array.isArray(v)) return '[' + v.map(pyJson).join(', ') + ']';
  if (v !== null && typeof v === 'object') {
    return '{' + Object.entries(v).map(([k, x]) => pyJson(k) + ': ' + pyJson(x)).join(', ') + '}';
  }
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const DJANGO_400_HTML =
  '<!doctype html>\n<html lang="en">\n<head>\n  <title>Bad Request (400)</title>\n</head>\n<body>\n  <h1>Bad Request (400)</h1><p></p>\n</body>\n</html>\n';

interface Reply {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
  /** The body was not read in full, so the connection cannot be reused. */
  close?: boolean;
}

function json(status: number, body: Json): Reply {
  return { status, body: pyJson(body), contentType: 'application/json' };
}

/** Reads the body, keeping at most Django's memory limit; `tooBig` when it was over it. */
async function readBody(req: http.IncomingMessage): Promise<{ body: Buffer; tooBig: boolean }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > DATA_UPLOAD_MAX_MEMORY_SIZE) return { body: Buffer.alloc(0), tooBig: true };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    // A chunked body has no Content-Length: keep draining (leaving the loop would destroy the
    // socket before we can answer) but stop keeping it.
    if (size <= DATA_UPLOAD_MAX_MEMORY_SIZE) chunks.push(chunk);
  }
  return size > DATA_UPLOAD_MAX_MEMORY_SIZE ? { body: Buffer.alloc(0), tooBig: true } : { body: Buffer.concat(chunks), tooBig: false };
}

function isFormEncoded(req: http.IncomingMessage): boolean {
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return ct === 'application/x-www-form-urlencoded';
}

/** crash_ids values of a form body, and whether it is over Django's field limit. */
function parseCrashIds(body: string): { ids: string[]; tooMany: boolean } {
  if (body.length === 0) return { ids: [], tooMany: false };
  // Python's parse_qsl counts fields as separators + 1, before parsing, empty ones included.
  let fields = 1;
  for (let i = body.indexOf('&'); i !== -1; i = body.indexOf('&', i + 1)) fields++;
  // Parsed even when over the limit, so the batch record shows what was sent.
  return { ids: new URLSearchParams(body).getAll('crash_ids'), tooMany: fields > DATA_UPLOAD_MAX_NUMBER_FIELDS };
}

export async function startSocorroApi(opts: SocorroApiOptions = {}): Promise<SocorroApi> {
  const token = opts.token ?? 'demo-token';
  const permission = opts.permission ?? true;
  const rateLimit = opts.rateLimitPerMinute;
  const t0 = performance.now();

  const accepted: string[] = [];
  const batches: ReceivedBatch[] = [];

  let faults: FaultPlan | undefined;
  let rand: () => number = Math.random;
  const setFaults = (plan: FaultPlan | undefined): void => {
    faults = plan ? { ...plan, kinds: [...plan.kinds] } : undefined;
    if (plan) rand = mulberry32(plan.seed);
  };
  setFaults(opts.faults);

  // Fixed one-minute windows from start, like django-ratelimit's fixed windows.
  let windowStart = 0;
  let windowCount = 0;

  /** Decides the injected fault for this request, or none. */
  const drawFault = (): Reply | undefined => {
    if (!faults || faults.kinds.length === 0) return undefined;
    // Always two draws, so request n's fate depends only on n and the seed.
    const hit = rand() < faults.rate;
    const kind = faults.kinds[Math.floor(rand() * faults.kinds.length)];
    if (!hit) return undefined;
    switch (kind) {
      case '429':
        return {
          status: 429,
          body: 'Too Many Requests',
          contentType: 'text/plain',
          headers: { 'Retry-After': String(faults.retryAfterSeconds ?? 1) },
        };
      case '500':
        return { status: 500, body: '<h1>Server Error (500)</h1>', contentType: 'text/html' };
      case '502':
        return { status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>\n', contentType: 'text/html' };
      case 'reset':
        return { status: 0, body: '', reset: true };
    }
  };

  const rateLimited = (): Reply | undefined => {
    if (rateLimit === undefined) return undefined;
    const now = performance.now() - t0;
    if (now - windowStart >= 60_000) {
      windowStart = now - ((now - windowStart) % 60_000);
      windowCount = 0;
    }
    windowCount++;
    if (windowCount <= rateLimit) return undefined;
    const retryAfter = Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000));
    return {
      status: 429,
      body: 'Too Many Requests',
      contentType: 'text/plain',
      headers: { 'Retry-After': String(retryAfter) },
    };
  };

  const handle = async (req: http.IncomingMessage): Promise<{ reply: Reply; ids: string[] }> => {
    const { body, tooBig } = await readBody(req);
    const { ids, tooMany } =
      req.method === 'POST' && isFormEncoded(req) ? parseCrashIds(body.toString('utf8')) : { ids: [], tooMany: false };

    // Failures of the infrastructure in front of the app come before anything the app decides.
    const fault = drawFault();
    if (fault) return { reply: fault, ids };
    // RequestDataTooBig; the unread rest of the body makes the connection unusable.
    if (tooBig) return { reply: { status: 400, body: DJANGO_400_HTML, contentType: 'text/html', close: true }, ids };

    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/Reprocessing') {
      // Django's APPEND_SLASH: a redirect, which drops a POST body.
      return { reply: { status: 301, body: '', headers: { Location: ENDPOINT } }, ids };
    }
    if (path !== ENDPOINT) {
      const m = /^\/api\/([^/]+)\/$/.exec(path);
      if (m) return { reply: json(404, { error: `No service called '${m[1]}'` }), ids };
      return { reply: { status: 404, body: '<h1>Not Found</h1>', contentType: 'text/html' }, ids };
    }

    // tokens/middleware.py: a wrong token is refused; no token means an anonymous user.
    const given = req.headers['auth-token'];
    const key = Array.isArray(given) ? given[0] : given;
    if (key && key !== token) {
      // The middleware builds this body by hand, with a trailing newline.
      const reply = json(403, { error: 'API Token not matched' });
      return { reply: { ...reply, body: reply.body + '\n' }, ids };
    }

    const limited = rateLimited();
    if (limited) return { reply: limited, ids };

    if (!key || !permission) {
      return { reply: json(403, { error: `Use of this endpoint requires the '${PERMISSION_NAME}' permission` }), ids };
    }
    if (req.method !== 'POST') return { reply: json(405, { error: 'Method not allowed' }), ids };

    if (tooMany) return { reply: { status: 400, body: DJANGO_400_HTML, contentType: 'text/html' }, ids };
    if (ids.length === 0) return { reply: json(400, { errors: { crash_ids: ['This field is required.'] } }), ids };
    if (ids.some((v) => v.includes('\0'))) {
      return { reply: json(400, { errors: { crash_ids: ['Null characters are not allowed.'] } }), ids };
    }

    for (const value of ids) {
      const colon = value.indexOf(':');
      const id = colon === -1 ? value : value.slice(0, colon);
      const ruleset = colon === -1 ? 'default' : value.slice(colon + 1);
      if (!CRASH_ID_RE.test(id)) {
        return { reply: json(400, { error: `Bad request: BadArgumentError: Crash id ${pyRepr(id)} is not valid.` }), ids };
      }
      if (!VALID_RULESETS.has(ruleset)) {
        return { reply: json(400, { error: `Bad request: BadArgumentError: Ruleset ${pyRepr(ruleset)} is not valid.` }), ids };
      }
    }
    // publish() returns None on Pub/Sub and SQS, which the API renders as null.
    return { reply: json(200, null), ids };
  };

  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req).then(
      ({ reply, ids }) => {
        batches.push({ status: reply.status, ids, at: performance.now() - t0 });
        if (reply.reset) {
          req.socket.resetAndDestroy();
          return;
        }
        if (reply.status >= 200 && reply.status < 300) accepted.push(...ids);
        const headers: Record<string, string | number> = { ...reply.headers, 'Content-Length': Buffer.byteLength(reply.body) };
        if (reply.contentType) headers['Content-Type'] = reply.contentType;
        if (reply.close) headers['Connection'] = 'close';
        res.writeHead(reply.status, headers);
        res.end(reply.body);
      },
      () => {
        // The client went away mid-body; there is nobody to answer.
        req.socket.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    batches,
    setFaults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
