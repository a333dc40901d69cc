/**
 * Detection thresholds, one table for every detector family.
 *
 * Owns: every number a detector compares against, each with the reasoning or source behind it.
 * Promises: frozen; the alarm table and the verification model read the same figures.
 */
import { cardiacBandGain } from '../../hal/index.ts';
import { MIN_QUIET_WINDOWS, SETTLE_WINDOWS, settledFraction, smoothedSdPerWindowSd } from './strokeSteps.ts';

/** The lowest heart rate a scenario (and the product) admits, bpm. */
const LOWEST_HEART_RATE_BPM = 30;
/** The largest pulse at the pump: half the largest pulse pressure admitted (100 mmHg). */
const LARGEST_PULSE_AT_PUMP_MMHG = 50;
/** The control period's pressure window, s. */
const WINDOW_S = 1;
/**
 * How far the pulse alone can swing the 1-s window mean from one window to the next, per mmHg of
 * band amplitude. The mean of A·sin(ωt) over a window W is at most A·min(1, 2/(ωW)), so two
 * windows differ by at most 2A·min(1, 2/(ωW)): 1.27·A at 30 bpm (ω = π rad/s). The front-end
 * reports the amplitude after its band, which passes 30 bpm (0.5 Hz, below the band's 0.7 Hz) at
 * `cardiacBandGain(0.5)` = 0.57, so the swing per mmHg reported is 1.27 / 0.57 = 2.2. Over
 * 30–200 bpm the swing is 2·sin²(ωW/2)/(ωW/2) per mmHg of pulse and the band's gain rises with
 * the rate: the swing per mmHg reported is largest at 30 bpm, this figure.
 */
