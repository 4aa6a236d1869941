import type { Presence, StoreFailure } from '../core/classify.ts';

/**
 * What the modes need from the bucket that holds Socorro's crashes, whichever store it is (S3 or
 * Google Cloud Storage). A store speaks in verdicts (core/classify.ts) and StoreErrors, never in
 * a transport's or an SDK's fields, so a mode can run against an in-memory store in a unit test
 * and a second store slots in without touching the modes.
 */
export type StoreKind = 's3' | 'gcs';

/** Which store and bucket, as the options named them. */
export interface StoreConfig {
  kind: StoreKind;
  bucket: string;
  /** The store's endpoint when it is not the cloud's own (an S3-compatible server, an emulator). */
  endpoint?: string;
  /** GCS: the endpoint came from STORAGE_EMULATOR_HOST (then, without credentials, no Authorization). */
  emulator?: boolean;
  /** GCS: never send a token (an emulator over plain http on another machine). */
  tokenless?: boolean;
  /** S3 only. */
  region: string;
  /** S3 only: path-style URLs, for S3-compatible servers. */
  pathStyle: boolean;
}

export interface ListedObject {
  key: string;
  /** When the object was saved (S3 LastModified, GCS `updated`), epoch ms; undefined if the store did not say. */
  savedAt?: number;
}

export interface ListPage {
  objects: ListedObject[];
  /** Present while there is more to list: pass it back as `token`. Pages may be short. */
  next?: string;
}

export interface ListQuery {
  prefix: string;
  /**
   * Bounds that cut a prefix into slices listed in parallel: keys between `from` and `to`.
   * Slices that share bounds tile the key space, every key in exactly one; on which side of a
   * bound a key equal to it falls is the store's choice (S3's StartAfter puts it in the slice
   * that ends there, GCS's startOffset in the one that starts there), the same for every slice.
   */
  from?: string;
  to?: string;
  /** The previous page's `next`. */
  token?: string;
  maxKeys?: number;
}

/** A store request that failed, as one of the kinds core/classify.ts defines. */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly kind: StoreFailure;
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
  /** The store's error code when it named one (S3 `Code`, GCS `reason`). */
  readonly code: string | undefined;

  constructor(kind: StoreFailure, message: string, opts: { status?: number; code?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.status = opts.status ?? 0;
    this.code = opts.code;
  }
}

export interface ObjectStore {
  readonly kind: StoreKind;
  readonly bucket: string;
  /**
   * One page of a listing. Throws a StoreError; the store does not retry (the caller's retry
   * policy does, see core/retry.ts), except where the store itself can cure the failure at once
   * (a fresh token after a 401, a corrected clock).
   */
  listPage(query: ListQuery): Promise<ListPage>;
  /**
   * Whether the object exists. Resolves to a StoreError instead of rejecting when the store
   * answered with a failure or did not answer (the hot path of check: no exception per id); it
   * rejects only on a bug.
   */
  head(key: string): Promise<Presence | StoreError>;
  /**
   * When the object was saved (its Last-Modified, epoch ms), or 'missing'; a StoreError as head
   * gives one. How check finds the hour a havenot's raw crash was saved.
   */
  savedAt(key: string): Promise<number | 'missing' | StoreError>;
  /** Closes sockets and timers. */
  close(): Promise<void>;
}

/**
 * The sentence a StoreError opens with for a failure of `what` (e.g. "a HEAD of a processed
 * crash"), plus what the store's own port knows to say about it: which permissions, which
 * credentials. Stores build their messages with it so that S3 and GCS read alike.
 */
export function storeMessage(store: 'S3' | 'GCS', kind: StoreFailure, what: string, status: number, detail: string): string {
  const answer = status === 0 ? 'no answer' : `HTTP ${status}`;
  const head: Record<StoreFailure, string> = {
    'no-such-bucket': `${store}: no such bucket (${answer} to ${what})`,
    forbidden: `${store} answered 403 Forbidden to ${what}`,
    unauthenticated: `${store} refused the credentials as invalid or expired (${answer} to ${what})`,
    'no-credentials': `${store}: no credentials could be found for ${what}`,
    'clock-skew': `${store} refused ${what}: this machine's clock is too far from the store's (clock skew)`,
    signature: `${store} refused the signature of ${what} (${answer})`,
    throttled: `${store} is throttling requests (${answer} to ${what})`,
    unavailable: `${store} did not answer ${what} usably (${answer})`,
    rejected: `${store} refused ${what} (${answer})`,
  };
  return detail ? `${head[kind]}: ${detail}` : head[kind];
}
