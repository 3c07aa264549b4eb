import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/run/sequencer.js';

/**
 * Two tiers in one pool: the pure unit files and the integration files (real
 * nats-server, dockerd, bubblewrap, git, LanceDB, node-llama-cpp) run side by
 * side. Most integration time is spent waiting on processes: on two cores,
 * four files at once keep both CPUs busy (98% in a full run, 427 s against
 * 466 s with three). Tests wait for events, never for wall-clock margins, so
 * they hold under that load (issue 21).
 */
export default defineConfig({
  test: {
    maxWorkers: Number(process.env.AUTODEV_TEST_WORKERS ?? 4),
    // Slowest first, in a fresh clone too (test/run/sequencer.ts).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{machines,proto,actors,cli,daemon}/**/*.test.ts'],
          testTimeout: 10_000,
          // Pure logic, no module state shared between files: one module graph per worker, not one per
          // file, cuts the tier's import time by about three quarters.
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          // One Docker probe and one shared engine per run (test/global-setup.ts).
          globalSetup: ['test/global-setup.ts'],
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
