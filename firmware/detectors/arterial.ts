/**
 * The arterial detector: occlusion and catheter displacement from the pressure front-end's window
 * features.
 *
 * Owns: the arterial verdict (`ArterialDetector`) and when it is at rest.
 * Promises: pure; the two verdicts a quiet period holds (disconnected, patent) are constants, and
 * an unchanged patent or disconnected verdict is handed back as the same object.
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
 * gone, pressure down) are not occlusions. Where strokes are far enough apart to read what each
 * leaves (strokeSteps.ts), the rise must also be stroke-locked: the steps must say the line is
 * closed, so a patient's own pressure rising without a pulse to show (an episode, a posture step,
 * the end of a walk whose artefact passed for a pulse) is not an occlusion. Stroke-locked, the
 * rise need only clear the window noise (and, after a marginal loss, breathing's swing). Until the first steps
 * are read the rise waits for them; where strokes come too close to read, the rise rule stands
 * alone with its least rise. A fixed limit stays as a backstop (GIP 1.10.3).
 * A front-end too coarse to resolve the weakest pulse (`PressureThresholds.pulseResolvable`
 * false: σ 4 mmHg at 10 Hz puts the threshold at 8 mmHg) sees the pulse "lost" on a patent line
 * too. Its least rise then clears the largest posture step, and its reference moves to the
 * current window every `occlusionReanchorStrokes` strokes while no occlusion is suspected, so the
 * rule judges the last span of strokes rather than every stroke since the run began.
 *
 * Priming (Open PCA EC6). With the needle out of the port the set drains to air: the window mean
 * is the line's resistance times the prime rate (≈ 17 mmHg at 60 mL/h and 1 mmHg·s/µL) and no
 * arterial check applies. A blocked line keeps every stroke (ΔV/C each, ≈ 100 mmHg/s at the prime
 * rate), so the same fixed limit catches it within seconds: a window at or above it while the
 * prime runs is an occlusion. A window the sensor cannot give (out of range above, as a blocked
 * line soon is) holds the verdict, as it does while connected.
 */
import type { DetectorConfig } from '../readings.ts';
import type { PressureReading } from '../../hal/index.ts';
import * as thresholds from './thresholds.ts';
import type { StrokeSteps } from './strokeSteps.ts';
import { startStrokeSteps, strokeEvidence, updateStrokeSteps } from './strokeSteps.ts';

/** The shared threshold table, bound once as this module's own constant (docs/performance.md). */
const { THRESHOLDS } = thresholds;

export interface ArterialDetector {
  readonly pulsePresent: boolean;
  /** While lost: windows in a row with the pulse above the threshold. */
  readonly pulseReturnCount: number;
  /**
   * Pressure and stroke count when the cardiac pulse was last lost (NaN / -1 while present): the
   * stroke-rise rule's reference. On a front-end that cannot resolve the pulse it moves to the
   * current window every `occlusionReanchorStrokes` strokes without a suspected occlusion.
   */
  readonly pressureAtPulseLossMmHg: number;
  readonly strokesAtPulseLoss: number;
  /**
   * The loss was of a pulse the pump saw clearly: the window before it held at least twice the
   * pulse-present threshold. A loss of a marginal pulse (a weak pulse at the edge of the
   * threshold, or one the pump never saw) is judged by the rules of a pulse it cannot resolve.
   */
  readonly lossResolvable: boolean;
  readonly occlusionSuspected: boolean;
  /** While lost: what each stroke since the loss left in the mean (null while present). */
  readonly strokeSteps: StrokeSteps | null;
  /** How long the pulse has been gone with the mean below the displacement limit. */
  readonly lossOfArterialSignalMs: number;
}

export const ARTERIAL_DISCONNECTED: ArterialDetector = {
  pulsePresent: false,
  pulseReturnCount: 0,
  pressureAtPulseLossMmHg: NaN,
  strokesAtPulseLoss: -1,
  lossResolvable: false,
  occlusionSuspected: false,
  strokeSteps: null,
  lossOfArterialSignalMs: 0,
};

/** The artery connected and its pulse present (with the hard pressure limit exceeded or not). */
function arterialPatent(occlusionSuspected: boolean): ArterialDetector {
  return { pulsePresent: true, pulseReturnCount: 0, pressureAtPulseLossMmHg: NaN, strokesAtPulseLoss: -1, lossResolvable: false, occlusionSuspected, strokeSteps: null, lossOfArterialSignalMs: 0 };
}

const ARTERIAL_PATENT: ArterialDetector = arterialPatent(false);

/** The needle out of the port, the prime running, the line above the fixed limit: blocked. */
export const ARTERIAL_PRIME_BLOCKED: ArterialDetector = { ...ARTERIAL_DISCONNECTED, occlusionSuspected: true };

/**
 * Occlusion and displacement from this period's window. `p` is the window if it is plausible
 * (null otherwise, judged once per period by `plausiblePressure`); `suspect`: the signal checks
 * distrust it. An untrusted signal holds the arterial verdict; SENSOR_FAULT takes over.
 * `priming`: disconnected, with the prime running (the line check above applies).
 * `lastBandMmHg`: the cardiac-band amplitude of the window before this one (whether the pulse a
 * loss ends was clearly seen).
 */
