/**
 * The detection-performance report: does the firmware notice each fault, how fast, and at what cost.
 *
 * Owns: the grid (fault kind × infusion rate × line compliance × seeds and onset times), its
 * physiology and device axes (named patient specs, `DETECTION_PHYSIOLOGIES`, and built-in device
 * profiles), the nominal false-alarm set (14-day cycles with arterial-pressure episodes), and
 * their summary. Without axes the whole grid runs (kind world, port-ambulatory); with them, every
 * (physiology, device) pair runs the faults the patient's pressure signal decides
 * (`PHYSIOLOGY_FAULTS`) at the default rate and the three compliances — the kind,
 * port-ambulatory pair with the grid's own cases, so its rows are the grid's at those seeds.
 * Promises: every case is an ordinary seeded run of the simulator (same firmware, same plant); a
 * case is a pure function of its description, so cases can run on any worker in any order and the
 * report is identical. Time to alarm is measured from the fault's onset on the virtual clock.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import { detectorConfig } from '../../firmware/index.ts';
import { cardiacBandGain } from '../../hal/index.ts';
import type { FaultSpec } from '../world/faults.ts';
import type { DeviceProfile } from '../world/profile.ts';
import { profileFromParameters } from '../world/profile.ts';
import { BUILT_IN_DEVICES, BUILT_IN_PROFILE_NAMES, PORT_AMBULATORY } from '../scenario/device.ts';
import type { Activity, Rhythm } from '../world/patient.ts';
import { SeededRandom, streamId } from '../world/rng.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { parseScenario } from '../scenario/scenario.ts';
import { Simulation } from '../run/simulation.ts';

const MS_PER_HOUR = 3_600_000;

/** Rates of the grid: the profile's lowest and highest, and the seed protocol's (30 mL over 14 days). */
export const GRID_RATES_UL_PER_HOUR = Object.freeze({ lowest: PORT_AMBULATORY.firmwareConfig.rateRangeUlPerHour.min, default: 84.1, highest: PORT_AMBULATORY.firmwareConfig.rateRangeUlPerHour.max });
export const GRID_COMPLIANCES_UL_PER_MMHG = Object.freeze([0.05, 0.3, 1.0]);

/** The fault kinds of the grid, each as it is injected (onset filled in per case). */
export const GRID_FAULTS: Readonly<Record<string, Omit<FaultSpec, 'atHours'>>> = Object.freeze({
  'occlusion catheter': { kind: 'occlusion', location: 'catheter', severity: 1, durationMinutes: 60 },
  'occlusion line': { kind: 'occlusion', location: 'line', severity: 1, durationMinutes: 60 },
  'occlusion needle': { kind: 'occlusion', location: 'needle', severity: 1, durationMinutes: 60 },
  'occlusion port': { kind: 'occlusion', location: 'port', severity: 1, durationMinutes: 60 },
  'displacement tissue': { kind: 'displacement', to: 'tissue', extrahepaticFraction: 1 },
  'displacement extrahepatic': { kind: 'displacement', to: 'extrahepatic', extrahepaticFraction: 1 },
  'needle dislodgement': { kind: 'needleDislodgement' },
  disconnection: { kind: 'leak', fraction: 1, location: 'line' },
  'motor stall': { kind: 'motorStall', mode: 'permanent', stallProbability: 1 },
  'over-delivery 1.5×': { kind: 'overDelivery', factor: 1.5 },
  'pressure sensor stuck': { kind: 'sensor', sensor: 'pressure', mode: 'stuck' },
  'occlusion upstream': { kind: 'occlusion', location: 'upstream', severity: 1, durationMinutes: 60 },
  'air in line 100 µL': { kind: 'airInLine', volumeUl: 100 },
  'free flow 500 µL/h': { kind: 'freeFlow', ulPerHour: 500, durationMinutes: 60 },
  'over-temperature 45 °C': { kind: 'overTemperature', celsius: 45, durationMinutes: 60 },
  'drive moves nothing': { kind: 'overDelivery', factor: 0 },
  'watchdog 30 s hang': { kind: 'watchdog', durationSeconds: 30 },
  'drug library bit flip': { kind: 'drugLibraryCorruption' },
  'self-check ROM failure': { kind: 'selfTestFailure', component: 'rom' },
} as Record<string, Omit<FaultSpec, 'atHours'>>);

/**
 * A named physiology of the detection grid: the world and the patient fields the scenario sets.
 * Fields left unset are the patient world's draws per seed (sim/run/simulation.ts: heart rate and
 * mean arterial pressure from the profile's ranges, pulse pressure 30–60 mmHg; docs/faults-and-detection.md).
 */
