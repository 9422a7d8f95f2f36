import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{peer,dispatcher,lab,bin,test}/**/*.test.ts'],
    // Process-level tests start real peers; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // One file at a time: the process-level files start up to 20 peers and the lab runs
    // measure latency; on a 2-core machine, files run side by side would starve each other.
    fileParallelism: false,
    reporters: ['default'],
    globalSetup: ['test/global-setup.ts'],
  },
});
