import { describe, expect, it } from 'vitest';
import { FakeClock } from '../support/fake-clock.ts';
import { API_RETRY, HEAD_RETRY, LIST_RETRY, backoffMs, parseRetryAfter, withRetries, type RetryPolicy } from '../../src/core/retry.ts';
import { reprocessingForm } from '../../src/ports/socorro-api.ts';

const P: RetryPolicy = { attempts: 5, baseMs: 1000, capMs: 60_000 };
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('backoffMs: full jitter', () => {
  it('draws uniformly from [0, base·2^(attempt-1)], capped', () => {
    expect(backoffMs(P, 1, undefined, () => 0)).toBe(0);
    expect(backoffMs(P, 1, undefined, () => 0.5)).toBe(500);
    expect(backoffMs(P, 1, undefined, () => 0.999999)).toBe(1000);
    expect(backoffMs(P, 3, undefined, () => 0.999999)).toBe(4000);
    expect(backoffMs(P, 3, undefined, () => 0.25)).toBe(1000);
    expect(backoffMs(P, 20, undefined, () => 0.999999)).toBe(60_000);
    expect(backoffMs(P, 20, undefined, () => 0.5)).toBe(30_000);
  });

  it('takes the server\'s Retry-After instead, capped, never negative', () => {
    expect(backoffMs(P, 1, 3000, () => 0)).toBe(3000);
    expect(backoffMs(P, 5, 0, () => 0.9)).toBe(0);
    expect(backoffMs(P, 1, 3_600_000, () => 0)).toBe(60_000);
    expect(backoffMs(P, 1, -5, () => 0.9)).toBe(0);
  });

  it('every policy in use grows and stays under its cap', () => {
    for (const policy of [HEAD_RETRY, LIST_RETRY, API_RETRY]) {
      const top = (a: number) => backoffMs(policy, a, undefined, () => 0.999999);
      for (let a = 1; a < policy.attempts; a++) {
        expect(top(a + 1)).toBeGreaterThanOrEqual(top(a));
        expect(top(a)).toBeLessThanOrEqual(policy.capMs);
      }
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, fractions and the first of several values', () => {
    expect(parseRetryAfter('3', NOW)).toBe(3000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter(['2', '9'], NOW)).toBe(2000);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
  });

  it('is undefined when absent or unreadable', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('withRetries', () => {
  const retryable = (e: unknown) => (e as Error).message === 'again';

  it('retries what is retryable until it works, waiting the policy\'s delays on the clock', async () => {
    const clock = new FakeClock(NOW);
    let calls = 0;
    const waits: number[] = [];
    const p = withRetries(
      async () => {
        if (++calls < 4) throw new Error('again');
        return 'done';
      },
      { policy: P, clock, retryable, random: () => 0.5, onRetry: (_e, _a, w) => waits.push(w) },
    );
    const waited = await clock.runAll();
    await expect(p).resolves.toBe('done');
    expect(calls).toBe(4);
    expect(waits).toEqual([500, 1000, 2000]);
    expect(waited).toBe(3500);
  });

  it('throws the last failure once the attempts are used up', async () => {
    const clock = new FakeClock(NOW);
    let calls = 0;
    const p = withRetries(
      async () => {
        calls++;
        throw new Error('again');
      },
      { policy: { attempts: 3, baseMs: 10, capMs: 10 }, clock, retryable },
    );
    const settled = p.catch((e: unknown) => e);
    await clock.runAll();
    expect(((await settled) as Error).message).toBe('again');
    expect(calls).toBe(3);
  });

  it('throws what is not retryable at once', async () => {
    const clock = new FakeClock(NOW);
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new Error('no');
        },
        { policy: P, clock, retryable },
      ),
    ).rejects.toThrow('no');
    expect(calls).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('an abort ends the wait and throws the last failure', async () => {
    const clock = new FakeClock(NOW);
    const ctl = new AbortController();
    let calls = 0;
    const p = withRetries(
      async () => {
        calls++;
        throw new Error('again');
      },
      { policy: P, clock, retryable, signal: ctl.signal, random: () => 1 },
    ).catch((e: unknown) => e);
    await clock.advance(10);
    expect(clock.pending).toBe(1);
    ctl.abort();
    expect(((await p) as Error).message).toBe('again');
    expect(calls).toBe(1);
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