const OMEGA_LOWEST = (2 * Math.PI * LOWEST_HEART_RATE_BPM) / 60;
const PULSE_SWING_PER_MEAN_AMPLITUDE = 2 * Math.min(1, 2 / (OMEGA_LOWEST * WINDOW_S));
const PULSE_SWING_PER_BAND_MMHG = PULSE_SWING_PER_MEAN_AMPLITUDE / cardiacBandGain(LOWEST_HEART_RATE_BPM / 60);
export const THRESHOLDS = Object.freeze({
  /**
   * Once lost, the pulse counts as back only after this many windows in a row above the
   * threshold (`PressureThresholds.pulsePresentMmHg`, at least 4σ of the band estimate's noise):
   * a single noise window (p ≤ 6e-5 per window, folded, about five a day at 1 Hz) must not reset
   * the occlusion evidence; three in a row (p ≤ 3e-13) never happen in 14 days.
   */
  pulseReturnWindows: 3,
  /**
   * Highest line compliance the stroke-rise rule allows for: the product's sweep (docs/domain.md
   * §2, 0.05–1.0 µL/mmHg), or the compliance the device is told where that is more
   * (`maxPlausibleComplianceUlPerMmHg` in DetectorConfig): a 3 µL/mmHg line stores a stroke at a
   * third of the rise a fixed 1 µL/mmHg expects, and half of that expectation
   * (`occlusionRiseFraction`) would then never be met.
   */
  maxPlausibleComplianceUlPerMmHg: 1.0,
  /** Fraction of the occluded rise (ΔV/C_max per stroke) that must be seen. */
  occlusionRiseFraction: 0.5,
  /** Strokes after the pulse is lost before the rise is judged (one stroke can be noise). */
  occlusionMinStrokes: 3,
  /**
   * A span's statistic of the stroke steps must lie this many of its own spread above where an
   * open line's would lie to say the line is closed (strokeSteps.ts): an open line passes a span
   * with p ≤ 3e-5 (4σ of a normal).
   */
  strokeStepMarginSigma: 4,
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
  /**
   * No flow (upstream occlusion): two 5-minute blocks measuring under this share of the
   * encoder-confirmed volume. A correct delivery at the lowest rate (20 µL/h) reads at least
   * 20·0.97 − 3.4 = 16 µL/h (gain, offset and 14-day drift at their limits), σ ≈ 0.8 µL/h over
   * 10 minutes: 7 µL/h is 11σ below it. Nothing moving reads at most 3.4 µL/h + 3σ = 5.8 µL/h.
   * The flow sensor measures what the pump pushes, so a downstream blockage (the line's
   * compliance takes the strokes) does not look like this: OCCLUSION is its alarm.
   */
  noFlowRatio: 0.35,
  /**
   * …judged only when the strokes confirmed over those 10 minutes come to at least this rate: below
   * it the sensor's absolute error (±3.4 µL/h, plus noise) is not small against the flow it
   * must tell from none (at 15 µL/h a correct delivery reads ≥ 11.1 µL/h, 7σ above 35 %).
   */
  noFlowMinCommandedUlPerHour: 15,
  /**
   * Free flow: a 10 s flow read above this while the pump delivers nothing. The sensor's worst
   * offset and drift are 3.4 µL/h and a 10 s read's noise σ ≈ 6.3 µL/h: 30 µL/h is 4.2σ above the
   * worst resting sensor (p ≈ 1e-5 a read), and twelve in a row (2 minutes) never happen at rest.
   * Twelve also outlast the stuck check (six repeats), so a sensor stuck at a running value is
   * SENSOR_DEGRADED, not free flow.
   */
  freeFlowReadUlPerHour: 30,
  freeFlowReads: 12,
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
   * A working pressure front-end never repeats a window exactly: two successive means agree with
   * p ≈ q/(σ_d·√(2π)) where σ_d = σ·√(2/n) is the σ of their difference and q the resolution —
   * 0.1/(0.2·2.5) = 0.20 on the fine front-end (σ 1 mmHg, 50 samples, 0.1 mmHg), 1/(1.79·2.5)
   * = 0.22 on the coarse one (σ 4 mmHg, 10 samples, 1 mmHg) — and the band amplitude, folded
   * onto few steps, agrees with p ≈ 0.25 on either. Ten identical windows in a row
   * (p ≈ (0.2·0.25)¹⁰ ≈ 1e-13 per window, 1e-7 over 14 days of 1-s windows) are a stuck sensor
   * on both; a front-end whose resolution is coarse against its noise (q/σ_d near 1) would need
   * more.
   */
  pressureStuckWindows: 10,
  /** The pulse's own swing of the window mean per mmHg of the larger band amplitude of the two windows (2.2). */
  pressureJumpPerBandMmHg: PULSE_SWING_PER_BAND_MMHG,
  /**
   * The most the pulse can add to the jump: the largest pulse at the pump (50 mmHg) swings the mean
   * by at most 1.27 × 50 = 64 mmHg, so a band amplitude beyond what a pulse can be (a noisy
   * front-end) cannot raise the limit further.
   */
  pressureJumpPulseCapMmHg: PULSE_SWING_PER_MEAN_AMPLITUDE * LARGEST_PULSE_AT_PUMP_MMHG,
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
  /**
   * Air-in-line: a single bubble of this volume or more passing the outlet detector while infusing.
   * Infusion pumps alarm on single bubbles of 25–100 µL (the common ultrasonic detectors' range);
   * the arterial route takes the low end's order, at 50 µL, above the detector's resolution.
   */
  airBubbleLimitUl: 50,
  /**
   * The top of the device's operating temperature range, °C (ambulatory pumps: +40 °C, e.g.
   * CADD-Solis +2…+40 °C): above it the drive and electronics are outside their specification
   * (GIP 7.1.2, Open PCA R6.4.0(8), EC9). Worn on the body a pump reads ~32 °C; implanted, 37 °C.
   */
  maxOperatingCelsius: 40,
  batteryLowPercent: 20,
  batteryDepletedPercent: 5,
});

/** The pressure front-end as its datasheet states it (`DeviceConfig`): nominal, never the unit's own. */
export interface PressureFrontEnd {
  /** White noise per sample, 1σ, mmHg. */
  readonly noiseSdMmHg: number;
  readonly sampleRateHz: number;
  /** Quantisation step of every window feature, mmHg. */
  readonly resolutionMmHg: number;
}

