/**
 * The false-alarm campaign over a virtual population (`pumpsim population`): nominal 14-day cycles
 * of patients drawn across the envelope, in the patient world, where any alarm is a false alarm.
 *
 * Owns: the population's draw (cycle i: seed POPULATION_BASE_SEED + i; heart rate 35–180 bpm, pulse
 * pressure 15–100 mmHg, mean arterial 60–130 mmHg uniform; line compliance 0.05–1 µL/mmHg
 * log-uniform, so the stiff lines are as well covered as the soft ones; rhythm and activity in
 * turn, cycle i having RHYTHMS[i mod 3] and ACTIVITIES[⌊i / 3⌋ mod 2], so every six consecutive
 * cycles hold every pair), the cycle's scenario (the nominal set's 14-day prescription and
 * arterial-pressure episodes, `nominalEpisodes`), and the campaign's summary.
 * Promises: a cycle is a pure function of (index, device): its scenario is an ordinary scenario
 * file (`populationScenario`, runnable with `pumpsim run --scenario`), and its result does not
 * depend on the worker or order it ran in.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import { parseScenario } from '../scenario/scenario.ts';
import { Simulation } from '../run/simulation.ts';
import { ACTIVITIES, RHYTHMS } from '../world/patient.ts';
import type { Activity, Rhythm } from '../world/patient.ts';
import { SeededRandom, streamId } from '../world/rng.ts';
import { deviceProfile, nominalEpisodes, patentPulseBandMmHg, pulseBlind } from './detection.ts';

/** Seed of cycle 0 (cycle i has seed POPULATION_BASE_SEED + i). */
export const POPULATION_BASE_SEED = 70_000;

/** The envelope the population is drawn across. */
export const POPULATION_ENVELOPE = Object.freeze({
  heartRateBpm: [35, 180] as const,
  pulsePressureMmHg: [15, 100] as const,
  meanArterialPressureMmHg: [60, 130] as const,
  lineComplianceUlPerMmHg: [0.05, 1] as const,
});

/** One patient of the population, as its scenario states it. */
export interface PopulationPatient {
  readonly index: number;
  readonly seed: number;
  readonly heartRateBpm: number;
  readonly pulsePressureMmHg: number;
  readonly meanArterialPressureMmHg: number;
  readonly rhythm: Rhythm;
  readonly activity: Activity;
  readonly lineComplianceUlPerMmHg: number;
}

export interface PopulationCase {
  readonly index: number;
  readonly device: string;
}

export interface PopulationResult {
  readonly patient: PopulationPatient;
  readonly device: string;
  readonly alarms: readonly { readonly code: AlarmCode; readonly atSeconds: number }[];
  readonly episodes: number;
}

/** Rounded so the scenario file states the patient exactly as it ran. */
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Patient `index` of the population. */
export function populationPatient(index: number): PopulationPatient {
  const seed = POPULATION_BASE_SEED + index;
  const r = new SeededRandom(seed, streamId('population'));
  const e = POPULATION_ENVELOPE;
  const [cLow, cHigh] = e.lineComplianceUlPerMmHg;
  return {
    index,
    seed,
    heartRateBpm: round(r.uniform(...e.heartRateBpm), 1),
    pulsePressureMmHg: round(r.uniform(...e.pulsePressureMmHg), 1),
    meanArterialPressureMmHg: round(r.uniform(...e.meanArterialPressureMmHg), 1),
    rhythm: RHYTHMS[index % RHYTHMS.length] as Rhythm,
    activity: ACTIVITIES[Math.floor(index / RHYTHMS.length) % ACTIVITIES.length] as Activity,
    // Log-uniform: ln C uniform between the ends.
    lineComplianceUlPerMmHg: round(cLow * Math.exp(r.next() * Math.log(cHigh / cLow)), 4),
  };
}

/** The scenario of cycle `index` on built-in profile `device`, as a scenario file holds it. */
export function populationScenario(index: number, device: string): Record<string, unknown> {
  const p = populationPatient(index);
  return {
    name: `population cycle ${index}`,
    seed: p.seed,
    patient: { weightKg: 70, heightCm: 170, heartRateBpm: p.heartRateBpm, pulsePressureMmHg: p.pulsePressureMmHg, meanArterialPressureMmHg: p.meanArterialPressureMmHg, rhythm: p.rhythm, activity: p.activity },
    world: { physiology: 'patient' },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
    device: { profile: device, overrides: { lineComplianceUlPerMmHg: p.lineComplianceUlPerMmHg } },
    faults: nominalEpisodes(p.seed),
  };
}

