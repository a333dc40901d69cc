/**
 * Detectors: pure updates from one control period's readings to the evidence the alarm table reads.
 *
 * Owns: every detection threshold, each with the reasoning behind it.
 * Promises: `updateDetectors` is pure and allocates one object per call; it never looks at the
 * plant, only at HAL readings, drive feedback and the firmware's own ledger.
 *
 * Occlusion (docs/domain.md §5). A fixed threshold takes t ≈ C·ΔP/Q: at 89 µL/h and C = 0.3 µL/mmHg,
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
import type { DeviceConfig, FlowReading, HalResult, PowerReading, PressureReading, ReservoirReading } from '../hal/index.ts';
import type { Ledger } from './ledger.ts';

export const THRESHOLDS = Object.freeze({
  /**
   * Cardiac-band amplitude above which the artery is taken as connected. The pulse reaching the
   * pump is (pulse pressure / 2) / √(1 + (2π·f·R·C)²): 20 mmHg · 0.30 = 6 mmHg at 100 bpm and
   * C = 0.3 µL/mmHg, 1.9 mmHg at C = 1 µL/mmHg. The estimator's noise is σ·√(2/n) = 0.2 mmHg
   * (σ 1 mmHg over n = 50 samples), so 0.8 mmHg sits 4σ above noise and 2.4× below the weakest
   * pulse.
   */
  pulsePresentMmHg: 0.8,
  /**
   * Once lost, the pulse counts as back only after this many windows in a row above the
   * threshold: a single 4σ noise window (p ≈ 3e-5 per window, one a day at 1 Hz) must not reset
   * the occlusion evidence.
   */
  pulseReturnWindows: 3,
  /** Highest line compliance the product supports (docs/domain.md §2 sweep 0.05–1.0 µL/mmHg). */
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
  overInfusionRatio: 1.1,
  underInfusionRatio: 0.9,
  /**
   * The flow sensor's own error budget, added to GIP's ±10 % so that a sensor at the edge of its
   * specification never alarms on a correct delivery: gain ±3 % (relative), offset ±2 µL/h plus
   * drift up to 1.4 µL/h over 14 days plus 1 µL/h for noise over 15 min (absolute). At the lowest
   * rates the absolute part dominates: 20 µL/h is judged only beyond ±35 %.
   */
  flowGainTolerance: 0.03,
  flowAbsoluteToleranceUlPerHour: 4.4,
  /** Consecutive commanded strokes with no encoder counts before MOTOR_STALL. */
  stallMissedStrokes: 2,
  /** Reservoir gauge ±0.5 mL plus Open PCA's ±1 mL measurement band. */
  reservoirMismatchUl: 1500,
  /** A shortfall is only called when the gauge is this far below what the programme still needs. */
  reservoirShortfallMarginUl: 1000,
  /** The gauge must read "empty" this many samples in a row. */
  reservoirEmptySamples: 2,
  /**
   * Gauge accuracy (±0.5 mL): "empty" is called when the gauge reads below the residual by more
   * than its accuracy, or at the residual while the flow sensor confirms that encoder-counted
   * strokes no longer move fluid (last 5-minute block below half of commanded) — never on the
   * gauge's word alone at the edge of its accuracy, which near the end of every reservoir would
   * stop a correct infusion.
   */
  reservoirGaugeAccuracyUl: 500,
  reservoirDryFlowRatio: 0.5,
  /** Sensor silent or implausible this long. */
  sensorFaultConfirmMs: 5_000,
  /**
   * A working pressure front-end never repeats a window exactly: σ 0.14 mmHg on the mean at
   * 0.1 mmHg resolution, plus the cardiac amplitude and min/max, make ten identical windows in a
   * row (P < 1e-8) a stuck sensor.
   */
  pressureStuckWindows: 10,
  /**
   * Noise: the window mean jumping by more than this, up then down (or down then up), is not
   * physiology (exercise ramps over minutes) nor an occlusion (strokes only push it up).
   */
  pressureJumpMmHg: 15,
  /** Leaky count of such reversals (decays ×0.95 per period) that calls the signal noisy. */
  pressureReversalScore: 2.5,
  /** A cardiac pulse with a mean below this is impossible (tissue has no pulse): offset or drift. */
  pulseWithMeanBelowMmHg: 15,
  pulseWithLowMeanConfirmMs: 30_000,
  /**
   * The flow sensor's 10 s readings rarely repeat exactly: σ ≈ 6.3 µL/h at 0.1 µL/h resolution
   * gives P ≈ 0.0045 that two agree. Seven identical in a row (six repeats, P ≈ 1e-14 per read,
   * ~1e-9 per 14-day cycle) is a stuck sensor; three would false-alarm about once per 100 cycles.
   */
  flowStuckReadings: 6,
  /** The drive only pushes forward; a 10 s reading below this is 10σ of sensor noise: implausible. */
  flowImplausibleBelowUlPerHour: -60,
  batteryLowPercent: 20,
  batteryDepletedPercent: 5,
});

