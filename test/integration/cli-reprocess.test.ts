/**
 * `reprocess` through the CLI's main() against HTTP servers on loopback: the Socorro-like API
 * (src/demo/socorro-api.ts) and, where a test needs to script the answers or see the headers,
 * a small recording server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { startSocorroApi, type SocorroApi, type SocorroApiOptions } from '../../src/demo/socorro-api.ts';
import { exists, readIds, runCli, type CliRun } from './cli-harness.ts';

const TOKEN = 'tok-' + 'x'.repeat(28);
const rand = seededBytes(99);
const IDS = Array.from({ length: 23 }, () => makeCrashId('20160918', rand));

let work: string;
let n = 0;
let api: SocorroApi | undefined;
let scripted: Scripted | undefined;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-reprocess-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});
afterEach(async () => {
  await api?.close();
  api = undefined;
  await scripted?.close();
  scripted = undefined;
});

async function startApi(opts: SocorroApiOptions = {}): Promise<SocorroApi> {
  api = await startSocorroApi({ token: TOKEN, ...opts });
  return api;
}

/** A fresh --out folder with havenots.txt holding `ids`. */
async function outWith(ids: string[], file = 'havenots.txt'): Promise<string> {
  const out = join(work, `run-${n++}`);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, file), ids.join('\n') + '\n');
  return out;
}

function reprocess(out: string, url: string, extra: string[] = [], env: Record<string, string> = { SOCORRO_API_TOKEN: TOKEN }): Promise<CliRun> {
  return runCli(['reprocess', '--out', out, '--api-url', url, '--sleep', '0', ...extra], env);
}

const sorted = (xs: Iterable<string>) => [...xs].sort();
const counts = (xs: string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};

interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  ids: string[];
}
interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}
interface Scripted {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/** A loopback server that records every request and answers with `answer(request, index)`. */
async function startScripted(answer: (r: Recorded, i: number) => Reply, host = '127.0.0.1'): Promise<Scripted> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => void handle(req, res));
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const rec: Recorded = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
      ids: new URLSearchParams(body).getAll('crash_ids'),
    };
    requests.push(rec);
    const reply = answer(rec, requests.length - 1);
    const text = reply.body ?? 'null';
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...reply.headers });
    res.end(text);
  };
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  scripted = {
    url: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return scripted;
}

