/**
 * The patient world: a beating heart, breathing, posture and walking, as the pressure front-end at
 * the pump sees them (docs/faults-and-detection.md, "The patient world"; ../shared figures in
 * docs/domain.md §7).
 *
 * Owns: the beat sequence (RR intervals and pulse amplitudes for the rhythm), the activity
 * schedule (sleep, lying, sitting, standing, walking bouts) with its heart-rate offsets, hydrostatic
 * head and walking artefact, respiration, and the features of one read window they give: the
 * pulse's mean over the window, its amplitude after the catheter's low-pass and the front-end's
 * cardiac band (`cardiacBandGain`, hal/sensors.ts), and the slow terms added to the line pressure.
 * Promises:
 * - Deterministic on the virtual clock: beats and activity segments are drawn in time order from
 *   the run's seeded streams, so a window's features depend only on (seed, window), never on how
 *   often the front-end is read.
 * - The kind world never builds one: a scenario with `world.physiology: "kind"` runs the constant
 *   sinusoid of the pressure front-end (sim/world/devices/pressureSensor.ts), bit for bit.
 *
 * Models (defaults are modelling choices within the figures of docs/domain.md §7):
 * - Sinus: RR = 60/HR(t) · (1 + RSA·sin(2π·f_resp·t)) · (1 + (SDNN/RR)·z), SDNN drawn 15–50 ms
 *   per patient (lower than healthy adults' 30–60: the patients are ill), RSA 3 %.
 * - Atrial fibrillation: RR = mean · max(0.35, 1 + cv·z), cv drawn 0.15–0.3; each beat's pulse
 *   follows its preceding interval, clamp(RR_prev/mean, 0.2, 1.3) × the pulse.
 * - Ectopics: each beat premature with probability 2–8 % (drawn per patient): RR 0.6×, pulse 0.5×;
 *   then a compensatory pause (RR 1.4×) and a larger beat (1.2×).
 * - Pulse at the pump: each beat a half-sine of amplitude PP/2 over its RR, attenuated by the
 *   catheter's low-pass 1/√(1 + (2π·τ/RR)²); 0 when the path to the artery is cut off.
 * - Respiration: f_resp 0.2–0.33 Hz per patient, ±2 mmHg on the arterial mean (below the band).
 * - Activity (ambulatory): the run starts at 08:00; sleep 23:00–07:00 lying (HR −12 bpm); awake,
 *   sitting 20–90 min, standing 2–10 min, walking 2–15 min (HR +5, +20 bpm). Hydrostatic head
 *   (1 cm of column ≈ 0.74 mmHg): lying −10…0, sitting +5…+15, standing and walking +10…+25 mmHg,
 *   changed over a 3-s ramp. Walking adds a tubing artefact at 1.7–2.0 Hz (steps), 2–10 mmHg,
 *   inside the cardiac band. Bed rest: lying all day, a turn every 1–3 h (head −10…0 mmHg).
 */
import { cardiacBandGain } from '../../hal/index.ts';
import { SeededRandom, quantile16, streamId } from './rng.ts';
import * as sameBits from './sameBits.ts';

export const PHYSIOLOGIES = ['kind', 'patient'] as const;
export type Physiology = (typeof PHYSIOLOGIES)[number];
export const RHYTHMS = ['sinus', 'atrialFibrillation', 'ectopics'] as const;
export type Rhythm = (typeof RHYTHMS)[number];
export const ACTIVITIES = ['bedRest', 'ambulatory'] as const;
export type Activity = (typeof ACTIVITIES)[number];

// Bound as this module's own constants, not imported names: the per-beat path then calls them
// without a live binding's checks (docs/performance.md, "Module-level constants").
const { remainderTwoPi, roundPositive } = sameBits;

