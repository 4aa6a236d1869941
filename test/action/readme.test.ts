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