/**
 * Detector state, grouped per detector. A group that did not change is the same object as before,
 * so a quiet control period allocates only what moved (the flow integrator, the container).
 */
export interface ArterialDetector {
  readonly pulsePresent: boolean;
  /** While lost: windows in a row with the pulse above the threshold. */
  readonly pulseReturnCount: number;
  /** Pressure and stroke count when the cardiac pulse was last lost (NaN / -1 while present). */
  readonly pressureAtPulseLossMmHg: number;
  readonly strokesAtPulseLoss: number;
  readonly occlusionSuspected: boolean;
  /** How long the pulse has been gone with the mean below the displacement limit. */
  readonly lossOfArterialSignalMs: number;
}

export interface FlowDetector {
  /** The 5-minute block in progress: measured (flow sensor) and commanded (strokes × nominal). */
  readonly measuredUl: number;
  readonly commandedUl: number;
  readonly blockElapsedMs: number;
  /** The last three completed blocks, newest first. */
  readonly measured1Ul: number;
  readonly measured2Ul: number;
  readonly measured3Ul: number;
  readonly commanded1Ul: number;
  readonly commanded2Ul: number;
  readonly commanded3Ul: number;
  readonly blocksFilled: number;
}

/** The flow verdict, renewed when a 5-minute block completes. */
export interface FlowVerdict {
  /** Measured / commanded over the last full 15-minute window (NaN until one is full). */
  readonly ratio: number;
  readonly overInfusion: boolean;
  readonly underInfusion: boolean;
}

export interface DriveDetector {
  /** Commanded strokes in a row that the encoder did not see. */
  readonly missedStrokes: number;
}

/**
 * Completed strokes since boot (all phases): the occlusion detector's stroke clock. A tracker that
 * moves with every stroke, kept out of `drive`, which an alarm condition reads (a group that
 * changed at every stroke would have the alarm table re-evaluated at every stroke for nothing).
 */
export interface StrokeCount {
  readonly strokesCompleted: number;
}

export interface ReservoirDetector {
  readonly shortfallUl: number;
  readonly mismatchUl: number;
  readonly emptyCount: number;
  readonly lastSampleAtMs: number;
  /** Gauge samples taken before the last fill describe another reservoir: ignored. */
  readonly filledAtMs: number;
}

/**
 * Period-to-period tracking of the pressure signal itself (stuck, noisy, impossible). The last two
 * readings are kept by the control state (`PressureHistory`); this group holds only the counters,
 * which are constant on a healthy signal (so it is not reallocated every period).
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
  readonly batteryPercent: number;
  readonly repeatedRestartLockout: boolean;
}

/**
 * Alarm conditions read every group except `pressureTrack`, `flowTrack`, `strokeCount` and `flow` (the trackers), each
 * condition one group (alarms.ts), so `changedAlarmInputs` can tell which conditions a period may
 * have changed.
 */
export interface DetectorState {
  readonly pressureTrack: PressureTrack;
  readonly flowTrack: FlowTrack;
  readonly arterial: ArterialDetector;
  readonly flow: FlowDetector;
  readonly flowVerdict: FlowVerdict;
  readonly drive: DriveDetector;
  readonly strokeCount: StrokeCount;
  readonly reservoir: ReservoirDetector;
  readonly health: HealthDetector;
}

// The state constants here (and NO_ALARMS, EMPTY_LEDGER) are deliberately
// not frozen: `readonly` types keep them immutable, while a frozen object gets a hidden class of
// its own, so every field read on the 1 Hz path would meet two shapes and V8 deoptimises there.
// Every detector group is built by one literal (or one builder) per group, never by spreading
// another object: a spread copy may get a hidden class of its own, and the 1 Hz path then reads
// the group through two shapes (measured: the flow window's spread copy cost 9 % of a cycle).
const ARTERIAL_DISCONNECTED: ArterialDetector = {
  pulsePresent: false,
  pulseReturnCount: 0,
  pressureAtPulseLossMmHg: NaN,
  strokesAtPulseLoss: -1,
  occlusionSuspected: false,
  lossOfArterialSignalMs: 0,
};

/** The artery connected and its pulse present (with the hard pressure limit exceeded or not). */
function arterialPatent(occlusionSuspected: boolean): ArterialDetector {
  return { pulsePresent: true, pulseReturnCount: 0, pressureAtPulseLossMmHg: NaN, strokesAtPulseLoss: -1, occlusionSuspected, lossOfArterialSignalMs: 0 };
}