/** Unset `patient.pulsePressureMmHg` in the patient world: drawn uniformly from this range. */
export const PULSE_PRESSURE_DRAW_MMHG: readonly [number, number] = [30, 60];

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** The run starts at this time of day. */
const RUN_START_OF_DAY_MS = 8 * MS_PER_HOUR;
const SLEEP_FROM_MS = 23 * MS_PER_HOUR;
const SLEEP_UNTIL_MS = 7 * MS_PER_HOUR;
const POSTURE_RAMP_MS = 3000;
/** Rotated phases are recomputed exactly this often (each rotation adds ~1e-16 of error). */
const EXACT_PHASE_EVERY = 1024;
const RSA_FRACTION = 0.03;
const RESPIRATORY_MMHG = 2;
const MIN_HEART_RATE_BPM = 30;
const MAX_HEART_RATE_BPM = 200;
/** RR intervals the lookup tables cover, ms (the shortest beat: 200 bpm × 0.35; the longest: 30 bpm × 1.4 × 1.3). */
const RR_TABLE_MIN_MS = 100;
const RR_TABLE_MAX_MS = 6000;
/** Beats drawn at a time (about a minute of them). */
const BEATS_AHEAD = 64;

type Posture = 'lying' | 'sitting' | 'standing' | 'walking';
const HEART_RATE_OFFSET_BPM: Readonly<Record<Posture, number>> = { lying: 0, sitting: 0, standing: 5, walking: 20 };
const HEAD_RANGE_MMHG: Readonly<Record<Posture, readonly [number, number]>> = { lying: [-10, 0], sitting: [5, 15], standing: [10, 25], walking: [10, 25] };

interface Segment {
  readonly startMs: number;
  readonly endMs: number;
  readonly posture: Posture;
  readonly asleep: boolean;
  readonly headMmHg: number;
  /** The head of the segment before, ramped from over `POSTURE_RAMP_MS`. */
  readonly headBeforeMmHg: number;
  readonly walkAmplitudeMmHg: number;
  readonly walkOmega: number;
  /** `cardiacBandGain` at the walking artefact's frequency. */
  readonly walkBandGain: number;
  /** The segment after this one, once drawn. */
  next: Segment | null;
}

export interface PatientSettings {
  readonly rhythm: Rhythm;
  readonly activity: Activity;
  readonly heartRateBpm: number;
  readonly pulsePressureMmHg: number;
}

/** What one read window [t0, t1] of the line pressure holds from the patient. */
export interface PatientWindow {
  /** Mean over the window of the pulse at the pump, mmHg. */
  pulseMeanMmHg: number;
  /** The largest pulse amplitude at the pump in the window (before the band), mmHg. */
  pulsePeakMmHg: number;
  /** Amplitude the cardiac band reports: pulse and walking artefact after the band, mmHg. */
  bandAmplitudeMmHg: number;
  /** Slow terms on the window mean: respiration (on the arterial path) and hydrostatic head, mmHg. */
  slowMeanMmHg: number;
}

/**
 * The RR tables' entry for an RR interval: whole milliseconds, clamped to the tables' range (an RR
 * below 1 ms, where `roundPositive` is not `Math.round`, clamps to the first entry either way).
 */
function rrTableIndex(rrMs: number): number {
  // `roundPositive`: the integer of `Math.round` without its branch on the fraction.
  const i = roundPositive(rrMs);
  return i < RR_TABLE_MIN_MS ? 0 : i > RR_TABLE_MAX_MS ? RR_TABLE_MAX_MS - RR_TABLE_MIN_MS : i - RR_TABLE_MIN_MS;
}

