/**
 * The vitest configuration mutation testing (`npm run test:mutation`) runs: the tests that
 * exercise firmware/ — its unit tests, the verification suite (model-based, invariants, golden
 * traces, statechart coverage, requirement examples) and the committed regressions. Left out: the
 * CLI, docs, traceability, course and portability tests (they do not judge firmware behaviour),
 * and the simulator tests (full 14-day cycles are too slow instrumented, and work done at module
 * load makes every mutant it reaches "static": run against every test).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default defineConfig({
  root,
  test: {
    include: ['test/firmware/**/*.test.ts', 'test/verification/**/*.test.ts', 'test/regressions/**/*.test.ts'],
    exclude: ['test/verification/traceability.test.ts', '**/node_modules/**'],
    // Instrumented code runs several times slower: properties run an eighth of their cases and
    // the 14-day golden trace is skipped (test/support/scripted.ts, goldenTraces.test.ts).
    env: { PUMPSIM_MUTATION: '1' },
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
