/**
 * Sensor health: whether each reading can be trusted, the pressure signal's own checks (stuck,
 * noisy, impossible), the flow sensor's stuck check, and the battery.
 *
 * Owns: the plausibility of a reading (judged once per period, by `plausiblePressure` and
 * `plausibleFlow`, and passed on to the other detectors), `PressureTrack`, `FlowTrack` and
 * `HealthDetector`, and when they are at rest.
 * Promises: pure; a group that does not change is handed back as the same object.
 * - Pressure silent, out of range, stuck, noisy or impossible → SENSOR_FAULT, drive stops: without
 *   it neither occlusion nor displacement can be seen.
 * - Flow sensor silent, out of range, stuck or reading reverse flow → SENSOR_DEGRADED, therapy
 *   continues: delivery is still verified stroke by stroke by the drive encoder.
 * - Reservoir gauge silent or invalid → SENSOR_DEGRADED, therapy continues on the ledger's volume.
 * - Air-in-line detector: a bubble at or above `airBubbleLimitUl` while infusing → AIR_IN_LINE,
 *   drive stops (the prime purges the set's air, so air is not judged then); silent or invalid →
 *   SENSOR_DEGRADED, therapy continues.
 * - Temperature above `maxOperatingCelsius` → OVER_TEMPERATURE, drive stops; sensor silent or
 *   invalid → SENSOR_DEGRADED, therapy continues.
 * - Flow while the pump delivers nothing (`freeFlowReads` reads in a row above
 *   `freeFlowReadUlPerHour`, the flow sensor not otherwise faulty) → FREE_FLOW, drive held.
 * - Battery monitor silent or invalid → BATTERY_MONITOR_FAULT, therapy continues; the last valid
 *   charge is kept, never an invalid one (which would switch BATTERY_LOW and BATTERY_DEPLETED off).
 * Invalid readings (NaN, infinite, impossible, a timestamp going backwards) arrive here as
 * failed reads: firmware/readingChecks.ts turns them into `HalError`s before any detector.
 */
import type { DetectorConfig, DetectorReadings } from '../readings.ts';
import type { FlowReading, HalResult, PressureReading } from '../../hal/index.ts';
import * as thresholds from './thresholds.ts';

/** The shared threshold table, bound once as this module's own constant (docs/performance.md). */
const { THRESHOLDS } = thresholds;

/**
 * Period-to-period tracking of the pressure signal itself (stuck, noisy, impossible). The last two
 * readings are kept by the control state (`lastPressure`, `previousPressure`); this group holds
 * only the counters, which are constant on a healthy signal (so it is not rebuilt every period).
 */
export interface PressureTrack {
  readonly identicalCount: number;
  readonly reversalScore: number;
  readonly lowWithPulseMs: number;
  /** The signal is not to be trusted this period. */
  readonly suspect: boolean;
}

/**
 * Tracker of the flow sensor's successive readings, for the stuck check: it moves with every flow
 * read, so it is kept out of `health`, which alarm conditions read (a tracker that changes every
 * read would make the alarm table re-evaluate every read for nothing).
 */
export interface FlowTrack {
  /** Consecutive flow reads identical to the one before. */
  readonly identicalCount: number;
  readonly lastUlPerHour: number;
}

export interface HealthDetector {
  /** How long the pressure sensor has been silent, out of range or implausible (fail-safe: stop). */
  readonly sensorFaultMs: number;
  /** The last flow read was missing, out of range, stuck or implausible (fail-safe: continue). */
  readonly flowFaulty: boolean;
  /** The last reservoir gauge read failed (fail-safe: continue on the ledger). */
  readonly gaugeFaulty: boolean;
  /** The last battery read failed or was invalid: the charge is unknown (fail-safe: continue, alarm). */
  readonly batteryMonitorFaulty: boolean;
  /** The last valid battery reading (an invalid one leaves it as it was). */
  readonly batteryPercent: number;
  readonly repeatedRestartLockout: boolean;
  /** The NV store is damaged or cannot be written: what was delivered cannot be kept (fail-safe: stop). */
  readonly storageFault: boolean;
  /** The command link is locked after repeated refused frames (firmware/link/link.ts): signal only. */
  readonly linkLocked: boolean;
  /**
   * The power-on self-test or a periodic self-check failed (ROM or RAM, clock, annunciator,
   * battery at boot): the firmware cannot trust itself; it holds for the rest of the power-on.
   */
  readonly selfCheckFailed: boolean;
  /** The last air read while infusing saw a bubble at or above the limit (fail-safe: stop). */
  readonly airInLine: boolean;
  /** The last air read failed or was invalid: air cannot be seen (fail-safe: continue, alarm). */
  readonly airSensorFaulty: boolean;
  /** The last temperature read is above the device's operating limit (fail-safe: stop). */
  readonly overTemperature: boolean;
  /** The last temperature read failed or was invalid (fail-safe: continue, alarm). */
  readonly temperatureFaulty: boolean;
  /**
   * Flow reads in a row, while the pump delivers nothing, showing flow above `freeFlowReadUlPerHour`
   * from a sensor not otherwise faulty: flow the pump does not drive (a siphon, a failed valve).
   */
  readonly idleFlowReads: number;
  /**
   * This power-on followed a watchdog reset (the control task stopped kicking): it holds until
   * acknowledged, so WATCHDOG is seen and cleared by a person.
   */
  readonly watchdogReset: boolean;
  /** Input is pending: the infusion has been paused for `PAUSE_REMINDER_MS` (set by the runtime, cleared on leaving the pause). */
  readonly pausedTooLong: boolean;
  /** Input is pending: the set has been primed for `PRIMED_REMINDER_MS` without a start. */
  readonly primedNotStarted: boolean;
  /** The drug library image failed its check (at boot or a periodic self-check): it holds for the power-on. */
  readonly libraryInvalid: boolean;
}

