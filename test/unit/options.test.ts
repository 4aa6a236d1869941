import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { isLoopbackHost, parseBoolean, parseInteger, parseSeconds, tokenFromEnv, type Spelling } from '../../src/core/options.ts';
import { parseApiUrl, parseCheckOptions, parseListOptions, parseReprocessOptions, parseStore } from '../../src/modes/options.ts';

// Two adapters' spellings, as the CLI and the action name their options.
const cli: Spelling = (n) => (n === 'apiToken' || n === 'chunk' ? undefined : '--' + n.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
const action: Spelling = (n) => (n === 'skipInvalid' || n === 'maxChunks' ? undefined : n.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
const cliCtx = { spell: cli, env: {} };
const actionCtx = { spell: action, env: {} };

/** The UsageError `fn` throws: one line. */
function refusal(fn: () => unknown): string {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UsageError);
  const msg = (err as Error).message;
  expect(msg).not.toContain('\n');
  return msg;
}

describe('parseApiUrl', () => {
  it('is crash-stats over https when not given', () => {
    expect(parseApiUrl({}, true, cli)).toBe('https://crash-stats.mozilla.org');
    expect(parseApiUrl({ apiUrl: '  ' }, true, cli)).toBe('https://crash-stats.mozilla.org');
  });

  it('takes any https URL with a token, without the trailing slash', () => {
    expect(parseApiUrl({ apiUrl: 'https://crash-stats.allizom.org/' }, true, cli)).toBe('https://crash-stats.allizom.org');
    expect(parseApiUrl({ apiUrl: 'https://example.com:8443' }, true, cli)).toBe('https://example.com:8443');
  });

  it('keeps a path prefix: the API is at {api-url}/api/Reprocessing/', () => {
    expect(parseApiUrl({ apiUrl: 'https://example.com/socorro' }, true, cli)).toBe('https://example.com/socorro');
    expect(parseApiUrl({ apiUrl: 'https://example.com/socorro/' }, true, cli)).toBe('https://example.com/socorro');
  });

  it.each(['http://127.0.0.1:8000', 'http://127.0.0.1', 'http://127.1.2.3:9', 'http://127.255.255.255', 'http://localhost:8000', 'http://LOCALHOST:8000', 'http://[::1]:8000', 'http://[::1]'])(
    'sends the token over plain http to loopback %s',
    (url) => {
      expect(() => parseApiUrl({ apiUrl: url }, true, cli)).not.toThrow();
    },
  );

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
    expect(refusal(() => parseApiUrl({ apiUrl: url }, true, cli))).toBe(`--api-url: ${url} is not https; the API token is only sent over https or to loopback`);
    // Without a token to protect, plain http is fine (a dry run).
    expect(() => parseApiUrl({ apiUrl: url }, false, cli)).not.toThrow();
  });

  it.each(['not a url', 'ftp://example.com', 'file:///etc/passwd', 'crash-stats.mozilla.org'])('refuses %s', (url) => {
    expect(refusal(() => parseApiUrl({ apiUrl: url }, false, action))).toMatch(/^api-url: /);
  });
});

describe('isLoopbackHost', () => {
  it('is 127.0.0.0/8, ::1 and localhost', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', '127.10.20.30', '::1', '[::1]', 'localhost', 'LocalHost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['128.0.0.1', '126.0.0.1', '1.127.0.0', '::2', 'localhost.localdomain', 'mylocalhost', '10.0.0.1', '']) expect(isLoopbackHost(h)).toBe(false);
  });
});

describe('primitive parsers name the option as the adapter spells it', () => {
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
  ] as const)('boolean %s → %s', (v, b) => {
    expect(parseBoolean(action, 'dryRun', v)).toBe(b);
  });

  it.each(['maybe', 'on', '2', 'y'])('refuses boolean %s', (v) => {
    expect(refusal(() => parseBoolean(action, 'dryRun', v))).toBe(`dry-run: ${v} is not true or false`);
    expect(refusal(() => parseBoolean(cli, 'dryRun', v))).toBe(`--dry-run: ${v} is not true or false`);
  });

  it('integers default, parse and bound', () => {
    expect(parseInteger(cli, 'max', undefined, 10, 0, 100)).toBe(10);
    expect(parseInteger(cli, 'max', '', 10, 0, 100)).toBe(10);
    expect(parseInteger(cli, 'max', '0', 10, 0, 100)).toBe(0);
    expect(parseInteger(cli, 'max', ' 100 ', 10, 0, 100)).toBe(100);
  });

  it.each(['101', '-1', '1.5', 'ten', '1e3', 'NaN', 'Infinity'])('refuses integer %s, naming option and range', (v) => {
    expect(refusal(() => parseInteger(cli, 'batchSize', v, 50, 0, 100))).toBe(`--batch-size: ${v} is not a whole number from 0 to 100`);
    expect(refusal(() => parseInteger(action, 'batchSize', v, 50, 0, 100))).toBe(`batch-size: ${v} is not a whole number from 0 to 100`);
  });

  it('seconds take fractions and zero, and refuse the rest', () => {
    expect(parseSeconds(cli, 'sleep', undefined, 1)).toBe(1);
    expect(parseSeconds(cli, 'sleep', '0', 1)).toBe(0);
    expect(parseSeconds(cli, 'sleep', '0.25', 1)).toBe(0.25);
    for (const v of ['-1', 'abc', '3601', 'Infinity']) expect(refusal(() => parseSeconds(cli, 'sleep', v, 1))).toMatch(/^--sleep: /);
  });

  it('an option the adapter does not have is named by its own name', () => {
    const none: Spelling = () => undefined;
    expect(refusal(() => parseInteger(none, 'chunkSize', 'x', 1, 1, 2))).toMatch(/^chunkSize: x/);
  });
});

