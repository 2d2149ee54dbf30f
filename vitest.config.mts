import { defineConfig } from 'vitest/config';
import { testEnvironment } from './test/support/npm-before';

// `vitest run` (npm test) runs every project; `vitest run --project unit` the fast one alone.
// The end-to-end suite has its own config (vitest.e2e.config.mts).
export default defineConfig({
  test: {
    // See test/support/npm-before.ts: the registry CI reaches is a partial mirror.
    env: testEnvironment,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // No child process, no network, no npm: test/support/unit-setup.ts makes them fail.
          setupFiles: ['test/support/unit-setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // A local npm registry with this repo's packages: generated repos install from it.
          globalSetup: ['test/support/registry-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 600_000,
        },
      },
      // The uploader package's own tests (packages/upload/vitest.config.mts): its bin and API against moto.
      'packages/upload',
    ],
  },
});
