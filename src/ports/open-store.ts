import type { Log } from '../core/progress.ts';
import { adcTokens } from './gcs-auth.ts';
import { gcsStore } from './gcs-store.ts';
import { s3Store } from './s3-store.ts';
import type { ObjectStore, StoreConfig } from './store.ts';

/**
 * The store a configuration names. S3 credentials come from `env` when it has keys (the CLI's
 * environment, which tests pass in-process), else from the AWS SDK's default chain; GCS
 * credentials from Application Default Credentials in the process environment (anonymous for an
 * emulator without any, and for one over plain http on another machine).
 */
export function openStore(config: StoreConfig, env: NodeJS.ProcessEnv, opts: { maxSockets?: number; log?: Log } = {}): ObjectStore {
  if (config.kind === 'gcs') {
    return gcsStore({
      bucket: config.bucket,
      endpoint: config.endpoint,
      tokens: adcTokens({ anonymousIfNoFile: !!config.emulator, anonymous: config.tokenless }),
      maxSockets: opts.maxSockets,
    });
  }
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }
      : undefined;
  return s3Store({
    bucket: config.bucket,
    endpoint: config.endpoint,
    region: config.region,
    pathStyle: config.pathStyle,
    credentials,
    maxSockets: opts.maxSockets,
    log: opts.log,
  });
}
