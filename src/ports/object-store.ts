import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export interface ListedObject {
  key: string;
  lastModified?: Date;
}

export interface ListPage {
  objects: ListedObject[];
  /** Present while the listing is truncated. */
  next?: string;
}

/** What the modes need from S3, and nothing more. */
export interface ObjectStore {
  /** One ListObjectsV2 page. Throws on failure after the client's own retries. */
  listPage(prefix: string, opts: { startAfter?: string; continuationToken?: string }): Promise<ListPage>;
  /** HTTP status of a HEAD; 0 when no HTTP answer came (reset, timeout). Never throws. */
  head(key: string): Promise<number>;
}

export interface S3Options {
  bucket: string;
  region?: string;
  endpoint?: string;
  pathStyle?: boolean;
  /** Sockets kept open; the check pool's concurrency. */
  maxSockets?: number;
  /** SDK attempts for listing; HEADs are retried by the check mode itself. */
  listAttempts?: number;
  requestTimeoutMs?: number;
}

export function s3ObjectStore(opts: S3Options): ObjectStore {
  const maxSockets = opts.maxSockets ?? 128;
  const agentOpts = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  const handler = {
    httpAgent: new HttpAgent(agentOpts),
    httpsAgent: new HttpsAgent(agentOpts),
    connectionTimeout: 10_000,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
  };
  const common = {
    region: opts.region || 'us-west-2',
    endpoint: opts.endpoint || undefined,
    forcePathStyle: opts.pathStyle ?? false,
    requestHandler: handler,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
  const lister = new S3Client({ ...common, maxAttempts: opts.listAttempts ?? 5 });
  // One attempt: check owns HEAD retries, so that throttling can slow the whole pool down.
  const header = new S3Client({ ...common, maxAttempts: 1 });
  const Bucket = opts.bucket;

  return {
    async listPage(prefix, { startAfter, continuationToken }) {
      const out = await lister.send(
        new ListObjectsV2Command({ Bucket, Prefix: prefix, StartAfter: startAfter, ContinuationToken: continuationToken }),
      );
      const objects = (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', lastModified: o.LastModified }));
      return { objects, next: out.IsTruncated ? out.NextContinuationToken : undefined };
    },
    async head(key) {
      try {
        const out = await header.send(new HeadObjectCommand({ Bucket, Key: key }));
        return out.$metadata.httpStatusCode ?? 200;
      } catch (err) {
        // HEAD errors have no body, so the SDK often cannot name them: the status is the truth.
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (typeof status === 'number') return status;
        // Credential and configuration errors are not the store's answer: let them surface.
        const name = (err as Error).name;
        if (name === 'CredentialsProviderError' || name === 'TypeError') throw err;
        return 0;
      }
    },
  };
}