const ARTERIAL_PATENT: ArterialDetector = arterialPatent(false);

const FLOW_IDLE: FlowDetector = {
  measuredUl: 0,
  commandedUl: 0,
  blockElapsedMs: 0,
  measured1Ul: 0,
  measured2Ul: 0,
  measured3Ul: 0,
  commanded1Ul: 0,
  commanded2Ul: 0,
  commanded3Ul: 0,
  blocksFilled: 0,
};

/** The window opened by the first flow read of an infusion; nothing counted yet. */
const FLOW_OPEN: FlowDetector = withCurrentBlock(FLOW_IDLE, 0, 0, 0);

const NO_FLOW_VERDICT: FlowVerdict = { ratio: NaN, overInfusion: false, underInfusion: false };

const PRESSURE_TRACK_START: PressureTrack = { identicalCount: 0, reversalScore: 0, lowWithPulseMs: 0, suspect: false };

export const INITIAL_DETECTORS: DetectorState = {
  pressureTrack: PRESSURE_TRACK_START,
  flowTrack: { identicalCount: 0, lastUlPerHour: NaN },
  arterial: ARTERIAL_DISCONNECTED,
  flow: FLOW_IDLE,
  flowVerdict: NO_FLOW_VERDICT,
  drive: { missedStrokes: 0 },
  strokeCount: { strokesCompleted: 0 },
  reservoir: { shortfallUl: 0, mismatchUl: 0, emptyCount: 0, lastSampleAtMs: -1, filledAtMs: -1 },
  health: { sensorFaultMs: 0, flowFaulty: false, gaugeFaulty: false, batteryPercent: 100, repeatedRestartLockout: false },
};

/**
 * One period's readings. Pressure is read every period; the slower sensors are read on their own
 * cadence (see `SENSOR_READ_PERIODS_MS` in the runtime) and are `null` in the periods between.
 */
export interface DetectorReadings {
  readonly pressure: HalResult<PressureReading>;
  readonly flow: HalResult<FlowReading> | null;
  readonly reservoir: HalResult<ReservoirReading> | null;
  readonly power: HalResult<PowerReading> | null;
}

/** Static figures the detectors compare against (from the device configuration); built once. */
export interface DetectorConfig {
  readonly periodMs: number;
  readonly strokeVolumeUl: number;
  readonly pressureRangeMmHg: { readonly min: number; readonly max: number };
  readonly flowRangeUlPerHour: { readonly min: number; readonly max: number };
  readonly reservoirResidualUl: number;
}

export function detectorConfig(config: DeviceConfig): DetectorConfig {
  return {
    periodMs: config.controlPeriodMs,
    strokeVolumeUl: config.strokeVolumeNl / 1000,
    pressureRangeMmHg: config.pressureRangeMmHg,
    flowRangeUlPerHour: config.flowRangeUlPerHour,
    reservoirResidualUl: config.reservoirResidualUl,
  };
}

function pressurePlausible(p: HalResult<PressureReading>, cfg: DetectorConfig): p is PressureReading {
  return p.ok && p.meanMmHg >= cfg.pressureRangeMmHg.min && p.meanMmHg <= cfg.pressureRangeMmHg.max;
}

function flowPlausible(f: HalResult<FlowReading>, cfg: DetectorConfig): f is FlowReading {
  // A reading is plausible when present and inside the sensor's range.
  return f.ok && f.meanFlowUlPerHour >= cfg.flowRangeUlPerHour.min && f.meanFlowUlPerHour <= cfg.flowRangeUlPerHour.max;
}

