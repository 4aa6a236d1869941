/**
 * reprocess against the Socorro stand-in (real HTTP, the real undici port) with injected 429s,
 * 5xx and resets, made-up 400s, lost answers and 403s. The ledger must end equal to the input,
 * each id accepted once per accepted batch, invalid ids only in rejected.txt, and a 403 must stop
 * everything.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { startSocorroApi, type SocorroApi, type FaultPlan } from '../../src/demo/socorro-api.ts';
import { silentReporter } from '../../src/core/progress.ts';
import { runReprocess } from '../../src/modes/reprocess.ts';
import { socorroApi } from '../../src/ports/socorro-api.ts';
import { duplicates, exists, filesUnder, metric, sorted, sortedIds, startApiProxy, type ApiProxy, type ApiProxyOptions } from '../support/reliability.ts';

const TOKEN = 'reliability-token';
let work: string;
const servers: SocorroApi[] = [];
const proxies: ApiProxy[] = [];

const rand = seededBytes(777);
const ids: string[] = [];
while (ids.length < 1000) ids.push(makeCrashId(['20160915', '20160916', '20160917'][ids.length % 3], rand));

let dirCount = 0;
async function freshDir(label: string, input: string[] = ids): Promise<{ out: string; file: string }> {
  const out = join(work, `${label}-${++dirCount}`);
  await mkdir(out, { recursive: true });
  const file = join(out, 'havenots.txt');
  await writeFile(file, input.join('\n') + '\n');
  return { out, file };
}

async function api(opts: { faults?: FaultPlan; permission?: boolean; token?: string } = {}): Promise<SocorroApi> {
  const s = await startSocorroApi({ token: TOKEN, ...opts });
  servers.push(s);
  return s;
}

async function proxy(target: string, opts: ApiProxyOptions): Promise<ApiProxy> {
  const p = await startApiProxy(target, opts);
  proxies.push(p);
  return p;
}

/** runReprocess over the real port with small backoffs. */
async function reprocess(url: string, file: string, out: string, extra: { batchSize?: number; ruleset?: string } = {}) {
  const r = await runReprocess(
    { files: [file], out, batchSize: extra.batchSize ?? 10, sleepSeconds: 0 },
    {
      api: (onRetry) => socorroApi({ apiUrl: url, token: TOKEN, ruleset: extra.ruleset, policy: { attempts: 9, baseMs: 2, capMs: 500 }, onRetry }),
      reporter: silentReporter,
      spell: (n) => n,
    },
  );
  return r;
}

async function cli(argv: string[], env: Record<string, string> = { SOCORRO_API_TOKEN: TOKEN }) {
  let stdout = '';
  let stderr = '';
  const stream = { isTTY: false, write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WriteStream;
  const code = await main(argv, { stdout: (s) => (stdout += s), stderr: stream, env });
  return { code, stdout, stderr };
}

const idOf = (v: string) => (v.includes(':') ? v.slice(0, v.indexOf(':')) : v);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rel-api-'));
});

afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
  for (const s of servers.splice(0)) await s.close();
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('10% faults (429 with a small Retry-After, 500, 502, reset), decided before the API handles the batch', () => {
  it.each([1, 2, 3, 4])('seed %i: ledger equals the input, each id accepted exactly once, Retry-After honoured', async (seed) => {
    const { out, file } = await freshDir(`faults-${seed}`);
    const s = await api({ faults: { rate: 0.1, seed, kinds: ['429', '500', '502', 'reset'], retryAfterSeconds: 0.1 } });
    const r = await reprocess(s.url, file, out);
    expect(r.failure).toBeUndefined();
    expect(r.submitted).toBe(ids.length);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(ids));
    expect(await exists(join(out, 'rejected.txt'))).toBe(false);
    const dups = duplicates(s.accepted);
    expect(dups.size).toBe(0);
    expect(sorted(s.accepted)).toEqual(sorted(ids));
    // Every accepted batch is exactly one of ours (no splitting, no merging).
    const ok = s.batches.filter((b) => b.status === 200);
    expect(ok).toHaveLength(ids.length / 10);
    const faults: Record<string, number> = {};
    for (const b of s.batches) if (b.status !== 200) faults[b.status] = (faults[b.status] ?? 0) + 1;
    expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Retry-After: the request after an injected 429 comes no sooner than 100 ms later (one at a time).
    let honoured = 0;
    s.batches.forEach((b, i) => {
      if (b.status === 429 && i + 1 < s.batches.length) {
        expect(s.batches[i + 1].at - b.at).toBeGreaterThanOrEqual(95);
        honoured++;
      }
    });
    metric('api-faults-10pct', {
      seed,
      ids: ids.length,
      requests: s.batches.length,
      faults,
      retries: r.retries,
      retryAfterHonoured: honoured,
      ledger: r.submitted,
      lost: ids.length - r.submitted,
      duplicatedAccepted: dups.size,
    });
  });

  it('the CLI at 10% faults with Retry-After 0: exit 0, ledger equals the input, no id accepted twice', async () => {
    const { out, file } = await freshDir('faults-cli', ids.slice(0, 300));
    const s = await api({ faults: { rate: 0.1, seed: 11, kinds: ['429', '502', 'reset'], retryAfterSeconds: 0 } });
    const r = await cli(['reprocess', file, '--api-url', s.url, '--batch-size', '25', '--sleep', '0', '--out', out, '-q']);
    expect(r.code).toBe(0);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(ids.slice(0, 300)));
    expect(duplicates(s.accepted).size).toBe(0);
    metric('api-faults-10pct-cli', { requests: s.batches.length, faulted: s.batches.filter((b) => b.status !== 200).length });
  });
});

