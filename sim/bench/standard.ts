/**
 * The whole virtual bench for one device: the disclosures an instructions-for-use prints.
 *
 * Owns: which runs the bench makes (one balance run per rate serving both methods, the
 * back-pressure runs, the occlusion runs over seeds), the readings each method keeps, and the
 * result's shape (`BenchResult`, what `pumpsim standard --json` prints per device).
 * Promises: the figures of every accuracy entry are computed from exactly the readings it keeps
 * (`readings`, which `--balance-csv` writes); same device, seed and parameters, same result.
 * Back-pressure and temperature: the stroke's characteristic (docs/devices.md) moves the plant's
 * stroke volume with both, and the firmware's stroke credit follows them; each back-pressure and
 * temperature row is its own run, the stroke method's analysis hour at the intermediate rate.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import type { DeviceProfile } from '../world/profile.ts';
import type { BalanceParameters } from './balance.ts';
import { DEFAULT_BALANCE } from './balance.ts';
import type { BenchMethod, BenchRate } from './methods.ts';
import { AMBULATORY_METHOD, BENCH_RATES, STROKE_METHOD, ambulatoryPeriods } from './methods.ts';
import type { BalanceReading, TrumpetPoint } from './trumpet.ts';
import { accuracyFigures, flowErrorsPercent } from './trumpet.ts';
import { SeededRandom, streamId } from '../world/rng.ts';
import { benchProgramme, runOcclusion, runWithBalance } from './benchRun.ts';

/** Long enough for the ambulatory method's 24 h stabilisation and 25 h analysis, with an hour to spare. */
const ACCURACY_INFUSION_HOURS = 50;
/** Mean pressures held at the outlet for the back-pressure table, mmHg. */
export const BACK_PRESSURES_MMHG: readonly number[] = Object.freeze([-100, 0, 100, 200, 300]);
/** Temperatures of the table: ambulatory pumps work at 20–30 °C near the skin (32 °C worn under clothing), implanted ones at 37 °C, 39 °C in a fever. */
const EXTERNAL_TEMPERATURES_C = Object.freeze([20, 25, 30]);
const IMPLANTED_TEMPERATURES_C = Object.freeze([37, 39]);

