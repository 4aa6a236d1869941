// Artifacts of earlier run attempts, through the real @actions/artifact client: the internal
// Twirp API (which GitHub has broken across attempts: actions/download-artifact#486,
// actions/upload-artifact#585) against the public REST API its `findBy` option uses, both served
// by the local stand-in (test/support/results-service.ts). No network beyond loopback.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DefaultArtifactClient } from '@actions/artifact';
import { startArtifactBackend, type ArtifactBackend, type RestRequest } from '../support/results-service.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NODE = join(ROOT, 'node_modules/.bin/node');
const JOB_SCRIPT = join(ROOT, 'test/support/artifact-job.ts');
const LIST_DOCS = 'https://docs.github.com/rest/actions/artifacts#list-workflow-run-artifacts';
const DOWNLOAD_DOCS = 'https://docs.github.com/rest/actions/artifacts#download-an-artifact';

let backend: ArtifactBackend;
let work: string;
let client: DefaultArtifactClient;
let resultMarker: string;
const savedApiUrl = process.env.GITHUB_API_URL;

beforeAll(async () => {
  [backend, work] = await Promise.all([startArtifactBackend(), mkdtemp(join(tmpdir(), 'artifacts-rest-test-'))]);
  // @actions/github reads GITHUB_API_URL once, when it first loads (lib/utils.js `defaults`), so
  // it must be set before the client is imported: hence no static import of it in this file.
  process.env.GITHUB_API_URL = backend.apiUrl;
  // @octokit/core binds console.warn/error when it loads and logs every failed request
  // ("GET … - 403 with id …") through them: bind it to functions asJob can redirect.
  const { error, warn } = console;
  console.error = (...args: unknown[]) => (octokitLog ?? error)(...args);
  console.warn = (...args: unknown[]) => (octokitLog ?? warn)(...args);
  try {
    const { DefaultArtifactClient } = await import('@actions/artifact');
    client = new DefaultArtifactClient();
  } finally {
    Object.assign(console, { error, warn });
  }
  ({ RESULT_MARKER: resultMarker } = await import('../support/artifact-job.ts'));
}, 60_000); // Azurite alone starts in ~1.5 s, but took up to 19 s on a loaded 2-CPU box.

