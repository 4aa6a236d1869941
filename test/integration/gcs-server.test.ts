// The loopback GCS server (src/demo/gcs-server.ts) and token service
// (test/support/gcp-token-service.ts) driven by Google's own clients: @google-cloud/storage for the
// JSON API, google-auth-library's Application Default Credentials for tokens. If these pass, code
// that works against the loopback server speaks GCS the way Google's libraries do. No network but
// 127.0.0.1: an egress guard (a refusing proxy) catches anything Google's libraries try to reach
// elsewhere, and a test asserts on what it caught.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, CRC32C, Storage, type File, type GetFilesOptions } from '@google-cloud/storage';
import { GoogleAuth, IdentityPoolClient, OAuth2Client, gcpMetadata } from 'google-auth-library';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGcsServer, type GcsServer } from '../../src/demo/gcs-server.ts';
import {
  DEFAULT_SERVICE_ACCOUNT,
  METADATA_EMAIL,
  startEgressGuard,
  startTokenService,
  writeExternalAccountFile,
  type EgressGuard,
  type TokenService,
} from '../support/gcp-token-service.ts';

const BUCKET = 'socorro-crashes';
const DATES = ['20240101', '20240102'];
const SCOPES = ['https://www.googleapis.com/auth/devstorage.read_only'];
const FEDERATED =
  'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/repo:mozilla-services/socorro-reprocess:ref:refs/heads/main';
const KNOWN = 'v1/raw_crash/20240101/000-crash';
const KNOWN_BODY = '{"ProductName":"Firefox"}';
const KNOWN_UPDATED = new Date('2024-01-01T12:34:56.789Z');

// Environment the tests change; restored in afterAll. STORAGE_EMULATOR_HOST would silently
// redirect @google-cloud/storage, and project variables would hide the ADC trap under test.
const ENV_KEYS = [
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  'gcloud_project',
  'google_cloud_project',
  'GOOGLE_CLOUD_QUOTA_PROJECT',
  'STORAGE_EMULATOR_HOST',
  'GCE_METADATA_HOST',
  'GCE_METADATA_IP',
  'METADATA_SERVER_DETECTION',
  'CLOUDSDK_CONFIG',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
];
const savedEnv = new Map(ENV_KEYS.map((k) => [k, process.env[k]]));

function seededNames(): string[] {
  const names: string[] = [];
  for (const d of DATES) for (let i = 0; i < 30; i++) names.push(`v1/raw_crash/${d}/${i.toString(16).padStart(3, '0')}-crash`);
  for (let i = 0; i < 5; i++) names.push(`v1/processed_crash/${i.toString(16).padStart(3, '0')}-crash`);
  names.push('test/testfile-1.txt');
  return names;
}

/** Every page of a listing through nextQuery, as a caller with autoPaginate: false does. */
async function allPages(storage: Storage, bucket: string, query: GetFilesOptions): Promise<{ names: string[]; sizes: number[]; shortWithNext: number }> {
  const names: string[] = [];
  const sizes: number[] = [];
  let shortWithNext = 0;
  let q: GetFilesOptions | null = { ...query, autoPaginate: false };
  while (q) {
    const [files, next] = (await storage.bucket(bucket).getFiles(q)) as [File[], GetFilesOptions | null, unknown];
    names.push(...files.map((f) => f.name));
    sizes.push(files.length);
    if (next && files.length < (query.maxResults ?? 1000)) shortWithNext++;
    q = next;
  }
  return { names, sizes, shortWithNext };
}

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected the call to fail');
}

/** A client that sends one fixed bearer token (no refresh): for auth tests. */
function storageWithToken(gcs: GcsServer, token: string): Storage {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token });
  return new Storage({ apiEndpoint: gcs.url, useAuthWithCustomEndpoint: true, authClient: client, projectId: 'socorro-test', retryOptions: { autoRetry: false } });
}

