/**
 * Every credential type of Application Default Credentials, through the real CLI (a child
 * process each run, as in production: google-auth-library and gcp-metadata keep process-wide
 * state) against the loopback GCS server, which grants exactly what the README tells users to
 * grant (roles/storage.objectViewer: storage.objects.get and storage.objects.list). Tokens come
 * from the loopback token service; the token endpoints google-auth-library does not let a file
 * move (oauth2.googleapis.com, iamcredentials.googleapis.com) are reached through the Google
 * front (test/support/google-front.ts): a proxy, TLS, a CA trusted by the child only.
 *
 * Each type: list and check a day; mid-check the token GCS sees is revoked; exactly one fresh
 * token must follow, and the run finishes with exactly the planted havenots.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { DEFAULT_SERVICE_ACCOUNT, METADATA_EMAIL, writeExternalAccountFile } from '../support/gcp-token-service.ts';
import { startGoogleFront, type GoogleFront } from '../support/google-front.ts';
import { GCS_GRANT, startTestStore, type TestStore } from '../support/stores.ts';
import { ROOT, readIds, spawnCli } from './cli-harness.ts';

const BUCKET = 'gcs-creds';
const DAY = '20250301';
const day = syntheticDay(DAY, 400, 0.25, 'v1', 17);
const unprocessed = [...day.unprocessed].sort();

let store: TestStore;
let front: GoogleFront;
let work: string;
let n = 0;

beforeAll(async () => {
  store = await startTestStore('gcs');
  front = await startGoogleFront(store.tokens!);
  await store.createBucket(BUCKET);
  await store.put(BUCKET, day.keys);
  work = await mkdtemp(join(tmpdir(), 'gcs-creds-'));
});

afterAll(async () => {
  await front?.close();
  await store?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A fresh HOME and gcloud config dir (no ADC file unless a case writes one), and the file itself. */
async function place(name: string, json?: unknown, where: 'env' | 'gcloud' = 'env'): Promise<Record<string, string>> {
  const home = join(work, `home-${n++}`);
  const gcloud = join(home, '.config', 'gcloud');
  await mkdir(gcloud, { recursive: true });
  const env: Record<string, string> = { HOME: home, CLOUDSDK_CONFIG: gcloud, ...front.env };
  if (json === undefined) return env;
  const file = where === 'gcloud' ? join(gcloud, 'application_default_credentials.json') : join(home, `${name}.json`);
  await writeFile(file, JSON.stringify(json), { mode: 0o600 });
  if (where === 'env') env.GOOGLE_APPLICATION_CREDENTIALS = file;
  return env;
}

interface Case {
  name: string;
  /** The env the CLI gets: where its credentials are. */
  env(): Promise<Record<string, string>>;
  /** Who GCS sees. */
  principal: string;
  /** Whether the token endpoints behind the Google front are used. */
  front: boolean;
}

const USER = 'crash-triager@mozilla.test';
const AWS_ARN = 'arn:aws:sts::123456789012:assumed-role/socorro-reprocess/i-0abc';

