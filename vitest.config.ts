import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Interop and loopback suites bind real sockets; keep the 2-core CI machine calm.
    maxWorkers: 2,
  },
});
