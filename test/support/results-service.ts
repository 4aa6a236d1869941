// A local stand-in for GitHub's artifact "results service": a Twirp JSON API in this process,
// with Azurite (a child process) as the blob storage the signed URLs point at. The real
// @actions/artifact client talks to it unchanged, given the env from envFor().
// The same server answers the public REST endpoints the client's `findBy` option uses in place
// of api.github.com (GITHUB_API_URL): list a run's artifacts, download one (a 302 to a signed blob
// URL), delete one. Runs have attempts; the Twirp view of earlier attempts can be made to
// misbehave as GitHub's has (setTwirpCrossAttempt), and REST calls can be given faults.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

/**
 * How the Twirp API treats artifacts uploaded by an earlier attempt of the caller's run.
 * - 'ok': like any other artifact of the run (what GitHub did before 2026-07).
 * - 'listed-but-404': ListArtifacts lists them, GetSignedArtifactURL and DeleteArtifact answer
 *   404 "workflow run not found" (actions/download-artifact#486).
 * - 'hidden': not there at all: not listed, not found, and their names are free to upload again
 *   (actions/upload-artifact#585). The default: a test world no kinder than github.com.
 * REST always sees every attempt's artifacts: GitHub's REST API is per run.
 */
export type TwirpCrossAttempt = 'ok' | 'listed-but-404' | 'hidden';

/** Faults of the REST API, for fail-closed tests. Statuses get GitHub-style JSON error bodies. */
export interface RestFaults {
  /** Status for `GET .../actions/runs/{run_id}/artifacts` (used by list, get and delete). */
  list?: number;
  /** Status for `GET .../actions/artifacts/{id}/zip` instead of its 302. */
  download?: number;
  /** The 302 points at a copy of the zip with bytes appended: still extracts, digest differs. */
  downloadCorrupt?: boolean;
  /**
   * The listing leaves out this many of the run's oldest artifacts while `total_count` still
   * counts them, as a listing does that an artifact's deletion shifted between two pages.
   */
  listOmit?: number;
  /**
   * Before each page of a listing is answered, this many new artifacts appear in the run, as
   * sibling jobs of a matrix upload their results while one job lists (GitHub's listing then
   * shifts: newest first, each new one pushes the rest a place further). Negative: that many of
   * the run's oldest artifacts are deleted instead (the listing shifts back).
   */
  listGrows?: number;
  /** Each fault above hits only the next `times` matching requests (pages, for listOmit; default: until replaced). */
  times?: number;
}

/** The `actions` permission of a REST token (GITHUB_TOKEN's `permissions: actions: …`). */
export type ActionsPermission = 'none' | 'read' | 'write';

/** One REST request as the service saw it. */
export interface RestRequest {
  method: string;
  /** Path without the query, e.g. /repos/o/r/actions/runs/7/artifacts */
  path: string;
  query: Record<string, string>;
  /** 'token' or 'bearer' (the Authorization scheme), or undefined if none was sent. */
  auth?: 'token' | 'bearer';
  userAgent?: string;
  status: number;
}

export interface JobOptions {
  /** The run attempt (GITHUB_RUN_ATTEMPT) the job belongs to; default 1. */
  attempt?: number;
}