const cases: Case[] = [
  {
    name: 'metadata server (GCE_METADATA_HOST, no file)',
    env: async () => ({ ...(await place('none')), GCE_METADATA_HOST: store.tokens!.host }),
    principal: METADATA_EMAIL,
    front: false,
  },
  {
    name: 'service-account key file (JWT bearer grant)',
    env: () => place('sa-key', store.tokens!.createServiceAccountKey(DEFAULT_SERVICE_ACCOUNT)),
    principal: DEFAULT_SERVICE_ACCOUNT,
    front: true,
  },
  {
    name: "authorized user in gcloud's ADC file (refresh-token grant)",
    env: () => place('user', store.tokens!.createAuthorizedUser(USER), 'gcloud'),
    principal: USER,
    front: true,
  },
  {
    name: 'impersonated_service_account (an authorized user as source)',
    env: () =>
      place('impersonated', {
        type: 'impersonated_service_account',
        service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${DEFAULT_SERVICE_ACCOUNT}:generateAccessToken`,
        source_credentials: store.tokens!.createAuthorizedUser(USER),
        delegates: [],
      }),
    principal: DEFAULT_SERVICE_ACCOUNT,
    front: true,
  },
  {
    name: 'external_account_authorized_user (a workforce identity user; STS refresh-token grant)',
    env: () => {
      const u = store.tokens!.createAuthorizedUser(USER);
      return place('workforce', {
        type: 'external_account_authorized_user',
        audience: '//iam.googleapis.com/locations/global/workforcePools/mozilla/providers/sso',
        refresh_token: u.refresh_token,
        token_url: `${store.tokens!.url}/v1/oauthtoken`,
        token_info_url: `${store.tokens!.url}/v1/introspect`,
        client_id: u.client_id,
        client_secret: u.client_secret,
        universe_domain: 'googleapis.com',
      });
    },
    principal: USER,
    front: false,
  },
  {
    name: 'external_account: the GitHub Workload Identity file (url source), direct',
    env: async () => {
      const env = await place('wif');
      env.GOOGLE_APPLICATION_CREDENTIALS = (await writeExternalAccountFile(env.HOME, { service: store.tokens! })).path;
      return env;
    },
    principal: 'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/repo:mozilla-services/socorro-reprocess:ref:refs/heads/main',
    front: false,
  },
  {
    name: 'external_account: an executable source (pluggable auth) that prints a GitHub OIDC token',
    env: async () => {
      const env = await place('wif-exe');
      const t = store.tokens!;
      const reply = join(env.HOME, 'oidc-reply.json');
      const jwt = t.mintOidcToken({ expiresInSeconds: 600 });
      const token = { version: 1, success: true, token_type: 'urn:ietf:params:oauth:token-type:jwt', id_token: jwt, expiration_time: Math.floor(Date.now() / 1000) + 600 };
      await writeFile(reply, JSON.stringify(token), { mode: 0o600 });
      const script = join(env.HOME, 'oidc-token.sh');
      await writeFile(script, `#!/bin/sh\nexec cat '${reply}'\n`, { mode: 0o700 });
      const f = await writeExternalAccountFile(env.HOME, { service: t, extra: { credential_source: { executable: { command: script, timeout_millis: 10_000 } } } });
      return { ...env, GOOGLE_APPLICATION_CREDENTIALS: f.path, GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES: '1' };
    },
    principal: 'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/repo:mozilla-services/socorro-reprocess:ref:refs/heads/main',
    front: false,
  },
  {
    name: 'external_account: AWS (a signed GetCallerIdentity; keys and region from the environment)',
    env: async () => {
      const env = await place('wif-aws');
      const keys = store.tokens!.createAwsKeys(AWS_ARN);
      const f = await writeExternalAccountFile(env.HOME, {
        service: store.tokens!,
        extra: {
          subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
          credential_source: {
            environment_id: 'aws1',
            region_url: 'http://169.254.169.254/latest/meta-data/placement/availability-zone',
            url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials',
            regional_cred_verification_url: 'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15',
          },
        },
      });
      return { ...env, GOOGLE_APPLICATION_CREDENTIALS: f.path, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, AWS_REGION: 'us-west-2' };
    },
    principal: `principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/${AWS_ARN}`,
    front: false,
  },
  {
    name: 'external_account: file source, impersonating a service account',
    env: async () => {
      const env = await place('wif-sa');
      const f = await writeExternalAccountFile(env.HOME, { service: store.tokens!, source: 'file', serviceAccount: DEFAULT_SERVICE_ACCOUNT });
      env.GOOGLE_APPLICATION_CREDENTIALS = f.path;
      return env;
    },
    principal: DEFAULT_SERVICE_ACCOUNT,
    front: false,
  },
];

describe('every Application Default Credentials type, with roles/storage.objectViewer only', () => {
  it.each(cases)('$name: list and check pass; a token revoked mid-check gets exactly one fresh one', async (c) => {
    const env = await c.env();
    const out = join(work, `out-${n++}`);
    const tunnelledBefore = front.tunnelled.length;
    const gcs = store.gcs!;
    gcs.resetStats();
    const l = await spawnCli(['list', '--dates', DAY, ...store.args(BUCKET), '--out', out, '-q'], env);
    expect(l.code, l.stderr).toBe(0);
    expect(await readIds(join(out, 'uuids.txt'))).toEqual(day.ids);
    expect(front.tunnelled.length > tunnelledBefore).toBe(c.front);
    expect(front.refused).toEqual([]);
    // Nothing asked for more than the grant (no bucket metadata, no 403).
    expect(gcs.counts().byApi['json-bucket'] ?? 0).toBe(0);
    expect(gcs.counts().byStatus['403'] ?? 0).toBe(0);

    gcs.resetStats();
    gcs.setLatency(3);
    let revoked: string[] = [];
    const timer = setInterval(() => {
      // After 100 HEADs, every token GCS has seen in this run stops working.
      if (revoked.length === 0 && (gcs.counts().byApi['xml-head'] ?? 0) > 100) {
        revoked = [...gcs.tokensSeen()];
        for (const t of revoked) store.tokens!.revoke(t);
      }
    }, 2);
    let c2;
    try {
      c2 = await spawnCli(['check', join(out, 'uuids.txt'), ...store.args(BUCKET), '--out', out, '-q', '--concurrency', '8'], env);
    } finally {
      clearInterval(timer);
      gcs.setLatency(0);
    }
    expect(c2.code, c2.stderr).toBe(0);
    expect((await readIds(join(out, 'havenots.txt'))).sort()).toEqual(unprocessed);
    expect(revoked).toHaveLength(1);
    // The revoked token, then exactly one fresh one for every request after it.
    const seen = [...gcs.tokensSeen()];
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(revoked[0]);
    expect(gcs.counts().byStatus['401']).toBeGreaterThan(0);
    expect(gcs.counts().byStatus['403'] ?? 0).toBe(0);
    expect(gcs.counts().byApi['json-bucket'] ?? 0).toBe(0);
    for (const t of seen) expect(store.tokens!.issued.find((i) => i.token === t)?.principal).toBe(c.principal);
    for (const t of seen) expect(c2.stderr + c2.stdout + l.stderr + l.stdout).not.toContain(t);
    // The grant in force was the README's, nothing more.
    const grant = gcs.auth!.check(seen[1]);
    expect(grant.ok && [...grant.permissions].sort()).toEqual([...GCS_GRANT].sort());
    expect(front.refused).toEqual([]);
  });
});

describe('the test GCS grants what the README tells users to grant', () => {
  it('exactly roles/storage.objectViewer: storage.objects.get and storage.objects.list, not storage.buckets.get', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const setup = /The identity needs exactly `roles\/storage\.objectViewer` on the bucket \(([^;]+);\s*not `([^`]+)`/.exec(readme);
    expect(setup, 'the README names the GCS role and its permissions').not.toBeNull();
    const named = [...setup![1].matchAll(/`(storage\.[a-zA-Z.]+)`/g)].map((m) => m[1]);
    expect(named.sort()).toEqual([...GCS_GRANT].sort());
    expect(GCS_GRANT).not.toContain(setup![2]);
    // The check's 403 message names the same two.
    expect(readme).toMatch(/GCS: `storage\.objects\.get` and `storage\.objects\.list`\)/);
  });
});

describe('the token endpoints refuse what Google refuses (so the passes above mean something)', () => {
  const otherKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  it.each([
    {
      name: 'a service-account key the account does not have',
      env: () => place('bad-sa', { ...store.tokens!.createServiceAccountKey(DEFAULT_SERVICE_ACCOUNT), private_key: otherKey() }),
      says: /invalid_grant: Invalid JWT Signature/,
    },
    {
      name: "a user's refresh token with another client's secret",
      env: () => place('bad-user', { ...store.tokens!.createAuthorizedUser(USER), client_secret: 'GOCSPX-not-this-one' }, 'gcloud'),
      says: /invalid_client|Unauthorized/,
    },
    {
      name: 'AWS keys with the wrong secret',
      env: async () => {
        const env = await place('bad-aws');
        const keys = store.tokens!.createAwsKeys(AWS_ARN);
        const f = await writeExternalAccountFile(env.HOME, {
          service: store.tokens!,
          extra: {
            subject_token_type: 'urn:ietf:params:aws:token-type:aws4_request',
            credential_source: { environment_id: 'aws1', regional_cred_verification_url: 'https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15' },
          },
        });
        return { ...env, GOOGLE_APPLICATION_CREDENTIALS: f.path, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: 'x' + keys.secretAccessKey.slice(1), AWS_REGION: 'us-west-2' };
      },
      says: /The AWS request signature is invalid/,
    },
  ])('$name: exit 1, one line saying why, no token issued', async (c) => {
    const env = await c.env();
    const issuedBefore = store.tokens!.issued.length;
    const r = await spawnCli(['list', '--dates', DAY, ...store.args(BUCKET), '--out', join(work, `out-${n++}`), '-q'], env);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no credentials could be found/);
    expect(lines[0]).toMatch(c.says);
    expect(store.tokens!.issued.length).toBe(issuedBefore);
  });
});