export class PatientPhysiology {
  readonly settings: PatientSettings;
  private readonly beats: SeededRandom;
  private readonly days: SeededRandom;
  private readonly sdnnMs: number;
  private readonly afCv: number;
  private readonly ectopicProbability: number;
  private readonly respOmega: number;
  // The beat under way: [beatStartMs, beatStartMs + beatRrMs), its pulse amplitude (before the catheter).
  private beatStartMs = 0;
  private beatRrMs = 1000;
  private beatAmplitudeMmHg = 0;
  /** The beat under way's angular frequency 2π/RR (rad/ms) and its entry in the RR tables. */
  private beatOmega = (2 * Math.PI) / 1000;
  private beatTableIndex = 0;
  /** Ectopic sequence: 0 none, 1 the premature beat was drawn (pause next), 2 pause drawn (large beat next). */
  private ectopicStage = 0;
  /** The beat under way at the pump and in the band, for `beatTauS` (NaN: not computed). */
  private beatAtPumpMmHg = 0;
  private beatBandMmHg = 0;
  private beatTauS = NaN;
  /** cos ω(t − s) of the beat under way at the last window's end (NaN: not known). */
  private beatCosAtLast = NaN;
  private lastT1Ms = NaN;
  private respCosAtLast = 1;
  private respSinAtLast = 0;
  private respStepWindowMs = -1;
  private respStepCos = 1;
  private respStepSin = 0;
  private respReadsSinceExact = 0;
  private walkCosAtLast = 1;
  private walkCosSegment: Segment | null = null;
  private readonly catheterByRr = new Float64Array(RR_TABLE_MAX_MS - RR_TABLE_MIN_MS + 1);
  private readonly bandByRr = new Float64Array(RR_TABLE_MAX_MS - RR_TABLE_MIN_MS + 1);
  private tableTauS = NaN;
  /**
   * The beats drawn ahead of the windows, a batch at a time (`drawBeats`): beat j starts at
   * `aheadStartMs[j]`, lasts `aheadRrMs[j]` and has the pulse amplitude `aheadAmplitudeMmHg[j]`;
   * `aheadCursor` is the next one the windows take.
   */
  private readonly aheadStartMs = new Float64Array(BEATS_AHEAD);
  private readonly aheadRrMs = new Float64Array(BEATS_AHEAD);
  private readonly aheadAmplitudeMmHg = new Float64Array(BEATS_AHEAD);
  private readonly aheadOmega = new Float64Array(BEATS_AHEAD);
  private readonly aheadTableIndex = new Int32Array(BEATS_AHEAD);
  private aheadCursor = BEATS_AHEAD;
  /** The last beat drawn: its start and RR, and the activity segment it starts in with 60 000 / that segment's heart rate. */
  private drawnStartMs = 0;
  private drawnRrMs = 1000;
  private drawnSegment: Segment;
  private drawnMeanRrMs = 1000;
  /** The second normal of the last draw (NaN: none). */
  private spareNormal = NaN;
  private segment: Segment;
  private readonly out: PatientWindow = { pulseMeanMmHg: 0, pulsePeakMmHg: 0, bandAmplitudeMmHg: 0, slowMeanMmHg: 0 };

  constructor(seed: number, settings: PatientSettings) {
    this.settings = settings;
    const draws = new SeededRandom(seed, streamId('patient-physiology'));
    this.beats = draws.fork('beats');
    this.days = draws.fork('activity');
    this.sdnnMs = draws.uniform(15, 50);
    this.afCv = draws.uniform(0.15, 0.3);
    this.ectopicProbability = draws.uniform(0.02, 0.08);
    this.respOmega = 2 * Math.PI * draws.uniform(0.2, 1 / 3) / 1000;
    this.segment = this.firstSegment();
    this.drawnSegment = this.segment;
    this.drawnMeanRrMs = 60_000 / this.heartRateOf(this.segment);
    this.beatRrMs = this.drawnMeanRrMs;
    this.beatOmega = (2 * Math.PI) / this.beatRrMs;
    this.beatTableIndex = rrTableIndex(this.beatRrMs);
    this.drawnRrMs = this.beatRrMs;
    this.beatAmplitudeMmHg = settings.pulsePressureMmHg / 2;
  }

