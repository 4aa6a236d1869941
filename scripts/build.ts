// Bundles the action (dist/index.js) and the CLI (dist/cli/index.js) with ncc. dist/ is
// committed, and CI checks that it equals a fresh build.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const ncc = 'node_modules/.bin/ncc';
rmSync('dist', { recursive: true, force: true });
for (const [entry, out] of [
  ['src/action/index.ts', 'dist'],
  ['src/cli/index.ts', 'dist/cli'],
]) {
  execFileSync(ncc, ['build', entry, '-o', out, '--target', 'es2022', '-q'], { stdio: 'inherit' });
}
// The CLI is the package's bin: it needs the shebang and the execute bit.
const cli = 'dist/cli/index.js';
const text = readFileSync(cli, 'utf8');
if (!text.startsWith('#!')) writeFileSync(cli, '#!/usr/bin/env node\n' + text);
chmodSync(cli, 0o755);