export const PRESSURE_TRACK_START: PressureTrack = { identicalCount: 0, reversalScore: 0, lowWithPulseMs: 0, suspect: false };

/** The window, if the sensor answered and its mean is inside the sensor's range; null otherwise. */
export function plausiblePressure(p: HalResult<PressureReading>, cfg: DetectorConfig): PressureReading | null {
  return p.ok && p.meanMmHg >= cfg.pressureRangeMmHg.min && p.meanMmHg <= cfg.pressureRangeMmHg.max ? p : null;
}

/** The flow reading, if the sensor answered and its mean is inside the sensor's range; null otherwise. */
export function plausibleFlow(f: HalResult<FlowReading>, cfg: DetectorConfig): FlowReading | null {
  return f.ok && f.meanFlowUlPerHour >= cfg.flowRangeUlPerHour.min && f.meanFlowUlPerHour <= cfg.flowRangeUlPerHour.max ? f : null;
}

/**
 * How far the window mean may move from `last` to `p` before it counts as a jump: the noise limit
 * plus the swing the pulse itself gives (thresholds.ts), from the larger band amplitude of the two.
 */
export function pressureJumpLimitMmHg(cfg: DetectorConfig, p: PressureReading, last: PressureReading): number {
  const band = p.cardiacAmplitudeMmHg > last.cardiacAmplitudeMmHg ? p.cardiacAmplitudeMmHg : last.cardiacAmplitudeMmHg;
  const pulse = band * THRESHOLDS.pressureJumpPerBandMmHg;
  return cfg.pressure.pressureJumpMmHg + (pulse < THRESHOLDS.pressureJumpPulseCapMmHg ? pulse : THRESHOLDS.pressureJumpPulseCapMmHg);
}

/** Tracks the pressure signal from period to period: stuck, noisy, or a pulse that cannot be. */
export function updatePressureTrack(
  t: PressureTrack,
  cfg: DetectorConfig,
  connected: boolean,
  p: HalResult<PressureReading>,
  last: PressureReading | null,
  previous: PressureReading | null,
): PressureTrack {
  if (!p.ok) return t.suspect ? t : { identicalCount: t.identicalCount, reversalScore: t.reversalScore, lowWithPulseMs: t.lowWithPulseMs, suspect: true };
  const identical =
    last !== null && p.meanMmHg === last.meanMmHg && p.cardiacAmplitudeMmHg === last.cardiacAmplitudeMmHg && p.minMmHg === last.minMmHg && p.maxMmHg === last.maxMmHg;
  const identicalCount = identical ? t.identicalCount + 1 : 0;
  const delta = last === null ? 0 : p.meanMmHg - last.meanMmHg;
  const lastDelta = last === null || previous === null ? 0 : last.meanMmHg - previous.meanMmHg;
  const jump = last === null ? cfg.pressure.pressureJumpMmHg : pressureJumpLimitMmHg(cfg, p, last);
  const reversal = Math.abs(delta) > jump && Math.abs(lastDelta) > jump && delta * lastDelta < 0;
  const decayed = t.reversalScore * 0.95 + (reversal ? 1 : 0);
  const reversalScore = decayed < 1e-3 ? 0 : decayed;
  const pulseWithLowMean = connected && p.cardiacAmplitudeMmHg >= cfg.pressure.pulsePresentMmHg && p.meanMmHg < THRESHOLDS.pulseWithMeanBelowMmHg;
  const lowWithPulseMs = pulseWithLowMean ? t.lowWithPulseMs + cfg.periodMs : 0;
  const suspect =
    identicalCount >= THRESHOLDS.pressureStuckWindows ||
    reversalScore >= THRESHOLDS.pressureReversalScore ||
    lowWithPulseMs >= THRESHOLDS.pulseWithLowMeanConfirmMs;
  if (identicalCount === t.identicalCount && reversalScore === t.reversalScore && lowWithPulseMs === t.lowWithPulseMs && suspect === t.suspect) return t;
  return { identicalCount, reversalScore, lowWithPulseMs, suspect };
}

/**
 * The pressure track at rest and staying there for the plausible window `p`: the window differs
 * from the last (not stuck), the mean moved by no more than a jump (no reversal), and no pulse
 * rides on a low mean — so `updatePressureTrack` hands back `t`.
 */
