/**
 * Detectors: pure updates from one control period's readings to the evidence the alarm table reads.
 *
 * Owns: every detection threshold, each with the reasoning behind it.
 * Promises: `updateDetectors` is pure and allocates one object per call; it never looks at the
 * plant, only at HAL readings, drive feedback and the firmware's own ledger.
 *
 * Occlusion (DOMAIN.md §5). A fixed threshold takes t ≈ C·ΔP/Q: at 89 µL/h and C = 0.3 µL/mmHg,
 * +100 mmHg needs ~20 min; at C = 1 µL/mmHg over an hour. Two faster signals are used instead:
 * 1. A patent catheter carries the cardiac pulse to the pump (attenuated by the catheter's
 *    R·C low-pass); a complete occlusion anywhere downstream isolates the pump from the artery and
 *    the cardiac band falls to the noise floor.
 * 2. With the artery cut off, each stroke's pressure step ΔV/C persists instead of decaying with
 *    τ = R·C ≈ 0.3 s. The detector compares the rise since the pulse was lost with the rise the
 *    strokes since then would cause at the highest plausible compliance.
 * Both must agree, so an exercise episode (pulse present, pressure up) and a tip in tissue (pulse
 * gone, pressure down) are not occlusions. A fixed limit stays as a backstop (GIP 1.10.3).
 */
import type { FlowReading, HalResult, PowerReading, PressureReading, ReservoirReading } from '../hal/index.ts';

export const THRESHOLDS = Object.freeze({
  /**
   * Cardiac-band amplitude above which the artery is taken as connected. The pulse reaching the
   * pump is (pulse pressure / 2) / √(1 + (2π·f·R·C)²): 20 mmHg · 0.30 = 6 mmHg at 100 bpm and
   * C = 0.3 µL/mmHg, 1.9 mmHg at C = 1 µL/mmHg. The estimator's noise floor is ~0.15 mmHg
   * (σ 1 mmHg over 50 samples), so 0.6 mmHg sits 4σ above noise and 3× below the weakest pulse.
   */
  pulsePresentMmHg: 0.6,
  /** Highest line compliance the product supports (DOMAIN.md §2 sweep 0.05–1.0 µL/mmHg). */
  maxPlausibleComplianceUlPerMmHg: 1.0,
  /** Fraction of the occluded rise (ΔV/C_max per stroke) that must be seen. */
  occlusionRiseFraction: 0.5,
  /** Strokes after the pulse is lost before the rise is judged (one stroke can be noise). */
  occlusionMinStrokes: 3,
  /** And the rise must clear the window-mean jitter (~0.5 mmHg) with margin. */
  occlusionMinRiseMmHg: 3,
  /** Backstop fixed limit, below GIP 1.10.3's 20 psi (1034 mmHg) and Open PCA's 10 psi (517 mmHg). */
  occlusionHardLimitMmHg: 400,
  /** Tissue pressure after dislodgement is 0–10 mmHg; hepatic arterial mean 70–105 mmHg. */
  displacementMaxMeanMmHg: 25,
  /** Displacement must persist this long (requirement: alarm within 5 minutes). */
  displacementConfirmMs: 60_000,
  /** GIP 1.2.2 / 1.2.3: flow outside 110 % / 90 % of commanded over 15 minutes. */
  flowWindowMs: 15 * 60_000,
  flowBlockMs: 5 * 60_000,
  flowDeviationConfirmMs: 15 * 60_000,
  overInfusionRatio: 1.1,
  underInfusionRatio: 0.9,
  /** Flow sensor offset (±2 µL/h) plus drift margin: deviations below this are not judged. */
  flowAbsoluteToleranceUlPerHour: 4,
  /** Consecutive commanded strokes with no encoder counts before MOTOR_STALL. */
  stallMissedStrokes: 2,
  /** Reservoir gauge ±0.5 mL plus Open PCA's ±1 mL measurement band. */
  reservoirMismatchUl: 1500,
  /** A shortfall is only called when the gauge is this far below what the programme still needs. */
  reservoirShortfallMarginUl: 1000,
  /** The gauge must read at or below the unreachable residual this many samples in a row. */
  reservoirEmptySamples: 2,
  /** Sensor silent or implausible this long. */
  sensorFaultConfirmMs: 5_000,
  batteryLowPercent: 20,
  batteryDepletedPercent: 5,
});

