/**
 * `node --import ./sim/tools/loader/register.mjs sim/tools/profileCycles.ts N [kind|patient]`: runs
 * the default scenario's cycle N times in this process and prints nothing — a fixed workload for
 * instruction counters. `patient`: the same cycle in the patient world (`patientCycleScenario`,
 * the bench's `cycle14dPatient`); `kind`, the default: the default scenario as it is.
 *
 * Owns: nothing but the loop. Promises: the same work as `run` of the default scenario (or of its
 * patient-world form), N times; N outside 1–100 or another world exits 2 with one line. Instructions of N = 3 minus those of N = 1, divided by
 * twice the cycle's control steps, give a steady control period's instruction count with start-up
 * and compilation cancelled out (the method and its figures: docs/performance.md).
 */
import { defaultScenario } from '../scenario/scenario.ts';
import { runScenarioSync } from '../run/simulation.ts';
import { patientCycleScenario } from './benchScenarios.ts';

const runs = Number(process.argv[2] ?? '1');
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  console.error(`profileCycles: N (runs) must be an integer in [1, 100], got ${process.argv[2]}`);
  process.exit(2);
}
const world = process.argv[3] ?? 'kind';
if (world !== 'kind' && world !== 'patient') {
  console.error(`profileCycles: the world must be kind or patient, got ${world}`);
  process.exit(2);
}
const scenario = world === 'patient' ? patientCycleScenario() : defaultScenario();
for (let i = 0; i < runs; i++) runScenarioSync({ scenario });
