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
          // A hang guard, not a speed limit: vitest's 5 s default fails property tests on a busy machine (a second
          // copy of the suite beside this one), and speed is measured by `npm run bench`.
          testTimeout: 120_000,
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
          // Hang guards only: each wait inside a test ends on its event, with a safety net of its own
          // (engine/test/support/wait-for.ts, 3 min) that must stay inside these.
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
