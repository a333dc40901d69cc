/**
 * `node --import ./sim/tools/loader/register.mjs sim/tools/profileCycles.ts N`: runs the default
 * scenario's cycle N times in this process and prints nothing — a fixed workload for instruction
 * counters.
 *
 * Owns: nothing but the loop. Promises: the same work as `run` of the default scenario, N times;
 * N outside 1–100 exits 2 with one line. Instructions of N = 3 minus those of N = 1, divided by
 * twice the cycle's control steps, give a steady control period's instruction count with start-up
 * and compilation cancelled out (the method and its figures: docs/performance.md).
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
