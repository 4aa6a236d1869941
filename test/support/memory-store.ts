/**
 * An in-memory ObjectStore for unit tests of the modes: keys in byte order, short pages, either
 * store's bound semantics (S3: keys in (from, to]; GCS: [from, to)), and failures scripted per
 * request. The real protocols are tested against real servers elsewhere; this one tests what a
 * mode does with the port's answers.
 */
import type { Presence } from '../../src/core/classify.ts';
import { StoreError, type ListPage, type ListQuery, type ObjectStore, type StoreKind } from '../../src/ports/store.ts';

export type Op = 'list' | 'head';

export interface MemoryStoreOptions {
  kind?: StoreKind;
  bucket?: string;
  pageSize?: number;
  /** Answers a request with a failure instead (or undefined to answer normally). */
  fail?: (op: Op, keyOrPrefix: string, n: number) => StoreError | undefined;
  /** A delay before each answer, for concurrency tests. */
  delay?: (op: Op) => Promise<void>;
}

const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class MemoryStore implements ObjectStore {
  readonly kind: StoreKind;
  readonly bucket: string;
  readonly objects = new Map<string, number | undefined>();
  readonly calls: Record<Op, number> = { list: 0, head: 0 };
  /** Every key a HEAD asked for. */
  readonly keysAsked = new Set<string>();
  /** HEADs in flight now, and the most at once. */
  inFlight = 0;
  maxInFlight = 0;
  closed = false;
  opts: MemoryStoreOptions;
  private sorted: string[] | undefined;

  constructor(opts: MemoryStoreOptions = {}) {
    this.opts = opts;
    this.kind = opts.kind ?? 's3';
    this.bucket = opts.bucket ?? 'memory';
  }

  put(key: string, savedAt?: number): this {
    this.objects.set(key, savedAt);
    this.sorted = undefined;
    return this;
  }

  putAll(keys: Iterable<string>, savedAt?: number): this {
    for (const k of keys) this.put(k, savedAt);
    return this;
  }

  private keys(): string[] {
    return (this.sorted ??= [...this.objects.keys()].sort(cmp));
  }

  async listPage(q: ListQuery): Promise<ListPage> {
    const n = ++this.calls.list;
    await this.opts.delay?.('list');
    const failure = this.opts.fail?.('list', q.prefix, n);
    if (failure) throw failure;
    const s3 = this.kind === 's3';
    const after = q.token;
    const size = Math.min(q.maxKeys ?? 1000, this.opts.pageSize ?? 1000);
    const page: string[] = [];
    let more = false;
    for (const k of this.keys()) {
      if (!k.startsWith(q.prefix)) continue;
      if (after !== undefined && cmp(k, after) <= 0) continue;
      if (after === undefined && q.from !== undefined && (s3 ? cmp(k, q.from) <= 0 : cmp(k, q.from) < 0)) continue;
      if (q.to !== undefined && (s3 ? cmp(k, q.to) > 0 : cmp(k, q.to) >= 0)) break;
      if (page.length === size) {
        more = true;
        break;
      }
      page.push(k);
    }
    return { objects: page.map((key) => ({ key, savedAt: this.objects.get(key) })), next: more ? page[page.length - 1] : undefined };
  }

  async head(key: string): Promise<Presence | StoreError> {
    const n = ++this.calls.head;
    this.keysAsked.add(key);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.opts.delay?.('head');
      const failure = this.opts.fail?.('head', key, n);
      if (failure) return failure;
      return this.objects.has(key) ? 'found' : 'missing';
    } finally {
      this.inFlight--;
    }
  }

  async savedAt(key: string): Promise<number | 'missing' | StoreError> {
    const a = await this.head(key);
    if (a !== 'found') return a;
    return this.objects.get(key) ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A StoreError of `kind`, as a port would make it. */
export function storeError(kind: StoreError['kind'], status = 0): StoreError {
  return new StoreError(kind, `memory store: ${kind}`, { status });
}
