import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{machines,proto,actors,cli,daemon}/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Real nats-servers, models and daemons: two cores cannot run many at once.
          fileParallelism: false,
        },
      },
    ],
  },
});
