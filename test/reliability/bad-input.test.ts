/**
 * Bad input, one test per case: the real CLI (in-process main, and a handful as child processes)
 * must exit 2 with ONE line on stderr, send nothing (the S3 sink, the loopback GCS server, its
 * token service and the API saw no request) and write nothing in --out (a fresh empty folder
 * each time). The list and check cases run once per store (STORE_KINDS): with an S3 bucket and
 * with a gs:// one; the cases of choosing a store and of GCS's endpoint variable are added.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { filesUnder, spawnCli, startSink, type Sink } from '../support/reliability.ts';
import { STORE_KINDS, exportStoreEnv, startTestStore, type StoreKind, type TestStore } from '../support/stores.ts';

const TOKEN = 'bad-input-token';
let work: string;
let inputs: string;
let s3: Sink;
/** A real GCS (with token checks) and STS, counting requests: a GCS case must reach neither. */
let gcs: TestStore;
let undoEnv = () => {};
let api: SocorroApi;

const rand = seededBytes(99);
const good = [makeCrashId('20160915', rand), makeCrashId('20160915', rand), makeCrashId('20160916', rand)];

interface Ctx {
  out: string;
  f: (name: string) => string;
  s3: string;
  /** The loopback GCS server: its URL, and its host:port (the STORAGE_EMULATOR_HOST form). */
  gcs: string;
  gcsHost: string;
  api: string;
}

interface Case {
  name: string;
  argv: (c: Ctx) => string[];
  /** Replaces the default environment (AWS keys, endpoint sink, token). */
  env?: (c: Ctx) => Record<string, string>;
  /** What the one stderr line must say. */
  says: RegExp;
  /** Only with this store in STORE_KINDS (the GCS-specific cases). */
  store?: StoreKind;
}

/** A list or check case, written once: its argv for a store's bucket and endpoint. */
interface StoreCase extends Omit<Case, 'argv'> {
  argv: (c: Ctx, bucket: (c: Ctx) => string[]) => string[];
}

const S3 = (c: Ctx) => ['--bucket', 'crashes', '--endpoint', c.s3, '--path-style', '--out', c.out];
const GCS = (c: Ctx) => ['--bucket', 'gs://crashes', '--endpoint', c.gcs, '--out', c.out];
const BUCKET_ARGS: Record<StoreKind, (c: Ctx) => string[]> = { s3: S3, gcs: GCS };
const API = (c: Ctx) => ['--api-url', c.api, '--out', c.out];
const list =
  (...a: string[]) =>
  (c: Ctx, bucket: (c: Ctx) => string[]) => ['list', ...bucket(c), ...a];
const check =
  (...a: string[]) =>
  (c: Ctx, bucket: (c: Ctx) => string[]) => ['check', ...a.map((x) => (x.startsWith('@') ? c.f(x.slice(1)) : x)), ...bucket(c)];
/** scan against the stand-in (so a case that went ahead would be seen searching). */
const scan =
  (...a: string[]) =>
  (c: Ctx, bucket: (c: Ctx) => string[]) => ['scan', ...bucket(c), '--api-url', c.api, ...a];
