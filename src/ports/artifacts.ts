import { DefaultArtifactClient } from '@actions/artifact';

/** What the action needs from GitHub artifacts: files handed from one job of a run to another. */
export interface ArtifactStore {
  /** Uploads `files` (paths under `rootDirectory`) as one artifact. Names are unique per run. */
  upload(name: string, files: string[], rootDirectory: string): Promise<{ id?: number; size?: number }>;
  /** The run's artifacts, only the latest per name (reruns can leave older ones behind). */
  list(): Promise<Array<{ id: number; name: string; size: number; createdAt?: Date }>>;
  /** Extracts artifact `id` into `path` (created if missing); returns the directory written. */
  download(id: number, path: string): Promise<string>;
  /** Deletes the run's artifact `name`, so a re-run attempt can upload a fresh one under it. */
  delete(name: string): Promise<void>;
}

// Long enough that "re-run failed jobs" (allowed up to 30 days after a run) still finds the
// earlier jobs' chunks and ledgers; longer only costs storage.
const RETENTION_DAYS = 30;
// zlib's default: crash-id lists are hex text and shrink ~2x; higher levels gain little.
const COMPRESSION_LEVEL = 6;

/**
 * The artifact store over the real @actions/artifact client (internal Twirp API of the current
 * run). It reads ACTIONS_RUNTIME_TOKEN / ACTIONS_RESULTS_URL from process.env on each call, not
 * at construction.
 */
export function githubArtifactStore(): ArtifactStore {
  const client = new DefaultArtifactClient();
  return {
    async upload(name, files, rootDirectory) {
      const { id, size } = await client.uploadArtifact(name, files, rootDirectory, {
        retentionDays: retentionDays(),
        compressionLevel: COMPRESSION_LEVEL,
      });
      return { id, size };
    },
    async list() {
      const { artifacts } = await client.listArtifacts({ latest: true });
      return artifacts.map(({ id, name, size, createdAt }) => ({ id, name, size, createdAt }));
    },
    async download(id, path) {
      const { downloadPath } = await client.downloadArtifact(id, { path });
      // Typed optional, but the internal client always returns the directory it wrote to.
      return downloadPath ?? path;
    },
    async delete(name) {
      await client.deleteArtifact(name);
    },
  };
}

/** Our retention, capped by the repository's maximum so the client does not warn on every upload. */
function retentionDays(): number {
  const cap = Number.parseInt(process.env.GITHUB_RETENTION_DAYS ?? '', 10);
  return cap > 0 && cap < RETENTION_DAYS ? cap : RETENTION_DAYS;
}
