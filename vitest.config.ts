import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing; `integration` runs against the real Kafka and
// Cassandra that test/integration/global-setup.ts brings up (or finds configured).
export default defineConfig({
  test: {
    // Integration tests share one Kafka broker and one Cassandra node on two cores.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
