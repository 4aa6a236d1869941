// A local stand-in for GitHub's artifact "results service": a Twirp JSON API in this process,
// with Azurite (a child process) as the blob storage the signed URLs point at. The real
// @actions/artifact client talks to it unchanged, given the env from envFor().
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';

export interface ArtifactBackend {
  /** ACTIONS_RESULTS_URL */
  resultsUrl: string;
  /** Unsigned JWT whose scp carries 'Actions.Results:<run>:<job>', as the runner's token does. */
  tokenFor(runId: string, jobId: string): string;
  /** Everything a job process needs for the artifact client to reach this backend. */
  envFor(runId: string, jobId: string): Record<string, string>;
  /** Finalized artifacts, oldest first; all runs unless runId is given. */
  artifacts(runId?: string): Array<{ id: string; name: string; size: number; jobId: string; runId: string }>;
  close(): Promise<void>;
}

// Azurite's published development account; not a secret.
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const CONTAINER = 'actions-results';
const SERVICE = 'github.actions.results.api.v1.ArtifactService';
const SAS_LIFETIME_MS = 60 * 60 * 1000;

interface ArtifactRecord {
  id: number;
  runId: string;
  jobId: string;
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

export async function startArtifactBackend(opts: { dir?: string } = {}): Promise<ArtifactBackend> {
  const azurite = await startAzurite(opts.dir);
  try {
    const credential = new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY);
    const blobService = new BlobServiceClient(`${azurite.url}/${ACCOUNT}`, credential);
    const container = blobService.getContainerClient(CONTAINER);
    await container.createIfNotExists();
    const twirp = await startTwirp(container, credential);
    const resultsUrl = `http://127.0.0.1:${twirp.port}/`;

    const tokenFor = (runId: string, jobId: string): string => {
      // The client splits scp on ' ' and the scope on ':', so ids may contain neither.
      for (const id of [runId, jobId]) {
        if (!id || /[\s:]/.test(id)) throw new Error(`tokenFor: bad id ${JSON.stringify(id)}`);
      }
      const now = Math.floor(Date.now() / 1000);
      const header = { typ: 'JWT', alg: 'none' };
      const payload = {
        scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.Results:${runId}:${jobId}`,
        iat: now,
        exp: now + 6 * 60 * 60,
      };
      const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${b64(header)}.${b64(payload)}.`;
    };

    return {
      resultsUrl,
      tokenFor,
      envFor(runId, jobId) {
        const noProxy = [process.env.NO_PROXY ?? process.env.no_proxy, '127.0.0.1', 'localhost']
          .filter(Boolean)
          .join(',');
        return {
          ACTIONS_RUNTIME_TOKEN: tokenFor(runId, jobId),
          ACTIONS_RESULTS_URL: resultsUrl,
          // Unset means github.com too; set it so an inherited GHES value cannot trip the
          // client's GHESNotSupportedError. Never a loopback URL, which trips it as well.
          GITHUB_SERVER_URL: 'https://github.com',
          // Both HTTP stacks (http-client, @azure/core-rest-pipeline) honour these if a proxy is set.
          NO_PROXY: noProxy,
          no_proxy: noProxy,
        };
      },
      artifacts(runId) {
        return twirp.records
          .filter((a) => a.finalized && (runId === undefined || a.runId === runId))
          .map((a) => ({ id: String(a.id), name: a.name, size: a.size, jobId: a.jobId, runId: a.runId }));
      },
      async close() {
        await twirp.close();
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
// Twirp service

interface TwirpService {
  port: number;
  records: ArtifactRecord[];
  close(): Promise<void>;
}

async function startTwirp(container: ContainerClient, credential: StorageSharedKeyCredential): Promise<TwirpService> {
  const records: ArtifactRecord[] = [];
  let nextId = 1;

  const signedUrl = (rec: ArtifactRecord, permissions: string): string => {
    const sas = generateBlobSASQueryParameters(
      {
        containerName: CONTAINER,
        blobName: rec.blobName,
        permissions: BlobSASPermissions.parse(permissions),
        // A little slack so client/server clock rounding never makes a fresh URL "not yet valid".
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + SAS_LIFETIME_MS),
        // Raw (skipArchive) downloads take their file name from Content-Disposition.
        contentDisposition: rec.zipped ? undefined : `attachment; filename="${encodeURIComponent(rec.name)}"`,
      },
      credential,
    );
    return `${container.getBlockBlobClient(rec.blobName).url}?${sas.toString()}`;
  };

  const live = (runId: string) => records.filter((r) => r.runId === runId);
  const findFinal = (runId: string, name: string) => live(runId).find((r) => r.finalized && r.name === name);

  const methods: Record<string, (scope: Scope, body: Body) => Promise<object>> = {
    async CreateArtifact(scope, body) {
      const name = requireName(body);
      if (live(scope.runId).some((r) => r.name === name)) {
        // Same status and text as GitHub's service; the client turns it into
        // "(409) Conflict: an artifact with this name already exists on the workflow run".
        throw new TwirpError(409, 'already_exists', 'an artifact with this name already exists on the workflow run');
      }
      const mime = str(body, 'mime_type', 'mimeType');
      const zipped = mime === undefined || mime === '' || mime === 'application/zip';
      const id = nextId++;
      const rec: ArtifactRecord = {
        id,
        runId: scope.runId,
        jobId: scope.jobId,
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
      return { ok: true, signed_upload_url: signedUrl(rec, 'cw') };
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
      const artifacts = live(scope.runId)
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
      const rec = findFinal(scope.runId, name);
      if (!rec) throw new TwirpError(404, 'not_found', `artifact ${name} not found on the workflow run`);
      return { signed_url: signedUrl(rec, 'r') };
    },

    async DeleteArtifact(scope, body) {
      const name = requireName(body);
      const rec = findFinal(scope.runId, name);
      if (!rec) throw new TwirpError(404, 'not_found', `artifact ${name} not found on the workflow run`);
      await container.getBlockBlobClient(rec.blobName).deleteIfExists();
      records.splice(records.indexOf(rec), 1);
      return { ok: true, artifact_id: String(rec.id) };
    },
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e = toTwirpError(err);
      send(res, e.status, { code: e.code, msg: e.message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
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

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    records,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Node's default agent keeps sockets alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      }),
  };
}

interface Scope {
  runId: string;
  jobId: string;
}

type Body = Record<string, unknown>;

function scopeFromAuthorization(header: string | undefined): Scope {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  if (!token) throw new TwirpError(401, 'unauthenticated', 'missing bearer token');
  let scp: unknown;
  try {
    scp = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).scp;
  } catch {
    throw new TwirpError(401, 'unauthenticated', 'bearer token is not a JWT');
  }
  for (const scope of typeof scp === 'string' ? scp.split(' ') : []) {
    const parts = scope.split(':');
    if (parts[0] === 'Actions.Results' && parts.length === 3 && parts[1] && parts[2]) {
      return { runId: parts[1], jobId: parts[2] };
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
