import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { forEachPooled } from '../core/pool.ts';
import { startS3PolicyGate, type S3PolicyGate } from './s3-policy.ts';

/** An S3 endpoint for the demo and the tests: s3rver in this process, or a server given by env. */
export interface S3Endpoint {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Environment for a child process (the CLI, the action) to reach it. */
  env: Record<string, string>;
  client: S3Client;
  /**
   * s3rver only: sets the time an object was saved (its LastModified), which s3rver takes from
   * the object file's mtime; S3 itself has no way to do this.
   */
  setSavedTime?(bucket: string, key: string, when: Date): Promise<void>;
  /** Whether `env` holds no more than the README's least-privilege policy (the gate, or an RGW user granted only that). */
  leastPrivilege?: boolean;
  /** Behind the least-privilege policy gate: every request it saw, allowed or refused. */
  seen?: S3PolicyGate['seen'];
  close(): Promise<void>;
}

export function s3Client(endpoint: string, accessKeyId: string, secretAccessKey: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-west-2',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    // s3rver stores aws-chunked framing as the object body; plain bodies avoid it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function endpointFrom(endpoint: string, accessKeyId: string, secretAccessKey: string, close: () => Promise<void>): S3Endpoint {
  const client = s3Client(endpoint, accessKeyId, secretAccessKey);
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    client,
    env: { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_REGION: 'us-west-2' },
    async close() {
      client.destroy();
      await close();
    },
  };
}

/**
 * s3rver in-process on an ephemeral loopback port. Its listing continuation tokens use a
 * cipher that Node ≥17 only has with --openssl-legacy-provider; without it every truncated
 * listing fails, so refuse early with the fix.
 */
export async function startS3rver(): Promise<S3Endpoint> {
  if (!process.execArgv.includes('--openssl-legacy-provider') && !(process.env.NODE_OPTIONS ?? '').includes('--openssl-legacy-provider')) {
    throw new Error('s3rver needs NODE_OPTIONS=--openssl-legacy-provider for paged listings');
  }
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: true });
  const addr = (await server.run());
  const ep = endpointFrom(`http://127.0.0.1:${addr.port}`, 'S3RVER', 'S3RVER', async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });
  ep.setSavedTime = async (bucket, key, when) => {
    // s3rver keeps `a/b/name` as the file `a/b/name._S3rver_object` under its directory.
    const parts = key.split('/');
    const file = join(directory, bucket, ...parts.slice(0, -1), `${parts[parts.length - 1]}._S3rver_object`);
    await utimes(file, when, when);
  };
  return ep;
}

/**
 * The S3 server for tests: Ceph RGW when S3_TEST_ENDPOINT is set (the CI leg), else s3rver.
 * Either way the tool gets no more than the README's least-privilege policy (ListBucket, and
 * GetObject on v1/processed_crash/*): in front of s3rver, which grants everything, a policy gate
 * (s3-policy.ts) enforces it. `client` (seeding, setSavedTime) goes to the server directly.
 */
export async function startTestS3(): Promise<S3Endpoint> {
  const ep = process.env.S3_TEST_ENDPOINT;
  if (ep) {
    const admin = endpointFrom(ep, process.env.S3_TEST_ACCESS_KEY ?? 'rgwtest', process.env.S3_TEST_SECRET_KEY ?? 'rgwtestsecret', async () => {});
    const reader = process.env.S3_TEST_READ_ACCESS_KEY;
    if (!reader) return admin;
    // The tool runs as a user that owns nothing; each bucket the admin creates gets a bucket
    // policy granting that user the README's least privilege, which RGW itself enforces.
    admin.client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'CreateBucketCommand') {
          const bucket = (args.input as { Bucket: string }).Bucket;
          await admin.client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: readmePolicy(bucket, `arn:aws:iam:::user/${process.env.S3_TEST_READ_UID ?? 'rgwreader'}`) }));
        }
        return out;
      },
      { step: 'initialize', name: 'grantLeastPrivilege' },
    );
    const secret = process.env.S3_TEST_READ_SECRET_KEY ?? '';
    return { ...admin, leastPrivilege: true, env: { AWS_ACCESS_KEY_ID: reader, AWS_SECRET_ACCESS_KEY: secret, AWS_REGION: 'us-west-2' } };
  }
  const s3 = await startS3rver();
  const gate = await startS3PolicyGate(s3.endpoint);
  return {
    ...s3,
    leastPrivilege: true,
    endpoint: gate.endpoint,
    seen: gate.seen,
    async close() {
      await gate.close();
      await s3.close();
    },
  };
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Puts small objects concurrently (string bodies: see s3Client). */
export async function putObjects(client: S3Client, bucket: string, keys: Iterable<string>, body = '{}'): Promise<void> {
  await forEachPooled(keys, 32, async (Key) => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: body }));
  });
}

/** The README's least-privilege policy for `principal` on `bucket`, as a bucket policy. */
export function readmePolicy(bucket: string, principal: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: [principal] }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
      { Effect: 'Allow', Principal: { AWS: [principal] }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/v1/processed_crash/*` },
    ],
  });
}
