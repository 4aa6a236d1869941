/**
 * The one place a HEAD of `v1/processed_crash/{id}` becomes a verdict.
 *
 * Only a 404 means "not processed". Treating any other failure as a havenot would send
 * healthy crashes to the processing queue, so everything else is processed (2xx), a reason to
 * stop (403), worth another try (throttling, 5xx, network), or an error.
 */
export type HeadVerdict = 'processed' | 'unprocessed' | 'forbidden' | 'retry' | 'error';

/** `status` 0 means no HTTP answer (reset, timeout, DNS...). */
export function classifyHead(status: number): HeadVerdict {
  if (status >= 200 && status < 300) return 'processed';
  if (status === 404) return 'unprocessed';
  // Without s3:ListBucket, S3 answers 403 for a key that does not exist: it says nothing about
  // the crash, and every other id would get the same answer.
  if (status === 403) return 'forbidden';
  if (status === 0 || status === 408 || status === 429 || status >= 500) return 'retry';
  return 'error';
}

/** 503 (SlowDown) and 429 mean the store wants fewer requests, not just another try. */
export function isThrottle(status: number): boolean {
  return status === 503 || status === 429;
}

export const FORBIDDEN_HELP =
  'S3 answered 403 Forbidden to a HEAD of a processed crash. The credentials need s3:GetObject on v1/processed_crash/* ' +
  'and s3:ListBucket on the bucket (without ListBucket, S3 answers 403 instead of 404 for crashes that were never processed). ' +
  'Nothing was written for the ids that got 403.';

/**
 * The one place a Reprocessing API answer becomes a verdict. Socorro answers 200 with a JSON
 * body of little meaning (`null` today), so only the status counts.
 */
export type SubmitVerdict = 'accepted' | 'invalid' | 'forbidden' | 'error';

export function classifySubmit(status: number): SubmitVerdict {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 400) return 'invalid';
  if (status === 401 || status === 403) return 'forbidden';
  return 'error';
}
