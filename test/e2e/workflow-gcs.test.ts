/**
 * The pipeline on today's Socorro storage, offline: .github/workflows/reprocess.yml run job by job
 * (test/e2e/runner.ts) with a gs:// bucket. The list and check jobs authenticate the way a real
 * run does: google-github-actions/auth (simulated) writes a Workload Identity credentials file
 * from the job's OIDC token, and the built action gets its GCS tokens through Application
 * Default Credentials from a loopback STS. The loopback GCS server accepts only those tokens,
 * with exactly roles/storage.objectViewer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processedCrashKey } from '../../src/core/layouts.ts';
import { syntheticDay } from '../../src/demo/crashes.ts';
import { startGcsServer, type GcsServer } from '../../src/demo/gcs-server.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { DEFAULT_PROVIDER, DEFAULT_SERVICE_ACCOUNT, startTokenService, writeExternalAccountFile, type TokenService } from '../support/gcp-token-service.ts';
import { readmeGcsAuth } from '../support/stores.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { loadWorkflow, stepsOf, WorkflowRun, type Workflow } from './runner.ts';
import { expectEverySummaryRenders, ok } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const WORKFLOW = join(ROOT, '.github/workflows/reprocess.yml');
const DAY = '20250615';
const BUCKET = 'socorro-prod-crashes';
const API_TOKEN = 'e2e-gcs-reprocess-token';

let gcs: GcsServer;
let sts: TokenService;
let api: SocorroApi;
let backend: ArtifactBackend;
let work: string;
let wf: Workflow;
const day = syntheticDay(DAY, 150, 0.3, 'v1', 77);

beforeAll(async () => {
  [gcs, api, backend, work, wf] = await Promise.all([
    startGcsServer({ auth: readmeGcsAuth(), log: true }),
    // The processor stores what it processed, as Socorro's does: the verify job then finds it.
    startSocorroApi({ token: API_TOKEN, processor: { delayMs: 20, onProcessed: (ids) => ids.forEach((id) => gcs.put(BUCKET, processedCrashKey(id))) } }),
    startArtifactBackend(),
    mkdtemp(join(tmpdir(), 'workflow-gcs-')),
    loadWorkflow(WORKFLOW),
  ]);
  sts = await startTokenService({ gcsAuth: gcs.auth });
  // Least privilege: the service account the workflow impersonates may read objects, nothing more.
  gcs.auth!.setPermissions(DEFAULT_SERVICE_ACCOUNT, ['storage.objects.get', 'storage.objects.list']);
  gcs.createBucket(BUCKET);
  for (const k of day.keys) gcs.put(BUCKET, k);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([gcs?.close(), sts?.close(), api?.close(), backend?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
});

// Every summary these runs wrote renders as GitHub renders it (kept under .tmp/summaries/).
afterEach(expectEverySummaryRenders);

describe('reprocess.yml on a gs:// bucket, with Workload Identity Federation', () => {
  it('list → check → plan → reprocess → verify submits exactly the unprocessed crashes; every GCS request carried a token from the STS', async () => {
    const authInputs: Array<Record<string, string>> = [];
    const run = new WorkflowRun(wf, {
      runId: '2001',
      repoRoot: ROOT,
      node: NODE,
      inputs: { dates: DAY, 'chunk-size': 60, 'max-parallel': 2, 'verify-minutes': 0 },
      vars: {
        SOCORRO_BUCKET: `gs://${BUCKET}`,
        GCS_ENDPOINT: gcs.url,
        GCP_WORKLOAD_IDENTITY_PROVIDER: DEFAULT_PROVIDER,
        GCP_SERVICE_ACCOUNT: DEFAULT_SERVICE_ACCOUNT,
        SOCORRO_API_URL: api.url,
        SOCORRO_SLEEP: '0',
      },
      secrets: { SOCORRO_API_TOKEN: API_TOKEN },
      artifactEnv: (r, j, o) => backend.envFor(r, j, o),
      githubToken: (p) => backend.restTokenFor({ actions: p.actions === 'read' ? 'read' : 'none' }),
      workDir: work,
      async gcpAuth(inputs, workspace) {
        authInputs.push(inputs);
        expect(inputs.workload_identity_provider).toBe(DEFAULT_PROVIDER);
        const file = await writeExternalAccountFile(workspace, { service: sts, serviceAccount: inputs.service_account || undefined });
        return { GOOGLE_APPLICATION_CREDENTIALS: file.path, CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: file.path, GOOGLE_GHA_CREDS_PATH: file.path };
      },
    });
    const results = await run.run(1);

    const list = ok(results.get('list'));
    expect(list.outputs.total).toBe(String(day.ids.length));
    expect(JSON.parse(list.outputs.chunks)).toEqual([0, 1, 2]);
    const check = ok(results.get('check'));
    expect(check.runs).toHaveLength(3);
    const reprocess = ok(results.get('reprocess'));
    expect(reprocess.outputs.submitted).toBe(String(day.unprocessed.length));
    expect([...api.accepted].sort()).toEqual(day.unprocessed);
    expect(ok(results.get('verify')).outputs.verified).toBe(String(day.unprocessed.length));

    // Auth ran in the list job, each check job and verify, never in plan or reprocess (they need no store).
    const verify = results.get('verify')!;
    expect(authInputs).toHaveLength(1 + 3 + 1);
    // (plan has the auth steps for from-run only, when it checks an earlier run's havenots again).
    for (const r of [results.get('plan')!, reprocess].flatMap((g) => g.runs)) expect(stepsOf(r).filter((s) => s.uses.startsWith('google-github-actions/') && s.outcome !== 'skipped')).toEqual([]);
    for (const r of [...list.runs, ...check.runs, ...verify.runs]) expect(stepsOf(r).find((s) => s.uses.startsWith('google-github-actions/auth@'))?.outcome).toBe('success');
    for (const r of [...list.runs, ...check.runs]) expect(stepsOf(r).filter((s) => s.uses.startsWith('aws-actions/') || s.uses === '(run)').every((s) => s.outcome === 'skipped')).toBe(true);
    // Every request to GCS carried a token the STS issued (through impersonation), none anonymous.
    const issued = new Set(sts.issued.map((t) => t.token));
    const requests = gcs.requests();
    expect(requests.length).toBeGreaterThan(day.ids.length);
    expect(requests.every((q) => q.token !== undefined && issued.has(q.token))).toBe(true);
    expect(requests.every((q) => q.status === 200 || q.status === 404)).toBe(true);
    // One HEAD of each processed crash in the check jobs, and no raw crash read: the chunk
    // artifacts carry the listing's saved times (the havenots' hours). Verify HEADs the submitted ones again.
    const heads = requests.filter((q) => q.api === 'xml-head');
    expect(heads.filter((q) => q.object?.startsWith('v1/processed_crash/')).length).toBe(day.ids.length + day.unprocessed.length);
    expect(heads.filter((q) => q.object?.startsWith('v1/raw_crash/')).length).toBe(0);
    // No token reached a log or a summary.
    const texts = [...results.values()].flatMap((g) => g.runs).flatMap((r) => r.steps.flatMap((s) => [s.log, s.summary]));
    for (const t of [...issued, sts.githubEnv.ACTIONS_ID_TOKEN_REQUEST_TOKEN]) for (const text of texts) expect(text).not.toContain(t);
  }, 600_000);
});