export interface ArtifactBackend {
  /** ACTIONS_RESULTS_URL */
  resultsUrl: string;
  /** GITHUB_API_URL: the REST API stand-in (same server), no trailing slash. */
  apiUrl: string;
  /** 'owner/name' of the repository every run belongs to, as REST sees it (GITHUB_REPOSITORY). */
  repository: string;
  /** Unsigned JWT whose scp carries 'Actions.Results:<run>:<job>', as the runner's token does. */
  tokenFor(runId: string, jobId: string, opts?: JobOptions): string;
  /**
   * Everything a job process needs for the artifact client to reach this backend, over Twirp
   * and (given a token from restTokenFor, GITHUB_REPOSITORY and GITHUB_RUN_ID) over REST.
   * With `attempt`, also GITHUB_RUN_ATTEMPT.
   */
  envFor(runId: string, jobId: string, opts?: JobOptions): Record<string, string>;
  /** A REST token (like GITHUB_TOKEN) for `repository` (default: this.repository), actions: read by default. */
  restTokenFor(opts?: { repository?: string; actions?: ActionsPermission }): string;
  /** Finalized artifacts, oldest first; all runs unless runId is given. */
  artifacts(runId?: string): Array<{ id: string; name: string; size: number; jobId: string; runId: string }>;
  /** As artifacts(), with the uploading attempt and the digest FinalizeArtifact declared. */
  artifactRecords(
    runId?: string,
  ): Array<{ id: string; name: string; size: number; jobId: string; runId: string; attempt: number; digest?: string }>;
  setTwirpCrossAttempt(mode: TwirpCrossAttempt): void;
  /** Replaces the REST faults; {} clears them. */
  setRestFaults(faults: RestFaults): void;
  /** REST requests so far, oldest first (a copy). */
  restRequests(): RestRequest[];
  /**
   * Makes CreateArtifact refuse every upload whose name `refuse` accepts, as GitHub refuses one
   * when the artifact storage quota is used up: a 403 whose message says "insufficient usage",
   * which the client turns into its UsageError at once, without retrying. Undefined clears it.
   */
  failUploads(refuse: ((name: string) => boolean) | undefined): void;
  /** Names of the uploads failUploads refused, oldest first (a copy). */
  refusedUploads(): string[];
  /**
   * Adds finalized artifacts to run `runId` at once, without uploading each: the size of a run
   * that re-ran a 256-chunk listing twice (some 1,500 artifacts) in a second rather than minutes.
   * Each is a copy of the finalized artifact `like` (same bytes and digest), made by `attempt`
   * (default 1), newer than every artifact before it. Returns their ids.
   */
  seedArtifacts(runId: string, names: string[], opts: { like: string; attempt?: number }): number[];
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Azurite's data directory; in memory if absent. */
  dir?: string;
  /** GITHUB_REPOSITORY as REST sees it; the e2e runner's value by default. */
  repository?: string;
  twirpCrossAttempt?: TwirpCrossAttempt;
}

// Azurite's published development account; not a secret.
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-results';
const SERVICE = 'github.actions.results.api.v1.ArtifactService';
const SAS_LIFETIME_MS = 60 * 60 * 1000;
const DEFAULT_REPOSITORY = 'mozilla-services/socorro-reprocess';

interface ArtifactRecord {
  id: number;
  runId: string;
  jobId: string;
  /** The uploading job's run attempt. */
  attempt: number;
  name: string;
  blobName: string;
  /** Set by FinalizeArtifact; until then the artifact is invisible to List/Get. */
  finalized: boolean;
  zipped: boolean;
  size: number;
  digest?: string;
  createdAt: Date;
  expiresAt?: string;
}

/** A Twirp error: JSON body {code, msg}. Only 4xx statuses, because the client retries 5xx for ~20 s. */
class TwirpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, msg: string) {
    super(msg);
    this.status = status;
    this.code = code;
  }
}

/** A REST error: GitHub's JSON body {message, documentation_url, status}. */
class RestError extends Error {
  readonly status: number;
  readonly docs: string;
  constructor(status: number, message: string, docs = 'https://docs.github.com/rest') {
    super(message);
    this.status = status;
    this.docs = docs;
  }
}

/** What the service shares between its Twirp and REST halves and the test's handle. */
interface State {
  repository: string;
  records: ArtifactRecord[];
  /** Runs a job token was minted for; REST answers 404 for any other run id. */
  runs: Set<string>;
  restTokens: Map<string, { repository: string; actions: ActionsPermission }>;
  crossAttempt: TwirpCrossAttempt;
  faults: { list?: number; download?: number; downloadCorrupt?: boolean; listOmit?: number; listGrows?: number; left: { list: number; download: number; corrupt: number; omit: number; grow: number } };
  /** Hands out artifact ids (shared by uploads and seedArtifacts): ids grow with time, as GitHub's do. */
  nextId: () => number;
  restLog: RestRequest[];
  /** failUploads: which names CreateArtifact refuses, and the ones it did. */
  refuseUpload?: (name: string) => boolean;
  refusedUploads: string[];
}