afterAll(async () => {
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = savedApiUrl;
  await backend?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

// The client logs every request straight to stdout; keep that out of the test output unless the
// test fails. Every test starts from the service's defaults.
let clientLog: string[] = [];
let octokitLog: ((...args: unknown[]) => void) | undefined;
beforeEach(({ onTestFailed }) => {
  clientLog = [];
  backend.setTwirpCrossAttempt('ok');
  backend.setRestFaults({});
  onTestFailed(() => {
    process.stderr.write(`--- @actions/artifact output ---\n${clientLog.join('')}`);
  });
});

/**
 * Runs `fn` as job `jobId` of attempt `attempt` of run `runId`, its output kept in clientLog (env
 * in place until it settles; calls for different jobs must not overlap). `restOnly` removes the runtime token and results
 * URL, so a REST call that secretly used Twirp would fail.
 */
async function asJob<T>(runId: string, jobId: string, attempt: number, fn: () => Promise<T>, { restOnly = false } = {}): Promise<T> {
  const env: Record<string, string | undefined> = { ...backend.envFor(runId, jobId, { attempt }) };
  if (restOnly) {
    env.ACTIONS_RUNTIME_TOKEN = undefined;
    env.ACTIONS_RESULTS_URL = undefined;
  }
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => clientLog.push(String(chunk)) > 0);
  octokitLog = (...args) => void clientLog.push(`${args.join(' ')}\n`);
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
    octokitLog = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** findBy for a run of the backend's repository, with a fresh actions: read token by default. */
function findBy(runId: string, token = backend.restTokenFor()) {
  const [repositoryOwner, repositoryName] = backend.repository.split('/');
  return { token, workflowRunId: Number(runId), repositoryOwner, repositoryName };
}

/** REST requests made by `fn`, as [method, path relative to the repository, query, status]. */
async function restCalls(fn: () => Promise<unknown>): Promise<{ calls: Array<[string, string, Record<string, string>, number]>; raw: RestRequest[] }> {
  const before = backend.restRequests().length;
  await fn();
  const raw = backend.restRequests().slice(before);
  const prefix = `/repos/${backend.repository}`;
  return { calls: raw.map((r) => [r.method, r.path.replace(prefix, ''), r.query, r.status]), raw };
}

/** What `promise` rejected with, as the fields an HttpError (@octokit/request-error) has. */
async function rejection(promise: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { status?: number };
    return { name: e.name, status: e.status, message: e.message };
  }
  throw new Error('expected a rejection');
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
    'haves.txt': Buffer.from('de1bb258-cbbf-4589-a673-34f800160918\r\nde1bb258-cbbf-4589-a673-34f800160919\n'),
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

/**
 * Runs `fn` with setTimeout and performance.now on a fake clock that jumps to the next timer
 * whenever the loop is otherwise idle, so a backoff passes at once while loopback I/O runs for
 * real. Returns how much fake time passed, and when (on that clock) each REST request arrived.
 */
async function onFakeClock<T>(fn: () => Promise<T>): Promise<{ value: T; elapsedMs: number; requestsAt: number[] }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  try {
    const t = performance.now();
    const requestsAt: number[] = [];
    let seen = backend.restRequests().length;
    let settled = false;
    const result = fn().finally(() => (settled = true));
    while (!settled) {
      // setImmediate is real: a turn of the loop for sockets before the clock moves on.
      await new Promise((r) => setImmediate(r));
      for (const n = backend.restRequests().length; seen < n; seen++) requestsAt.push(performance.now());
      if (!settled) await vi.advanceTimersToNextTimerAsync();
    }
    const value = await result;
    for (const n = backend.restRequests().length; seen < n; seen++) requestsAt.push(performance.now());
    return { value, elapsedMs: performance.now() - t, requestsAt };
  } finally {
    vi.useRealTimers();
  }
}

const upload = (name: string, files: string[], root: string) => client.uploadArtifact(name, files, root);

describe('artifacts of earlier attempts: Twirp against REST (findBy)', () => {
  it('attempt 2 lists, gets and downloads attempt 1 artifacts over REST, needing no runtime token', async () => {
    const RUN = '7101';
    const { root, files, contents } = await sampleFiles();
    const c0 = await asJob(RUN, 'list-attempt1', 1, () => upload('chunk-0', files, root));
    const r0 = await asJob(RUN, 'check-0-attempt1', 1, () => upload('result-0', files.slice(0, 1), root));
    const r1 = await asJob(RUN, 'check-1-attempt2', 2, () => upload('result-1', files.slice(1), root));
    const by = findBy(RUN);
    const dest = join(work, 'rest-download'); // absent: download must create it

    const { calls, raw } = await restCalls(async () => {
      const listed = await asJob(RUN, 'reprocess-attempt2', 2, () => client.listArtifacts({ findBy: by }), { restOnly: true });
      // Every attempt's artifacts, newest first as this service orders them; REST digests carry
      // the "sha256:" prefix that uploadArtifact's digest lacks.
      expect(listed.artifacts).toEqual(
        [r1, r0, c0].map((u, i) => ({
          name: ['result-1', 'result-0', 'chunk-0'][i],
          id: u.id,
          size: u.size,
          createdAt: expect.any(Date),
          digest: `sha256:${u.digest}`,
        })),
      );
      // GitHub's REST timestamps are whole seconds (Twirp's carry milliseconds).
      expect(listed.artifacts.map((a) => a.createdAt!.getMilliseconds())).toEqual([0, 0, 0]);

      const got = await asJob(RUN, 'reprocess-attempt2', 2, () => client.getArtifact('chunk-0', { findBy: by }), { restOnly: true });
      expect(got.artifact).toEqual({ name: 'chunk-0', id: c0.id, size: c0.size, createdAt: expect.any(Date), digest: `sha256:${c0.digest}` });

      const fetched = await asJob(
        RUN,
        'reprocess-attempt2',
        2,
        () => client.downloadArtifact(c0.id!, { path: dest, findBy: by, expectedHash: got.artifact.digest }),
        { restOnly: true },
      );
      expect(fetched).toEqual({ downloadPath: dest, digestMismatch: false });
    });
    await expectSameFiles(dest, contents);

    // What the client asked: one page of 100 (the client's fixed page size), a name query with
    // GitHub's default page size, then the zip endpoint, answered with a 302 to the blob.
    expect(calls).toEqual([
      ['GET', `/actions/runs/${RUN}/artifacts`, { per_page: '100', page: '1' }, 200],
      ['GET', `/actions/runs/${RUN}/artifacts`, { name: 'chunk-0' }, 200],
      ['GET', `/actions/artifacts/${c0.id}/zip`, {}, 302],
    ]);
    expect(raw.map((r) => r.auth)).toEqual(['token', 'token', 'token']);
    // list/get go through the client's own Octokit (its user agent, retry plugin); download
    // through a bare getOctokit(token): Octokit's default agent, no retries.
    expect(raw.map((r) => r.userAgent?.replace(/ .*/, ''))).toEqual([
      expect.stringMatching(/^@actions\/artifact-\d+\.\d+\.\d+$/),
      expect.stringMatching(/^@actions\/artifact-\d+\.\d+\.\d+$/),
      expect.stringMatching(/^octokit-core\.js\/\d+/),
    ]);
    expect(backend.artifactRecords(RUN).map((a) => [a.name, a.attempt])).toEqual([
      ['chunk-0', 1],
      ['result-0', 1],
      ['result-1', 2],
    ]);

    // By default the Twirp service is per run too: attempt 2 may not reuse attempt 1's name.
    await expect(asJob(RUN, 'list-attempt2', 2, () => upload('chunk-0', files, root))).rejects.toThrow(
      '(409) Conflict: an artifact with this name already exists on the workflow run',
    );
  });

  it("expectedHash must be the listed digest: uploadArtifact's own digest (no sha256: prefix) always mismatches", async () => {
    const RUN = '7102';
    const { root, files } = await sampleFiles();
    const up = await asJob(RUN, 'list-attempt1', 1, () => upload('chunk-0', files, root));
    expect(up.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(backend.artifactRecords(RUN)[0].digest).toBe(`sha256:${up.digest}`);

    const download = (expectedHash: string, findByRest: boolean) =>
      asJob(RUN, 'check-0-attempt1', 1, async () =>
        (await client.downloadArtifact(up.id!, { path: await freshDir('hash'), expectedHash, ...(findByRest ? { findBy: findBy(RUN) } : {}) }))
          .digestMismatch,
      );
    // Both paths compare the string exactly against "sha256:<hex of the downloaded zip>".
    expect(await download(up.digest!, true)).toBe(true);
    expect(await download(up.digest!, false)).toBe(true);
    expect(await download(`sha256:${up.digest}`, true)).toBe(false);
    expect(await download(`sha256:${up.digest}`, false)).toBe(false);
    expect(await download(`sha256:${up.digest!.toUpperCase()}`, true)).toBe(true);
  });

  it("listed-but-404 (download-artifact#486): Twirp lists attempt 1's artifact, refuses its URL and its deletion; REST downloads it", async () => {
    const RUN = '7103';
    const { root, files, contents } = await sampleFiles();
    const c0 = await asJob(RUN, 'list-attempt1', 1, () => upload('chunk-0', files, root));
    const r1 = await asJob(RUN, 'check-1-attempt2', 2, () => upload('result-1', files, root));
    backend.setTwirpCrossAttempt('listed-but-404');

    const twirp = await asJob(RUN, 'reprocess-attempt2', 2, () => client.listArtifacts());
    expect(twirp.artifacts.map((a) => [a.name, a.id])).toEqual([
      ['chunk-0', c0.id],
      ['result-1', r1.id],
    ]);
    // The message real runs failed with.
    await expect(asJob(RUN, 'reprocess-attempt2', 2, () => client.downloadArtifact(c0.id!, { path: join(work, 'never') }))).rejects.toThrow(
      /^Failed to GetSignedArtifactURL: Received non-retryable error: Failed request: \(404\) Not Found: workflow run not found$/,
    );
    // So a re-run cannot delete attempt 1's artifact to upload a fresh one under its name.
    await expect(asJob(RUN, 'list-attempt2', 2, () => client.deleteArtifact('chunk-0'))).rejects.toThrow(
      'Failed to DeleteArtifact: Received non-retryable error: Failed request: (404) Not Found: workflow run not found',
    );
    await expect(asJob(RUN, 'list-attempt2', 2, () => upload('chunk-0', files, root))).rejects.toThrow('(409) Conflict');
    // This attempt's own artifacts still work over Twirp.
    const own = await freshDir('own');
    await asJob(RUN, 'reprocess-attempt2', 2, () => client.downloadArtifact(r1.id!, { path: own }));
    await expectSameFiles(own, contents);

    const dest = await freshDir('rest-404');
    const fetched = await asJob(RUN, 'reprocess-attempt2', 2, () =>
      client.downloadArtifact(c0.id!, { path: dest, findBy: findBy(RUN), expectedHash: `sha256:${c0.digest}` }),
    );
    expect(fetched.digestMismatch).toBe(false);
    await expectSameFiles(dest, contents);
  });

  it("hidden (upload-artifact#585): attempt 2 sees none of attempt 1 over Twirp and may reuse its names; REST sees both, latest picks the higher id", async () => {
    const RUN = '7104';
    const { root, files, contents } = await sampleFiles();
    backend.setTwirpCrossAttempt('hidden');
    const old = await asJob(RUN, 'check-0-attempt1', 1, () => upload('result-0', files.slice(0, 1), root));

    expect((await asJob(RUN, 'check-0-attempt2', 2, () => client.listArtifacts())).artifacts).toEqual([]);
    const missing = await rejection(asJob(RUN, 'check-0-attempt2', 2, () => client.getArtifact('result-0')));
    expect(missing.name).toBe('ArtifactNotFoundError');
    expect(missing.message).toMatch(/^Artifact not found for name: result-0\n/);
    const fresh = await asJob(RUN, 'check-0-attempt2', 2, () => upload('result-0', files, root));
    expect(fresh.id).toBeGreaterThan(old.id!);

    const by = findBy(RUN);
    const rest = (latest: boolean) =>
      asJob(RUN, 'reprocess-attempt2', 2, async () => (await client.listArtifacts({ latest, findBy: by })).artifacts.map((a) => [a.name, a.id]));
    expect(await rest(false)).toEqual([
      ['result-0', fresh.id],
      ['result-0', old.id],
    ]);
    // latest: sort by id, descending, keep the first of each name (not by createdAt).
    expect(await rest(true)).toEqual([['result-0', fresh.id]]);
    expect((await asJob(RUN, 'reprocess-attempt2', 2, () => client.getArtifact('result-0', { findBy: by }))).artifact.id).toBe(fresh.id);
    expect((await asJob(RUN, 'reprocess-attempt2', 2, () => client.listArtifacts())).artifacts.map((a) => a.id)).toEqual([fresh.id]);

    // The older one is still downloadable over REST: one file, not two.
    const dest = await freshDir('hidden-old');
    await asJob(RUN, 'reprocess-attempt2', 2, () => client.downloadArtifact(old.id!, { path: dest, findBy: by }));
    await expectSameFiles(dest, { 'haves.txt': contents['haves.txt'] });
    expect(backend.artifactRecords(RUN).map((a) => [a.id, a.attempt])).toEqual([
      [String(old.id), 1],
      [String(fresh.id), 2],
    ]);
  });

  it('REST refuses bad tokens, other repositories and unknown runs (the client re-sends each 5 more times, at once); delete needs actions: write', async () => {
    const RUN = '7105';
    const { root, files } = await sampleFiles();
    const up = await asJob(RUN, 'list-attempt1', 1, () => upload('chunk-0', files, root));
    const [owner] = backend.repository.split('/');

    const list = async (by: ReturnType<typeof findBy>) => {
      let error: Awaited<ReturnType<typeof rejection>> | undefined;
      const { calls } = await restCalls(async () => {
        error = await rejection(asJob(RUN, 'reprocess-attempt1', 1, () => client.listArtifacts({ findBy: by })));
      });
      return { error, statuses: calls.map((c) => c[3]) };
    };
    // The client configures retries: 5 and exempts 400/401/403/404/422 only from the backoff:
    // Bottleneck still retries them, with no delay. Six requests, one error.
    expect(await list(findBy(RUN, backend.restTokenFor({ actions: 'none' })))).toEqual({
      error: { name: 'HttpError', status: 403, message: `Resource not accessible by integration - ${LIST_DOCS}` },
      statuses: [403, 403, 403, 403, 403, 403],
    });
    expect(await list(findBy(RUN, 'ghs_000000000000000000000000000000000000'))).toEqual({
      error: { name: 'HttpError', status: 401, message: 'Bad credentials - https://docs.github.com/rest' },
      statuses: [401, 401, 401, 401, 401, 401],
    });
    expect(await list(findBy(RUN, backend.restTokenFor({ repository: `${owner}/elsewhere` })))).toEqual({
      error: { name: 'HttpError', status: 404, message: `Not Found - ${LIST_DOCS}` },
      statuses: [404, 404, 404, 404, 404, 404],
    });
    // A run nobody ran (say, a mistyped id) is an error, not an empty list.
    expect(await list(findBy('7199'))).toMatchObject({ error: { status: 404, message: `Not Found - ${LIST_DOCS}` } });

    // The download path has no retry plugin: one request.
    const { calls } = await restCalls(async () => {
      const e = await rejection(
        asJob(RUN, 'reprocess-attempt1', 1, () =>
          client.downloadArtifact(up.id!, { path: join(work, 'never'), findBy: findBy(RUN, backend.restTokenFor({ actions: 'none' })) }),
        ),
      );
      expect(e).toEqual({ name: 'HttpError', status: 403, message: `Resource not accessible by integration - ${DOWNLOAD_DOCS}` });
    });
    expect(calls).toEqual([['GET', `/actions/artifacts/${up.id}/zip`, {}, 403]]);

    // deleteArtifact with findBy: a name lookup, then DELETE, which actions: read may not do.
    const readOnly = await rejection(asJob(RUN, 'x', 1, () => client.deleteArtifact('chunk-0', { findBy: findBy(RUN) })));
    expect(readOnly).toMatchObject({ name: 'HttpError', status: 403 });
    expect(backend.artifacts(RUN).map((a) => a.id)).toEqual([String(up.id)]);
    const deleted = await asJob(RUN, 'x', 1, () => client.deleteArtifact('chunk-0', { findBy: findBy(RUN, backend.restTokenFor({ actions: 'write' })) }));
    expect(deleted).toEqual({ id: up.id });
    expect(backend.artifacts(RUN)).toEqual([]);
  });

  it('a REST list 5xx is retried after 1 s (then 4, 9, 16, 25 s): one 502 costs a second', async () => {
    const RUN = '7106';
    const { root, files } = await sampleFiles();
    const up = await asJob(RUN, 'list-attempt1', 1, () => upload('chunk-0', files, root));
    backend.setRestFaults({ list: 502, times: 1 });
    const t = performance.now();
    const { calls } = await restCalls(async () => {
      const listed = await asJob(RUN, 'x', 1, () => client.listArtifacts({ findBy: findBy(RUN) }));
      expect(listed.artifacts.map((a) => a.id)).toEqual([up.id]);
    });
    expect(performance.now() - t).toBeGreaterThanOrEqual(950); // Bottleneck's timer, less rounding
    expect(calls.map((c) => c[3])).toEqual([502, 200]);
  });

  it('a persistent REST list 500 fails, after 6 requests over ~55 s (the client backs off 1+4+9+16+25 s)', async () => {
    // The only way to see that the client gives up and how. Its backoff runs on a fake clock (the
    // 1 s test above waits for real), so the requests' spacing is read off that clock.
    const RUN = '7107';
    const { root, files } = await sampleFiles();
    await asJob(RUN, 'list-attempt1', 1, () => upload('chunk-0', files, root));
    backend.setRestFaults({ list: 500 });
    const { calls } = await restCalls(async () => {
      const { value: e, elapsedMs, requestsAt } = await onFakeClock(() => rejection(asJob(RUN, 'x', 1, () => client.getArtifact('chunk-0', { findBy: findBy(RUN) }))));
      expect(e).toEqual({ name: 'HttpError', status: 500, message: `Server Error - ${LIST_DOCS}` });
      const gaps = requestsAt.slice(1).map((at, i) => at - requestsAt[i]);
      expect(gaps).toHaveLength(5);
      [1000, 4000, 9000, 16000, 25000].forEach((ms, i) => expect(gaps[i], `wait before request ${i + 2}`).toBeGreaterThanOrEqual(ms));
      expect(elapsedMs).toBeGreaterThanOrEqual(54_000);
    });
    expect(calls.map((c) => c[3])).toEqual([500, 500, 500, 500, 500, 500]);
  });

  it('REST download faults fail at once, without retry; a corrupt blob still extracts and only expectedHash catches it', async () => {
    const RUN = '7108';
    const { root, files, contents } = await sampleFiles();
    const up = await asJob(RUN, 'list-attempt1', 1, () => upload('chunk-0', files, root));
    const digest = `sha256:${up.digest}`;
    const download = (path: string, expectedHash?: string) =>
      asJob(RUN, 'x', 1, () => client.downloadArtifact(up.id!, { path, findBy: findBy(RUN), ...(expectedHash ? { expectedHash } : {}) }));

    for (const [status, message] of [
      [410, `Artifact has expired - ${DOWNLOAD_DOCS}`],
      [500, `Server Error - ${DOWNLOAD_DOCS}`],
    ] as const) {
      backend.setRestFaults({ download: status });
      const { calls } = await restCalls(async () => {
        expect(await rejection(download(join(work, 'never')))).toEqual({ name: 'HttpError', status, message });
      });
      expect(calls).toEqual([['GET', `/actions/artifacts/${up.id}/zip`, {}, status]]);
    }

    backend.setRestFaults({ downloadCorrupt: true });
    const checked = await freshDir('corrupt-checked');
    expect(await download(checked, digest)).toEqual({ downloadPath: checked, digestMismatch: true });
    // The files are written before the digest is compared: a caller must discard them itself.
    await expectSameFiles(checked, contents);
    const unchecked = await freshDir('corrupt-unchecked');
    expect(await download(unchecked)).toEqual({ downloadPath: unchecked, digestMismatch: false });

    backend.setRestFaults({});
    expect(await download(await freshDir('clean'), digest)).toMatchObject({ digestMismatch: false });
  });

  it('lists past one page: 101 artifacts take pages 1 and 2 of 100', async () => {
    const RUN = '7109';
    const root = await freshDir('many');
    await writeFile(join(root, 'ids.txt'), 'de1bb258-cbbf-4589-a673-34f800160918\n');
    // ~15 ms each against the local service.
    const ids: number[] = [];
    await asJob(RUN, 'list-attempt1', 1, async () => {
      for (let i = 0; i < 101; i++) ids.push((await upload(`chunk-${i}`, [join(root, 'ids.txt')], root)).id!);
    });
    const { calls } = await restCalls(async () => {
      const listed = await asJob(RUN, 'x', 1, () => client.listArtifacts({ findBy: findBy(RUN) }));
      expect(listed.artifacts.map((a) => a.id).sort((a, b) => a - b)).toEqual(ids);
    });
    expect(calls).toEqual([
      ['GET', `/actions/runs/${RUN}/artifacts`, { per_page: '100', page: '1' }, 200],
      ['GET', `/actions/runs/${RUN}/artifacts`, { per_page: '100', page: '2' }, 200],
    ]);
  });

  it("a job process configured only by env fetches attempt 1's artifact over REST where Twirp hides it", async () => {
    const RUN = '7110';
    const { root, files, contents } = await sampleFiles();
    backend.setTwirpCrossAttempt('hidden');
    const job = async (jobId: string, attempt: number, args: string[]) => {
      const env = {
        PATH: process.env.PATH ?? '',
        ...backend.envFor(RUN, jobId, { attempt }),
        GITHUB_WORKSPACE: work,
        GITHUB_REPOSITORY: backend.repository,
        GITHUB_RUN_ID: RUN,
        GITHUB_TOKEN: backend.restTokenFor(),
      };
      const { stdout } = await run(NODE, [JOB_SCRIPT, ...args], { env, cwd: ROOT, timeout: 45_000 });
      const line = stdout.split('\n').find((l) => l.startsWith(resultMarker));
      if (!line) throw new Error(`no result from job ${jobId}:\n${stdout}`);
      return JSON.parse(line.slice(resultMarker.length));
    };

    const uploaded = await job('list-attempt1', 1, ['upload', 'chunk-3', root, ...files]);
    await expect(job('check-3-attempt2', 2, ['fetch', 'chunk-3', join(work, 'never')])).rejects.toThrow('no artifact named chunk-3; listed: \n');
    const dest = join(work, 'download-child-rest');
    const fetched = await job('check-3-attempt2', 2, ['fetch-rest', 'chunk-3', dest]);
    expect(fetched).toMatchObject({ downloadPath: dest, digestMismatch: false, listed: [{ id: uploaded.id, name: 'chunk-3' }] });
    await expectSameFiles(dest, contents);
  }, 90_000); // three cold node processes, each loading @actions/artifact

  it('failUploads refuses the named uploads at once (the quota UsageError, no retry), creates nothing for them, and clears', async () => {
    const RUN = '7111';
    const { root, files } = await sampleFiles();
    backend.failUploads((name) => name.endsWith('-part1'));
    try {
      const t = performance.now();
      await expect(asJob(RUN, 'reprocess-attempt1', 1, () => upload('reprocessed-1-part1', files, root))).rejects.toThrow('Artifact storage quota has been hit');
      // The client's retries would take seconds (and a 5xx about 20 s): a refusal is final.
      expect(performance.now() - t).toBeLessThan(2000);
      const other = await asJob(RUN, 'reprocess-attempt1', 1, () => upload('reprocessed-1', files, root));
      expect(backend.refusedUploads()).toEqual(['reprocessed-1-part1']);
      expect(backend.artifacts(RUN).map((a) => [a.id, a.name])).toEqual([[String(other.id), 'reprocessed-1']]);
    } finally {
      backend.failUploads(undefined);
    }
    // Nothing was created for the refused name, so it is free once the fault is cleared.
    await asJob(RUN, 'reprocess-attempt1', 1, () => upload('reprocessed-1-part1', files, root));
    expect(backend.artifacts(RUN).map((a) => a.name)).toEqual(['reprocessed-1', 'reprocessed-1-part1']);
    expect(backend.refusedUploads()).toEqual(['reprocessed-1-part1']);
  });
});
