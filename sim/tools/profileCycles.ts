/**
 * `node --import ./sim/tools/loader/register.mjs sim/tools/profileCycles.ts N`: runs the default scenario's
 * cycle N times in this process and prints nothing — a fixed workload for instruction counters.
 *
 * Owns: nothing but the loop. Promises: the same work as `run` of the default scenario, N times.
 * Used as (README "Speed"): instructions of 3 runs minus 1 run, under
 * `valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded …`, divided by
 * 2 × 1,209,909 control steps, is a steady period's instruction count, start-up and compilation
 * cancelled out. Counts vary between runs with garbage collection's timing (by 20 a period
 * typically, once by 190): compare medians of three.
 */
import { defaultScenario } from '../scenario/scenario.ts';
import { runScenarioSync } from '../run/simulation.ts';

const runs = Number(process.argv[2] ?? '1');
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  console.error(`profileCycles: N (runs) must be an integer in [1, 100], got ${process.argv[2]}`);
  process.exit(2);
}
const scenario = defaultScenario();
for (let i = 0; i < runs; i++) runScenarioSync({ scenario });
