/**
 * .github/workflows/scan.yml offline (test/e2e/runner.ts), against the loopback GCS server (bearer
 * tokens from the loopback STS through the simulated google-github-actions/auth, objectViewer
 * only) and the SuperSearch stand-in: the daily schedule (its cron fires once a day; the run
 * scans yesterday, UTC) fails the job on an outage and passes on a clean day; a dispatch scans
 * the dates it is given. Two buckets, each with its own stand-in: yesterday with an outage, and
 * yesterday clean.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatDay } from '../../src/core/dates.ts';
import { startGcsServer, type GcsServer } from '../../src/demo/gcs-server.ts';
import { forEachWorldCrash, type PlantedOutage } from '../../src/demo/scan-world.ts';
import { startSocorroApi, type SocorroApi } from '../../src/demo/socorro-api.ts';
import { DEFAULT_PROVIDER, DEFAULT_SERVICE_ACCOUNT, startTokenService, writeExternalAccountFile, type TokenService } from '../support/gcp-token-service.ts';
import { readmeGcsAuth } from '../support/stores.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';
import { describe as explain, loadWorkflow, WorkflowRun, type RunnerOptions, type Workflow } from './runner.ts';
import { actionStep, expectEverySummaryRenders, fetchArtifact } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const WORKFLOW = join(ROOT, '.github/workflows/scan.yml');
const TOKEN = 'e2e-scan-search-token';
const DAY = 86_400_000;
const YESTERDAY = formatDay(Date.now() - DAY);
const BEFORE = formatDay(Date.now() - 2 * DAY);
const OUTAGE: PlantedOutage[] = [{ date: YESTERDAY, from: 14 * 60, to: 16 * 60 }];

let gcs: GcsServer;
let sts: TokenService;
let backend: ArtifactBackend;
let work: string;
let wf: Workflow;
/** The stand-in of each bucket: its search holds that bucket's crashes. */
const apis = new Map<string, SocorroApi>();
let runs = 0;

async function seedBucket(bucket: string, outages: PlantedOutage[]): Promise<void> {
  gcs.createBucket(bucket);
  const api = await startSocorroApi({ token: TOKEN });
  forEachWorldCrash({ dates: [BEFORE, YESTERDAY], perHour: 40, seed: bucket.length, noisePerHour: 2, outages }, (c) => {
    gcs.put(bucket, c.key, '{}', { updated: new Date(c.savedAt) });
    if (c.searchable) api.index.add(c.id, c.receivedAt);
  });
  apis.set(bucket, api);
}

beforeAll(async () => {
  [gcs, backend, work, wf] = await Promise.all([startGcsServer({ auth: readmeGcsAuth(), log: true }), startArtifactBackend(), mkdtemp(join(tmpdir(), 'workflow-scan-')), loadWorkflow(WORKFLOW)]);
  sts = await startTokenService({ gcsAuth: gcs.auth });
  gcs.auth!.setPermissions(DEFAULT_SERVICE_ACCOUNT, ['storage.objects.get', 'storage.objects.list']);
  await seedBucket('crashes-outage', OUTAGE);
  await seedBucket('crashes-clean', []);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([gcs?.close(), sts?.close(), backend?.close(), ...[...apis.values()].map((a) => a.close())]);
  if (work) await rm(work, { recursive: true, force: true });
});

function options(bucket: string, over: Partial<RunnerOptions>): RunnerOptions {
  return {
    runId: String(3000 + ++runs),
    repoRoot: ROOT,
    node: NODE,
    inputs: {},
    vars: {
      SOCORRO_BUCKET: `gs://${bucket}`,
      GCS_ENDPOINT: gcs.url,
      GCP_WORKLOAD_IDENTITY_PROVIDER: DEFAULT_PROVIDER,
      GCP_SERVICE_ACCOUNT: DEFAULT_SERVICE_ACCOUNT,
      SOCORRO_API_URL: apis.get(bucket)!.url,
    },
    secrets: { SOCORRO_SEARCH_TOKEN: TOKEN },
    artifactEnv: (r, j, o) => backend.envFor(r, j, o),
    githubToken: (p) => backend.restTokenFor({ actions: p.actions === 'read' ? 'read' : 'none' }),
    workDir: work,
    async gcpAuth(inputs, workspace) {
      const file = await writeExternalAccountFile(workspace, { service: sts, serviceAccount: inputs.service_account || undefined });
      return { GOOGLE_APPLICATION_CREDENTIALS: file.path, CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: file.path, GOOGLE_GHA_CREDS_PATH: file.path };
    },
    ...over,
  };
}

/** What one run's scan job did: its result, its step, the dates it asked search for. */
async function scanRun(bucket: string, over: Partial<RunnerOptions>) {
  const api = apis.get(bucket)!;
  const before = api.searches.length;
  const run = new WorkflowRun(wf, options(bucket, over));
  const results = await run.run(1);
  const group = results.get('scan')!;
  const step = actionStep(group.runs[0]);
  const asked = api.searches.slice(before).map((s) => s.params.date[0].replace(/^>=/, '').replaceAll('-', '').slice(0, 8));
  return { run, group, step, asked, runId: run.opts.runId };
}

// Every summary these runs wrote renders as GitHub renders it (kept under .tmp/summaries/).
afterEach(expectEverySummaryRenders);

describe('scan.yml', () => {
  it('a dispatch scans the dates given: the outage fails the job, its summary has the chart and the repair dispatch', async () => {
    const { group, step, asked, runId } = await scanRun('crashes-outage', { inputs: { dates: `${BEFORE}..${YESTERDAY}`, 'min-missing': 10 } });
    expect(group.result, explain(group)).toBe('failure');
    expect(step.outcome).toBe('failure');
    expect(asked).toEqual([BEFORE, YESTERDAY]);
    expect(group.outputs.windows).toBe('1');
    expect(JSON.parse(group.outputs.repairs)).toEqual([{ dates: YESTERDAY, hours: '14:00..15:59' }]);
    expect(step.summary).toContain('missing from search by the hour the raw crash was saved (UTC)');
    expect(step.summary).toContain(`gh workflow run reprocess.yml -f dates=${YESTERDAY} -f hours=14:00..15:59`);
    expect(step.summary).toContain('https://github.com/mozilla-services/socorro-reprocess/actions/workflows/reprocess.yml');
    expect(step.summary).toMatch(/background \(\d+ hour\(s\) outside windows\)/);
    expect(step.summary).toMatch(/costs: \d+ list request\(s\) \+ 2 search request\(s\)/);
    expect(step.log).toMatch(/1 outage window\(s\): \d{8} 14:00\.\.15:59/);
    // scan.json is the run's scan artifact.
    const dir = await fetchArtifact(backend, work, runId, 'scan');
    const doc = JSON.parse(await readFile(join(dir, 'scan.json'), 'utf8')) as { windows: Array<{ date: string; hours: string }> };
    expect(doc.windows.map((w) => `${w.date} ${w.hours}`)).toEqual([`${YESTERDAY} 14:00..15:59`]);
    // Every GCS request carried a token the STS issued.
    const issued = new Set(sts.issued.map((t) => t.token));
    expect(gcs.requests().every((q) => q.token !== undefined && issued.has(q.token))).toBe(true);
  }, 300_000);

  it('a dispatch on a clean day passes, saying no window', async () => {
    const { group, step, asked } = await scanRun('crashes-clean', { inputs: { dates: YESTERDAY } });
    expect(group.result, explain(group)).toBe('success');
    expect(asked).toEqual([YESTERDAY]);
    expect(group.outputs.windows).toBe('0');
    expect(step.summary).toContain('No outage window.');
  }, 300_000);
});
