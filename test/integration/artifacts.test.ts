// The artifact port against the real @actions/artifact client, speaking the real protocol to a
// local results service (Twirp) and Azurite (blob storage). No network beyond loopback.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { githubArtifactStore } from '../../src/ports/artifacts.ts';
import { startArtifactBackend, type ArtifactBackend } from '../support/results-service.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const JOB_SCRIPT = join(ROOT, 'test/support/artifact-job.ts');

let backend: ArtifactBackend;
let work: string;
let RESULT_MARKER: string;
const savedApiUrl = process.env.GITHUB_API_URL;

beforeAll(async () => {
  [backend, work] = await Promise.all([startArtifactBackend(), mkdtemp(join(tmpdir(), 'artifacts-test-'))]);
  // @actions/github reads GITHUB_API_URL once, when it loads (REST downloads go through it): set
  // before anything imports @actions/artifact, hence no static import of artifact-job.ts.
  process.env.GITHUB_API_URL = backend.apiUrl;
  ({ RESULT_MARKER } = await import('../support/artifact-job.ts'));
}, 60_000); // Azurite alone starts in ~1.5 s, but took up to 19 s on a loaded 2-CPU box.

afterAll(async () => {
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = savedApiUrl;
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

// The client logs every request (::debug:: lines included) straight to stdout; keep that out of
// the test output unless the test fails.
let clientLog: string[] = [];
beforeEach(({ onTestFailed }) => {
  clientLog = [];
  onTestFailed(() => {
    process.stderr.write(`--- @actions/artifact output ---\n${clientLog.join('')}`);
  });
});

/**
 * Runs `fn` as job `jobId` of run `runId`. The client reads its env on each call (only
 * ACTIONS_ARTIFACT_MAX_ARTIFACT_COUNT is read at import), partly after its first await, so the
 * env stays in place until the call settles; calls for different jobs must not overlap.
 */
async function asJob<T>(runId: string, jobId: string, fn: () => Promise<T>): Promise<T> {
  const env = backend.envFor(runId, jobId);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => clientLog.push(String(chunk)) > 0);
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

let dirCount = 0;
async function freshDir(label: string): Promise<string> {
  const dir = join(work, `${label}-${++dirCount}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Two small text files, one in a subdirectory, with CRLF and non-ASCII to catch any rewriting. */
async function sampleFiles(): Promise<{ root: string; files: string[]; contents: Record<string, Buffer> }> {
  const root = await freshDir('src');
  await mkdir(join(root, 'chunks'));
  const contents: Record<string, Buffer> = {
    'uuids.txt': Buffer.from('de1bb258-cbbf-4589-a673-34f800160918\r\nde1bb258-cbbf-4589-a673-34f800160919\n'),
    'chunks/uuids-0-2.txt': Buffer.from(`${'0123456789abcdef'.repeat(4096)}\nünïcödé\n`),
  };
  for (const [rel, data] of Object.entries(contents)) await writeFile(join(root, rel), data);
  return { root, files: Object.keys(contents).map((rel) => join(root, rel)), contents };
}

async function expectSameFiles(dir: string, contents: Record<string, Buffer>): Promise<void> {
  const found = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
  expect(found).toEqual(Object.keys(contents).sort());
  for (const [rel, data] of Object.entries(contents)) {
    expect((await readFile(join(dir, rel))).equals(data), rel).toBe(true);
  }
}

describe('githubArtifactStore over the real client', () => {
  it('uploads, lists and downloads byte-identical files', async () => {
    const { root, files, contents } = await sampleFiles();
    const store = githubArtifactStore();

    const uploaded = await asJob('run-a', 'job-list', () => store.upload('uuids', files, root));
    expect(uploaded.id).toBeGreaterThan(0);
    expect(uploaded.size).toBeGreaterThan(0);

    const listed = await asJob('run-a', 'job-list', () => store.list());
    expect(listed).toEqual([{ id: uploaded.id, name: 'uuids', size: uploaded.size, createdAt: expect.any(Date), digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) }]);

    const dest = join(work, 'download-roundtrip'); // absent: download must create it
    // Checked against the listed digest on the way.
    const written = await asJob('run-a', 'job-list', () => store.download(listed[0], dest));
    expect(written).toBe(dest);
    await expectSameFiles(dest, contents);

    expect(backend.artifacts('run-a')).toEqual([
      { id: String(uploaded.id), name: 'uuids', size: uploaded.size, jobId: 'job-list', runId: 'run-a' },
    ]);
  });

  it('refuses a second artifact of the same name in a run with the real 409 message', async () => {
    const { root, files } = await sampleFiles();
    const store = githubArtifactStore();
    await asJob('run-b', 'job-1', () => store.upload('chunk-0', files, root));
    // Another job of the same run: the name is per run, not per job.
    await expect(asJob('run-b', 'job-2', () => store.upload('chunk-0', files, root))).rejects.toThrow(
      'Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: ' +
        'an artifact with this name already exists on the workflow run',
    );
    expect(backend.artifacts('run-b').map((a) => a.name)).toEqual(['chunk-0']);
  });

  it('shares artifacts between jobs of a run, and only within the run', async () => {
    const { root, files, contents } = await sampleFiles();
    const store = githubArtifactStore();
    const a = await asJob('run-c', 'job-check-0', () => store.upload('result-0', files.slice(0, 1), root));
    const b = await asJob('run-c', 'job-check-1', () => store.upload('result-1', files, root));

    // A third job (the reprocess job) sees both and can download either.
    const seen = await asJob('run-c', 'job-reprocess', () => store.list());
    expect(seen.map((x) => [x.id, x.name]).sort()).toEqual([
      [a.id, 'result-0'],
      [b.id, 'result-1'],
    ]);
    const dest = await freshDir('download-cross-job');
    await asJob('run-c', 'job-reprocess', () => store.download(seen.find((x) => x.name === 'result-1')!, dest));
    await expectSameFiles(dest, contents);

    // Another run sees none of them, not even by id.
    expect(await asJob('run-d', 'job-x', () => store.list())).toEqual([]);
    await expect(asJob('run-d', 'job-x', () => store.download({ id: a.id!, name: 'result-0', size: 0 }, join(work, 'never')))).rejects.toThrow(
      `could not download artifact result-0 (id ${a.id}): No artifacts found for ID: ${a.id}`,
    );
    expect(backend.artifacts('run-c').map((x) => x.jobId).sort()).toEqual(['job-check-0', 'job-check-1']);
  });

  it('round-trips between two job processes configured only by env', async () => {
    const { root, files, contents } = await sampleFiles();
    const job = async (jobId: string, args: string[]) => {
      const env = {
        PATH: process.env.PATH ?? '',
        ...backend.envFor('run-e', jobId),
        GITHUB_WORKSPACE: work,
      };
      const { stdout } = await run(NODE, [JOB_SCRIPT, ...args], { env, cwd: ROOT, timeout: 45_000 });
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (!line) throw new Error(`no result from job ${jobId}:\n${stdout}`);
      return JSON.parse(line.slice(RESULT_MARKER.length));
    };

    const uploaded = await job('job-upload', ['upload', 'chunk-7', root, ...files]);
    expect(uploaded.id).toBeGreaterThan(0);
    const dest = join(work, 'download-child');
    const fetched = await job('job-download', ['fetch', 'chunk-7', dest]);
    expect(fetched.downloadPath).toBe(dest);
    expect(fetched.listed.map((x: { name: string }) => x.name)).toEqual(['chunk-7']);
    await expectSameFiles(dest, contents);
    expect(backend.artifacts('run-e')).toEqual([
      { id: String(uploaded.id), name: 'chunk-7', size: uploaded.size, jobId: 'job-upload', runId: 'run-e' },
    ]);
  }, 60_000); // two cold node processes, each loading @actions/artifact (~1.2 s idle, far more under load)
});

describe('githubArtifactStore over REST (a token), at the size of a run that re-ran a 256-chunk listing', () => {
  /** A store reading run `runId` through REST, as a job with github-token does. */
  const restStore = (runId: number) => githubArtifactStore({ token: backend.restTokenFor(), repository: backend.repository, runId });

  it('lists every artifact of a run of 1,020, newest first 100 a page, past the client\'s 1,000: the oldest (attempt 1\'s ledger) included', async () => {
    const RUN = 8001;
    const { root, files } = await sampleFiles();
    const ledger = await asJob(String(RUN), 'job-submit', () => restStore(RUN).upload('reprocessed-1', files, root));
    // The artifacts two re-runs of all jobs add (uuids, 256 chunks, 256 results, a plan's two... each).
    const seeded = backend.seedArtifacts(String(RUN), Array.from({ length: 1019 }, (_, i) => `chunk-${i}-attempt${2 + (i % 2)}`), { like: 'reprocessed-1', attempt: 2 });
    const before = backend.restRequests().length;
    const listed = await asJob(String(RUN), 'job-plan', () => restStore(RUN).list());
    expect(listed).toHaveLength(1020);
    expect(new Set(listed.map((a) => a.id))).toEqual(new Set([ledger.id, ...seeded]));
    expect(listed.find((a) => a.name === 'reprocessed-1')).toMatchObject({ id: ledger.id, digest: expect.stringMatching(/^sha256:/) });
    const pages = backend.restRequests().slice(before);
    expect(pages.map((r) => [r.query.per_page, r.query.page, r.status])).toEqual(Array.from({ length: 11 }, (_, i) => ['100', String(i + 1), 200]));
    // Its bytes come back too (a seeded copy shares them).
    const dest = await freshDir('ledger-past-1000');
    await asJob(String(RUN), 'job-plan', () => restStore(RUN).download(listed.find((a) => a.name === 'reprocessed-1')!, dest));
    expect((await readdir(dest, { recursive: true })).sort()).toEqual(['chunks', 'chunks/uuids-0-2.txt', 'uuids.txt']);
  });

  it('fails closed when the pages hold fewer artifacts than total_count says, however often it asks again', async () => {
    const RUN = 8002;
    const { root, files } = await sampleFiles();
    await asJob(String(RUN), 'job-submit', () => restStore(RUN).upload('reprocessed-1', files, root));
    backend.seedArtifacts(String(RUN), Array.from({ length: 150 }, (_, i) => `result-${i}`), { like: 'reprocessed-1' });
    backend.setRestFaults({ listOmit: 1 });
    try {
      await expect(asJob(String(RUN), 'job-plan', () => restStore(RUN).list())).rejects.toThrow(
        new RegExp(`^could not list the artifacts of run ${RUN}: 150 listed where GitHub counts 151 \\(asked 3 times\\); nothing that depends on them goes on$`),
      );
    } finally {
      backend.setRestFaults({});
    }
    expect(await asJob(String(RUN), 'job-plan', () => restStore(RUN).list())).toHaveLength(151);
  });

  it('asks again when the run changed between two pages, and takes a listing that holds together', async () => {
    const RUN = 8003;
    const { root, files } = await sampleFiles();
    await asJob(String(RUN), 'job-list', () => restStore(RUN).upload('uuids', files, root));
    backend.seedArtifacts(String(RUN), Array.from({ length: 120 }, (_, i) => `chunk-${i}`), { like: 'uuids' });
    // The first listing (two pages) loses the oldest artifact on its way: asked again, it is whole.
    backend.setRestFaults({ listOmit: 1, times: 2 });
    try {
      const listed = await asJob(String(RUN), 'job-check', () => restStore(RUN).list());
      expect(listed.map((a) => a.name).sort()).toEqual(['uuids', ...Array.from({ length: 120 }, (_, i) => `chunk-${i}`)].sort());
    } finally {
      backend.setRestFaults({});
    }
  });

  it('takes a listing that grew while it was read (a 256-chunk matrix uploading its results): every artifact there before it began, none missed', async () => {
    const RUN = 8004;
    const { root, files } = await sampleFiles();
    await asJob(String(RUN), 'job-list', () => restStore(RUN).upload('uuids', files, root));
    // What a list job of 256 chunks leaves: uuids and the chunks, 3 pages of 100.
    const chunks = backend.seedArtifacts(String(RUN), Array.from({ length: 256 }, (_, i) => `chunk-${i}`), { like: 'uuids' });
    // Before every page, 7 more results of sibling check jobs: no two pages ever agree on total_count.
    backend.setRestFaults({ listGrows: 7 });
    try {
      const listed = await asJob(String(RUN), 'job-check', () => restStore(RUN).list());
      const ids = new Set(listed.map((a) => a.id));
      for (const id of chunks) expect(ids.has(id), `chunk artifact ${id}`).toBe(true);
      expect(listed.some((a) => a.name === 'uuids')).toBe(true);
      expect(ids.size).toBe(listed.length);
    } finally {
      backend.setRestFaults({});
    }
  });

  it('fails closed when artifacts are deleted while it lists (the pages shift back over one already read)', async () => {
    const RUN = 8005;
    const { root, files } = await sampleFiles();
    await asJob(String(RUN), 'job-list', () => restStore(RUN).upload('uuids', files, root));
    backend.seedArtifacts(String(RUN), Array.from({ length: 150 }, (_, i) => `chunk-${i}`), { like: 'uuids' });
    backend.setRestFaults({ listGrows: -1 });
    try {
      await expect(asJob(String(RUN), 'job-check', () => restStore(RUN).list())).rejects.toThrow(
        new RegExp(`^could not list the artifacts of run ${RUN}: an artifact of the run was deleted while it was listed \\(asked 3 times\\); nothing that depends on them goes on$`),
      );
    } finally {
      backend.setRestFaults({});
    }
  });
});
