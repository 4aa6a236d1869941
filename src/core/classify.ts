/**
 * The one place where an answer of a store or of Socorro's API becomes a verdict. Ports hand in
 * what came over the wire (an HTTP status, and the error code a body or a client library
 * named); modes act on the verdicts only.
 *
 * The rule everything else follows: only a 404 for an object in a bucket known to exist means
 * "not processed". Counting any other failure as a havenot would send healthy crashes to the
 * processing queue, so everything else is found (2xx), a reason to stop, worth another try, or
 * an error for that one id.
 */

/** What one object request (HEAD or metadata GET) says about the object. */
export type Presence = 'found' | 'missing';

/**
 * Why a store request failed, in the store's own terms (same kinds for S3 and GCS):
 * - no-such-bucket: the bucket does not exist (a listing's 404);
 * - forbidden: the credentials lack a permission (403);
 * - unauthenticated: the credentials were refused as invalid or expired (401, S3's InvalidAccessKeyId/ExpiredToken);
 * - no-credentials: none could be found or obtained;
 * - clock-skew: this machine's clock is too far from the store's (S3's RequestTimeTooSkewed);
 * - signature: the store refused the request's signature (SignatureDoesNotMatch);
 * - throttled: the store wants fewer requests (429, 503 SlowDown);
 * - unavailable: no answer, a timeout or a 5xx: worth another try;
 * - rejected: any other answer (another 4xx): an error for this request, not retried.
 */
export type StoreFailure =
  | 'no-such-bucket'
  | 'forbidden'
  | 'unauthenticated'
  | 'no-credentials'
  | 'clock-skew'
  | 'signature'
  | 'throttled'
  | 'unavailable'
  | 'rejected';

/** Error codes (S3's XML `Code`, GCS's `reason`) that decide a failure where the status alone would not. */
const CODE_KINDS: Record<string, StoreFailure> = {
  NoSuchBucket: 'no-such-bucket',
  RequestTimeTooSkewed: 'clock-skew',
  SignatureDoesNotMatch: 'signature',
  InvalidAccessKeyId: 'unauthenticated',
  ExpiredToken: 'unauthenticated',
  TokenRefreshRequired: 'unauthenticated',
  InvalidToken: 'unauthenticated',
  SlowDown: 'throttled',
  rateLimitExceeded: 'throttled',
  userRateLimitExceeded: 'throttled',
  authError: 'unauthenticated',
};

function failureOf(status: number, code: string | undefined): StoreFailure {
  const byCode = code === undefined ? undefined : CODE_KINDS[code];
  if (byCode) return byCode;
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 429 || status === 503) return 'throttled';
  if (status === 0 || status === 408 || status >= 500) return 'unavailable';
  return 'rejected';
}

/**
 * An object request's answer. `status` 0 means no HTTP answer (reset, timeout). A 404 is
 * "missing" only as far as the object goes: a HEAD in a bucket that does not exist is a bodyless
 * 404 too, which is why check asks the store about the bucket (a listing) before any HEAD.
 */
export function classifyObjectAnswer(status: number, code?: string): Presence | StoreFailure {
  if (status >= 200 && status < 300) return 'found';
  if (status === 404 && code !== 'NoSuchBucket') return 'missing';
  if (status === 404) return 'no-such-bucket';
  return failureOf(status, code);
}

/** A listing's failure: its 404 can only mean the bucket is missing. */
export function classifyListFailure(status: number, code?: string): StoreFailure {
  if (status === 404) return 'no-such-bucket';
  return failureOf(status, code);
}

/** Failures a retry may cure. */
export function isTransient(kind: StoreFailure): boolean {
  return kind === 'throttled' || kind === 'unavailable';
}

/** Failures that say nothing about one crash and would say the same of every other: stop the run. */
export function isFatal(kind: StoreFailure): boolean {
  return !isTransient(kind) && kind !== 'rejected';
}

/**
 * The Reprocessing API's answer. Socorro answers 200 with a JSON body of little meaning (`null`
 * today), so only the status counts.
 */
export type SubmitVerdict = 'accepted' | 'invalid' | 'forbidden' | 'error';

export function classifySubmit(status: number): SubmitVerdict {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 400) return 'invalid';
  if (status === 401 || status === 403) return 'forbidden';
  return 'error';
}

/** Statuses (and no answer, 0) worth retrying on Socorro's API: rate limits and server trouble. */
export function isRetryableApiStatus(status: number): boolean {
  return status === 0 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * SuperSearch's answer: 'answered' means the hits can be trusted to say which ids are indexed;
 * anything else classifies nothing (a failed search must never make a havenot).
 */
export type SearchVerdict = 'answered' | 'forbidden' | 'error';

export function classifySearch(status: number): SearchVerdict {
  if (status >= 200 && status < 300) return 'answered';
  if (status === 401 || status === 403) return 'forbidden';
  return 'error';
}
