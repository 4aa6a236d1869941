// The README's action section documents what action.yml and the workflow really have: every
// input and output (with its default), every dispatch input, and the secrets and IAM actions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROOT, loadAction, markdownTable, readmeActionSection } from './support.ts';

const section = readmeActionSection(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const action = loadAction();

/** `name`, or `a`, `b` in a first cell → the names. */
const namesIn = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

describe('README action section', () => {
  it('lists every action.yml input once, with its default', () => {
    const rows = markdownTable(section, 'input');
    const byName = new Map(rows.map((r) => [namesIn(r.input)[0], r]));
    expect(rows.map((r) => namesIn(r.input)[0]).sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, def] of Object.entries(action.inputs)) {
      const cell = byName.get(name)!.default;
      expect(cell, name).toBe(def.default === undefined ? '' : `\`${JSON.stringify(def.default).replace(/^"|"$/g, '')}\``);
    }
  });

  it('lists every action.yml output once', () => {
    const rows = markdownTable(section, 'output');
    expect(rows.map((r) => namesIn(r.output)[0]).sort()).toEqual(Object.keys(action.outputs).sort());
    for (const r of rows) expect(r.description, r.output).toBeTruthy();
  });

  it('lists every dispatch input of the workflow, with its default', () => {
    const wf = parseYaml(readFileSync(join(ROOT, '.github/workflows/reprocess.yml'), 'utf8')) as {
      on: { workflow_dispatch: { inputs: Record<string, { default?: unknown; required?: boolean }> } };
    };
    const rows = markdownTable(section, 'dispatch input');
    const documented = new Map(rows.flatMap((r) => namesIn(r['dispatch input']).map((n) => [n, r.default] as const)));
    const inputs = wf.on.workflow_dispatch.inputs;
    expect([...documented.keys()].sort()).toEqual(Object.keys(inputs).sort());
    for (const [name, def] of Object.entries(inputs)) {
      // Inputs whose empty (or 0) default means "fall back to something" say what instead.
      if (def.default !== undefined && def.default !== '' && def.default !== 0) expect(documented.get(name), name).toBe(`\`${JSON.stringify(def.default).replace(/^"|"$/g, '')}\``);
      if (def.required) expect(documented.get(name), name).toBe('(required)');
    }
  });

  it('names the secrets, the variables the workflow reads, and the IAM actions', () => {
    const workflow = readFileSync(join(ROOT, '.github/workflows/reprocess.yml'), 'utf8');
    const secrets = new Set([...workflow.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]));
    const vars = new Set([...workflow.matchAll(/vars\.([A-Z0-9_]+)/g)].map((m) => m[1]));
    expect(secrets).toEqual(new Set(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'SOCORRO_API_TOKEN', 'SOCORRO_SEARCH_TOKEN']));
    const rows = markdownTable(section, 'name');
    const documented = new Set(rows.flatMap((r) => namesIn(r.name)));
    for (const name of [...secrets, ...vars]) expect(documented, name).toContain(name);
    expect(section).toContain('s3:ListBucket');
    expect(section).toContain('s3:GetObject');
    for (const mode of ['list', 'check', 'reprocess']) expect(section).toContain(`mode: ${mode}`);
    for (const mode of ['plan', 'submit', 'verify']) expect(section).toContain(`| \`${mode}\` |`);
  });
});

/** Every document a user copies a pin from. */
const PIN_SOURCES = ['README.md', 'examples/reprocess-caller.yml', 'docs/action-pins.md', 'CHANGELOG.md', '.github/workflows/release.yml'];

describe('what there is to pin: the version, the changelog, the release workflow and every snippet agree', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; repository?: { url?: string } };
  const major = pkg.version.split('.')[0];

  it('names one owner, the repository package.json names, and no placeholder for it', () => {
    const home = /github\.com\/([^/]+\/socorro-reprocess)\.git$/.exec(pkg.repository?.url ?? '')?.[1];
    expect(home, 'package.json repository.url').toBeDefined();
    for (const file of PIN_SOURCES) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect(text, file).not.toMatch(/OWNER\/socorro-reprocess/);
      for (const m of text.matchAll(/([\w.-]+)\/socorro-reprocess(?=[@/])/g)) expect(m[1], `${file}: ${m[0]}`).toBe(home!.split('/')[0]);
    }
  });

  it("pins only the package's major (release.yml makes vMAJOR from package.json's version)", () => {
    let pins = 0;
    for (const file of PIN_SOURCES) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/socorro-reprocess(?:\/\.github\/workflows\/[\w.-]+)?@v(\d+)\b/g)) {
        expect(m[1], `${file}: ${m[0]}`).toBe(major);
        pins++;
      }
      for (const m of text.matchAll(/action-ref: v(\d+)\b/g)) expect(m[1], `${file}: ${m[0]}`).toBe(major);
    }
    expect(pins).toBeGreaterThan(0);
  });

  it('CHANGELOG names the version: released under its own heading, or as the next release', () => {
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
    const released = changelog.includes(`## [${pkg.version}] - `);
    const next = new RegExp(`## \\[Unreleased\\]\\s+Nothing has been released yet\\. The first release will be ${pkg.version.replace(/\./g, '\\.')}\\b`).test(changelog);
    expect(released || next, `CHANGELOG.md and package.json ${pkg.version}`).toBe(true);
    // Before the first release, the README must not let anyone believe @vMAJOR exists yet.
    if (!released) expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(`until \`v${pkg.version}\` is tagged there is no \`@v${major}\``);
  });
});

describe("search pacing is told the same everywhere: 900 a minute with a token, 90 without (90 % of Socorro's limits)", () => {
  it('every "paced at N" and "searches at N" in the README, the workflows and the CLI says 900 or 90', () => {
    const files = ['README.md', '.github/workflows/reprocess.yml', '.github/workflows/scan.yml', 'src/cli/main.ts', 'src/modes/scan.ts', 'action.yml'];
    let seen = 0;
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/(?:paced (?:at|under)|searches at) (\d[\d,]*) a minute/g)) {
        expect(['900', '90'], `${file}: ${m[0]}`).toContain(m[1]);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(3);
  });
});
