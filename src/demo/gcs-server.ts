/**
 * A loopback Google Cloud Storage server for the demo, the tests and the benchmarks.
 *
 * No GCS emulator installs here (socorro-facts §7), so this is our own, held honest by
 * test/integration/gcs-server.test.ts, which drives it with Google's `@google-cloud/storage`
 * and `google-auth-library`. It implements exactly what a client of socorro-reprocess calls,
 * the way storage.googleapis.com answers it:
 *
 * JSON API (`/storage/v1/…`)
 * - `GET /storage/v1/b/{bucket}/o` objects.list: `prefix`, `startOffset` (inclusive),
 *   `endOffset` (exclusive), `delimiter` (+ `prefixes`), `pageToken`, `maxResults` (default and
 *   cap 1000, items and prefixes together), `fields` partial responses (`items(name,updated)`,
 *   `items/name`, nested parentheses, `*`; unknown fields drop). Names in UTF-8 byte order.
 *   Page tokens are opaque (base64url). `shortPages` makes pages shorter than asked, as GCS may.
 * - `GET /storage/v1/b/{bucket}/o/{name}` object metadata (+ `fields`), `alt=media` downloads
 *   (also under `/download/storage/v1/…`), `DELETE` of an object.
 * - `GET /storage/v1/b/{bucket}` bucket metadata (needs storage.buckets.get).
 * - `POST /upload/storage/v1/b/{bucket}/o` with `uploadType=multipart|media|resumable` (and the
 *   resumable session's `PUT`), enough for `file.save()` with or without `resumable: false`.
 * - `/b/{bucket}/…` as an alias of `/storage/v1/b/{bucket}/…`: @google-cloud/storage takes
 *   STORAGE_EMULATOR_HOST (it must be `http://host:port` there) as the JSON base URL verbatim.
 * XML API
 * - `HEAD`/`GET /{bucket}/{object}`: Last-Modified, ETag (MD5), Content-Length, x-goog-generation,
 *   x-goog-metageneration, x-goog-stored-content-length, x-goog-hash (crc32c and md5, two
 *   lines), Content-Type. Errors are `<Error><Code>NoSuchKey|NoSuchBucket|AccessDenied|…`
 *   bodies (HEAD: headers only). The S3-style bucket listing (`GET /{bucket}`) is not
 *   implemented (501).
 *
 * Errors use GCS's JSON shape `{"error":{"code","message","errors":[{message,domain,reason}]}}`:
 * "No such object: B/N" and "The specified bucket does not exist." (both 404 notFound, distinct);
 * 401 "Invalid Credentials" (authError, WWW-Authenticate: Bearer realm=…) or, without a token,
 * "Anonymous caller does not have …" (reason required); 403 "<principal> does not have
 * storage.objects.get access to the Google Cloud Storage object. Permission
 * 'storage.objects.get' denied on resource (or it may not exist)." (forbidden); 429
 * rateLimitExceeded (usageLimits); 503/500 backendError. Order of checks like GCS:
 * authentication → permission → existence (a token without the permission gets 403 even for a
 * bucket that does not exist, hence "(or it may not exist)").
 *
 * Auth: `auth: 'none'` (the default, an emulator: anything goes) or token checking (`'tokens'` or a
 * `GcsAuth` from createGcsAuth()) where only granted, unexpired, unrevoked tokens pass, each with a
 * principal and a set of permissions. test/support/gcp-token-service.ts grants the tokens it
 * issues. On top: a token-bucket rate limit, seeded faults (503/500/429/reset/delay; two PRNG
 * draws per request, so request n's fate depends only on n and the seed), added latency, and
 * per-request counters (always) and log (with `log: true`).
 *
 * Fast path: objects live in a Map per bucket plus a lazily re-sorted name array (binary search
 * for listing); the XML HEAD headers and the JSON resource of an object are rendered once and
 * cached, so thousands of HEADs per second cost little beyond Node's HTTP parsing.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { mulberry32 } from './prng.ts';

// ---------------------------------------------------------------------------------------------
// Public types

export type GcsPermission =
  | 'storage.objects.list'
  | 'storage.objects.get'
  | 'storage.objects.create'
  | 'storage.objects.delete'
  | 'storage.buckets.get';

export const GCS_PERMISSIONS: readonly GcsPermission[] = [
  'storage.objects.list',
  'storage.objects.get',
  'storage.objects.create',
  'storage.objects.delete',
  'storage.buckets.get',
];

/** roles/storage.objectViewer, as far as this server's permissions go: read objects, list them; no bucket metadata. */
export const OBJECT_VIEWER: readonly GcsPermission[] = ['storage.objects.get', 'storage.objects.list'];

/** What a request was, for counters and the log. */
export type GcsApi =
  | 'json-list'
  | 'json-get'
  | 'json-media'
  | 'json-bucket'
  | 'json-delete'
  | 'xml-head'
  | 'xml-get'
  | 'upload'
  | 'other';

const READ_APIS: ReadonlySet<GcsApi> = new Set(['json-list', 'json-get', 'json-media', 'json-bucket', 'xml-head', 'xml-get']);

export interface TokenGrant {
  /** Who the token stands for: a service account email, a federated principal://… */
  principal: string;
  /** When it stops working; default never. */
  expiresAt?: Date | number;
  /** Overrides the principal's permissions for this token. */
  permissions?: Iterable<GcsPermission>;
}

export type AuthOutcome =
  | { ok: true; principal: string; permissions: ReadonlySet<GcsPermission> }
  | { ok: false; why: 'missing' | 'unknown' | 'expired' | 'revoked' };

/** Which bearer tokens the server accepts, and what each may do (IAM, in miniature). */
export interface GcsAuth {
  allow(token: string, grant: TokenGrant): void;
  revoke(token: string): void;
  /** The principal's IAM permissions (for tokens granted without their own). */
  setPermissions(principal: string, permissions: Iterable<GcsPermission>): void;
  check(token: string | undefined): AuthOutcome;
  /** Tokens granted so far (revoked and expired ones included). */
  readonly granted: number;
}