  /** The heart rate the patient's activity gives at `tMs`, bpm. */
  heartRateBpm(tMs: number): number {
    return this.heartRateOf(this.segmentAt(tMs));
  }

  private heartRateOf(s: Segment): number {
    const hr = this.settings.heartRateBpm + HEART_RATE_OFFSET_BPM[s.posture] - (s.asleep ? 12 : 0);
    return hr < MIN_HEART_RATE_BPM ? MIN_HEART_RATE_BPM : hr > MAX_HEART_RATE_BPM ? MAX_HEART_RATE_BPM : hr;
  }

  /** Makes the next beat the one under way. */
  private nextBeat(): void {
    if (this.aheadCursor === BEATS_AHEAD) this.drawBeats();
    const j = this.aheadCursor++;
    this.beatStartMs = this.aheadStartMs[j] as number;
    this.beatRrMs = this.aheadRrMs[j] as number;
    this.beatAmplitudeMmHg = this.aheadAmplitudeMmHg[j] as number;
    this.beatOmega = this.aheadOmega[j] as number;
    this.beatTableIndex = this.aheadTableIndex[j] as number;
  }

  /**
   * Draws the next `BEATS_AHEAD` beats, each after the last one drawn, with what each needs later
   * (2π/RR, the RR tables' entry): the same draws in the same order as one beat at a time, in a
   * loop of their own that keeps the draw's state in locals (docs/performance.md, "The patient
   * world's cost"). The mean RR is the heart rate's of the segment the beat starts in.
   */
  private drawBeats(): void {
    const pulse = this.settings.pulsePressureMmHg / 2;
    const fibrillating = this.settings.rhythm === 'atrialFibrillation';
    const ectopic = this.settings.rhythm === 'ectopics';
    const { beats, respOmega, sdnnMs, afCv, ectopicProbability, aheadStartMs, aheadRrMs, aheadAmplitudeMmHg, aheadOmega, aheadTableIndex } = this;
    let spare = this.spareNormal;
    let stage = this.ectopicStage;
    let previousRr = this.drawnRrMs;
    let start = this.drawnStartMs;
    let segment = this.drawnSegment;
    let mean = this.drawnMeanRrMs;
    for (let j = 0; j < BEATS_AHEAD; j++) {
      start += previousRr;
      if (start >= segment.endMs) {
        while (start >= segment.endMs) segment = this.segmentAfter(segment);
        mean = 60_000 / this.heartRateOf(segment);
      }
      // A standard normal: each 32-bit draw gives two, one from each 16-bit half through the table
      // of 2¹⁶ equiprobable quantiles (rng.ts `quantile16`, bounded at ±4.3σ: ample for RR variability).
      let z: number;
      if (Number.isNaN(spare)) {
        const h = beats.nextUint32();
        spare = quantile16(h >>> 16);
        z = quantile16(h & 0xffff);
      } else {
        z = spare;
        spare = NaN;
      }
      let rr: number;
      let amplitude = pulse;
      if (fibrillating) {
        const f = 1 + afCv * z;
        rr = mean * (f < 0.35 ? 0.35 : f);
        const follow = previousRr / mean;
        amplitude = pulse * (follow < 0.2 ? 0.2 : follow > 1.3 ? 1.3 : follow);
      } else {
        // The phase reduced to one breath first (sin of a small argument is the cheap one), by
        // `remainderTwoPi`: the bits of `% (2 * Math.PI)` without V8's x87 `fprem` loop.
        const rsa = 1 + RSA_FRACTION * Math.sin(remainderTwoPi(respOmega * start));
        const f = 1 + (sdnnMs / mean) * z;
        rr = mean * rsa * (f < 0.5 ? 0.5 : f);
        if (ectopic) {
          if (stage === 1) {
            rr *= 1.4;
            stage = 2;
          } else if (stage === 2) {
            amplitude = pulse * 1.2;
            stage = 0;
          } else if (beats.next() < ectopicProbability) {
            rr *= 0.6;
            amplitude = pulse * 0.5;
            stage = 1;
          }
        }
      }
      aheadStartMs[j] = start;
      aheadRrMs[j] = rr;
      aheadAmplitudeMmHg[j] = amplitude;
      aheadOmega[j] = (2 * Math.PI) / rr;
      aheadTableIndex[j] = rrTableIndex(rr);
      previousRr = rr;
    }
    this.spareNormal = spare;
    this.ectopicStage = stage;
    this.drawnStartMs = start;
    this.drawnRrMs = previousRr;
    this.drawnSegment = segment;
    this.drawnMeanRrMs = mean;
    this.aheadCursor = 0;
  }