/** Occlusion and displacement from the pressure front-end's window features. */
export function updateArterial(a: ArterialDetector, cfg: DetectorConfig, connected: boolean, strokesCompleted: number, p: HalResult<PressureReading>, suspect = false): ArterialDetector {
  if (!connected) return ARTERIAL_DISCONNECTED;
  // An untrusted signal holds the arterial verdict; SENSOR_FAULT takes over.
  if (!pressurePlausible(p, cfg) || suspect) return a;
  const pulseNow = p.cardiacAmplitudeMmHg >= THRESHOLDS.pulsePresentMmHg;
  const pulseBack = pulseNow && (a.pulsePresent || a.strokesAtPulseLoss < 0 || a.pulseReturnCount + 1 >= THRESHOLDS.pulseReturnWindows);
  if (pulseBack) {
    const overLimit = p.meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg;
    if (!overLimit) return ARTERIAL_PATENT;
    return a.occlusionSuspected && a.pulsePresent ? a : arterialPatent(true);
  }
  const pulseReturnCount = pulseNow ? a.pulseReturnCount + 1 : 0;
  const lostNow = a.strokesAtPulseLoss < 0;
  const pressureAtPulseLossMmHg = lostNow ? p.meanMmHg : a.pressureAtPulseLossMmHg;
  const strokesAtPulseLoss = lostNow ? strokesCompleted : a.strokesAtPulseLoss;
  const lossOfArterialSignalMs = p.meanMmHg <= THRESHOLDS.displacementMaxMeanMmHg ? a.lossOfArterialSignalMs + cfg.periodMs : 0;
  const strokesSinceLoss = strokesCompleted - strokesAtPulseLoss;
  const riseMmHg = p.meanMmHg - pressureAtPulseLossMmHg;
  const expectedMinRiseMmHg = (THRESHOLDS.occlusionRiseFraction * strokesSinceLoss * cfg.strokeVolumeUl) / THRESHOLDS.maxPlausibleComplianceUlPerMmHg;
  const occlusionSuspected =
    p.meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg ||
    (strokesSinceLoss >= THRESHOLDS.occlusionMinStrokes && riseMmHg >= THRESHOLDS.occlusionMinRiseMmHg && riseMmHg >= expectedMinRiseMmHg);
  if (
    !a.pulsePresent &&
    a.pulseReturnCount === pulseReturnCount &&
    a.pressureAtPulseLossMmHg === pressureAtPulseLossMmHg &&
    a.strokesAtPulseLoss === strokesAtPulseLoss &&
    a.lossOfArterialSignalMs === lossOfArterialSignalMs &&
    a.occlusionSuspected === occlusionSuspected
  ) {
    return a;
  }
  return { pulsePresent: false, pulseReturnCount, pressureAtPulseLossMmHg, strokesAtPulseLoss, occlusionSuspected, lossOfArterialSignalMs };
}

/** GIP 1.2.2 / 1.2.3 integrator: 5-minute blocks of measured and commanded volume. */
export function updateFlow(fl: FlowDetector, cfg: DetectorConfig, infusing: boolean, f: HalResult<FlowReading> | null): FlowDetector {
  if (!infusing) return FLOW_IDLE;
  if (f === null) return fl;
  // The first read after the infusion (re)starts covers time before it (prime, pause, alarm stop):
  // it only opens the window. Strokes recorded before it are dropped with it.
  if (fl === FLOW_IDLE) return FLOW_OPEN;
  // The flow front-end integrates between reads; a read covers `windowMs`.
  const measuredUl = fl.measuredUl + (flowPlausible(f, cfg) ? (f.meanFlowUlPerHour * f.windowMs) / 3_600_000 : 0);
  const blockElapsedMs = fl.blockElapsedMs + (f.ok ? f.windowMs : cfg.periodMs);
  if (blockElapsedMs < THRESHOLDS.flowBlockMs) return withCurrentBlock(fl, measuredUl, fl.commandedUl, blockElapsedMs);
  return {
    measuredUl: 0,
    commandedUl: 0,
    blockElapsedMs: 0,
    measured1Ul: measuredUl,
    measured2Ul: fl.measured1Ul,
    measured3Ul: fl.measured2Ul,
    commanded1Ul: fl.commandedUl,
    commanded2Ul: fl.commanded1Ul,
    commanded3Ul: fl.commanded2Ul,
    blocksFilled: Math.min(3, fl.blocksFilled + 1),
  };
}

/**
 * GIP 1.2.2 / 1.2.3 verdict over the last 15 minutes (three blocks), renewed when a block
 * completes: flow above 110 % or below 90 % of commanded, and off by more than the sensor's
 * absolute tolerance (offset ±2 µL/h matters at the lowest rates).
 */
export function updateFlowVerdict(v: FlowVerdict, fl: FlowDetector, infusing: boolean): FlowVerdict {
  if (!infusing) return NO_FLOW_VERDICT;
  if (fl.blockElapsedMs !== 0) return v;
  if (fl.blocksFilled < 3) return NO_FLOW_VERDICT;
  const measured = fl.measured1Ul + fl.measured2Ul + fl.measured3Ul;
  const commanded = fl.commanded1Ul + fl.commanded2Ul + fl.commanded3Ul;
  const ratio = commanded > 0 ? measured / commanded : NaN;
  const hours = THRESHOLDS.flowWindowMs / 3_600_000;
  const margin = (ratioBand: number): number => commanded * (ratioBand + THRESHOLDS.flowGainTolerance) + THRESHOLDS.flowAbsoluteToleranceUlPerHour * hours;
  return {
    ratio,
    overInfusion: commanded > 0 && measured - commanded > margin(THRESHOLDS.overInfusionRatio - 1),
    underInfusion: commanded > 0 && commanded - measured > margin(1 - THRESHOLDS.underInfusionRatio),
  };
}

