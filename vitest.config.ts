import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './engine/test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['workflows/test/**/*.test.ts', 'activities/test/**/*.test.ts', 'editor/test/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          // After the unit project, so the fast feedback comes first.
          sequence: { groupOrder: 1 },
          include: ['engine/test/**/*.test.ts'],
          globalSetup: ['./engine/test/support/global-setup.ts'],
          // The Temporal worker's native bridge wants real processes, not worker threads.
          pool: 'forks',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
