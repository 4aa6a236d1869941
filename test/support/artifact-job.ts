// A tiny "job step" for tests: runs the artifact port in its own process, configured only by the
// env a runner would give it (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL, ...).
//   node artifact-job.ts upload <name> <rootDir> <file>...
//   node artifact-job.ts fetch <name> <destDir>
// Prints one line `artifact-job-result <json>`; @actions/core logs share stdout, hence the marker.
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
    return { listed, downloadPath: await store.download(artifact.id, dir) };
  }
  throw new Error(`usage: artifact-job.ts upload <name> <rootDir> <file>... | fetch <name> <destDir>`);
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
