/**
 * The scenarios `npm run bench` times beside the default cycle.
 *
 * Owns: the default cycle in the patient world, the fault-heavy cycle and the 18-cycle course, built from the default scenario's file form
 * (`DEFAULT_SCENARIO_INPUT`) and checked by `parseScenario` like any scenario file.
 * Promises: each builds a valid scenario (a test parses both), so the bench measures what it says.
 */
import type { Scenario } from '../scenario/scenario.ts';
import { DEFAULT_SCENARIO_INPUT, parseScenario } from '../scenario/scenario.ts';

/** The default cycle in the patient world: the same patient, ambulatory in sinus rhythm (sim/world/patient.ts). */
export function patientCycleScenario(): Scenario {
  return parseScenario(
    { ...DEFAULT_SCENARIO_INPUT, name: 'nominal-70kg-patient', patient: { ...DEFAULT_SCENARIO_INPUT.patient, rhythm: 'sinus', activity: 'ambulatory' }, world: { physiology: 'patient' } },
    'nominal-70kg-patient',
  );
}

/** The default cycle with a fault or an episode most days; the operator clears each and resumes. */
export function faultHeavyScenario(): Scenario {
  const faults: unknown[] = [];
  for (let day = 0; day < 13; day++) {
    const at = day * 24 + 6;
    faults.push({ kind: 'occlusion', atHours: at, durationMinutes: 45, location: day % 2 === 0 ? 'catheter' : 'line' });
    faults.push({ kind: 'arterialPressure', atHours: at + 4, meanMmHg: 135, durationMinutes: 60 });
    if (day % 3 === 0) faults.push({ kind: 'sensor', atHours: at + 8, sensor: 'pressure', mode: 'dropout', durationMinutes: 20 });
    if (day % 4 === 1) faults.push({ kind: 'displacement', atHours: at + 10, to: 'tissue', durationMinutes: 30 });
    if (day % 5 === 2) faults.push({ kind: 'powerLoss', atHours: at + 12, durationMinutes: 15 });
  }
  return parseScenario({ ...DEFAULT_SCENARIO_INPUT, name: 'fault-heavy', faults }, 'fault-heavy');
}

/** The seed's longest course: 18 cycles of 21 days of the default scenario, no adverse events. */
export function course18Scenario(): Scenario {
  return parseScenario({ ...DEFAULT_SCENARIO_INPUT, name: 'course18', course: { cycles: 18, cycleDays: 21 } }, 'course18');
}
