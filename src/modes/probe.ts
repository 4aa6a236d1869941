import { isFatal, isTransient, type Presence } from '../core/classify.ts';
import type { Clock } from '../core/clock.ts';
import { RunError } from '../core/errors.ts';
import { processedCrashKey, rawCrashKeys } from '../core/layouts.ts';
import type { Aimd } from '../core/pool.ts';
import { LIST_RETRY, backoffMs, withRetries, type RetryPolicy } from '../core/retry.ts';
import { StoreError, type ObjectStore } from '../ports/store.ts';

/** What a run that asks a store keeps: its counters, its stop switch, the last failure seen. */
export interface RunState {
  counts: { requests: number; retries: number; throttled: number };
  stop: AbortController;
  lastError: string;
  /** Stops the run for `why`; the first reason wins. */
  fail(why: string): void;
}

/**
 * HEADs one object until the store gives a verdict: found, missing, or a failure that stops the
 * run. Transient failures are retried with the one backoff policy; throttling also narrows the
 * pool (AIMD), because stores throttle per prefix and every check job shares one.
 */
export class HeadRetrier {
  private readonly store: ObjectStore;
  private readonly run: RunState;
  private readonly aimd: Aimd;
  private readonly policy: RetryPolicy;
  /** The policy's waits after "slow down": the same, up to a shorter cap. */
  private readonly throttledPolicy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(store: ObjectStore, run: RunState, aimd: Aimd, policy: RetryPolicy, clock: Clock, random: () => number) {
    this.store = store;
    this.run = run;
    this.aimd = aimd;
    this.policy = policy;
    this.throttledPolicy = { ...policy, capMs: Math.min(policy.capMs, policy.throttledCapMs ?? policy.capMs) };
    this.clock = clock;
    this.random = random;
  }

  /** The processed crash's verdict, or undefined when it got none (attempts used up, or the run stopped). */
  check(id: string): Promise<Presence | undefined> {
    const key = processedCrashKey(id);
    return this.retry(() => this.store.head(key));
  }

  /**
   * When the raw crash was saved; undefined when it could not be found out, 'refused' when the
   * store refused the read (the credentials grant processed crashes only, as the README's policy
   * does). Never a reason to stop the run.
   */
  async savedAt(id: string): Promise<number | 'refused' | undefined> {
    for (const key of rawCrashKeys(this.store.kind, id)) {
      let refused = false;
      // Only a refusal of this read (403) is "hour unknown"; bad credentials stop the run as anywhere.
      const t = await this.retry(
        () => this.store.savedAt(key),
        (e) => (refused = e.kind === 'forbidden'),
      );
      if (refused) return 'refused';
      if (typeof t === 'number') return t > 0 ? t : undefined;
      if (t === undefined) return undefined;
    }
    return undefined;
  }

  /** A fatal answer (refused, no such bucket) stops the run, unless `onFatal` takes it (returns true) for this request only. */
  private async retry<T>(ask: () => Promise<T | StoreError>, onFatal?: (e: StoreError) => boolean): Promise<T | undefined> {
    const { counts: res, stop } = this.run;
    // Failures and throttles have budgets of their own; `attempt` (every try) sets the backoff.
    let failures = 0;
    let throttles = 0;
    const throttleBudget = this.policy.throttledAttempts ?? this.policy.attempts;
    for (let attempt = 1; !stop.signal.aborted; attempt++) {
      const answer = await ask();
      res.requests++;
      if (!(answer instanceof StoreError)) {
        this.aimd.success();
        return answer;
      }
      this.run.lastError = answer.status === 0 ? 'no answer (connection reset or timeout)' : `HTTP ${answer.status}`;
      if (isFatal(answer.kind)) {
        if (!onFatal?.(answer)) this.run.fail(answer.message);
        return undefined;
      }
      if (!isTransient(answer.kind)) return undefined;
      if (answer.kind === 'throttled') {
        res.throttled++;
        this.aimd.throttled();
        if (++throttles >= throttleBudget) return undefined;
      } else if (++failures >= this.policy.attempts) {
        return undefined;
      }
      res.retries++;
      await this.clock.sleep(backoffMs(answer.kind === 'throttled' ? this.throttledPolicy : this.policy, attempt, undefined, this.random), stop.signal);
    }
    return undefined;
  }
}

/**
 * A HEAD in a bucket that does not exist is a bodyless 404, the same answer as a crash that was
 * never processed: without this look first, a mistyped bucket would make every id a havenot.
 * One small listing (what the least privilege allows: S3 ListBucket, GCS storage.objects.list)
 * also catches missing permissions and credentials before any HEAD.
 */
export async function checkBucket(store: ObjectStore, clock: Clock): Promise<void> {
  try {
    await withRetries(() => store.listPage({ prefix: 'v1/processed_crash/', maxKeys: 1 }), {
      policy: LIST_RETRY,
      clock,
      retryable: (err) => err instanceof StoreError && isTransient(err.kind),
    });
  } catch (err) {
    if (err instanceof StoreError) throw new RunError(`${err.message}; nothing was checked`);
    throw err;
  }
}
