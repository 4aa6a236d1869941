import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // GitHub's workflow parser imports JSON without an import attribute; inlining lets Vite load it.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
