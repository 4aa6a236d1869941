/**
 * Processed means what Socorro means, through the real CLI on both stores: check --search against
 * the Socorro stand-in's SuperSearch (7-day default window, result caps, request-line limit,
 * rate limits, 5-minute cache), the hours of the havenots, and verify polling after a submission
 * while the stand-in's processor makes accepted crashes appear in the store and the index.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHours, totalOf } from '../../src/core/hours.ts';
import { processedCrashKey, rawCrashKey } from '../../src/core/layouts.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { startApiProxy } from '../support/reliability.ts';
import { STORE_KINDS, startTestStore, type TestStore } from '../support/stores.ts';
import { exists, readIds, runCli } from './cli-harness.ts';

const DAY_MS = 86_400_000;
const TOKEN = 'search-verify-token';
const yyyymmdd = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
// Two recent days (search keeps 26 weeks), one old day (past retention).
const RECENT = [yyyymmdd(Date.now() - 2 * DAY_MS), yyyymmdd(Date.now() - 9 * DAY_MS)];
const OLD = yyyymmdd(Date.now() - 300 * DAY_MS);

interface Fixture {
  healthy: string[];
  /** Raw crash saved, never processed. */
  unprocessed: string[];
  /** Processed crash stored, but search lacks it. */
  unindexed: string[];
  /** Of an old date: stored and processed, not in search (which no longer has that date). */
  old: string[];
  savedAt: Map<string, number>;
}

function fixture(seed: number): Fixture {
  const rand = seededBytes(seed);
  const f: Fixture = { healthy: [], unprocessed: [], unindexed: [], old: [], savedAt: new Map() };
  for (const [i, day] of RECENT.entries()) {
    for (let n = 0; n < 400; n++) {
      const id = makeCrashId(day, rand);
      (n % 4 === 0 ? f.unprocessed : n % 4 === 1 ? f.unindexed : f.healthy).push(id);
      // Saved at hour 3 + n % 5 of the id's date (GCS can set it; S3 takes the PUT time).
      f.savedAt.set(id, Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)), 3 + (n % 5) + i, 10));
    }
  }
  for (let n = 0; n < 20; n++) f.old.push(makeCrashId(OLD, rand));
  return f;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

