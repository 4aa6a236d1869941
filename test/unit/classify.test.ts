import { describe, expect, it } from 'vitest';
import {
  classifyListFailure,
  classifyObjectAnswer,
  classifySearch,
  classifySubmit,
  isFatal,
  isRetryableApiStatus,
  isTransient,
  type StoreFailure,
} from '../../src/core/classify.ts';

describe('classifyObjectAnswer', () => {
  it.each([
    [200, undefined, 'found'],
    [204, undefined, 'found'],
    [206, undefined, 'found'],
    [404, undefined, 'missing'],
    [404, 'NoSuchKey', 'missing'],
    [404, 'NoSuchBucket', 'no-such-bucket'],
    [401, undefined, 'unauthenticated'],
    [403, undefined, 'forbidden'],
    [403, 'AccessDenied', 'forbidden'],
    [403, 'RequestTimeTooSkewed', 'clock-skew'],
    [403, 'SignatureDoesNotMatch', 'signature'],
    [403, 'InvalidAccessKeyId', 'unauthenticated'],
    [400, 'ExpiredToken', 'unauthenticated'],
    [0, undefined, 'unavailable'],
    [408, undefined, 'unavailable'],
    [429, undefined, 'throttled'],
    [429, 'rateLimitExceeded', 'throttled'],
    [500, undefined, 'unavailable'],
    [502, undefined, 'unavailable'],
    [503, undefined, 'throttled'],
    [503, 'SlowDown', 'throttled'],
    [504, undefined, 'unavailable'],
    [301, undefined, 'rejected'],
    [304, undefined, 'rejected'],
    [400, undefined, 'rejected'],
    [405, undefined, 'rejected'],
    [410, undefined, 'rejected'],
    [412, undefined, 'rejected'],
  ] as const)('%i %s → %s', (status, code, verdict) => {
    expect(classifyObjectAnswer(status, code)).toBe(verdict);
  });

  it('only a 404 for an object is a havenot', () => {
    for (let s = 0; s < 600; s++) {
      if (s !== 404) expect(classifyObjectAnswer(s)).not.toBe('missing');
      for (const code of ['NoSuchBucket', 'AccessDenied', 'SlowDown']) if (s !== 404 || code === 'NoSuchBucket') expect(classifyObjectAnswer(s, code)).not.toBe('missing');
    }
  });
});

describe('classifyListFailure', () => {
  it('a listing\'s 404 is a missing bucket, whatever its body says', () => {
    expect(classifyListFailure(404)).toBe('no-such-bucket');
    expect(classifyListFailure(404, 'notFound')).toBe('no-such-bucket');
    expect(classifyListFailure(403)).toBe('forbidden');
    expect(classifyListFailure(401, 'authError')).toBe('unauthenticated');
    expect(classifyListFailure(503)).toBe('throttled');
    expect(classifyListFailure(500)).toBe('unavailable');
  });
});

describe('what a failure means for a run', () => {
  const all: StoreFailure[] = ['no-such-bucket', 'forbidden', 'unauthenticated', 'no-credentials', 'clock-skew', 'signature', 'throttled', 'unavailable', 'rejected'];
  it('throttled and unavailable are worth another try; rejected fails one request; the rest stop the run', () => {
    expect(all.filter(isTransient)).toEqual(['throttled', 'unavailable']);
    expect(all.filter(isFatal)).toEqual(['no-such-bucket', 'forbidden', 'unauthenticated', 'no-credentials', 'clock-skew', 'signature']);
  });
});

describe('classifySubmit', () => {
  it.each([
    [200, 'accepted'],
    [201, 'accepted'],
    [202, 'accepted'],
    [204, 'accepted'],
    [400, 'invalid'],
    [401, 'forbidden'],
    [403, 'forbidden'],
    [0, 'error'],
    [301, 'error'],
    [404, 'error'],
    [405, 'error'],
    [413, 'error'],
    [429, 'error'],
    [500, 'error'],
    [503, 'error'],
  ] as const)('%i → %s', (status, verdict) => {
    expect(classifySubmit(status)).toBe(verdict);
  });
});

describe('Socorro API statuses', () => {
  it('retries rate limits, server errors and no answer; nothing else', () => {
    const retried = [];
    for (let s = 0; s < 600; s++) if (isRetryableApiStatus(s)) retried.push(s);
    expect(retried).toEqual([0, 429, 500, 502, 503, 504]);
  });

  it('a search answer is trusted only on 2xx', () => {
    expect(classifySearch(200)).toBe('answered');
    expect(classifySearch(403)).toBe('forbidden');
    expect(classifySearch(400)).toBe('error');
    expect(classifySearch(500)).toBe('error');
    expect(classifySearch(0)).toBe('error');
  });
});