/** The last completed 5-minute flow block moved less than half of what the encoder confirmed. */
function flowSaysDry(fl: FlowDetector): boolean {
  return fl.blocksFilled >= 1 && fl.commanded1Ul > 0 && fl.measured1Ul < THRESHOLDS.reservoirDryFlowRatio * fl.commanded1Ul;
}

/** Gauge against ledger, judged once per new gauge sample while the infusion owes strokes. */
export function updateReservoir(rv: ReservoirDetector, cfg: DetectorConfig, infusing: boolean, ledger: Ledger, g: HalResult<ReservoirReading> | null, fl: FlowDetector = FLOW_IDLE): ReservoirDetector {
  const owesStrokes = infusing && ledger.phaseKind === 'infuse' && ledger.phaseDeliveredStrokes < ledger.phaseTotalStrokes;
  if (g === null || !g.ok || g.atMs === rv.lastSampleAtMs || g.atMs < rv.filledAtMs) {
    return owesStrokes || rv.emptyCount === 0 ? rv : { shortfallUl: rv.shortfallUl, mismatchUl: rv.mismatchUl, emptyCount: 0, lastSampleAtMs: rv.lastSampleAtMs, filledAtMs: rv.filledAtMs };
  }
  const gaugeUl = g.volumeMl * 1000;
  const deliverableUl = gaugeUl - cfg.reservoirResidualUl;
  const programmeRemainingUl = (ledger.phaseTotalStrokes - ledger.phaseDeliveredStrokes) * cfg.strokeVolumeUl;
  const expectedUl = ledger.reservoirFillUl - (ledger.primeStrokes + ledger.infusionStrokes) * cfg.strokeVolumeUl;
  return {
    shortfallUl: owesStrokes ? Math.max(0, programmeRemainingUl - deliverableUl - THRESHOLDS.reservoirShortfallMarginUl) : 0,
    mismatchUl: ledger.reservoirFillUl > 0 ? Math.abs(gaugeUl - expectedUl) : 0,
    emptyCount:
      owesStrokes && (deliverableUl <= -THRESHOLDS.reservoirGaugeAccuracyUl || (deliverableUl <= 0 && flowSaysDry(fl))) ? rv.emptyCount + 1 : 0,
    lastSampleAtMs: g.atMs,
    filledAtMs: rv.filledAtMs,
  };
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
  const reversal = Math.abs(delta) > THRESHOLDS.pressureJumpMmHg && Math.abs(lastDelta) > THRESHOLDS.pressureJumpMmHg && delta * lastDelta < 0;
  const decayed = t.reversalScore * 0.95 + (reversal ? 1 : 0);
  const reversalScore = decayed < 1e-3 ? 0 : decayed;
  const pulseWithLowMean = connected && p.cardiacAmplitudeMmHg >= THRESHOLDS.pulsePresentMmHg && p.meanMmHg < THRESHOLDS.pulseWithMeanBelowMmHg;
  const lowWithPulseMs = pulseWithLowMean ? t.lowWithPulseMs + cfg.periodMs : 0;
  const suspect =
    identicalCount >= THRESHOLDS.pressureStuckWindows ||
    reversalScore >= THRESHOLDS.pressureReversalScore ||
    lowWithPulseMs >= THRESHOLDS.pulseWithLowMeanConfirmMs;
  if (identicalCount === t.identicalCount && reversalScore === t.reversalScore && lowWithPulseMs === t.lowWithPulseMs && suspect === t.suspect) return t;
  return { identicalCount, reversalScore, lowWithPulseMs, suspect };
}

/** Counts successive identical flow reads (a failed read leaves the count alone). */
export function updateFlowTrack(t: FlowTrack, f: HalResult<FlowReading> | null): FlowTrack {
  if (f === null || !f.ok) return t;
  return { identicalCount: f.meanFlowUlPerHour === t.lastUlPerHour ? t.identicalCount + 1 : 0, lastUlPerHour: f.meanFlowUlPerHour };
}

/**
 * Sensor plausibility (a fail-safe per sensor) and battery.
 * - Pressure silent, out of range, stuck, noisy or impossible → SENSOR_FAULT, drive stops: without
 *   it neither occlusion nor displacement can be seen.
 * - Flow sensor silent, out of range, stuck or reading reverse flow → SENSOR_DEGRADED, therapy
 *   continues: delivery is still verified stroke by stroke by the drive encoder.
 * - Reservoir gauge silent → SENSOR_DEGRADED, therapy continues on the ledger's volume.
 */
