import { describe, expect, it } from 'vitest';
import { RETRY_STATUSES, reprocessingForm, retryDelayMs } from '../../src/ports/reprocessing-api.ts';

describe('retryDelayMs', () => {
  it('honours Retry-After in seconds', () => {
    expect(retryDelayMs(1, '3', 1000, 60_000)).toBe(3000);
    expect(retryDelayMs(5, '0', 1000, 60_000)).toBe(0);
    expect(retryDelayMs(1, '1.5', 1000, 60_000)).toBe(1500);
    expect(retryDelayMs(1, ['2', '9'], 1000, 60_000)).toBe(2000);
  });

  it('caps Retry-After at the maximum', () => {
    expect(retryDelayMs(1, '3600', 1000, 60_000)).toBe(60_000);
    expect(retryDelayMs(1, '120', 1000, 5000)).toBe(5000);
  });

  it('honours Retry-After as an HTTP date, capped, never negative', () => {
    const in30s = new Date(Date.now() + 30_000).toUTCString();
    const d = retryDelayMs(1, in30s, 1000, 60_000);
    // HTTP dates have whole seconds: up to a second early, and the call itself takes a little.
    expect(d).toBeGreaterThan(27_000);
    expect(d).toBeLessThanOrEqual(30_000);
    expect(retryDelayMs(1, new Date(Date.now() + 3_600_000).toUTCString(), 1000, 60_000)).toBe(60_000);
    expect(retryDelayMs(1, 'Wed, 21 Oct 2015 07:28:00 GMT', 1000, 60_000)).toBe(0);
  });

  it('ignores a Retry-After it cannot read and backs off exponentially with jitter', () => {
    for (let i = 0; i < 50; i++) {
      const a1 = retryDelayMs(1, 'soon', 1000, 60_000);
      expect(a1).toBeGreaterThanOrEqual(500);
      expect(a1).toBeLessThanOrEqual(1000);
      const a3 = retryDelayMs(3, undefined, 1000, 60_000);
      expect(a3).toBeGreaterThanOrEqual(2000);
      expect(a3).toBeLessThanOrEqual(4000);
      const a20 = retryDelayMs(20, '', 1000, 60_000);
      expect(a20).toBeGreaterThanOrEqual(30_000);
      expect(a20).toBeLessThanOrEqual(60_000);
    }
  });

  it('retries the statuses that mean "try later"', () => {
    expect([...RETRY_STATUSES].sort()).toEqual([429, 500, 502, 503, 504]);
  });
});

describe('reprocessingForm', () => {
  const A = 'de1bb258-cbbf-4589-a673-34f800160918';
  const B = '5b35fd4f-7c1c-4b35-9a4e-2e8be0160918';
  it('repeats crash_ids once per id', () => {
    expect(reprocessingForm([A, B])).toBe(`crash_ids=${A}&crash_ids=${B}`);
  });
  it('appends the ruleset to each id', () => {
    const form = new URLSearchParams(reprocessingForm([A, B], 'regenerate_signature'));
    expect(form.getAll('crash_ids')).toEqual([`${A}:regenerate_signature`, `${B}:regenerate_signature`]);
    expect([...form.keys()].every((k) => k === 'crash_ids')).toBe(true);
  });
});