/** The pressure thresholds that depend on the front-end's noise, derived once per device (`pressureThresholds`). */
export interface PressureThresholds {
  /** σ of the 1-s window mean, σ/√n, and of the cardiac-band amplitude estimate, σ·√(2/n), mmHg. */
  readonly windowMeanSdMmHg: number;
  readonly bandSdMmHg: number;
  /** Cardiac-band amplitude at or above which the artery is taken as connected. */
  readonly pulsePresentMmHg: number;
  /** The threshold sits far enough below the weakest pulse that a patent catheter always shows it. */
  readonly pulseResolvable: boolean;
  /** A pulse at or above this (twice the threshold) is seen clearly: its loss marks the artery cut off. */
  readonly pulseClearMmHg: number;
  /** The least rise since the reference window that the stroke-rise rule accepts as an occlusion. */
  readonly occlusionMinRiseMmHg: number;
  /**
   * With the pulse lost and no occlusion suspected, the reference window moves to the current one
   * after this many strokes (Infinity: it stays at the pulse's loss).
   */
  readonly occlusionReanchorStrokes: number;
  /**
   * The same two for the loss of a pulse the pump did not see clearly (a marginal or unseen
   * pulse, `ArterialDetector.lossResolvable` false): the rules of a pulse it cannot resolve.
   * Equal to the two above on a front-end that resolves no pulse.
   */
  readonly marginalOcclusionMinRiseMmHg: number;
  readonly marginalReanchorStrokes: number;
  /** The window mean's jump, beyond the pulse's own swing, that counts as noise when it reverses. */
  readonly pressureJumpMmHg: number;
  /**
   * The least step statistic that says the line is closed (strokeSteps.ts), and the
   * noise σ of the smoothed mean the steps are read from, mmHg.
   */
  readonly strokeStepMinMmHg: number;
  readonly smoothedMeanSdMmHg: number;
  /**
   * The least rise a stroke-locked rise must clear: after the loss of a clearly seen pulse the
   * window noise alone (the artery is cut off, and breathing with it); after any other loss also
   * what breathing and walking move a patent line's mean between two windows.
   */
  readonly strokeLockedMinRiseMmHg: number;
  readonly marginalStrokeLockedMinRiseMmHg: number;
}

/** Band-noise σ between the noise floor and the pulse threshold: P(|z| ≥ 4) = 6e-5 a window. */
const PULSE_MARGIN_SIGMA = 4;
/**
 * The weakest pulse at the pump on a patent catheter, mmHg: (40 mmHg / 2) / √(1 + (2π·f·R·C)²) at
 * 100 bpm, R 1 mmHg·s/µL and C 0.97 µL/mmHg upstream of the tip (C 1 µL/mmHg, the product's
 * most compliant line): 20 / 10.2 = 1.9 mmHg. The pulse is resolvable when the threshold sits at
 * least 2× below it; the fine front-end's 0.8 mmHg is 2.4× below.
 */
const WEAKEST_PULSE_AT_PUMP_MMHG = 1.9;
const PULSE_RESOLVABLE_MARGIN = 2;
/**
 * Noise σ of a rise (one window minus the reference window, σ_w·√2) that the rise must clear:
 * P(z ≥ 6) = 1e-9 a window, 1.2e-3 over the 1.2 M windows of 14 days.
 */
const RISE_MARGIN_SIGMA = 6;
/** The rise also clears the pulse's own residue in a 1-s mean after its loss (~0.5 mmHg) with margin. */
const OCCLUSION_MIN_RISE_FLOOR_MMHG = 3;
/**
 * The largest step of hydrostatic head between posture levels (docs/domain.md §7: lying −10…0,
 * standing +10…+25 mmHg): 35 mmHg. Where the pulse is resolvable, a posture step with the pulse
 * present is never an occlusion; where it is not, the pulse cannot tell, so the rise must clear
 * the largest posture step as well.
 */
const POSTURE_STEP_MAX_MMHG = 35;
/**
 * What else moves a 1-s mean between any two windows of a patent line with no pulse to tell:
 * breathing (±2 mmHg on the arterial mean, 4 mmHg crest to trough; docs/domain.md §7) and the
 * residue of the walking artefact in a window (a 1.7–2 Hz swing of up to 10 mmHg leaves at most
 * A/(π·f·1 s) ≈ 2 mmHg in the mean).
 */