export interface GcsAuthOptions {
  /** Permissions of a principal nobody configured; default all of GCS_PERMISSIONS. */
  defaultPermissions?: Iterable<GcsPermission>;
  /** Clock for expiry; default Date.now (the clients use wall-clock expiry too). */
  now?: () => number;
}

export function createGcsAuth(opts: GcsAuthOptions = {}): GcsAuth {
  const now = opts.now ?? Date.now;
  const defaults: ReadonlySet<GcsPermission> = new Set(opts.defaultPermissions ?? GCS_PERMISSIONS);
  const tokens = new Map<string, { principal: string; expiresAt: number; permissions?: ReadonlySet<GcsPermission> }>();
  const revoked = new Set<string>();
  const principals = new Map<string, ReadonlySet<GcsPermission>>();
  return {
    allow(token, grant) {
      const exp = grant.expiresAt === undefined ? Infinity : typeof grant.expiresAt === 'number' ? grant.expiresAt : grant.expiresAt.getTime();
      tokens.set(token, { principal: grant.principal, expiresAt: exp, permissions: grant.permissions ? new Set(grant.permissions) : undefined });
      revoked.delete(token);
    },
    revoke(token) {
      revoked.add(token);
    },
    setPermissions(principal, permissions) {
      principals.set(principal, new Set(permissions));
    },
    check(token) {
      if (!token) return { ok: false, why: 'missing' };
      const t = tokens.get(token);
      if (!t) return { ok: false, why: 'unknown' };
      if (revoked.has(token)) return { ok: false, why: 'revoked' };
      if (now() >= t.expiresAt) return { ok: false, why: 'expired' };
      return { ok: true, principal: t.principal, permissions: t.permissions ?? principals.get(t.principal) ?? defaults };
    },
    get granted() {
      return tokens.size;
    },
  };
}

export type GcsFaultKind = '503' | '500' | '429' | 'reset' | 'delay';

export interface GcsFaultPlan {
  /** Share of requests faulted, 0..1. */
  rate: number;
  seed: number;
  /** Picked at random among these when a request is faulted. */
  kinds: GcsFaultKind[];
  /** How long a 'delay' fault holds the request before it is served normally; default 1000. */
  delayMs?: number;
  /** Only requests of these APIs are faulted (the draws happen for every request regardless). */
  apis?: GcsApi[];
}

export interface GcsRateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Bucket size (the burst allowed from idle); default perSecond (one second's worth), at least 1. */
  burst?: number;
  /** Which requests count and can be refused; default 'all'. */
  scope?: 'all' | 'reads';
}

export interface GcsServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. Always bound to 127.0.0.1. */
  port?: number;
  /** 'none' (default): no checks at all, like an emulator. 'tokens': a fresh createGcsAuth(). */
  auth?: 'none' | 'tokens' | GcsAuth;
  rateLimit?: GcsRateLimit;
  /** Status for requests over the rate limit: 429 (default) or 503, both seen from GCS. */
  throttleStatus?: 429 | 503;
  faults?: GcsFaultPlan;
  /** Milliseconds added before answering every request. */
  latencyMs?: number;
  /** List pages of a random size in 1..maxResults (seeded), still with a nextPageToken. */
  shortPages?: boolean | { seed: number };
  /** No list page holds more than this many entries, whatever maxResults asks (GCS may return fewer). */
  pageLimit?: number;
  /** Keep a detailed per-request log (memory grows with requests); counts are always kept. */
  log?: boolean;
  /** Buckets to create at start. */
  buckets?: string[];
}

export interface GcsRequestRecord {
  method: string;
  api: GcsApi;
  bucket: string | undefined;
  object?: string;
  /** The raw query string (after '?'), '' when none. */
  query: string;
  /** Status answered; 0 when the connection was reset instead. */
  status: number;
  /** The bearer token sent, if any. */
  token: string | undefined;
  /** Milliseconds since the server started. */
  at: number;
}

export interface GcsCounts {
  requests: number;
  byApi: Partial<Record<GcsApi, number>>;
  /** Keyed by status as a string ('0' = reset). */
  byStatus: Record<string, number>;
  /** Keyed `${api} ${status}`, e.g. 'xml-head 404'. */
  byApiStatus: Record<string, number>;
}

export interface PutOptions {
  /** Sets both timeCreated and updated; default now. */
  updated?: Date;
  contentType?: string;
  metadata?: Record<string, string>;
}

export interface GcsObjectInfo {
  bucket: string;
  name: string;
  size: number;
  body: Buffer;
  contentType: string;
  generation: string;
  metageneration: string;
  timeCreated: Date;
  updated: Date;
  md5Hash: string;
  crc32c: string;
  metadata?: Record<string, string>;
}