  /**
   * The beat's pulse at the pump and in the band for the catheter time constant `tauS`: the
   * catheter's 1/√(1 + (2πτ/RR)²) and the band's gain at 1/RR, looked up by RR in whole
   * milliseconds (tables rebuilt when τ changes; 1 ms of RR moves either factor by < 0.2 %).
   */
  private beatAtPump(tauS: number): void {
    if (tauS !== this.tableTauS) this.buildTables(tauS);
    const k = this.beatTableIndex;
    this.beatAtPumpMmHg = this.beatAmplitudeMmHg * (this.catheterByRr[k] as number);
    this.beatBandMmHg = this.beatAtPumpMmHg * (this.bandByRr[k] as number);
    this.beatTauS = tauS;
  }

  private buildTables(tauS: number): void {
    for (let k = 0; k <= RR_TABLE_MAX_MS - RR_TABLE_MIN_MS; k++) {
      const rrMs = RR_TABLE_MIN_MS + k;
      const wt = (2 * Math.PI * tauS * 1000) / rrMs;
      this.catheterByRr[k] = 1 / Math.sqrt(1 + wt * wt);
      this.bandByRr[k] = cardiacBandGain(1000 / rrMs);
    }
    this.tableTauS = tauS;
  }

  /**
   * The features of the window [t0Ms, t1Ms] (t0 not before the last window's end). `tauS`: the
   * catheter's time constant; `arterialPath`: the pulse reaches the pump (the path is open to the
   * artery); `connected`: the needle is in the port, so the column between sensor and tip (and the
   * tubing the patient moves) is the line's.
   *
   * Each beat is A·sin(ω(t − s)) over its RR, so a whole beat inside the window adds nothing to
   * the window's mean: only the beats under way at t0 and at t1 do, A/ω·(cos ω(t0 − s) − 1) and
   * A/ω·(1 − cos ω(t1 − s)). The cosine at t1 is kept for the next window's t0 (reads follow each
   * other), so a window costs one cosine per periodic term.
   */
  window(t0Ms: number, t1Ms: number, tauS: number, arterialPath: boolean, connected: boolean): PatientWindow {
    const out = this.out;
    const windowMs = t1Ms - t0Ms;
    const contiguous = t0Ms === this.lastT1Ms;
    let pulseIntegral = 0;
    let bandWeighted = 0;
    let peak = 0;
    if (!contiguous) this.beatCosAtLast = NaN;
    while (this.beatStartMs + this.beatRrMs <= t0Ms) {
      this.nextBeat();
      this.beatCosAtLast = NaN;
    }
    if (arterialPath) {
      if (tauS !== this.beatTauS) this.beatAtPump(tauS);
      // The beat under way at t0: from t0 to its end or t1.
      let omega = this.beatOmega;
      const cos0 = Number.isNaN(this.beatCosAtLast) ? Math.cos(omega * (t0Ms - this.beatStartMs)) : this.beatCosAtLast;
      let end = this.beatStartMs + this.beatRrMs;
      if (end > t1Ms) {
        const cos1 = Math.cos(omega * (t1Ms - this.beatStartMs));
        pulseIntegral = (this.beatAtPumpMmHg / omega) * (cos0 - cos1);
        bandWeighted = this.beatBandMmHg * windowMs;
        peak = this.beatAtPumpMmHg;
        this.beatCosAtLast = cos1;
      } else {
        pulseIntegral = (this.beatAtPumpMmHg / omega) * (cos0 - 1);
        bandWeighted = this.beatBandMmHg * (end - t0Ms);
        peak = this.beatAtPumpMmHg;
        // Whole beats inside the window add only to the band; the last one under way at t1 adds its start.
        for (;;) {
          this.nextBeat();
          this.beatAtPump(tauS);
          if (this.beatAtPumpMmHg > peak) peak = this.beatAtPumpMmHg;
          end = this.beatStartMs + this.beatRrMs;
          if (end > t1Ms) {
            omega = this.beatOmega;
            const cos1 = Math.cos(omega * (t1Ms - this.beatStartMs));
            pulseIntegral += (this.beatAtPumpMmHg / omega) * (1 - cos1);
            bandWeighted += this.beatBandMmHg * (t1Ms - this.beatStartMs);
            this.beatCosAtLast = cos1;
            break;
          }
          bandWeighted += this.beatBandMmHg * this.beatRrMs;
        }
      }
    } else {
      while (this.beatStartMs + this.beatRrMs <= t1Ms) this.nextBeat();
      this.beatCosAtLast = NaN;
      this.beatTauS = NaN;
    }
    const pulseBand = bandWeighted / windowMs;
    const s = this.segmentAt(t1Ms);
    let slow = 0;
    let walkBand = 0;
    let walkMean = 0;
    if (connected) {
      const mid = t0Ms + windowMs / 2;
      const ramp = (mid - s.startMs) / POSTURE_RAMP_MS;
      slow = ramp >= 1 ? s.headMmHg : s.headBeforeMmHg + (s.headMmHg - s.headBeforeMmHg) * (ramp < 0 ? 0 : ramp);
      if (s.walkAmplitudeMmHg > 0) {
        const w = s.walkOmega;
        const c0 = contiguous && this.walkCosSegment === s ? this.walkCosAtLast : Math.cos(w * t0Ms);
        const c1 = Math.cos(w * t1Ms);
        this.walkCosAtLast = c1;
        this.walkCosSegment = s;
        walkBand = s.walkAmplitudeMmHg * s.walkBandGain;
        walkMean = ((s.walkAmplitudeMmHg / w) * (c0 - c1)) / windowMs;
        if (s.walkAmplitudeMmHg > peak) peak = s.walkAmplitudeMmHg;
      }
    }
    // Respiration: the phase at t1 is the last one rotated by one window (two multiply-adds), exact
    // again every EXACT_PHASE_EVERY windows and whenever the window changes.
    const w = this.respOmega;
    const r0 = contiguous ? this.respCosAtLast : Math.cos((w * t0Ms) % (2 * Math.PI));
    let r1: number;
    if (contiguous && windowMs === this.respStepWindowMs && this.respReadsSinceExact < EXACT_PHASE_EVERY) {
      const c = this.respCosAtLast;
      const sn = this.respSinAtLast;
      r1 = c * this.respStepCos - sn * this.respStepSin;
      this.respSinAtLast = sn * this.respStepCos + c * this.respStepSin;
      this.respReadsSinceExact++;
    } else {
      const phase = (w * t1Ms) % (2 * Math.PI);
      r1 = Math.cos(phase);
      this.respSinAtLast = Math.sin(phase);
      if (windowMs !== this.respStepWindowMs) {
        this.respStepWindowMs = windowMs;
        this.respStepCos = Math.cos(w * windowMs);
        this.respStepSin = Math.sin(w * windowMs);
      }
      this.respReadsSinceExact = 0;
    }
    this.respCosAtLast = r1;
    if (arterialPath) slow += ((RESPIRATORY_MMHG / w) * (r0 - r1)) / windowMs;
    this.lastT1Ms = t1Ms;
    out.pulseMeanMmHg = pulseIntegral / windowMs + walkMean;
    out.pulsePeakMmHg = peak;
    // Two components at different frequencies: the band's amplitude estimate is their root-sum-square.
    out.bandAmplitudeMmHg = walkBand === 0 ? pulseBand : Math.sqrt(pulseBand * pulseBand + walkBand * walkBand);
    out.slowMeanMmHg = slow;
    return out;
  }

