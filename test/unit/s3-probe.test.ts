/**
 * How the S3 store's signed HEAD path finds where a HEAD goes: the SDK builds (never sends) one
 * request, and the probe keeps its host, path and signing region. Offline: nothing leaves.
 */
import * as sdk from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { probeHeadTarget, s3Store } from '../../src/ports/s3-store.ts';
import { StoreError } from '../../src/ports/store.ts';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

function client(cfg: { region: string; endpoint?: string; forcePathStyle?: boolean }) {
  return new sdk.S3Client({ ...cfg, credentials, maxAttempts: 1 });
}

describe('probeHeadTarget', () => {
  it('AWS, a plain bucket name: virtual-hosted style, signed for the bucket\'s region', async () => {
    const t = await probeHeadTarget(sdk, client({ region: 'us-west-2' }), 'crashes');
    expect(t).toEqual({
      https: true,
      hostname: 'crashes.s3.us-west-2.amazonaws.com',
      port: undefined,
      host: 'crashes.s3.us-west-2.amazonaws.com',
      pathPrefix: '/',
      signingRegion: 'us-west-2',
      signingName: 's3',
    });
  });

  it('AWS, a dotted bucket (Socorro\'s old org.mozilla.crash-stats…): path style, since a dotted host breaks TLS', async () => {
    const bucket = 'org.mozilla.crash-stats.production.crashes';
    const t = await probeHeadTarget(sdk, client({ region: 'us-west-2' }), bucket);
    expect(t).toMatchObject({ https: true, hostname: 's3.us-west-2.amazonaws.com', pathPrefix: `/${bucket}/`, signingRegion: 'us-west-2' });
  });

  it('a custom endpoint with path style (Ceph, MinIO, s3rver): its host and port, /bucket/ in the path', async () => {
    const t = await probeHeadTarget(sdk, client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }), 'crashes');
    expect(t).toEqual({
      https: false,
      hostname: '127.0.0.1',
      port: 9000,
      host: '127.0.0.1:9000',
      pathPrefix: '/crashes/',
      signingRegion: 'us-east-1',
      signingName: 's3',
    });
  });

  it('an S3 Express directory bucket (another auth scheme): no direct path', async () => {
    const t = await probeHeadTarget(sdk, client({ region: 'us-west-2' }), 'crashes--usw2-az1--x-s3');
    expect(t).toBeUndefined();
  });
});

describe('s3Store: falling back to the SDK for every HEAD is said once', () => {
  it('logs one warning for many HEADs, and still answers through the SDK', async () => {
    const warnings: string[] = [];
    // An endpoint nothing listens on: each SDK HEAD fails fast with no answer.
    const store = s3Store({
      bucket: 'crashes--usw2-az1--x-s3',
      region: 'us-west-2',
      endpoint: 'http://127.0.0.1:9',
      credentials,
      log: { info() {}, warn: (m) => warnings.push(m) },
    });
    try {
      const answers = await Promise.all([1, 2, 3].map((i) => store.head(`v1/processed_crash/${i}`)));
      for (const a of answers) expect(a).toBeInstanceOf(StoreError);
      await store.head('v1/processed_crash/4');
      expect(warnings).toEqual([
        'S3: the signed HEAD path does not handle this bucket or endpoint; every HEAD now goes through the AWS SDK (correct, but several times the CPU a request)',
      ]);
    } finally {
      await store.close();
    }
  });
});
