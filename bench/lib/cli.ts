import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliChoice {
  /** node arguments before the subcommand. */
  args: string[];
  label: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/**
 * Which CLI the rows spawn. `dist`: dist/cli/index.js (the package's bin). `src`:
 * src/cli/index.ts (Node strips the types; that costs ~17 MB of RSS and some start time that
 * users of the bin never pay). `auto`: dist when it is newer than every source file, else a
 * bundle of the current source built like dist (ncc), cached in the temp folder by content.
 */
export async function chooseCli(root: string, want: string, log: (s: string) => void): Promise<CliChoice> {
  const src = { args: [join(root, 'src/cli/index.ts')], label: 'src/cli/index.ts (type-stripped)' };
  const dist = join(root, 'dist/cli/index.js');
  if (want === 'src') return src;
  if (/\.(c|m)?[jt]s$/.test(want)) return { args: [want], label: want };
  if (want === 'dist') return { args: [dist], label: 'dist/cli/index.js' };
  const files = sourceFiles(join(root, 'src'));
  const newest = Math.max(...files.map((f) => statSync(f).mtimeMs));
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) return { args: [dist], label: 'dist/cli/index.js (current)' };
  const hash = createHash('sha256');
  for (const f of [...files, join(root, 'package-lock.json')]) hash.update(f).update(readFileSync(f));
  const out = join(tmpdir(), `socorro-reprocess-bench-cli-${hash.digest('hex').slice(0, 16)}`);
  const entry = join(out, 'index.js');
  if (!existsSync(entry)) {
    const ncc = join(root, 'node_modules/.bin/ncc');
    if (!existsSync(ncc)) return src;
    log(`dist/ is older than src/: bundling the current source with ncc into ${out} (once; ~30 s)`);
    await new Promise<void>((resolve, reject) =>
      execFile(ncc, ['build', join(root, 'src/cli/index.ts'), '-o', out, '--target', 'es2022', '-q'], { cwd: root }, (err, _o, stderr) =>
        err ? reject(new Error(`ncc: ${stderr || err.message}`)) : resolve(),
      ),
    );
  }
  return { args: [entry], label: `bundle of the current src/ (ncc, as dist; dist/ was stale)` };
}