export function pressureTrackAtRest(t: PressureTrack, cfg: DetectorConfig, connected: boolean, p: PressureReading, last: PressureReading | null): boolean {
  if (t.identicalCount !== 0 || t.reversalScore !== 0 || t.lowWithPulseMs !== 0 || t.suspect) return false;
  const mean = p.meanMmHg;
  const amplitude = p.cardiacAmplitudeMmHg;
  if (last !== null) {
    const delta = mean - last.meanMmHg;
    const jump = pressureJumpLimitMmHg(cfg, p, last);
    if (delta > jump || delta < -jump) return false;
    if (delta === 0 && amplitude === last.cardiacAmplitudeMmHg && p.minMmHg === last.minMmHg && p.maxMmHg === last.maxMmHg) return false;
  }
  return !connected || amplitude < cfg.pressure.pulsePresentMmHg || mean >= THRESHOLDS.pulseWithMeanBelowMmHg;
}

/**
 * How long the pressure signal has been untrusted while connected: `p` is the plausible window
 * (null if the sensor failed or read out of range), `track` says whether the signal checks
 * distrust it.
 */
export function pressureFaultMs(h: HealthDetector, cfg: DetectorConfig, connected: boolean, p: PressureReading | null, track: PressureTrack): number {
  return connected && (p === null || track.suspect) ? h.sensorFaultMs + cfg.periodMs : 0;
}

/** The pressure fault timer at rest: with a plausible, trusted window it stays at 0. */
export function pressureFaultAtRest(h: HealthDetector): boolean {
  return h.sensorFaultMs === 0;
}

/** Health with the pressure fault timer given, the rest kept. */
export function withPressureFault(h: HealthDetector, sensorFaultMs: number): HealthDetector {
  if (sensorFaultMs === h.sensorFaultMs) return h;
  return { sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: h.storageFault, linkLocked: h.linkLocked, selfCheckFailed: h.selfCheckFailed, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: h.libraryInvalid };
}

/** Counts successive identical flow reads (a failed read leaves the count alone). */
export function updateFlowTrack(t: FlowTrack, f: HalResult<FlowReading> | null): FlowTrack {
  if (f === null || !f.ok) return t;
  return { identicalCount: f.meanFlowUlPerHour === t.lastUlPerHour ? t.identicalCount + 1 : 0, lastUlPerHour: f.meanFlowUlPerHour };
}

/**
 * The slow sensors' part of health: the flow sensor's, the gauge's and the battery's verdicts
 * (the pressure fault timer moves with the pressure groups, `withPressureFault`). `flow` is the
 * period's flow reading if plausible (`plausibleFlow`), null otherwise.
 */
export function updateHealth(h: HealthDetector, infusing: boolean, flowTrack: FlowTrack, r: DetectorReadings, flow: FlowReading | null, idle = false): HealthDetector {
  const flowFaulty =
    r.flow === null
      ? h.flowFaulty
      : flow === null || flowTrack.identicalCount >= THRESHOLDS.flowStuckReadings || (infusing && flow.meanFlowUlPerHour < THRESHOLDS.flowImplausibleBelowUlPerHour);
  const gaugeFaulty = r.reservoir === null ? h.gaugeFaulty : !r.reservoir.ok;
  const batteryMonitorFaulty = r.power === null ? h.batteryMonitorFaulty : !r.power.ok;
  const batteryPercent = r.power !== null && r.power.ok ? r.power.batteryPercent : h.batteryPercent;
  const air = r.air;
  const airInLine = air == null ? h.airInLine : infusing && air.ok && air.airUl >= THRESHOLDS.airBubbleLimitUl;
  const airSensorFaulty = air == null ? h.airSensorFaulty : !air.ok;
  const idleFlowReads =
    r.flow === null ? h.idleFlowReads : idle && !flowFaulty && flow !== null && flow.meanFlowUlPerHour > THRESHOLDS.freeFlowReadUlPerHour ? h.idleFlowReads + 1 : 0;
  const t = r.temperature;
  const overTemperature = t == null || !t.ok ? h.overTemperature : t.celsius > THRESHOLDS.maxOperatingCelsius;
  const temperatureFaulty = t == null ? h.temperatureFaulty : !t.ok;
  if (
    batteryPercent === h.batteryPercent && flowFaulty === h.flowFaulty && gaugeFaulty === h.gaugeFaulty && batteryMonitorFaulty === h.batteryMonitorFaulty &&
    airInLine === h.airInLine && airSensorFaulty === h.airSensorFaulty && overTemperature === h.overTemperature && temperatureFaulty === h.temperatureFaulty &&
    idleFlowReads === h.idleFlowReads
  ) return h;
  return { sensorFaultMs: h.sensorFaultMs, flowFaulty, gaugeFaulty, batteryMonitorFaulty, batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: h.storageFault, linkLocked: h.linkLocked, selfCheckFailed: h.selfCheckFailed, airInLine, airSensorFaulty, overTemperature, temperatureFaulty, idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: h.libraryInvalid };
}

/** No slow reading this period: the flow track and the slow part of health stay as they are. */
export function slowHealthAtRest(r: DetectorReadings): boolean {
  return r.flow === null && r.reservoir === null && r.power === null && r.air == null && r.temperature == null;
}
