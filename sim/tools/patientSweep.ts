/**
 * `npx tsx sim/tools/patientSweep.ts`: detection and false alarms over patients spread across the
 * envelope, in either world — the figures of docs/faults-and-detection.md ("The patient world").
 *
 * Owns: the sweep's patients (seed i: heart rate 35–180, pulse pressure 15–100, mean 60–130 mmHg,
 * rhythm and activity in turn, spread by fixed strides so every run of the tool sees the same
 * patients) and its two measurements: a complete catheter occlusion at 84 µL/h (the default
 * 14-day programme) with an onset in the second day, and nominal 14-day cycles.
 * Promises: deterministic (seeds 1…n and 101…100 + m); prints one line per measurement and one
 * per miss or alarmed cycle, with the patient, so each can be replayed as a scenario.
 *
 * Options: --seeds <n> occlusion runs (default 60), --nominal <m> nominal cycles (default 20),
 * --world <kind|patient> (default patient), --device <built-in profile> (default port-ambulatory),
 * --location <line|needle|port|catheter> of the occlusion (default catheter), --compliance
 * <µL/mmHg> the line's compliance (default: the profile's), --fault <occlusion|tissue|needle|
 * disconnection> (default occlusion: the complete occlusion at --location; tissue: the tip
 * displaced into tissue; needle: the Huber needle out of the port; disconnection: the line
 * separated, a complete leak — each of the last three expected as CATHETER_DISPLACEMENT).
 */
import { Simulation } from '../run/simulation.ts';
import { parseScenario } from '../scenario/scenario.ts';
import { BUILT_IN_PROFILE_NAMES } from '../scenario/device.ts';
import { ACTIVITIES, RHYTHMS } from '../world/patient.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const seeds = Number(option('--seeds', '60'));
const nominalCycles = Number(option('--nominal', '20'));
const world = option('--world', 'patient');
const device = option('--device', 'port-ambulatory');
const location = option('--location', 'catheter');
const complianceText = option('--compliance', '');
const compliance = complianceText === '' ? null : Number(complianceText);
const faultName = option('--fault', 'occlusion');
/** The fault the sweep injects at `atHours`, and the alarm expected of it. */
const FAULTS: Record<string, { readonly spec: (atHours: number) => Record<string, unknown>; readonly code: string }> = {
  occlusion: { spec: (atHours) => ({ kind: 'occlusion', atHours, location, severity: 1 }), code: 'OCCLUSION' },
  tissue: { spec: (atHours) => ({ kind: 'displacement', atHours, to: 'tissue' }), code: 'CATHETER_DISPLACEMENT' },
  needle: { spec: (atHours) => ({ kind: 'needleDislodgement', atHours }), code: 'CATHETER_DISPLACEMENT' },
  disconnection: { spec: (atHours) => ({ kind: 'leak', atHours, fraction: 1, location: 'line' }), code: 'CATHETER_DISPLACEMENT' },
};
const fault = FAULTS[faultName];
if (
  !Number.isInteger(seeds) || seeds < 0 || !Number.isInteger(nominalCycles) || nominalCycles < 0 || (world !== 'kind' && world !== 'patient') ||
  !(BUILT_IN_PROFILE_NAMES as readonly string[]).includes(device) || !['line', 'needle', 'port', 'catheter'].includes(location) ||
  (compliance !== null && !(compliance > 0)) || fault === undefined
) {
  console.error(`usage: patientSweep.ts [--seeds <n ≥ 0>] [--nominal <m ≥ 0>] [--world kind|patient] [--device ${BUILT_IN_PROFILE_NAMES.join('|')}] [--location line|needle|port|catheter] [--compliance <µL/mmHg>] [--fault ${Object.keys(FAULTS).join('|')}]`);
  process.exit(2);
}

function scenarioOf(seed: number, faults: unknown[]): Record<string, unknown> {
  const patient = {
    weightKg: 70,
    heightCm: 170,
    heartRateBpm: 35 + ((seed * 37) % 146),
    pulsePressureMmHg: 15 + ((seed * 53) % 86),
    meanArterialPressureMmHg: 60 + ((seed * 29) % 71),
    ...(world === 'patient' ? { rhythm: RHYTHMS[seed % RHYTHMS.length], activity: ACTIVITIES[seed % ACTIVITIES.length] } : {}),
  };
  return {
    name: `sweep-${seed}`,
    seed,
    patient,
    world: { physiology: world },
    device: { profile: device, ...(compliance !== null ? { overrides: { lineComplianceUlPerMmHg: compliance } } : {}) },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
    faults,
  };
}

const latencies: number[] = [];
let maxBolusUl = 0;
for (let seed = 1; seed <= seeds; seed++) {
  const onsetHours = 24 + ((seed * 7919) % 2400) / 100;
  const json = scenarioOf(seed, [fault.spec(onsetHours)]);
  const summary = new Simulation({ scenario: parseScenario(json), maxSimulatedMs: Math.round((onsetHours + 3) * 3_600_000) }).runToEnd();
  const outcome = summary.faults[0];
  const early = summary.alarms.filter((a) => a.atSeconds < onsetHours * 3600);
  if (outcome?.detectedBy !== fault.code || early.length > 0) {
    console.log(`miss: ${JSON.stringify(json)} → ${outcome?.detectedBy ?? 'none'}${early.length > 0 ? `, before the onset ${early.map((a) => a.code).join(' ')}` : ''}`);
    continue;
  }
  latencies.push(outcome.latencySeconds as number);
  maxBolusUl = Math.max(maxBolusUl, summary.delivered.maxUnintendedBolusUl);
}
latencies.sort((a, b) => a - b);
if (seeds > 0) {
  const median = latencies.length === 0 ? NaN : (latencies[Math.floor((latencies.length - 1) / 2)] as number);
  console.log(`${device}, ${world} world, ${faultName === 'occlusion' ? `complete ${location} occlusion` : faultName} at 84 µL/h${compliance !== null ? `, C ${compliance} µL/mmHg` : ''}: ${latencies.length}/${seeds} ${fault.code}, median ${median} s, worst ${latencies.at(-1) ?? NaN} s, max bolus ${maxBolusUl.toFixed(1)} µL`);
}

let alarmed = 0;
for (let seed = 101; seed < 101 + nominalCycles; seed++) {
  const json = scenarioOf(seed, []);
  const summary = new Simulation({ scenario: parseScenario(json) }).runToEnd();
  if (summary.alarms.length > 0) {
    alarmed++;
    console.log(`alarm: ${JSON.stringify(json)} → ${summary.alarms.map((a) => `${a.code} at ${a.atSeconds} s`).join(', ')}`);
  }
}
if (nominalCycles > 0) console.log(`${device}, ${world} world${compliance !== null ? `, C ${compliance} µL/mmHg` : ''}, nominal 14-day cycles: ${nominalCycles}, with any alarm: ${alarmed}`);