export interface BenchOptions {
  readonly seed: number;
  /** Seeds of the occlusion procedure: seed, seed + 1, … */
  readonly occlusionSeeds: number;
  readonly balance: BalanceParameters;
  /** The outlet is closed this long after the start (stabilised), min. */
  readonly occlusionCloseAfterMin: number;
  /** How long the bench waits for the alarm, min. */
  readonly occlusionObserveMin: number;
  /** How long the bolus is collected after the release, s. */
  readonly bolusCollectS: number;
  /** Which methods and rates to run (default: all). */
  readonly methods?: readonly BenchMethod[];
  readonly rates?: readonly BenchRate[];
  /** Leave out the occlusion, back-pressure and temperature tables (accuracy only). */
  readonly accuracyOnly?: boolean;
  /** Shortens the ambulatory method (tests): infusion hours instead of 50. */
  readonly ambulatoryInfusionHours?: number;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = Object.freeze({
  seed: 7,
  occlusionSeeds: 5,
  balance: DEFAULT_BALANCE,
  occlusionCloseAfterMin: 60,
  occlusionObserveMin: 24 * 60,
  bolusCollectS: 60,
});

export interface AccuracyEntry {
  readonly profile: string;
  readonly rate: BenchRate;
  readonly method: BenchMethod;
  readonly rateUlPerHour: number;
  readonly sampleIntervalMin: number;
  readonly analysisStartMin: number;
  readonly analysisEndMin: number;
  readonly meanErrorPercent: number;
  readonly trumpet: readonly TrumpetPoint[];
  /** Qi over the start-up period (stroke method: the first 2 h), µL/h at the end of each sample. */
  readonly startup: readonly { readonly timeMin: number; readonly flowUlPerHour: number }[];
  /** Alarms raised during the readings (a bench run that alarms is not a valid accuracy test). */
  readonly alarms: readonly AlarmCode[];
  /** The balance readings the figures come from (t = 0 at the start of the infusion). */
  readonly readings: readonly BalanceReading[];
}

export interface OcclusionEntry {
  readonly profile: string;
  readonly rate: BenchRate;
  readonly rateUlPerHour: number;
  /** The detector has no fixed threshold (pulse loss and pressure rise, docs/faults-and-detection.md): null. */
  readonly thresholdMmHg: number | null;
  readonly seeds: readonly number[];
  /** Median over the seeds that alarmed, s (null when none did). */
  readonly timeToAlarmS: number | null;
  /** Longest over the seeds; null when a seed did not alarm within the observation. */
  readonly worstTimeToAlarmS: number | null;
  /** Largest bolus collected after the release over the seeds, µL. */
  readonly bolusUl: number | null;
  readonly medianBolusUl: number | null;
  readonly alarms: readonly (AlarmCode | null)[];
  readonly detected: number;
}

export interface BackPressureEntry {
  readonly profile: string;
  readonly rate: BenchRate;
  readonly method: BenchMethod;
  readonly rateUlPerHour: number;
  readonly backPressureMmHg: number;
  readonly meanErrorPercent: number;
  readonly alarms: readonly AlarmCode[];
}

export interface TemperatureEntry {
  readonly profile: string;
  readonly rate: BenchRate;
  readonly method: BenchMethod;
  readonly temperatureC: number;
  readonly meanErrorPercent: number;
  /** Always true: the plant's stroke follows the temperature (the device's characteristic) and every row is its own run. */
  readonly modelled: boolean;
}

export interface BenchResult {
  readonly accuracy: readonly AccuracyEntry[];
  readonly occlusion: readonly OcclusionEntry[];
  readonly backPressure: readonly BackPressureEntry[];
  readonly temperature: readonly TemperatureEntry[];
}

const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function every(readings: readonly BalanceReading[], intervalMin: number, untilMin: number): BalanceReading[] {
  const stepS = intervalMin * 60;
  return readings.filter((r) => r.timeS <= untilMin * 60 + 1e-6 && Math.abs(r.timeS / stepS - Math.round(r.timeS / stepS)) < 1e-9);
}

function strokeEntry(profile: string, rate: BenchRate, rateUlPerHour: number, all: readonly BalanceReading[], alarms: readonly { code: AlarmCode; atS: number }[]): AccuracyEntry {
  const m = STROKE_METHOD;
  const readings = every(all, m.sampleIntervalMin, m.startupEndMin);
  const sS = m.sampleIntervalMin * 60;
  const analysis = flowErrorsPercent(readings, sS, rateUlPerHour, m.analysisStartMin * 60, m.analysisEndMin * 60);
  const figures = accuracyFigures(analysis, m.sampleIntervalMin, m.windowsMin);
  const startup = readings.slice(1).map((r, i) => ({ timeMin: r.timeS / 60, flowUlPerHour: ((r.volumeUl - (readings[i] as BalanceReading).volumeUl) * 3600) / sS }));
  return {
    profile, rate, method: 'stroke', rateUlPerHour, sampleIntervalMin: m.sampleIntervalMin, analysisStartMin: m.analysisStartMin, analysisEndMin: m.analysisEndMin,
    ...figures, startup, alarms: alarms.filter((a) => a.atS <= m.startupEndMin * 60).map((a) => a.code), readings,
  };
}

function ambulatoryEntry(profile: string, rate: BenchRate, rateUlPerHour: number, infusionMin: number, all: readonly BalanceReading[], alarms: readonly { code: AlarmCode; atS: number }[]): AccuracyEntry {
  const m = AMBULATORY_METHOD;
  const lastMin = (all.at(-1) as BalanceReading).timeS / 60;
  const { analysisStartMin, analysisEndMin } = ambulatoryPeriods(Math.min(infusionMin, lastMin));
  const readings = every(all, m.sampleIntervalMin, analysisEndMin);
  const errors = flowErrorsPercent(readings, m.sampleIntervalMin * 60, rateUlPerHour, analysisStartMin * 60, analysisEndMin * 60);
  const figures = accuracyFigures(errors, m.sampleIntervalMin, m.windowsMin);
  return {
    profile, rate, method: 'ambulatory', rateUlPerHour, sampleIntervalMin: m.sampleIntervalMin, analysisStartMin, analysisEndMin,
    ...figures, startup: [], alarms: alarms.filter((a) => a.atS <= analysisEndMin * 60).map((a) => a.code), readings,
  };
}

/** Runs the bench on one device. */
export function runBench(profile: DeviceProfile, options: Partial<BenchOptions> = {}): BenchResult {
  const o: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, ...options };
  const methods = o.methods ?? ['stroke', 'ambulatory'];
  const rates = o.rates ?? BENCH_RATES;
  const infusionHours = methods.includes('ambulatory') ? (o.ambulatoryInfusionHours ?? ACCURACY_INFUSION_HOURS) : STROKE_METHOD.startupEndMin / 60 + 1;
  const accuracy: AccuracyEntry[] = [];
  for (const rate of rates) {
    const programme = benchProgramme(profile, rate, o.seed, infusionHours);
    const run = runWithBalance({ profile, programme, everyMin: STROKE_METHOD.sampleIntervalMin, spanMin: (infusionHours - 1) * 60, balance: o.balance });
    if (methods.includes('stroke')) accuracy.push(strokeEntry(profile.name, rate, run.rateUlPerHour, run.readings, run.alarms));
    if (methods.includes('ambulatory')) accuracy.push(ambulatoryEntry(profile.name, rate, run.rateUlPerHour, run.infusionMin, run.readings, run.alarms));
  }
  if (o.accuracyOnly === true) return { accuracy, occlusion: [], backPressure: [], temperature: [] };