for (const kind of STORE_KINDS) {
  describe(`check --search and verify (${kind})`, () => {
    const BUCKET = `search-${kind}`;
    const f = fixture(kind === 's3' ? 7 : 8);
    let store: TestStore;
    let api: SocorroApi;
    let work: string;
    let ids: string;
    let n = 0;
    const out = () => join(work, `out-${n++}`);
    const saved: Record<string, string | undefined> = {};
    let seededFrom = 0;
    let seededTo = 0;

    beforeAll(async () => {
      store = await startTestStore(kind);
      // google-auth-library reads ADC from the process environment (in-process CLI runs).
      for (const [k, v] of Object.entries(store.env)) {
        saved[k] = process.env[k];
        if (kind === 'gcs') process.env[k] = v;
      }
      await store.createBucket(BUCKET);
      seededFrom = Date.now();
      const all = [...f.healthy, ...f.unprocessed, ...f.unindexed, ...f.old];
      for (const id of all) await store.put(BUCKET, [rawCrashKey('v1', id)], { savedAt: new Date(f.savedAt.get(id) ?? Date.now()) });
      await store.put(BUCKET, [...f.healthy, ...f.unindexed, ...f.old].map(processedCrashKey));
      seededTo = Date.now();
      api = await startSocorroApi({
        token: TOKEN,
        processor: {
          delayMs: 300,
          onProcessed: (done) => store.put(BUCKET, done.map(processedCrashKey)),
          neverProcess: new Set(f.unprocessed.slice(0, 3)),
        },
      });
      for (const id of f.healthy) api.index.add(id, new Date(f.savedAt.get(id)!));
      work = await mkdtemp(join(tmpdir(), `search-verify-${kind}-`));
      // The ids as the pipeline has them: from list, with their saved times (the havenots' hours).
      const listed = join(work, 'listed');
      const l = await runCli(['list', '--dates', [...RECENT, OLD].join(','), ...store.args(BUCKET), '--out', listed, '-q'], { ...store.env });
      if (l.code !== 0) throw new Error(`list failed: ${l.stderr}`);
      ids = join(listed, 'uuids.txt');
      expect(sorted(await readIds(ids))).toEqual(sorted(all));
    });

    afterAll(async () => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await Promise.allSettled([store?.close(), api?.close()]);
      if (work) await rm(work, { recursive: true, force: true });
    });

    const cli = (argv: string[], env: Record<string, string> = { SOCORRO_API_TOKEN: TOKEN }) => runCli(argv, { ...store.env, ...env });

    it('sorts stored-but-unsearchable crashes into havenots (counted apart), decides old dates by storage alone, and charts the hours', async () => {
      const o = out();
      const before = api.searches.length;
      const r = await cli(['check', ids, ...store.args(BUCKET), '--search', '--api-url', api.url, '--out', o]);
      expect(r.code, r.stderr).toBe(0);
      expect(sorted(await readIds(join(o, 'haves.txt')))).toEqual(sorted([...f.healthy, ...f.old]));
      expect(sorted(await readIds(join(o, 'havenots.txt')))).toEqual(sorted([...f.unprocessed, ...f.unindexed]));
      const tsv = (await readFile(join(o, 'havenots.tsv'), 'utf8')).trim().split('\n').map((l) => l.split('\t'));
      expect(new Map(tsv.map(([id, , reason]) => [id, reason]))).toEqual(
        new Map([...f.unprocessed.map((id) => [id, 'not-in-storage'] as const), ...f.unindexed.map((id) => [id, 'not-searchable'] as const)]),
      );
      // One warning for the old date; no search request names it.
      expect(r.stderr).toContain(`warning: ${OLD}: older than Socorro's 26 weeks of search data`);
      const searches = api.searches.slice(before);
      expect(searches.flatMap((s) => s.uuids).filter((u) => f.old.includes(u))).toEqual([]);
      // Every stored recent crash was asked about once, a request for one date, with its window.
      expect(sorted(searches.flatMap((s) => s.uuids))).toEqual(sorted([...f.healthy, ...f.unindexed]));
      for (const s of searches) {
        const day = '20' + s.uuids[0].slice(-6);
        expect(s.uuids.every((u) => u.endsWith(s.uuids[0].slice(-6)))).toBe(true);
        expect(s.params.date).toHaveLength(2);
        expect(s.params._results_number).toEqual([String(s.uuids.length)]);
        expect(s.status).toBe(200);
        expect(s.token).toBe(true);
        const [from, to] = s.params.date;
        const d = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
        expect(from).toBe(`>=${new Date(d - 5 * DAY_MS).toISOString().slice(0, 10)}`);
        expect(to).toBe(`<=${new Date(d + 5 * DAY_MS).toISOString().slice(0, 10)}`);
      }
      expect(r.stdout).toMatch(new RegExp(`search: ${f.healthy.length + f.unindexed.length} stored crash\\(es\\) looked up in ${searches.length} request\\(s\\)`));
      expect(r.stdout).toContain(`${f.unindexed.length} in storage but not searchable (havenots)`);
      // havenots-hours.json: every havenot, by the hour its raw crash was saved.
      const hours = parseHours(await readFile(join(o, 'havenots-hours.json'), 'utf8'));
      expect(totalOf(hours)).toBe(f.unprocessed.length + f.unindexed.length);
      if (store.canSetSavedAt) {
        const want: Record<string, Record<string, number>> = {};
        for (const id of [...f.unprocessed, ...f.unindexed]) {
          const iso = new Date(f.savedAt.get(id)!).toISOString();
          const date = iso.slice(0, 10).replaceAll('-', '');
          (want[date] ??= {})[iso.slice(11, 13)] = (want[date]?.[iso.slice(11, 13)] ?? 0) + 1;
        }
        expect(hours).toEqual(want);
      } else {
        // S3 servers keep the PUT time: every havenot's hour is within the seeding.
        for (const [date, byHour] of Object.entries(hours)) {
          for (const hour of Object.keys(byHour)) {
            const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)), Number(hour));
            expect(t).toBeGreaterThan(seededFrom - 3600_000);
            expect(t).toBeLessThanOrEqual(seededTo);
          }
        }
      }
      // The chart: a line of 24 hours a date, and the axis.
      expect(r.stdout).toMatch(/havenots by the hour their raw crash was saved \(UTC\)/);
      expect(r.stdout).toMatch(/^ {11}0 {5}6 {5}12 {4}18 {2}23$/m);
    });

    it('a rerun checks nothing again and writes the same files', async () => {
      const o = out();
      expect((await cli(['check', ids, ...store.args(BUCKET), '--search', '--api-url', api.url, '--out', o, '-q'])).code).toBe(0);
      const files = async () => Promise.all(['haves.txt', 'havenots.txt', 'havenots.tsv', 'havenots-hours.json'].map((x) => readFile(join(o, x), 'utf8')));
      const first = await files();
      const before = api.searches.length;
      const again = await cli(['check', ids, ...store.args(BUCKET), '--search', '--api-url', api.url, '--out', o, '-q']);
      expect(again.code, again.stderr).toBe(0);
      expect(api.searches.length).toBe(before);
      expect(await files()).toEqual(first);
    });

    it('without a token, searches are paced under the anonymous limit (100 a minute): no 429', async () => {
      const o = out();
      const before = api.searches.length;
      const r = await cli(['check', ids, ...store.args(BUCKET), '--search', '--api-url', api.url, '--out', o, '-q'], {});
      expect(r.code, r.stderr).toBe(0);
      const searches = api.searches.slice(before);
      expect(searches.every((s) => !s.token && s.status === 200)).toBe(true);
      expect(searches.length).toBeGreaterThan(2);
      // 90 a minute: slot k is 667 ms after slot k-1. A busy machine may send one late (its
      // neighbours' gap then shrinks), never early: from any search to any later one, j - i slots
      // take at least (j - i - 1) whole intervals (the earlier one at most one interval late).
      const interval = 60_000 / 90;
      for (let i = 0; i < searches.length; i++) {
        for (let j = i + 1; j < searches.length; j++) expect(searches[j].at - searches[i].at, `search ${i} → ${j}`).toBeGreaterThanOrEqual((j - i - 1) * interval - 5);
      }
      expect(sorted(await readIds(join(o, 'havenots.txt')))).toEqual(sorted([...f.unprocessed, ...f.unindexed]));
    }, 60_000);

    it('a search API that keeps failing: exit 1, no false havenot, the unanswered ids written nowhere', async () => {
      const o = out();
      const broken = await startApiProxy(api.url, { alwaysStatus: 500 });
      try {
        const r = await cli(['check', ids, ...store.args(BUCKET), '--search', '--api-url', broken.url, '--out', o, '-q']);
        expect(r.code).toBe(1);
        const lines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^error: the search API failed after retries: HTTP 500/);
        const havenots = await readIds(join(o, 'havenots.txt'));
        expect(havenots.every((id) => f.unprocessed.includes(id))).toBe(true);
        const haves = await readIds(join(o, 'haves.txt'));
        expect(haves.every((id) => f.old.includes(id))).toBe(true);
        // A rerun against the working API finishes the job exactly.
        const again = await cli(['check', ids, ...store.args(BUCKET), '--search', '--api-url', api.url, '--out', o, '-q']);
        expect(again.code, again.stderr).toBe(0);
        expect(sorted(await readIds(join(o, 'havenots.txt')))).toEqual(sorted([...f.unprocessed, ...f.unindexed]));
      } finally {
        await broken.close();
      }
    });

    it('verify: polls until the submitted crashes are processed; exit 1 with exactly those that never are', async () => {
      const o = out();
      const c = await cli(['check', ids, ...store.args(BUCKET), '--search', '--api-url', api.url, '--out', o, '-q']);
      expect(c.code, c.stderr).toBe(0);
      const s = await cli(['reprocess', '--api-url', api.url, '--sleep', '0', '--out', o, '-q']);
      expect(s.code, s.stderr).toBe(0);
      const submitted = await readIds(join(o, 'reprocessed.txt'));
      expect(sorted(submitted)).toEqual(sorted([...f.unprocessed, ...f.unindexed]));
      const v = await cli(['verify', ...store.args(BUCKET), '--search', '--api-url', api.url, '--wait', '0.2', '--every', '1', '--out', o]);
      expect(v.code).toBe(1);
      const never = f.unprocessed.slice(0, 3);
      expect(sorted(await readIds(join(o, 'unverified.txt')))).toEqual(sorted(never));
      expect(sorted(await readIds(join(o, 'verified.txt')))).toEqual(sorted(submitted.filter((id) => !never.includes(id))));
      expect(v.stdout).toMatch(new RegExp(`^verified ${submitted.length - 3} of ${submitted.length} in .*\\(\\d+ pass\\(es\\)\\)`, 'm'));
      expect(v.stdout).toContain('not processed yet: ');
      for (const id of never) expect(v.stdout).toContain(id);
      expect(v.stderr).toMatch(/^error: 3 of \d+ crash\(es\) not processed after 0\.2 minute\(s\); unverified\.txt lists them$/m);
      // Once they are processed after all, a later verify finishes: exit 0, every id verified.
      api.processor.neverProcess?.clear();
      const r = await cli(['reprocess', join(o, 'unverified.txt'), '--api-url', api.url, '--sleep', '0', '--out', join(o, 'again'), '-q']);
      expect(r.code, r.stderr).toBe(0);
      const v2 = await cli(['verify', ...store.args(BUCKET), '--search', '--api-url', api.url, '--wait', '0.5', '--every', '1', '--out', o]);
      expect(v2.code, v2.stderr).toBe(0);
      expect(await readIds(join(o, 'unverified.txt'))).toEqual([]);
      expect(sorted(await readIds(join(o, 'verified.txt')))).toEqual(sorted(submitted));
      expect(v2.stdout).toMatch(new RegExp(`^verified ${submitted.length} of ${submitted.length} .*3 verified|^verified ${submitted.length} of ${submitted.length}`, 'm'));
    }, 60_000);

    it('bad usage: exit 2, one line, nothing sent', async () => {
      const o = out();
      const before = api.searches.length;
      for (const [argv, says] of [
        [['verify', ...store.args(BUCKET), '--wait', '-1', '--out', o], /^error: --wait: -1 is not a number of minutes from 0 to 360$/],
        [['verify', ...store.args(BUCKET), '--every', '0', '--out', o], /^error: --every: 0 is not a whole number from 1 to 3600$/],
        [['check', ids, ...store.args(BUCKET), '--search', '--api-url', 'http://crash-stats.invalid', '--out', o], /is not https; the API token is only sent over https or to loopback/],
        [['verify', join(work, 'missing.txt'), ...store.args(BUCKET), '--out', o], /missing\.txt: no such file/],
      ] as const) {
        const r = await cli([...argv]);
        expect(r.code, r.stderr).toBe(2);
        const lines = r.stderr.split('\n').filter(Boolean);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(says);
      }
      expect(api.searches.length).toBe(before);
      expect(await exists(join(o, 'verified.txt'))).toBe(false);
    });
  });
}
