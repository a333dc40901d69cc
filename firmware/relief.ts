/**
 * Pressure relief after a downstream occlusion (GIP 1.10.6): how many strokes to run the drive
 * back this period, so that what the blocked line stores is not released as a bolus when the
 * blockage clears (GIP 1.10.7).
 *
 * Owns: the relief decision, a pure function of the period's detector verdict, alarms and window.
 * Promises:
 * - Relief runs only while OCCLUSION is present with the pump connected, the pulse lost (so the
 *   pressure when it was lost is the line's relaxed pressure, the baseline) and a plausible window
 *   the signal checks trust; never during a prime (the set drains to air when it clears, not into
 *   the patient) and never while the drive could deliver (OCCLUSION stops it).
 * - It never draws back more than the line stores: the volume above the baseline is estimated as
 *   (mean − baseline − margin) × C_relief, where C_relief is half the line compliance the firmware
 *   is told. The compliance upstream of a blockage is 50–97 % of the line's (the profiles' upstream
 *   shares, line to catheter), so the estimate is at most what is stored; each period takes at
 *   least half of the excess, and a few periods bring the line within the margin plus one stroke's
 *   step of its baseline.
 * - Never more than the strokes completed since the pulse was lost (what the blockage can have
 *   stored), nor than the phase has delivered, nor than the drive's strokes in one period; and
 *   none when the rise is more than those strokes can explain (it is then the back-pressure that
 *   moved, not volume stored: the artery back after a tip in tissue, a posture step).
 */
import type { PressureReading } from '../hal/index.ts';
import type { AlarmState } from './alarms.ts';
import { alarmPresent } from './alarms.ts';
import type { DetectorConfig, DetectorState } from './detectors/index.ts';

/**
 * Relief stops this far above the baseline: above the window mean's noise (σ 1 mmHg at 50 Hz
 * gives 0.14 mmHg over a 1 s window; σ 4 mmHg at 10 Hz, 1.3 mmHg) and the pulse-loss window's own
 * error, so the line is never drawn below its relaxed pressure.
 */
export const RELIEF_MARGIN_MMHG = 5;

/** Share of the told line compliance assumed upstream of the blockage: the smallest profile share. */
export const RELIEF_COMPLIANCE_SHARE = 0.5;

export interface ReliefInput {
  readonly detectors: DetectorState;
  readonly alarms: AlarmState;
  readonly connected: boolean;
  /** The period's window if plausible and trusted by the signal checks; null otherwise. */
  readonly pressure: PressureReading | null;
  readonly phaseDeliveredStrokes: number;
  readonly lineComplianceUlPerMmHg: number;
  readonly maxStrokesPerStep: number;
}

/** Strokes to run back now (0 in every period but those of a relief). */
export function reliefStrokes(r: ReliefInput, cfg: DetectorConfig): number {
  if (!r.connected || r.pressure === null || !alarmPresent(r.alarms, 'OCCLUSION')) return 0;
  const a = r.detectors.arterial;
  if (a.pulsePresent || a.strokesAtPulseLoss < 0 || !Number.isFinite(a.pressureAtPulseLossMmHg)) return 0;
  const excessMmHg = r.pressure.meanMmHg - a.pressureAtPulseLossMmHg - RELIEF_MARGIN_MMHG;
  const storedUl = excessMmHg * r.lineComplianceUlPerMmHg * RELIEF_COMPLIANCE_SHARE;
  // Less than one stroke above the margin is no relief (and a NaN compares false: none either).
  if (!(storedUl >= cfg.strokeVolumeUl)) return 0;
  const strokesSinceLoss = r.detectors.strokeCount.strokesCompleted - a.strokesAtPulseLoss;
  // A rise the strokes since the loss cannot explain, even into the smallest upstream compliance,
  // is not volume the line stores (the artery back after a tip in tissue, a posture change): no relief.
  if (storedUl > strokesSinceLoss * cfg.strokeVolumeUl) return 0;
  return Math.min(strokesSinceLoss, r.phaseDeliveredStrokes, r.maxStrokesPerStep, Math.floor(storedUl / cfg.strokeVolumeUl));
}
