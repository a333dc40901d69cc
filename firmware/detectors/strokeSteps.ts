/**
 * Stroke-locked steps: what each stroke leaves in the line's mean pressure once it has settled,
 * the evidence that a rise seen without a pulse is the pump filling a closed line and not the
 * patient's own pressure moving.
 *
 * Owns: the smoothed mean of the 1-s windows, the step each stroke leaves in it, the steps kept,
 * and their verdict (`strokeEvidence`).
 * Promises: pure; a tracker is a plain value, its update returns a new one.
 *
 * Physics (docs/faults-and-detection.md, "How the firmware detects"). On an open catheter a stroke's
 * pressure transient ΔV/C drains to the artery with τ = R·C ≤ 1 s; a line closed downstream keeps
 * every stroke's ΔV/C. What else moves the mean (an arterial episode's ramp over 1–10 min, a
 * posture step over 3 s, breathing at 0.2–0.33 Hz) moves it between strokes as much as across them.
 * So each stroke's step is read as the smoothed mean `SETTLE_WINDOWS` windows after the stroke less
 * the mean just before it, less the drift over the same span that the quiet stretches on either
 * side of it show — the larger of the two, so a ramp that starts or ends at the stroke is not
 * taken for a step. The step is ≈ ΔV/C on a closed line (flat on both sides) and ≈ 0 or less on an
 * open one whether the mean is steady or ramping; it is known once the quiet stretch after it is
 * long enough (`QUIET_READ_WINDOWS`) or at the next stroke. A posture step
 * lands on one stroke's span; a low order statistic of the steps keeps it out.
 *
 * Smoothing: two one-pole low-passes of gain α a window, |H(f)| = α / |1 − (1 − α)·e^(−i2πf·1 s)|
 * each. At α = 0.25 breathing (≥ 0.2 Hz, ±1.9 mmHg left in a 1-s mean) passes at ≤ 0.238² = 0.057:
 * ±0.11 mmHg. The two poles reach `settledFraction` of a step after `SETTLE_WINDOWS` windows.
 */

/** Gain of each of the two smoothing poles, a window. */
export const SMOOTHING_ALPHA = 0.25;
/** Windows after a stroke at which its step is read. */
export const SETTLE_WINDOWS = 12;
/**
 * The quiet stretch between a step's reading and the next stroke must be at least this long for
 * its drift to be known; strokes closer than that (a rate above ~150 µL/h at 1 µL strokes, a
 * bolus, the prime) leave the steps unmeasurable.
 */
export const MIN_QUIET_WINDOWS = 12;
/**
 * A step's rise is read once the quiet stretch after it reaches this many windows, or at the next
 * stroke if that comes first: the drift after it is then known.
 */
export const QUIET_READ_WINDOWS = 24;
/** The steps kept, newest last: the longest span the verdict reads. */
export const STEPS_KEPT = 65;
/**
 * Spans (newest steps) the verdict reads, the shortest being the fewest it judges, and the
 * statistic it reads from each: the `rank`-th smallest step, rank = ⌈n/3⌉, so a third of the span
 * less one may be outliers upward (a posture step, the start of a ramp, a walking artefact's
 * residue) without moving it. On an open line of step noise σ it lies near z·σ with σ·sd of
 * spread, z = Φ⁻¹(p) and sd = √(p(1 − p)/n)/φ(z) at Blom's p = (rank − 0.375)/(n + 0.25).
 */
export const EVIDENCE_SPANS: readonly { readonly steps: number; readonly rank: number; readonly z: number; readonly sd: number }[] = [
  { steps: 3, rank: 1, z: -0.869, sd: 0.832 },
  { steps: 5, rank: 2, z: -0.497, sd: 0.586 },
  { steps: 9, rank: 3, z: -0.572, sd: 0.444 },
  { steps: 17, rank: 6, z: -0.451, sd: 0.315 },
  { steps: 33, rank: 11, z: -0.469, sd: 0.227 },
  { steps: 65, rank: 22, z: -0.436, sd: 0.161 },
];
const MIN_STEPS = 3;

/**
 * The two poles' response to a unit step `windows` windows after it entered: the fraction of a
 * stroke's step the reading holds: 0.87 at `SETTLE_WINDOWS`.
 */
export function settledFraction(windows: number): number {
  let fast = 0;
  let level = 0;
  for (let i = 0; i < windows; i++) {
    fast += SMOOTHING_ALPHA * (1 - fast);
    level += SMOOTHING_ALPHA * (fast - level);
  }
  return level;
}

/**
 * σ of the smoothed mean per mmHg of window-mean noise: √(Σ h²) of the two poles' impulse
 * response (h[n] = α²·(n + 1)·(1 − α)^n), 0.27 at α = 0.25.
 */