export interface PhysiologySpec {
  readonly world: 'kind' | 'patient';
  readonly rhythm?: Rhythm;
  readonly activity?: Activity;
  /** A fixed heart rate, or a range drawn uniformly per seed. */
  readonly heartRateBpm?: number | readonly [number, number];
  readonly pulsePressureMmHg?: number;
  readonly meaning: string;
}

/**
 * The physiologies of the grid's physiology axis. Bradycardia and tachycardia lie in bed, so the
 * heart rate during a case (10:00–19:00, awake) is the row's; pulse pressure 15 walks, so its small
 * pulse meets the walking artefact.
 */
export const DETECTION_PHYSIOLOGIES: Readonly<Record<string, PhysiologySpec>> = Object.freeze({
  kind: { world: 'kind', meaning: 'the kind world: constant heart rate, sinusoidal pulse, white noise' },
  'resting-sinus': { world: 'patient', rhythm: 'sinus', activity: 'bedRest', meaning: 'sinus rhythm, bed rest' },
  'ambulatory-sinus': { world: 'patient', rhythm: 'sinus', activity: 'ambulatory', meaning: 'sinus rhythm, ambulatory (sitting, standing, walking)' },
  'atrial-fibrillation': { world: 'patient', rhythm: 'atrialFibrillation', activity: 'ambulatory', meaning: 'atrial fibrillation, ambulatory' },
  'pulse-pressure-15': { world: 'patient', rhythm: 'sinus', activity: 'ambulatory', pulsePressureMmHg: 15, meaning: 'sinus, ambulatory, pulse pressure 15 mmHg' },
  bradycardia: { world: 'patient', rhythm: 'sinus', activity: 'bedRest', heartRateBpm: [35, 45], meaning: 'sinus, bed rest, heart rate drawn 35–45 bpm' },
  tachycardia: { world: 'patient', rhythm: 'sinus', activity: 'bedRest', heartRateBpm: 150, meaning: 'sinus, bed rest, heart rate 150 bpm' },
} satisfies Record<string, PhysiologySpec>);
export const PHYSIOLOGY_NAMES = Object.keys(DETECTION_PHYSIOLOGIES);
export const DEFAULT_PHYSIOLOGY = 'kind';
export const DEFAULT_DEVICE = 'port-ambulatory';

/** The faults the patient's pressure signal decides: what runs on the physiology and device axes. */
export const PHYSIOLOGY_FAULTS: readonly string[] = Object.freeze([
  'occlusion catheter', 'occlusion line', 'occlusion needle', 'occlusion port', 'displacement tissue', 'needle dislodgement', 'disconnection', 'pressure sensor stuck',
]);

/** The scenario fields of physiology `name` for seed `seed` (a drawn heart rate from its own stream). */
export function physiologyFields(name: string, seed: number): { world: { physiology: 'kind' | 'patient' }; patient: Record<string, unknown> } {
  const spec = DETECTION_PHYSIOLOGIES[name];
  if (spec === undefined) throw new Error(`unknown physiology ${name}`);
  const hr = spec.heartRateBpm;
  const heartRateBpm = hr === undefined ? undefined : typeof hr === 'number' ? hr : Number(new SeededRandom(seed, streamId(`physiology/${name}`)).uniform(hr[0], hr[1]).toFixed(1));
  return {
    world: { physiology: spec.world },
    patient: {
      ...(spec.rhythm !== undefined ? { rhythm: spec.rhythm } : {}),
      ...(spec.activity !== undefined ? { activity: spec.activity } : {}),
      ...(heartRateBpm !== undefined ? { heartRateBpm } : {}),
      ...(spec.pulsePressureMmHg !== undefined ? { pulsePressureMmHg: spec.pulsePressureMmHg } : {}),
    },
  };
}

/** Bounds docs/faults-and-detection.md and the tests hold the default profile to (issue #3). */
export const DETECTION_BOUNDS_S: Readonly<Record<string, number>> = Object.freeze({
  'occlusion catheter': 15 * 60,
  'occlusion line': 15 * 60,
  'occlusion needle': 15 * 60,
  'occlusion port': 15 * 60,
  'displacement tissue': 5 * 60,
  'needle dislodgement': 5 * 60,
  disconnection: 5 * 60,
  'motor stall': 30 * 60,
  'over-delivery 1.5×': 30 * 60,
  'pressure sensor stuck': 5 * 60,
  'occlusion upstream': 15 * 60,
  'air in line 100 µL': 5 * 60,
  'free flow 500 µL/h': 30 * 60,
  'over-temperature 45 °C': 5 * 60,
  'drive moves nothing': 15 * 60,
  'watchdog 30 s hang': 5 * 60,
  // The next periodic self-check, every 10 minutes.
  'drug library bit flip': 11 * 60,
  'self-check ROM failure': 11 * 60,
});