export async function startArtifactBackend(opts: BackendOptions = {}): Promise<ArtifactBackend> {
  const azurite = await startAzurite(opts.dir);
  try {
    const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
    const blobService = new BlobServiceClient(`${azurite.url}/${ACCOUNT}`, credential);
    const container = blobService.getContainerClient(CONTAINER);
    await container.createIfNotExists();
    const state: State = {
      repository: opts.repository ?? DEFAULT_REPOSITORY,
      records: [],
      runs: new Set(),
      restTokens: new Map(),
      crossAttempt: opts.twirpCrossAttempt ?? 'hidden',
      faults: { left: { list: 0, download: 0, corrupt: 0, omit: 0, grow: 0 } },
      restLog: [],
      refusedUploads: [],
      nextId: (() => {
        let next = 1;
        return () => next++;
      })(),
    };
    if (!/^[^/\s]+\/[^/\s]+$/.test(state.repository)) throw new Error(`bad repository ${JSON.stringify(state.repository)}`);
    const service = await startService(container, credential, state);
    const resultsUrl = `http://127.0.0.1:${service.port}/`;
    // Octokit appends '/repos/…' to it, so no trailing slash.
    const apiUrl = `http://127.0.0.1:${service.port}`;

    const tokenFor = (runId: string, jobId: string, jobOpts: JobOptions = {}): string => {
      // The client splits scp on ' ' and the scope on ':', so ids may contain neither.
      for (const id of [runId, jobId]) {
        if (!id || /[\s:]/.test(id)) throw new Error(`tokenFor: bad id ${JSON.stringify(id)}`);
      }
      const attempt = jobOpts.attempt ?? 1;
      if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`tokenFor: bad attempt ${attempt}`);
      state.runs.add(runId);
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: 'JWT', alg: 'none' };
      const payload = {
        scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runId}:${jobId}`,
        // Not a claim GitHub's tokens are known to carry; the client ignores it. The scope stays
        // per run, as the brief's model has it, so only this tells the service the attempt.
        run_attempt: attempt,
        iat: now,
        exp: now + 6 * 60 * 60,
      };
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${b64(header)}.${b64(payload)}.`;
    };

    const details = (runId: string | undefined) =>
      state.records
        .filter((a) => a.finalized && (runId === undefined || a.runId === runId))
        .map((a) => ({ id: String(a.id), name: a.name, size: a.size, jobId: a.jobId, runId: a.runId, attempt: a.attempt, digest: a.digest }));

    return {
      resultsUrl,
      apiUrl,
      repository: state.repository,
      tokenFor,
      envFor(runId, jobId, jobOpts = {}) {
        const noProxy = [process.env.NO_PROXY ?? process.env.no_proxy, '127.0.0.1', 'localhost']
          .filter(Boolean)
          .join(',');
        return {
          ACTIONS_RUNTIME_TOKEN: tokenFor(runId, jobId, jobOpts),
          ACTIONS_RESULTS_URL: resultsUrl,
          // Read once, when @actions/github first loads (lib/utils.js), not per call.
          GITHUB_API_URL: apiUrl,
          ...(jobOpts.attempt === undefined ? {} : { GITHUB_RUN_ATTEMPT: String(jobOpts.attempt) }),
          // Unset means github.com too; set it so an inherited GHES value cannot trip the
          // client's GHESNotSupportedError. Never a loopback URL, which trips it as well.
          GITHUB_SERVER_URL: 'https://github.com',
          // Both HTTP stacks (http-client, @azure/core-rest-pipeline) honour these if a proxy is set.
          NO_PROXY: noProxy,
          no_proxy: noProxy,
        };
      },
      restTokenFor({ repository = state.repository, actions = 'read' } = {}) {
        // The shape of an installation token (GITHUB_TOKEN): ghs_ and 36 alphanumerics.
        const token = `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, '0')}`;
        state.restTokens.set(token, { repository, actions });
        return token;
      },
      artifacts(runId) {
        return details(runId).map(({ id, name, size, jobId, runId: run }) => ({ id, name, size, jobId, runId: run }));
      },
      artifactRecords: details,
      setTwirpCrossAttempt(mode) {
        state.crossAttempt = mode;
      },
      setRestFaults(faults) {
        const times = faults.times ?? Infinity;
        state.faults = {
          list: faults.list,
          download: faults.download,
          downloadCorrupt: faults.downloadCorrupt,
          listOmit: faults.listOmit,
          listGrows: faults.listGrows,
          left: { list: times, download: times, corrupt: times, omit: times, grow: times },
        };
      },
      restRequests: () => state.restLog.map((r) => ({ ...r, query: { ...r.query } })),
      failUploads(refuse) {
        state.refuseUpload = refuse;
      },
      refusedUploads: () => [...state.refusedUploads],
      seedArtifacts(runId, names, { like, attempt = 1 }) {
        const template = state.records.filter((r) => r.finalized && r.runId === runId && r.name === like).at(-1);
        if (!template) throw new Error(`seedArtifacts: no finalized artifact ${like} in run ${runId}`);
        state.runs.add(runId);
        return names.map((name) => {
          if (state.records.some((r) => r.runId === runId && r.name === name)) throw new Error(`seedArtifacts: ${name} exists in run ${runId}`);
          // The same blob as the template: removeRecord deletes a blob only when no record shares it.
          const rec: ArtifactRecord = { ...template, id: state.nextId(), attempt, name, jobId: `seeded-${attempt}`, createdAt: new Date() };
          state.records.push(rec);
          return rec.id;
        });
      },
      async close() {
        await service.close();
        await azurite.stop();
      },
    };
  } catch (err) {
    await azurite.stop();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Azurite

async function startAzurite(dir: string | undefined): Promise<{ url: string; stop(): Promise<void> }> {
  // Run Azurite's JS entry with our own node: the bin's shebang would pick whatever `node` is
  // first on PATH, and azurite 3.37 wants Node >= 22.
  const entry = realpathSync(fileURLToPath(new URL('../../node_modules/.bin/azurite-blob', import.meta.url)));
  const args = [
    entry,
    '--blobHost', '127.0.0.1',
    '--blobPort', '0', // Azurite reports the port it got, so there is no pick-then-bind race.
    ...(dir ? ['--location', dir] : ['--inMemoryPersistence']),
    '--disableTelemetry',
    // The SDK may send a newer x-ms-version than this Azurite knows.
    '--skipApiVersionCheck',
    '--silent',
  ];
  // Never leave an orphan Azurite behind: it shuts down when its stdin closes, which happens
  // however this process ends (even SIGKILL); the 'exit' hook is the quick path.
  // unref: the watch must not keep Azurite alive after its own graceful close.
  const watchParent = 'process.stdin.on("end",()=>process.kill(process.pid,"SIGTERM")).resume().unref();';
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(watchParent)}`, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: dir,
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    // In memory there is nothing to flush, so there is no point waiting for a graceful close.
    child.kill(dir ? 'SIGTERM' : 'SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const port = await waitForListening(child, 60_000);
    return { url: `http://127.0.0.1:${port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /successfully listens on https?:\/\/[^:\s]+:(\d+)/.exec(output);
      if (m) {
        cleanup();
        // Keep draining so a chatty Azurite can never block on a full pipe.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(m[1]));
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`azurite-blob exited (${code ?? signal}) before listening:\n${output}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`azurite-blob did not listen within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onExit);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
    child.on('error', onExit);
  });
}