export function smoothedSdPerWindowSd(): number {
  const b = 1 - SMOOTHING_ALPHA;
  return Math.sqrt(SMOOTHING_ALPHA ** 4 * ((1 + b * b) / (1 - b * b) ** 3));
}

export interface StrokeSteps {
  /** The first pole and the second (the smoothed mean), mmHg. */
  readonly fastMmHg: number;
  readonly levelMmHg: number;
  /** The stroke count at the last window. */
  readonly strokes: number;
  /**
   * Windows left before strokes are read: the smoothed mean starts at one window's mean (breathing
   * moves that by ±2 mmHg) and needs `SETTLE_WINDOWS` to converge; a stroke meanwhile settles
   * unread, and the quiet stretch begins once the mean has converged.
   */
  readonly warmingWindows: number;
  /** A stroke is settling (else the line is quiet), and windows since it or since the quiet stretch began. */
  readonly settling: boolean;
  readonly windows: number;
  /** The smoothed mean just before the stroke now settling (NaN: its step is not read). */
  readonly levelBeforeMmHg: number;
  /** Drift over the quiet stretch before that stroke, mmHg a window (NaN: too short to know), and its windows. */
  readonly driftBeforeMmHgPerWindow: number;
  readonly driftBeforeWindows: number;
  /** The smoothed mean where the quiet stretch began. */
  readonly quietStartMmHg: number;
  /** The last settled stroke's rise in the smoothed mean, awaiting the drift after it (NaN: none), with the drift before it. */
  readonly riseAwaitingMmHg: number;
  readonly riseDriftBeforeMmHgPerWindow: number;
  readonly riseDriftBeforeWindows: number;
  readonly steps: readonly number[];
  /**
   * Each step's noise per σ of the smoothed mean: the reading less the level before less the drift
   * over the span are three smoothed values far enough apart to be independent, weighted 1,
   * 1 + W/Q and W/Q (W the span, Q the quiet stretch the drift came from):
   * √(1 + (1 + W/Q)² + (W/Q)²).
   */
  readonly stepSdFactors: readonly number[];
  /** Strokes came too close since the steps were last cleared: no step measurable yet. */
  readonly unmeasurable: boolean;
}

/** A tracker started at window mean `meanMmHg` with `strokes` completed. */
export function startStrokeSteps(meanMmHg: number, strokes: number): StrokeSteps {
  return {
    fastMmHg: meanMmHg,
    levelMmHg: meanMmHg,
    strokes,
    warmingWindows: SETTLE_WINDOWS,
    settling: false,
    windows: 0,
    levelBeforeMmHg: NaN,
    driftBeforeMmHgPerWindow: NaN,
    driftBeforeWindows: 0,
    quietStartMmHg: meanMmHg,
    riseAwaitingMmHg: NaN,
    riseDriftBeforeMmHgPerWindow: NaN,
    riseDriftBeforeWindows: 0,
    steps: [],
    stepSdFactors: [],
    unmeasurable: false,
  };
}

/**
 * One window: `meanMmHg` is its mean, `strokes` the strokes completed before it (a stroke counted
 * here ran at the end of the period before, so this window is the first after it).
 */