/** How long after onset a case watches for the alarm. */
export const OBSERVATION_MS = 3 * MS_PER_HOUR;

export interface DetectionCase {
  readonly fault: string;
  readonly rateUlPerHour: number;
  readonly complianceUlPerMmHg: number;
  readonly seed: number;
  readonly onsetHours: number;
  /** A name of `DETECTION_PHYSIOLOGIES`; absent: kind. */
  readonly physiology?: string;
  /** A built-in profile; absent: port-ambulatory. */
  readonly device?: string;
}

export interface DetectionResult extends DetectionCase {
  readonly detectedBy: AlarmCode | null;
  readonly latencySeconds: number | null;
  readonly expected: readonly AlarmCode[];
  readonly maxUnintendedBolusUl: number;
  readonly otherAlarms: readonly AlarmCode[];
  /** Present when the run's patent pulse is below the pulse-present threshold (`patentPulseBandMmHg`). */
  readonly pulseBlind?: true;
}

/** A prescription over 1 day whose rate is `rateUlPerHour` (fill from the device's own arithmetic). */
export function scenarioForRate(rateUlPerHour: number, seed: number, faults: readonly FaultSpec[], name: string, infusionDays = 1, physiology = DEFAULT_PHYSIOLOGY, device = DEFAULT_DEVICE): Scenario {
  const c = deviceProfile(device).firmwareConfig;
  const phys = physiologyFields(physiology, seed);
  const infusionUl = rateUlPerHour * 24 * infusionDays;
  const exactUl = c.reservoirResidualUl + c.primingVolumeUl + infusionUl / (1 - c.reservoirReserveFraction);
  // Whole microlitres, rounded towards the inside of the pump's rate range.
  const fillMl = (rateUlPerHour >= c.rateRangeUlPerHour.max ? Math.floor(exactUl) : Math.ceil(exactUl) + 1) / 1000;
  return parseScenario({
    name,
    seed,
    patient: { weightKg: 70, heightCm: 170, ...phys.patient },
    ...(phys.world.physiology === 'kind' ? {} : { world: phys.world }),
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays, doseFactor: 1, reservoirVolumeMl: fillMl, confirmSoftLimits: true },
    ...(device === DEFAULT_DEVICE ? {} : { device: { profile: device } }),
    faults,
  });
}

/** Built-in profile `name` (port-ambulatory: the shared PORT_AMBULATORY). */
export function deviceProfile(name: string): DeviceProfile {
  if (name === DEFAULT_DEVICE) return PORT_AMBULATORY;
  const p = BUILT_IN_DEVICES[name];
  if (p === undefined) throw new Error(`unknown device profile ${name} (built in: ${BUILT_IN_PROFILE_NAMES.join(', ')})`);
  return profileFromParameters(p);
}

export function profileWithCompliance(complianceUlPerMmHg: number, device = DEFAULT_DEVICE): DeviceProfile {
  const base = deviceProfile(device);
  return { ...base, path: { ...base.path, lineComplianceUlPerMmHg: complianceUlPerMmHg } };
}

/**
 * The cardiac-band amplitude a patent catheter gives the pump, mmHg: the pulse PP/2 through the
 * catheter's low-pass 1/√(1 + (ωτ)²), τ = R·C (sim/world/plant/hydraulics.ts), times the
 * front-end's band gain at the heart rate (`cardiacBandGain`, hal/sensors.ts). Below the
 * firmware's pulse-present threshold the pump cannot tell a patent catheter from a blocked one by
 * its pulse: the pulse checks are blind (docs/faults-and-detection.md, "Physiology and device").
 */
export function patentPulseBandMmHg(resistanceMmHgSecondPerUl: number, complianceUlPerMmHg: number, heartRateBpm: number, pulsePressureMmHg: number): number {
  const wt = ((2 * Math.PI * heartRateBpm) / 60) * resistanceMmHgSecondPerUl * complianceUlPerMmHg;
  return (pulsePressureMmHg / 2 / Math.sqrt(1 + wt * wt)) * cardiacBandGain(heartRateBpm / 60);
}