// ---------------------------------------------------------------------------------------------
// The service: Twirp under /twirp/, REST under /repos/

interface Service {
  port: number;
  close(): Promise<void>;
}

async function startService(container: ContainerClient, credential: StorageSharedKeyCredential, state: State): Promise<Service> {
  const { records } = state;
  let requestCount = 0;
  /** This server's origin, for the REST objects' url fields; set once it listens. */
  let origin = '';

  const signedUrl = (blobName: string, permissions: string, rawName?: string): string => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse(permissions),
        // A little slack so client/server clock rounding never makes a fresh URL "not yet valid".
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + SAS_LIFETIME_MS),
        // Raw (skipArchive) downloads take their file name from Content-Disposition.
        contentDisposition: rawName === undefined ? undefined : `attachment; filename="${encodeURIComponent(rawName)}"`,
      },
      credential,
    );
    return `${container.getBlockBlobClient(blobName).url}?${sas.toString()}`;
  };
  const recordUrl = (rec: ArtifactRecord, permissions: string) => signedUrl(rec.blobName, permissions, rec.zipped ? undefined : rec.name);

  const live = (runId: string) => records.filter((r) => r.runId === runId);
  /** An artifact of an attempt before the caller's. */
  const earlier = (scope: Scope, r: ArtifactRecord) => r.attempt < scope.attempt;
  /** The run's artifacts as the caller's attempt sees them through Twirp. */
  const visible = (scope: Scope) =>
    live(scope.runId).filter((r) => state.crossAttempt !== 'hidden' || !earlier(scope, r));
  /**
   * The finalized artifact `name` for Get/Delete: the uploading job's (the client passes it back
   * from ListArtifacts) if there are several, else the newest.
   */
  const findFinal = (scope: Scope, name: string, jobId: string | undefined): ArtifactRecord | undefined => {
    const named = visible(scope).filter((r) => r.finalized && r.name === name);
    const rec = named.filter((r) => r.jobId === jobId).at(-1) ?? named.at(-1);
    if (rec && state.crossAttempt === 'listed-but-404' && earlier(scope, rec)) {
      // Status and text as GitHub's service gave them; the client reports
      // "Failed request: (404) Not Found: workflow run not found".
      throw new TwirpError(404, 'not_found', 'workflow run not found');
    }
    return rec;
  };

  const methods: Record<string, (scope: Scope, body: Body) => Promise<object>> = {
    async CreateArtifact(scope, body) {
      const name = requireName(body);
      if (state.refuseUpload?.(name)) {
        state.refusedUploads.push(name);
        // GitHub's quota refusal; the client's UsageError.isUsageErrorMessage looks for these words.
        throw new TwirpError(403, 'permission_denied', `insufficient usage to create artifact ${name}: artifact storage quota has been hit (a test fault: failUploads)`);
      }
      if (visible(scope).some((r) => r.name === name)) {
        // Same status and text as GitHub's service; the client turns it into
        // "(409) Conflict: an artifact with this name already exists on the workflow run".
        throw new TwirpError(409, 'already_exists', 'an artifact with this name already exists on the workflow run');
      }
      const mime = str(body, 'mime_type', 'mimeType');
      const zipped = mime === undefined || mime === '' || mime === 'application/zip';
      const id = state.nextId();
      const rec: ArtifactRecord = {
        id,
        runId: scope.runId,
        jobId: scope.jobId,
        attempt: scope.attempt,
        name,
        // The client decides whether to unzip a download by content-type or a '.zip' path.
        blobName: `${scope.runId}/${id}/${zipped ? `${name}.zip` : name}`,
        finalized: false,
        zipped,
        size: 0,
        createdAt: new Date(),
        expiresAt: str(body, 'expires_at', 'expiresAt'),
      };
      records.push(rec);
      return { ok: true, signed_upload_url: recordUrl(rec, 'cw') };
    },

    async FinalizeArtifact(scope, body) {
      const name = requireName(body);
      const rec = live(scope.runId).find((r) => r.name === name && !r.finalized);
      if (!rec) throw new TwirpError(404, 'not_found', `no pending artifact named ${name} on the workflow run`);
      const declared = Number(str(body, 'size') ?? '0');
      let actual: number;
      try {
        actual = (await container.getBlockBlobClient(rec.blobName).getProperties()).contentLength ?? 0;
      } catch {
        throw new TwirpError(412, 'failed_precondition', `artifact ${name} was never uploaded to blob storage`);
      }
      // Catches a client that finalizes before its upload really completed.
      if (declared !== actual) {
        throw new TwirpError(400, 'invalid_argument', `declared size ${declared} but blob storage holds ${actual} bytes`);
      }
      rec.finalized = true;
      rec.size = actual;
      rec.digest = str(body, 'hash');
      return { ok: true, artifact_id: String(rec.id) };
    },

    async ListArtifacts(scope, body) {
      const nameFilter = str(body, 'name_filter', 'nameFilter');
      const idFilter = str(body, 'id_filter', 'idFilter');
      const artifacts = visible(scope)
        .filter((r) => r.finalized)
        .filter((r) => nameFilter === undefined || r.name === nameFilter)
        .filter((r) => idFilter === undefined || String(r.id) === idFilter)
        .map((r) => ({
          workflow_run_backend_id: r.runId,
          workflow_job_run_backend_id: r.jobId,
          // protobuf JSON: int64 as strings, wrappers as bare values, timestamps as RFC 3339.
          database_id: String(r.id),
          name: r.name,
          size: String(r.size),
          created_at: r.createdAt.toISOString(),
          ...(r.digest ? { digest: r.digest } : {}),
        }));
      return { artifacts };
    },

    async GetSignedArtifactURL(scope, body) {
      const name = requireName(body);
      const rec = findFinal(scope, name, str(body, 'workflow_job_run_backend_id', 'workflowJobRunBackendId'));
      if (!rec) throw new TwirpError(404, 'not_found', `artifact ${name} not found on the workflow run`);
      return { signed_url: recordUrl(rec, 'r') };
    },

    async DeleteArtifact(scope, body) {
      const name = requireName(body);
      const rec = findFinal(scope, name, str(body, 'workflow_job_run_backend_id', 'workflowJobRunBackendId'));
      if (!rec) throw new TwirpError(404, 'not_found', `artifact ${name} not found on the workflow run`);
      await removeRecord(rec);
      return { ok: true, artifact_id: String(rec.id) };
    },
  };

  async function removeRecord(rec: ArtifactRecord): Promise<void> {
    const at = records.indexOf(rec);
    if (at >= 0) records.splice(at, 1);
    // Seeded artifacts share their template's blob.
    if (!records.some((r) => r.blobName === rec.blobName)) await container.getBlockBlobClient(rec.blobName).deleteIfExists();
  }

  async function handleTwirp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const prefix = `/twirp/${SERVICE}/`;
    const method = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    const impl = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (req.method !== 'POST' || !impl) {
      throw new TwirpError(404, 'bad_route', `no handler for ${req.method} ${url.pathname}`);
    }
    const scope = scopeFromAuthorization(req.headers.authorization);
    const body = await readJson(req);
    // The token decides the run; a body naming another run is refused. The job id in the body
    // may differ: downloads pass the uploading job's id back from ListArtifacts.
    const bodyRun = str(body, 'workflow_run_backend_id', 'workflowRunBackendId');
    if (bodyRun !== undefined && bodyRun !== scope.runId) {
      throw new TwirpError(403, 'permission_denied', `token is not valid for workflow run ${bodyRun}`);
    }
    send(res, 200, await impl(scope, body));
  }

  // ---- REST (api.github.com) ----------------------------------------------------------------

  const DOCS = {
    list: 'https://docs.github.com/rest/actions/artifacts#list-workflow-run-artifacts',
    download: 'https://docs.github.com/rest/actions/artifacts#download-an-artifact',
    delete: 'https://docs.github.com/rest/actions/artifacts#delete-an-artifact',
  };
  const restTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'); // GitHub sends whole seconds
  const expired = (r: ArtifactRecord) => r.expiresAt !== undefined && Date.parse(r.expiresAt) <= Date.now();

  const restArtifact = (r: ArtifactRecord, owner: string, repo: string) => {
    const url = `${origin}/repos/${owner}/${repo}/actions/artifacts/${r.id}`;
    return {
      id: r.id,
      node_id: Buffer.from(`Artifact${r.id}`).toString('base64'),
      name: r.name,
      size_in_bytes: r.size,
      url,
      archive_download_url: `${url}/zip`,
      expired: expired(r),
      created_at: restTime(r.createdAt),
      updated_at: restTime(r.createdAt),
      expires_at: r.expiresAt ?? null,
      // GitHub now includes it; the Twirp FinalizeArtifact hash ("sha256:<hex>" of the zip).
      digest: r.digest ?? null,
      workflow_run: {
        id: /^\d+$/.test(r.runId) ? Number(r.runId) : r.runId,
        repository_id: 1,
        head_repository_id: 1,
        head_branch: 'main',
        head_sha: '0'.repeat(40),
      },
    };
  };

  /** A configured fault for `kind`, counting it down; undefined when none applies. */
  const takeFault = (kind: 'list' | 'download'): number | undefined => {
    const status = state.faults[kind];
    if (status === undefined || state.faults.left[kind] <= 0) return undefined;
    state.faults.left[kind]--;
    return status;
  };
  const faultError = (status: number, docs: string): RestError => {
    const messages: Record<number, string> = {
      401: 'Bad credentials',
      403: 'Resource not accessible by integration',
      404: 'Not Found',
      410: 'Artifact has expired',
      500: 'Server Error',
    };
    return new RestError(status, messages[status] ?? STATUS_CODES[status] ?? 'Error', docs);
  };

  async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, entry: RestRequest): Promise<void> {
    const m =
      /^\/repos\/([^/]+)\/([^/]+)\/actions\/(?:runs\/([^/]+)\/artifacts|artifacts\/(\d+)(?:\/([^/]+))?)\/?$/.exec(url.pathname);
    if (!m) throw new RestError(404, 'Not Found');
    const [, owner, repo, runId, artifactId, archive] = m.map((p) => (p === undefined ? undefined : decodeURIComponent(p)));
    const kind =
      runId !== undefined && req.method === 'GET'
        ? 'list'
        : artifactId !== undefined && archive !== undefined && req.method === 'GET'
          ? 'download'
          : artifactId !== undefined && archive === undefined && req.method === 'DELETE'
            ? 'delete'
            : undefined;
    if (!kind) throw new RestError(404, 'Not Found');
    const docs = DOCS[kind];

    // Authentication, then the repository, then the permission: GitHub's order of refusals.
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = auth === undefined ? undefined : state.restTokens.get(auth);
    if (!grant) throw new RestError(401, 'Bad credentials', 'https://docs.github.com/rest');
    const repository = `${owner}/${repo}`;
    // Names are case-insensitive on GitHub; the token is for one repository (private: 404, not 403).
    if (repository.toLowerCase() !== state.repository.toLowerCase() || grant.repository.toLowerCase() !== repository.toLowerCase()) {
      throw new RestError(404, 'Not Found', docs);
    }
    const needed: ActionsPermission = kind === 'delete' ? 'write' : 'read';
    const rank = { none: 0, read: 1, write: 2 } as const;
    if (rank[grant.actions] < rank[needed]) throw new RestError(403, 'Resource not accessible by integration', docs);

    if (kind === 'list') {
      const fault = takeFault('list');
      if (fault !== undefined) throw faultError(fault, docs);
      if (!state.runs.has(runId!) && !records.some((r) => r.runId === runId)) throw new RestError(404, 'Not Found', docs);
      if (state.faults.listGrows && state.faults.left.grow > 0) {
        state.faults.left.grow--;
        const template = records.filter((r) => r.runId === runId && r.finalized).at(-1);
        for (let i = 0; template && i < state.faults.listGrows; i++) {
          const id = state.nextId();
          records.push({ ...template, id, name: `sibling-${id}`, jobId: 'sibling', createdAt: new Date() });
        }
        for (let i = 0; i < -state.faults.listGrows; i++) {
          const oldest = records.filter((r) => r.runId === runId && r.finalized).sort((a, b) => a.id - b.id)[0];
          if (oldest) records.splice(records.indexOf(oldest), 1);
        }
      }
      const name = url.searchParams.get('name');
      // Every attempt's artifacts: REST is per run. Newest first (GitHub documents no order; this
      // is not Twirp's, so a caller relying on either order shows up).
      const all = records
        .filter((r) => r.runId === runId && r.finalized && (name === null || r.name === name))
        .sort((a, b) => b.id - a.id);
      const total = all.length;
      // A listing that lost some between pages: total_count still counts them.
      if (state.faults.listOmit && state.faults.left.omit > 0) {
        state.faults.left.omit--;
        all.splice(Math.max(0, all.length - state.faults.listOmit));
      }
      const perPage = clampInt(url.searchParams.get('per_page'), 30, 1, 100);
      const page = clampInt(url.searchParams.get('page'), 1, 1, Number.MAX_SAFE_INTEGER);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, rel: string) => {
        const u = new URL(url.href);
        u.searchParams.set('per_page', String(perPage));
        u.searchParams.set('page', String(p));
        return `<${u.href}>; rel="${rel}"`;
      };
      // The client ignores Link and pages by total_count; Octokit's paginate() would follow it.
      const links = [
        ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
        ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : []),
      ];
      const payload = { total_count: total, artifacts: slice.map((r) => restArtifact(r, owner!, repo!)) };
      sendRest(res, entry, 200, payload, links.length ? { link: links.join(', ') } : {});
      return;
    }

    const rec = records.find((r) => r.finalized && String(r.id) === artifactId);
    if (kind === 'delete') {
      if (!rec) throw new RestError(404, 'Not Found', docs);
      await removeRecord(rec);
      sendRest(res, entry, 204);
      return;
    }

    const fault = takeFault('download');
    if (fault !== undefined) throw faultError(fault, docs);
    if (!rec || archive !== 'zip') throw new RestError(404, 'Not Found', docs);
    if (expired(rec)) throw new RestError(410, 'Artifact has expired', docs);
    let location = recordUrl(rec, 'r');
    if (state.faults.downloadCorrupt && state.faults.left.corrupt > 0) {
      state.faults.left.corrupt--;
      location = await tamperedCopyUrl(rec);
    }
    sendRest(res, entry, 302, undefined, { location });
  }

  /**
   * A copy of the artifact's blob with bytes appended, signed like the original. After a zip's
   * end record unzip-stream skips trailing bytes, so it still extracts; only the digest differs.
   */
  async function tamperedCopyUrl(rec: ArtifactRecord): Promise<string> {
    const source = container.getBlockBlobClient(rec.blobName);
    const [bytes, props] = await Promise.all([source.downloadToBuffer(), source.getProperties()]);
    const blobName = `${rec.runId}/${rec.id}/tampered-${requestCount}/${rec.blobName.split('/').at(-1)}`;
    await container
      .getBlockBlobClient(blobName)
      .uploadData(Buffer.concat([bytes, Buffer.from('tampered\n')]), { blobHTTPHeaders: { blobContentType: props.contentType } });
    return signedUrl(blobName, 'r', rec.zipped ? undefined : rec.name);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requestCount++;
    if (url.pathname.startsWith('/repos/')) {
      const scheme = /^(token|bearer)\s/i.exec(req.headers.authorization ?? '')?.[1]?.toLowerCase() as RestRequest['auth'];
      const entry: RestRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ...(scheme ? { auth: scheme } : {}),
        ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
        status: 0,
      };
      state.restLog.push(entry);
      req.resume(); // no REST endpoint here reads a body
      handleRest(req, res, url, entry).catch((err: unknown) => {
        // Never a 5xx by accident: Octokit retries those 5 times over ~55 s.
        const e = err instanceof RestError ? err : new RestError(400, `fake REST API: ${err instanceof Error ? err.message : String(err)}`);
        sendRest(res, entry, e.status, { message: e.message, documentation_url: e.docs, status: String(e.status) });
      });
      return;
    }
    handleTwirp(req, res, url).catch((err: unknown) => {
      const e = toTwirpError(err);
      send(res, e.status, { code: e.code, msg: e.message });
    });
  });

  function sendRest(res: ServerResponse, entry: RestRequest, status: number, payload?: object, headers: Record<string, string> = {}): void {
    entry.status = status;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = payload === undefined ? '' : JSON.stringify(payload);
    res.writeHead(status, {
      ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'x-github-request-id': `FAKE:${requestCount}`,
      ...headers,
    });
    res.end(body);
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Node's default agent keeps sockets alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      }),
  };
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  const n = raw === null ? NaN : Number.parseInt(raw, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}