export function updateHealth(h: HealthDetector, cfg: DetectorConfig, connected: boolean, infusing: boolean, track: PressureTrack, flowTrack: FlowTrack, r: DetectorReadings): HealthDetector {
  let flowFaulty = h.flowFaulty;
  const f = r.flow;
  if (f !== null) {
    flowFaulty =
      !f.ok ||
      !flowPlausible(f, cfg) ||
      flowTrack.identicalCount >= THRESHOLDS.flowStuckReadings ||
      (infusing && f.meanFlowUlPerHour < THRESHOLDS.flowImplausibleBelowUlPerHour);
  }
  const gaugeFaulty = r.reservoir === null ? h.gaugeFaulty : !r.reservoir.ok;
  const sensorFaultMs = pressureFaultMs(h, cfg, connected, r.pressure, track);
  const batteryPercent = r.power !== null && r.power.ok ? r.power.batteryPercent : h.batteryPercent;
  if (sensorFaultMs === h.sensorFaultMs && batteryPercent === h.batteryPercent && flowFaulty === h.flowFaulty && gaugeFaulty === h.gaugeFaulty) return h;
  return { sensorFaultMs, flowFaulty, gaugeFaulty, batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout };
}

/** How long the pressure signal has been untrusted (silent, out of range or suspect) while connected. */
function pressureFaultMs(h: HealthDetector, cfg: DetectorConfig, connected: boolean, p: HalResult<PressureReading>, track: PressureTrack): number {
  return connected && (!pressurePlausible(p, cfg) || track.suspect) ? h.sensorFaultMs + cfg.periodMs : 0;
}

/**
 * One control period's update of every detector. Pure.
 * `connected`: needle in the port, so the path reaches the artery and arterial checks apply.
 * `infusing`: the drive is running the infusion schedule, so flow and reservoir checks apply.
 */
export function updateDetectors(
  d: DetectorState,
  cfg: DetectorConfig,
  connected: boolean,
  infusing: boolean,
  ledger: Ledger,
  r: DetectorReadings,
  lastPressure: PressureReading | null = null,
  previousPressure: PressureReading | null = null,
): DetectorState {
  const settled = slowGroupsSettled(d, infusing, r);
  const atRest = pressureGroupsAtRest(d, cfg, connected, r.pressure, lastPressure);
  // A steady period — no slow reading, a plausible window, every pressure group at rest and
  // staying there — changes no detector. Most periods of a therapy are steady; these few
  // comparisons answer them with no call and no allocation (the group updates they stand for cost
  // about 15 % of a simulated cycle). The property in test/firmware/sensorDetectors.test.ts holds
  // every shortcut here to the full update.
  if (settled && atRest) return d;
  // Pressure groups at rest stay as they are whatever the slow sensors read (their updates do not
  // see those readings): a slow sensor's period updates only the slow groups.
  const pressureTrack = atRest ? d.pressureTrack : updatePressureTrack(d.pressureTrack, cfg, connected, r.pressure, lastPressure, previousPressure);
  const arterial = atRest ? d.arterial : updateArterial(d.arterial, cfg, connected, d.strokeCount.strokesCompleted, r.pressure, pressureTrack.suspect);
  return settled
    ? withPressureGroups(d, cfg, connected, r.pressure, pressureTrack, arterial)
    : withEveryGroup(d, cfg, connected, infusing, ledger, r, pressureTrack, arterial);
}

/**
 * The pressure half of a steady period (`updateDetectors`): a plausible window, and the pressure track, the arterial
 * verdict and the pressure fault timer at rest and staying there — so `updatePressureTrack` and
 * `updateArterial` hand back the groups they are given, whatever the slow sensors read.
 */