/** The pulse-present threshold the firmware derives for `profile`'s pressure front-end, mmHg. */
export function pulsePresentThresholdMmHg(profile: DeviceProfile): number {
  return detectorConfig(profile.firmwareConfig).pressure.pulsePresentMmHg;
}

/** The patent pulse is below `profile`'s pulse-present threshold. */
export function pulseBlind(bandMmHg: number, profile: DeviceProfile): boolean {
  return bandMmHg < pulsePresentThresholdMmHg(profile);
}

/** Runs one grid case. Pure in its argument. */
export function runDetectionCase(c: DetectionCase): DetectionResult {
  const template = GRID_FAULTS[c.fault];
  if (template === undefined) throw new Error(`unknown grid fault ${c.fault}`);
  const fault = { ...template, atHours: c.onsetHours } as FaultSpec;
  const scenario = scenarioForRate(c.rateUlPerHour, c.seed, [fault], `detection ${c.fault}`, 1, c.physiology, c.device);
  const profile = profileWithCompliance(c.complianceUlPerMmHg, c.device);
  const sim = new Simulation({ scenario, profile, maxSimulatedMs: Math.round(c.onsetHours * MS_PER_HOUR) + OBSERVATION_MS });
  const summary = sim.runToEnd();
  const outcome = summary.faults[0];
  if (outcome === undefined) throw new Error('fault outcome missing');
  const onsetS = c.onsetHours * 3600;
  return {
    ...c,
    detectedBy: outcome.detectedBy,
    latencySeconds: outcome.latencySeconds,
    expected: outcome.expected,
    maxUnintendedBolusUl: summary.delivered.maxUnintendedBolusUl,
    otherAlarms: summary.alarms.filter((a) => a.atSeconds < onsetS).map((a) => a.code),
    // Only when blind, so a result of the kind world's grid (never blind) is what it is without the check.
    ...(pulseBlind(patentPulseBandMmHg(profile.path.resistanceMmHgSecondPerUl, c.complianceUlPerMmHg, sim.plant.artery.heartRateBpm, sim.plant.artery.pulsePressureMmHg), profile) ? { pulseBlind: true as const } : {}),
  };
}

export interface NominalCase {
  readonly seed: number;
}

export interface NominalResult {
  readonly seed: number;
  readonly alarms: readonly AlarmCode[];
  readonly episodes: number;
  readonly fudrPercent: number | null;
}

/**
 * Random arterial-pressure episodes over 14 days, up to two a day, never overlapping: exercise
 * (mean 120–145 mmHg), hypertension (110–140) and hypotension (50–65), 15–120 min, 1–10 min ramps.
 */
export function nominalEpisodes(seed: number): FaultSpec[] {
  const r = new SeededRandom(seed, streamId('episodes'));
  const episodes: FaultSpec[] = [];
  for (let day = 0; day < 14; day++) {
    const count = Math.floor(r.uniform(0, 3));
    for (let i = 0; i < count; i++) {
      const kind = r.next();
      const meanMmHg = kind < 0.5 ? r.uniform(120, 145) : kind < 0.8 ? r.uniform(110, 140) : r.uniform(50, 65);
      // Each episode has its own half of the day, so they never overlap.
      episodes.push({
        kind: 'arterialPressure',
        atHours: day * 24 + i * 12 + r.uniform(1, 8),
        durationMinutes: r.uniform(15, 120),
        meanMmHg,
        rampMinutes: r.uniform(1, 10),
      });
    }
  }
  return episodes;
}

/** One nominal 14-day cycle with pressure episodes; any alarm is a false alarm. */
export function runNominalCase(c: NominalCase): NominalResult {
  const episodes = nominalEpisodes(c.seed);
  const scenario = parseScenario({
    name: 'nominal with episodes',
    seed: c.seed,
    patient: { weightKg: 70, heightCm: 170 },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
    faults: episodes,
  });
  const summary = new Simulation({ scenario }).runToEnd();
  return { seed: c.seed, alarms: summary.alarms.map((a) => a.code), episodes: episodes.length, fudrPercent: summary.delivered.fudrPercentOfPrescription };
}

/** One unit of work for a worker: a grid case or a nominal cycle. */
export type DetectionTask = { readonly type: 'fault'; readonly c: DetectionCase } | { readonly type: 'nominal'; readonly c: NominalCase };

/** Runs one task, in whichever thread; the result depends on the task only. */
export function runDetectionTask(task: DetectionTask): DetectionResult | NominalResult {
  return task.type === 'fault' ? runDetectionCase(task.c) : runNominalCase(task.c);
}