export function updateStrokeSteps(s: StrokeSteps, meanMmHg: number, strokes: number): StrokeSteps {
  const fastMmHg = s.fastMmHg + SMOOTHING_ALPHA * (meanMmHg - s.fastMmHg);
  const levelMmHg = s.levelMmHg + SMOOTHING_ALPHA * (fastMmHg - s.levelMmHg);
  const warmingWindows = Math.max(0, s.warmingWindows - 1);
  const added = strokes - s.strokes;
  if (added === 0) {
    if (s.settling && s.windows + 1 === SETTLE_WINDOWS) {
      // Settled: the rise waits for the drift of the quiet stretch after it (none for a stroke while warming).
      const riseAwaitingMmHg = levelMmHg - s.levelBeforeMmHg;
      return { ...s, fastMmHg, levelMmHg, warmingWindows, settling: false, windows: 0, quietStartMmHg: levelMmHg, riseAwaitingMmHg, riseDriftBeforeMmHgPerWindow: s.driftBeforeMmHgPerWindow, riseDriftBeforeWindows: s.driftBeforeWindows };
    }
    if (!s.settling && warmingWindows > 0) return { ...s, fastMmHg, levelMmHg, warmingWindows, quietStartMmHg: levelMmHg };
    const windows = s.windows + 1;
    if (!s.settling && windows === QUIET_READ_WINDOWS && !Number.isNaN(s.riseAwaitingMmHg)) {
      // A long enough quiet stretch tells the drift after the step without waiting for the next stroke.
      const read = withStep(s, (levelMmHg - s.quietStartMmHg) / windows, windows);
      return { ...s, fastMmHg, levelMmHg, warmingWindows, windows, riseAwaitingMmHg: NaN, steps: read.steps, stepSdFactors: read.stepSdFactors, unmeasurable: s.unmeasurable && read.steps.length < MIN_STEPS };
    }
    return { ...s, fastMmHg, levelMmHg, warmingWindows, windows };
  }
  const quietKnown = s.windows >= MIN_QUIET_WINDOWS;
  const firstStroke = s.steps.length === 0 && !s.unmeasurable && Number.isNaN(s.riseAwaitingMmHg);
  if (added !== 1 || s.settling || !(quietKnown || firstStroke)) {
    // Strokes too close to tell one's step from the next, or a relief running them back.
    return { ...startStrokeSteps(meanMmHg, strokes), fastMmHg, levelMmHg, unmeasurable: true };
  }
  const driftMmHgPerWindow = quietKnown ? (s.levelMmHg - s.quietStartMmHg) / s.windows : NaN;
  const { steps, stepSdFactors } = Number.isNaN(s.riseAwaitingMmHg) ? s : withStep(s, driftMmHgPerWindow, s.windows);
  return {
    fastMmHg,
    levelMmHg,
    strokes,
    warmingWindows,
    settling: true,
    windows: 1,
    // A stroke while the smoothed mean still converges is let settle, not read.
    levelBeforeMmHg: s.warmingWindows > 0 ? NaN : s.levelMmHg,
    driftBeforeMmHgPerWindow: driftMmHgPerWindow,
    driftBeforeWindows: s.windows,
    quietStartMmHg: s.quietStartMmHg,
    riseAwaitingMmHg: NaN,
    riseDriftBeforeMmHgPerWindow: NaN,
    riseDriftBeforeWindows: 0,
    steps,
    stepSdFactors,
    unmeasurable: s.unmeasurable && steps.length < MIN_STEPS,
  };
}

/**
 * The steps with the awaiting rise read: less the larger of the drifts before and after it (the
 * one after over `windowsAfter` quiet windows) carried over the span.
 */
function withStep(s: StrokeSteps, driftAfterMmHgPerWindow: number, windowsAfter: number): { readonly steps: readonly number[]; readonly stepSdFactors: readonly number[] } {
  const before = s.riseDriftBeforeMmHgPerWindow;
  const useBefore = !Number.isNaN(before) && before > driftAfterMmHgPerWindow;
  const drift = useBefore ? before : driftAfterMmHgPerWindow;
  const carried = SETTLE_WINDOWS / (useBefore ? s.riseDriftBeforeWindows : windowsAfter);
  return {
    steps: kept(s.steps, s.riseAwaitingMmHg - drift * SETTLE_WINDOWS),
    stepSdFactors: kept(s.stepSdFactors, Math.sqrt(1 + (1 + carried) ** 2 + carried ** 2)),
  };
}

/** `xs` with `x` appended, the oldest dropped beyond `STEPS_KEPT`. */
function kept(xs: readonly number[], x: number): readonly number[] {
  return xs.length < STEPS_KEPT ? [...xs, x] : [...xs.slice(1), x];
}

/**
 * What the steps say: `locked` when some span's statistic (its `rank`-th smallest step) clears
 * both the least step `minStepMmHg` and where an open line's would lie with `marginSigma` of its
 * spread, (z + margin·sd)·σ_step (σ_step: the span's RMS factor times `smoothedSdMmHg`); `open`
 * when none does, `pending` while fewer steps than the shortest span are read, `unmeasurable`
 * while strokes come too close to read any.
 */
export type StrokeEvidence = 'locked' | 'open' | 'pending' | 'unmeasurable';

export function strokeEvidence(s: StrokeSteps, minStepMmHg: number, smoothedSdMmHg: number, marginSigma: number): StrokeEvidence {
  const n = s.steps.length;
  if (n < MIN_STEPS) return s.unmeasurable ? 'unmeasurable' : 'pending';
  for (const span of EVIDENCE_SPANS) {
    if (span.steps > n) break;
    const factors = s.stepSdFactors.slice(n - span.steps);
    const stepSdMmHg = smoothedSdMmHg * Math.sqrt(factors.reduce((acc, f) => acc + f * f, 0) / span.steps);
    const needMmHg = Math.max(minStepMmHg, (span.z + marginSigma * span.sd) * stepSdMmHg);
    const sorted = [...s.steps.slice(n - span.steps)].sort((a, b) => a - b);
    if ((sorted[span.rank - 1] as number) >= needMmHg) return 'locked';
  }
  return 'open';
}