describe('parseStore', () => {
  it('takes a bucket name, with the region from the environment, else us-west-2', () => {
    expect(parseStore({ bucket: ' crashes ' }, cliCtx)).toEqual({ kind: 's3', bucket: 'crashes', endpoint: undefined, emulator: false, region: 'us-west-2', pathStyle: false });
    expect(parseStore({ bucket: 'crashes' }, { spell: cli, env: { AWS_REGION: 'eu-central-1' } }).region).toBe('eu-central-1');
    expect(parseStore({ bucket: 'crashes', region: 'us-east-1' }, { spell: cli, env: { AWS_REGION: 'eu-central-1' } }).region).toBe('us-east-1');
  });

  it('takes an http(s) endpoint from the option, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL', () => {
    expect(parseStore({ bucket: 'crashes', endpoint: 'http://127.0.0.1:9000/' }, cliCtx).endpoint).toBe('http://127.0.0.1:9000');
    expect(parseStore({ bucket: 'crashes' }, { spell: cli, env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:2' } }).endpoint).toBe('http://127.0.0.1:1');
    expect(parseStore({ bucket: 'crashes' }, { spell: cli, env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:2' } }).endpoint).toBe('http://127.0.0.1:2');
    expect(refusal(() => parseStore({ bucket: 'crashes', endpoint: '127.0.0.1:9000' }, cliCtx))).toBe('--endpoint: 127.0.0.1:9000 is not a URL');
    expect(refusal(() => parseStore({ bucket: 'crashes', endpoint: 'ftp://x' }, actionCtx))).toBe('endpoint: ftp://x is not an http(s) URL');
  });

  it('gs://NAME is Google Cloud Storage, s3://NAME and NAME are S3; --storage names the store of a bare name', () => {
    expect(parseStore({ bucket: 'gs://crashes' }, cliCtx)).toMatchObject({ kind: 'gcs', bucket: 'crashes', endpoint: undefined, emulator: false });
    expect(parseStore({ bucket: 's3://crashes' }, cliCtx)).toMatchObject({ kind: 's3', bucket: 'crashes' });
    expect(parseStore({ bucket: 'crashes', storage: 'gcs' }, cliCtx)).toMatchObject({ kind: 'gcs', bucket: 'crashes' });
    expect(parseStore({ bucket: 'gs://crashes', storage: 'gcs' }, cliCtx)).toMatchObject({ kind: 'gcs', bucket: 'crashes' });
    expect(refusal(() => parseStore({ bucket: 'gs://crashes', storage: 's3' }, actionCtx))).toBe('storage s3 contradicts bucket gs://crashes');
    expect(refusal(() => parseStore({ bucket: 'crashes', storage: 'azure' }, cliCtx))).toBe('--storage: azure is not a store (s3 or gcs)');
  });

  it('GCS: the endpoint from the option, else STORAGE_EMULATOR_HOST (host:port meaning http://), which marks an emulator', () => {
    const env = { STORAGE_EMULATOR_HOST: '127.0.0.1:4443', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' };
    expect(parseStore({ bucket: 'gs://cr' }, { spell: cli, env })).toMatchObject({ endpoint: 'http://127.0.0.1:4443', emulator: true });
    expect(parseStore({ bucket: 'gs://cr' }, { spell: cli, env: { STORAGE_EMULATOR_HOST: 'https://gcs.test:8443/' } })).toMatchObject({ endpoint: 'https://gcs.test:8443', emulator: true });
    expect(parseStore({ bucket: 'gs://cr', endpoint: 'http://127.0.0.1:7' }, { spell: cli, env })).toMatchObject({ endpoint: 'http://127.0.0.1:7', emulator: false });
    // Each store reads only its own variable.
    expect(parseStore({ bucket: 's3://cr' }, { spell: cli, env })).toMatchObject({ endpoint: 'http://127.0.0.1:9' });
    expect(parseStore({ bucket: 'gs://cr' }, { spell: cli, env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' } }).endpoint).toBeUndefined();
    expect(refusal(() => parseStore({ bucket: 'gs://cr' }, { spell: cli, env: { STORAGE_EMULATOR_HOST: 'not a host' } }))).toBe(
      'STORAGE_EMULATOR_HOST: not a host is not a host:port or URL',
    );
  });

  it('GCS: the bearer token goes only over https or to loopback; an http emulator elsewhere is sent none', () => {
    for (const endpoint of ['http://gcs.example.test:4443', 'http://10.0.0.7:4443/', 'http://[2001:db8::1]:80']) {
      expect(refusal(() => parseStore({ bucket: 'gs://cr', endpoint }, cliCtx))).toBe(
        `--endpoint: ${endpoint} is not https; the GCS token is only sent over https or to loopback (an emulator elsewhere: STORAGE_EMULATOR_HOST, which is sent no token)`,
      );
      expect(refusal(() => parseStore({ bucket: 'gs://cr', endpoint }, actionCtx))).toMatch(/^endpoint: .* is not https; the GCS token is only sent/);
    }
    for (const endpoint of ['https://gcs.example.test', 'http://127.0.0.1:4443', 'http://localhost:4443', 'http://[::1]:4443']) {
      expect(parseStore({ bucket: 'gs://cr', endpoint }, cliCtx).tokenless).toBeUndefined();
    }
    // S3 signs requests (SigV4) instead of sending a bearer secret: any http endpoint.
    expect(parseStore({ bucket: 's3://cr', endpoint: 'http://rgw.example.test:8080' }, cliCtx).endpoint).toBe('http://rgw.example.test:8080');
    // An emulator in another container: no token at all; on this machine or over https, the credentials found.
    expect(parseStore({ bucket: 'gs://cr' }, { spell: cli, env: { STORAGE_EMULATOR_HOST: 'fake-gcs:4443' } })).toMatchObject({ emulator: true, tokenless: true });
    expect(parseStore({ bucket: 'gs://cr' }, { spell: cli, env: { STORAGE_EMULATOR_HOST: 'http://fake-gcs:4443' } })).toMatchObject({ emulator: true, tokenless: true });
    expect(parseStore({ bucket: 'gs://cr' }, { spell: cli, env: { STORAGE_EMULATOR_HOST: '127.0.0.1:4443' } }).tokenless).toBeUndefined();
    expect(parseStore({ bucket: 'gs://cr' }, { spell: cli, env: { STORAGE_EMULATOR_HOST: 'https://fake-gcs:4443' } }).tokenless).toBeUndefined();
  });

  it('refuses a missing or malformed bucket, naming the option', () => {
    expect(refusal(() => parseStore({}, cliCtx))).toBe('--bucket: the bucket is required');
    expect(refusal(() => parseStore({ bucket: 'a b' }, actionCtx))).toBe('bucket: a b is not a bucket name');
  });
});

describe('parseListOptions', () => {
  it('parses dates, layout, chunk size and the window', () => {
    const { list } = parseListOptions({ bucket: 'crashes', dates: '20240301..20240302', layout: 'v2', chunkSize: '1000', since: '10:00', until: '12:30' }, '/out', cliCtx);
    expect(list).toEqual({ dates: ['20240301', '20240302'], layout: 'v2', chunkSize: 1000, maxChunks: undefined, since: 600, until: 750, out: '/out' });
  });

  it('defaults to layout v1 and chunks of 50,000, with no chunk limit unless asked', () => {
    const { list } = parseListOptions({ bucket: 'crashes', dates: '20240301' }, '/out', cliCtx);
    expect([list.layout, list.chunkSize, list.maxChunks]).toEqual(['v1', 50_000, undefined]);
    expect(parseListOptions({ bucket: 'crashes', dates: '20240301', maxChunks: '256' }, '/o', cliCtx).list.maxChunks).toBe(256);
    expect(parseListOptions({ bucket: 'crashes', dates: '20240301', maxChunks: '0' }, '/o', cliCtx).list.maxChunks).toBeUndefined();
  });

  it('cross-checks since ≤ until, in each adapter\'s words', () => {
    const raw = { bucket: 'crashes', dates: '20240301', since: '13:00', until: '12:00' };
    expect(refusal(() => parseListOptions(raw, '/o', cliCtx))).toBe('--since 13:00 is after --until 12:00');
    expect(refusal(() => parseListOptions(raw, '/o', actionCtx))).toBe('since 13:00 is after until 12:00');
  });

  it('takes hours as since and until in one, either end left out', () => {
    const list = (hours: string) => parseListOptions({ bucket: 'crashes', dates: '20240301', hours }, '/o', actionCtx).list;
    expect([list('03:00..07:59').since, list('03:00..07:59').until]).toEqual([180, 479]);
    expect([list('03:00-07:59').since, list('03:00-07:59').until]).toEqual([180, 479]);
    expect([list('..07:59').since, list('..07:59').until]).toEqual([undefined, 479]);
    expect([list('22:00..').since, list('22:00..').until]).toEqual([1320, undefined]);
    expect(refusal(() => list('07:00..03:00'))).toBe('hours: 07:00..03:00 starts after it ends');
    expect(refusal(() => list('3..7'))).toBe('hours: 3..7 is not a window of the day (HH:MM..HH:MM, UTC)');
    expect(refusal(() => list('..'))).toBe('hours: .. is not a window of the day (HH:MM..HH:MM, UTC)');
    expect(refusal(() => list('03:00..25:00'))).toBe('hours: 25:00 is not a time of day (HH:MM, UTC)');
    const both = { bucket: 'crashes', dates: '20240301', hours: '03:00..04:00', since: '03:00' };
    expect(refusal(() => parseListOptions(both, '/o', cliCtx))).toBe('--hours and --since / --until say the same thing: give one or the other');
  });

  it('refuses an unknown layout and a bad date, naming the option', () => {
    expect(refusal(() => parseListOptions({ bucket: 'crashes', dates: '20240301', layout: 'v3' }, '/o', actionCtx))).toBe('layout: v3 is not a layout (v1 or v2)');
    expect(refusal(() => parseListOptions({ bucket: 'crashes', dates: '20241301' }, '/o', actionCtx))).toBe('dates: 20241301 is not a date (YYYYMMDD)');
  });
});

describe('parseCheckOptions', () => {
  it('bounds the concurrency and passes the adapter\'s spelling of skip-invalid on', () => {
    expect(parseCheckOptions({ bucket: 'crashes' }, ['f'], '/o', cliCtx).check).toEqual({
      files: ['f'],
      out: '/o',
      concurrency: 128,
      skipInvalid: false,
      skipInvalidOption: '--skip-invalid',
      search: false,
    });
    expect(parseCheckOptions({ bucket: 'crashes' }, [], '/o', actionCtx).check.skipInvalidOption).toBeUndefined();
    expect(refusal(() => parseCheckOptions({ bucket: 'crashes', concurrency: '0' }, [], '/o', cliCtx))).toBe('--concurrency: 0 is not a whole number from 1 to 1024');
  });
});

describe('parseReprocessOptions', () => {
  const withToken = { spell: cli, env: { SOCORRO_API_TOKEN: 't0k' } };

  it('takes the token from the environment and the defaults of the contract', () => {
    const { api, reprocess } = parseReprocessOptions({}, [], '/o', withToken);
    expect(api).toEqual({ apiUrl: 'https://crash-stats.mozilla.org', token: 't0k', ruleset: undefined });
    expect(reprocess).toEqual({ files: [], out: '/o', batchSize: 50, sleepSeconds: 1, max: 10_000, allowMany: false, dryRun: false, skipInvalid: false });
  });

  it('prefers the action\'s api-token input to the environment', () => {
    expect(parseReprocessOptions({ apiToken: 'input' }, [], '/o', { spell: action, env: { SOCORRO_API_TOKEN: 'env' } }).api.token).toBe('input');
  });

  it('requires a token unless it is a dry run, saying where a token can come from', () => {
    expect(refusal(() => parseReprocessOptions({}, [], '/o', cliCtx))).toBe(
      "no API token: set SOCORRO_API_TOKEN (or CRASHSTATS_API_TOKEN) to a token with the 'Reprocess Crashes' permission",
    );
    expect(refusal(() => parseReprocessOptions({}, [], '/o', actionCtx))).toBe(
      "no API token: give api-token, or set SOCORRO_API_TOKEN (or CRASHSTATS_API_TOKEN) to a token with the 'Reprocess Crashes' permission",
    );
    expect(parseReprocessOptions({ dryRun: 'true' }, [], '/o', actionCtx).api.token).toBeUndefined();
  });

  it('takes the two rulesets Socorro has, or none', () => {
    expect(parseReprocessOptions({ ruleset: 'regenerate_signature' }, [], '/o', withToken).api.ruleset).toBe('regenerate_signature');
    expect(parseReprocessOptions({ ruleset: ' default ' }, [], '/o', withToken).api.ruleset).toBe('default');
    for (const v of ['Default', 'regenerate-signature', 'nope']) {
      expect(refusal(() => parseReprocessOptions({ ruleset: v }, [], '/o', withToken))).toBe(`--ruleset: ${v} is not a ruleset (default or regenerate_signature)`);
    }
  });

  it('bounds the batch size at what Django accepts', () => {
    expect(refusal(() => parseReprocessOptions({ batchSize: '1001' }, [], '/o', withToken))).toBe('--batch-size: 1001 is not a whole number from 1 to 1000');
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
