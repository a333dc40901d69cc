/**
 * The pressure front-end: the mean, range and cardiac band of the line pressure over one read window.
 *
 * Owns: how the plant's line pressure (reference + stored volume / compliance, and the cardiac
 * pulse at the pump) becomes a `PressureReading`: the unit's offset and gain, window-averaged
 * noise, the pulse's mean over the window, quantisation, and the pressure sensor's faults.
 * Promises:
 * - A reading depends only on (seed, time, plant): its noise is the counter-based pair of the
 *   sample index at the read's time (rng.ts `normalPairsFromKey`), never of how often it is read.
 * - Offset and gain are drawn once from the run's device seed (docs/domain.md §2).
 * - A second read in the same instant, and a stuck front-end, hand back the last window computed.
 */
import type { Clock, HalResult, PressureReading, PressureSensor } from '../../../hal/index.ts';
import { halError } from '../../../hal/index.ts';
import type { Plant } from '../plant/index.ts';
import type { PatientPhysiology } from '../patient.ts';
import type { DeviceProfile } from '../profile.ts';
import { noiseKey, normalPairsFromKey, streamId } from '../rng.ts';
import type { SeededRandom } from '../rng.ts';
import { FaultableSensor, applySensorFault, corruptReading } from './readout.ts';

/**
 * Successive windows of one length advance the cardiac phase by one fixed angle, so the phase at
 * each read is the last one rotated (two multiplies and adds, no trig). Each rotation adds about
 * one rounding error (1e-16); recomputing exactly every this many reads keeps the phase within
 * 1e-13 of cos/sin, far below the 0.1 mmHg the front-end resolves.
 */
const EXACT_PHASE_EVERY_READS = 1024;

/**
 * The pressure noise is indexed by time on this grid, 20 ms; the index need only be a function of
 * time, never of how often the firmware reads. It is not the sample period: a window's noise is
 * one normal pair scaled by the window's own sample count n (σ/√n on the mean, σ·√(2/n) on the
 * band), so a 10 Hz front-end (n = 10 a second) and a 50 Hz one (n = 50) read the same grid.
 */
const NOISE_GRID_MS = 20;

/** Pressure reads whose noise is computed together (see `SimPressureSensor.noiseAhead`). */
const NOISE_BATCH_READS = 64;

export class SimPressureSensor extends FaultableSensor implements PressureSensor {
  private lastReadMs = 0;
  private lastIntegral = 0;
  /**
   * The last window computed, kept as numbers rather than as the reading object; `lastReading`
   * rebuilds it for the rare paths that hand it back. A window is never empty, so
   * `lastWindowMs > 0` says there is one.
   */
  private lastAtMs = 0;
  private lastWindowMs = 0;
  private lastSampleCount = 0;
  private lastMeanMmHg = 0;
  private lastMinMmHg = 0;
  private lastMaxMmHg = 0;
  private lastCardiacMmHg = 0;
  private readonly offsetMmHg: number;
  private readonly gain: number;
  private readonly beatPeriodMs: number;
  private readonly resolutionMmHg: number;
  private readonly inverseResolution: number;
  /** Guard added to the window maximum: two noise standard deviations. */
  private readonly maxGuardMmHg: number;
  private readonly key: number;
  /**
   * The noise of the reads ahead: pair j (mean noise, band-amplitude noise) belongs to sample
   * index `noiseNextIndex + (j − noiseCursor)·noiseStrideSamples`. The values are the pure function of
   * (seed, stream, sample index) that `normalPairFromKey` gives, computed a batch at a time in
   * a loop of their own (`normalPairsFromKey`).
   */
  private readonly noiseAhead = new Float64Array(2 * NOISE_BATCH_READS);
  private noiseCursor = NOISE_BATCH_READS;
  private noiseNextIndex = -1;
  private noiseStrideSamples = 1;
  /** Cardiac phase (cos, sin of 2π·t/beat period) at the last read; the first window starts at 0. */
  private cosAtLastRead = 1;
  private sinAtLastRead = 0;
  /** The phase step of one window of `windowMsCached`, and reads since the phase was exact. */
  private stepCos = 1;
  private stepSin = 0;
  private readsSinceExactPhase = EXACT_PHASE_EVERY_READS;
  // Per-window-length constants, recomputed only when the window length changes (it is the
  // control period in every steady state).
  private windowMsCached = -1;
  private samples = 1;
  private meanSdMmHg = 0;
  private amplitudeSdMmHg = 0;
  private pulseMeanScale = 0;

