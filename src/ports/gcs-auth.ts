import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { oneLine } from '../core/errors.ts';

/**
 * The bearer token every GCS request carries: one token shared by all requests, obtained through
 * Application Default Credentials (google-auth-library) and replaced before it expires, so a
 * check job that outlives a token never sends an expired one, and a thousand requests in flight
 * never ask for a thousand tokens.
 */
export interface BearerTokens {
  /** The token to send; undefined when requests go without Authorization (an emulator). */
  get(): Promise<string | undefined>;
  /**
   * GCS refused `rejected` (401): a fresh token, once for everyone that saw the refusal (the
   * requests in flight with the same token share one refresh); undefined when there is none.
   */
  refreshAfter(rejected: string | undefined): Promise<string | undefined>;
  /** Whether requests are anonymous (STORAGE_EMULATOR_HOST and no credentials). */
  readonly anonymous: boolean;
}

/** Thrown when no credentials can be found or a token cannot be obtained. */
export class CredentialsError extends Error {
  override name = 'CredentialsError';
}

/** Read-only access to objects is all the tool needs (roles/storage.objectViewer grants it). */
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';
/** A token is replaced this long before it expires, or a quarter of its life for short-lived ones. */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** When the credentials say nothing about expiry, ask again (the library decides) this often. */
const UNKNOWN_EXPIRY_RECHECK_MS = 5 * 60_000;

interface AccessClient {
  getAccessToken(): Promise<{ token?: string | null }>;
  credentials?: { expiry_date?: number | null };
}

/** gcloud's ADC file (`gcloud auth application-default login`), where google-auth-library looks too. */
function gcloudAdcFile(env: NodeJS.ProcessEnv): string {
  const dir = env.CLOUDSDK_CONFIG || join(env.HOME || homedir(), '.config', 'gcloud');
  return join(dir, 'application_default_credentials.json');
}

/** Whether credentials a file names exist, without asking the metadata server (a 3 s probe off GCE). */
export function hasCredentialFile(env: NodeJS.ProcessEnv): boolean {
  return !!env.GOOGLE_APPLICATION_CREDENTIALS?.trim() || existsSync(gcloudAdcFile(env));
}

/**
 * Tokens from Application Default Credentials: the file in GOOGLE_APPLICATION_CREDENTIALS (a
 * service-account key, an external_account such as the file google-github-actions/auth writes
 * for Workload Identity Federation, an authorized user, an impersonated_service_account),
 * gcloud's ADC file, or the metadata server. With
 * `anonymousIfNoFile` (an emulator) and no credential file, or with `anonymous`, requests go
 * without Authorization.
 * google-auth-library reads these from the process environment (its only non-deprecated way to
 * load a credentials file), so that is where they are looked for here too.
 */
export function adcTokens(opts: { anonymousIfNoFile: boolean; anonymous?: boolean; now?: () => number }): BearerTokens {
  const env = process.env;
  const now = opts.now ?? Date.now;
  const anonymous = !!opts.anonymous || (opts.anonymousIfNoFile && !hasCredentialFile(env));
  let client: Promise<AccessClient> | undefined;
  let current: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const makeClient = async (): Promise<AccessClient> => {
    // Loaded only when a GCS bucket is used: the S3 and API paths never pay for it.
    const { GoogleAuth } = await import('google-auth-library');
    const auth = new GoogleAuth({
      scopes: [SCOPE],
      // Object requests need no project. Without one here the library looks one up (gcloud,
      // the metadata server, Cloud Resource Manager for external accounts) and fails when it
      // cannot, although the token itself was fine.
      projectId: env.GOOGLE_CLOUD_PROJECT?.trim() || env.GCLOUD_PROJECT?.trim() || 'socorro-reprocess',
    });
    return await auth.getClient();
  };

  const fetchToken = async (force: boolean): Promise<string> => {
    try {
      // After a 401 the client is replaced, not told that its token expired: each credential type
      // keeps its token and its means of refreshing it its own way (setCredentials drops the
      // refresh handle of a key, a user, the metadata server or an impersonation; another type
      // caches tokens where setCredentials never looks). A new client from the same credentials
      // asks its issuer afresh, whatever the type.
      if (force) client = undefined;
      const c = await (client ??= makeClient());
      const { token } = await c.getAccessToken();
      if (!token) throw new CredentialsError('the credentials gave no access token');
      const obtained = now();
      const expiry = c.credentials?.expiry_date ?? undefined;
      const refreshAt = expiry
        ? expiry - Math.min(REFRESH_MARGIN_MS, Math.max(0, expiry - obtained) / 4)
        : obtained + UNKNOWN_EXPIRY_RECHECK_MS;
      current = { token, refreshAt };
      return token;
    } catch (err) {
      client = undefined; // a later attempt starts over (a credentials file that appears, a metadata server back)
      if (err instanceof CredentialsError) throw err;
      throw new CredentialsError(oneLine(err));
    }
  };

  const single = (force: boolean): Promise<string> =>
    (pending ??= fetchToken(force).finally(() => {
      pending = undefined;
    }));

  return {
    anonymous,
    async get() {
      if (anonymous) return undefined;
      if (current && now() < current.refreshAt) return current.token;
      return single(false);
    },
    async refreshAfter(rejected) {
      if (anonymous) return undefined;
      // Someone already replaced the refused token: use the new one.
      if (current && current.token !== rejected) return current.token;
      return single(true);
    },
  };
}
