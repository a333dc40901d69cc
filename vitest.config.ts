import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The package's own name, as a user's project imports it (docs/library.md), runs the sources.
  resolve: { alias: { pumpsim: fileURLToPath(new URL('./sim/library/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests run whole simulated cycles; give them room but keep CI bounded (rule 8).
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Both cores of the 2-core CI machine: test files are independent and deterministic, and one
    // worker (the default leaves a core free) runs them one after another.
    maxWorkers: 2,
  },
});
