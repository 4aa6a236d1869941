/**
 * Bad input, one test per case: the real CLI (in-process main, and a handful as child processes)
 * must exit 2 with ONE line on stderr, send nothing (the S3 sink and the API saw no request) and
 * write nothing in --out (a fresh empty folder each time).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { filesUnder, spawnCli, startSink, type Sink } from '../support/reliability.ts';

const TOKEN = 'bad-input-token';
let work: string;
let inputs: string;
let s3: Sink;
let api: SocorroApi;

const rand = seededBytes(99);
const good = [makeCrashId('20160915', rand), makeCrashId('20160915', rand), makeCrashId('20160916', rand)];

interface Ctx {
  out: string;
  f: (name: string) => string;
  s3: string;
  api: string;
}

interface Case {
  name: string;
  argv: (c: Ctx) => string[];
  /** Replaces the default environment (AWS keys, endpoint sink, token). */
  env?: (c: Ctx) => Record<string, string>;
  /** What the one stderr line must say. */
  says: RegExp;
}

const S3 = (c: Ctx) => ['--bucket', 'crashes', '--endpoint', c.s3, '--path-style', '--out', c.out];
const API = (c: Ctx) => ['--api-url', c.api, '--out', c.out];
const list = (...a: string[]) => (c: Ctx) => ['list', ...S3(c), ...a];
const check = (...a: string[]) => (c: Ctx) => ['check', ...a.map((x) => (x.startsWith('@') ? c.f(x.slice(1)) : x)), ...S3(c)];
const reprocess = (...a: string[]) => (c: Ctx) => ['reprocess', ...a.map((x) => (x.startsWith('@') ? c.f(x.slice(1)) : x)), ...API(c)];

const CASES: Case[] = [
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
  { name: 'list: bad bucket name', argv: (c) => ['list', '--dates', '20160915', '--bucket', 'Bad Bucket!', '--endpoint', c.s3, '--out', c.out], says: /--bucket: Bad Bucket! is not a bucket name/ },
  { name: 'list: no --bucket', argv: (c) => ['list', '--dates', '20160915', '--endpoint', c.s3, '--out', c.out], says: /required option '--bucket/ },
  { name: 'list: --endpoint not http(s)', argv: (c) => ['list', '--dates', '20160915', '--bucket', 'crashes', '--endpoint', 'ftp://127.0.0.1:1', '--out', c.out], says: /--endpoint: ftp:\/\/127\.0\.0\.1:1 is not an http\(s\) URL/ },
  { name: 'list: --endpoint not a URL', argv: (c) => ['list', '--dates', '20160915', '--bucket', 'crashes', '--endpoint', 'not a url', '--out', c.out], says: /--endpoint: not a url is not a URL/ },
  { name: 'list: unknown flag', argv: list('--dates', '20160915', '--frobnicate'), says: /unknown option '--frobnicate'/ },
  { name: 'unknown command', argv: (c) => ['lsit', '--out', c.out], says: /unknown command 'lsit'/ },
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
  api = await startSocorroApi({ token: TOKEN });
});

afterAll(async () => {
  await s3?.close();
  await api?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

let n = 0;
async function ctx(): Promise<Ctx> {
  const out = join(work, `out-${++n}`);
  await mkdir(out);
  return { out, f: (name) => join(inputs, name), s3: s3.url, api: api.url };
}

function envFor(c: Case, x: Ctx): Record<string, string> {
  const base = {
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_REGION: 'us-west-2',
    // Even a case that forgot --endpoint could only reach the sink.
    AWS_ENDPOINT_URL_S3: x.s3,
  };
  return { ...base, ...(c.env ? c.env(x) : { SOCORRO_API_TOKEN: TOKEN }) };
}

/** Nothing sent by this case: neither the S3 sink nor the API saw a request. */
function sentSince(): () => string[] {
  const s3Before = s3.requests.length;
  const apiBefore = api.batches.length;
  return () => [...s3.requests.slice(s3Before), ...api.batches.slice(apiBefore).map((b) => `API ${b.status} ${b.ids.length} id(s)`)];
}

describe('bad input: exit 2, one line on stderr, nothing sent, nothing written (in-process main)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const x = await ctx();
    const sent = sentSince();
    let stderr = '';
    let stdout = '';
    const stream = { isTTY: false, write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WriteStream;
    const code = await main(c.argv(x), { stdout: (s) => (stdout += s), stderr: stream, env: envFor(c, x) });
    expect(code).toBe(2);
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
  ];
  it.each(picked)('%s', async (name) => {
    const c = CASES.find((k) => k.name === name)!;
    const x = await ctx();
    const sent = sentSince();
    const r = await spawnCli(c.argv(x), envFor(c, x), 60_000).done;
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(c.says);
    expect(r.stdout).toBe('');
    expect(await filesUnder(x.out)).toEqual([]);
    expect(sent()).toEqual([]);
  });
});
