import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{peer,lab,bin,test}/**/*.test.ts'],
    // Process-level tests start real peers; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files that spawn many peers would starve each other if run all at once.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
    globalSetup: ['test/global-setup.ts'],
  },
});
