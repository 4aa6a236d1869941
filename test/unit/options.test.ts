import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import {
  DEFAULT_API_URL,
  isLoopbackHost,
  parseApiUrl,
  parseBool,
  parseBucket,
  parseEndpoint,
  parseIntOption,
  parseRuleset,
  parseSeconds,
  tokenFromEnv,
} from '../../src/core/options.ts';

describe('parseApiUrl', () => {
  it('defaults to crash-stats over https', () => {
    expect(DEFAULT_API_URL).toBe('https://crash-stats.mozilla.org');
    expect(parseApiUrl(undefined, true)).toBe('https://crash-stats.mozilla.org');
    expect(parseApiUrl('  ', true)).toBe('https://crash-stats.mozilla.org');
  });

  it('takes any https URL with a token, without the trailing slash', () => {
    expect(parseApiUrl('https://crash-stats.allizom.org/', true)).toBe('https://crash-stats.allizom.org');
    expect(parseApiUrl('https://example.com:8443', true)).toBe('https://example.com:8443');
  });

  it('keeps a path prefix: the API is at {api-url}/api/Reprocessing/', () => {
    expect(parseApiUrl('https://example.com/socorro', true)).toBe('https://example.com/socorro');
    expect(parseApiUrl('https://example.com/socorro/', true)).toBe('https://example.com/socorro');
  });

  it.each([
    'http://127.0.0.1:8000',
    'http://127.0.0.1',
    'http://127.1.2.3:9',
    'http://127.255.255.255',
    'http://localhost:8000',
    'http://LOCALHOST:8000',
    'http://[::1]:8000',
    'http://[::1]',
  ])('sends the token over plain http to loopback %s', (url) => {
    expect(() => parseApiUrl(url, true)).not.toThrow();
  });

  it.each([
    'http://crash-stats.mozilla.org',
    'http://10.0.0.1:8000',
    'http://128.0.0.1',
    'http://0.0.0.0:8000',
    'http://192.168.1.1',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
    'http://[::2]:8000',
    'http://[fe80::1]',
  ])('refuses to send the token over plain http to %s', (url) => {
    let err: unknown;
    try {
      parseApiUrl(url, true);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain('https');
    // Without a token to protect, plain http is fine (a dry run).
    expect(() => parseApiUrl(url, false)).not.toThrow();
  });

  it.each(['not a url', 'ftp://example.com', 'file:///etc/passwd', 'crash-stats.mozilla.org'])('refuses %s', (url) => {
    expect(() => parseApiUrl(url, false)).toThrow(UsageError);
  });
});

describe('isLoopbackHost', () => {
  it('is 127.0.0.0/8, ::1 and localhost', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '127.10.20.30', '::1', '[::1]', 'localhost', 'LocalHost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['128.0.0.1', '126.0.0.1', '1.127.0.0', '::2', 'localhost.localdomain', 'mylocalhost', '10.0.0.1', '']) expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('parseRuleset', () => {
  it('takes the two rulesets Socorro has, or none', () => {
    expect(parseRuleset(undefined)).toBeUndefined();
    expect(parseRuleset('')).toBeUndefined();
    expect(parseRuleset('default')).toBe('default');
    expect(parseRuleset('regenerate_signature')).toBe('regenerate_signature');
    expect(parseRuleset(' regenerate_signature ')).toBe('regenerate_signature');
  });
  it.each(['Default', 'regenerate-signature', 'nope', 'default,regenerate_signature'])('refuses %s', (v) => {
    expect(() => parseRuleset(v)).toThrow(UsageError);
    expect(() => parseRuleset(v)).toThrow(/--ruleset/);
  });
});

describe('parseBool', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['no', false],
    ['true', true],
    [' True ', true],
    ['1', true],
    ['yes', true],
    [true, true],
    [false, false],
  ] as const)('%s → %s', (v, b) => {
    expect(parseBool('dry-run', v)).toBe(b);
  });
  it.each(['maybe', 'on', '2', 'y'])('refuses %s', (v) => {
    expect(() => parseBool('dry-run', v)).toThrow(UsageError);
    expect(() => parseBool('dry-run', v)).toThrow(/^dry-run: /);
  });
});

describe('parseIntOption', () => {
  it('defaults, parses and bounds', () => {
    expect(parseIntOption('--max', undefined, 10, 0, 100)).toBe(10);
    expect(parseIntOption('--max', '', 10, 0, 100)).toBe(10);
    expect(parseIntOption('--max', '0', 10, 0, 100)).toBe(0);
    expect(parseIntOption('--max', ' 100 ', 10, 0, 100)).toBe(100);
    expect(parseIntOption('--max', 42, 10, 0, 100)).toBe(42);
  });
  it.each(['101', '-1', '1.5', 'ten', '1e3', 'NaN', 'Infinity'])('refuses %s, naming flag and range', (v) => {
    expect(() => parseIntOption('--batch-size', v, 50, 0, 100)).toThrow(UsageError);
    expect(() => parseIntOption('--batch-size', v, 50, 0, 100)).toThrow(`--batch-size: ${v} is not a whole number from 0 to 100`);
  });
});

describe('parseSeconds', () => {
  it('takes fractions and zero', () => {
    expect(parseSeconds('--sleep', undefined, 1)).toBe(1);
    expect(parseSeconds('--sleep', '0', 1)).toBe(0);
    expect(parseSeconds('--sleep', '0.25', 1)).toBe(0.25);
  });
  it.each(['-1', 'abc', '3601', 'Infinity'])('refuses %s', (v) => {
    expect(() => parseSeconds('--sleep', v, 1)).toThrow(UsageError);
  });
});

describe('parseBucket / parseEndpoint', () => {
  it('requires a bucket name', () => {
    expect(parseBucket(' crashes ')).toBe('crashes');
    expect(() => parseBucket(undefined)).toThrow(/--bucket/);
    expect(() => parseBucket('')).toThrow(UsageError);
    expect(() => parseBucket('a b')).toThrow(UsageError);
    expect(() => parseBucket('s3://crashes')).toThrow(UsageError);
  });
  it('takes http(s) endpoints', () => {
    expect(parseEndpoint(undefined)).toBeUndefined();
    expect(parseEndpoint('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000');
    expect(() => parseEndpoint('127.0.0.1:9000')).toThrow(UsageError);
    expect(() => parseEndpoint('ftp://x')).toThrow(UsageError);
  });
});

describe('tokenFromEnv', () => {
  it('prefers SOCORRO_API_TOKEN, else CRASHSTATS_API_TOKEN', () => {
    expect(tokenFromEnv({ SOCORRO_API_TOKEN: 'a', CRASHSTATS_API_TOKEN: 'b' })).toBe('a');
    expect(tokenFromEnv({ CRASHSTATS_API_TOKEN: 'b' })).toBe('b');
    expect(tokenFromEnv({ SOCORRO_API_TOKEN: '  ', CRASHSTATS_API_TOKEN: 'b' })).toBe('b');
    expect(tokenFromEnv({ SOCORRO_API_TOKEN: ' a\n' })).toBe('a');
    expect(tokenFromEnv({})).toBeUndefined();
    expect(tokenFromEnv({ SOCORRO_API_TOKEN: '' })).toBeUndefined();
  });
});