export interface GcsServer {
  /** http://127.0.0.1:PORT — the apiEndpoint for @google-cloud/storage, --endpoint for the CLI. */
  url: string;
  /** 127.0.0.1:PORT, the STORAGE_EMULATOR_HOST form. */
  host: string;
  port: number;
  /** The token checker, when auth is not 'none'. */
  auth: GcsAuth | undefined;
  createBucket(name: string): void;
  /** Stores (or replaces) an object without HTTP. The bucket must exist. */
  put(bucket: string, name: string, body?: string | Buffer, opts?: PutOptions): GcsObjectInfo;
  remove(bucket: string, name: string): boolean;
  has(bucket: string, name: string): boolean;
  get(bucket: string, name: string): GcsObjectInfo | undefined;
  /** Object names of a bucket in listing order (UTF-8 byte order). */
  list(bucket: string): string[];
  setFaults(plan: GcsFaultPlan | undefined): void;
  setRateLimit(limit: GcsRateLimit | undefined): void;
  setLatency(ms: number): void;
  setShortPages(v: boolean | { seed: number }): void;
  /** See GcsServerOptions.pageLimit; undefined: pages as large as asked (up to 1000). */
  setPageLimit(n: number | undefined): void;
  counts(): GcsCounts;
  /** The detailed log (empty unless started with log: true). */
  requests(): readonly GcsRequestRecord[];
  tokensSeen(): ReadonlySet<string>;
  resetStats(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Hashes: CRC32C (Castagnoli) and MD5, both base64 as GCS reports them.

const CRC32C_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32c(buf: Uint8Array): number {
  let c = ~0;
  for (let i = 0; i < buf.length; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function crc32cBase64(buf: Uint8Array): string {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(crc32c(buf));
  return b.toString('base64');
}

/** GCS etags are a protobuf of (generation, metageneration), base64; this makes the same shape. */
function etagFor(generation: number, metageneration: number): string {
  const bytes: number[] = [0x08];
  let g = BigInt(generation);
  while (g >= 0x80n) {
    bytes.push(Number(g & 0x7fn) | 0x80);
    g >>= 7n;
  }
  bytes.push(Number(g), 0x10, metageneration);
  return Buffer.from(bytes).toString('base64');
}

// ---------------------------------------------------------------------------------------------
// Names: GCS lists in UTF-8 byte order, which is code point order. JS compares UTF-16 code
// units, which differs only when surrogates meet U+E000..U+FFFF; fix that up at the mismatch.

export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Partial responses (`fields`): a,b(c,d),e/f,*

type FieldTree = Map<string, FieldTree | null>;

export function parseFields(s: string): FieldTree {
  let i = 0;
  const fail = (): never => {
    throw new Error(`Invalid field selection ${s}`);
  };
  const name = (): string => {
    const start = i;
    while (i < s.length && /[A-Za-z0-9_*.-]/.test(s[i])) i++;
    if (i === start) fail();
    return s.slice(start, i);
  };
  const merge = (into: FieldTree, key: string, sub: FieldTree | null): void => {
    if (!into.has(key)) into.set(key, sub);
    else {
      const cur = into.get(key)!;
      if (cur === null || sub === null) into.set(key, null);
      else for (const [k, v] of sub) merge(cur, k, v);
    }
  };
  const list = (): FieldTree => {
    const tree: FieldTree = new Map();
    for (;;) {
      while (s[i] === ' ') i++;
      const path = [name()];
      while (s[i] === '/') {
        i++;
        path.push(name());
      }
      let sub: FieldTree | null = null;
      if (s[i] === '(') {
        i++;
        sub = list();
        if (s[i] !== ')') fail();
        i++;
      }
      for (let k = path.length - 1; k > 0; k--) sub = new Map([[path[k], sub]]);
      merge(tree, path[0], sub);
      while (s[i] === ' ') i++;
      if (s[i] !== ',') return tree;
      i++;
    }
  };
  const tree = list();
  if (i !== s.length) fail();
  return tree;
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

function project(value: JsonValue, tree: FieldTree | null): JsonValue {
  if (tree === null || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => project(v, tree));
  const all = tree.has('*');
  const out: { [k: string]: JsonValue } = {};
  for (const key of Object.keys(value)) {
    if (tree.has(key)) out[key] = project(value[key], tree.get(key)!);
    else if (all) out[key] = value[key];
  }
  return out;
}

const fieldsCache = new Map<string, FieldTree>();
function fieldsFor(s: string): FieldTree {
  let t = fieldsCache.get(s);
  if (!t) {
    t = parseFields(s);
    if (fieldsCache.size > 256) fieldsCache.clear();
    fieldsCache.set(s, t);
  }
  return t;
}

/** The resource, cut down to `fields` when given; a bad selection is GCS's 400. */
function projected(value: { [k: string]: JsonValue }, fields: string | null | undefined): Reply {
  if (!fields) return jsonReply(value);
  let tree: FieldTree;
  try {
    tree = fieldsFor(fields);
  } catch (e) {
    return jsonError(400, (e as Error).message, 'invalidParameter', { locationType: 'parameter', location: 'fields' });
  }
  return jsonReply(project(value, tree));
}

// ---------------------------------------------------------------------------------------------
// Storage

interface StoredObject {
  bucket: string;
  name: string;
  body: Buffer;
  contentType: string;
  generation: number;
  metageneration: number;
  created: number;
  updated: number;
  md5: string;
  md5Hex: string;
  crc: string;
  metadata?: Record<string, string>;
  /** Cached renderings. */
  resource?: { [k: string]: JsonValue };
  resourceJson?: string;
  xmlHeaders?: string[];
  mediaHeaders?: string[];
}

interface Bucket {
  name: string;
  created: number;
  objects: Map<string, StoredObject>;
  /** Names in listing order; null when a put or remove changed the set. */
  sorted: string[] | null;
}

/** Same bytes → same hashes: seeding a million identical bodies hashes once. */
let lastHashed: { body: Buffer; md5: string; md5Hex: string; crc: string } | undefined;
function hashes(body: Buffer): { md5: string; md5Hex: string; crc: string } {
  if (lastHashed && (lastHashed.body === body || lastHashed.body.equals(body))) return lastHashed;
  const digest = createHash('md5').update(body).digest();
  lastHashed = { body, md5: digest.toString('base64'), md5Hex: digest.toString('hex'), crc: crc32cBase64(body) };
  return lastHashed;
}

const MAX_NAME_BYTES = 1024;

function lowerBound(arr: string[], key: string): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNames(arr[mid], key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose name does not start with `prefix` and sorts after it. */
function afterPrefix(arr: string[], prefix: string, from: number): number {
  let lo = from;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid].startsWith(prefix) || compareNames(arr[mid], prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------
// Replies

interface Reply {
  status: number;
  /** Flat [name, value, name, value, …]. */
  headers: string[];
  body?: string | Buffer;
  /** Destroy the connection instead of answering. */
  reset?: boolean;
}

const JSON_TYPE = 'application/json; charset=UTF-8';
const XML_TYPE = 'application/xml; charset=UTF-8';
const XML_HEAD = "<?xml version='1.0' encoding='UTF-8'?>";
const AUTH_REALM = 'Bearer realm="https://accounts.google.com/"';
const INTERNAL_ERROR = 'We encountered an internal error. Please try again.';
const RATE_LIMITED = 'The bucket exceeded the rate limit for read requests. Please reduce your request rate.';
const NO_BUCKET = 'The specified bucket does not exist.';

interface ErrorDetail {
  domain?: string;
  locationType?: string;
  location?: string;
}

function jsonError(status: number, message: string, reason: string, detail: ErrorDetail = {}, headers: string[] = []): Reply {
  const err: { [k: string]: string } = { message, domain: detail.domain ?? 'global', reason };
  if (detail.locationType) err.locationType = detail.locationType;
  if (detail.location) err.location = detail.location;
  const body = JSON.stringify({ error: { code: status, message, errors: [err] } });
  return { status, headers: ['Content-Type', JSON_TYPE, ...headers], body };
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>'"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function xmlError(status: number, code: string, message: string, details?: string, headers: string[] = []): Reply {
  const body = `${XML_HEAD}<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${details === undefined ? '' : `<Details>${xmlEscape(details)}</Details>`}</Error>`;
  return { status, headers: ['Content-Type', XML_TYPE, ...headers], body };
}

function jsonReply(value: JsonValue | string): Reply {
  return { status: 200, headers: ['Content-Type', JSON_TYPE], body: typeof value === 'string' ? value : JSON.stringify(value) };
}

/** 'storage.objects.get' → what the 403/401 texts say it is about. */
function resourceKind(p: GcsPermission): string {
  return p.startsWith('storage.buckets') || p === 'storage.objects.list' ? 'bucket' : 'object';
}

function deniedText(who: string, p: GcsPermission): string {
  return `${who} does not have ${p} access to the Google Cloud Storage ${resourceKind(p)}. Permission '${p}' denied on resource (or it may not exist).`;
}

// ---------------------------------------------------------------------------------------------
// Routing

interface Route {
  api: GcsApi;
  xml: boolean;
  bucket?: string;
  object?: string;
  /** The permission this needs. */
  permission?: GcsPermission;
  /** The path could not be decoded, or is not an API we know. */
  invalid?: 'decode' | 'unknown';
  upload?: boolean;
}

function decode(s: string): string {
  return decodeURIComponent(s);
}

function route(method: string, path: string, query: string): Route {
  // @google-cloud/storage uses STORAGE_EMULATOR_HOST verbatim as the JSON API base (no
  // /storage/v1), so it asks for /b/…; no bucket can be called 'b' (3 characters at least).
  if (path.startsWith('/b/')) path = '/storage/v1' + path;
  try {
    if (path.startsWith('/storage/v1/b/') || path.startsWith('/download/storage/v1/b/')) {
      const download = path.charCodeAt(1) === 100; // 'd'
      const rest = path.slice(download ? 23 : 14);
      const slash = rest.indexOf('/');
      const bucket = decode(slash === -1 ? rest : rest.slice(0, slash));
      const tail = slash === -1 ? '' : rest.slice(slash + 1);
      if (tail === '' && !download) return { api: method === 'GET' ? 'json-bucket' : 'other', xml: false, bucket, permission: 'storage.buckets.get' };
      if ((tail === 'o' || tail === 'o/') && !download) return { api: method === 'GET' ? 'json-list' : 'other', xml: false, bucket, permission: 'storage.objects.list' };
      if (tail.startsWith('o/')) {
        const object = decode(tail.slice(2));
        if (method === 'DELETE' && !download) return { api: 'json-delete', xml: false, bucket, object, permission: 'storage.objects.delete' };
        if (method !== 'GET') return { api: 'other', xml: false, bucket, object };
        const media = download || /(?:^|&)alt=media(?:&|$)/.test(query);
        return { api: media ? 'json-media' : 'json-get', xml: false, bucket, object, permission: 'storage.objects.get' };
      }
      return { api: 'other', xml: false, bucket, invalid: 'unknown' };
    }
    if (path.startsWith('/upload/storage/v1/b/')) {
      const rest = path.slice(21);
      const slash = rest.indexOf('/');
      const bucket = decode(slash === -1 ? rest : rest.slice(0, slash));
      const tail = slash === -1 ? '' : rest.slice(slash + 1);
      if (tail !== 'o' || (method !== 'POST' && method !== 'PUT')) return { api: 'other', xml: false, bucket, invalid: 'unknown' };
      return { api: 'upload', xml: false, bucket, permission: 'storage.objects.create', upload: true };
    }
    if (path.startsWith('/storage/') || path.startsWith('/upload/') || path.startsWith('/download/') || path === '/') {
      return { api: 'other', xml: false, invalid: 'unknown' };
    }
    // XML API, path style: /{bucket}/{object}
    const slash = path.indexOf('/', 1);
    if (slash === -1 || slash === path.length - 1) return { api: 'other', xml: true, bucket: decode(path.slice(1, slash === -1 ? undefined : slash)), invalid: 'unknown' };
    const bucket = decode(path.slice(1, slash));
    const object = decode(path.slice(slash + 1));
    if (method === 'HEAD') return { api: 'xml-head', xml: true, bucket, object, permission: 'storage.objects.get' };
    if (method === 'GET') return { api: 'xml-get', xml: true, bucket, object, permission: 'storage.objects.get' };
    return { api: 'other', xml: true, bucket, object, invalid: 'unknown' };
  } catch {
    return { api: 'other', xml: !path.startsWith('/storage/'), invalid: 'decode' };
  }
}

// ---------------------------------------------------------------------------------------------
// Multipart/related parsing for uploadType=multipart

function parseMultipart(body: Buffer, contentType: string): { metadata: Record<string, unknown>; media: Buffer; mediaType?: string } {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new Error('no multipart boundary');
  const boundary = Buffer.from('--' + (m[1] ?? m[2]).trim());
  const parts: Array<{ headers: string; body: Buffer }> = [];
  let pos = body.indexOf(boundary);
  while (pos !== -1) {
    let start = pos + boundary.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing --boundary--
    if (body[start] === 0x0d) start += 2;
    else if (body[start] === 0x0a) start += 1;
    const next = body.indexOf(boundary, start);
    if (next === -1) break;
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const part = body.subarray(start, end);
    let split = part.indexOf('\r\n\r\n');
    let skip = 4;
    if (split === -1) {
      split = part.indexOf('\n\n');
      skip = 2;
    }
    if (split === -1) parts.push({ headers: '', body: part });
    else parts.push({ headers: part.subarray(0, split).toString('latin1'), body: part.subarray(split + skip) });
    pos = next;
  }
  if (parts.length < 2) throw new Error('multipart upload needs metadata and media parts');
  const metadata = JSON.parse(parts[0].body.toString('utf8')) as Record<string, unknown>;
  const mt = /^content-type:\s*(.+)$/im.exec(parts[1].headers);
  return { metadata, media: Buffer.from(parts[1].body), mediaType: mt?.[1].trim() };
}

async function readBody(req: http.IncomingMessage, limit = 256 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(c);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

// ---------------------------------------------------------------------------------------------

export async function startGcsServer(opts: GcsServerOptions = {}): Promise<GcsServer> {
  const t0 = performance.now();
  const auth: GcsAuth | undefined = opts.auth === undefined || opts.auth === 'none' ? undefined : opts.auth === 'tokens' ? createGcsAuth() : opts.auth;
  const buckets = new Map<string, Bucket>();
  let base = '';

  // --- counters and log
  let counts: GcsCounts = { requests: 0, byApi: {}, byStatus: {}, byApiStatus: {} };
  let log: GcsRequestRecord[] = [];
  const keepLog = opts.log ?? false;
  const tokens = new Set<string>();
  const record = (method: string, r: Route, query: string, status: number, token: string | undefined): void => {
    counts.requests++;
    counts.byApi[r.api] = (counts.byApi[r.api] ?? 0) + 1;
    const s = String(status);
    counts.byStatus[s] = (counts.byStatus[s] ?? 0) + 1;
    const k = `${r.api} ${s}`;
    counts.byApiStatus[k] = (counts.byApiStatus[k] ?? 0) + 1;
    if (keepLog) log.push({ method, api: r.api, bucket: r.bucket, object: r.object, query, status, token, at: performance.now() - t0 });
  };

  // --- faults
  let faults: GcsFaultPlan | undefined;
  let faultApis: ReadonlySet<GcsApi> | undefined;
  let rand: () => number = Math.random;
  const setFaults = (plan: GcsFaultPlan | undefined): void => {
    faults = plan ? { ...plan, kinds: [...plan.kinds] } : undefined;
    faultApis = plan?.apis ? new Set(plan.apis) : undefined;
    if (plan) rand = mulberry32(plan.seed);
  };
  setFaults(opts.faults);

  // --- rate limit (token bucket)
  let limit: { perSecond: number; burst: number; reads: boolean } | undefined;
  let bucketTokens = 0;
  let refilledAt = 0;
  const setRateLimit = (l: GcsRateLimit | undefined): void => {
    limit = l ? { perSecond: l.perSecond, burst: Math.max(1, l.burst ?? l.perSecond), reads: l.scope === 'reads' } : undefined;
    if (limit) {
      bucketTokens = limit.burst;
      refilledAt = performance.now();
    }
  };
  setRateLimit(opts.rateLimit);
  const throttleStatus = opts.throttleStatus ?? 429;
  const overLimit = (api: GcsApi): boolean => {
    if (!limit || (limit.reads && !READ_APIS.has(api))) return false;
    const now = performance.now();
    bucketTokens = Math.min(limit.burst, bucketTokens + ((now - refilledAt) / 1000) * limit.perSecond);
    refilledAt = now;
    if (bucketTokens >= 1) {
      bucketTokens -= 1;
      return false;
    }
    return true;
  };

  let latencyMs = opts.latencyMs ?? 0;

  // --- short pages
  let pageRand: (() => number) | undefined;
  const setShortPages = (v: boolean | { seed: number }): void => {
    pageRand = v === false ? undefined : mulberry32(typeof v === 'object' ? v.seed : 1);
  };
  setShortPages(opts.shortPages ?? false);
  let pageLimit = opts.pageLimit;

  // --- storage
  let lastGeneration = 0;
  const nextGeneration = (): number => (lastGeneration = Math.max(Date.now() * 1000, lastGeneration + 1));

  const createBucket = (name: string): void => {
    if (!/^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/.test(name)) throw new Error(`invalid bucket name: ${name}`);
    if (!buckets.has(name)) buckets.set(name, { name, created: Date.now(), objects: new Map(), sorted: null });
  };
  for (const b of opts.buckets ?? []) createBucket(b);

  const store = (bucket: string, name: string, body: Buffer, contentType: string, when: number, metadata?: Record<string, string>): StoredObject => {
    const b = buckets.get(bucket);
    if (!b) throw new Error(`no such bucket: ${bucket}`);
    if (name.length === 0 || Buffer.byteLength(name) > MAX_NAME_BYTES || /[\r\n]/.test(name)) throw new Error(`invalid object name: ${JSON.stringify(name)}`);
    const h = hashes(body);
    const o: StoredObject = { bucket, name, body, contentType, generation: nextGeneration(), metageneration: 1, created: when, updated: when, md5: h.md5, md5Hex: h.md5Hex, crc: h.crc, metadata };
    if (!b.objects.has(name)) b.sorted = null;
    b.objects.set(name, o);
    return o;
  };

  const info = (o: StoredObject): GcsObjectInfo => ({
    bucket: o.bucket,
    name: o.name,
    size: o.body.length,
    body: o.body,
    contentType: o.contentType,
    generation: String(o.generation),
    metageneration: String(o.metageneration),
    timeCreated: new Date(o.created),
    updated: new Date(o.updated),
    md5Hash: o.md5,
    crc32c: o.crc,
    metadata: o.metadata,
  });

  const sortedNames = (b: Bucket): string[] => {
    if (!b.sorted) b.sorted = [...b.objects.keys()].sort(compareNames);
    return b.sorted;
  };

  const objectPath = (o: StoredObject): string => `/b/${encodeURIComponent(o.bucket)}/o/${encodeURIComponent(o.name)}`;

  const resourceOf = (o: StoredObject): { [k: string]: JsonValue } => {
    if (o.resource) return o.resource;
    const created = new Date(o.created).toISOString();
    const updated = new Date(o.updated).toISOString();
    const r: { [k: string]: JsonValue } = {
      kind: 'storage#object',
      id: `${o.bucket}/${o.name}/${o.generation}`,
      selfLink: `${base}/storage/v1${objectPath(o)}`,
      mediaLink: `${base}/download/storage/v1${objectPath(o)}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: String(o.generation),
      metageneration: String(o.metageneration),
      contentType: o.contentType,
      storageClass: 'STANDARD',
      size: String(o.body.length),
      md5Hash: o.md5,
      crc32c: o.crc,
      etag: etagFor(o.generation, o.metageneration),
      timeCreated: created,
      updated,
      timeStorageClassUpdated: created,
      timeFinalized: created,
    };
    if (o.metadata) r.metadata = o.metadata;
    o.resource = r;
    return r;
  };

  const bucketResource = (b: Bucket): { [k: string]: JsonValue } => {
    const created = new Date(b.created).toISOString();
    return {
      kind: 'storage#bucket',
      selfLink: `${base}/storage/v1/b/${encodeURIComponent(b.name)}`,
      id: b.name,
      name: b.name,
      projectNumber: '123456789012',
      generation: String(b.created * 1000),
      metageneration: '1',
      location: 'US',
      storageClass: 'STANDARD',
      etag: 'CAE=',
      timeCreated: created,
      updated: created,
      iamConfiguration: {
        bucketPolicyOnly: { enabled: true, lockedTime: created },
        uniformBucketLevelAccess: { enabled: true, lockedTime: created },
        publicAccessPrevention: 'enforced',
      },
      locationType: 'multi-region',
      rpo: 'DEFAULT',
    };
  };

  const xmlHeadersOf = (o: StoredObject): string[] => {
    if (o.xmlHeaders) return o.xmlHeaders;
    o.xmlHeaders = [
      'Cache-Control', 'private, max-age=0',
      'Last-Modified', new Date(o.updated).toUTCString(),
      'ETag', `"${o.md5Hex}"`,
      'x-goog-generation', String(o.generation),
      'x-goog-metageneration', String(o.metageneration),
      'x-goog-stored-content-encoding', 'identity',
      'x-goog-stored-content-length', String(o.body.length),
      'Content-Type', o.contentType,
      'x-goog-hash', `crc32c=${o.crc}`,
      'x-goog-hash', `md5=${o.md5}`,
      'x-goog-storage-class', 'STANDARD',
      'Accept-Ranges', 'bytes',
      'Content-Length', String(o.body.length),
    ];
    return o.xmlHeaders;
  };

  const mediaHeadersOf = (o: StoredObject): string[] => {
    if (o.mediaHeaders) return o.mediaHeaders;
    o.mediaHeaders = [
      'Content-Type', o.contentType,
      'Content-Length', String(o.body.length),
      'Cache-Control', 'no-cache, no-store, max-age=0, must-revalidate',
      'ETag', etagFor(o.generation, o.metageneration),
      'Last-Modified', new Date(o.updated).toUTCString(),
      'x-goog-generation', String(o.generation),
      'x-goog-metageneration', String(o.metageneration),
      'x-goog-stored-content-encoding', 'identity',
      'x-goog-stored-content-length', String(o.body.length),
      'x-goog-hash', `crc32c=${o.crc}`,
      'x-goog-hash', `md5=${o.md5}`,
      'x-goog-storage-class', 'STANDARD',
    ];
    return o.mediaHeaders;
  };

  // --- listing

  const list = (b: Bucket, q: URLSearchParams): Reply => {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') || undefined;
    const startOffset = q.get('startOffset') || undefined;
    const endOffset = q.get('endOffset') || undefined;
    const maxParam = q.get('maxResults');
    let max = 1000;
    if (maxParam !== null && maxParam !== '') {
      const n = Number(maxParam);
      if (!Number.isInteger(n) || n < 0) {
        return jsonError(400, `Invalid unsigned integer value: '${maxParam}'.`, 'invalidParameter', { locationType: 'parameter', location: 'maxResults' });
      }
      if (n > 0) max = Math.min(n, 1000);
    }
    const names = sortedNames(b);
    let i = lowerBound(names, prefix);
    if (startOffset !== undefined) i = Math.max(i, lowerBound(names, startOffset));
    const token = q.get('pageToken');
    if (token) {
      let resume: string;
      try {
        resume = Buffer.from(token, 'base64url').toString('utf8');
      } catch {
        resume = '';
      }
      if (resume.length < 2 || (resume[0] !== 'i' && resume[0] !== 'p') || resume[1] !== ':') {
        return jsonError(400, 'Invalid argument.', 'invalid', { locationType: 'parameter', location: 'pageToken' });
      }
      const last = resume.slice(2);
      // After an item: the next name. After a prefix: past every name under it.
      i = Math.max(i, resume[0] === 'i' ? lowerBound(names, last + '\u0000') : afterPrefix(names, last, lowerBound(names, last)));
    }
    if (pageLimit !== undefined) max = Math.min(max, Math.max(1, pageLimit));
    const pageSize = pageRand ? 1 + Math.floor(pageRand() * max) : max;
    const items: JsonValue[] = [];
    const prefixes: string[] = [];
    let lastEntry = '';
    let more = false;
    while (i < names.length) {
      const name = names[i];
      if (!name.startsWith(prefix)) {
        if (compareNames(name, prefix) > 0) break;
        i++;
        continue;
      }
      if (endOffset !== undefined && compareNames(name, endOffset) >= 0) break;
      if (items.length + prefixes.length >= pageSize) {
        more = true;
        break;
      }
      const d = delimiter === undefined ? -1 : name.indexOf(delimiter, prefix.length);
      if (d !== -1) {
        const p = name.slice(0, d + delimiter!.length);
        prefixes.push(p);
        lastEntry = 'p:' + p;
        i = afterPrefix(names, p, i);
      } else {
        items.push(resourceOf(b.objects.get(name)!));
        lastEntry = 'i:' + name;
        i++;
      }
    }
    const out: { [k: string]: JsonValue } = { kind: 'storage#objects' };
    if (more) out.nextPageToken = Buffer.from(lastEntry, 'utf8').toString('base64url');
    if (prefixes.length) out.prefixes = prefixes;
    if (items.length) out.items = items;
    return projected(out, q.get('fields'));
  };

  // --- uploads

  interface Session {
    bucket: string;
    name: string;
    contentType: string;
    metadata?: Record<string, string>;
    chunks: Buffer[];
    received: number;
  }
  const sessions = new Map<string, Session>();
  let sessionSeq = 0;

  const uploadMeta = (m: Record<string, unknown>): { name?: string; contentType?: string; metadata?: Record<string, string> } => ({
    name: typeof m.name === 'string' ? m.name : undefined,
    contentType: typeof m.contentType === 'string' ? m.contentType : undefined,
    metadata: m.metadata && typeof m.metadata === 'object' ? (m.metadata as Record<string, string>) : undefined,
  });

  const finishUpload = (bucket: string, name: string | undefined, body: Buffer, contentType: string | undefined, metadata?: Record<string, string>): Reply => {
    if (!name) return jsonError(400, 'Required', 'required', { locationType: 'parameter', location: 'name' });
    try {
      const o = store(bucket, name, body, contentType ?? 'application/octet-stream', Date.now(), metadata);
      return jsonReply(resourceOf(o));
    } catch (e) {
      return jsonError(400, (e as Error).message, 'invalid');
    }
  };

  const upload = async (req: http.IncomingMessage, r: Route, q: URLSearchParams): Promise<Reply> => {
    const bucket = r.bucket!;
    const uploadId = q.get('upload_id');
    if (req.method === 'PUT' || uploadId) {
      const s = uploadId ? sessions.get(uploadId) : undefined;
      const body = await readBody(req);
      if (!s) return jsonError(404, 'No such upload session.', 'notFound');
      // Content-Range: bytes a-b/total | bytes a-*/total | bytes */total (status or final).
      const cr = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(String(req.headers['content-range'] ?? `bytes */${s.received + body.length}`));
      if (body.length) {
        s.chunks.push(body);
        s.received += body.length;
      }
      const total = cr?.[4];
      // Known total reached, or an open-ended request that brought the rest of the stream.
      const done = cr ? (total !== '*' ? s.received >= Number(total) : cr[3] === '*') : true;
      if (!done) {
        const headers = s.received ? ['Range', `bytes=0-${s.received - 1}`] : [];
        return { status: 308, headers: [...headers, 'Content-Length', '0'], body: '' };
      }
      sessions.delete(uploadId!);
      return finishUpload(s.bucket, s.name, Buffer.concat(s.chunks), s.contentType, s.metadata);
    }
    const type = q.get('uploadType');
    const body = await readBody(req);
    const ct = String(req.headers['content-type'] ?? '');
    if (type === 'media') return finishUpload(bucket, q.get('name') ?? undefined, body, ct || undefined);
    if (type === 'multipart') {
      let parsed;
      try {
        parsed = parseMultipart(body, ct);
      } catch (e) {
        return jsonError(400, `Invalid multipart request: ${(e as Error).message}`, 'invalid');
      }
      const m = uploadMeta(parsed.metadata);
      return finishUpload(bucket, q.get('name') ?? m.name, parsed.media, m.contentType ?? parsed.mediaType, m.metadata);
    }
    if (type === 'resumable') {
      let m: ReturnType<typeof uploadMeta> = {};
      if (body.length) {
        try {
          m = uploadMeta(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
        } catch {
          return jsonError(400, 'Invalid JSON payload.', 'parseError');
        }
      }
      const name = q.get('name') ?? m.name;
      if (!name) return jsonError(400, 'Required', 'required', { locationType: 'parameter', location: 'name' });
      const id = `upload-${++sessionSeq}`;
      const contentType = String(req.headers['x-upload-content-type'] ?? '') || m.contentType || 'application/octet-stream';
      sessions.set(id, { bucket, name, contentType, metadata: m.metadata, chunks: [], received: 0 });
      const location = `${base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      return { status: 200, headers: ['Location', location, 'X-GUploader-UploadID', id, 'Content-Length', '0'], body: '' };
    }
    return jsonError(400, `Invalid upload type: ${type ?? '(none)'}`, 'invalid', { locationType: 'parameter', location: 'uploadType' });
  };

  // --- the pipeline

  const authFail = (r: Route, why: 'missing' | 'unknown' | 'expired' | 'revoked'): Reply => {
    if (r.xml) return xmlError(401, 'AuthenticationRequired', 'Authentication required.', undefined, ['WWW-Authenticate', AUTH_REALM]);
    if (why === 'missing' && r.permission) {
      return jsonError(401, deniedText('Anonymous caller', r.permission), 'required', { locationType: 'header', location: 'Authorization' }, ['WWW-Authenticate', AUTH_REALM]);
    }
    return jsonError(401, 'Invalid Credentials', 'authError', { locationType: 'header', location: 'Authorization' }, ['WWW-Authenticate', AUTH_REALM]);
  };

  const serve = async (req: http.IncomingMessage, r: Route, query: string, token: string | undefined): Promise<Reply> => {
    // Infrastructure first: faults (always two draws), latency, the rate limit.
    if (faults && faults.kinds.length) {
      const hit = rand() < faults.rate;
      const kind = faults.kinds[Math.floor(rand() * faults.kinds.length)];
      if (hit && (!faultApis || faultApis.has(r.api))) {
        if (kind === 'delay') await sleep(faults.delayMs ?? 1000);
        else {
          if (latencyMs > 0) await sleep(latencyMs);
          if (kind === 'reset') return { status: 0, headers: [], reset: true };
          if (kind === '429') return r.xml ? xmlError(429, 'SlowDown', 'Please reduce your request rate.') : jsonError(429, RATE_LIMITED, 'rateLimitExceeded', { domain: 'usageLimits' });
          if (kind === '503') return r.xml ? xmlError(503, 'InternalError', INTERNAL_ERROR) : jsonError(503, INTERNAL_ERROR, 'backendError');
          return r.xml ? xmlError(500, 'InternalError', INTERNAL_ERROR) : jsonError(500, 'Internal Error', 'backendError');
        }
      }
    }
    if (latencyMs > 0) await sleep(latencyMs);
    if (overLimit(r.api)) {
      if (throttleStatus === 503) return r.xml ? xmlError(503, 'InternalError', INTERNAL_ERROR) : jsonError(503, INTERNAL_ERROR, 'backendError');
      return r.xml ? xmlError(429, 'SlowDown', 'Please reduce your request rate.') : jsonError(429, RATE_LIMITED, 'rateLimitExceeded', { domain: 'usageLimits' });
    }

    if (r.invalid === 'decode') return r.xml ? xmlError(400, 'InvalidURI', "Couldn't parse the specified URI.") : jsonError(400, 'Invalid URI', 'invalid');
    if (r.invalid === 'unknown' || !r.permission) {
      if (r.xml) return xmlError(r.object === undefined ? 501 : 405, r.object === undefined ? 'NotImplemented' : 'MethodNotAllowed', 'This loopback server implements only HEAD and GET of objects on the XML API.');
      return { status: 404, headers: ['Content-Type', 'text/html; charset=UTF-8'], body: 'Not Found' };
    }

    // Authentication, then permission (before existence, as GCS does).
    if (auth) {
      const a = auth.check(token);
      if (!a.ok) return authFail(r, a.why);
      if (!a.permissions.has(r.permission)) {
        const text = deniedText(a.principal, r.permission);
        return r.xml ? xmlError(403, 'AccessDenied', 'Access denied.', text) : jsonError(403, text, 'forbidden');
      }
    }

    const b = buckets.get(r.bucket!);
    if (r.upload) {
      if (!b) return jsonError(404, NO_BUCKET, 'notFound');
      return upload(req, r, new URLSearchParams(query));
    }
    if (r.xml) {
      if (!b) return xmlError(404, 'NoSuchBucket', NO_BUCKET);
      const o = b.objects.get(r.object!);
      if (!o) return xmlError(404, 'NoSuchKey', 'The specified key does not exist.', `No such object: ${r.bucket}/${r.object}`);
      return { status: 200, headers: xmlHeadersOf(o), body: r.api === 'xml-get' ? o.body : undefined };
    }
    switch (r.api) {
      case 'json-bucket': {
        if (!b) return jsonError(404, NO_BUCKET, 'notFound');
        return projected(bucketResource(b), query ? new URLSearchParams(query).get('fields') : undefined);
      }
      case 'json-list':
        if (!b) return jsonError(404, NO_BUCKET, 'notFound');
        return list(b, new URLSearchParams(query));
      case 'json-get':
      case 'json-media':
      case 'json-delete': {
        // GCS says "No such object" for an object path even when the bucket is missing
        // (googleapis/nodejs-storage#1183); only bucket calls say the bucket does not exist.
        const o = b?.objects.get(r.object!);
        if (!o) return jsonError(404, `No such object: ${r.bucket}/${r.object}`, 'notFound');
        if (r.api === 'json-delete') {
          b!.objects.delete(o.name);
          b!.sorted = null;
          return { status: 204, headers: [] };
        }
        if (r.api === 'json-media') return { status: 200, headers: mediaHeadersOf(o), body: o.body };
        const fields = query && query.includes('fields=') ? new URLSearchParams(query).get('fields') : null;
        if (fields) return projected(resourceOf(o), fields);
        o.resourceJson ??= JSON.stringify(resourceOf(o));
        return jsonReply(o.resourceJson);
      }
      default:
        return { status: 404, headers: ['Content-Type', 'text/html; charset=UTF-8'], body: 'Not Found' };
    }
  };

  const server = http.createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const qi = url.indexOf('?');
    const path = qi === -1 ? url : url.slice(0, qi);
    const query = qi === -1 ? '' : url.slice(qi + 1);
    const r = route(method, path, query);
    const authz = req.headers.authorization;
    const token = authz && authz.startsWith('Bearer ') ? authz.slice(7) : undefined;
    if (token) tokens.add(token);
    serve(req, r, query, token).then(
      (reply) => {
        record(method, r, query, reply.status, token);
        if (reply.reset) {
          req.socket.resetAndDestroy();
          return;
        }
        const body = reply.body;
        const headers = reply.headers;
        let hasLength = false;
        for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'Content-Length') hasLength = true;
        res.writeHead(reply.status, hasLength || body === undefined ? headers : [...headers, 'Content-Length', String(Buffer.byteLength(body))]);
        res.end(method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        // A request body that broke off, or a bug: answer 500 if we still can.
        record(method, r, query, 500, token);
        if (!res.headersSent && !req.socket.destroyed) {
          const reply = r.xml ? xmlError(500, 'InternalError', String(err)) : jsonError(500, String(err), 'backendError');
          res.writeHead(500, [...reply.headers, 'Connection', 'close']);
          res.end(reply.body);
        } else req.socket.destroy();
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
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    host: `127.0.0.1:${port}`,
    port,
    auth,
    createBucket,
    put(bucket, name, body = '', o = {}) {
      const when = o.updated ? o.updated.getTime() : Date.now();
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      return info(store(bucket, name, buf, o.contentType ?? 'application/octet-stream', when, o.metadata));
    },
    remove(bucket, name) {
      const b = buckets.get(bucket);
      if (!b || !b.objects.delete(name)) return false;
      b.sorted = null;
      return true;
    },
    has: (bucket, name) => buckets.get(bucket)?.objects.has(name) ?? false,
    get(bucket, name) {
      const o = buckets.get(bucket)?.objects.get(name);
      return o ? info(o) : undefined;
    },
    list(bucket) {
      const b = buckets.get(bucket);
      return b ? [...sortedNames(b)] : [];
    },
    setFaults,
    setRateLimit,
    setLatency(ms) {
      latencyMs = ms;
    },
    setShortPages,
    setPageLimit(n) {
      pageLimit = n;
    },
    counts: () => structuredClone(counts),
    requests: () => log,
    tokensSeen: () => tokens,
    resetStats() {
      counts = { requests: 0, byApi: {}, byStatus: {}, byApiStatus: {} };
      log = [];
      tokens.clear();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