export interface GridOptions {
  readonly seedsPerCell: number;
  readonly faults?: readonly string[];
  readonly rates?: readonly (keyof typeof GRID_RATES_UL_PER_HOUR)[];
  readonly compliances?: readonly number[];
  readonly baseSeed?: number;
  /** Names of `DETECTION_PHYSIOLOGIES` (default: kind alone). */
  readonly physiologies?: readonly string[];
  /** Built-in profiles (default: port-ambulatory alone). */
  readonly devices?: readonly string[];
}

/** The grid's cases; onset drawn per case in 2–8 h into a 24 h infusion. */
export function detectionCases(o: GridOptions): DetectionCase[] {
  const cases: DetectionCase[] = [];
  const allRates = Object.keys(GRID_RATES_UL_PER_HOUR) as (keyof typeof GRID_RATES_UL_PER_HOUR)[];
  const compliances = o.compliances ?? GRID_COMPLIANCES_UL_PER_MMHG;
  const base = o.baseSeed ?? 1000;
  const physiologies = o.physiologies ?? [DEFAULT_PHYSIOLOGY];
  const devices = o.devices ?? [DEFAULT_DEVICE];
  // Without axes, the whole grid; with them, every pair runs the physiology faults at the default rate.
  const whole = physiologies.length === 1 && physiologies[0] === DEFAULT_PHYSIOLOGY && devices.length === 1 && devices[0] === DEFAULT_DEVICE;
  const faults = o.faults ?? (whole ? Object.keys(GRID_FAULTS) : PHYSIOLOGY_FAULTS);
  const rates = o.rates ?? (whole ? allRates : (['default'] as const));
  for (const device of devices) {
    for (const physiology of physiologies) {
      // The axes' cases carry their names; the default pair's do not, so its cases and draws are the grid's own.
      const axes = { ...(physiology === DEFAULT_PHYSIOLOGY ? {} : { physiology }), ...(device === DEFAULT_DEVICE ? {} : { device }) };
      const stream = physiology === DEFAULT_PHYSIOLOGY && device === DEFAULT_DEVICE ? '' : `/${physiology}/${device}`;
      for (const fault of faults) {
        for (const rate of rates) {
          for (const complianceUlPerMmHg of compliances) {
            for (let i = 0; i < o.seedsPerCell; i++) {
              const seed = base + i;
              const r = new SeededRandom(seed, streamId(`${fault}/${rate}/${complianceUlPerMmHg}${stream}`));
              cases.push({ fault, rateUlPerHour: GRID_RATES_UL_PER_HOUR[rate], complianceUlPerMmHg, seed, onsetHours: Math.round(r.uniform(2, 8) * 3600) / 3600, ...axes });
            }
          }
        }
      }
    }
  }
  return cases;
}

