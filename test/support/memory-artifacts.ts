/**
 * An in-memory ArtifactStore for unit tests of the pipeline: runs of artifacts (name → files),
 * ids in upload order, names unique per run (as GitHub refuses a second), and failures scripted
 * per call. The real @actions/artifact client is tested against the local results service
 * elsewhere; this one tests what the jobs do with the port's answers.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ArtifactReadError, type ArtifactInfo, type ArtifactStore } from '../../src/ports/artifacts.ts';

export type ArtifactOp = 'upload' | 'list' | 'download' | 'delete';

interface Stored extends ArtifactInfo {
  files: Map<string, Buffer>;
}

export class MemoryArtifacts implements ArtifactStore {
  /** false: reads as the runner's internal API makes them (no token), blind to earlier attempts. */
  crossAttempt = true;
  /** Every run's artifacts, by run id. */
  readonly runs = new Map<number, Map<string, Stored>>();
  readonly calls: Record<ArtifactOp, number> = { upload: 0, list: 0, download: 0, delete: 0 };
  /** Ids are unique across runs and views, as GitHub's are. */
  private ids = { next: 1 };

  /**
   * @param runId this run's id
   * @param fail makes a call throw instead (return an Error), by operation and artifact name
   */
  readonly runId: number;
  fail?: (op: ArtifactOp, name: string | undefined) => Error | undefined;

  constructor(runId = 1, fail?: MemoryArtifacts['fail']) {
    this.runId = runId;
    this.fail = fail;
  }

  private run(id: number): Map<string, Stored> {
    let r = this.runs.get(id);
    if (!r) this.runs.set(id, (r = new Map()));
    return r;
  }

  /** The same artifacts seen from another run of the repository, or with other failures. */
  view(opts: { runId?: number; fail?: MemoryArtifacts['fail']; crossAttempt?: boolean }): MemoryArtifacts {
    const other = new MemoryArtifacts(opts.runId ?? this.runId, opts.fail);
    other.crossAttempt = opts.crossAttempt ?? this.crossAttempt;
    (other as { runs: Map<number, Map<string, Stored>> }).runs = this.runs;
    other.ids = this.ids;
    return other;
  }

  names(runId = this.runId): string[] {
    return [...this.run(runId).keys()].sort();
  }

  /** The files of an artifact (paths within it). */
  files(name: string, runId = this.runId): string[] {
    return [...(this.run(runId).get(name)?.files.keys() ?? [])];
  }

  /** A file of an artifact, as text. */
  text(name: string, file: string, runId = this.runId): string | undefined {
    return this.run(runId).get(name)?.files.get(file)?.toString('utf8');
  }

  async upload(name: string, files: string[], rootDirectory: string): Promise<{ id?: number; size?: number }> {
    this.calls.upload++;
    const err = this.fail?.('upload', name);
    if (err) throw err;
    const run = this.run(this.runId);
    if (run.has(name)) throw new Error(`Failed to CreateArtifact: Received non-retryable error: (409) Conflict: an artifact with this name already exists on the workflow run`);
    const stored = new Map<string, Buffer>();
    for (const f of files) stored.set(relative(rootDirectory, f), await readFile(f));
    const size = [...stored.values()].reduce((n, b) => n + b.length, 0);
    const id = this.ids.next++;
    run.set(name, { id, name, size, files: stored });
    return { id, size };
  }

  list(opts: { runId?: number } = {}): Promise<ArtifactInfo[]> {
    this.calls.list++;
    const err = this.fail?.('list', undefined);
    if (err) return Promise.reject(new ArtifactReadError(`could not list the artifacts: ${err.message}`));
    return Promise.resolve([...this.run(opts.runId ?? this.runId).values()].map(({ id, name, size }) => ({ id, name, size })));
  }

  async download(artifact: ArtifactInfo, path: string, opts: { runId?: number } = {}): Promise<string> {
    this.calls.download++;
    const err = this.fail?.('download', artifact.name);
    if (err) throw new ArtifactReadError(`could not download artifact ${artifact.name}: ${err.message}`);
    const stored = [...this.run(opts.runId ?? this.runId).values()].find((a) => a.id === artifact.id);
    if (!stored) throw new ArtifactReadError(`could not download artifact ${artifact.name} (id ${artifact.id}): 404`);
    for (const [rel, bytes] of stored.files) {
      await mkdir(dirname(join(path, rel)), { recursive: true });
      await writeFile(join(path, rel), bytes);
    }
    return path;
  }

  delete(name: string): Promise<void> {
    this.calls.delete++;
    const err = this.fail?.('delete', name);
    if (err) return Promise.reject(err);
    this.run(this.runId).delete(name);
    return Promise.resolve();
  }
}