const PATENT_LINE_SWING_MMHG = 6;
/** Noise σ of a window-to-window difference below the noise-reversal limit. */
const JUMP_MARGIN_SIGMA = 8;
/** A jump physiology never makes in one second (exercise ramps over minutes; posture over seconds, ≤ 35 mmHg but once). */
const PRESSURE_JUMP_FLOOR_MMHG = 15;

/**
 * The share of a closed line's ΔV/C a stroke's step reading holds at worst: the two poles' settled
 * fraction at the reading, less the drift the previous step's unsettled rest puts into the
 * shortest quiet stretch and the correction carries over the step's span:
 * 0.87 − 0.13 · 12/12 = 0.75.
 */
const STEP_SETTLED = settledFraction(SETTLE_WINDOWS);
const STEP_GAIN_WORST = STEP_SETTLED - ((1 - STEP_SETTLED) * SETTLE_WINDOWS) / MIN_QUIET_WINDOWS;

/** `x` rounded up to the front-end's resolution (with a 1e-9 step of slack for rounding errors). */
function upToResolution(x: number, resolutionMmHg: number): number {
  return Math.ceil(x / resolutionMmHg - 1e-9) * resolutionMmHg;
}

/**
 * The noise-dependent pressure thresholds of a front-end with stroke volume ΔV (nominal figures).
 * A window of 1 s holds n = rate·1 s samples: its mean has σ_w = σ/√n, its band estimate
 * σ_b = σ·√(2/n) (hal/sensors.ts; the front-end model in sim/world/devices/pressureSensor.ts).
 * - `pulsePresentMmHg` = 4·σ_b up to the resolution (at least one step): the fine front-end
 *   (σ 1 mmHg, 50 Hz, 0.1 mmHg) gives 4·0.2 = 0.8 mmHg; the coarse one (σ 4 mmHg, 10 Hz, 1 mmHg)
 *   4·1.79 = 7.2 → 8 mmHg, above the 6 mmHg a 100 bpm pulse leaves at C 0.3 µL/mmHg: the
 *   coarse front-end cannot resolve the pulse (`pulseResolvable` false).
 * - `occlusionMinRiseMmHg` = max(3 mmHg, 6·σ_w·√2), plus the largest posture step (35 mmHg) when the
 *   pulse is not resolvable: 3 mmHg fine (6·0.2 = 1.2 is below the floor), 35 + 6 + 10.7 → 52 mmHg
 *   coarse (the breathing and walking swing below).
 * - `occlusionReanchorStrokes`: with a resolvable pulse the reference is the window at the
 *   pulse's loss, the moment the artery is cut off (Infinity). Without one, a loss marks
 *   nothing, so the reference moves on once the strokes since it would demand more than the
 *   least rise (`occlusionRiseFraction`·N·ΔV/C_max ≥ `occlusionMinRiseMmHg`): 52 / (0.5 · 1 µL /
 *   1 µL/mmHg) = 104 strokes coarse. An occlusion then needs at most one such span plus its own
 *   rise, never a rise against strokes counted for hours.
 * - `pressureJumpMmHg` = max(15 mmHg, 8·σ_w·√2): 15 on both (coarse 8·1.79 = 14.3).
 * - `strokeStepMinMmHg` = `occlusionRiseFraction` · 0.75 · ΔV/C_max (0.37 mmHg at 1 µL and
 *   1 µL/mmHg): half of what a closed line's stroke leaves in the step reading at worst;
 *   `smoothedMeanSdMmHg` = σ_w · 0.27: 0.038 mmHg fine, 0.34 mmHg coarse. Posture and episodes
 *   do not lock to strokes, so a stroke-locked rise need only clear the window noise after a
 *   clearly seen pulse's loss (`strokeLockedMinRiseMmHg` = max(3 mmHg, 6·σ_w·√2): 3 fine) and the
 *   noise plus a patent line's breathing and walking swing after any other
 *   (`marginalStrokeLockedMinRiseMmHg`, 6 mmHg more: 7.2 fine, 17 coarse).
 * - `marginal…`: a front-end that resolves the pulse still meets patients whose pulse it does not
 *   see clearly — a fast heart, a small pulse pressure and a soft line leave a patent catheter
 *   0.5–1 mmHg in the band (the population in docs/faults-and-detection.md). The loss of such a
 *   pulse marks nothing either, so it is judged as on a front-end that resolves none: the least
 *   rise clears the largest posture step and what breathing and walking move a patent line's mean
 *   (35 + 6 + 1.2 → 42.2 mmHg fine) and the reference moves on after
 *   42.2 / (0.5 · 1 µL / C_max) strokes (85 at C_max 1 µL/mmHg).
 * `maxPlausibleComplianceUlPerMmHg` (C_max): the product's 1 µL/mmHg, or the told compliance
 * where that is more (detectorConfig).
 */