export interface DetectorState {
  readonly pulsePresent: boolean;
  readonly pressureMeanMmHg: number;
  /** Pressure and stroke count when the cardiac pulse was last lost (NaN / -1 while present). */
  readonly pressureAtPulseLossMmHg: number;
  readonly strokesAtPulseLoss: number;
  readonly occlusionSuspected: boolean;
  readonly lossOfArterialSignalMs: number;
  readonly flowMeasuredUl: readonly [number, number, number];
  readonly flowCommandedUl: readonly [number, number, number];
  readonly flowBlockElapsedMs: number;
  readonly flowBlocksFilled: number;
  readonly overInfusionMs: number;
  readonly underInfusionMs: number;
  readonly missedStrokes: number;
  readonly reservoirShortfallUl: number;
  readonly reservoirMismatchUl: number;
  readonly reservoirEmptyCount: number;
  readonly reservoirEmpty: boolean;
  readonly lastReservoirAtMs: number;
  readonly sensorFaultMs: number;
  readonly batteryPercent: number;
  readonly repeatedRestartLockout: boolean;
  /** Completed strokes since boot (all phases); the occlusion detector's stroke clock. */
  readonly strokesCompleted: number;
}

export const INITIAL_DETECTORS: DetectorState = Object.freeze({
  pulsePresent: false,
  pressureMeanMmHg: NaN,
  pressureAtPulseLossMmHg: NaN,
  strokesAtPulseLoss: -1,
  occlusionSuspected: false,
  lossOfArterialSignalMs: 0,
  flowMeasuredUl: [0, 0, 0] as const,
  flowCommandedUl: [0, 0, 0] as const,
  flowBlockElapsedMs: 0,
  flowBlocksFilled: 0,
  overInfusionMs: 0,
  underInfusionMs: 0,
  missedStrokes: 0,
  reservoirShortfallUl: 0,
  reservoirMismatchUl: 0,
  reservoirEmptyCount: 0,
  reservoirEmpty: false,
  lastReservoirAtMs: -1,
  sensorFaultMs: 0,
  batteryPercent: 100,
  repeatedRestartLockout: false,
  strokesCompleted: 0,
});

export interface DetectorReadings {
  readonly pressure: HalResult<PressureReading>;
  readonly flow: HalResult<FlowReading>;
  readonly reservoir: HalResult<ReservoirReading>;
  readonly power: HalResult<PowerReading>;
}

/** What the firmware itself knows that the detectors compare readings against. */
export interface DetectorContext {
  readonly periodMs: number;
  /** Needle in the port and fluid path connected to the artery: arterial checks apply. */
  readonly connected: boolean;
  /** The drive is running a schedule (flow checks apply). */
  readonly delivering: boolean;
  readonly strokeVolumeUl: number;
  readonly pressureRangeMmHg: { readonly min: number; readonly max: number };
  readonly flowRangeUlPerHour: { readonly min: number; readonly max: number };
  /** Ledger: what the reservoir should hold now, and what the programme still needs. */
  readonly expectedReservoirUl: number;
  readonly programmeRemainingUl: number;
  readonly reservoirResidualUl: number;
  readonly owesStrokes: boolean;
  readonly reservoirPeriodMs: number;
}