  constructor(
    private readonly plant: Plant,
    private readonly clock: Clock,
    seed: number,
    private readonly spec: DeviceProfile['sensors']['pressure'],
    draw: SeededRandom,
    /** The patient world's beats, breathing and motion (null: the kind world's constant sinusoid). */
    private readonly patient: PatientPhysiology | null = null,
  ) {
    super();
    this.offsetMmHg = draw.uniform(-spec.offsetMaxMmHg, spec.offsetMaxMmHg);
    this.gain = 1 + draw.uniform(-spec.gainErrorMax, spec.gainErrorMax);
    this.beatPeriodMs = 60_000 / plant.artery.heartRateBpm;
    this.resolutionMmHg = spec.resolutionMmHg;
    this.inverseResolution = 1 / spec.resolutionMmHg;
    this.maxGuardMmHg = 2 * spec.noiseSdMmHg;
    this.key = noiseKey(seed, streamId('pressure'));
  }

  /**
   * Noise of a window of n samples (σ per sample): the mean's σ/√n; the cardiac band amplitude's
   * σ·√(2/n). The mean of A·sin(ωt) over the window [t0, t1] is A·(cos ωt0 − cos ωt1)/(ω·W).
   */
  private setWindow(windowMs: number): void {
    const spec = this.spec;
    const windowS = windowMs / 1000;
    const omega = (2 * Math.PI * this.plant.artery.heartRateBpm) / 60;
    this.windowMsCached = windowMs;
    this.samples = Math.max(1, Math.round(windowS * spec.sampleRateHz));
    this.meanSdMmHg = spec.noiseSdMmHg / Math.sqrt(this.samples);
    this.amplitudeSdMmHg = spec.noiseSdMmHg * Math.sqrt(2 / this.samples);
    this.pulseMeanScale = 1 / (omega * windowS);
    const stepRad = (2 * Math.PI * windowMs) / this.beatPeriodMs;
    this.stepCos = Math.cos(stepRad);
    this.stepSin = Math.sin(stepRad);
    this.readsSinceExactPhase = EXACT_PHASE_EVERY_READS;
  }

  /** cos(2π·t1/beat period), advancing the kept phase to t1 (one window after the last read). */
  private advancePhase(t1: number): number {
    let cos: number;
    let sin: number;
    if (this.readsSinceExactPhase < EXACT_PHASE_EVERY_READS) {
      const c0 = this.cosAtLastRead;
      const s0 = this.sinAtLastRead;
      cos = c0 * this.stepCos - s0 * this.stepSin;
      sin = s0 * this.stepCos + c0 * this.stepSin;
      this.readsSinceExactPhase++;
    } else {
      // Time modulo the beat period keeps the argument small, so cos/sin stay exact.
      const beats = t1 / this.beatPeriodMs;
      const rad = 2 * Math.PI * (beats - Math.floor(beats));
      cos = Math.cos(rad);
      sin = Math.sin(rad);
      this.readsSinceExactPhase = 0;
    }
    this.cosAtLastRead = cos;
    this.sinAtLastRead = sin;
    return cos;
  }

  read(): HalResult<PressureReading> {
    const r = this.measure();
    // An `invalid` fault corrupts the reading on its way out, after the physics and any other fault.
    return this.invalidReading === null || !r.ok ? r : corruptReading(r, this.invalidReading);
  }