export function pressureThresholds(f: PressureFrontEnd, strokeVolumeUl: number, maxPlausibleComplianceUlPerMmHg: number = THRESHOLDS.maxPlausibleComplianceUlPerMmHg): PressureThresholds {
  const samples = Math.max(1, Math.round(f.sampleRateHz * WINDOW_S));
  const windowMeanSdMmHg = f.noiseSdMmHg / Math.sqrt(samples);
  const bandSdMmHg = f.noiseSdMmHg * Math.sqrt(2 / samples);
  const differenceSdMmHg = windowMeanSdMmHg * Math.SQRT2;
  const res = f.resolutionMmHg;
  const pulsePresentMmHg = Math.max(res, upToResolution(PULSE_MARGIN_SIGMA * bandSdMmHg, res));
  const pulseResolvable = pulsePresentMmHg * PULSE_RESOLVABLE_MARGIN <= WEAKEST_PULSE_AT_PUMP_MMHG;
  const noiseRiseMmHg = RISE_MARGIN_SIGMA * differenceSdMmHg;
  const marginalOcclusionMinRiseMmHg = Math.max(OCCLUSION_MIN_RISE_FLOOR_MMHG, upToResolution(POSTURE_STEP_MAX_MMHG + PATENT_LINE_SWING_MMHG + noiseRiseMmHg, res));
  const marginalReanchorStrokes = Math.ceil((marginalOcclusionMinRiseMmHg * maxPlausibleComplianceUlPerMmHg) / (THRESHOLDS.occlusionRiseFraction * strokeVolumeUl) - 1e-9);
  const strokeLockedMinRiseMmHg = Math.max(OCCLUSION_MIN_RISE_FLOOR_MMHG, upToResolution(noiseRiseMmHg, res));
  const marginalStrokeLockedMinRiseMmHg = Math.max(OCCLUSION_MIN_RISE_FLOOR_MMHG, upToResolution(PATENT_LINE_SWING_MMHG + noiseRiseMmHg, res));
  const occlusionMinRiseMmHg = pulseResolvable ? strokeLockedMinRiseMmHg : marginalOcclusionMinRiseMmHg;
  const occlusionReanchorStrokes = pulseResolvable ? Infinity : marginalReanchorStrokes;
  const pressureJumpMmHg = Math.max(PRESSURE_JUMP_FLOOR_MMHG, upToResolution(JUMP_MARGIN_SIGMA * differenceSdMmHg, res));
  const pulseClearMmHg = pulsePresentMmHg * PULSE_RESOLVABLE_MARGIN;
  const strokeStepMinMmHg = (THRESHOLDS.occlusionRiseFraction * STEP_GAIN_WORST * strokeVolumeUl) / maxPlausibleComplianceUlPerMmHg;
  const smoothedMeanSdMmHg = windowMeanSdMmHg * smoothedSdPerWindowSd();
  return Object.freeze({ windowMeanSdMmHg, bandSdMmHg, pulsePresentMmHg, pulseResolvable, pulseClearMmHg, occlusionMinRiseMmHg, occlusionReanchorStrokes, marginalOcclusionMinRiseMmHg, marginalReanchorStrokes, pressureJumpMmHg, strokeStepMinMmHg, smoothedMeanSdMmHg, strokeLockedMinRiseMmHg, marginalStrokeLockedMinRiseMmHg });
}
