/**
 * The search pace against a limit tighter than the published one, through the real port and the
 * stand-in's SuperSearch (django-ratelimit's fixed windows, no Retry-After, as Socorro answers):
 * the first 429 drops the pace, and only a few more follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.ts';
import { RateLimiter } from '../../src/core/rate-limit.ts';
import { makeCrashId, seededBytes } from '../../src/demo/crashes.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { SearchBatcher } from '../../src/modes/search-batcher.ts';
import { socorroApi } from '../../src/ports/socorro-api.ts';

const NOW = Date.UTC(2026, 11, 15, 12);
const DAY = 86_400_000;
const TOKEN = 'pace-token';
const yyyymmdd = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll('-', '');

describe('search pace under a tighter limit', () => {
  let socorro: SocorroApi;
  beforeAll(async () => {
    // 6 searches per 400 ms window (15 a second) against a pace of 30 a second.
    socorro = await startSocorroApi({ now: () => NOW, token: TOKEN, searchRateLimit: { withToken: 6, windowMs: 400, retryAfter: false } });
  });
  afterAll(() => socorro.close());

  it('every search is answered, and fewer than one in ten meets a 429', async () => {
    const rand = seededBytes(3);
    // One id on each of 40 dates: one search each.
    const dates = Array.from({ length: 40 }, (_, i) => NOW - (i + 1) * DAY);
    const ids = dates.map((t) => makeCrashId(yyyymmdd(t), rand));
    for (const [i, id] of ids.slice(0, 20).entries()) socorro.index.add(id, dates[i]);
    const api = socorroApi({ apiUrl: socorro.url, token: TOKEN, policy: { attempts: 9, baseMs: 100, capMs: 2000 } });
    const limiter = new RateLimiter(1800, systemClock, 2000);
    const found = new Set<string>();
    let failed = 0;
    const batcher = new SearchBatcher(
      api,
      limiter,
      (o) => {
        if (o.found) for (const id of o.found) found.add(id);
        else failed++;
        return Promise.resolve();
      },
      { signal: new AbortController().signal },
    );
    for (const id of ids) await batcher.add(id);
    await batcher.drain();
    await api.close();

    expect(failed).toBe(0);
    expect([...found].sort()).toEqual(ids.slice(0, 20).sort());
    const refused = socorro.searches.filter((s) => s.status === 429).length;
    expect(socorro.searches.length).toBe(40 + refused);
    expect(refused).toBeGreaterThan(0);
    expect(refused / socorro.searches.length).toBeLessThan(0.1);
    expect(limiter.rate).toBeLessThan(1800);
  });
});
