import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

// The files that take longest (they wait on child processes, servers and real backoffs), longest
// first. With no result cache (a fresh clone, CI) vitest orders by file size, which would start
// these last and leave one worker running alone at the end; listing them keeps that from happening.
const LONG_FIRST = [
  'test/e2e/workflow-days.test.ts',
  'test/e2e/workflow-attempts.test.ts',
  'test/reliability/kill.test.ts',
  'test/integration/artifacts-rest.test.ts',
  'test/integration/search-verify.test.ts',
  'test/reliability/store-faults.test.ts',
  'test/reliability/secrets.test.ts',
  'test/e2e/runner.test.ts',
  'test/action/selftest.test.ts',
  'test/e2e/workflow.test.ts',
  'test/integration/gcs-store.test.ts',
];

class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = LONG_FIRST.findIndex((f) => spec.moduleId.endsWith(f));
      return i < 0 ? LONG_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order (cached durations, then size).
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // vitest's default is one worker less than the cores: 1 on a 2-core box, so every file ran in
    // turn. The suites mostly wait on loopback servers and child processes, so more workers than
    // cores overlap that waiting.
    maxWorkers: 3,
    sequence: { sequencer: LongFirst },
    // GitHub's workflow parser imports JSON without an import attribute; inlining lets Vite load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
