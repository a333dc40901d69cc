/**
 * Properties over scripted runs, for vitest: a runner that turns any failure into a replayable
 * counterexample file (arbitraries and the file writing: scriptedArbitraries.ts).
 *
 * `checkScripted` wraps `fc.assert` like `checkProperty` (fc.ts): a fixed seed from the test, a
 * bounded run count, `FC_SEED` / `FC_PATH` / `FC_REPLAY_PATH` in the environment to rerun one
 * case. When a property fails it reruns the shrunk case once more, writes it to
 * `reports/counterexamples/<test>-seed<seed>.json` with the steps as they ran, and fails with:
 * the violations, the numbered steps, the fast-check seed/path, the vitest rerun command, and
 * `npm run -s pumpsim -- replay <file>` (add `--save <name>` to commit it under test/regressions/).
 */
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { KnownIssue } from '../../sim/verify/knownIssues.ts';
import { OPEN_ISSUES } from '../../sim/verify/knownIssues.ts';
import { MAX_RUNS, replayHint } from './fc.ts';
import type { ScriptedCase } from './scriptedArbitraries.ts';
import { modelBasedArbitrary, recordCounterexample, replayPathOf, runModelBased, stepsOf } from './scriptedArbitraries.ts';

export * from './scriptedArbitraries.ts';

/**
 * Set by the mutation-testing configuration (.stryker/vitest.config.ts): instrumented code is
 * several times slower, so properties run an eighth of their cases (same seeds, so a subset) and
 * a failure is not shrunk.
 */
export const MUTATION_RUN = process.env['PUMPSIM_MUTATION'] === '1';

export interface ScriptedPropertyOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Known issues the checks let pass (default none; the model-based property: every open one). */
  readonly tolerated?: readonly KnownIssue[];
  /** Where the counterexample goes (default reports/counterexamples). */
  readonly outDir?: string;
}

function currentTest(): { file: string; name: string; pattern: string | undefined } {
  const state = expect.getState();
  const file = state.testPath === undefined ? '<test file>' : path.relative(process.cwd(), state.testPath);
  const name = state.currentTestName ?? 'property';
  const pattern = state.currentTestName?.split(' > ').join(' ').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { file, name, pattern };
}

/**
 * Asserts a property whose values are scripted cases (`toCase`). `predicate` should throw (a
 * `ScriptViolation` or an assertion) on failure; the counterexample file holds the case's steps.
 */
export function checkScripted<T>(arb: fc.Arbitrary<T>, toCase: (value: T) => ScriptedCase, predicate: (value: T) => void, options: ScriptedPropertyOptions): void {
  if (options.numRuns > MAX_RUNS) throw new Error(`checkScripted: numRuns ${options.numRuns} exceeds ${MAX_RUNS}`);
  const numRuns = MUTATION_RUN ? Math.max(1, Math.ceil(options.numRuns / 8)) : options.numRuns;
  const envSeed = process.env['FC_SEED'];
  const envPath = process.env['FC_PATH'];
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : options.seed;
  if (!Number.isInteger(seed)) throw new Error(`checkScripted: FC_SEED=${envSeed} is not an integer`);
  const replaying = envPath !== undefined && envPath !== '';
  const test = currentTest();
  fc.assert(fc.property(arb, (value) => predicate(value)), {
    seed,
    numRuns,
    ...(replaying ? { path: envPath, endOnFailure: true } : {}),
    // A mutant only needs to be caught, not explained: no shrinking.
    ...(MUTATION_RUN ? { endOnFailure: true } : {}),
    reporter: (details) => {
      if (!details.failed) return;
      const value = (details.counterexample as [T] | null)?.[0];
      let fileNote = '';
      if (value !== undefined) {
        const replayPath = replayPathOf(details.counterexample);
        const failure = { seed: details.seed, path: details.counterexamplePath, replayPath };
        const recorded = recordCounterexample(toCase(value), failure, test.name, `${test.file} › ${test.name}`, options.tolerated ?? [], options.outDir);
        const fcReplay = replayPath === null ? '' : `FC_REPLAY_PATH='${replayPath}' `;
        fileNote = [...recorded.lines, `Rerun the property:       ${fcReplay}${replayHint(details.seed, details.counterexamplePath, test.file, test.pattern)}`, ''].join('\n');
      }
      const error = new Error(`Property failed: seed ${details.seed}, path ${details.counterexamplePath ?? '(none)'}\n${fileNote}\n${fc.defaultReportMessage(details) ?? ''}`);
      if (details.errorInstance instanceof Error) error.cause = details.errorInstance;
      throw error;
    },
  });
}

/** The model-based property: a random setup and command sequence, invariants and model after every step. */
export function checkModelBased(options: ScriptedPropertyOptions & { readonly maxCommands: number }): void {
  const tolerated = options.tolerated ?? OPEN_ISSUES;
  checkScripted(
    modelBasedArbitrary(options.maxCommands, process.env['FC_REPLAY_PATH']),
    ([setup, cmds]): ScriptedCase => ({ setup, steps: stepsOf(cmds) }),
    (value) => runModelBased(value, tolerated),
    { ...options, tolerated },
  );
}
