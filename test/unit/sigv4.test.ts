import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, SigV4Signer, amzDate } from '../../src/ports/sigv4.ts';

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? Buffer.from(d) : Buffer.from(d.buffer, d.byteOffset, d.byteLength);

/** A Checksum constructor over node:crypto, as @smithy/signature-v4 wants one. */
class NodeSha256 {
  private h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {}
}

describe('SigV4Signer', () => {
  it('matches the example in the S3 SigV4 documentation (GET object, single chunk)', () => {
    const signer = new SigV4Signer('us-east-1', 's3');
    const auth = signer.authorization(
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      'GET',
      '/test.txt',
      '',
      [
        ['host', 'examplebucket.s3.amazonaws.com'],
        ['range', 'bytes=0-9'],
        ['x-amz-content-sha256', EMPTY_SHA256],
        ['x-amz-date', '20130524T000000Z'],
      ],
      EMPTY_SHA256,
      '20130524T000000Z',
    );
    expect(auth).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it.each([
    ['path style, session token', '127.0.0.1:9000', '/bucket/v1/processed_crash/0bba61c5-dfc3-43e7-87e6-8afda3160916', 'TOKEN/+='],
    ['virtual host, no token', 'bucket.s3.us-west-2.amazonaws.com', '/v1/processed_crash/0bba61c5-dfc3-43e7-87e6-8afda3160916', undefined],
  ])('signs a HEAD exactly as the SDK signer does (%s)', async (_what, host, path, sessionToken) => {
    const creds = { accessKeyId: 'AKID', secretAccessKey: 'secret/key+x', sessionToken };
    const when = Date.UTC(2024, 0, 15, 12, 34, 56);
    const date = amzDate(when);
    expect(date).toBe('20240115T123456Z');
    const signed: Array<[string, string]> = [
      ['host', host],
      ['x-amz-content-sha256', EMPTY_SHA256],
      ['x-amz-date', date],
    ];
    if (sessionToken) signed.push(['x-amz-security-token', sessionToken]);
    const signer = new SigV4Signer('us-west-2', 's3');
    const ours = signer.authorization(creds, 'HEAD', path, '', signed, EMPTY_SHA256, date);
    expect(signer.headAuthorization(creds, host, path, date)).toBe(ours);

    const sdk = new SignatureV4({ credentials: creds, region: 'us-west-2', service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: true });
    const req = await sdk.sign(
      { method: 'HEAD', protocol: 'https:', hostname: host, path, query: {}, headers: { host, 'x-amz-content-sha256': EMPTY_SHA256 } },
      { signingDate: new Date(when) },
    );
    expect(ours).toBe(req.headers.authorization);
  });

  it('formats the amz date once per second and derives the key once per day', () => {
    const s = new SigV4Signer('eu-central-1');
    expect(s.now(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe('20240229T235959Z');
    expect(s.now(Date.UTC(2024, 2, 1, 0, 0, 0, 1))).toBe('20240301T000000Z');
  });
});