export interface CellSummary {
  readonly fault: string;
  readonly physiology: string;
  readonly device: string;
  readonly rateUlPerHour: number;
  readonly complianceUlPerMmHg: number;
  readonly runs: number;
  readonly expected: readonly AlarmCode[];
  readonly detected: number;
  /** Runs with no alarm of the expected codes (for faults with none expected: runs with any alarm). */
  readonly missed: number;
  readonly medianLatencySeconds: number | null;
  readonly worstLatencySeconds: number | null;
  readonly maxUnintendedBolusUl: number;
  readonly boundSeconds: number | null;
  /** Runs that raised an alarm before the fault's onset (a false alarm: the fault then meets a stopped pump), and its codes. */
  readonly alarmedBeforeOnset: number;
  readonly alarmsBeforeOnset: readonly AlarmCode[];
  /** Runs whose patent pulse the pump cannot see (`pulseBlind`). */
  readonly pulseBlindRuns: number;
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function summarizeCells(results: readonly DetectionResult[]): CellSummary[] {
  const cells = new Map<string, DetectionResult[]>();
  for (const r of results) {
    const key = `${r.fault}|${r.rateUlPerHour}|${r.complianceUlPerMmHg}|${r.physiology ?? DEFAULT_PHYSIOLOGY}|${r.device ?? DEFAULT_DEVICE}`;
    const list = cells.get(key) ?? [];
    list.push(r);
    cells.set(key, list);
  }
  return [...cells.values()].map((rs) => {
    const first = rs[0] as DetectionResult;
    const expected = first.expected;
    const hits = rs.filter((r) => r.detectedBy !== null && (expected.length === 0 || expected.includes(r.detectedBy)));
    const latencies = hits.map((r) => r.latencySeconds as number);
    return {
      fault: first.fault,
      physiology: first.physiology ?? DEFAULT_PHYSIOLOGY,
      device: first.device ?? DEFAULT_DEVICE,
      rateUlPerHour: first.rateUlPerHour,
      complianceUlPerMmHg: first.complianceUlPerMmHg,
      runs: rs.length,
      expected,
      detected: expected.length === 0 ? 0 : hits.length,
      missed: expected.length === 0 ? rs.filter((r) => r.detectedBy !== null).length : rs.length - hits.length,
      medianLatencySeconds: median(latencies),
      worstLatencySeconds: latencies.length === 0 ? null : Math.max(...latencies),
      maxUnintendedBolusUl: Math.max(...rs.map((r) => r.maxUnintendedBolusUl)),
      boundSeconds: DETECTION_BOUNDS_S[first.fault] ?? null,
      alarmedBeforeOnset: rs.filter((r) => r.otherAlarms.length > 0).length,
      alarmsBeforeOnset: [...new Set(rs.flatMap((r) => r.otherAlarms))].sort(),
      pulseBlindRuns: rs.filter((r) => r.pulseBlind === true).length,
    };
  });
}

export interface DetectionReport {
  readonly cells: readonly CellSummary[];
  readonly nominal: { readonly cycles: number; readonly cyclesWithFalseAlarms: number; readonly falseAlarms: readonly { seed: number; alarms: readonly AlarmCode[] }[]; readonly episodes: number };
  readonly settings: { readonly seedsPerCell: number; readonly nominalCycles: number; readonly observationHours: number; readonly physiologies: readonly string[]; readonly devices: readonly string[] };
}

export function buildReport(results: readonly DetectionResult[], nominal: readonly NominalResult[], seedsPerCell: number, axes: DetectionAxes = {}): DetectionReport {
  const falseAlarms = nominal.filter((n) => n.alarms.length > 0).map((n) => ({ seed: n.seed, alarms: n.alarms }));
  return {
    cells: summarizeCells(results),
    nominal: { cycles: nominal.length, cyclesWithFalseAlarms: falseAlarms.length, falseAlarms, episodes: nominal.reduce((a, n) => a + n.episodes, 0) },
    settings: { seedsPerCell, nominalCycles: nominal.length, observationHours: OBSERVATION_MS / MS_PER_HOUR, physiologies: axes.physiologies ?? [DEFAULT_PHYSIOLOGY], devices: axes.devices ?? [DEFAULT_DEVICE] },
  };
}

/** First seed of the nominal false-alarm cycles (cycle i has seed NOMINAL_BASE_SEED + i). */
export const NOMINAL_BASE_SEED = 50_000;
/** Simulated length of a nominal cycle, for its expected cost: the 14-day infusion. */
const NOMINAL_SIMULATED_S = 14 * 86_400;

/** The physiology and device axes of a campaign (absent: kind, port-ambulatory). */
export interface DetectionAxes {
  readonly physiologies?: readonly string[];
  readonly devices?: readonly string[];
}

/** The campaign's runs in index order: every grid case, then the nominal cycles. */
export function detectionTasks(seedsPerCell: number, nominalCycles: number, axes: DetectionAxes = {}): DetectionTask[] {
  return [
    ...detectionCases({ seedsPerCell, ...axes }).map((c) => ({ type: 'fault' as const, c })),
    ...Array.from({ length: nominalCycles }, (_, i) => ({ type: 'nominal' as const, c: { seed: NOMINAL_BASE_SEED + i } })),
  ];
}

/** A run's expected cost, for splitting the campaign into shards: its simulated seconds. */
export function detectionTaskCost(task: DetectionTask): number {
  return task.type === 'fault' ? Math.round(task.c.onsetHours * 3600 + OBSERVATION_MS / 1000) : NOMINAL_SIMULATED_S;
}

/** The report from every run's result, in run-index order (`detectionTasks`). */
export function detectionReportOf(seedsPerCell: number, tasks: readonly DetectionTask[], results: readonly (DetectionResult | NominalResult)[], axes: DetectionAxes = {}): DetectionReport {
  const faults = results.filter((_, k) => tasks[k]?.type === 'fault') as DetectionResult[];
  const nominal = results.filter((_, k) => tasks[k]?.type === 'nominal') as NominalResult[];
  return buildReport(faults, nominal, seedsPerCell, axes);
}
