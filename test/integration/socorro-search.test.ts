import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSocorroApi, type FaultPlan, type SocorroApi, type SocorroApiOptions } from '../../src/demo/socorro-api.ts';

// A fixed "now" (Tuesday 2026-12-15 12:00 UTC), so date windows are exact.
const NOW = Date.UTC(2026, 11, 15, 12);
const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** A valid crash id: n in the hex part, the YYMMDD date at the end. */
function crashId(n: number, yymmdd = '261215'): string {
  return `de1bb258-cbbf-4589-a673-${n.toString(16).padStart(6, '0')}${yymmdd}`;
}
const ID_A = crashId(0xa);
const ID_B = crashId(0xb);
const ID_C = crashId(0xc);
// Hex and dashes in place, but a letter where the date digits go.
const BAD_ID = 'de1bb258-cbbf-4589-a673-34f80016091x';

let api: SocorroApi | undefined;

async function start(opts?: SocorroApiOptions): Promise<SocorroApi> {
  api = await startSocorroApi({ now: () => NOW, ...opts });
  return api;
}

afterEach(async () => {
  await api?.close();
  api = undefined;
});

type Params = Array<[string, string]>;

async function search(url: string, params: Params, token: string | null = null, path = '/api/SuperSearch/') {
  const headers: Record<string, string> = {};
  if (token !== null) headers['auth-token'] = token;
  const res = await request(`${url}${path}?${new URLSearchParams(params).toString()}`, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** verifyprocessed's query: the ids, their date ± 5 days, uuid only, no facets. */
function verifyParams(ids: string[], from: string, to: string): Params {
  return [...ids.map((id): [string, string] => ['uuid', id]), ['date', `>=${from}`], ['date', `<=${to}`], ['_columns', 'uuid'], ['_facets_size', '0']];
}

async function uuidsFound(url: string, params: Params): Promise<string[]> {
  const r = await search(url, params);
  expect(r.status).toBe(200);
  return r.json().hits.map((h: { uuid: string }) => h.uuid);
}

async function post(url: string, ids: string[], token: string | null = 'demo-token') {
  const body = new URLSearchParams(ids.map((id): [string, string] => ['crash_ids', id])).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (token !== null) headers['auth-token'] = token;
  const res = await request(`${url}/api/Reprocessing/`, { method: 'POST', headers, body });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('SuperSearch stand-in', () => {
  describe('answers', () => {
    it('in the real shape: default columns, the signature facet, an errors list', async () => {
      const s = await start();
      s.index.add(ID_A, '2026-12-14T08:30:00.123Z');
      const r = await search(s.url, [['uuid', ID_A]]);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
      // SuperSearch inherits cache_seconds = 300.
      expect(r.headers['cache-control']).toBe('private, max-age=300');
      expect(r.json()).toEqual({
        hits: [{ uuid: ID_A, date: '2026-12-14T08:30:00.123000+00:00', signature: null, product: null, version: null }],
        total: 1,
        facets: { signature: [] },
        errors: [],
      });
      // Python's json.dumps separators, key order as Socorro builds the dict.
      expect(r.text.startsWith(`{"hits": [{"uuid": "${ID_A}", "date": `)).toBe(true);
    });

    it('with only the uuid for _columns=uuid, and no facets for _facets_size=0', async () => {
      const s = await start();
      s.index.add(ID_A, new Date(NOW - DAY));
      const r = await search(s.url, verifyParams([ID_A], '2026-12-10', '2026-12-20'));
      expect(r.json()).toEqual({ hits: [{ uuid: ID_A }], total: 1, facets: {}, errors: [] });
    });

    it('matches uuids exactly, each once, in the order asked', async () => {
      const s = await start();
      for (const id of [ID_A, ID_B, ID_C]) s.index.add(id, new Date(NOW - DAY));
      const asked: Params = [
        ['uuid', ID_C],
        ['uuid', crashId(0xd)], // not indexed
        ['uuid', ID_A.toUpperCase()], // keyword fields are case-sensitive
        ['uuid', ID_B.slice(0, 30)], // no prefix matching
        ['uuid', ID_A],
        ['uuid', ID_C],
        ['_columns', 'uuid'],
      ];
      const r = await search(s.url, asked);
      expect(r.json()).toMatchObject({ hits: [{ uuid: ID_C }, { uuid: ID_A }], total: 2 });
      // Without uuid, every document in the window.
      expect(await uuidsFound(s.url, [['_columns', 'uuid']])).toEqual([ID_A, ID_B, ID_C]);
    });

    it('refuses an unknown column with the BadArgumentError text', async () => {
      const s = await start();
      const r = await search(s.url, [['_columns', 'uuid'], ['_columns', 'nope']]);
      expect(r.status).toBe(400);
      expect(r.json()).toEqual({ error: "Bad request: BadArgumentError: Unknown field 'nope'" });
    });
  });

  describe('date window', () => {
    it('without a date searches only the last 7 days, which misses an older healthy crash', async () => {
      const s = await start();
      const old = crashId(1, '261205');
      const recent = crashId(2, '261209');
      s.index.add(old, new Date(NOW - 10 * DAY));
      s.index.add(recent, new Date(NOW - 6 * DAY));
      expect(await uuidsFound(s.url, [['uuid', old], ['uuid', recent]])).toEqual([recent]);
      // The id's date ± 5 days finds it.
      expect(await uuidsFound(s.url, verifyParams([old], '2026-11-30', '2026-12-10'))).toEqual([old]);
    });

    it('puts a missing upper bound at now, and a missing lower bound 7 days under the upper one', async () => {
      const s = await start();
      const future = crashId(1);
      const eightBefore = crashId(2, '261202');
      const sixBefore = crashId(3, '261204');
      s.index.add(future, new Date(NOW + 3_600_000));
      s.index.add(eightBefore, '2026-12-02T00:00:00Z');
      s.index.add(sixBefore, '2026-12-04T00:00:00Z');
      expect(await uuidsFound(s.url, [['uuid', future], ['date', '>=2026-12-14']])).toEqual([]);
      const onlyUpper: Params = [['uuid', eightBefore], ['uuid', sixBefore], ['date', '<=2026-12-10']];
      expect(await uuidsFound(s.url, onlyUpper)).toEqual([sixBefore]);
    });

    it('reads <=YYYY-MM-DD as midnight at the start of that day', async () => {
      const s = await start();
      const id = crashId(1, '261210');
      s.index.add(id, '2026-12-10T10:00:00Z');
      expect(await uuidsFound(s.url, [['uuid', id], ['date', '>=2026-12-05'], ['date', '<=2026-12-10']])).toEqual([]);
      expect(await uuidsFound(s.url, [['uuid', id], ['date', '>=2026-12-05'], ['date', '<2026-12-11']])).toEqual([id]);
      expect(await uuidsFound(s.url, [['uuid', id], ['date', '>=2026-12-05'], ['date', '<=2026-12-10T23:59:59']])).toEqual([id]);
    });

    it('ANDs repeated date params (the tightest bound of each side wins) and tells > from >=', async () => {
      const s = await start();
      const early = crashId(1, '261205');
      const edge = crashId(2, '261208');
      s.index.add(early, '2026-12-05T12:00:00Z');
      s.index.add(edge, '2026-12-08T00:00:00Z');
      const both: Params = [['uuid', early], ['uuid', edge]];
      const tight: Params = [...both, ['date', '>=2026-12-01'], ['date', '>=2026-12-08'], ['date', '<=2026-12-14'], ['date', '<=2026-12-20']];
      expect(await uuidsFound(s.url, tight)).toEqual([edge]);
      expect(await uuidsFound(s.url, [...both, ['date', '>2026-12-08'], ['date', '<2026-12-14']])).toEqual([]);
      expect(await uuidsFound(s.url, [...both, ['date', '>2026-12-01'], ['date', '<2026-12-08']])).toEqual([early]);
    });

    it('refuses a bare date and an unparsable one', async () => {
      const s = await start();
      const bare = await search(s.url, [['date', '2026-12-10']]);
      expect(bare.status).toBe(400);
      expect(bare.json()).toEqual({ error: 'Bad request: BadArgumentError: date must have a prefix operator' });
      for (const value of ['>=yesterday', '>=2026-02-30', '>=']) {
        const r = await search(s.url, [['date', value]]);
        expect(r.status).toBe(400);
        expect(r.json()).toEqual({ error: 'Bad request: BadArgumentError: Bad value for parameter date: not a valid datetime' });
      }
    });

    it('takes a 365-day range and refuses 366 days', async () => {
      const s = await start();
      expect((await search(s.url, [['date', '>=2025-12-15'], ['date', '<=2026-12-15']])).status).toBe(200);
      const r = await search(s.url, [['date', '>=2025-12-14'], ['date', '<=2026-12-15']]);
      expect(r.status).toBe(400);
      expect(r.json()).toEqual({ error: 'Bad request: BadArgumentError: Date range is bigger than 365 days' });
      // A lone lower bound a year back is also too wide, as the upper one is now.
      expect((await search(s.url, [['date', '>=2025-12-01']])).status).toBe(400);
    });

    it('keeps 26 weeks of weekly indices: older crashes are gone even inside the window', async () => {
      const s = await start();
      const gone = crashId(1, '260609');
      const sameWeekAsCutoff = crashId(2, '260615');
      const kept = crashId(3, '260623');
      s.index.add(gone, new Date(NOW - 27 * WEEK)); // 2026-06-09
      // Older than now - 26 weeks (06-16 12:00), but its week's index (Mon 06-15 on) is still kept.
      s.index.add(sameWeekAsCutoff, '2026-06-15T01:00:00Z');
      s.index.add(kept, new Date(NOW - 25 * WEEK)); // 2026-06-23
      expect(await uuidsFound(s.url, verifyParams([gone], '2026-06-04', '2026-06-14'))).toEqual([]);
      expect(await uuidsFound(s.url, verifyParams([sameWeekAsCutoff], '2026-06-10', '2026-06-20'))).toEqual([sameWeekAsCutoff]);
      expect(await uuidsFound(s.url, verifyParams([kept], '2026-06-18', '2026-06-28'))).toEqual([kept]);
    });
  });

  describe('paging', () => {
    const ids = Array.from({ length: 150 }, (_, i) => crashId(i));
    const asked: Params = ids.map((id) => ['uuid', id]);

    async function withDocs(): Promise<SocorroApi> {
      // 150 uuids make a 6.4 KB request line, which gunicorn would refuse (see 'request line').
      const s = await start({ requestLineLimit: 0 });
      for (const id of ids) s.index.add(id, new Date(NOW - DAY));
      return s;
    }

    it('returns 100 hits by default, however many uuids were asked', async () => {
      const s = await withDocs();
      const r = (await search(s.url, [...asked, ['_columns', 'uuid']])).json();
      expect(r.total).toBe(150);
      expect(r.hits.map((h: { uuid: string }) => h.uuid)).toEqual(ids.slice(0, 100));
      expect(await uuidsFound(s.url, [...asked, ['_columns', 'uuid'], ['_results_number', '150']])).toEqual(ids);
      // The same without uuids: every document in the default window, 100 of them shown.
      const all = (await search(s.url, [['_columns', 'uuid']])).json();
      expect(all.total).toBe(150);
      expect(all.hits).toHaveLength(100);
    });

    it('takes up to 1000 results and refuses more, or fewer than 0, or a non-number', async () => {
      const s = await withDocs();
      expect((await search(s.url, [...asked, ['_results_number', '1000']])).json().hits).toHaveLength(150);
      const over = await search(s.url, [['_results_number', '1001']]);
      expect(over.status).toBe(400);
      expect(over.json()).toEqual({ error: 'Bad request: BadArgumentError: _results_number cannot be greater than 1,000' });
      const negative = await search(s.url, [['_results_number', '-1']]);
      expect(negative.json()).toEqual({ error: 'Bad request: BadArgumentError: _results_number cannot be negative' });
      // The form field comes first: Django's IntegerField message.
      const text = await search(s.url, [['_results_number', 'ten']]);
      expect(text.status).toBe(400);
      expect(text.json()).toEqual({ errors: { _results_number: ['Enter a whole number.'] } });
      // Django reads the last of repeated values; "20.0" is a whole number to IntegerField.
      expect((await search(s.url, [...asked, ['_results_number', '5000'], ['_results_number', '20.0']])).json().hits).toHaveLength(20);
    });

    it('pages with _results_offset, up to offset + number = 10,000', async () => {
      const s = await withDocs();
      expect(await uuidsFound(s.url, [...asked, ['_columns', 'uuid'], ['_results_offset', '100']])).toEqual(ids.slice(100));
      const last = await search(s.url, [...asked, ['_results_offset', '9000'], ['_results_number', '1000']]);
      expect(last.json()).toMatchObject({ hits: [], total: 150 });
      for (const params of [
        [['_results_offset', '9001'], ['_results_number', '1000']],
        [['_results_offset', '9901']], // with the default 100
      ] as Params[]) {
        const r = await search(s.url, params);
        expect(r.status).toBe(400);
        expect(r.json()).toEqual({ error: 'Bad request: BadArgumentError: _results_offset + _results_number cannot be greater than 10,000' });
      }
    });

    it('refuses more than 1000 query fields, like Django (DATA_UPLOAD_MAX_NUMBER_FIELDS)', async () => {
      // Without gunicorn's request-line limit, which would refuse this long before Django.
      const s = await start({ requestLineLimit: 0 });
      const many: Params = Array.from({ length: 1000 }, (_, i) => ['uuid', crashId(i)]);
      expect((await search(s.url, many)).status).toBe(200);
      const tooMany = await search(s.url, [...many, ['_columns', 'uuid']]);
      expect(tooMany.status).toBe(400);
      expect(tooMany.headers['content-type']).toBe('text/html');
    });
  });

  describe('request line', () => {
    /** The contract's query for these ids: uuid each, the date ± 5 days, uuid only, N = the count. */
    const contractQuery = (ids: string[]) =>
      new URLSearchParams([
        ...ids.map((id): [string, string] => ['uuid', id]),
        ['date', '>=2026-12-10'],
        ['date', '<=2026-12-20'],
        ['_columns', 'uuid'],
        ['_results_number', String(ids.length)],
      ]).toString();
    const lineOf = (qs: string) => Buffer.byteLength(`GET /api/SuperSearch/?${qs} HTTP/1.1`);

    it("refuses a line over 4094 bytes with gunicorn's page: 94 ids fit, 95 do not", async () => {
      const s = await start();
      const ids = Array.from({ length: 95 }, (_, i) => crashId(i));
      for (const id of ids) s.index.add(id, new Date(NOW - DAY));
      const fits = contractQuery(ids.slice(0, 94));
      expect(lineOf(fits)).toBeLessThanOrEqual(4094);
      expect((await search(s.url, [...new URLSearchParams(fits)])).json().total).toBe(94);
      const over = contractQuery(ids);
      const size = lineOf(over);
      expect(size).toBeGreaterThan(4094);
      const r = await search(s.url, [...new URLSearchParams(over)]);
      expect(r.status).toBe(400);
      expect(r.headers['content-type']).toBe('text/html');
      expect(r.headers.connection).toBe('close');
      expect(r.text).toBe(
        '<html>\n  <head>\n    <title>Bad Request</title>\n  </head>\n  <body>\n    <h1><p>Bad Request</p></h1>\n' +
          `    Request Line is too large (${size} &gt; 4094)\n  </body>\n</html>\n`,
      );
      expect(s.searches.map((x) => x.status)).toEqual([200, 400]);
    });

    it('takes exactly 4094 bytes, and any length with requestLineLimit: 0', async () => {
      const s = await start();
      const base = lineOf('uuid=' + ID_A + '&x=');
      const exact: Params = [['uuid', ID_A], ['x', 'a'.repeat(4094 - base)]];
      expect(lineOf(new URLSearchParams(exact).toString())).toBe(4094);
      expect((await search(s.url, exact)).status).toBe(200);
      const oneMore: Params = [['uuid', ID_A], ['x', 'a'.repeat(4095 - base)]];
      expect((await search(s.url, oneMore)).status).toBe(400);
      // Reprocessing sits behind the same gunicorn.
      const res = await request(`${s.url}/api/Reprocessing/?${'x'.repeat(4100)}`, { method: 'POST', body: '' });
      expect(res.statusCode).toBe(400);
      expect(await res.body.text()).toContain('Request Line is too large');
      await s.close();
      const unlimited = await start({ requestLineLimit: 0 });
      expect((await search(unlimited.url, [['uuid', ID_A], ['x', 'a'.repeat(20_000)]])).status).toBe(200);
    });
  });

  describe('requests', () => {
    it('takes no token or the right one, refuses a wrong one, and records each', async () => {
      const s = await start();
      s.index.add(ID_A, new Date(NOW - DAY));
      expect((await search(s.url, [['uuid', ID_A]])).status).toBe(200);
      expect((await search(s.url, [['uuid', ID_A], ['_columns', 'uuid']], 'demo-token')).status).toBe(200);
      const wrong = await search(s.url, [['uuid', ID_A]], 'wrong');
      expect(wrong.status).toBe(403);
      expect(wrong.text).toBe('{"error": "API Token not matched"}\n');
      expect(s.searches.map(({ uuids, params, status, token }) => ({ uuids, params, status, token }))).toEqual([
        { uuids: [ID_A], params: { uuid: [ID_A] }, status: 200, token: false },
        { uuids: [ID_A], params: { uuid: [ID_A], _columns: ['uuid'] }, status: 200, token: true },
        { uuids: [ID_A], params: { uuid: [ID_A] }, status: 403, token: true },
      ]);
      expect(s.searches[2].at).toBeGreaterThanOrEqual(s.searches[0].at);
      // Searches are not Reprocessing batches.
      expect(s.batches).toEqual([]);
    });

    it('answers POST with 405 and the path without a slash with a redirect that keeps the query', async () => {
      const s = await start();
      const res = await request(`${s.url}/api/SuperSearch/`, { method: 'POST', body: '' });
      expect(res.statusCode).toBe(405);
      expect(await res.body.json()).toEqual({ error: 'Method not allowed' });
      const moved = await search(s.url, [['uuid', ID_A]], null, '/api/SuperSearch');
      expect(moved.status).toBe(301);
      expect(moved.headers.location).toBe(`/api/SuperSearch/?uuid=${ID_A}`);
    });

    it('caches an answer per parameter set for searchCacheSeconds (300 by default)', async () => {
      const s = await start({ searchCacheSeconds: 0.3 });
      const asked: Params = [['uuid', ID_A], ['uuid', ID_B], ['_columns', 'uuid']];
      expect(await uuidsFound(s.url, asked)).toEqual([]);
      s.index.add(ID_A, new Date(NOW - DAY));
      // Same parameters: the stale answer. Another uuid order is another cache key.
      expect(await uuidsFound(s.url, asked)).toEqual([]);
      expect(await uuidsFound(s.url, [['uuid', ID_B], ['uuid', ID_A], ['_columns', 'uuid']])).toEqual([ID_A]);
      await sleep(350);
      expect(await uuidsFound(s.url, asked)).toEqual([ID_A]);
    });

    it('does not cache with searchCacheSeconds: 0', async () => {
      const s = await start({ searchCacheSeconds: 0 });
      expect(await uuidsFound(s.url, [['uuid', ID_A]])).toEqual([]);
      s.index.add(ID_A, new Date(NOW - DAY));
      const r = await search(s.url, [['uuid', ID_A]]);
      expect(r.json().total).toBe(1);
      expect(r.headers['cache-control']).toBeUndefined();
    });
  });

  describe('rate limit', () => {
    async function statuses(s: SocorroApi, n: number, token: string | null) {
      const out: number[] = [];
      let last: Awaited<ReturnType<typeof search>> | undefined;
      for (let i = 0; i < n; i++) {
        last = await search(s.url, [['uuid', ID_A]], token);
        out.push(last.status);
      }
      return { out, last: last! };
    }

    it("defaults to Socorro's: 100 a minute anonymous, 1000 with a token, counted apart", async () => {
      const s = await start();
      const anonymous = await statuses(s, 101, null);
      expect(anonymous.out.filter((st) => st === 200)).toHaveLength(100);
      expect(anonymous.out[100]).toBe(429);
      expect(anonymous.last.text).toBe('Too Many Requests');
      expect(anonymous.last.headers['content-type']).toBe('text/plain');
      const retryAfter = Number(anonymous.last.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const withToken = await statuses(s, 1001, 'demo-token');
      expect(withToken.out.filter((st) => st === 200)).toHaveLength(1000);
      expect(withToken.out[1000]).toBe(429);
    }, 30_000);

    it('takes other limits and windows, and lets requests through again when the window ends', async () => {
      const s = await start({ searchRateLimit: { withToken: 3, anonymous: 2, windowMs: 1500 } });
      const anonymous = await statuses(s, 3, null);
      expect(anonymous.out).toEqual([200, 200, 429]);
      expect(['1', '2']).toContain(anonymous.last.headers['retry-after']);
      expect((await statuses(s, 4, 'demo-token')).out).toEqual([200, 200, 200, 429]);
      // A wrong token is refused by the middleware before the limit counts it.
      expect((await search(s.url, [], 'wrong')).status).toBe(403);
      await sleep(1600);
      expect((await statuses(s, 1, null)).out).toEqual([200]);
    });

    it('can leave out Retry-After, as Socorro itself does, or turn the limit off', async () => {
      const bare = await start({ searchRateLimit: { anonymous: 1, retryAfter: false } });
      const r = await statuses(bare, 2, null);
      expect(r.out).toEqual([200, 429]);
      expect(r.last.headers['retry-after']).toBeUndefined();
      await bare.close();
      const off = await start({ searchRateLimit: false });
      expect((await statuses(off, 150, null)).out.every((st) => st === 200)).toBe(true);
    });
  });

  describe('faults', () => {
    async function searchStatus(s: SocorroApi): Promise<number> {
      try {
        return (await search(s.url, [['uuid', ID_A]])).status;
      } catch {
        return 0;
      }
    }
    async function postStatus(s: SocorroApi, i: number): Promise<number> {
      try {
        return (await post(s.url, [crashId(i)])).status;
      } catch {
        return 0;
      }
    }

    it('can fail search while Reprocessing works, and the other way round', async () => {
      const s = await start();
      s.setSearchFaults({ rate: 1, seed: 1, kinds: ['500'] });
      expect(await searchStatus(s)).toBe(500);
      expect((await post(s.url, [ID_A])).status).toBe(200);
      s.setSearchFaults({ rate: 1, seed: 1, kinds: ['reset'] });
      expect(await searchStatus(s)).toBe(0);
      s.setSearchFaults(undefined);
      s.setFaults({ rate: 1, seed: 1, kinds: ['502'] });
      expect(await searchStatus(s)).toBe(200);
      expect((await post(s.url, [ID_B])).status).toBe(502);
      expect(s.searches.map((x) => x.status)).toEqual([500, 0, 200]);
      expect(s.batches.map((b) => b.status)).toEqual([200, 502]);
    });

    it('are seeded apart: searches never shift the Reprocessing sequence', async () => {
      const plan: FaultPlan = { rate: 0.3, seed: 42, kinds: ['429', '500', '502', 'reset'] };
      const searchPlan: FaultPlan = { rate: 0.4, seed: 7, kinds: ['500', '502', 'reset'] };
      const opts: SocorroApiOptions = { faults: plan, searchFaults: searchPlan, searchRateLimit: false };

      const mixed = await start(opts);
      const posts: number[] = [];
      const searches: number[] = [];
      for (let i = 0; i < 40; i++) {
        posts.push(await postStatus(mixed, i));
        searches.push(await searchStatus(mixed));
      }
      await mixed.close();

      const postsOnly = await start(opts);
      const alone: number[] = [];
      for (let i = 0; i < 40; i++) alone.push(await postStatus(postsOnly, i));
      await postsOnly.close();
      expect(alone).toEqual(posts);

      const searchesOnly = await start(opts);
      const searchesAlone: number[] = [];
      for (let i = 0; i < 40; i++) searchesAlone.push(await searchStatus(searchesOnly));
      expect(searchesAlone).toEqual(searches);

      // Both sequences really have faults and successes in them.
      for (const seq of [posts, searches]) {
        expect(seq).toContain(200);
        expect(seq.some((st) => st !== 200)).toBe(true);
      }
    }, 30_000);
  });
});

describe('processor stand-in', () => {
  // The ids are dated 261215 (today): their ± 5 days.
  const found = (s: SocorroApi, ids: string[]) => uuidsFound(s.url, verifyParams(ids, '2026-12-10', '2026-12-20'));

  it('processes accepted ids after delayMs: the hook first, then the index, dated by the crash id (noon of its date)', async () => {
    const calls: string[][] = [];
    let indexedDuringHook: boolean | undefined;
    const s = await start({
      searchCacheSeconds: 0,
      processor: {
        delayMs: 150,
        onProcessed: async (ids) => {
          indexedDuringHook = s.index.has(ids[0]);
          calls.push(ids);
        },
      },
    });
    const t = performance.now();
    expect((await post(s.url, [ID_A, `${ID_B}:regenerate_signature`])).status).toBe(200);
    expect(s.processed).toEqual([]);
    expect(s.index.has(ID_A)).toBe(false);
    await s.settled();
    expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    // The ruleset suffix is not part of the crash id.
    expect(calls).toEqual([[ID_A, ID_B]]);
    expect(indexedDuringHook).toBe(false);
    expect(s.processed).toEqual([ID_A, ID_B]);
    const r = await search(s.url, [['uuid', ID_A], ['uuid', ID_B], ['_columns', 'uuid'], ['_columns', 'date']]);
    expect(r.json().hits).toEqual([
      { uuid: ID_A, date: '2026-12-15T12:00:00.000000+00:00' },
      { uuid: ID_B, date: '2026-12-15T12:00:00.000000+00:00' },
    ]);
  });

  it('waits 1000 ms by default', async () => {
    const s = await start();
    expect(s.processor.delayMs).toBe(1000);
    await post(s.url, [ID_A]);
    await sleep(300);
    expect(s.processed).toEqual([]);
    await s.settled();
    expect(s.processed).toEqual([ID_A]);
  });

  it('never processes neverProcess ids, read when the delay ends', async () => {
    const calls: string[][] = [];
    const neverProcess = new Set([ID_C]);
    const s = await start({ processor: { delayMs: 50, neverProcess, onProcessed: (ids) => void calls.push(ids) } });
    await post(s.url, [ID_A, ID_B]);
    // Changed after acceptance, before processing: still honoured.
    s.processor.neverProcess.add(ID_B);
    await post(s.url, [ID_C]);
    await s.settled();
    // No hook call at all for a batch with nothing to process.
    expect(calls).toEqual([[ID_A]]);
    expect(s.processed).toEqual([ID_A]);
    expect(await found(s, [ID_A, ID_B, ID_C])).toEqual([ID_A]);
    expect(neverProcess).toBe(s.processor.neverProcess);
  });

  it('stores but never indexes neverIndex ids', async () => {
    const calls: string[][] = [];
    const s = await start({ processor: { delayMs: 20, neverIndex: new Set([ID_B]), onProcessed: (ids) => void calls.push(ids) } });
    await post(s.url, [ID_A, ID_B]);
    await s.settled();
    expect(calls).toEqual([[ID_A, ID_B]]);
    expect(s.processed).toEqual([ID_A, ID_B]);
    expect(s.index.has(ID_B)).toBe(false);
    expect(s.index.size).toBe(1);
    expect(await found(s, [ID_A, ID_B])).toEqual([ID_A]);
  });

  it('processes nothing from a refused or faulted batch', async () => {
    const s = await start({ processor: { delayMs: 10 } });
    expect((await post(s.url, [ID_A, BAD_ID])).status).toBe(400);
    expect((await post(s.url, [ID_A], null)).status).toBe(403);
    s.setFaults({ rate: 1, seed: 1, kinds: ['500'] });
    expect((await post(s.url, [ID_A])).status).toBe(500);
    await s.settled();
    await sleep(30);
    expect(s.processed).toEqual([]);
    expect(s.index.size).toBe(0);
  });

  it('settled() waits for every batch, and rejects once when the hook throws', async () => {
    const s = await start({
      processor: {
        delayMs: 60,
        onProcessed: async (ids) => {
          if (ids.includes(ID_C)) throw new Error('store down');
        },
      },
    });
    await post(s.url, [ID_A]);
    await sleep(30);
    await post(s.url, [ID_B]);
    await s.settled();
    expect(s.processed).toEqual([ID_A, ID_B]);
    await post(s.url, [ID_C]);
    await expect(s.settled()).rejects.toThrow('store down');
    // A failed hook leaves the ids unprocessed and unindexed; the failure is reported once.
    expect(s.processed).toEqual([ID_A, ID_B]);
    expect(s.index.has(ID_C)).toBe(false);
    await s.settled();
  });

  it('drops pending processing on close(), promptly and for good', async () => {
    const calls: string[][] = [];
    const s = await start({ processor: { delayMs: 200, onProcessed: (ids) => void calls.push(ids) } });
    await post(s.url, [ID_A]);
    const t = performance.now();
    await s.close();
    api = undefined;
    expect(performance.now() - t).toBeLessThan(150);
    await s.settled();
    await sleep(250);
    expect(calls).toEqual([]);
    expect(s.processed).toEqual([]);
  });

  it('lets tests fill and empty the index directly', async () => {
    const s = await start({ searchCacheSeconds: 0 });
    s.index.add(ID_A, '2026-12-14');
    s.index.add(ID_B, new Date(NOW));
    expect(s.index.size).toBe(2);
    expect(s.index.has(ID_A)).toBe(true);
    expect(() => s.index.add(ID_C, 'not a date')).toThrow(TypeError);
    expect(await found(s, [ID_A, ID_B])).toEqual([ID_A, ID_B]);
    expect(s.index.remove(ID_A)).toBe(true);
    expect(s.index.remove(ID_A)).toBe(false);
    expect(await found(s, [ID_A, ID_B])).toEqual([ID_B]);
  });
});
