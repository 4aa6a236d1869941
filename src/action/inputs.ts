import * as core from '@actions/core';
import type { OptionName, RawOptions, Spelling } from '../core/options.ts';

/**
 * The options this action has, by input name (action.yml); the CLI's skip-invalid and
 * max-chunks it does not have. `mode` picks the job and is read on its own. The action-only
 * ones (artifact-prefix, retention-days, github-token, from-run, token-present, environment) are
 * about the run's artifacts and jobs.
 */
export const INPUTS: Partial<Record<OptionName, string>> = {
  dates: 'dates',
  bucket: 'bucket',
  storage: 'storage',
  layout: 'layout',
  chunkSize: 'chunk-size',
  since: 'since',
  until: 'until',
  hours: 'hours',
  chunk: 'chunk',
  concurrency: 'concurrency',
  apiUrl: 'api-url',
  apiToken: 'api-token',
  batchSize: 'batch-size',
  sleep: 'sleep',
  max: 'max',
  allowMany: 'allow-many',
  ruleset: 'ruleset',
  dryRun: 'dry-run',
  endpoint: 'endpoint',
  region: 'region',
  pathStyle: 'path-style',
  search: 'search',
  wait: 'wait',
  every: 'every',
  artifactPrefix: 'artifact-prefix',
  retentionDays: 'retention-days',
  githubToken: 'github-token',
  fromRun: 'from-run',
  tokenPresent: 'token-present',
  environment: 'environment',
  maxDates: 'max-dates',
  minMissing: 'min-missing',
  minShare: 'min-share',
  out: 'out',
};

/** Every input the action reads: what action.yml must declare. */
export const INPUT_NAMES: readonly string[] = ['mode', ...Object.values(INPUTS)];

/** Messages name options as the action's inputs. */
export const spell: Spelling = (name) => INPUTS[name];

export function readInputs(): RawOptions {
  const raw: RawOptions = {};
  for (const [name, input] of Object.entries(INPUTS) as Array<[OptionName, string]>) raw[name] = core.getInput(input).trim();
  return raw;
}