describe('lost answers: the API accepted the batch but the client never heard', () => {
  it('every id still ends in the ledger once; the only resends are the batches whose 2xx was lost', async () => {
    const { out, file } = await freshDir('lost');
    const s = await api();
    const p = await proxy(s.url, { loseResponseRate: 0.1, seed: 5 });
    const r = await reprocess(p.url, file, out);
    expect(r.failure).toBeUndefined();
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(ids));
    const lostAccepted = p.stats.lost.filter((l) => l.status === 200);
    expect(lostAccepted.length).toBeGreaterThan(0);
    // accepted = each id once, plus once more per lost 2xx that carried it: nothing else is resent.
    const extra = new Map<string, number>();
    for (const l of lostAccepted) for (const id of l.ids) extra.set(id, (extra.get(id) ?? 0) + 1);
    const dups = duplicates(s.accepted);
    expect(dups).toEqual(new Map([...extra].map(([id, n]) => [id, n + 1])));
    expect(s.accepted.length).toBe(ids.length + lostAccepted.reduce((a, l) => a + l.ids.length, 0));
    metric('api-lost-answers', {
      ids: ids.length,
      lostAnswers: p.stats.lost.length,
      idsResentBecauseOfLostAnswers: s.accepted.length - ids.length,
      duplicatesOtherwise: 0,
    });
  });
});

describe('400: invalid ids are isolated into rejected.txt, the rest submitted', () => {
  it.each(['named', 'html'] as const)('one invalid id in a batch (%s 400): only it in rejected.txt, the others accepted once', async (style) => {
    const input = ids.slice(0, 200);
    const bad = input[57];
    const { out, file } = await freshDir(`reject-${style}`, input);
    const s = await api();
    const p = await proxy(s.url, { rejectIds: new Set([bad]), rejectStyle: style });
    const r = await reprocess(p.url, file, out);
    expect(r.failure).toBeUndefined();
    expect(r.rejected).toBe(1);
    expect(await sortedIds(join(out, 'rejected.txt'))).toEqual([bad]);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(input.filter((id) => id !== bad)));
    expect(duplicates(s.accepted).size).toBe(0);
    expect(s.accepted).not.toContain(bad);
    metric('api-400-isolation', { style, requests: p.stats.requests, rejected400: p.stats.rejected400 });
  });

  it('two invalid ids in one batch and one alone at the end; a rerun sends none of them again', async () => {
    const input = ids.slice(0, 101); // batches of 10: the last one holds one id
    const bad = new Set([input[3], input[7], input[100]]);
    const { out, file } = await freshDir('reject-many', input);
    const s = await api();
    const p = await proxy(s.url, { rejectIds: bad, rejectStyle: 'html' });
    const r = await reprocess(p.url, file, out);
    expect(r.failure).toBeUndefined();
    expect(await sortedIds(join(out, 'rejected.txt'))).toEqual(sorted(bad));
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(input.filter((id) => !bad.has(id))));
    const before = p.stats.requests;
    const again = await reprocess(p.url, file, out);
    expect(again.toSend).toBe(0);
    expect(again.alreadyRejected).toBe(3);
    expect(p.stats.requests).toBe(before);
    expect(duplicates(s.accepted).size).toBe(0);
  });

  it('with a ruleset: the 400 names the bare id and it is still isolated', async () => {
    const input = ids.slice(200, 260);
    const bad = input[30];
    const { out, file } = await freshDir('reject-ruleset', input);
    const s = await api();
    const p = await proxy(s.url, { rejectIds: new Set([bad]), rejectStyle: 'named' });
    const r = await reprocess(p.url, file, out, { ruleset: 'regenerate_signature' });
    expect(r.failure).toBeUndefined();
    expect(await sortedIds(join(out, 'rejected.txt'))).toEqual([bad]);
    expect(sorted(s.accepted.map(idOf))).toEqual(sorted(input.filter((id) => id !== bad)));
    expect(s.accepted.every((v) => v.endsWith(':regenerate_signature'))).toBe(true);
  });

  it('an API answering every request with a 400 that names no id: exit 1, nothing written off as rejected, nothing in the ledger', async () => {
    // A 400 for everything (a misconfigured proxy, a broken deploy) says nothing about the ids:
    // writing them all to rejected.txt (never retried) and exiting 0 would lose them silently.
    const input = ids.slice(400, 430);
    const { out, file } = await freshDir('blanket-400', input);
    const s = await api();
    const p = await proxy(s.url, { alwaysStatus: 400 });
    const r = await cli(['reprocess', file, '--api-url', p.url, '--batch-size', '10', '--sleep', '0', '--out', out, '-q']);
    const rejected = await sortedIds(join(out, 'rejected.txt'));
    metric('api-blanket-400', { exit: r.code, input: input.length, rejected: rejected.length, requests: p.stats.requests });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered 400 to every request, even to single ids/);
    expect(rejected).toEqual([]);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual([]);
    expect(s.accepted).toEqual([]);
  });

  it('the CLI: one invalid id → exit 0, rejected.txt holds it', async () => {
    const input = ids.slice(300, 340);
    const bad = input[0];
    const { out, file } = await freshDir('reject-cli', input);
    const s = await api();
    const p = await proxy(s.url, { rejectIds: new Set([bad]) });
    const r = await cli(['reprocess', file, '--api-url', p.url, '--batch-size', '10', '--sleep', '0', '--out', out, '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`rejected by the API (400): ${bad}`);
    expect(await sortedIds(join(out, 'rejected.txt'))).toEqual([bad]);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(input.slice(1)));
  });
});

