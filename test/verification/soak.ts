/**
 * `npm run test:soak`: the model-based property over random seeds for SOAK_MINUTES (default 1).
 *
 * Each batch is the property of test/verification/modelBased.test.ts with a new seed (from
 * SOAK_SEED, default drawn from the wall clock and printed) and up to SOAK_COMMANDS commands
 * (default 60). It prints progress and, at the end, runs, runs per second and steps per second.
 * A failure is shrunk, written to reports/counterexamples/ and reported with the replay command;
 * the process then exits 1. The open known issues (sim/verify/knownIssues.ts) are tolerated, as
 * in `npm test`, so the soak looks for new ones.
 */
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { OPEN_ISSUES } from '../../sim/verify/knownIssues.ts';
import type { ScriptedCase } from '../support/scriptedArbitraries.ts';
import { modelBasedArbitrary, recordCounterexample, replayPathOf, runModelBased, stepsOf } from '../support/scriptedArbitraries.ts';

const minutes = Number(process.env['SOAK_MINUTES'] ?? '1');
const maxCommands = Number(process.env['SOAK_COMMANDS'] ?? '60');
const baseSeed = process.env['SOAK_SEED'] !== undefined ? Number(process.env['SOAK_SEED']) : Math.floor(Date.now() % 2_147_483_647);
const RUNS_PER_BATCH = 25;

if (!(minutes > 0) || !Number.isFinite(minutes)) {
  console.error(`test:soak: SOAK_MINUTES=${process.env['SOAK_MINUTES']} must be a positive number`);
  process.exit(2);
}
if (!Number.isInteger(baseSeed) || !Number.isInteger(maxCommands) || maxCommands < 1) {
  console.error('test:soak: SOAK_SEED must be an integer and SOAK_COMMANDS a positive integer');
  process.exit(2);
}

const arb = modelBasedArbitrary(maxCommands);
let steps = 0;
const property = fc.property(arb, (value) => {
  try {
    runModelBased(value, OPEN_ISSUES);
  } finally {
    steps += stepsOf(value[1]).length;
  }
});

console.log(`test:soak: model-based property for ${minutes} min, ${RUNS_PER_BATCH} runs a batch, ≤ ${maxCommands} commands a run, seeds from ${baseSeed}; tolerating: ${OPEN_ISSUES.join(', ') || 'nothing'}`);
const start = performance.now();
const deadline = start + minutes * 60_000;
let runs = 0;
let batch = 0;
let lastReport = start;
while (performance.now() < deadline) {
  const seed = (baseSeed + batch) | 0;
  batch++;
  const details = fc.check(property, { seed, numRuns: RUNS_PER_BATCH });
  runs += details.numRuns;
  if (details.failed) {
    const value = details.counterexample?.[0];
    console.log(`\ntest:soak: FAILED at batch ${batch} (fast-check seed ${details.seed}, path ${details.counterexamplePath ?? '(none)'})`);
    if (value !== undefined) {
      const c: ScriptedCase = { setup: value[0], steps: stepsOf(value[1]) };
      const failure = { seed: details.seed, path: details.counterexamplePath, replayPath: replayPathOf(details.counterexample) };
      const recorded = recordCounterexample(c, failure, 'soak', 'npm run test:soak (test/verification/soak.ts)', OPEN_ISSUES);
      console.log(fc.defaultReportMessage(details) ?? '');
      for (const line of recorded.lines) console.log(line);
    }
    process.exitCode = 1;
    break;
  }
  const now = performance.now();
  if (now - lastReport > 10_000) {
    lastReport = now;
    console.log(`  ${((now - start) / 1000).toFixed(0)} s: ${runs} runs, ${(runs / ((now - start) / 1000)).toFixed(1)} runs/s`);
  }
}
const seconds = (performance.now() - start) / 1000;
console.log(`test:soak: ${runs} runs (${batch} batches, seeds ${baseSeed}…${baseSeed + batch - 1}) and ${steps} steps in ${seconds.toFixed(1)} s: ${(runs / seconds).toFixed(1)} runs/s, ${(steps / seconds).toFixed(0)} steps/s; ${process.exitCode === 1 ? 'a counterexample was found' : 'no counterexample'}`);
