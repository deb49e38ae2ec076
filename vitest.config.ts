import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The package's own entry points (`dendrites`, `dendrites/testkit`, `dendrites/samples/*`) resolve to
// src/, as tsconfig.json's `paths` say for tsc and tsx: samples and examples import only those.
const { compilerOptions } = JSON.parse(readFileSync(new URL('./tsconfig.json', import.meta.url), 'utf8')) as { compilerOptions: { paths: Record<string, [string]> } };
const alias = Object.entries(compilerOptions.paths).map(([name, [file]]) => ({
  find: new RegExp(`^${name.replaceAll('/', '\\/')}$`),
  replacement: fileURLToPath(new URL(file, import.meta.url)),
}));

// Three projects (four with DENDRITES_CLUSTER=1): `unit` needs nothing; `types` typechecks test/types/*.test-d.ts (vitest runs
// tsc over the project: an `@ts-expect-error` line that compiles fails its test, and so does a
// type error anywhere in the project); `integration` runs against the real Kafka and Cassandra
// that test/integration/global-setup.ts brings up (or finds configured); `cluster` (only when
// DENDRITES_CLUSTER=1, as `npm run test:cluster` sets it, so plain `npm test` never tries it) runs
// test/cluster against the 3-node cluster test/cluster/global-setup.ts brings up or reuses
// (`npm run services -- up --nodes 3`; the single-node services must be down: same ports).
const cluster = process.env.DENDRITES_CLUSTER === '1';

export default defineConfig({
  resolve: { alias },
  test: {
    // Integration tests share one Kafka broker and one Cassandra node on two cores.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/cluster/**'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'types',
          include: [],
          typecheck: { enabled: true, only: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      ...(cluster
        ? [
            {
              extends: true as const,
              test: {
                name: 'cluster',
                include: ['test/cluster/**/*.test.ts'],
                globalSetup: ['test/cluster/global-setup.ts'],
                testTimeout: 900_000,
                hookTimeout: 600_000,
              },
            },
          ]
        : []),
    ],
  },
});