export function updateArterial(
  a: ArterialDetector,
  cfg: DetectorConfig,
  connected: boolean,
  strokesCompleted: number,
  p: PressureReading | null,
  suspect = false,
  priming = false,
  lastBandMmHg = Infinity,
): ArterialDetector {
  if (!connected) {
    if (!priming) return ARTERIAL_DISCONNECTED;
    if (p === null) return a === ARTERIAL_PRIME_BLOCKED ? a : ARTERIAL_DISCONNECTED;
    return p.meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg ? ARTERIAL_PRIME_BLOCKED : ARTERIAL_DISCONNECTED;
  }
  if (p === null || suspect) return a;
  const pt = cfg.pressure;
  const pulseNow = p.cardiacAmplitudeMmHg >= pt.pulsePresentMmHg;
  const pulseBack = pulseNow && (a.pulsePresent || a.strokesAtPulseLoss < 0 || a.pulseReturnCount + 1 >= THRESHOLDS.pulseReturnWindows);
  if (pulseBack) {
    const overLimit = p.meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg;
    if (!overLimit) return ARTERIAL_PATENT;
    return a.occlusionSuspected && a.pulsePresent ? a : arterialPatent(true);
  }
  const pulseReturnCount = pulseNow ? a.pulseReturnCount + 1 : 0;
  const lostNow = a.strokesAtPulseLoss < 0;
  const lossResolvable = lostNow ? pt.pulseResolvable && lastBandMmHg >= pt.pulseClearMmHg : a.lossResolvable;
  const minRiseMmHg = lossResolvable ? pt.occlusionMinRiseMmHg : pt.marginalOcclusionMinRiseMmHg;
  const lockedMinRiseMmHg = lossResolvable ? pt.strokeLockedMinRiseMmHg : pt.marginalStrokeLockedMinRiseMmHg;
  const reanchorStrokes = lossResolvable ? pt.occlusionReanchorStrokes : pt.marginalReanchorStrokes;
  let pressureAtPulseLossMmHg = lostNow ? p.meanMmHg : a.pressureAtPulseLossMmHg;
  let strokesAtPulseLoss = lostNow ? strokesCompleted : a.strokesAtPulseLoss;
  const lossOfArterialSignalMs = p.meanMmHg <= THRESHOLDS.displacementMaxMeanMmHg ? a.lossOfArterialSignalMs + cfg.periodMs : 0;
  const strokesSinceLoss = strokesCompleted - strokesAtPulseLoss;
  const riseMmHg = p.meanMmHg - pressureAtPulseLossMmHg;
  const expectedMinRiseMmHg = (THRESHOLDS.occlusionRiseFraction * strokesSinceLoss * cfg.strokeVolumeUl) / cfg.maxPlausibleComplianceUlPerMmHg;
  const strokeSteps = a.strokeSteps === null || lostNow ? startStrokeSteps(p.meanMmHg, strokesCompleted) : updateStrokeSteps(a.strokeSteps, p.meanMmHg, strokesCompleted);
  const occlusionSuspected =
    p.meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg ||
    (strokesSinceLoss >= THRESHOLDS.occlusionMinStrokes && riseMmHg >= lockedMinRiseMmHg && riseMmHg >= expectedMinRiseMmHg && pumpsRise(strokeSteps, pt, riseMmHg >= minRiseMmHg));
  if (!occlusionSuspected && strokesSinceLoss >= reanchorStrokes) {
    // A pulse the pump cannot resolve (the front-end's, or this patient's): the reference moves on (thresholds.ts).
    pressureAtPulseLossMmHg = p.meanMmHg;
    strokesAtPulseLoss = strokesCompleted;
  }
  return { pulsePresent: false, pulseReturnCount, pressureAtPulseLossMmHg, strokesAtPulseLoss, lossResolvable, occlusionSuspected, strokeSteps, lossOfArterialSignalMs };
}

/**
 * The rise is the pump's: the stroke steps say the line is closed (then the rise need only clear
 * the window noise, and after a marginal loss the patent line's swing as well), or strokes come too close to read them and the
 * rise clears the least rise of its kind of loss (`clearsLeastRise`). While the first steps are
 * still being read, it waits; when they say the line is open, it is not the pump's.
 */
function pumpsRise(s: StrokeSteps, pt: thresholds.PressureThresholds, clearsLeastRise: boolean): boolean {
  const evidence = strokeEvidence(s, pt.strokeStepMinMmHg, pt.smoothedMeanSdMmHg, THRESHOLDS.strokeStepMarginSigma);
  return evidence === 'locked' || (evidence === 'unmeasurable' && clearsLeastRise);
}

/**
 * The verdict at rest and staying there for the plausible, trusted window `p`: disconnected, it is
 * the constant it already is while the window is below the fixed limit (a prime may be running);
 * connected, a patent artery stays patent while its pulse is present
 * below the hard limit — so `updateArterial` hands back `a`.
 */
export function arterialAtRest(a: ArterialDetector, cfg: DetectorConfig, connected: boolean, p: PressureReading): boolean {
  if (!connected) return a === ARTERIAL_DISCONNECTED && p.meanMmHg < THRESHOLDS.occlusionHardLimitMmHg;
  return a === ARTERIAL_PATENT && p.cardiacAmplitudeMmHg >= cfg.pressure.pulsePresentMmHg && p.meanMmHg < THRESHOLDS.occlusionHardLimitMmHg;
}
