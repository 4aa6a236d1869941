import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startSocorroApi, type FaultPlan, type SocorroApi, type SocorroApiOptions } from '../../src/demo/socorro-api.ts';

const ID_A = 'de1bb258-cbbf-4589-a673-34f800160918';
const ID_B = '5b35fd4f-7c1c-4b35-9a4e-2e8be0160918';
// Hex and dashes in place, but a letter where the date digits go.
const BAD_ID = 'de1bb258-cbbf-4589-a673-34f80016091x';

let api: SocorroApi | undefined;

async function start(opts?: SocorroApiOptions): Promise<SocorroApi> {
  api = await startSocorroApi(opts);
  return api;
}

afterEach(async () => {
  await api?.close();
  api = undefined;
});

function form(ids: string[]): string {
  const p = new URLSearchParams();
  for (const id of ids) p.append('crash_ids', id);
  return p.toString();
}

async function post(url: string, body: string, token: string | null = 'demo-token') {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (token !== null) headers['auth-token'] = token;
  const res = await request(`${url}/api/Reprocessing/`, { method: 'POST', headers, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('socorro-api stand-in', () => {
  it('accepts a form batch with a valid token: 200, JSON null', async () => {
    const s = await start();
    const r = await post(s.url, form([ID_A, `${ID_B}:regenerate_signature`]));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.text)).toBeNull();
    expect(s.accepted).toEqual([ID_A, `${ID_B}:regenerate_signature`]);
    expect(s.batches).toHaveLength(1);
    expect(s.batches[0]).toMatchObject({ status: 200, ids: [ID_A, `${ID_B}:regenerate_signature`] });
    expect(s.batches[0].at).toBeGreaterThanOrEqual(0);
  });

  it('refuses an unknown token with the middleware text', async () => {
    const s = await start();
    const r = await post(s.url, form([ID_A]), 'wrong');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text)).toEqual({ error: 'API Token not matched' });
    expect(s.accepted).toEqual([]);
  });

  it('treats a missing token as anonymous, which lacks the permission', async () => {
    const s = await start();
    const r = await post(s.url, form([ID_A]), null);
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text)).toEqual({ error: "Use of this endpoint requires the 'Reprocess Crashes' permission" });
  });

  it('refuses a valid token without the Reprocess Crashes permission', async () => {
    const s = await start({ token: 't0k', permission: false });
    const r = await post(s.url, form([ID_A]), 't0k');
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text)).toEqual({ error: "Use of this endpoint requires the 'Reprocess Crashes' permission" });
    expect(s.batches.map((b) => b.status)).toEqual([403]);
  });

  it('answers GET with a valid token with 405', async () => {
    const s = await start();
    const res = await request(`${s.url}/api/Reprocessing/?crash_ids=${ID_A}`, { headers: { 'auth-token': 'demo-token' } });
    expect(res.statusCode).toBe(405);
    expect(await res.body.json()).toEqual({ error: 'Method not allowed' });
  });

  it('names the first invalid crash id in a 400 and accepts nothing from that batch', async () => {
    const s = await start();
    const r = await post(s.url, form([ID_A, BAD_ID, 'also-bad']));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: `Bad request: BadArgumentError: Crash id '${BAD_ID}' is not valid.` });
    expect(s.accepted).toEqual([]);
  });

  it('rejects uppercase hex, as the regex is lowercase only', async () => {
    const s = await start();
    const r = await post(s.url, form([ID_A.toUpperCase()]));
    expect(r.status).toBe(400);
  });

  it('rejects an unknown ruleset', async () => {
    const s = await start();
    const r = await post(s.url, form([`${ID_A}:default`, `${ID_B}:nope`]));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: "Bad request: BadArgumentError: Ruleset 'nope' is not valid." });
  });

  it('requires crash_ids', async () => {
    const s = await start();
    for (const body of ['', 'other=1']) {
      const r = await post(s.url, body);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({ errors: { crash_ids: ['This field is required.'] } });
    }
    // A JSON body is not form data, so Django sees no fields at all.
    const res = await request(`${s.url}/api/Reprocessing/`, {
      method: 'POST',
      headers: { 'auth-token': 'demo-token', 'content-type': 'application/json' },
      body: JSON.stringify({ crash_ids: [ID_A] }),
    });
    expect(res.statusCode).toBe(400);
    expect(await res.body.json()).toEqual({ errors: { crash_ids: ['This field is required.'] } });
  });

  it('takes 1000 form fields and refuses 1001 (DATA_UPLOAD_MAX_NUMBER_FIELDS)', async () => {
    const s = await start();
    const ids = Array.from({ length: 1001 }, (_, i) => `de1bb258-cbbf-4589-a673-${i.toString(16).padStart(6, '0')}160918`);
    const ok = await post(s.url, form(ids.slice(0, 1000)));
    expect(ok.status).toBe(200);
    expect(s.accepted).toHaveLength(1000);
    const tooMany = await post(s.url, form(ids));
    expect(tooMany.status).toBe(400);
    expect(s.accepted).toHaveLength(1000);
    expect(s.batches.map((b) => b.status)).toEqual([200, 400]);
  });

  it('answers the path without a trailing slash with a redirect, as APPEND_SLASH does', async () => {
    const s = await start();
    const res = await request(`${s.url}/api/Reprocessing`, {
      method: 'POST',
      headers: { 'auth-token': 'demo-token', 'content-type': 'application/x-www-form-urlencoded' },
      body: form([ID_A]),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/api/Reprocessing/');
    expect(s.accepted).toEqual([]);
  });

  it('enforces a per-minute rate limit with 429 and Retry-After', async () => {
    const s = await start({ rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await post(s.url, form([ID_A]));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.text).toBe('Too Many Requests');
    expect(last!.headers['content-type']).toMatch(/^text\/plain/);
    const retryAfter = Number(last!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(s.accepted).toHaveLength(3);
  });

  describe('fault injection', () => {
    /** Sends n single-id batches one after another; returns the status of each (0 = reset). */
    async function drive(s: SocorroApi, n: number): Promise<number[]> {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const id = `de1bb258-cbbf-4589-a673-${i.toString(16).padStart(6, '0')}160918`;
        try {
          out.push((await post(s.url, form([id]))).status);
        } catch {
          out.push(0);
        }
      }
      return out;
    }

    const plan: FaultPlan = { rate: 0.3, seed: 42, kinds: ['429', '500', '502', 'reset'], retryAfterSeconds: 7 };

    it('fails the same requests for the same seed, and never accepts a faulted batch', async () => {
      const first = await start({ faults: plan });
      const a = await drive(first, 200);
      const acceptedA = [...first.accepted];
      const batchesA = first.batches.map((b) => b.status);
      await first.close();

      const second = await start({ faults: plan });
      const b = await drive(second, 200);
      expect(b).toEqual(a);

      const faulted = a.filter((st) => st !== 200).length;
      // 30% of 200, give or take; the exact count is fixed by the seed.
      expect(faulted).toBeGreaterThan(30);
      expect(faulted).toBeLessThan(90);
      for (const st of [429, 500, 502, 0]) expect(a).toContain(st);

      // What the client saw matches what the server recorded, resets as status 0.
      expect(batchesA).toEqual(a);
      expect(acceptedA).toHaveLength(a.filter((st) => st === 200).length);
      // Only the ids of batches answered 200 were accepted, in order.
      const expected = a.flatMap((st, i) => (st === 200 ? [`de1bb258-cbbf-4589-a673-${i.toString(16).padStart(6, '0')}160918`] : []));
      expect(acceptedA).toEqual(expected);
    }, 30_000);

    it('sends a plain-text 429 with the configured Retry-After', async () => {
      const s = await start({ faults: { rate: 1, seed: 1, kinds: ['429'], retryAfterSeconds: 7 } });
      const r = await post(s.url, form([ID_A]));
      expect(r.status).toBe(429);
      expect(r.text).toBe('Too Many Requests');
      expect(r.headers['retry-after']).toBe('7');
      expect(s.accepted).toEqual([]);
      expect(s.batches).toEqual([expect.objectContaining({ status: 429, ids: [ID_A] })]);
    });

    it('resets the connection without answering', async () => {
      const s = await start({ faults: { rate: 1, seed: 1, kinds: ['reset'] } });
      await expect(post(s.url, form([ID_A]))).rejects.toThrow();
      expect(s.batches).toEqual([expect.objectContaining({ status: 0, ids: [ID_A] })]);
      expect(s.accepted).toEqual([]);
    });

    it('can switch faults on and off at run time', async () => {
      const s = await start();
      expect((await post(s.url, form([ID_A]))).status).toBe(200);
      s.setFaults({ rate: 1, seed: 3, kinds: ['500'] });
      expect((await post(s.url, form([ID_A]))).status).toBe(500);
      s.setFaults(undefined);
      expect((await post(s.url, form([ID_B]))).status).toBe(200);
      expect(s.accepted).toEqual([ID_A, ID_B]);
      expect(s.batches.map((b) => b.status)).toEqual([200, 500, 200]);
    });
  });
});
