import { classifySearch } from '../core/classify.ts';
import { crashIdDate } from '../core/crash-id.ts';
import { paced, type RateLimiter } from '../core/rate-limit.ts';
import type { SearchApi } from '../ports/socorro-api.ts';

export interface SearchOutcome {
  /** Ids asked, all of one crash date. */
  ids: string[];
  /** Those search has; undefined when the search failed (then nothing is classified). */
  found?: Set<string>;
  /** Why it failed: for the run's message. */
  failure?: string;
  /** The search refused the token: stop, whatever else comes. */
  forbidden?: boolean;
}

/**
 * Collects crash ids found in storage into search requests: one crash date a request (the date
 * window is the date's), as many ids as the request line takes, paced by the limiter, a few in
 * flight. `add` waits while too much is queued, so a fast store does not pile ids up in memory
 * ahead of a slow (or rate-limited) search.
 */
export class SearchBatcher {
  private readonly api: SearchApi;
  private readonly limiter: RateLimiter;
  private readonly onOutcome: (o: SearchOutcome) => Promise<void>;
  private readonly signal: AbortSignal;
  private readonly maxInFlight: number;
  private readonly variant: number;
  private readonly byDate = new Map<string, string[]>();
  private readonly inFlight = new Set<Promise<void>>();
  requests = 0;

  constructor(
    api: SearchApi,
    limiter: RateLimiter,
    onOutcome: (o: SearchOutcome) => Promise<void>,
    opts: { signal: AbortSignal; maxInFlight?: number; variant?: number },
  ) {
    this.api = api;
    this.limiter = limiter;
    this.onOutcome = onOutcome;
    this.signal = opts.signal;
    this.maxInFlight = opts.maxInFlight ?? 4;
    this.variant = opts.variant ?? 0;
  }

  /** Queues an id; sends its date's request once it is full. */
  async add(id: string): Promise<void> {
    const date = crashIdDate(id);
    let batch = this.byDate.get(date);
    if (!batch) this.byDate.set(date, (batch = []));
    batch.push(id);
    if (batch.length >= this.api.idsPerSearch) {
      this.byDate.delete(date);
      await this.send(batch);
    }
  }

  /** Sends what is queued and waits for every answer. */
  async drain(): Promise<void> {
    for (const [date, batch] of this.byDate) {
      this.byDate.delete(date);
      if (!this.signal.aborted) await this.send(batch);
    }
    await Promise.all(this.inFlight);
  }

  private async send(ids: string[]): Promise<void> {
    // Backpressure: a lane waits for a free slot rather than queueing more ids.
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    if (this.signal.aborted) return;
    const p = this.ask(ids).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private async ask(ids: string[]): Promise<void> {
    const send = () => {
      this.requests++;
      return this.api.search(ids, this.variant);
    };
    const a = await paced(this.limiter, send, this.signal);
    if (!a) return;
    const verdict = classifySearch(a.status);
    if (verdict === 'answered' && a.found) return this.onOutcome({ ids, found: a.found });
    const what = a.status === 0 ? `no usable answer (${a.error ?? 'no detail'})` : `HTTP ${a.status} ${a.body.trim().slice(0, 200)}`;
    return this.onOutcome({ ids, failure: what, forbidden: verdict === 'forbidden' });
  }
}
