// A tiny "job step" for tests: runs the artifact port in its own process, configured only by the
// env a runner would give it (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, ...).
//   node artifact-job.ts upload <name> <rootDir> <file>...
//   node artifact-job.ts fetch <name> <destDir>
//   node artifact-job.ts fetch-rest <name> <destDir>
// fetch-rest goes through the public REST API (@actions/artifact's findBy) instead of Twirp:
// GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_RUN_ID say where; GITHUB_API_URL, read when
// @actions/github loads, says which server.
// Prints one line `artifact-job-result <json>`; @actions/core logs share stdout, hence the marker.
import { DefaultArtifactClient } from '@actions/artifact';
import { githubArtifactStore } from '../../src/ports/artifacts.ts';

export const RESULT_MARKER = 'artifact-job-result ';

async function main(argv: string[]): Promise<unknown> {
  const store = githubArtifactStore();
  const [command, name, dir, ...files] = argv;
  if (command === 'upload' && name && dir) {
    return store.upload(name, files, dir);
  }
  if (command === 'fetch' && name && dir) {
    const listed = await store.list();
    const artifact = listed.find((a) => a.name === name);
    if (!artifact) throw new Error(`no artifact named ${name}; listed: ${listed.map((a) => a.name).join(', ')}`);
    return { listed, downloadPath: await store.download(artifact, dir) };
  }
  if (command === 'fetch-rest' && name && dir) {
    const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? '').split('/');
    const findBy = {
      token: process.env.GITHUB_TOKEN ?? '',
      workflowRunId: Number(process.env.GITHUB_RUN_ID),
      repositoryOwner: owner ?? '',
      repositoryName: repo ?? '',
    };
    const client = new DefaultArtifactClient();
    const { artifacts: listed } = await client.listArtifacts({ latest: true, findBy });
    const artifact = listed.find((a) => a.name === name);
    if (!artifact) throw new Error(`no artifact named ${name}; listed: ${listed.map((a) => a.name).join(', ')}`);
    const { downloadPath, digestMismatch } = await client.downloadArtifact(artifact.id, {
      path: dir,
      findBy,
      expectedHash: artifact.digest,
    });
    return { listed, downloadPath, digestMismatch };
  }
  throw new Error(`usage: artifact-job.ts upload <name> <rootDir> <file>... | fetch|fetch-rest <name> <destDir>`);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (result) => process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
