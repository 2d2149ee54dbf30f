import { defineConfig } from 'vitest/config';
import { testEnvironment } from './test/support/npm-before';

// The end-to-end suite (npm run test:e2e): separate from `vitest run`, whose config includes
// test/**/*.test.ts only.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    fileParallelism: false,
    // A local npm registry with this repo's packages: generated repos and their images install from it.
    globalSetup: ['test/support/registry-setup.ts'],
    // See test/support/npm-before.ts: the registry CI reaches is a partial mirror.
    env: testEnvironment,
  },
});
