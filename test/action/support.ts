// Helpers shared by the static checks of action.yml, the workflows and the README.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ActionMeta {
  name?: string;
  description?: string;
  inputs: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs: Record<string, { description?: string }>;
  runs: { using?: string; main?: string };
}

export function loadAction(): ActionMeta {
  return parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionMeta;
}

/** Input names a source file reads: core.getInput('x') (and its typed variants) or the adapter's input('x'). */
export function inputsRead(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\b(?:core\.)?(?:getInput|getBooleanInput|getMultilineInput|input)\(\s*(['"])([^'"]+)\1/g)) names.add(m[2]);
  return [...names].sort();
}

/** Output names a source file sets with core.setOutput('x', ...). */
export function outputsSet(source: string): string[] {
  return [...new Set([...source.matchAll(/\bcore\.setOutput\(\s*(['"])([^'"]+)\1/g)].map((m) => m[2]))].sort();
}

/** The README text between <!-- action:start --> and <!-- action:end --> (each exactly once). */
export function readmeActionSection(readme: string): string {
  const start = readme.split('<!-- action:start -->');
  const end = readme.split('<!-- action:end -->');
  if (start.length !== 2 || end.length !== 2) throw new Error('README: the action:start / action:end markers must each appear once');
  const section = start[1].split('<!-- action:end -->')[0];
  if (section === start[1]) throw new Error('README: action:end comes before action:start');
  return section;
}

/** Markdown tables of a text whose header's first cell is `first`: rows as header → cell text. */
export function markdownTable(text: string, first: string): Array<Record<string, string>> {
  const lines = text.split('\n');
  const cells = (line: string) => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
  const at = lines.findIndex((l) => l.trim().startsWith('|') && cells(l)[0] === first);
  if (at < 0) throw new Error(`no table with a '${first}' column`);
  const header = cells(lines[at]);
  if (!/^\|?\s*:?-+/.test(lines[at + 1]?.trim() ?? '')) throw new Error(`the '${first}' table has no separator row`);
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.trim().startsWith('|')) break;
    const c = cells(line);
    rows.push(Object.fromEntries(header.map((h, i) => [h, c[i] ?? ''])));
  }
  return rows;
}