  const occlusion: OcclusionEntry[] = [];
  for (const rate of ['minimum', 'intermediate'] as const) {
    const seeds = Array.from({ length: o.occlusionSeeds }, (_, i) => o.seed + i);
    const runs = seeds.map((seed) => {
      const programme = benchProgramme(profile, rate, seed, (o.occlusionCloseAfterMin + o.occlusionObserveMin) / 60 + 2);
      // Each seed closes the outlet at its own phase of the drive's stroke period.
      const strokePhase = new SeededRandom(seed, streamId('bench-occlusion')).next();
      return runOcclusion({ profile, programme, closeAfterMin: o.occlusionCloseAfterMin, strokePhase, observeMin: o.occlusionObserveMin, collectS: o.bolusCollectS, balance: o.balance });
    });
    const times = runs.flatMap((r) => (r.timeToAlarmS === null ? [] : [r.timeToAlarmS]));
    const boluses = runs.flatMap((r) => (r.bolusUl === null ? [] : [r.bolusUl]));
    occlusion.push({
      profile: profile.name, rate, rateUlPerHour: (runs[0] as { rateUlPerHour: number }).rateUlPerHour, thresholdMmHg: null, seeds,
      timeToAlarmS: median(times),
      worstTimeToAlarmS: times.length === runs.length && times.length > 0 ? Math.max(...times) : null,
      bolusUl: boluses.length === 0 ? null : Math.max(...boluses),
      medianBolusUl: median(boluses),
      alarms: runs.map((r) => r.alarm),
      detected: times.length,
    });
  }

  // Back-pressure: the stroke method's analysis hour at the intermediate rate, the outlet held at each mean pressure.
  const backPressure: BackPressureEntry[] = BACK_PRESSURES_MMHG.map((backPressureMmHg) => {
    const programme = benchProgramme(profile, 'intermediate', o.seed, STROKE_METHOD.startupEndMin / 60 + 1);
    const run = runWithBalance({ profile, programme, everyMin: STROKE_METHOD.sampleIntervalMin, spanMin: STROKE_METHOD.startupEndMin, balance: o.balance, backPressureMmHg });
    const entry = strokeEntry(profile.name, 'intermediate', run.rateUlPerHour, run.readings, run.alarms);
    return { profile: profile.name, rate: 'intermediate', method: 'stroke', rateUlPerHour: run.rateUlPerHour, backPressureMmHg, meanErrorPercent: entry.meanErrorPercent, alarms: entry.alarms };
  });

  // Temperature: the same hour with the device held at each temperature from the start of the infusion.
  const temperaturesC = profile.placement === 'implanted' ? IMPLANTED_TEMPERATURES_C : EXTERNAL_TEMPERATURES_C;
  const temperature: TemperatureEntry[] = temperaturesC.map((temperatureC) => {
    const programme = benchProgramme(profile, 'intermediate', o.seed, STROKE_METHOD.startupEndMin / 60 + 1);
    const run = runWithBalance({ profile, programme, everyMin: STROKE_METHOD.sampleIntervalMin, spanMin: STROKE_METHOD.startupEndMin, balance: o.balance, deviceCelsius: temperatureC });
    const entry = strokeEntry(profile.name, 'intermediate', run.rateUlPerHour, run.readings, run.alarms);
    return { profile: profile.name, rate: 'intermediate', method: 'stroke', temperatureC, meanErrorPercent: entry.meanErrorPercent, modelled: true };
  });
  return { accuracy, occlusion, backPressure, temperature };
}
