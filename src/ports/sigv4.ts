import { createHmac, createSecretKey, hash, type KeyObject } from 'node:crypto';

/**
 * AWS Signature Version 4 for header-signed requests without a body (what check's HEADs are),
 * written from the published algorithm. The SDK signs the same way; it is only used here
 * because a check sends millions of identical-shape requests and the SDK's per-request
 * machinery cost several times more CPU than the request itself (bench/README.md).
 */

export const EMPTY_SHA256 = hash('sha256', '', 'hex');

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** `YYYYMMDDTHHMMSSZ` for a time in ms. */
export function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export class SigV4Signer {
  readonly region: string;
  readonly service: string;
  private keyFor: { secret: string; day: string; key: KeyObject | undefined } = { secret: '', day: '', key: undefined };
  private dateSecond = -1;
  private dateText = '';

  constructor(region: string, service = 's3') {
    this.region = region;
    this.service = service;
  }

  /** The amz date for now, computed once per second. */
  now(ms = Date.now()): string {
    const s = Math.floor(ms / 1000);
    if (s !== this.dateSecond) {
      this.dateSecond = s;
      this.dateText = amzDate(s * 1000);
    }
    return this.dateText;
  }

  /** The day's signing key, derived once per day and secret, kept as a KeyObject (no per-use key import). */
  private signingKey(secret: string, day: string): KeyObject {
    const c = this.keyFor;
    if (c.key === undefined || c.secret !== secret || c.day !== day) {
      const kDate = createHmac('sha256', 'AWS4' + secret).update(day).digest();
      const kRegion = createHmac('sha256', kDate).update(this.region).digest();
      const kService = createHmac('sha256', kRegion).update(this.service).digest();
      const key = createSecretKey(createHmac('sha256', kService).update('aws4_request').digest());
      this.keyFor = { secret, day, key };
      return key;
    }
    return c.key;
  }

  /**
   * The Authorization header value. `headers` are the signed headers: lowercase names, sorted,
   * values already trimmed; they must include host and x-amz-date. `path` is the URI-encoded
   * path as sent (S3 does not double-encode); `query` the canonical query string ('' for none).
   */
  authorization(
    creds: SigningCredentials,
    method: string,
    path: string,
    query: string,
    headers: ReadonlyArray<readonly [string, string]>,
    payloadHash: string,
    date: string,
  ): string {
    let canonicalHeaders = '';
    let signed = '';
    for (const [k, v] of headers) {
      canonicalHeaders += k + ':' + v + '\n';
      signed += (signed ? ';' : '') + k;
    }
    return this.finish(creds, method + '\n' + path + '\n' + query + '\n' + canonicalHeaders + '\n' + signed + '\n' + payloadHash, signed, date);
  }

  /**
   * authorization() for a HEAD without a query, signing host, x-amz-content-sha256 (of the empty
   * body), x-amz-date and, with temporary credentials, x-amz-security-token: the same result,
   * with no arrays built per request.
   */
  headAuthorization(creds: SigningCredentials, host: string, path: string, date: string): string {
    const token = creds.sessionToken;
    const signed = token ? HEAD_SIGNED_WITH_TOKEN : HEAD_SIGNED;
    const canonical =
      'HEAD\n' + path + '\n\nhost:' + host + '\nx-amz-content-sha256:' + EMPTY_SHA256 + '\nx-amz-date:' + date + '\n' +
      (token ? 'x-amz-security-token:' + token + '\n' : '') + '\n' + signed + '\n' + EMPTY_SHA256;
    return this.finish(creds, canonical, signed, date);
  }

  private finish(creds: SigningCredentials, canonical: string, signed: string, date: string): string {
    const day = date.slice(0, 8);
    const scope = day + '/' + this.region + '/' + this.service + '/aws4_request';
    const toSign = 'AWS4-HMAC-SHA256\n' + date + '\n' + scope + '\n' + hash('sha256', canonical, 'hex');
    const signature = createHmac('sha256', this.signingKey(creds.secretAccessKey, day)).update(toSign).digest('hex');
    return 'AWS4-HMAC-SHA256 Credential=' + creds.accessKeyId + '/' + scope + ', SignedHeaders=' + signed + ', Signature=' + signature;
  }
}

const HEAD_SIGNED = 'host;x-amz-content-sha256;x-amz-date';
const HEAD_SIGNED_WITH_TOKEN = HEAD_SIGNED + ';x-amz-security-token';