export function pressureGroupsAtRest(d: DetectorState, cfg: DetectorConfig, connected: boolean, p: HalResult<PressureReading>, last: PressureReading | null): boolean {
  if (!p.ok || d.health.sensorFaultMs !== 0) return false;
  const mean = p.meanMmHg;
  const amplitude = p.cardiacAmplitudeMmHg;
  // Plausible, so the fault timer stays at 0 and the arterial verdict is judged.
  if (!(mean >= cfg.pressureRangeMmHg.min && mean <= cfg.pressureRangeMmHg.max)) return false;
  // The pressure track at rest stays at rest: the window differs from the last (not stuck), the
  // mean moved by no more than a jump (no reversal), and no pulse rides on a low mean.
  const t = d.pressureTrack;
  if (t.identicalCount !== 0 || t.reversalScore !== 0 || t.lowWithPulseMs !== 0 || t.suspect) return false;
  if (last !== null) {
    const delta = mean - last.meanMmHg;
    if (delta > THRESHOLDS.pressureJumpMmHg || delta < -THRESHOLDS.pressureJumpMmHg) return false;
    if (delta === 0 && amplitude === last.cardiacAmplitudeMmHg && p.minMmHg === last.minMmHg && p.maxMmHg === last.maxMmHg) return false;
  }
  // Disconnected, the arterial verdict is the constant it already is; connected, a patent artery
  // stays patent while its pulse is present below the hard limit (and then no low mean carries it).
  if (!connected) return d.arterial === ARTERIAL_DISCONNECTED;
  return d.arterial === ARTERIAL_PATENT && amplitude >= THRESHOLDS.pulsePresentMmHg && mean < THRESHOLDS.occlusionHardLimitMmHg && mean >= THRESHOLDS.pulseWithMeanBelowMmHg;
}

/**
 * Between the slow sensors' reads (nine periods in ten for flow, 59 in 60 for the gauge and the
 * battery) their groups cannot move: `updateFlow`, `updateReservoir` and `updateFlowTrack` hand
 * back their input for a null reading — unless the infusion has just ended (the flow window closes)
 * or a gauge's empty count must reset — and in `health` only the pressure fault timer runs. Such a
 * period skips the slow groups (`withPressureGroups`); the result is the one `withEveryGroup`
 * gives (a property in test/firmware/sensorDetectors.test.ts holds them to it).
 */
export function slowGroupsSettled(d: DetectorState, infusing: boolean, r: DetectorReadings): boolean {
  return r.flow === null && r.reservoir === null && r.power === null && (infusing || d.flow === FLOW_IDLE) && d.reservoir.emptyCount === 0;
}

/** A period with only the pressure reading: the pressure groups and the pressure fault timer move. */
export function withPressureGroups(
  d: DetectorState,
  cfg: DetectorConfig,
  connected: boolean,
  p: HalResult<PressureReading>,
  pressureTrack: PressureTrack,
  arterial: ArterialDetector,
): DetectorState {
  const h = d.health;
  const sensorFaultMs = pressureFaultMs(h, cfg, connected, p, pressureTrack);
  if (pressureTrack === d.pressureTrack && arterial === d.arterial && sensorFaultMs === h.sensorFaultMs) return d;
  const health: HealthDetector =
    sensorFaultMs === h.sensorFaultMs
      ? h
      : { sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout };
  return { pressureTrack, flowTrack: d.flowTrack, arterial, flow: d.flow, flowVerdict: d.flowVerdict, drive: d.drive, strokeCount: d.strokeCount, reservoir: d.reservoir, health };
}

/** Every group updated from the period's readings (given the pressure groups already updated). */
export function withEveryGroup(
  d: DetectorState,
  cfg: DetectorConfig,
  connected: boolean,
  infusing: boolean,
  ledger: Ledger,
  r: DetectorReadings,
  pressureTrack: PressureTrack,
  arterial: ArterialDetector,
): DetectorState {
  const flow = updateFlow(d.flow, cfg, infusing, r.flow);
  // The verdict is a function of the flow window (and of infusing, which an unchanged window
  // implies): while the window is the same object, so is the verdict — a completed block is judged
  // once, not again in every period until the next flow read.
  const flowVerdict = flow === d.flow ? d.flowVerdict : updateFlowVerdict(d.flowVerdict, flow, infusing);
  const reservoir = updateReservoir(d.reservoir, cfg, infusing, ledger, r.reservoir, flow);
  const flowTrack = updateFlowTrack(d.flowTrack, r.flow);
  const health = updateHealth(d.health, cfg, connected, infusing, pressureTrack, flowTrack, r);
  if (
    pressureTrack === d.pressureTrack &&
    flowTrack === d.flowTrack &&
    arterial === d.arterial &&
    flow === d.flow &&
    flowVerdict === d.flowVerdict &&
    reservoir === d.reservoir &&
    health === d.health
  ) {
    return d;
  }
  return { pressureTrack, flowTrack, arterial, flow, flowVerdict, drive: d.drive, strokeCount: d.strokeCount, reservoir, health };
}

/** The detector groups alarm conditions read; each has a bit in a changed-inputs mask. */
export const ALARM_INPUT_GROUPS = ['arterial', 'flowVerdict', 'drive', 'reservoir', 'health'] as const;
export type AlarmInputGroup = (typeof ALARM_INPUT_GROUPS)[number];
export const ALARM_INPUT_BIT = Object.fromEntries(ALARM_INPUT_GROUPS.map((g, i) => [g, 1 << i])) as Readonly<Record<AlarmInputGroup, number>>;
export const ALL_ALARM_INPUTS = (1 << ALARM_INPUT_GROUPS.length) - 1;
const { arterial: ARTERIAL_BIT, flowVerdict: FLOW_VERDICT_BIT, drive: DRIVE_BIT, reservoir: RESERVOIR_BIT, health: HEALTH_BIT } = ALARM_INPUT_BIT;

