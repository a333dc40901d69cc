/**
 * The flow detector: GIP 1.2.2 / 1.2.3, measured against commanded volume over 15 minutes.
 *
 * Owns: the flow window (`FlowDetector`, three 5-minute blocks and the one under way), its
 * verdict (`FlowVerdict`), and when they are at rest.
 * Promises: pure; a window is built field by field by one literal or builder, never by spreading
 * another; an idle window is the constant `FLOW_IDLE`.
 */
import type { DetectorConfig } from '../readings.ts';
import type { FlowReading, HalResult } from '../../hal/index.ts';
import * as thresholds from './thresholds.ts';

/** The shared threshold table, bound once as this module's own constant (docs/performance.md). */
const { THRESHOLDS } = thresholds;

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
  /** Every flow read of the block under way was plausible (a failed read adds no volume). */
  readonly trusted: boolean;
  /** The same for the last two completed blocks, newest first. */
  readonly trusted1: boolean;
  readonly trusted2: boolean;
}

/** The flow verdict, renewed when a 5-minute block completes. */
export interface FlowVerdict {
  /** Measured / commanded over the last full 15-minute window (NaN until one is full). */
  readonly ratio: number;
  readonly overInfusion: boolean;
  readonly underInfusion: boolean;
  /**
   * The last two completed blocks (10 minutes), every read in them plausible, measured under
   * `noFlowRatio` of the encoder-confirmed strokes: the head turns and moves nothing — the
   * reservoir side is blocked (GIP 1.10.1), or the source is dry.
   */
  readonly noFlow: boolean;
}

export const FLOW_IDLE: FlowDetector = {
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
  trusted: true,
  trusted1: true,
  trusted2: true,
};

/** The window opened by the first flow read of an infusion; nothing counted yet. */
const FLOW_OPEN: FlowDetector = withCurrentBlock(FLOW_IDLE, 0, 0, 0, true);

export const NO_FLOW_VERDICT: FlowVerdict = { ratio: NaN, overInfusion: false, underInfusion: false, noFlow: false };

/** The flow window with the block under way replaced, its completed blocks kept. */
function withCurrentBlock(fl: FlowDetector, measuredUl: number, commandedUl: number, blockElapsedMs: number, trusted: boolean): FlowDetector {
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
    trusted,
    trusted1: fl.trusted1,
    trusted2: fl.trusted2,
  };
}

/**
 * GIP 1.2.2 / 1.2.3 integrator: 5-minute blocks of measured and commanded volume. `plausible` is
 * the period's flow reading if plausible (`plausibleFlow`), null otherwise: an implausible read
 * adds no volume but its time.
 */
export function updateFlow(fl: FlowDetector, cfg: DetectorConfig, infusing: boolean, f: HalResult<FlowReading> | null, plausible: FlowReading | null): FlowDetector {
  if (!infusing) return FLOW_IDLE;
  if (f === null) return fl;
  // The first read after the infusion (re)starts covers time before it (prime, pause, alarm stop):
  // it only opens the window. Strokes recorded before it are dropped with it.
  if (fl === FLOW_IDLE) return FLOW_OPEN;
  // The flow front-end integrates between reads; a read covers `windowMs`.
  const measuredUl = fl.measuredUl + (plausible !== null ? (plausible.meanFlowUlPerHour * plausible.windowMs) / 3_600_000 : 0);
  const blockElapsedMs = fl.blockElapsedMs + (f.ok ? f.windowMs : cfg.periodMs);
  const trusted = fl.trusted && plausible !== null;
  if (blockElapsedMs < THRESHOLDS.flowBlockMs) return withCurrentBlock(fl, measuredUl, fl.commandedUl, blockElapsedMs, trusted);
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
    trusted: true,
    trusted1: trusted,
    trusted2: fl.trusted1,
  };
}

/**
 * The window at rest with no flow read this period: while infusing, `updateFlow` hands it back;
 * otherwise it is idle already (the infusion ending closes it).
 */
export function flowAtRest(fl: FlowDetector, infusing: boolean, f: HalResult<FlowReading> | null): boolean {
  return f === null && (infusing || fl === FLOW_IDLE);
}

/**
 * GIP 1.2.2 / 1.2.3 verdict over the last 15 minutes (three blocks), renewed when a block
 * completes: flow above 110 % or below 90 % of commanded, and off by more than the sensor's
 * absolute tolerance (offset ±2 µL/h matters at the lowest rates).
 */
export function updateFlowVerdict(v: FlowVerdict, fl: FlowDetector, infusing: boolean): FlowVerdict {
  if (!infusing) return NO_FLOW_VERDICT;
  if (fl.blockElapsedMs !== 0) return v;
  const recentCommanded = fl.commanded1Ul + fl.commanded2Ul;
  const noFlow =
    fl.blocksFilled >= 2 && fl.trusted1 && fl.trusted2 &&
    recentCommanded >= (THRESHOLDS.noFlowMinCommandedUlPerHour * 2 * THRESHOLDS.flowBlockMs) / 3_600_000 &&
    fl.measured1Ul + fl.measured2Ul < THRESHOLDS.noFlowRatio * recentCommanded;
  if (fl.blocksFilled < 3) return noFlow ? { ratio: NaN, overInfusion: false, underInfusion: false, noFlow } : NO_FLOW_VERDICT;
  const measured = fl.measured1Ul + fl.measured2Ul + fl.measured3Ul;
  const commanded = fl.commanded1Ul + fl.commanded2Ul + fl.commanded3Ul;
  const ratio = commanded > 0 ? measured / commanded : NaN;
  const hours = THRESHOLDS.flowWindowMs / 3_600_000;
  const margin = (ratioBand: number): number => commanded * (ratioBand + THRESHOLDS.flowGainTolerance) + THRESHOLDS.flowAbsoluteToleranceUlPerHour * hours;
  return {
    ratio,
    overInfusion: commanded > 0 && measured - commanded > margin(THRESHOLDS.overInfusionRatio - 1),
    underInfusion: commanded > 0 && commanded - measured > margin(1 - THRESHOLDS.underInfusionRatio),
    noFlow,
  };
}

/**
 * Encoder-confirmed strokes enter the block under way. The flow sensor verifies that they moved
 * fluid; missed strokes are MOTOR_STALL's business. Strokes before the window opens (idle) are not
 * in any block; from the opening read on they are, as the next read's volume includes them.
 */
export function flowAfterStrokes(fl: FlowDetector, completed: number, strokeVolumeUl: number): FlowDetector {
  return fl === FLOW_IDLE ? fl : withCurrentBlock(fl, fl.measuredUl, fl.commandedUl + completed * strokeVolumeUl, fl.blockElapsedMs, fl.trusted);
}

/** The last completed 5-minute flow block moved less than half of what the encoder confirmed. */
export function flowSaysDry(fl: FlowDetector): boolean {
  return fl.blocksFilled >= 1 && fl.commanded1Ul > 0 && fl.measured1Ul < THRESHOLDS.reservoirDryFlowRatio * fl.commanded1Ul;
}
