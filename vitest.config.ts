import { defineConfig } from 'vitest/config';

// One test run for the whole repository. The global setup starts (or reuses)
// the local Kubernetes cluster and the services once; each test file gets its
// own namespace from test/support.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/setup/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 600_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
