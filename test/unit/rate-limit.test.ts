import { describe, expect, it } from 'vitest';
import { paced, RateLimiter, type Ticket } from '../../src/core/rate-limit.ts';
import { API_RETRY, backoffMs } from '../../src/core/retry.ts';
import { FakeClock } from '../support/fake-clock.ts';

/**
 * Four lanes paced at 90 a minute against a server that lets 60 through per fixed minute (a limit
 * tighter than the published one) and answers 429 past it with no Retry-After, as Socorro does.
 * `learning`: the 429 goes back to the pace (`paced`); otherwise each request is retried with the
 * API's backoff at a fixed pace, as the port's RetryAgent did. On a fake clock.
 */
async function run(learning: boolean, requests: number) {
  const clock = new FakeClock(0);
  const limiter = new RateLimiter(90, clock);
  const random = seeded(7);
  let windowStart = 0;
  let inWindow = 0;
  let sent = 0;
  let refused = 0;
  const server = async () => {
    const t = clock.now();
    if (t - windowStart >= 60_000) {
      windowStart = t - ((t - windowStart) % 60_000);
      inWindow = 0;
    }
    sent++;
    await clock.sleep(200);
    if (++inWindow <= 60) return { status: 200 };
    refused++;
    return { status: 429 };
  };
  let next = 0;
  let answered = 0;
  const lane = async () => {
    while (next++ < requests) {
      if (learning) {
        const a = await paced(limiter, server);
        if (a?.status === 200) answered++;
        continue;
      }
      await limiter.take();
      for (let attempt = 1; ; attempt++) {
        if ((await server()).status === 200) break;
        await clock.sleep(backoffMs(API_RETRY, attempt, undefined, random));
      }
      answered++;
    }
  };
  await clock.drive(Promise.all([lane(), lane(), lane(), lane()]));
  return { sent, refused, answered, minutes: clock.now() / 60_000, limiter };
}

function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('RateLimiter', () => {
  it('spaces requests evenly at the configured rate', async () => {
    const clock = new FakeClock(0);
    const limiter = new RateLimiter(120, clock);
    const at: number[] = [];
    await clock.drive(
      (async () => {
        for (let i = 0; i < 5; i++) {
          await limiter.take();
          at.push(clock.now());
        }
      })(),
    );
    expect(at).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('under a limit tighter than its pace, drops the pace at the first 429: a few more follow, not one in three', async () => {
    const fixed = await run(false, 900);
    const learning = await run(true, 900);
    // Not learning: 90 asked a minute against 60 allowed, and the retries land in the same full window.
    expect(fixed.refused / fixed.sent).toBeGreaterThan(0.25);
    expect(learning.refused / learning.sent).toBeLessThan(0.05);
    // And the run is no slower for it: it uses the limit it found.
    expect(learning.minutes).toBeLessThanOrEqual(fixed.minutes * 1.1);
    expect(learning.limiter.rate).toBeLessThanOrEqual(90);
  });

  it('cuts once for the requests of one pace, probes the spent window, never goes below one a minute, and wins the rate back', async () => {
    const clock = new FakeClock(0);
    const limiter = new RateLimiter(100, clock);
    const take = async (): Promise<[Ticket, number]> => {
      const from = clock.now();
      const t = await clock.drive(limiter.take());
      return [t, clock.now() - from];
    };
    const tickets = [(await take())[0], (await take())[0], (await take())[0]];
    // Three answers of the same pace, all refused: one halving.
    for (const t of tickets) limiter.answered(t, true);
    expect(limiter.rate).toBe(50);
    expect(limiter.cuts).toBe(1);
    // Held: one probe after 1 s; refused, the next after 2 s; one with Retry-After waits that long.
    let [probe, waited] = await take();
    expect([probe.probe, waited]).toEqual([true, 1000]);
    limiter.answered(probe, true);
    [probe, waited] = await take();
    expect([probe.probe, waited]).toEqual([true, 2000]);
    limiter.answered(probe, true, 7000);
    [probe, waited] = await take();
    expect([probe.probe, waited]).toEqual([true, 7000]);
    expect(limiter.cuts).toBe(1);
    // The window has ended: requests go again, at the new pace (and the probe's answer won back half a request a minute).
    limiter.answered(probe, false);
    const [a] = await take();
    const [b, gap] = await take();
    expect([a.probe, b.probe]).toEqual([false, false]);
    expect(gap).toBeCloseTo(60_000 / 50.5, 6);
    // A request of the old pace refused now says nothing new.
    limiter.answered(tickets[0], true);
    expect(limiter.cuts).toBe(1);
    for (let i = 0; i < 20; i++) {
      limiter.answered((await take())[0], true);
      limiter.answered((await take())[0], false);
    }
    expect(limiter.rate).toBeGreaterThanOrEqual(1);
    expect(limiter.rate).toBeLessThan(2);
    for (let i = 0; i < 400; i++) limiter.answered({ pace: limiter.cuts, probe: false }, false);
    expect(limiter.rate).toBe(100);
  });
});
