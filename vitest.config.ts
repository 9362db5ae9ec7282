import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests exercise the built package, exactly what users and the CLI run (worker threads included).
    alias: { distdb: resolve(import.meta.dirname, 'dist/index.js') },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/globalSetup.ts'],
    // Most suites wait on servers and child processes: two files at once keep both cores busy.
    // Each file has databases, clusters and ports of its own.
    maxWorkers: 2,
  },
});