interface Scope {
  runId: string;
  jobId: string;
  attempt: number;
}

type Body = Record<string, unknown>;

function scopeFromAuthorization(header: string | undefined): Scope {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!token) throw new TwirpError(401, 'unauthenticated', 'missing bearer token');
  let claims: { scp?: unknown; run_attempt?: unknown };
  try {
    claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    throw new TwirpError(401, 'unauthenticated', 'bearer token is not a JWT');
  }
  const attempt = typeof claims.run_attempt === 'number' ? claims.run_attempt : 1;
  for (const scope of typeof claims.scp === 'string' ? claims.scp.split(' ') : []) {
    const parts = scope.split(':');
    if (parts[0] === 'Actions.Results' && parts.length === 3 && parts[1] && parts[2]) {
      return { runId: parts[1], jobId: parts[2], attempt };
    }
  }
  throw new TwirpError(401, 'unauthenticated', 'token has no Actions.Results scope');
}

async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024 * 1024) throw new TwirpError(400, 'malformed', 'request body too large');
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new TwirpError(400, 'malformed', 'request body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TwirpError(400, 'malformed', 'request body is not a JSON object');
  }
  return parsed as Body;
}

/** A field as a string, under its proto name or its camelCase JSON name (both are legal protobuf JSON). */
function str(body: Body, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = body[key];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  }
  return undefined;
}

function requireName(body: Body): string {
  const name = str(body, 'name');
  if (!name) throw new TwirpError(400, 'invalid_argument', 'name is required');
  return name;
}

function toTwirpError(err: unknown): TwirpError {
  if (err instanceof TwirpError) return err;
  // Deliberately 4xx: a 5xx here would make the client retry for ~20 s before failing.
  return new TwirpError(400, 'internal', `fake results service: ${err instanceof Error ? err.message : String(err)}`);
}

function send(res: ServerResponse, status: number, payload: object): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}