async function head(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { method: 'HEAD', headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const crc32cOf = (s: string | Buffer): string => {
  const c = new CRC32C();
  c.update(Buffer.from(s));
  return c.toString();
};

let gcs: GcsServer;
let anon: Storage;
const seeded = seededNames();

beforeAll(async () => {
  delete process.env.STORAGE_EMULATOR_HOST;
  gcs = await startGcsServer({ log: true, buckets: [BUCKET] });
  for (const n of seeded) gcs.put(BUCKET, n, n === KNOWN ? KNOWN_BODY : '{}', n === KNOWN ? { updated: KNOWN_UPDATED, contentType: 'application/json' } : {});
  // An emulator needs no credentials: a custom apiEndpoint without useAuthWithCustomEndpoint sends none.
  anon = new Storage({ apiEndpoint: gcs.url, projectId: 'socorro-test', retryOptions: { autoRetry: false } });
});

afterAll(async () => {
  await gcs?.close();
  for (const [k, v] of savedEnv) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('JSON API through @google-cloud/storage', () => {
  it('pages a prefix with startOffset/endOffset through nextQuery, sending only GCS parameters', async () => {
    const prefix = 'v1/raw_crash/';
    // Both bounds are existing names: startOffset is inclusive, endOffset exclusive.
    const start = 'v1/raw_crash/20240101/00a-crash';
    const end = 'v1/raw_crash/20240102/013-crash';
    const want = seeded.filter((n) => n.startsWith(prefix) && n >= start && n < end).sort();
    gcs.resetStats();
    const got = await allPages(anon, BUCKET, { prefix, startOffset: start, endOffset: end, maxResults: 7 });
    expect(got.names).toEqual(want);
    expect(want).toHaveLength(20 + 19); // 00a..01d of the 1st, 000..012 of the 2nd
    expect([got.names[0], got.names.includes(end)]).toEqual([start, false]);
    expect(got.sizes).toEqual([7, 7, 7, 7, 7, 4]);
    // What the client put on the wire: autoPaginate stays client-side; pageToken only after page 1.
    const queries = gcs.requests().map((r) => [...new URLSearchParams(r.query).keys()].sort());
    expect(queries[0]).toEqual(['endOffset', 'maxResults', 'prefix', 'startOffset']);
    expect(queries[1]).toEqual(['endOffset', 'maxResults', 'pageToken', 'prefix', 'startOffset']);
    expect(gcs.requests().every((r) => r.api === 'json-list' && r.method === 'GET' && r.token === undefined)).toBe(true);
  });

  it('short pages (fewer than maxResults, with a token) still cover every name exactly once', async () => {
    gcs.setShortPages({ seed: 3 });
    try {
      const got = await allPages(anon, BUCKET, { prefix: 'v1/', maxResults: 10 });
      expect(got.names).toEqual(seeded.filter((n) => n.startsWith('v1/')).sort());
      // A caller that stops at the first short page would lose names: there are several.
      expect(got.shortWithNext).toBeGreaterThanOrEqual(3);
      expect(got.sizes.every((s) => s >= 1 && s <= 10)).toBe(true);
    } finally {
      gcs.setShortPages(false);
    }
  });

  it('pageLimit: no page holds more than it says, whatever maxResults asks, and every name still comes once', async () => {
    gcs.setPageLimit(7);
    try {
      const got = await allPages(anon, BUCKET, { prefix: 'v1/', maxResults: 1000 });
      expect(got.names).toEqual(seeded.filter((n) => n.startsWith('v1/')).sort());
      expect(Math.max(...got.sizes)).toBe(7);
      expect(got.sizes.length).toBe(Math.ceil(got.names.length / 7));
    } finally {
      gcs.setPageLimit(undefined);
    }
    expect((await allPages(anon, BUCKET, { prefix: 'v1/', maxResults: 1000 })).sizes).toHaveLength(1);
  });

  it('maxResults defaults to 1000 and is capped at 1000', async () => {
    const many = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    for (const n of many) gcs.put(BUCKET, n);
    try {
      const [files, next] = (await anon.bucket(BUCKET).getFiles({ prefix: 'many/', maxResults: 5000, autoPaginate: false })) as [File[], GetFilesOptions | null, unknown];
      expect([files.length, files.at(-1)!.name, typeof next?.pageToken]).toEqual([1000, 'many/0999', 'string']);
      const raw = JSON.parse((await get(`${gcs.url}/storage/v1/b/${BUCKET}/o?prefix=many/&fields=items(name),nextPageToken`)).text) as { items: unknown[]; nextPageToken?: string };
      expect([raw.items.length, typeof raw.nextPageToken]).toEqual([1000, 'string']);
      // autoPaginate (the default) follows the tokens itself.
      expect((await anon.bucket(BUCKET).getFiles({ prefix: 'many/' }))[0].map((f) => f.name)).toEqual(many);
    } finally {
      for (const n of many) gcs.remove(BUCKET, n);
    }
  });

  it('lists in UTF-8 byte order, not JavaScript string order', async () => {
    const names = ['unicode/a', 'unicode/\u00e9', 'unicode/\ufffd', 'unicode/\u{1f600}'];
    for (const n of [...names].reverse()) gcs.put(BUCKET, n, 'x');
    try {
      const byBytes = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect([...names].sort()).not.toEqual(byBytes); // the surrogate pair sorts before U+FFFD in UTF-16
      const [files] = await anon.bucket(BUCKET).getFiles({ prefix: 'unicode/' });
      expect(files.map((f) => f.name)).toEqual(byBytes);
    } finally {
      for (const n of names) gcs.remove(BUCKET, n);
    }
  });

  it('delimiter lists prefixes, counted with items against maxResults', async () => {
    const [files, next, resp] = (await anon.bucket(BUCKET).getFiles({ prefix: 'v1/', delimiter: '/', autoPaginate: false })) as [File[], unknown, { prefixes?: string[] }];
    expect(files).toEqual([]);
    expect(next).toBeNull();
    expect(resp.prefixes).toEqual(['v1/processed_crash/', 'v1/raw_crash/']);
    const [, next1, resp1] = (await anon.bucket(BUCKET).getFiles({ prefix: 'v1/raw_crash/', delimiter: '/', maxResults: 1, autoPaginate: false })) as [File[], GetFilesOptions, { prefixes?: string[] }];
    expect(resp1.prefixes).toEqual(['v1/raw_crash/20240101/']);
    const [, next2, resp2] = (await anon.bucket(BUCKET).getFiles(next1)) as [File[], unknown, { prefixes?: string[] }];
    expect(resp2.prefixes).toEqual(['v1/raw_crash/20240102/']);
    expect(next2).toBeNull();
  });

  it('fields: the client gets plain items with just the selected keys, and keeps paging', async () => {
    const fields = 'items(name,updated),nextPageToken';
    gcs.resetStats();
    const got = await allPages(anon, BUCKET, { prefix: 'v1/raw_crash/20240101/', maxResults: 8, fields });
    expect(got.names).toHaveLength(30);
    const [items] = (await anon.bucket(BUCKET).getFiles({ prefix: KNOWN, fields, autoPaginate: false })) as unknown as [Array<Record<string, unknown>>];
    expect(items).toEqual([{ name: KNOWN, updated: '2024-01-01T12:34:56.789Z' }]);
    expect(new URLSearchParams(gcs.requests()[0].query).get('fields')).toBe(fields);
  });

  it('fields syntax: slashes, nesting, order, unknown fields and errors, like partial responses', async () => {
    gcs.put(BUCKET, 'meta/one', '{}', { metadata: { color: 'red', size: 'L' } });
    try {
      const list = async (q: string) => JSON.parse((await get(`${gcs.url}/storage/v1/b/${BUCKET}/o?${q}`)).text) as Record<string, unknown>;
      expect(await list('prefix=meta/&fields=items/name')).toEqual({ items: [{ name: 'meta/one' }] });
      const ordered = await list('prefix=v1/&maxResults=1&fields=nextPageToken,items(name)');
      expect(Object.keys(ordered)).toEqual(['nextPageToken', 'items']); // resource order, not request order
      expect(await list('prefix=meta/&fields=items(name,metadata(color))')).toEqual({ items: [{ name: 'meta/one', metadata: { color: 'red' } }] });
      expect(await list('prefix=meta/&fields=items(name,bogus),alsoBogus')).toEqual({ items: [{ name: 'meta/one' }] });
      expect(await list('prefix=nothing-here/')).toEqual({ kind: 'storage#objects' });
      const bad = await get(`${gcs.url}/storage/v1/b/${BUCKET}/o?fields=items(name`);
      expect(bad.status).toBe(400);
      expect(JSON.parse(bad.text).error.errors[0]).toMatchObject({ reason: 'invalidParameter', location: 'fields' });
      const one = await get(`${gcs.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('meta/one')}?fields=name,size`);
      expect(JSON.parse(one.text)).toEqual({ name: 'meta/one', size: '2' });
    } finally {
      gcs.remove(BUCKET, 'meta/one');
    }
  });

  it('exists() and getMetadata(): one GET of the object resource each, GCS-shaped', async () => {
    gcs.resetStats();
    const file = anon.bucket(BUCKET).file(KNOWN);
    expect(await file.exists()).toEqual([true]);
    expect(await anon.bucket(BUCKET).file('v1/raw_crash/20240101/nope').exists()).toEqual([false]);
    const [md] = await file.getMetadata();
    expect(md).toMatchObject({
      kind: 'storage#object',
      name: KNOWN,
      bucket: BUCKET,
      metageneration: '1',
      contentType: 'application/json',
      storageClass: 'STANDARD',
      size: String(KNOWN_BODY.length),
      md5Hash: createHash('md5').update(KNOWN_BODY).digest('base64'),
      crc32c: crc32cOf(KNOWN_BODY), // Google's own CRC32C as the oracle
      timeCreated: '2024-01-01T12:34:56.789Z',
      updated: '2024-01-01T12:34:56.789Z',
    });
    expect(md.generation).toMatch(/^\d{16}$/);
    expect(md.id).toBe(`${BUCKET}/${KNOWN}/${md.generation}`);
    expect(md.etag).toMatch(/^C[A-Za-z0-9+/]+=*$/);
    expect((await get(md.mediaLink!)).text).toBe(KNOWN_BODY); // /download/storage/v1/…?alt=media
    // exists() and getMetadata() send no query parameters at all (no fields, no projection).
    expect(gcs.requests().map((r) => [r.method, r.api, r.object, r.query, r.status])).toEqual([
      ['GET', 'json-get', KNOWN, '', 200],
      ['GET', 'json-get', 'v1/raw_crash/20240101/nope', '', 404],
      ['GET', 'json-get', KNOWN, '', 200],
      ['GET', 'json-media', KNOWN, `generation=${md.generation}&alt=media`, 200],
    ]);
  });

  it('save() (multipart and resumable) and download() round-trip, hashes validated by the client', async () => {
    gcs.resetStats();
    const small = anon.bucket(BUCKET).file('uploads/small.json');
    await small.save('{"a":1}', { resumable: false, contentType: 'application/json' });
    const big = anon.bucket(BUCKET).file('uploads/big.bin');
    // Under 64 KiB: larger downloads make teeny-request (inside the client) warn about listeners.
    const bytes = randomBytes(60_000);
    await big.save(bytes); // resumable by default
    expect((await small.download())[0].toString()).toBe('{"a":1}');
    expect((await big.download())[0].equals(bytes)).toBe(true);
    expect(gcs.get(BUCKET, 'uploads/small.json')?.contentType).toBe('application/json');
    expect(gcs.get(BUCKET, 'uploads/big.bin')?.crc32c).toBe(crc32cOf(bytes));
    expect(gcs.requests().map((r) => `${r.method} ${r.api} ${new URLSearchParams(r.query).get('uploadType') ?? new URLSearchParams(r.query).get('alt')} ${r.status}`)).toEqual([
      'POST upload multipart 200',
      'POST upload resumable 200',
      'PUT upload resumable 200',
      'GET json-media media 200',
      'GET json-media media 200',
    ]);
    gcs.remove(BUCKET, 'uploads/small.json');
    gcs.remove(BUCKET, 'uploads/big.bin');
  });

  it('STORAGE_EMULATOR_HOST: @google-cloud/storage wants a URL and drops /storage/v1', async () => {
    process.env.STORAGE_EMULATOR_HOST = gcs.url; // a bare host:port gives "Invalid URL" in this client
    try {
      gcs.resetStats();
      const emu = new Storage({ retryOptions: { autoRetry: false } });
      expect((await emu.bucket(BUCKET).getFiles({ prefix: 'test/' }))[0].map((f) => f.name)).toEqual(['test/testfile-1.txt']);
      expect(gcs.requests().map((r) => [r.api, r.bucket, r.token])).toEqual([['json-list', BUCKET, undefined]]);
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
  });

  it('a missing bucket and a missing object are different 404s', async () => {
    const noBucket = await apiError(anon.bucket('no-such-bucket').getFiles({ prefix: 'v1/' }));
    expect(noBucket.code).toBe(404);
    expect(noBucket.message).toBe('The specified bucket does not exist.');
    expect(noBucket.errors?.[0]).toMatchObject({ reason: 'notFound', domain: 'global' });
    expect((await apiError(anon.bucket('no-such-bucket').getMetadata())).message).toBe('The specified bucket does not exist.');
    expect(await anon.bucket('no-such-bucket').exists()).toEqual([false]);
    expect(await anon.bucket(BUCKET).exists()).toEqual([true]);
    const noObject = await apiError(anon.bucket(BUCKET).file('v1/nope').getMetadata());
    expect(noObject.code).toBe(404);
    expect(noObject.message).toBe(`No such object: ${BUCKET}/v1/nope`);
    const raw = await get(`${gcs.url}/storage/v1/b/${BUCKET}/o/v1%2Fnope`);
    expect(raw.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(raw.text)).toEqual({
      error: { code: 404, message: `No such object: ${BUCKET}/v1/nope`, errors: [{ message: `No such object: ${BUCKET}/v1/nope`, domain: 'global', reason: 'notFound' }] },
    });
    const rawBucket = await get(`${gcs.url}/storage/v1/b/no-such-bucket/o?prefix=v1/`);
    expect(JSON.parse(rawBucket.text)).toEqual({
      error: { code: 404, message: 'The specified bucket does not exist.', errors: [{ message: 'The specified bucket does not exist.', domain: 'global', reason: 'notFound' }] },
    });
  });
});

describe('XML API through undici', () => {
  const url = (name: string, bucket = BUCKET) => `${gcs.url}/${bucket}/${name.split('/').map(encodeURIComponent).join('/')}`;

  it('HEAD and GET of an object: GCS headers, body only on GET', async () => {
    const [md] = await anon.bucket(BUCKET).file(KNOWN).getMetadata();
    const h = await head(url(KNOWN));
    expect(h.status).toBe(200);
    expect(h.text).toBe('');
    expect(h.headers).toMatchObject({
      'content-length': String(KNOWN_BODY.length),
      'content-type': 'application/json',
      'last-modified': 'Mon, 01 Jan 2024 12:34:56 GMT',
      etag: `"${createHash('md5').update(KNOWN_BODY).digest('hex')}"`,
      'x-goog-generation': md.generation,
      'x-goog-metageneration': '1',
      'x-goog-stored-content-length': String(KNOWN_BODY.length),
      'x-goog-stored-content-encoding': 'identity',
    });
    // Two header lines, as GCS sends them.
    expect(h.headers['x-goog-hash']).toEqual([`crc32c=${crc32cOf(KNOWN_BODY)}`, `md5=${md.md5Hash}`]);
    const g = await get(url(KNOWN));
    expect(g.status).toBe(200);
    expect(g.text).toBe(KNOWN_BODY);
    gcs.put(BUCKET, 'unicode/caf\u00e9 #1', 'x');
    expect((await head(url('unicode/caf\u00e9 #1'))).status).toBe(200); // percent-encoded path segments
    gcs.remove(BUCKET, 'unicode/caf\u00e9 #1');
  });

  it('404s: HEAD has no body; GET says NoSuchKey or NoSuchBucket', async () => {
    const h = await head(url('v1/raw_crash/20240101/nope'));
    expect(h.status).toBe(404);
    expect(h.text).toBe('');
    expect(h.headers['content-type']).toBe('application/xml; charset=UTF-8');
    const g = await get(url('v1/raw_crash/20240101/nope'));
    expect(g.status).toBe(404);
    expect(g.text).toBe(
      `<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Details>No such object: ${BUCKET}/v1/raw_crash/20240101/nope</Details></Error>`,
    );
    const b = await get(url('x', 'no-such-bucket'));
    expect(b.status).toBe(404);
    expect(b.text).toBe("<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message></Error>");
    expect((await head(url('x', 'no-such-bucket'))).status).toBe(404);
  });
});

describe('auth: tokens, principals, permissions', () => {
  let gcsA: GcsServer;
  let tokens: TokenService;
  let guard: EgressGuard;
  let dir: string;

  beforeAll(async () => {
    gcsA = await startGcsServer({ auth: 'tokens', log: true, buckets: [BUCKET] });
    for (const n of seeded) gcsA.put(BUCKET, n, '{}');
    tokens = await startTokenService({ gcsAuth: gcsA.auth });
    guard = await startEgressGuard();
    dir = await mkdtemp(join(tmpdir(), 'gcs-adc-'));
    // gcloud is on PATH here and ADC runs `gcloud config config-helper` to look for a project:
    // give it an empty config that already knows it is not on GCE, so it stays offline.
    const gcloud = join(dir, 'gcloud');
    await mkdir(gcloud);
    await writeFile(join(gcloud, 'gce'), 'False');
    for (const k of ENV_KEYS) delete process.env[k];
    Object.assign(process.env, guard.env, { CLOUDSDK_CONFIG: gcloud, GCE_METADATA_HOST: tokens.host });
    tokens.setMetadataEnabled(false); // not on GCE, until the metadata test says otherwise
    gcpMetadata.resetIsAvailableCache();
  });

  afterAll(async () => {
    await gcsA?.close();
    await tokens?.close();
    await guard?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('the GCS server answers like GCS', () => {
    it('401 for a token it does not know, with Invalid Credentials and WWW-Authenticate', async () => {
      const err = await apiError(storageWithToken(gcsA, 'ya29.not-a-token').bucket(BUCKET).getFiles({ prefix: 'v1/' }));
      expect(err.code).toBe(401);
      expect(err.message).toBe('Invalid Credentials');
      expect(err.errors?.[0]).toMatchObject({ reason: 'authError', locationType: 'header', location: 'Authorization' });
      const raw = await get(`${gcsA.url}/storage/v1/b/${BUCKET}/o`, { authorization: 'Bearer ya29.not-a-token' });
      expect(raw.headers['www-authenticate']).toBe('Bearer realm="https://accounts.google.com/"');
      expect(gcsA.tokensSeen().has('ya29.not-a-token')).toBe(true);
    });

    it('401 "Anonymous caller" when no token is sent: a custom apiEndpoint needs useAuthWithCustomEndpoint', async () => {
      const client = new OAuth2Client();
      client.setCredentials({ access_token: 'ya29.never-sent' });
      // Same authClient, but without useAuthWithCustomEndpoint: @google-cloud/storage drops the header.
      const storage = new Storage({ apiEndpoint: gcsA.url, authClient: client, projectId: 'p', retryOptions: { autoRetry: false } });
      const err = await apiError(storage.bucket(BUCKET).getFiles());
      expect(err.code).toBe(401);
      expect(err.message).toBe(
        "Anonymous caller does not have storage.objects.list access to the Google Cloud Storage bucket. Permission 'storage.objects.list' denied on resource (or it may not exist).",
      );
      expect(err.errors?.[0]?.reason).toBe('required');
      expect(gcsA.tokensSeen().has('ya29.never-sent')).toBe(false);
    });

    it('403 names the principal and the missing permission; it comes before existence', async () => {
      const reader = 'ci-reader@socorro-test.iam.gserviceaccount.com';
      gcsA.auth!.allow('ya29.get-only', { principal: reader, permissions: ['storage.objects.get'] });
      gcsA.auth!.allow('ya29.list-only', { principal: reader, permissions: ['storage.objects.list'] });
      const getOnly = storageWithToken(gcsA, 'ya29.get-only');
      const listErr = await apiError(getOnly.bucket(BUCKET).getFiles({ prefix: 'v1/' }));
      expect(listErr.code).toBe(403);
      expect(listErr.message).toBe(
        `${reader} does not have storage.objects.list access to the Google Cloud Storage bucket. Permission 'storage.objects.list' denied on resource (or it may not exist).`,
      );
      expect(listErr.errors?.[0]?.reason).toBe('forbidden');
      expect(await getOnly.bucket(BUCKET).file(KNOWN).exists()).toEqual([true]);
      expect((await apiError(getOnly.bucket(BUCKET).getMetadata())).message).toBe(
        `${reader} does not have storage.buckets.get access to the Google Cloud Storage bucket. Permission 'storage.buckets.get' denied on resource (or it may not exist).`,
      );
      // No list permission: a missing bucket is 403 too, not 404 ("or it may not exist").
      expect((await apiError(getOnly.bucket('no-such-bucket').getFiles())).code).toBe(403);
      const listOnly = storageWithToken(gcsA, 'ya29.list-only');
      expect((await apiError(listOnly.bucket(BUCKET).file(KNOWN).getMetadata())).message).toBe(
        `${reader} does not have storage.objects.get access to the Google Cloud Storage object. Permission 'storage.objects.get' denied on resource (or it may not exist).`,
      );
      const h = await head(`${gcsA.url}/${BUCKET}/${KNOWN}`, { authorization: 'Bearer ya29.list-only' });
      expect([h.status, h.text]).toEqual([403, '']);
      const g = await get(`${gcsA.url}/${BUCKET}/${KNOWN}`, { authorization: 'Bearer ya29.list-only' });
      expect(g.text).toContain('<Code>AccessDenied</Code>');
      expect(g.text).toContain(`${reader} does not have storage.objects.get access`);
      const none = await head(`${gcsA.url}/${BUCKET}/${KNOWN}`);
      expect([none.status, none.text, none.headers['www-authenticate']]).toEqual([401, '', 'Bearer realm="https://accounts.google.com/"']);
    });

    it('an expired grant is 401 on both APIs', async () => {
      gcsA.auth!.allow('ya29.old', { principal: DEFAULT_SERVICE_ACCOUNT, expiresAt: Date.now() - 1 });
      expect((await apiError(storageWithToken(gcsA, 'ya29.old').bucket(BUCKET).getFiles())).code).toBe(401);
      expect((await head(`${gcsA.url}/${BUCKET}/${KNOWN}`, { authorization: 'Bearer ya29.old' })).status).toBe(401);
    });
  });

  describe('Application Default Credentials for real (google-auth-library 11)', () => {
    const variants: Array<['url' | 'file', string | undefined]> = [
      ['url', undefined],
      ['url', DEFAULT_SERVICE_ACCOUNT],
      ['file', undefined],
      ['file', DEFAULT_SERVICE_ACCOUNT],
    ];

    it.each(variants)('external_account with credential_source.%s, impersonating %s: token from loopback STS works on GCS', async (source, sa) => {
      const { path, json } = await writeExternalAccountFile(dir, { service: tokens, source, serviceAccount: sa });
      process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
      const before = tokens.counts();
      const issuedBefore = tokens.issued.length;
      // projectId given: see the next test for what happens without one.
      const storage = new Storage({ apiEndpoint: gcsA.url, useAuthWithCustomEndpoint: true, projectId: 'socorro-test', retryOptions: { autoRetry: false } });
      const [files] = await storage.bucket(BUCKET).getFiles({ prefix: 'v1/raw_crash/20240102/' });
      expect(files).toHaveLength(30);
      const after = tokens.counts();
      expect(after.oidc - before.oidc).toBe(source === 'url' ? 1 : 0);
      expect(after.sts - before.sts).toBe(1);
      expect(after.impersonation - before.impersonation).toBe(sa ? 1 : 0);
      expect(after.resourceManager).toBe(0);
      const fresh = tokens.issued.slice(issuedBefore);
      const used = fresh.at(-1)!;
      expect(used.via).toBe(sa ? 'impersonation' : 'sts');
      expect(used.principal).toBe(sa ?? FEDERATED);
      expect(gcsA.requests().at(-1)).toMatchObject({ api: 'json-list', status: 200, token: used.token });
      // With impersonation the federated token goes only to IAM Credentials, never to GCS.
      if (sa) expect(gcsA.tokensSeen().has(fresh[0].token)).toBe(false);
      // The exact shape google-github-actions/auth writes (url) / gcloud create-cred-config writes (file).
      expect(Object.keys(json)).toEqual(['type', 'audience', 'subject_token_type', 'token_url', 'credential_source', ...(sa ? ['service_account_impersonation_url'] : [])]);
      expect(json.type).toBe('external_account');
      expect(json.subject_token_type).toBe('urn:ietf:params:oauth:token-type:jwt');
      if (source === 'url') {
        expect(json.credential_source).toEqual({
          url: `${tokens.githubEnv.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(tokens.oidcAudience)}`,
          headers: { Authorization: `Bearer ${tokens.githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
          format: { type: 'json', subject_token_field_name: 'value' },
        });
      }
      expect(guard.refused).toEqual([]);
    });

    it('the trap: ADC with an external_account file and no project id calls Cloud Resource Manager, and fails offline', async () => {
      const { path } = await writeExternalAccountFile(dir, { service: tokens }); // exactly the action's file
      process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
      const before = tokens.counts().sts;
      const requestsBefore = gcsA.counts().requests;
      // getAccessToken() → getClient() → project lookup: env, the file, gcloud, metadata, then
      // GET cloudresourcemanager.googleapis.com/v1/projects/<number from the audience>.
      await expect(new GoogleAuth({ scopes: SCOPES }).getAccessToken()).rejects.toThrow();
      expect(guard.refused).toEqual(['cloudresourcemanager.googleapis.com:443']);
      expect(tokens.counts().sts - before).toBe(1); // it had a good token, and threw it away
      // @google-cloud/storage without projectId builds the same GoogleAuth: no request reaches GCS.
      const storage = new Storage({ apiEndpoint: gcsA.url, useAuthWithCustomEndpoint: true, retryOptions: { autoRetry: false } });
      await expect(storage.bucket(BUCKET).getFiles()).rejects.toThrow();
      expect(guard.refused).toHaveLength(2);
      expect(gcsA.counts().requests).toBe(requestsBefore);
      guard.refused.length = 0;
    });

    it('ways around it: a projectId, GOOGLE_CLOUD_PROJECT, or the credential client itself', async () => {
      const { path, json } = await writeExternalAccountFile(dir, { service: tokens });
      process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
      const metadataCalls = () => tokens.requests.filter((r) => r.path.startsWith('/computeMetadata')).length;
      const m0 = metadataCalls();
      const ok = async (token: string | null | undefined) => {
        expect(token).toMatch(/^ya29\./);
        expect((await get(`${gcsA.url}/storage/v1/b/${BUCKET}/o?maxResults=1`, { authorization: `Bearer ${token}` })).status).toBe(200);
      };
      // 1. GoogleAuth with any projectId: the lookup is skipped (GCS object calls need no project).
      await ok(await new GoogleAuth({ scopes: SCOPES, projectId: 'socorro-test' }).getAccessToken());
      // 2. The variables google-github-actions/auth exports when it knows the project.
      process.env.GOOGLE_CLOUD_PROJECT = 'socorro-test';
      try {
        await ok(await new GoogleAuth({ scopes: SCOPES }).getAccessToken());
      } finally {
        delete process.env.GOOGLE_CLOUD_PROJECT;
      }
      // 3. The credential client built from the file, as an authClient for Storage too.
      const client = new IdentityPoolClient({ ...(json as object), scopes: SCOPES } as ConstructorParameters<typeof IdentityPoolClient>[0]);
      await ok((await client.getAccessToken()).token);
      const storage = new Storage({ apiEndpoint: gcsA.url, useAuthWithCustomEndpoint: true, authClient: client, retryOptions: { autoRetry: false } });
      expect((await storage.bucket(BUCKET).getFiles({ prefix: 'test/' }))[0].map((f) => f.name)).toEqual(['test/testfile-1.txt']);
      expect(tokens.counts().resourceManager).toBe(0);
      expect(guard.refused).toEqual([]);
      expect(metadataCalls()).toBe(m0); // not even the metadata project-id probe
    });

    it('refresh: a cached token is reused until expiry minus eagerRefreshThresholdMillis, then exchanged anew', async () => {
      const { path } = await writeExternalAccountFile(dir, { service: tokens });
      process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
      tokens.setLifetime(3);
      try {
        const auth = new GoogleAuth({ scopes: SCOPES, projectId: 'socorro-test', clientOptions: { eagerRefreshThresholdMillis: 1000 } });
        const sts0 = tokens.counts().sts;
        const t1 = await auth.getAccessToken();
        expect(await auth.getAccessToken()).toBe(t1);
        expect(tokens.counts().sts - sts0).toBe(1);
        const exp1 = tokens.issued.find((t) => t.token === t1)!.expiresAt.getTime();
        await sleep(Math.max(0, exp1 - 1000 - Date.now() + 50)); // inside the threshold, not yet expired
        const t2 = await auth.getAccessToken();
        expect(t2).not.toBe(t1);
        expect(tokens.counts().sts - sts0).toBe(2);
        expect((await get(`${gcsA.url}/storage/v1/b/${BUCKET}/o?maxResults=1`, { authorization: `Bearer ${t1}` })).status).toBe(200);
        await sleep(Math.max(0, exp1 - Date.now() + 50));
        const stale = await get(`${gcsA.url}/storage/v1/b/${BUCKET}/o?maxResults=1`, { authorization: `Bearer ${t1}` });
        expect([stale.status, JSON.parse(stale.text).error.message]).toEqual([401, 'Invalid Credentials']);
        expect((await get(`${gcsA.url}/storage/v1/b/${BUCKET}/o?maxResults=1`, { authorization: `Bearer ${t2}` })).status).toBe(200);
        // With the default threshold (5 minutes) a token shorter than that is never reused.
        tokens.setLifetime(60);
        const dflt = new GoogleAuth({ scopes: SCOPES, projectId: 'socorro-test' });
        const sts1 = tokens.counts().sts;
        expect(await dflt.getAccessToken()).not.toBe(await dflt.getAccessToken());
        expect(tokens.counts().sts - sts1).toBe(2);
      } finally {
        tokens.setLifetime(3600);
      }
    });

    it('a revoked token is 401, and the client keeps sending it until asked for a fresh one', async () => {
      const { path } = await writeExternalAccountFile(dir, { service: tokens, serviceAccount: DEFAULT_SERVICE_ACCOUNT });
      process.env.GOOGLE_APPLICATION_CREDENTIALS = path;
      const auth = new GoogleAuth({ scopes: SCOPES, projectId: 'socorro-test' });
      const storage = new Storage({ apiEndpoint: gcsA.url, useAuthWithCustomEndpoint: true, authClient: auth, retryOptions: { autoRetry: false } });
      await storage.bucket(BUCKET).getFiles({ maxResults: 1, autoPaginate: false });
      const token = gcsA.requests().at(-1)!.token!;
      gcsA.auth!.revoke(token);
      const before = tokens.counts();
      for (let i = 0; i < 2; i++) {
        const err = await apiError(storage.bucket(BUCKET).getFiles({ maxResults: 1, autoPaginate: false }));
        expect([err.code, err.message]).toEqual([401, 'Invalid Credentials']);
        expect(gcsA.requests().at(-1)!.token).toBe(token);
      }
      expect(tokens.counts().impersonation).toBe(before.impersonation); // no refresh on 401
      // A fresh GoogleAuth (its own cache) exchanges again and gets through.
      const again = new Storage({ apiEndpoint: gcsA.url, useAuthWithCustomEndpoint: true, projectId: 'socorro-test', retryOptions: { autoRetry: false } });
      expect((await again.bucket(BUCKET).getFiles({ prefix: 'test/' }))[0]).toHaveLength(1);
      expect(tokens.counts().impersonation - before.impersonation).toBe(1);
      expect(gcsA.requests().at(-1)!.token).not.toBe(token);
    });

    it('metadata server via GCE_METADATA_HOST: probed, then asked for the default account token', async () => {
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      tokens.setMetadataEnabled(true);
      gcpMetadata.resetIsAvailableCache();
      try {
        const seen = tokens.requests.length;
        const auth = new GoogleAuth({ scopes: SCOPES });
        const token = await auth.getAccessToken();
        expect(tokens.issued.at(-1)).toMatchObject({ token, via: 'metadata', principal: METADATA_EMAIL });
        expect(tokens.requests.slice(seen).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
          'GET /computeMetadata/v1/instance 200',
          'GET /computeMetadata/v1/project/project-id 200',
          'GET /computeMetadata/v1/instance/service-accounts/default/token 200',
        ]);
        expect(await auth.getProjectId()).toBe('socorro-test');
        const storage = new Storage({ apiEndpoint: gcsA.url, useAuthWithCustomEndpoint: true, authClient: auth, retryOptions: { autoRetry: false } });
        expect((await storage.bucket(BUCKET).getFiles({ prefix: 'test/' }))[0]).toHaveLength(1);
        expect(gcsA.requests().at(-1)!.token).toBe(token);
        // The real metadata server refuses requests without the header (SSRF protection).
        const bare = await get(`${tokens.url}/computeMetadata/v1/instance/service-accounts/default/token`);
        expect(bare.status).toBe(403);
        expect(guard.refused).toEqual([]);
      } finally {
        tokens.setMetadataEnabled(false);
        gcpMetadata.resetIsAvailableCache();
      }
    });

    it('STS refuses a subject token it did not issue, with Google STS error shapes', async () => {
      const form = (o: Record<string, string>) => ({
        method: 'POST' as const,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          audience: tokens.audience,
          requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          subject_token: tokens.mintOidcToken(),
          scope: 'https://www.googleapis.com/auth/cloud-platform',
          ...o,
        }).toString(),
      });
      const sts = async (o: Record<string, string>) => {
        const r = await request(`${tokens.url}/v1/token`, form(o));
        return { status: r.statusCode, body: (await r.body.json()) as Record<string, string> };
      };
      expect((await sts({})).status).toBe(200);
      const forged = tokens.mintOidcToken().replace(/\.[^.]+$/, '.AAAA');
      expect(await sts({ subject_token: forged })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(await sts({ subject_token: tokens.mintOidcToken({ audience: 'https://example.com' }) })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(await sts({ subject_token: tokens.mintOidcToken({ expiresInSeconds: -10 }) })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      expect(await sts({ audience: 'projects/1/pools/x' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await sts({ audience: tokens.audience.replace('socorro-reprocess', 'other') })).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
      // google-github-actions/auth itself posts JSON with camelCase keys.
      const r = await request(`${tokens.url}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          audience: tokens.audience,
          grantType: 'urn:ietf:params:oauth:grant-type:token-exchange',
          requestedTokenType: 'urn:ietf:params:oauth:token-type:access_token',
          scope: 'https://www.googleapis.com/auth/cloud-platform',
          subjectTokenType: 'urn:ietf:params:oauth:token-type:jwt',
          subjectToken: tokens.mintOidcToken(),
        }),
      });
      expect(r.statusCode).toBe(200);
      expect(await r.body.json()).toMatchObject({ issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 3600 });
    });
  });
});

describe('throttling, faults, latency', () => {
  let gcsT: GcsServer;
  const headUrl = () => `${gcsT.url}/${BUCKET}/${KNOWN}`;

  beforeAll(async () => {
    gcsT = await startGcsServer({ buckets: [BUCKET] });
    gcsT.put(BUCKET, KNOWN, KNOWN_BODY);
  });
  afterAll(async () => {
    await gcsT?.close();
  });

  it('429 above the rate limit (token bucket), with GCS bodies; changeable at run time', async () => {
    gcsT.resetStats();
    gcsT.setRateLimit({ perSecond: 1, burst: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await head(headUrl())).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    expect(gcsT.counts().byApiStatus['xml-head 429']).toBe(5);
    const list = await get(`${gcsT.url}/storage/v1/b/${BUCKET}/o`);
    expect(list.status).toBe(429);
    expect(JSON.parse(list.text).error.errors[0]).toMatchObject({ domain: 'usageLimits', reason: 'rateLimitExceeded' });
    // scope 'reads': uploads are not throttled.
    gcsT.setRateLimit({ perSecond: 1, burst: 1, scope: 'reads' });
    expect((await head(headUrl())).status).toBe(200);
    expect((await head(headUrl())).status).toBe(429);
    const up = await request(`${gcsT.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=up%2Fx`, { method: 'POST', body: 'x' });
    await up.body.text();
    expect(up.statusCode).toBe(200);
    gcsT.setRateLimit(undefined);
    expect((await head(headUrl())).status).toBe(200);
  });

  it('throttleStatus 503 answers over-limit requests like an overloaded GCS', async () => {
    const s = await startGcsServer({ buckets: [BUCKET], rateLimit: { perSecond: 1, burst: 1 }, throttleStatus: 503 });
    try {
      s.put(BUCKET, 'a', 'x');
      expect((await get(`${s.url}/storage/v1/b/${BUCKET}/o/a`)).status).toBe(200);
      const r = await get(`${s.url}/storage/v1/b/${BUCKET}/o/a`);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text)).toEqual({
        error: {
          code: 503,
          message: 'We encountered an internal error. Please try again.',
          errors: [{ message: 'We encountered an internal error. Please try again.', domain: 'global', reason: 'backendError' }],
        },
      });
    } finally {
      await s.close();
    }
  });

  it('seeded faults (503, 500, reset) are the same sequence for the same seed', async () => {
    const plan = { rate: 0.5, seed: 42, kinds: ['503', '500', 'reset'] as Array<'503' | '500' | 'reset'> };
    const run = async () => {
      const out: Array<number | 'reset'> = [];
      for (let i = 0; i < 40; i++) {
        try {
          out.push((await head(headUrl())).status);
        } catch {
          out.push('reset');
        }
      }
      return out;
    };
    gcsT.resetStats();
    gcsT.setFaults(plan);
    const first = await run();
    const counts = gcsT.counts();
    gcsT.setFaults(plan);
    const second = await run();
    gcsT.setFaults(undefined);
    expect(second).toEqual(first);
    for (const k of [200, 503, 500, 'reset'] as const) expect(first).toContain(k);
    const n = (k: number | 'reset') => first.filter((x) => x === k).length;
    expect(counts.byStatus).toEqual({ '200': n(200), '503': n(503), '500': n(500), '0': n('reset') });
    expect((await head(headUrl())).status).toBe(200);
  });

  it('faults can target one API; their JSON bodies are GCS-shaped', async () => {
    gcsT.setFaults({ rate: 1, seed: 1, kinds: ['500'], apis: ['json-list'] });
    try {
      expect((await head(headUrl())).status).toBe(200);
      const r = await get(`${gcsT.url}/storage/v1/b/${BUCKET}/o`);
      expect(r.status).toBe(500);
      expect(JSON.parse(r.text).error.errors[0]).toMatchObject({ reason: 'backendError' });
    } finally {
      gcsT.setFaults(undefined);
    }
  });

  it('latency and delay faults hold answers for the given time', async () => {
    gcsT.setLatency(120);
    let t = performance.now();
    expect((await head(headUrl())).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(115);
    gcsT.setLatency(0);
    gcsT.setFaults({ rate: 1, seed: 1, kinds: ['delay'], delayMs: 150 });
    t = performance.now();
    expect((await head(headUrl())).status).toBe(200);
    expect(performance.now() - t).toBeGreaterThanOrEqual(145);
    gcsT.setFaults(undefined);
  });
});