/**
 * Bit mask (ALARM_INPUT_BIT) of the groups an alarm condition reads that differ between the two
 * states; 0 when none did, so the alarm table need not be evaluated. Groups are immutable and
 * replaced on change, so identity is the test.
 */
export function changedAlarmInputs(before: DetectorState, after: DetectorState): number {
  return (
    (before.arterial !== after.arterial ? ARTERIAL_BIT : 0) |
    (before.flowVerdict !== after.flowVerdict ? FLOW_VERDICT_BIT : 0) |
    (before.drive !== after.drive ? DRIVE_BIT : 0) |
    (before.reservoir !== after.reservoir ? RESERVOIR_BIT : 0) |
    (before.health !== after.health ? HEALTH_BIT : 0)
  );
}

/** The flow window with the block under way replaced, its completed blocks kept (built field by field: one hidden class for every window). */
function withCurrentBlock(fl: FlowDetector, measuredUl: number, commandedUl: number, blockElapsedMs: number): FlowDetector {
  return {
    measuredUl,
    commandedUl,
    blockElapsedMs,
    measured1Ul: fl.measured1Ul,
    measured2Ul: fl.measured2Ul,
    measured3Ul: fl.measured3Ul,
    commanded1Ul: fl.commanded1Ul,
    commanded2Ul: fl.commanded2Ul,
    commanded3Ul: fl.commanded3Ul,
    blocksFilled: fl.blocksFilled,
  };
}

/** Folds the drive's answer to a stroke command into the detectors. */
export function recordStrokes(d: DetectorState, commanded: number, completed: number, strokeVolumeUl: number): DetectorState {
  const missed = commanded - completed;
  const missedStrokes = missed > 0 ? d.drive.missedStrokes + missed : completed > 0 ? 0 : d.drive.missedStrokes;
  const fl = d.flow;
  return {
    pressureTrack: d.pressureTrack,
    flowTrack: d.flowTrack,
    arterial: d.arterial,
    // The flow sensor verifies that encoder-confirmed strokes moved fluid; missed strokes are
    // MOTOR_STALL's business. Strokes before the window opens (idle) are not in any block; from
    // the opening read on they are, as the next read's volume includes them.
    flow: fl === FLOW_IDLE ? fl : withCurrentBlock(fl, fl.measuredUl, fl.commandedUl + completed * strokeVolumeUl, fl.blockElapsedMs),
    flowVerdict: d.flowVerdict,
    drive: missedStrokes === d.drive.missedStrokes ? d.drive : { missedStrokes },
    strokeCount: completed === 0 ? d.strokeCount : { strokesCompleted: d.strokeCount.strokesCompleted + completed },
    reservoir: d.reservoir,
    health: d.health,
  };
}

/** The detector state with the drive, reservoir and health groups given (the others kept). */
function withGroups(d: DetectorState, drive: DriveDetector, reservoir: ReservoirDetector, health: HealthDetector): DetectorState {
  return { pressureTrack: d.pressureTrack, flowTrack: d.flowTrack, arterial: d.arterial, flow: d.flow, flowVerdict: d.flowVerdict, drive, strokeCount: d.strokeCount, reservoir, health };
}

/**
 * Acknowledging a stall re-arms the drive check: the missed-stroke count restarts, so the alarm
 * clears and a resume re-tests the drive; a drive still stalled misses again and re-raises it
 * (three times in 10 minutes and Open PCA EC23 forces the stop).
 */
export function acknowledgeStall(d: DetectorState): DetectorState {
  return d.drive.missedStrokes === 0 ? d : withGroups(d, { missedStrokes: 0 }, d.reservoir, d.health);
}

/** A new reservoir: its judgement starts over, and samples from before this instant are ignored. */
export function afterFill(d: DetectorState, atMs: number): DetectorState {
  return withGroups(d, d.drive, { shortfallUl: 0, mismatchUl: 0, emptyCount: 0, lastSampleAtMs: -1, filledAtMs: atMs }, d.health);
}

/** Sets or clears the Open PCA EC23 restart lockout flag. */
export function withRestartLockout(d: DetectorState, lockedOut: boolean): DetectorState {
  if (d.health.repeatedRestartLockout === lockedOut) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: lockedOut });
}