describe('reprocess against the Socorro-like API', () => {
  it('sends every id once, in batches, and records them in the ledger', async () => {
    const s = await startApi();
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--batch-size', '5']);
    expect(r.stderr).not.toMatch(/error|warning/);
    expect(r.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS));
    expect([...counts(s.accepted).values()].every((c) => c === 1)).toBe(true);
    expect(s.batches.map((b) => b.ids.length)).toEqual([5, 5, 5, 5, 3]);
    expect(s.batches.every((b) => b.status === 200)).toBe(true);
    expect(sorted(await readIds(join(out, 'reprocessed.txt')))).toEqual(sorted(IDS));
    expect(await exists(join(out, 'rejected.txt'))).toBe(false);
    expect(r.stdout).toContain('submitted 23 of 23 id(s) in 5 batch(es)');

    // A rerun sends nothing and leaves the ledger alone.
    const ledger = await readFile(join(out, 'reprocessed.txt'), 'utf8');
    const again = await reprocess(out, s.url, ['--batch-size', '5']);
    expect(again.code).toBe(0);
    expect(s.batches).toHaveLength(5);
    expect(await readFile(join(out, 'reprocessed.txt'), 'utf8')).toBe(ledger);
    expect(again.stdout).toContain('23 already in the ledger');
  });

  it('sends only the ids not yet in the ledger', async () => {
    const s = await startApi();
    const out = await outWith(IDS);
    await writeFile(join(out, 'reprocessed.txt'), IDS.slice(0, 10).join('\n') + '\n');
    const r = await reprocess(out, s.url, ['--batch-size', '50']);
    expect(r.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS.slice(10)));
    const ledger = await readIds(join(out, 'reprocessed.txt'));
    expect(ledger.slice(0, 10)).toEqual(IDS.slice(0, 10));
    expect(sorted(ledger)).toEqual(sorted(IDS));
  });

  it('reads the files given instead of havenots.txt, normalised', async () => {
    const s = await startApi();
    const out = await outWith([IDS[0]]);
    const f1 = join(out, 'a.txt');
    const f2 = join(out, 'b.txt');
    await writeFile(f1, `\r\n ${IDS[1]} \r\n${IDS[2]}\r\n${IDS[1]}\r\n`);
    await writeFile(f2, `${IDS[2]}\n\n${IDS[3]}`);
    const r = await reprocess(out, s.url, [f1, f2]);
    expect(r.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS.slice(1, 4)));
  });

  it('--ruleset appends :ruleset to every id; the ledger keeps plain ids', async () => {
    const s = await startApi();
    const out = await outWith(IDS.slice(0, 7));
    const r = await reprocess(out, s.url, ['--ruleset', 'regenerate_signature', '--batch-size', '3']);
    expect(r.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS.slice(0, 7).map((id) => `${id}:regenerate_signature`)));
    expect(sorted(await readIds(join(out, 'reprocessed.txt')))).toEqual(sorted(IDS.slice(0, 7)));
  });

  it('refuses an unknown ruleset (exit 2, nothing sent)', async () => {
    const s = await startApi();
    const out = await outWith(IDS.slice(0, 3));
    const r = await reprocess(out, s.url, ['--ruleset', 'everything']);
    expect(r.code).toBe(2);
    expect(s.batches).toHaveLength(0);
  });

  it('403 without the permission: exit 1 naming Reprocess Crashes, nothing more sent', async () => {
    const s = await startApi({ permission: false });
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--batch-size', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'Reprocess Crashes'");
    expect(r.stderr).toContain('403');
    expect(s.batches).toHaveLength(1);
    expect(s.accepted).toEqual([]);
    // The ledger is opened before the first request (so it can be written), and stays empty.
    expect(await readFile(join(out, 'reprocessed.txt'), 'utf8')).toBe('');
  });

  it('403 for a token the API does not know: exit 1, nothing more sent', async () => {
    const s = await startApi();
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--batch-size', '5'], { SOCORRO_API_TOKEN: 'wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'Reprocess Crashes'");
    expect(s.batches).toHaveLength(1);
  });

  it('rides out 429s from the API with Retry-After, each id accepted once', async () => {
    // Every other request or so is refused with 429 and Retry-After: 0.
    const s = await startApi({ faults: { rate: 0.5, seed: 3, kinds: ['429'], retryAfterSeconds: 0 } });
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--batch-size', '2']);
    expect(r.code).toBe(0);
    expect(s.batches.some((b) => b.status === 429)).toBe(true);
    expect(sorted(s.accepted)).toEqual(sorted(IDS));
    expect([...counts(s.accepted).values()].every((c) => c === 1)).toBe(true);
    expect(sorted(await readIds(join(out, 'reprocessed.txt')))).toEqual(sorted(IDS));
    expect(r.stderr).toMatch(/API: HTTP 429; retry \d+ in 0\.0s/);
  });

  it('--max: more ids than that is refused, exit 2, nothing sent, no file written', async () => {
    const s = await startApi();
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--max', '22']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--allow-many');
    expect(s.batches).toHaveLength(0);
    expect(await exists(join(out, 'reprocessed.txt'))).toBe(false);
    expect(await exists(join(out, 'rejected.txt'))).toBe(false);

    // Exactly --max is fine.
    const ok = await reprocess(out, s.url, ['--max', '23']);
    expect(ok.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS));
  });

  it('--max counts only the ids still to send', async () => {
    const s = await startApi();
    const out = await outWith(IDS);
    await writeFile(join(out, 'reprocessed.txt'), IDS.slice(0, 20).join('\n') + '\n');
    const r = await reprocess(out, s.url, ['--max', '3']);
    expect(r.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS.slice(20)));
  });

  it('--allow-many lets more than --max through', async () => {
    const s = await startApi();
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--max', '5', '--allow-many', '--batch-size', '10']);
    expect(r.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS));
  });

  it('--dry-run sends nothing and writes no ledger', async () => {
    const s = await startApi();
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--dry-run', '--batch-size', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('23 id(s) would be submitted in 3 batch(es)');
    expect(s.batches).toHaveLength(0);
    expect(await exists(join(out, 'reprocessed.txt'))).toBe(false);
    // Without a token too.
    const r2 = await reprocess(out, s.url, ['--dry-run'], {});
    expect(r2.code).toBe(0);
    expect(s.batches).toHaveLength(0);
  });

  it('takes the token from CRASHSTATS_API_TOKEN when SOCORRO_API_TOKEN is not set', async () => {
    const s = await startApi();
    const out = await outWith(IDS.slice(0, 4));
    const r = await reprocess(out, s.url, [], { CRASHSTATS_API_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS.slice(0, 4)));
  });

  it('prefers SOCORRO_API_TOKEN over CRASHSTATS_API_TOKEN', async () => {
    const s = await startApi();
    const out = await outWith(IDS.slice(0, 4));
    const right = await reprocess(out, s.url, [], { SOCORRO_API_TOKEN: TOKEN, CRASHSTATS_API_TOKEN: 'wrong' });
    expect(right.code).toBe(0);
    expect(s.accepted).toHaveLength(4);
    const out2 = await outWith(IDS.slice(4, 8));
    const wrong = await reprocess(out2, s.url, [], { SOCORRO_API_TOKEN: 'wrong', CRASHSTATS_API_TOKEN: TOKEN });
    expect(wrong.code).toBe(1);
    expect(s.accepted).toHaveLength(4);
  });

  it('without a token: exit 2, nothing sent', async () => {
    const s = await startApi();
    const out = await outWith(IDS.slice(0, 4));
    const r = await reprocess(out, s.url, [], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SOCORRO_API_TOKEN');
    expect(s.batches).toHaveLength(0);
  });

  it('a bad input line refuses the run (exit 2, nothing sent) unless --skip-invalid', async () => {
    const s = await startApi();
    const out = await outWith([...IDS.slice(0, 3), 'garbage', IDS[3]]);
    const r = await reprocess(out, s.url);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(out, 'havenots.txt')}:4`);
    expect(s.batches).toHaveLength(0);
    expect(await exists(join(out, 'reprocessed.txt'))).toBe(false);
    const ok = await reprocess(out, s.url, ['--skip-invalid']);
    expect(ok.code).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(IDS.slice(0, 4)));
  });

  it('havenots.txt missing is bad input; empty is "nothing to do"', async () => {
    const s = await startApi();
    const out = join(work, `run-${n++}`);
    await mkdir(out);
    expect((await reprocess(out, s.url)).code).toBe(2);
    await writeFile(join(out, 'havenots.txt'), '');
    const r = await reprocess(out, s.url);
    expect(r.code).toBe(0);
    expect(s.batches).toHaveLength(0);
  });

  it('writes the ledger even when --out does not exist yet', async () => {
    const s = await startApi();
    const src = await outWith(IDS.slice(0, 4), 'ids.txt');
    const out = join(src, 'new', 'folder');
    const r = await reprocess(out, s.url, [join(src, 'ids.txt')]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(sorted(await readIds(join(out, 'reprocessed.txt')))).toEqual(sorted(IDS.slice(0, 4)));
    // And a rerun sends nothing.
    expect((await reprocess(out, s.url, [join(src, 'ids.txt')])).code).toBe(0);
    expect(s.batches).toHaveLength(1);
  });

  it.each([['--batch-size', '1001'], ['--batch-size', '0'], ['--max', '-1'], ['--sleep', 'soon']])('refuses %s %s (exit 2)', async (flag, v) => {
    const s = await startApi();
    const out = await outWith(IDS.slice(0, 2));
    const r = await reprocess(out, s.url, [flag, v]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(s.batches).toHaveLength(0);
  });
});

describe('reprocess: the request on the wire', () => {
  it('POSTs form-encoded crash_ids to {api-url}/api/Reprocessing/ with the Auth-Token header', async () => {
    const s = await startScripted(() => ({ status: 200, body: 'null' }));
    const out = await outWith(IDS.slice(0, 3));
    const r = await reprocess(out, s.url, []);
    expect(r.code).toBe(0);
    expect(s.requests).toHaveLength(1);
    const q = s.requests[0];
    expect(q.method).toBe('POST');
    expect(q.path).toBe('/api/Reprocessing/');
    expect(q.headers['auth-token']).toBe(TOKEN);
    expect(q.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(q.body).toBe(IDS.slice(0, 3).map((id) => `crash_ids=${id}`).join('&'));
  });

  it('keeps a path prefix of --api-url', async () => {
    const s = await startScripted(() => ({ status: 200 }));
    const out = await outWith(IDS.slice(0, 1));
    const r = await reprocess(out, s.url + '/socorro/', []);
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => q.path)).toEqual(['/socorro/api/Reprocessing/']);
  });

  it('counts a 200 with a null body as accepted (and any 2xx body)', async () => {
    const s = await startScripted((_q, i) => (i === 0 ? { status: 200, body: 'null' } : { status: 202, body: '' }));
    const out = await outWith(IDS.slice(0, 4));
    const r = await reprocess(out, s.url, ['--batch-size', '2']);
    expect(r.code).toBe(0);
    expect(sorted(await readIds(join(out, 'reprocessed.txt')))).toEqual(sorted(IDS.slice(0, 4)));
  });

  it('429 then success: waits as Retry-After says, then sends the batch again once', async () => {
    const s = await startScripted((_q, i) => (i === 0 ? { status: 429, body: 'Too Many Requests', headers: { 'retry-after': '1' } } : { status: 200 }));
    const out = await outWith(IDS.slice(0, 3));
    const r = await reprocess(out, s.url, []);
    expect(r.code).toBe(0);
    expect(s.requests.map((q) => q.ids)).toEqual([IDS.slice(0, 3), IDS.slice(0, 3)]);
    // The wait the client chose is Retry-After's, not its own backoff (which has jitter).
    expect(r.stderr).toContain('API: HTTP 429; retry 1 in 1.0s');
    expect(await readIds(join(out, 'reprocessed.txt'))).toEqual(IDS.slice(0, 3));
  });

  it('a 5xx with Retry-After as an HTTP date in the past is retried at once', async () => {
    const past = 'Wed, 21 Oct 2015 07:28:00 GMT';
    const s = await startScripted((_q, i) => (i < 2 ? { status: 503, headers: { 'retry-after': past } } : { status: 200 }));
    const out = await outWith(IDS.slice(0, 2));
    const r = await reprocess(out, s.url, []);
    expect(r.code).toBe(0);
    expect(s.requests).toHaveLength(3);
    expect(r.stderr).toContain('API: HTTP 503; retry 1 in 0.0s');
    expect(r.stderr).toContain('API: HTTP 503; retry 2 in 0.0s');
  });

  it('400: isolates the ids the API calls invalid into rejected.txt and submits the rest', async () => {
    const named = IDS[6]; // the API names it in its 400 body, as Socorro does
    const unnamed = IDS[13]; // the API refuses its batches without saying which id
    const s = await startScripted((q) => {
      const plain = q.ids.map((v) => v.split(':')[0]);
      if (plain.includes(named)) return { status: 400, body: JSON.stringify({ error: `Bad request: BadArgumentError: Crash id '${named}' is not valid.` }) };
      if (plain.includes(unnamed)) return { status: 400, body: '<h1>Bad Request (400)</h1>', headers: { 'content-type': 'text/html' } };
      return { status: 200 };
    });
    const out = await outWith(IDS);
    const r = await reprocess(out, s.url, ['--batch-size', '5', '--ruleset', 'default']);
    expect(r.code).toBe(0);
    const acceptedIds = s.requests.filter((q) => !q.ids.some((v) => v.startsWith(named) || v.startsWith(unnamed))).flatMap((q) => q.ids);
    expect(sorted(acceptedIds)).toEqual(sorted(IDS.filter((id) => id !== named && id !== unnamed).map((id) => `${id}:default`)));
    expect([...counts(acceptedIds).values()].every((c) => c === 1)).toBe(true);
    expect(sorted(await readIds(join(out, 'rejected.txt')))).toEqual(sorted([named, unnamed]));
    expect(sorted(await readIds(join(out, 'reprocessed.txt')))).toEqual(sorted(IDS.filter((id) => id !== named && id !== unnamed)));
    expect(r.stdout).toContain('2 rejected as invalid');

    // Rejected ids are never retried; accepted ones never resent.
    const before = s.requests.length;
    const again = await reprocess(out, s.url, ['--batch-size', '5', '--ruleset', 'default']);
    expect(again.code).toBe(0);
    expect(s.requests).toHaveLength(before);
  });

  it('a 5xx that outlasts the retries fails the run (exit 1), keeping the ledger of earlier batches', async () => {
    const s = await startScripted((_q, i) => (i === 0 ? { status: 200 } : { status: 500, headers: { 'retry-after': '0' } }));
    const out = await outWith(IDS.slice(0, 4));
    const r = await reprocess(out, s.url, ['--batch-size', '2']);
    expect(r.code).toBe(1);
    expect(await readIds(join(out, 'reprocessed.txt'))).toEqual(IDS.slice(0, 2));
    expect(s.requests.length).toBeGreaterThan(2); // retried
    expect(s.requests.slice(1).every((q) => q.ids.join() === IDS.slice(2, 4).join())).toBe(true);
  });
});

describe('reprocess: where the token may go', () => {
  it('refuses a plain-http, non-loopback --api-url (exit 2) and sends nothing', async () => {
    const out = await outWith(IDS.slice(0, 2));
    // .invalid never resolves; the run must refuse before trying.
    const r = await reprocess(out, 'http://crash-stats.invalid', []);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('https');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(await exists(join(out, 'reprocessed.txt'))).toBe(false);
  });

  it('sends it over plain http to 127.x loopback addresses', async () => {
    const s = await startScripted(() => ({ status: 200 }), '127.0.0.2');
    const out = await outWith(IDS.slice(0, 1));
    const r = await reprocess(out, s.url, []);
    expect(r.code).toBe(0);
    expect(s.requests[0].headers['auth-token']).toBe(TOKEN);
  });
});