/** Runs one nominal cycle; every alarm it raises is a false alarm. */
export function runPopulationCase(c: PopulationCase): PopulationResult {
  const json = populationScenario(c.index, c.device);
  const summary = new Simulation({ scenario: parseScenario(json) }).runToEnd();
  return {
    patient: populationPatient(c.index),
    device: c.device,
    alarms: summary.alarms.map((a) => ({ code: a.code, atSeconds: a.atSeconds })),
    episodes: (json['faults'] as unknown[]).length,
  };
}

/** The cardiac-band pulse patient `p`'s patent catheter brings the pump on `device`, mmHg (`patentPulseBandMmHg`). */
export function populationPatentPulseMmHg(p: PopulationPatient, device: string): number {
  return patentPulseBandMmHg(deviceProfile(device).path.resistanceMmHgSecondPerUl, p.lineComplianceUlPerMmHg, p.heartRateBpm, p.pulsePressureMmHg);
}

export interface PopulationReport {
  readonly cycles: number;
  /** Cycles whose patent pulse is below the pulse-present threshold, and how many of them alarmed. */
  readonly pulseBlindCycles: number;
  readonly pulseBlindCyclesWithAlarm: number;
  readonly device: string;
  readonly episodes: number;
  readonly cyclesWithAlarm: number;
  /** Cycles with at least one alarm of the code. */
  readonly cyclesByCode: Readonly<Partial<Record<AlarmCode, number>>>;
  readonly alarmed: readonly PopulationResult[];
}

export function populationReport(results: readonly PopulationResult[], device: string): PopulationReport {
  const alarmed = results.filter((r) => r.alarms.length > 0);
  const cyclesByCode: Partial<Record<AlarmCode, number>> = {};
  for (const r of alarmed) for (const code of new Set(r.alarms.map((a) => a.code))) cyclesByCode[code] = (cyclesByCode[code] ?? 0) + 1;
  const blind = (r: PopulationResult): boolean => pulseBlind(populationPatentPulseMmHg(r.patient, r.device), deviceProfile(r.device));
  return {
    cycles: results.length,
    pulseBlindCycles: results.filter(blind).length,
    pulseBlindCyclesWithAlarm: alarmed.filter(blind).length,
    device,
    episodes: results.reduce((a, r) => a + r.episodes, 0),
    cyclesWithAlarm: alarmed.length,
    cyclesByCode,
    alarmed,
  };
}

/** The command that reruns cycle `index` alone. */
export function populationReplayCommand(index: number, device: string): string {
  return `npm run -s pumpsim -- population --from ${index} --cycles 1${device === 'port-ambulatory' ? '' : ` --device ${device}`}`;
}

/** The report as text: the count, alarms by code, then each alarmed cycle with its patient and replay command. */
export function formatPopulationReport(r: PopulationReport): string {
  const codes = Object.entries(r.cyclesByCode).map(([code, n]) => `${code} ${n}`).join(', ');
  const lines = [
    `Population: ${r.cycles} nominal 14-day cycles in the patient world on ${r.device} (${r.episodes} arterial-pressure episodes); cycles with any alarm: ${r.cyclesWithAlarm}${codes === '' ? '' : ` (${codes})`}.`,
    `Pulse blind (the patent catheter's pulse in the cardiac band below the pulse-present threshold): ${r.pulseBlindCycles} cycles, ${r.pulseBlindCyclesWithAlarm} of them with an alarm.`,
  ];
  for (const a of r.alarmed) {
    const p = a.patient;
    const pulse = populationPatentPulseMmHg(p, a.device);
    lines.push(
      `  cycle ${p.index} seed ${p.seed}: HR ${p.heartRateBpm} bpm, PP ${p.pulsePressureMmHg} mmHg, MAP ${p.meanArterialPressureMmHg} mmHg, ${p.rhythm}, ${p.activity}, C ${p.lineComplianceUlPerMmHg} µL/mmHg, patent pulse ${pulse.toFixed(2)} mmHg${pulseBlind(pulse, deviceProfile(a.device)) ? ' (blind)' : ''} → ${a.alarms.map((x) => `${x.code} at ${x.atSeconds} s`).join(', ')}; replay: ${populationReplayCommand(p.index, a.device)}`,
    );
  }
  return lines.join('\n');
}
