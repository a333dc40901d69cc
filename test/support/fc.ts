/**
 * fast-check with a fixed seed and a failure message that says how to rerun it.
 *
 * `checkProperty` wraps `fc.assert`: each property runs from a seed written in the test, at most
 * 200 runs, and a failure is rethrown with its seed, its shrink path and the command that replays
 * exactly that counterexample (docs/verification.md: a failure prints what reruns it). `FC_SEED` and
 * `FC_PATH` in the environment override the seed and path (the `-t` filter in the hint keeps the
 * override to the one failing test).
 */
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';

export const MAX_RUNS = 200;

export interface PropertyOptions {
  readonly seed: number;
  readonly numRuns: number;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The replay command for a failing run. */
export function replayHint(seed: number, counterexamplePath: string | null, testFile: string, testName?: string): string {
  const filter = testName === undefined ? '' : ` -t ${shellQuote(testName)}`;
  return `FC_SEED=${seed} FC_PATH=${counterexamplePath ?? ''} npx vitest run ${testFile}${filter}`;
}

function currentTest(): { file: string; name: string | undefined } {
  const state = expect.getState();
  const file = state.testPath === undefined ? '<test file>' : path.relative(process.cwd(), state.testPath);
  // currentTestName is "describe > it"; -t matches "describe it" as a regular expression.
  const name = state.currentTestName?.split(' > ').join(' ').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { file, name };
}

export function checkProperty<Ts>(property: fc.IProperty<Ts>, options: PropertyOptions): void {
  if (options.numRuns > MAX_RUNS) throw new Error(`checkProperty: numRuns ${options.numRuns} exceeds ${MAX_RUNS}`);
  const envSeed = process.env['FC_SEED'];
  const envPath = process.env['FC_PATH'];
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : options.seed;
  if (!Number.isInteger(seed)) throw new Error(`checkProperty: FC_SEED=${envSeed} is not an integer`);
  const replaying = envPath !== undefined && envPath !== '';
  const { file, name } = currentTest();
  fc.assert(property, {
    seed,
    numRuns: options.numRuns,
    ...(replaying ? { path: envPath, endOnFailure: true } : {}),
    reporter: (details) => {
      if (!details.failed) return;
      const hint = replayHint(details.seed, details.counterexamplePath, file, name);
      const report = fc.defaultReportMessage(details) ?? '';
      const error = new Error(
        `Property failed: seed ${details.seed}, path ${details.counterexamplePath ?? '(none)'}\n` +
          `Replay: ${hint}\n\n${report}`,
      );
      if (details.errorInstance instanceof Error) error.cause = details.errorInstance;
      throw error;
    },
  });
}
