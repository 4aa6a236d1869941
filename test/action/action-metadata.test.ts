// action.yml against the contract (CONTRACT.md, "Action") and against what src/action reads and
// writes: an input the code reads but action.yml does not declare is never set by the runner, and
// one declared but never read is a knob that does nothing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INPUT_NAMES } from '../../src/action/inputs.ts';
import { ROOT, inputsRead, loadAction, outputsSet } from './support.ts';

// Names users rely on, to the letter (CONTRACT.md).
const CONTRACT_INPUTS = [
  'mode', 'dates', 'bucket', 'layout', 'chunk-size', 'since', 'until', 'concurrency', 'api-url', 'api-token',
  'batch-size', 'sleep', 'max', 'allow-many', 'ruleset', 'dry-run', 'endpoint', 'region', 'path-style', 'chunk',
];
const CONTRACT_OUTPUTS = ['chunks', 'total', 'haves', 'havenots', 'submitted'];

function actionSources(): string {
  const dir = join(ROOT, 'src/action');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

describe('action.yml', () => {
  const action = loadAction();

  it('runs dist/index.js on node24, and dist/index.js is there', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(existsSync(join(ROOT, action.runs.main!))).toBe(true);
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
  });

  it('declares every input and output the contract names', () => {
    for (const name of CONTRACT_INPUTS) expect(Object.keys(action.inputs), name).toContain(name);
    for (const name of CONTRACT_OUTPUTS) expect(Object.keys(action.outputs), name).toContain(name);
  });

  it('declares exactly the inputs src/action reads, and sets exactly the outputs it declares', () => {
    expect([...INPUT_NAMES].sort()).toEqual(Object.keys(action.inputs).sort());
    const source = actionSources();
    // Inputs are read only through the table in src/action/inputs.ts (and mode).
    expect(inputsRead(source)).toEqual(['mode']);
    expect(outputsSet(source)).toEqual(Object.keys(action.outputs).sort());
  });

  it('describes every input and output; only mode is required; booleans default to "false"', () => {
    for (const [name, def] of Object.entries(action.inputs)) {
      expect(def.description, name).toBeTruthy();
      expect(Boolean(def.required), name).toBe(name === 'mode');
      // A default must be a string: the runner passes it through INPUT_* as it is written.
      if (def.default !== undefined) expect(typeof def.default, name).toBe('string');
    }
    for (const name of ['allow-many', 'dry-run', 'path-style']) expect(action.inputs[name].default).toBe('false');
    for (const [name, def] of Object.entries(action.outputs)) expect(def.description, name).toBeTruthy();
  });

  it('the scanners find what they look for', () => {
    const sample = "const a = core.getInput('x-y'); input(\"b\"); core.getBooleanInput('c'); core.setOutput('o', 1); foo.input2('no');";
    expect(inputsRead(sample)).toEqual(['b', 'c', 'x-y']);
    expect(outputsSet(sample)).toEqual(['o']);
  });
});
