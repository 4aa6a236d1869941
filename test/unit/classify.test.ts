import { describe, expect, it } from 'vitest';
import { FORBIDDEN_HELP, classifyHead, classifySubmit, isThrottle } from '../../src/core/classify.ts';

describe('classifyHead', () => {
  it.each([
    [200, 'processed'],
    [204, 'processed'],
    [206, 'processed'],
    [404, 'unprocessed'],
    [403, 'forbidden'],
    [0, 'retry'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [301, 'error'],
    [304, 'error'],
    [400, 'error'],
    [401, 'error'],
    [405, 'error'],
    [410, 'error'],
    [412, 'error'],
  ] as const)('%i → %s', (status, verdict) => {
    expect(classifyHead(status)).toBe(verdict);
  });

  it('only a 404 is a havenot', () => {
    for (let s = 0; s < 600; s++) {
      if (s !== 404) expect(classifyHead(s)).not.toBe('unprocessed');
    }
  });

  it('throttling is 503 and 429', () => {
    expect(isThrottle(503)).toBe(true);
    expect(isThrottle(429)).toBe(true);
    expect(isThrottle(500)).toBe(false);
    expect(isThrottle(0)).toBe(false);
  });

  it('the 403 help names ListBucket', () => {
    expect(FORBIDDEN_HELP).toContain('s3:ListBucket');
    expect(FORBIDDEN_HELP).not.toContain('\n');
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
