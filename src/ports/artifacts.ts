import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { oneLine, redact } from '../core/errors.ts';
import { backoffMs, parseRetryAfter, type RetryPolicy } from '../core/retry.ts';

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
/** GitHub's largest page of the artifacts listing. */
const PER_PAGE = 100;
/** Whole listings asked for before one that does not hold together counts as a failure. */
const LIST_PASSES = 3;
/** One page: a 5xx, a 429 or no answer is asked again (about half a minute in all at worst). */
const PAGE_RETRY: RetryPolicy = { attempts: 5, baseMs: 1000, capMs: 15_000 };

interface RestArtifact {
  id: number;
  name: string;
  size_in_bytes: number;
  created_at?: string | null;
  digest?: string | null;
}

/**
 * Every artifact of a run through the REST API, every page of it. @actions/artifact's own listing
 * stops at ACTIONS_ARTIFACT_MAX_ARTIFACT_COUNT (1,000 unless set before it loads) with only a
 * warning, and a run that re-ran a 256-chunk listing twice has more: the artifacts beyond would
 * be attempt 1's ledger, when GitHub lists newest first. So the pages are read here, up to the
 * last that the latest `total_count` implies.
 *
 * A listing that grew between pages is taken: in a matrix, sibling jobs upload all the while, and
 * an artifact added shifts the others a place further (read twice, never skipped; a shift past
 * the last page is read since the pages follow the count). What must not happen is a shift the
 * other way, a deletion, which can carry an artifact onto a page already read: so a listing whose
 * count dropped, or that holds fewer distinct artifacts than were there when it began, is asked
 * again, and after LIST_PASSES it is a failure, so nothing depending on it goes on.
 */
async function listEveryPage(apiUrl: string, token: string, owner: string, repo: string, runId: number, dispatcher: Dispatcher): Promise<ArtifactInfo[]> {
  const { request } = await import('undici');
  const page = async (n: number): Promise<{ total_count: number; artifacts: RestArtifact[] }> => {
    const url = new URL(`${apiUrl.replace(/\/+$/, '')}/repos/${owner}/${repo}/actions/runs/${runId}/artifacts`);
    url.searchParams.set('per_page', String(PER_PAGE));
    url.searchParams.set('page', String(n));
    for (let attempt = 1; ; attempt++) {
      let why: string;
      let retryAfterMs: number | undefined;
      try {
        const res = await request(url, {
          dispatcher,
          headers: { accept: 'application/vnd.github+json', authorization: `token ${token}`, 'user-agent': 'socorro-reprocess', 'x-github-api-version': '2022-11-28' },
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        const text = await res.body.text();
        if (res.statusCode === 200) {
          const body = JSON.parse(text) as { total_count?: unknown; artifacts?: unknown };
          if (typeof body.total_count !== 'number' || !Array.isArray(body.artifacts)) throw new ArtifactReadError(`page ${n}: not a listing of artifacts`);
          return body as { total_count: number; artifacts: RestArtifact[] };
        }
        let message = text.slice(0, 200);
        try {
          const m = (JSON.parse(text) as { message?: unknown }).message;
          if (typeof m === 'string') message = m;
        } catch {
          // not JSON: the text itself
        }
        why = `${res.statusCode} ${redact(message, token)}`;
        retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
        // 401, 403 (no actions: read, or the rate limit), 404: asking again will not change them.
        if (res.statusCode < 500 && res.statusCode !== 429) throw new ArtifactReadError(why);
      } catch (err) {
        if (err instanceof ArtifactReadError) throw err;
        why = redact(oneLine(err), token);
      }
      if (attempt >= PAGE_RETRY.attempts) throw new ArtifactReadError(`${why} (asked ${attempt} times)`);
      await sleep(backoffMs(PAGE_RETRY, attempt, retryAfterMs));
    }
  };
  let last = '';
  for (let pass = 1; pass <= LIST_PASSES; pass++) {
    const seen = new Map<number, ArtifactInfo>();
    const first = await page(1);
    let total = first.total_count;
    let shrank = false;
    const add = (as: RestArtifact[]) => {
      for (const a of as) {
        seen.set(a.id, { id: a.id, name: a.name, size: a.size_in_bytes, createdAt: a.created_at ? new Date(a.created_at) : undefined, digest: a.digest ?? undefined });
      }
    };
    add(first.artifacts);
    for (let n = 2; n <= Math.ceil(total / PER_PAGE) && !shrank; n++) {
      const p = await page(n);
      shrank = p.total_count < total;
      total = p.total_count;
      add(p.artifacts);
    }
    if (!shrank && seen.size >= first.total_count) return [...seen.values()];
    last = shrank ? 'an artifact of the run was deleted while it was listed' : `${seen.size} listed where GitHub counts ${first.total_count}`;
    if (pass < LIST_PASSES) await sleep(500 * pass);
  }
  throw new ArtifactReadError(`${last} (asked ${LIST_PASSES} times); nothing that depends on them goes on`);
}

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
  let proxy: Promise<Dispatcher> | undefined;
  // HTTPS_PROXY and NO_PROXY as the runner's own clients honour them.
  const dispatcher = () => (proxy ??= import('undici').then((u) => new u.EnvHttpProxyAgent()));
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
        if (rest) {
          // GITHUB_API_URL: api.github.com, or a GHE.com tenant's.
          return await listEveryPage(process.env.GITHUB_API_URL || 'https://api.github.com', opts.token!, owner, repo, o.runId ?? opts.runId!, await dispatcher());
        }
        // The runner's internal API answers with the whole list at once (and only this attempt's, lately).
        const { artifacts } = await (await get()).listArtifacts();
        return artifacts.map(({ id, name, size, createdAt, digest }) => ({ id, name, size, createdAt, digest }));
      } catch (err) {
        throw new ArtifactReadError(`could not list the artifacts of run ${o.runId ?? opts.runId ?? '(this run)'}: ${oneLine(err)}`, { cause: err });
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