describe('403: stop, send nothing more, exit 1 naming the permission', () => {
  it('token without the permission: one request, nothing in the ledger, exit 1 naming Reprocess Crashes', async () => {
    const { out, file } = await freshDir('403');
    const s = await api({ permission: false });
    const r = await cli(['reprocess', file, '--api-url', s.url, '--batch-size', '10', '--sleep', '0', '--out', out, '-q']);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .*'Reprocess Crashes' permission.*Nothing more was sent/);
    expect(s.batches).toHaveLength(1);
    expect(s.accepted).toEqual([]);
    // The ledger may exist (it is opened before sending) but holds nothing; nothing else is written.
    expect((await filesUnder(out)).filter((f) => f !== 'reprocessed.txt')).toEqual(['havenots.txt']);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual([]);
  });

  it('a wrong token (API Token not matched): same stop', async () => {
    const { out, file } = await freshDir('403-token');
    const s = await api();
    const r = await cli(['reprocess', file, '--api-url', s.url, '--sleep', '0', '--out', out, '-q'], { SOCORRO_API_TOKEN: 'not-the-token' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Reprocess Crashes/);
    expect(s.batches).toHaveLength(1);
    expect(s.accepted).toEqual([]);
  });

  it('403 after 7 accepted batches: the ledger holds exactly those 7 batches, no request after the 403', async () => {
    const { out, file } = await freshDir('403-mid');
    const s = await api();
    const p = await proxy(s.url, { forbidAfter: 7 });
    const r = await cli(['reprocess', file, '--api-url', p.url, '--batch-size', '10', '--sleep', '0', '--out', out, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Reprocess Crashes/);
    expect(p.stats.requests).toBe(8);
    expect(p.stats.forbidden).toBe(1);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(ids.slice(0, 70)));
    expect(sorted(s.accepted)).toEqual(sorted(ids.slice(0, 70)));
    // A rerun with the permission fixed sends only the rest.
    const p2 = await proxy(s.url, {});
    const again = await cli(['reprocess', file, '--api-url', p2.url, '--batch-size', '50', '--sleep', '0', '--out', out, '-q']);
    expect(again.code).toBe(0);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(ids));
    expect(duplicates(s.accepted).size).toBe(0);
  });

  it('5xx until retries run out: exit 1, the ledger keeps what was accepted, a rerun finishes without resending', async () => {
    const { out, file } = await freshDir('500-out', ids.slice(0, 100));
    const s = await api();
    // Retry-After: 0 from the proxy keeps the CLI's own backoff out of the way.
    const p = await proxy(s.url, { alwaysStatus: 503 });
    const r = await cli(['reprocess', file, '--api-url', p.url, '--batch-size', '10', '--sleep', '0', '--out', out, '-q']);
    expect(r.code).toBe(1);
    const errLine = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errLine).toHaveLength(1);
    expect(errLine[0]).toMatch(/failed after retries: HTTP 503.*0 id\(s\) were accepted/);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual([]);
    expect(p.stats.requests).toBe(9); // 1 + 8 retries of the first batch, then a stop
    const again = await cli(['reprocess', file, '--api-url', s.url, '--batch-size', '10', '--sleep', '0', '--out', out, '-q']);
    expect(again.code).toBe(0);
    expect(await sortedIds(join(out, 'reprocessed.txt'))).toEqual(sorted(ids.slice(0, 100)));
    expect(duplicates(s.accepted).size).toBe(0);
  });
});
