import { defineConfig } from 'vitest/config';
import { testEnvironment } from '../../test/support/npm-before.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // See the repository's test/support/npm-before.ts: the registry CI reaches is a partial mirror.
    env: testEnvironment,
  },
});
