/**
 * Detection thresholds, one table for every detector family.
 *
 * Owns: every number a detector compares against, each with the reasoning or source behind it.
 * Promises: frozen; the alarm table and the verification model read the same figures.
 */
import { cardiacBandGain } from '../../hal/index.ts';

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
   * A working pressure front-end never repeats a window exactly: σ 0.14 mmHg on the mean at
   * 0.1 mmHg resolution, plus the cardiac amplitude and min/max, make ten identical windows in a
   * row (P < 1e-8) a stuck sensor.
   */
  pressureStuckWindows: 10,
  /**
   * Noise: the window mean jumping by more than this, up then down (or down then up), is not
   * physiology (exercise ramps over minutes) nor an occlusion (strokes only push it up) — once the
   * pulse's own swing is added (`pressureJumpPerBandMmHg`): a slow pulse is not averaged out of a
   * 1-s window (at 30 bpm it swings the mean by ±18.5 mmHg).
   */
  pressureJumpMmHg: 15,
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
