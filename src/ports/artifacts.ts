import { rm } from 'node:fs/promises';
import { oneLine } from '../core/errors.ts';

export interface ArtifactInfo {
  id: number;
  name: string;
  size: number;
  createdAt?: Date;
  /** `sha256:<hex>` of the artifact's zip, when the service gives it: downloads are checked against it. */
  digest?: string;
}

/** What the action needs from GitHub artifacts: files handed from one job of a run to another. */
export interface ArtifactStore {
  /** Uploads `files` (paths under `rootDirectory`) as one artifact of this run, this attempt. Names are unique per run. */
  upload(name: string, files: string[], rootDirectory: string): Promise<{ id?: number; size?: number }>;
  /**
   * Every artifact of a run, every attempt's: this run's, or another's (`runId`). Throws an
   * ArtifactReadError when the list cannot be had: a caller that must honour earlier ledgers
   * then sends nothing.
   */
  list(opts?: { runId?: number }): Promise<ArtifactInfo[]>;
  /**
   * Extracts an artifact (listed by `list`, of the same run) into `path`; returns the directory
   * written. An artifact whose bytes do not match its digest is refused (ArtifactReadError).
   */
  download(artifact: ArtifactInfo, path: string, opts?: { runId?: number }): Promise<string>;
  /** Deletes an artifact of this run, this attempt (a superseded ledger snapshot). */
  delete(name: string): Promise<void>;
  /** Whether reads go through the REST API, which sees every attempt of a run (else the internal API). */
  readonly crossAttempt: boolean;
}

/** An artifact that could not be listed or read (or read back wrong): nothing that depends on it may go on. */
export class ArtifactReadError extends Error {
  override name = 'ArtifactReadError';
}

export interface GitHubArtifactOptions {
  /**
   * A token with `actions: read` (the job's github.token): reads then go through the public REST
   * API, which covers every attempt of the run. Without one, through the runner's internal API,
   * which GitHub has answered wrongly across attempts (listed but 404; earlier attempts hidden).
   */
  token?: string;
  /** owner/repo (GITHUB_REPOSITORY). */
  repository?: string;
  /** This run's id (GITHUB_RUN_ID). */
  runId?: number;
  /** Days kept; capped by the repository's maximum (GITHUB_RETENTION_DAYS). */
  retentionDays?: number;
}

// zlib's default: crash-id lists are hex text and shrink ~2x; higher levels gain little.
const COMPRESSION_LEVEL = 6;
const DOWNLOAD_TRIES = 3;

/**
 * The artifact store over the real @actions/artifact client. Uploads and deletes use the
 * runner's internal API (they are this attempt's own); reads use the REST API when a token is
 * given (findBy), with the digest GitHub lists checked on download. The client is loaded on
 * first use: it reads ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL and GITHUB_API_URL then.
 */
export function githubArtifactStore(opts: GitHubArtifactOptions = {}): ArtifactStore {
  type Client = import('@actions/artifact').DefaultArtifactClient;
  let client: Promise<Client> | undefined;
  const get = () => (client ??= import('@actions/artifact').then((m) => new m.DefaultArtifactClient()));
  const [owner, repo] = (opts.repository ?? '').split('/');
  const rest = !!opts.token && !!owner && !!repo && opts.runId !== undefined;
  const findBy = (runId?: number) =>
    rest ? { token: opts.token!, workflowRunId: runId ?? opts.runId!, repositoryOwner: owner, repositoryName: repo } : undefined;
  const retentionDays = (): number | undefined => {
    const cap = Number.parseInt(process.env.GITHUB_RETENTION_DAYS ?? '', 10);
    const want = opts.retentionDays;
    if (want === undefined) return cap > 0 ? cap : undefined;
    return cap > 0 && cap < want ? cap : want;
  };

  return {
    crossAttempt: rest,
    async upload(name, files, rootDirectory) {
      const { id, size } = await (await get()).uploadArtifact(name, files, rootDirectory, { retentionDays: retentionDays(), compressionLevel: COMPRESSION_LEVEL });
      return { id, size };
    },
    async list(o = {}) {
      if (o.runId !== undefined && !rest) throw new ArtifactReadError(`reading another run's artifacts (run ${o.runId}) needs a token with actions: read (input github-token)`);
      try {
        const { artifacts } = await (await get()).listArtifacts({ findBy: findBy(o.runId) });
        return artifacts.map(({ id, name, size, createdAt, digest }) => ({ id, name, size, createdAt, digest }));
      } catch (err) {
        throw new ArtifactReadError(`could not list the artifacts of run ${o.runId ?? opts.runId ?? '(this run)'}: ${oneLine(err)}`);
      }
    },
    async download(a, path, o = {}) {
      let last: unknown;
      for (let i = 1; i <= DOWNLOAD_TRIES; i++) {
        try {
          const r = await (await get()).downloadArtifact(a.id, { path, findBy: findBy(o.runId), expectedHash: a.digest });
          if (r.digestMismatch) {
            await rm(path, { recursive: true, force: true });
            throw new ArtifactReadError(`artifact ${a.name} (id ${a.id}) came back with bytes that do not match its digest ${a.digest}: not used`);
          }
          return r.downloadPath ?? path;
        } catch (err) {
          if (err instanceof ArtifactReadError) throw err;
          last = err;
          const status = (err as { status?: number }).status;
          // 4xx will not get better; a 5xx or no answer may.
          if (typeof status === 'number' && status < 500) break;
        }
      }
      throw new ArtifactReadError(`could not download artifact ${a.name} (id ${a.id}): ${oneLine(last)}`);
    },
    async delete(name) {
      await (await get()).deleteArtifact(name);
    },
  };
}