/** YYYYMMDD of `k` days before today (UTC). */
const ago = (k: number) => new Date(Date.now() - k * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
const reprocess = (...a: string[]) => (c: Ctx) => ['reprocess', ...a.map((x) => (x.startsWith('@') ? c.f(x.slice(1)) : x)), ...API(c)];
/** A gs:// bucket and no --endpoint: GCS's endpoint comes from STORAGE_EMULATOR_HOST, set to `host`. */
const emulatorAt = (host: string) => () => ({ SOCORRO_API_TOKEN: TOKEN, STORAGE_EMULATOR_HOST: host });
const gsList = (c: Ctx) => ['list', '--dates', '20160915', '--bucket', 'gs://crashes', '--out', c.out];
const listWith = (...a: string[]) => (c: Ctx) => ['list', '--dates', '20160915', ...a, '--out', c.out];

/** Run once per store in STORE_KINDS: S3 under the case's name, GCS as `… [gcs]`. */
const STORE_CASES: StoreCase[] = [
  // dates
  { name: 'list: month 13 (20161345)', argv: list('--dates', '20161345'), says: /--dates: 20161345 is not a date/ },
  { name: 'list: dashed date (2016-09-15)', argv: list('--dates', '2016-09-15'), says: /--dates: 2016-09-15 is not a date/ },
  { name: 'list: 30 February (20160230)', argv: list('--dates', '20160230'), says: /--dates: 20160230 is not a date/ },
  { name: 'list: reversed range', argv: list('--dates', '20160916..20160915'), says: /ends before it starts/ },
  { name: 'list: a range over 366 days', argv: list('--dates', '20150101..20160201'), says: /spans more than 366 days/ },
  { name: 'list: dates more than 366 days apart', argv: list('--dates', '20150101,20160201'), says: /span more than 366 days/ },
  { name: 'list: empty --dates', argv: list('--dates', ''), says: /--dates: no dates given/ },
  { name: 'list: only separators in --dates', argv: list('--dates', ' , '), says: /--dates: no dates given/ },
  { name: 'list: a three-part range', argv: list('--dates', '20160915..20160916..20160917'), says: /is not a date or a range/ },
  { name: 'list: before 2000', argv: list('--dates', '19991231'), says: /is not a date/ },
  { name: 'list: no --dates', argv: list(), says: /required option '--dates/ },
  // list options
  { name: 'list: unknown layout v3', argv: list('--dates', '20160915', '--layout', 'v3'), says: /--layout: v3 is not a layout/ },
  { name: 'list: chunk size 0', argv: list('--dates', '20160915', '--chunk-size', '0'), says: /--chunk-size: 0 is not a whole number/ },
  { name: 'list: chunk size negative', argv: list('--dates', '20160915', '--chunk-size', '-5'), says: /--chunk-size: -5 is not a whole number/ },
  { name: 'list: chunk size huge (1e12)', argv: list('--dates', '20160915', '--chunk-size', '1000000000000'), says: /--chunk-size: 1000000000000 is not a whole number/ },
  { name: 'list: chunk size not a number', argv: list('--dates', '20160915', '--chunk-size', '12abc'), says: /--chunk-size: 12abc/ },
  { name: 'list: chunk size fractional', argv: list('--dates', '20160915', '--chunk-size', '2.5'), says: /--chunk-size: 2\.5/ },
  { name: 'list: bad --since (25:00)', argv: list('--dates', '20160915', '--since', '25:00'), says: /--since: 25:00 is not a time of day/ },
  { name: 'list: bad --since (9:00)', argv: list('--dates', '20160915', '--since', '9:00'), says: /--since: 9:00 is not a time of day/ },
  { name: 'list: bad --until (12:60)', argv: list('--dates', '20160915', '--until', '12:60'), says: /--until: 12:60 is not a time of day/ },
  { name: 'list: --since after --until', argv: list('--dates', '20160915', '--since', '13:00', '--until', '12:00'), says: /--since 13:00 is after --until 12:00/ },
  { name: 'list: unknown flag', argv: list('--dates', '20160915', '--frobnicate'), says: /unknown option '--frobnicate'/ },
  // check
  { name: 'check: a line that is not a crash id', argv: check('@bad-id.txt'), says: /bad-id\.txt:2: "de1bb258-cbbf-4589-a673-34f80016091" is not a crash id/ },
  { name: 'check: an uppercase id', argv: check('@upper.txt'), says: /upper\.txt:1: .* is not a crash id/ },
  { name: 'check: an empty file', argv: check('@empty.txt'), says: /empty\.txt: no crash ids in the file/ },
  { name: 'check: a file of blank lines', argv: check('@blank.txt'), says: /blank\.txt: no crash ids in the file/ },
  { name: 'check: a good file then a bad one (nothing checked)', argv: check('@good.txt', '@bad-id.txt'), says: /bad-id\.txt:2/ },
  { name: 'check: a missing file', argv: check('@missing.txt'), says: /missing\.txt: no such file/ },
  { name: 'check: a folder instead of a file', argv: check('@dir'), says: /dir: not a file/ },
  { name: 'check: no file', argv: check(), says: /missing required argument 'file'/ },
  { name: 'check: concurrency 0', argv: check('@good.txt', '--concurrency', '0'), says: /--concurrency: 0 is not a whole number from 1 to 1024/ },
  { name: 'check: concurrency 2000', argv: check('@good.txt', '--concurrency', '2000'), says: /--concurrency: 2000 is not a whole number from 1 to 1024/ },
  { name: 'check: concurrency not a number', argv: check('@good.txt', '--concurrency', 'lots'), says: /--concurrency: lots/ },
  // scan (dates relative to today: search keeps 26 weeks)
  { name: 'scan: a date older than 26 weeks', argv: scan('--dates', ago(200)), says: /older than Socorro's 26 weeks of search data: .*use check/ },
  { name: 'scan: a range reaching past 26 weeks', argv: scan('--dates', `${ago(190)}..${ago(100)}`), says: /older than Socorro's 26 weeks of search data/ },
  { name: 'scan: more than 183 dates', argv: scan('--dates', `${ago(200)}..${ago(1)}`), says: /--dates: 200 dates is more than 183/ },
  { name: 'scan: a date in the future', argv: scan('--dates', ago(-2)), says: /--dates: \d{8} is in the future/ },
  { name: 'scan: not a date word (tomorrow)', argv: scan('--dates', 'tomorrow'), says: /--dates: tomorrow is not a date/ },
  { name: 'scan: --min-share over 1', argv: scan('--dates', 'yesterday', '--min-share', '2'), says: /--min-share: 2 is not a share from 0 to 1/ },
  { name: 'scan: --min-share not a number', argv: scan('--dates', 'yesterday', '--min-share', 'some'), says: /--min-share: some is not a share/ },
  { name: 'scan: --min-missing 0', argv: scan('--dates', 'yesterday', '--min-missing', '0'), says: /--min-missing: 0 is not a whole number/ },
  { name: 'scan: bad --hours', argv: scan('--dates', 'yesterday', '--hours', '14..16'), says: /--hours: 14\.\.16 is not a window of the day/ },
  { name: 'scan: http API URL with a token', argv: scan('--dates', 'yesterday', '--api-url', 'http://crash-stats.invalid:9'), says: /--api-url: .* is not https/ },
  { name: 'scan: no --dates', argv: scan(), says: /required option '--dates/ },
];

const CASES: Case[] = [
  // GCS's bearer token goes only over https or to loopback (nothing asked of the STS either)
  {
    name: 'list: gs:// with an http --endpoint on another machine',
    store: 'gcs',
    argv: listWith('--bucket', 'gs://crashes', '--endpoint', 'http://gcs.example.test:4443'),
    says: /^error: --endpoint: http:\/\/gcs\.example\.test:4443 is not https; the GCS token is only sent over https or to loopback \(an emulator elsewhere: STORAGE_EMULATOR_HOST, which is sent no token\)$/,
  },
  {
    name: 'check: gs:// with an http --endpoint on another machine',
    store: 'gcs',
    argv: (c) => ['check', c.f('good.txt'), '--bucket', 'gs://crashes', '--endpoint', 'http://10.0.0.7:4443', '--out', c.out],
    says: /^error: --endpoint: http:\/\/10\.0\.0\.7:4443 is not https; the GCS token is only sent/,
  },
  // list options
  { name: 'list: bad bucket name', argv: (c) => ['list', '--dates', '20160915', '--bucket', 'Bad Bucket!', '--endpoint', c.s3, '--out', c.out], says: /--bucket: Bad Bucket! is not a bucket name/ },
  { name: 'list: no --bucket', argv: (c) => ['list', '--dates', '20160915', '--endpoint', c.s3, '--out', c.out], says: /required option '--bucket/ },
  { name: 'list: --endpoint not http(s)', argv: (c) => ['list', '--dates', '20160915', '--bucket', 'crashes', '--endpoint', 'ftp://127.0.0.1:1', '--out', c.out], says: /--endpoint: ftp:\/\/127\.0\.0\.1:1 is not an http\(s\) URL/ },
  { name: 'list: --endpoint not a URL', argv: (c) => ['list', '--dates', '20160915', '--bucket', 'crashes', '--endpoint', 'not a url', '--out', c.out], says: /--endpoint: not a url is not a URL/ },
  { name: 'unknown command', argv: (c) => ['lsit', '--out', c.out], says: /unknown command 'lsit'/ },
  // reprocess
  { name: 'reprocess: batch size 1001', argv: reprocess('@good.txt', '--batch-size', '1001'), says: /--batch-size: 1001 is not a whole number from 1 to 1000/ },
  { name: 'reprocess: batch size 0', argv: reprocess('@good.txt', '--batch-size', '0'), says: /--batch-size: 0 is not a whole number/ },
  {
    name: 'reprocess: http (not https) API URL with a token',
    argv: (c) => ['reprocess', c.f('good.txt'), '--api-url', 'http://crash-stats.invalid:9', '--out', c.out],
    says: /--api-url: http:\/\/crash-stats\.invalid:9 is not https; the API token is only sent over https or to loopback/,
  },
  {
    name: 'reprocess: http on a host that only looks like loopback',
    argv: (c) => ['reprocess', c.f('good.txt'), '--api-url', 'http://127.0.0.1.nip.invalid:9', '--out', c.out],
    says: /is not https/,
  },
  { name: 'reprocess: API URL not a URL', argv: (c) => ['reprocess', c.f('good.txt'), '--api-url', 'crash stats', '--out', c.out], says: /--api-url: crash stats is not a URL/ },
  { name: 'reprocess: API URL not http(s)', argv: (c) => ['reprocess', c.f('good.txt'), '--api-url', 'ftp://127.0.0.1:9', '--out', c.out], says: /is not an http\(s\) URL/ },
  { name: 'reprocess: no token', argv: reprocess('@good.txt'), env: () => ({}), says: /no API token: set SOCORRO_API_TOKEN/ },
  { name: 'reprocess: a blank token', argv: reprocess('@good.txt'), env: () => ({ SOCORRO_API_TOKEN: '  ', CRASHSTATS_API_TOKEN: '' }), says: /no API token/ },
  { name: 'reprocess: bad ruleset', argv: reprocess('@good.txt', '--ruleset', 'bogus'), says: /argument 'bogus' is invalid/ },
  { name: 'reprocess: --max not a number', argv: reprocess('@good.txt', '--max', 'ten'), says: /--max: ten is not a whole number/ },
  { name: 'reprocess: --max negative', argv: reprocess('@good.txt', '--max', '-1'), says: /--max: -1 is not a whole number/ },
  { name: 'reprocess: more ids than --max', argv: reprocess('@good.txt', '--max', '2'), says: /3 crash ids to submit is more than --max 2; nothing was sent/ },
  { name: 'reprocess: --sleep negative', argv: reprocess('@good.txt', '--sleep', '-1'), says: /--sleep: -1 is not a number of seconds/ },
  { name: 'reprocess: --sleep not a number', argv: reprocess('@good.txt', '--sleep', 'soon'), says: /--sleep: soon/ },
  { name: 'reprocess: a line that is not a crash id', argv: reprocess('@bad-id.txt'), says: /bad-id\.txt:2: .* is not a crash id/ },
  { name: 'reprocess: an empty file', argv: reprocess('@empty.txt'), says: /empty\.txt: no crash ids in the file/ },
  { name: 'reprocess: a missing file', argv: reprocess('@missing.txt'), says: /missing\.txt: no such file/ },
  { name: 'reprocess: no file and no havenots.txt in --out', argv: reprocess(), says: /havenots\.txt: no such file/ },
  { name: 'reprocess: unknown flag', argv: reprocess('@good.txt', '--yes-really'), says: /unknown option '--yes-really'/ },
  // choosing the store
  { name: 'list: gs:// bucket with --storage s3', store: 'gcs', argv: (c) => listWith('--bucket', 'gs://crashes', '--storage', 's3', '--endpoint', c.gcs)(c), says: /--storage s3 contradicts --bucket gs:\/\/crashes/ },
  { name: 'list: s3:// bucket with --storage gcs', store: 'gcs', argv: (c) => listWith('--bucket', 's3://crashes', '--storage', 'gcs', '--endpoint', c.gcs)(c), says: /--storage gcs contradicts --bucket s3:\/\/crashes/ },
  { name: 'list: --storage not a store (azure)', store: 'gcs', argv: (c) => listWith('--bucket', 'crashes', '--storage', 'azure', '--endpoint', c.gcs)(c), says: /argument 'azure' is invalid/ },
  { name: 'list: a bucket of another scheme (gcs://crashes)', store: 'gcs', argv: (c) => listWith('--bucket', 'gcs://crashes', '--endpoint', c.gcs)(c), says: /--bucket: gcs:\/\/crashes is not a bucket \(NAME, s3:\/\/NAME or gs:\/\/NAME\)/ },
  { name: 'list: bad gs:// bucket name (gs://Bad Bucket!)', store: 'gcs', argv: (c) => listWith('--bucket', 'gs://Bad Bucket!', '--endpoint', c.gcs)(c), says: /--bucket: gs:\/\/Bad Bucket! is not a bucket name/ },
  { name: 'list: gs:// without a name', store: 'gcs', argv: (c) => listWith('--bucket', 'gs://', '--endpoint', c.gcs)(c), says: /--bucket: gs:\/\/ is not a bucket name/ },
  { name: 'list: --storage gcs with a bad bare name', store: 'gcs', argv: (c) => listWith('--bucket', 'Bad Bucket!', '--storage', 'gcs', '--endpoint', c.gcs)(c), says: /--bucket: Bad Bucket! is not a bucket name/ },
  { name: 'list: gs:// with --endpoint not http(s)', store: 'gcs', argv: listWith('--bucket', 'gs://crashes', '--endpoint', 'ftp://127.0.0.1:1'), says: /--endpoint: ftp:\/\/127\.0\.0\.1:1 is not an http\(s\) URL/ },
  { name: 'list: gs:// with --endpoint not a URL', store: 'gcs', argv: listWith('--bucket', 'gs://crashes', '--endpoint', 'not a url'), says: /--endpoint: not a url is not a URL/ },
  // STORAGE_EMULATOR_HOST: GCS's endpoint when --endpoint is not given (a bare host:port means http://)
  { name: 'list: STORAGE_EMULATOR_HOST not a host (not a host)', store: 'gcs', argv: gsList, env: emulatorAt('not a host'), says: /^error: STORAGE_EMULATOR_HOST: not a host is not a host:port or URL$/ },
  { name: 'list: STORAGE_EMULATOR_HOST port out of range (127.0.0.1:99999)', store: 'gcs', argv: gsList, env: emulatorAt('127.0.0.1:99999'), says: /STORAGE_EMULATOR_HOST: 127\.0\.0\.1:99999 is not a host:port or URL/ },
  { name: 'list: STORAGE_EMULATOR_HOST port not a number (localhost:abc)', store: 'gcs', argv: gsList, env: emulatorAt('localhost:abc'), says: /STORAGE_EMULATOR_HOST: localhost:abc is not a host:port or URL/ },
  { name: 'list: STORAGE_EMULATOR_HOST a URL without a host (http://)', store: 'gcs', argv: gsList, env: emulatorAt('http://'), says: /STORAGE_EMULATOR_HOST: http:\/\/ is not a host:port or URL/ },
  // Not a bare host:port, so not http://ftp://…: --endpoint ftp://… is refused, and so must this be.
  {
    name: 'list: STORAGE_EMULATOR_HOST a URL that is not http(s) (ftp://127.0.0.1:9)',
    store: 'gcs',
    argv: gsList,
    env: emulatorAt('ftp://127.0.0.1:9'),
    says: /STORAGE_EMULATOR_HOST: ftp:\/\/127\.0\.0\.1:9 is not/,
  },
  { name: 'check: STORAGE_EMULATOR_HOST garbage ([::1)', store: 'gcs', argv: (c) => ['check', c.f('good.txt'), '--bucket', 'gs://crashes', '--out', c.out], env: emulatorAt('[::1'), says: /STORAGE_EMULATOR_HOST: \[::1 is not a host:port or URL/ },
];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rel-bad-input-'));
  inputs = join(work, 'inputs');
  await mkdir(join(inputs, 'dir'), { recursive: true });
  await writeFile(join(inputs, 'good.txt'), good.join('\n') + '\n');
  await writeFile(join(inputs, 'bad-id.txt'), `${good[0]}\r\nde1bb258-cbbf-4589-a673-34f80016091\n${good[1]}\n`);
  await writeFile(join(inputs, 'upper.txt'), good[0].toUpperCase() + '\n');
  await writeFile(join(inputs, 'empty.txt'), '');
  await writeFile(join(inputs, 'blank.txt'), '\n  \r\n\n');
  s3 = await startSink();
  // Credentials that work with this GCS, in process.env where the in-process CLI's
  // google-auth-library reads them: a case that wrongly went ahead would reach it (or its STS)
  // and be seen, never an ADC found elsewhere on the machine.
  gcs = await startTestStore('gcs', { log: true });
  undoEnv = exportStoreEnv(gcs);
  api = await startSocorroApi({ token: TOKEN });
});

afterAll(async () => {
  undoEnv();
  await s3?.close();
  await gcs?.close();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

let n = 0;
async function ctx(): Promise<Ctx> {
  const out = join(work, `out-${++n}`);
  await mkdir(out);
  return { out, f: (name) => join(inputs, name), s3: s3.url, gcs: gcs.gcs!.url, gcsHost: gcs.gcs!.host, api: api.url };
}

function envFor(c: Case, x: Ctx): Record<string, string> {
  const base = {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_REGION: 'us-west-2',
    // Even a case that forgot --endpoint could only reach the sink, or the counting GCS.
    AWS_ENDPOINT_URL_S3: x.s3,
    STORAGE_EMULATOR_HOST: x.gcsHost,
    // For a child process: the GCS credentials (in-process runs have them in process.env).
    ...gcs.env,
  };
  return { ...base, ...(c.env ? c.env(x) : { SOCORRO_API_TOKEN: TOKEN }) };
}

/** Nothing sent by this case: neither the S3 sink, nor GCS or its token service, nor the API saw a request. */
function sentSince(): () => string[] {
  const s3Before = s3.requests.length;
  const gcsBefore = gcs.gcs!.requests().length;
  const tokensBefore = gcs.tokens!.requests.length;
  const apiBefore = api.batches.length;
  const searchesBefore = api.searches.length;
  return () => [
    ...api.searches.slice(searchesBefore).map((q) => `SuperSearch ${q.status}`),
    ...s3.requests.slice(s3Before),
    ...gcs.gcs!.requests().slice(gcsBefore).map((q) => `GCS ${q.method} ${q.api} ${q.status}`),
    ...gcs.tokens!.requests.slice(tokensBefore).map((q) => `STS ${q.method} ${q.path} ${q.status}`),
    ...api.batches.slice(apiBefore).map((b) => `API ${b.status} ${b.ids.length} id(s)`),
  ];
}

/** Every case this run covers: the store cases for each store in STORE_KINDS, the rest once. */
const ALL: Case[] = [
  ...STORE_KINDS.flatMap((kind) =>
    STORE_CASES.map((sc): Case => ({ ...sc, name: kind === 's3' ? sc.name : `${sc.name} [${kind}]`, argv: (c) => sc.argv(c, BUCKET_ARGS[kind]) })),
  ),
  ...CASES.filter((c) => c.store === undefined || STORE_KINDS.includes(c.store)),
];

describe('bad input: exit 2, one line on stderr, nothing sent, nothing written (in-process main)', () => {
  it.each(ALL.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const x = await ctx();
    const sent = sentSince();
    let stderr = '';
    let stdout = '';
    const stream = { isTTY: false, write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WriteStream;
    const code = await main(c.argv(x), { stdout: (s) => (stdout += s), stderr: stream, env: envFor(c, x) });
    expect(code, stderr).toBe(2);
    expect(stderr.endsWith('\n')).toBe(true);
    const lines = stderr.split('\n').filter((l) => l !== '');
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(c.says);
    expect(stdout).toBe('');
    expect(await filesUnder(x.out)).toEqual([]);
    expect(sent()).toEqual([]);
  });
});

describe('bad input as a child process (the real exit code)', () => {
  const picked = [
    'list: month 13 (20161345)',
    'list: unknown flag',
    'check: a line that is not a crash id',
    'reprocess: http (not https) API URL with a token',
    'reprocess: no token',
    'reprocess: more ids than --max',
    'check: a line that is not a crash id [gcs]',
    'list: gs:// bucket with --storage s3',
    'list: STORAGE_EMULATOR_HOST not a host (not a host)',
    'scan: a date older than 26 weeks',
  ].filter((name) => ALL.some((k) => k.name === name));
  it.each(picked)('%s', async (name) => {
    const c = ALL.find((k) => k.name === name)!;
    const x = await ctx();
    const sent = sentSince();
    const r = await spawnCli(c.argv(x), envFor(c, x), 60_000).done;
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(c.says);
    expect(r.stdout).toBe('');
    expect(await filesUnder(x.out)).toEqual([]);
    expect(sent()).toEqual([]);
  });
});
