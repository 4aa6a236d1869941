/**
 * The stores the integration and reliability suites run against, behind one face, so a suite is
 * written once and runs on both: S3 (s3rver in this process, or Ceph RGW when S3_TEST_ENDPOINT
 * is set) and Google Cloud Storage (the loopback GCS server, with bearer tokens from the
 * loopback STS, obtained by the tool through a Workload Identity credentials file in
 * GOOGLE_APPLICATION_CREDENTIALS, as a workflow job does; every principal has exactly what the
 * README tells users to grant, GCS_GRANT).
 *
 * TEST_STORES=s3 (or gcs) narrows the suites to one store (the RGW leg of .ci/run runs s3 only).
 *
 * A suite that runs the CLI in its own process (runCli) must call exportStoreEnv(store) for
 * the run: google-auth-library reads Application Default Credentials from process.env, not from
 * the env passed to main(). S3's keys do travel in that env, so S3 runs are unaffected.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGcsAuth, OBJECT_VIEWER, startGcsServer, type GcsAuth, type GcsPermission, type GcsServer, type GcsServerOptions } from '../../src/demo/gcs-server.ts';
import { createBucket, putObjects, startTestS3, type S3Endpoint } from '../../src/demo/s3.ts';
import { exportEnv } from './reliability.ts';
import { startTokenService, writeExternalAccountFile, type TokenService } from './gcp-token-service.ts';

export type StoreKind = 's3' | 'gcs';

/**
 * What the README tells users to grant a GCS identity (roles/storage.objectViewer on the
 * bucket), and so exactly what every principal of the test GCS has: no storage.buckets.get, no
 * writes. test/integration/gcs-credentials.test.ts holds the README to it.
 */
export const GCS_GRANT: readonly GcsPermission[] = OBJECT_VIEWER;

/** A token checker where every principal has GCS_GRANT unless a test says otherwise. */
export const readmeGcsAuth = (): GcsAuth => createGcsAuth({ defaultPermissions: GCS_GRANT });

export const STORE_KINDS: StoreKind[] = (process.env.TEST_STORES ?? 's3,gcs').split(',').map((s) => s.trim()).filter((s): s is StoreKind => s === 's3' || s === 'gcs');

export interface TestStore {
  kind: StoreKind;
  /** What --endpoint takes. */
  endpoint: string;
  /** The environment the tool needs for credentials (keys, or GOOGLE_APPLICATION_CREDENTIALS). */
  env: Record<string, string>;
  /** The --bucket value that names this store: NAME for S3, gs://NAME for GCS. */
  bucketArg(bucket: string): string;
  /** --bucket, --endpoint (and --path-style for S3), for the CLI. */
  args(bucket: string, endpoint?: string): string[];
  createBucket(name: string): Promise<void>;
  /** Puts small objects; `savedAt` sets their saved time where the store allows it (GCS). */
  put(bucket: string, keys: Iterable<string>, opts?: { savedAt?: Date }): Promise<void>;
  /** Whether the store can set an object's saved time (s3rver and RGW take the PUT time). */
  canSetSavedAt: boolean;
  /**
   * Whether the tool's credentials may read raw crashes: the README's S3 policy grants GetObject
   * on v1/processed_crash/* only (enforced in front of s3rver); GCS's objectViewer reads every object.
   */
  readsRawCrashes: boolean;
  s3?: S3Endpoint;
  gcs?: GcsServer;
  tokens?: TokenService;
  close(): Promise<void>;
}

export async function startTestStore(kind: StoreKind, gcsOptions: GcsServerOptions = {}): Promise<TestStore> {
  if (kind === 's3') {
    const s3 = await startTestS3();
    return {
      kind,
      endpoint: s3.endpoint,
      env: { ...s3.env },
      bucketArg: (b) => b,
      args: (b, endpoint = s3.endpoint) => ['--bucket', b, '--endpoint', endpoint, '--path-style'],
      createBucket: (name) => createBucket(s3.client, name),
      put: (bucket, keys) => putObjects(s3.client, bucket, keys),
      canSetSavedAt: false,
      readsRawCrashes: !s3.leastPrivilege,
      s3,
      close: () => s3.close(),
    };
  }
  const gcs = await startGcsServer({ auth: readmeGcsAuth(), ...gcsOptions });
  const tokens = await startTokenService({ gcsAuth: gcs.auth });
  const dir = await mkdtemp(join(tmpdir(), 'gcs-creds-'));
  const creds = await writeExternalAccountFile(dir, { service: tokens });
  return {
    kind,
    endpoint: gcs.url,
    // What google-github-actions/auth leaves a job; no project, as with direct WIF.
    env: { GOOGLE_APPLICATION_CREDENTIALS: creds.path, CLOUDSDK_CONFIG: dir },
    bucketArg: (b) => `gs://${b}`,
    args: (b, endpoint = gcs.url) => ['--bucket', `gs://${b}`, '--endpoint', endpoint],
    async createBucket(name) {
      gcs.createBucket(name);
    },
    async put(bucket, keys, opts = {}) {
      for (const k of keys) gcs.put(bucket, k, '{}', opts.savedAt ? { updated: opts.savedAt } : undefined);
    },
    canSetSavedAt: true,
    readsRawCrashes: true,
    gcs,
    tokens,
    async close() {
      await Promise.allSettled([gcs.close(), tokens.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Puts a GCS store's credentials environment into process.env, where google-auth-library reads
 * Application Default Credentials (the in-process CLI's env object never reaches it); returns
 * the undo. For S3 it changes nothing: its keys go in the env passed to runCli, and putting them
 * in process.env would let a test pass on keys the CLI was not given.
 */
export function exportStoreEnv(store: Pick<TestStore, 'kind' | 'env'>): () => void {
  return store.kind === 'gcs' ? exportEnv(store.env) : () => {};
}