/** Per-period update from readings. Feedback from the drive is folded in by `recordStrokes`. */
export function updateDetectors(d: DetectorState, ctx: DetectorContext, r: DetectorReadings, nowMs: number): DetectorState {
  const p = r.pressure;
  const f = r.flow;

  let sensorFaultMs = 0;
  let pressureMeanMmHg = d.pressureMeanMmHg;
  let pulsePresent = d.pulsePresent;
  let pressureAtPulseLossMmHg = d.pressureAtPulseLossMmHg;
  let strokesAtPulseLoss = d.strokesAtPulseLoss;
  let occlusionSuspected = d.occlusionSuspected;
  let lossOfArterialSignalMs = d.lossOfArterialSignalMs;

  const pressurePlausible = p.ok && p.meanMmHg >= ctx.pressureRangeMmHg.min && p.meanMmHg <= ctx.pressureRangeMmHg.max;
  const flowPlausible = f.ok && f.meanFlowUlPerHour >= ctx.flowRangeUlPerHour.min && f.meanFlowUlPerHour <= ctx.flowRangeUlPerHour.max;
  if (ctx.connected && (!pressurePlausible || !flowPlausible)) sensorFaultMs = d.sensorFaultMs + ctx.periodMs;

  if (p.ok && pressurePlausible) {
    pressureMeanMmHg = p.meanMmHg;
    if (!ctx.connected) {
      pulsePresent = false;
      pressureAtPulseLossMmHg = NaN;
      strokesAtPulseLoss = -1;
      occlusionSuspected = false;
      lossOfArterialSignalMs = 0;
    } else {
      const pulseNow = p.cardiacAmplitudeMmHg >= THRESHOLDS.pulsePresentMmHg;
      if (pulseNow) {
        pulsePresent = true;
        pressureAtPulseLossMmHg = NaN;
        strokesAtPulseLoss = -1;
        lossOfArterialSignalMs = 0;
        occlusionSuspected = p.meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg;
      } else {
        if (strokesAtPulseLoss < 0) {
          pressureAtPulseLossMmHg = p.meanMmHg;
          strokesAtPulseLoss = d.strokesCompleted;
        }
        pulsePresent = false;
        lossOfArterialSignalMs = p.meanMmHg <= THRESHOLDS.displacementMaxMeanMmHg ? lossOfArterialSignalMs + ctx.periodMs : 0;
        const strokesSinceLoss = d.strokesCompleted - strokesAtPulseLoss;
        const riseMmHg = p.meanMmHg - pressureAtPulseLossMmHg;
        const expectedMinRiseMmHg =
          (THRESHOLDS.occlusionRiseFraction * strokesSinceLoss * ctx.strokeVolumeUl) / THRESHOLDS.maxPlausibleComplianceUlPerMmHg;
        occlusionSuspected =
          p.meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg ||
          (strokesSinceLoss >= THRESHOLDS.occlusionMinStrokes &&
            riseMmHg >= THRESHOLDS.occlusionMinRiseMmHg &&
            riseMmHg >= expectedMinRiseMmHg);
      }
    }
  }

  // Flow: 15-minute window of three 5-minute blocks, measured against commanded.
  let flowMeasuredUl = d.flowMeasuredUl;
  let flowCommandedUl = d.flowCommandedUl;
  let flowBlockElapsedMs = d.flowBlockElapsedMs;
  let flowBlocksFilled = d.flowBlocksFilled;
  let overInfusionMs = 0;
  let underInfusionMs = 0;
  if (!ctx.delivering) {
    if (flowBlocksFilled !== 0 || flowBlockElapsedMs !== 0 || flowMeasuredUl[0] !== 0 || flowCommandedUl[0] !== 0) {
      flowMeasuredUl = INITIAL_DETECTORS.flowMeasuredUl;
      flowCommandedUl = INITIAL_DETECTORS.flowCommandedUl;
      flowBlockElapsedMs = 0;
      flowBlocksFilled = 0;
    }
  } else {
    if (f.ok && flowPlausible) {
      const ul = (f.meanFlowUlPerHour * f.windowMs) / 3_600_000;
      flowMeasuredUl = [flowMeasuredUl[0] + ul, flowMeasuredUl[1], flowMeasuredUl[2]];
    }
    flowBlockElapsedMs += ctx.periodMs;
    if (flowBlockElapsedMs >= THRESHOLDS.flowBlockMs) {
      flowBlocksFilled = Math.min(3, flowBlocksFilled + 1);
      if (flowBlocksFilled === 3) {
        const measured = flowMeasuredUl[0] + flowMeasuredUl[1] + flowMeasuredUl[2];
        const commanded = flowCommandedUl[0] + flowCommandedUl[1] + flowCommandedUl[2];
        const hours = THRESHOLDS.flowWindowMs / 3_600_000;
        const deviationUlPerHour = (measured - commanded) / hours;
        if (commanded > 0 && Math.abs(deviationUlPerHour) > THRESHOLDS.flowAbsoluteToleranceUlPerHour) {
          const ratio = measured / commanded;
          if (ratio > THRESHOLDS.overInfusionRatio) overInfusionMs = THRESHOLDS.flowWindowMs;
          if (ratio < THRESHOLDS.underInfusionRatio) underInfusionMs = THRESHOLDS.flowWindowMs;
        }
      }
      flowMeasuredUl = [0, flowMeasuredUl[0], flowMeasuredUl[1]];
      flowCommandedUl = [0, flowCommandedUl[0], flowCommandedUl[1]];
      flowBlockElapsedMs = 0;
    } else {
      overInfusionMs = d.overInfusionMs;
      underInfusionMs = d.underInfusionMs;
    }
  }

  // Reservoir: judged once per new gauge sample.
  let reservoirShortfallUl = d.reservoirShortfallUl;
  let reservoirMismatchUl = d.reservoirMismatchUl;
  let reservoirEmptyCount = d.reservoirEmptyCount;
  let lastReservoirAtMs = d.lastReservoirAtMs;
  const g = r.reservoir;
  if (g.ok && g.atMs !== d.lastReservoirAtMs) {
    lastReservoirAtMs = g.atMs;
    const gaugeUl = g.volumeMl * 1000;
    const deliverableUl = gaugeUl - ctx.reservoirResidualUl;
    reservoirShortfallUl = ctx.owesStrokes ? Math.max(0, ctx.programmeRemainingUl - deliverableUl - THRESHOLDS.reservoirShortfallMarginUl) : 0;
    reservoirMismatchUl = Math.abs(gaugeUl - ctx.expectedReservoirUl);
    reservoirEmptyCount = ctx.owesStrokes && deliverableUl <= 0 ? reservoirEmptyCount + 1 : 0;
  }
  if (!ctx.owesStrokes) reservoirEmptyCount = 0;
  const batteryPercent = r.power.ok ? r.power.batteryPercent : d.batteryPercent;

  return {
    pulsePresent,
    pressureMeanMmHg,
    pressureAtPulseLossMmHg,
    strokesAtPulseLoss,
    occlusionSuspected,
    lossOfArterialSignalMs,
    flowMeasuredUl,
    flowCommandedUl,
    flowBlockElapsedMs,
    flowBlocksFilled,
    overInfusionMs,
    underInfusionMs,
    missedStrokes: d.missedStrokes,
    reservoirShortfallUl,
    reservoirMismatchUl,
    reservoirEmptyCount,
    reservoirEmpty: reservoirEmptyCount >= THRESHOLDS.reservoirEmptySamples,
    lastReservoirAtMs,
    sensorFaultMs,
    batteryPercent,
    repeatedRestartLockout: d.repeatedRestartLockout,
    strokesCompleted: d.strokesCompleted,
  };
}

/** Folds the drive's answer to a stroke command into the detectors. */
export function recordStrokes(d: DetectorState, commanded: number, completed: number, strokeVolumeUl: number): DetectorState {
  const missed = commanded - completed;
  return {
    ...d,
    missedStrokes: missed > 0 ? d.missedStrokes + missed : completed > 0 ? 0 : d.missedStrokes,
    strokesCompleted: d.strokesCompleted + completed,
    flowCommandedUl: [d.flowCommandedUl[0] + commanded * strokeVolumeUl, d.flowCommandedUl[1], d.flowCommandedUl[2]],
  };
}