  private measure(): HalResult<PressureReading> {
    const t1 = this.clock.nowMs();
    const plant = this.plant;
    plant.advanceTo(t1);
    const windowMs = t1 - this.lastReadMs;
    if (windowMs <= 0) return this.lastWindowMs > 0 ? this.lastReading(this.lastAtMs, this.lastWindowMs) : halError('stale', 'no pressure sample yet');
    if (windowMs !== this.windowMsCached) this.setWindow(windowMs);
    const integral = plant.storedIntegral;
    const storedMeanUl = (integral - this.lastIntegral) / windowMs;
    const t0 = this.lastReadMs;
    this.lastReadMs = t1;
    this.lastIntegral = integral;
    const compliance = plant.upstreamComplianceUlPerMmHg();
    let reference = plant.reference.pressureMmHg(t1);
    let amplitude = plant.pulseAmplitudeAtPumpMmHg();
    let pulseMean: number;
    let bandAmplitude: number;
    const patient = this.patient;
    if (patient === null) {
      const cosT0 = this.cosAtLastRead;
      const cosT1 = this.advancePhase(t1);
      pulseMean = amplitude === 0 ? 0 : amplitude * (cosT0 - cosT1) * this.pulseMeanScale;
      bandAmplitude = amplitude;
    } else {
      // Beats, breathing, posture and walking over this window; the band is the front-end's own.
      const w = patient.window(t0, t1, plant.tauSeconds(), amplitude > 0, plant.isAccessed && plant.conditions.needleInPort);
      pulseMean = w.pulseMeanMmHg;
      bandAmplitude = w.bandAmplitudeMmHg;
      amplitude = w.pulsePeakMmHg;
      reference += w.slowMeanMmHg;
    }
    const lowFrequencyMeanMmHg = reference + storedMeanUl / compliance;
    const noiseIndex = Math.round(t1 / NOISE_GRID_MS);
    if (noiseIndex !== this.noiseNextIndex || this.noiseCursor === NOISE_BATCH_READS) {
      // Not the read the batch foresaw (the first, a changed period, a reboot), or the batch is
      // used up: compute the pairs of this read and the next ones, one window apart.
      this.noiseStrideSamples = Math.max(1, Math.round(windowMs / NOISE_GRID_MS));
      normalPairsFromKey(this.key, noiseIndex, this.noiseStrideSamples, this.noiseAhead);
      this.noiseCursor = 0;
    }
    const z = this.noiseAhead;
    const zAt = 2 * this.noiseCursor++;
    this.noiseNextIndex = noiseIndex + this.noiseStrideSamples;
    const zMean = z[zAt] as number;
    const zBand = z[zAt + 1] as number;
    const fault = this.sensorFault;
    if (fault !== null && fault.mode === 'stuck' && this.lastWindowMs > 0) {
      // A stuck front-end repeats its last window.
      return this.lastReading(t1, windowMs);
    }
    const gain = this.gain;
    const offset = this.offsetMmHg;
    let mean = (lowFrequencyMeanMmHg + pulseMean) * gain + offset + this.meanSdMmHg * zMean;
    if (fault !== null) {
      mean = applySensorFault(fault, mean, this.lastWindowMs > 0 ? this.lastMeanMmHg : mean, t1, zMean);
      if (Number.isNaN(mean)) return halError('disconnected', 'pressure sensor not responding');
    }
    // The band estimator reports a magnitude: noise folds onto the positive axis.
    // (A front-end stuck before its first window has nothing to repeat: no band.)
    const cardiac = fault !== null && fault.mode === 'stuck' ? 0 : Math.abs(bandAmplitude * gain + this.amplitudeSdMmHg * zBand);
    const storedNowMmHg = plant.storedVolumeUl / compliance;
    const inv = this.inverseResolution;
    const res = this.resolutionMmHg;
    const low = (reference + storedNowMmHg) * gain + offset;
    const high = lowFrequencyMeanMmHg * gain + offset;
    // Quantised to the resolution, halves up: ⌊x + ½⌋ is Math.round but for x within an ulp below
    // a half (never met at these magnitudes), and has no data-dependent branch.
    const reading: PressureReading = {
      ok: true,
      atMs: t1,
      windowMs,
      sampleCount: this.samples,
      meanMmHg: Math.floor(mean * inv + 0.5) * res,
      minMmHg: Math.floor(((mean < low ? mean : low) - amplitude) * inv + 0.5) * res,
      maxMmHg: Math.floor(((mean > high ? mean : high) + amplitude + this.maxGuardMmHg) * inv + 0.5) * res,
      cardiacAmplitudeMmHg: Math.floor(cardiac * inv + 0.5) * res,
    };
    this.lastAtMs = t1;
    this.lastWindowMs = windowMs;
    this.lastSampleCount = reading.sampleCount;
    this.lastMeanMmHg = reading.meanMmHg;
    this.lastMinMmHg = reading.minMmHg;
    this.lastMaxMmHg = reading.maxMmHg;
    this.lastCardiacMmHg = reading.cardiacAmplitudeMmHg;
    return reading;
  }

  /** The last window computed, as a reading at `atMs` over `windowMs`. */
  private lastReading(atMs: number, windowMs: number): PressureReading {
    return {
      ok: true,
      atMs,
      windowMs,
      sampleCount: this.lastSampleCount,
      meanMmHg: this.lastMeanMmHg,
      minMmHg: this.lastMinMmHg,
      maxMmHg: this.lastMaxMmHg,
      cardiacAmplitudeMmHg: this.lastCardiacMmHg,
    };
  }
}
