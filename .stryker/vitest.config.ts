/**
 * The vitest configuration mutation testing (`npm run test:mutation`) runs: the tests that
 * exercise firmware/ — its unit tests, the verification suite (model-based, invariants, golden
 * traces, statechart coverage, requirement examples) and the committed regressions. Left out: the
 * CLI, docs, traceability, course and portability tests (they do not judge firmware behaviour),
 * and the simulator tests (full 14-day cycles are too slow instrumented, and work done at module
 * load makes every mutant it reaches "static": run against every test).
 * MUTATION_TESTS (set by run.mjs from `--tests`) narrows the run to the comma-separated test files
 * it names, which makes the score a lower bound.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/**
 * Test files quickest first. Stryker stops a mutant's run at its first failing test, and vitest's
 * own order puts the slowest files first; most mutants fail a quick unit test.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return (await super.sort(files)).reverse();
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default defineConfig({
  root,
  test: {
    include: process.env.MUTATION_TESTS
      ? process.env.MUTATION_TESTS.split(',')
      : ['test/firmware/**/*.test.ts', 'test/verification/**/*.test.ts', 'test/regressions/**/*.test.ts'],
    exclude: ['test/verification/traceability.test.ts', '**/node_modules/**'],
    // Instrumented code runs several times slower: properties run an eighth of their cases and
    // the 14-day golden trace is skipped (test/support/scripted.ts, goldenTraces.test.ts).
    env: { PUMPSIM_MUTATION: '1' },
    sequence: { sequencer: QuickestFirst },
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