  // --- Activity schedule -------------------------------------------------------------------

  private segmentAt(tMs: number): Segment {
    while (tMs >= this.segment.endMs) this.segment = this.segmentAfter(this.segment);
    return this.segment;
  }

  /** The segment after `s`, drawn when first asked for (the beats drawn ahead ask before the windows do). */
  private segmentAfter(s: Segment): Segment {
    return s.next ?? (s.next = this.nextSegment(s));
  }

  private firstSegment(): Segment {
    const posture: Posture = this.settings.activity === 'bedRest' ? 'lying' : 'sitting';
    const head = this.days.uniform(...HEAD_RANGE_MMHG[posture]);
    return this.segmentOf(0, posture, false, head, head);
  }

  private segmentOf(startMs: number, posture: Posture, asleep: boolean, headMmHg: number, headBeforeMmHg: number): Segment {
    const d = this.days;
    const dayMs = (startMs + RUN_START_OF_DAY_MS) % MS_PER_DAY;
    let lengthMs: number;
    if (asleep) lengthMs = (dayMs >= SLEEP_FROM_MS ? MS_PER_DAY - dayMs + SLEEP_UNTIL_MS : SLEEP_UNTIL_MS - dayMs);
    else if (this.settings.activity === 'bedRest') lengthMs = d.uniform(1, 3) * MS_PER_HOUR;
    else lengthMs = d.uniform(...(posture === 'sitting' ? [20, 90] : posture === 'standing' ? [2, 10] : [2, 15]) as [number, number]) * MS_PER_MINUTE;
    // An awake segment ends at bedtime at the latest.
    if (!asleep) {
      const untilSleep = dayMs < SLEEP_UNTIL_MS ? SLEEP_UNTIL_MS - dayMs : SLEEP_FROM_MS - dayMs;
      if (dayMs >= SLEEP_UNTIL_MS && dayMs < SLEEP_FROM_MS && lengthMs > untilSleep) lengthMs = untilSleep;
    }
    const walking = posture === 'walking';
    const walkHz = walking ? d.uniform(1.7, 2.0) : 0;
    return {
      startMs,
      endMs: startMs + Math.max(MS_PER_MINUTE, Math.round(lengthMs)),
      posture,
      asleep,
      headMmHg,
      headBeforeMmHg,
      walkAmplitudeMmHg: walking ? d.uniform(2, 10) : 0,
      walkOmega: (2 * Math.PI * walkHz) / 1000,
      walkBandGain: walking ? cardiacBandGain(walkHz) : 0,
      next: null,
    };
  }

  private nextSegment(s: Segment): Segment {
    const d = this.days;
    const startMs = s.endMs;
    const dayMs = (startMs + RUN_START_OF_DAY_MS) % MS_PER_DAY;
    const asleep = dayMs >= SLEEP_FROM_MS || dayMs < SLEEP_UNTIL_MS;
    let posture: Posture;
    if (asleep || this.settings.activity === 'bedRest') posture = 'lying';
    else {
      const u = d.next();
      posture = s.posture === 'sitting' ? (u < 0.5 ? 'standing' : 'walking') : u < 0.7 ? 'sitting' : s.posture === 'walking' ? 'standing' : 'walking';
    }
    const head = d.uniform(...HEAD_RANGE_MMHG[posture]);
    return this.segmentOf(startMs, posture, asleep, head, s.headMmHg);
  }
}
