/**
 * The stand-in's SuperSearch date histogram, as socorro/external/es/supersearch.py builds it
 * (read at mozilla-services/socorro 7e28d72): `_histogram.date` names the fields faceted in each
 * bucket, `_histogram_interval.date` is a calendar interval (default a day), `min_doc_count: 1`
 * leaves empty buckets out, aggregations are built only when `_facets_size` > 0, and terms are
 * rendered as Socorro's own test_get_with_date_histogram expects (`2026-12-14T00:00:00Z`). And the
 * client's side: core/search.ts histogramQuery / histogramHours through the port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSocorroApi, type SocorroApi, type SocorroApiOptions } from '../../src/demo/socorro-api.ts';
import { histogramHours, histogramQuery } from '../../src/core/search.ts';
import { socorroApi } from '../../src/ports/socorro-api.ts';

// A fixed "now" (Tuesday 2026-12-15 12:00 UTC), so date windows are exact.
const NOW = Date.UTC(2026, 11, 15, 12);
const H = 3_600_000;
const DAY14 = Date.UTC(2026, 11, 14);

const crashId = (n: number, yymmdd = '261214') => `de1bb258-cbbf-4589-a673-${n.toString(16).padStart(6, '0')}${yymmdd}`;

let api: SocorroApi | undefined;
async function start(opts?: SocorroApiOptions): Promise<SocorroApi> {
  api = await startSocorroApi({ now: () => NOW, searchCacheSeconds: 0, ...opts });
  return api;
}
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function search(url: string, query: string | Array<[string, string]>) {
  const q = typeof query === 'string' ? query : new URLSearchParams(query).toString();
  const res = await request(`${url}/api/SuperSearch/?${q}`);
  const text = await res.body.text();
  return { status: res.statusCode, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

/** 3 crashes at 08:xx, 1 at 09:59:59, none at 10, 2 at 11:xx of 2026-12-14, 1 the next midnight. */
function seed(s: SocorroApi): void {
  let n = 0;
  for (const t of [8 * H + 1, 8 * H + 1_800_000, 9 * H - 1, 10 * H - 1000, 11 * H, 12 * H - 1, 24 * H]) s.index.add(crashId(++n), DAY14 + t);
}

const DAY_BOUNDS: Array<[string, string]> = [['date', '>=2026-12-14'], ['date', '<2026-12-15']];

