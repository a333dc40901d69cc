import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Property tests run whole simulated cycles; give them room but keep CI bounded (rule 8).
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