describe('SuperSearch date histogram (stand-in)', () => {
  it('buckets per hour, leaves empty hours out, terms as Elasticsearch renders them, each bucket with its sub-facets', async () => {
    const s = await start();
    seed(s);
    const r = await search(s.url, [...DAY_BOUNDS, ['_histogram.date', 'product'], ['_histogram_interval.date', '1h']]);
    expect(r.status).toBe(200);
    const body = r.json();
    expect((body.facets as Record<string, unknown>).histogram_date).toEqual([
      { term: '2026-12-14T08:00:00Z', count: 3 },
      { term: '2026-12-14T09:00:00Z', count: 1 },
      { term: '2026-12-14T11:00:00Z', count: 2 },
    ].map((b) => ({ ...b, facets: { product: [] } })));
    // The upper bound is exclusive: the next midnight's crash is not counted.
    expect(body.total).toBe(6);
    // _facets defaults to signature: it comes too.
    expect((body.facets as Record<string, unknown>).signature).toEqual([]);
    // `hour` is the same calendar interval as `1h`.
    const again = await search(s.url, [...DAY_BOUNDS, ['_histogram.date', 'product'], ['_histogram_interval.date', 'hour']]);
    expect((again.json().facets as Record<string, unknown>).histogram_date).toEqual((body.facets as Record<string, unknown>).histogram_date);
  });

  it('defaults to a day per bucket', async () => {
    const s = await start();
    seed(s);
    const r = await search(s.url, [['date', '>=2026-12-14'], ['date', '<=2026-12-15T23:00:00'], ['_histogram.date', 'product']]);
    expect((r.json().facets as Record<string, unknown>).histogram_date).toEqual([
      { term: '2026-12-14T00:00:00Z', count: 6, facets: { product: [] } },
      { term: '2026-12-15T00:00:00Z', count: 1, facets: { product: [] } },
    ]);
  });

  it('is not built with _facets_size=0 (what verifyprocessed sends), nor without fields in _histogram.date', async () => {
    const s = await start();
    seed(s);
    const off = await search(s.url, [...DAY_BOUNDS, ['_histogram.date', 'product'], ['_histogram_interval.date', '1h'], ['_facets_size', '0']]);
    expect(off.status).toBe(200);
    expect(off.json().facets).toEqual({});
    for (const fields of [[], [''], ['not_a_field']]) {
      const r = await search(s.url, [...DAY_BOUNDS, ...fields.map((f): [string, string] => ['_histogram.date', f]), ['_histogram_interval.date', '1h']]);
      expect(r.status).toBe(200);
      expect(r.json().facets).not.toHaveProperty('histogram_date');
    }
  });

  it('refuses an interval that is not one calendar unit, as supersearch.py reports Elasticsearch refusing it', async () => {
    const s = await start();
    seed(s);
    for (const bad of ['2h', 'xdays', '90m']) {
      const r = await search(s.url, [...DAY_BOUNDS, ['_histogram.date', 'product'], ['_histogram_interval.date', bad]]);
      expect(r.status).toBe(400);
      expect(r.json()).toEqual({ error: "Bad request: BadArgumentError: Bad value for parameter(s) '_histogram_interval.date'" });
    }
  });

  it('with _results_number=0 returns no hits, the total and the histogram still', async () => {
    const s = await start();
    seed(s);
    const r = await search(s.url, histogramQuery('20261214'));
    const body = r.json();
    expect(body.hits).toEqual([]);
    expect(body.total).toBe(6);
    expect((body.facets as Record<string, unknown>).product).toEqual([]);
    expect((body.facets as Record<string, unknown>)).not.toHaveProperty('signature');
    expect(histogramHours(body, '20261214')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 2, ...new Array<number>(12).fill(0)]);
  });

  it('counts only the part of an hour inside the bounds (a scan of 08:30..11:00)', async () => {
    const s = await start();
    seed(s);
    const r = await search(s.url, histogramQuery('20261214', { since: 8 * 60 + 30, until: 11 * 60 }));
    const hours = histogramHours(r.json(), '20261214')!;
    // 08:30:00 and 08:59:59.999 are in; 08:00:00.001 is not. 11:00:00.000 is in (until 11:00 means through 11:00:59).
    expect(hours.slice(8, 12)).toEqual([2, 1, 0, 1]);
  });

  it('counts from its hour buckets the same as document by document, through adds, re-dates and removals', async () => {
    const s = await start();
    const rand = (() => {
      let x = 7;
      return () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32);
    })();
    const truth = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const id = crashId(i);
      const at = DAY14 + Math.floor(rand() * 24 * H);
      s.index.add(id, at);
      truth.set(id, at);
    }
    for (let i = 0; i < 500; i++) {
      const id = crashId(Math.floor(rand() * 5000));
      if (i % 2) {
        s.index.remove(id);
        truth.delete(id);
      } else {
        const at = DAY14 + Math.floor(rand() * 24 * H);
        s.index.add(id, at);
        truth.set(id, at);
      }
    }
    const expected = new Array<number>(24).fill(0);
    for (const at of truth.values()) expected[Math.floor((at - DAY14) / H)]++;
    const r = await search(s.url, histogramQuery('20261214'));
    expect(histogramHours(r.json(), '20261214')).toEqual(expected);
    expect(r.json().total).toBe(truth.size);
    expect(s.index.size).toBe(truth.size);
  });

  it('dates a processed crash by its received time, and keeps it when the crash is reprocessed', async () => {
    const received = DAY14 + 14 * H + 17_000;
    const s = await start({ processor: { delayMs: 1, receivedAt: () => received } });
    const id = crashId(1);
    const res = await request(`${s.url}/api/Reprocessing/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'auth-token': 'demo-token' },
      body: `crash_ids=${id}`,
    });
    await res.body.text();
    await s.settled();
    let hours = histogramHours((await search(s.url, histogramQuery('20261214'))).json(), '20261214')!;
    expect(hours[14]).toBe(1);
    // Re-dated elsewhere by the test, then reprocessed: the processor keeps the document's date.
    s.index.add(id, DAY14 + 3 * H);
    const again = await request(`${s.url}/api/Reprocessing/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'auth-token': 'demo-token' },
      body: `crash_ids=${id}`,
    });
    await again.body.text();
    await s.settled();
    hours = histogramHours((await search(s.url, histogramQuery('20261214'))).json(), '20261214')!;
    expect(hours[3]).toBe(1);
    expect(hours[14]).toBe(0);
  });

  it('reaches the client through the port: per-hour counts, and a failure when the answer has no histogram', async () => {
    const s = await start();
    seed(s);
    const client = socorroApi({ apiUrl: s.url, policy: { attempts: 1, baseMs: 1, capMs: 1 } });
    try {
      const a = await client.histogram('20261214');
      expect(a.status).toBe(200);
      expect(a.hours?.slice(8, 12)).toEqual([3, 1, 0, 2]);
      const sent = s.searches[s.searches.length - 1].params;
      expect(sent['_histogram_interval.date']).toEqual(['1h']);
      expect(Number(sent._facets_size[0])).toBeGreaterThan(0);
      expect(sent._results_number).toEqual(['0']);
    } finally {
      await client.close();
    }
    // An answer without facets.histogram_date is no answer: never "nothing searchable".
    expect(histogramHours({ hits: [], total: 0, facets: {} }, '20261214')).toBeUndefined();
    expect(histogramHours({ facets: { histogram_date: [] } }, '20261214')).toEqual(new Array<number>(24).fill(0));
  });
});
