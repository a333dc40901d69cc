/**
 * Stroke-locked steps (firmware/detectors/strokeSteps.ts): a closed line's staircase reads as
 * locked, an open line's ramps, posture steps, breathing and noise read as open, and strokes too
 * close to read leave the evidence unmeasurable. Windows are fed one by one, strokes 43 windows
 * apart as at 84 µL/h with 1 µL strokes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { StrokeEvidence, StrokeSteps } from '../../../firmware/detectors/strokeSteps.ts';
import { EVIDENCE_SPANS, QUIET_READ_WINDOWS, SETTLE_WINDOWS, settledFraction, smoothedSdPerWindowSd, startStrokeSteps, strokeEvidence, updateStrokeSteps } from '../../../firmware/detectors/strokeSteps.ts';
import { THRESHOLDS } from '../../../firmware/detectors/thresholds.ts';
import { detectorConfig } from '../../../firmware/readings.ts';
import { NOMINAL_PORT_CONFIG, deviceConfig } from '../../support/deviceConfig.ts';

const fine = detectorConfig(NOMINAL_PORT_CONFIG).pressure;
const coarse = detectorConfig(deviceConfig({ pressureNoiseSdMmHg: 4, pressureSampleRateHz: 10, pressureResolutionMmHg: 1 })).pressure;
const STROKE_INTERVAL_WINDOWS = 43;

/** A seeded normal source (Box–Muller over a 32-bit LCG), so a run is the same every time. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Feeds `windows` windows: `meanAt(i)` the window mean, a stroke before window i when
 * `strokeBefore(i)`; returns the tracker after the last.
 */
function feed(windows: number, meanAt: (i: number) => number, strokeBefore: (i: number) => boolean = (i) => i > 20 && i % STROKE_INTERVAL_WINDOWS === 0): StrokeSteps {
  let strokes = 0;
  let s = startStrokeSteps(meanAt(0), 0);
  for (let i = 1; i < windows; i++) {
    if (strokeBefore(i)) strokes += 1;
    s = updateStrokeSteps(s, meanAt(i), strokes);
  }
  return s;
}

/** Whether any step read over `feed`'s windows made the steps read locked. */
function everLocked(windows: number, meanAt: (i: number) => number, pt = fine): boolean {
  let strokes = 0;
  let s = startStrokeSteps(meanAt(0), 0);
  for (let i = 1; i < windows; i++) {
    if (i > 20 && i % STROKE_INTERVAL_WINDOWS === 0) strokes += 1;
    const next = updateStrokeSteps(s, meanAt(i), strokes);
    if (next.steps !== s.steps && strokeEvidence(next, pt.strokeStepMinMmHg, pt.smoothedMeanSdMmHg, THRESHOLDS.strokeStepMarginSigma) === 'locked') return true;
    s = next;
  }
  return false;
}

/** The window means of a closed line: +ΔV/C at every stroke (as `feed` places them), settling over a second. */
function closedLine(stepMmHg: number, noiseSdMmHg: number, seed: number): (i: number) => number {
  const noise = normals(seed);
  return (i) => {
    const strokesBefore = i <= 20 ? 0 : Math.floor(i / STROKE_INTERVAL_WINDOWS);
    return 90 + strokesBefore * stepMmHg + noiseSdMmHg * noise();
  };
}

const evidence = (s: StrokeSteps, pt = fine): StrokeEvidence => strokeEvidence(s, pt.strokeStepMinMmHg, pt.smoothedMeanSdMmHg, THRESHOLDS.strokeStepMarginSigma);

describe('the smoothing', () => {
  it('GIP-1.10.3 the two poles hold 0.87 of a step after the settling windows, and their σ per window σ is the impulse response\'s √Σh² (0.27)', () => {
    expect(settledFraction(SETTLE_WINDOWS)).toBeCloseTo(0.873, 3);
    expect(settledFraction(200)).toBeCloseTo(1, 9);
    expect(smoothedSdPerWindowSd()).toBeCloseTo(0.2700, 3);
    // The same σ measured: the smoothed mean of unit white noise over 40,000 windows.
    const noise = normals(7);
    let s = startStrokeSteps(0, 0);
    let sum = 0;
    let sumSq = 0;
    const n = 40_000;
    for (let i = 0; i < n + 100; i++) {
      s = updateStrokeSteps(s, noise(), 0);
      if (i >= 100) {
        sum += s.levelMmHg;
        sumSq += s.levelMmHg ** 2;
      }
    }
    const sd = Math.sqrt(sumSq / n - (sum / n) ** 2);
    expect(sd).toBeGreaterThan(0.27 * 0.95);
    expect(sd).toBeLessThan(0.27 * 1.05);
  });
});

describe('the spans\' statistics', () => {
  /** Φ(x) by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
  const phi = (x: number): number => {
    const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
    const erf = 1 - (((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t) * Math.exp(-(x * x) / 2);
    return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
  };
  const inversePhi = (p: number): number => {
    let lo = -10;
    let hi = 10;
    for (let i = 0; i < 100; i++) {
      const mid = (lo + hi) / 2;
      if (phi(mid) < p) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };

  it('GIP-1.10.3 each span reads its ⌈n/3⌉-th smallest step, whose place and spread on an open line are Blom\'s z and √(p(1 − p)/n)/φ(z)', () => {
    for (const span of EVIDENCE_SPANS) {
      expect(span.rank).toBe(Math.ceil(span.steps / 3));
      const p = (span.rank - 0.375) / (span.steps + 0.25);
      const z = inversePhi(p);
      expect(span.z).toBeCloseTo(z, 3);
      expect(span.sd).toBeCloseTo(Math.sqrt((p * (1 - p)) / span.steps) / (Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI)), 3);
    }
  });

  it('PUMP-NO-FALSE-ALARM on an open line of white noise at the coarse front-end\'s σ, no step read in 200 runs of 70 strokes makes any span read locked', () => {
    let locked = 0;
    let verdicts = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const noise = normals(1000 + seed);
      let s = startStrokeSteps(90, 0);
      for (let i = 1, strokes = 0; i < 70 * STROKE_INTERVAL_WINDOWS; i++) {
        if (i % STROKE_INTERVAL_WINDOWS === 0) strokes += 1;
        const next = updateStrokeSteps(s, 90 + 1.26 * noise(), strokes);
        if (next.steps !== s.steps) {
          verdicts += 1;
          if (evidence(next, coarse) === 'locked') locked += 1;
        }
        s = next;
      }
    }
    expect(verdicts).toBeGreaterThan(200 * 60);
    expect(locked).toBe(0);
  });
});

describe('strokeEvidence on a closed line', () => {
  it('GIP-1.10.3 a 1 mmHg staircase (C 1 µL/mmHg) on the fine front-end is pending for two steps and locked from the third, each step near 0.8 mmHg', () => {
    const means = closedLine(1, 0.14, 1);
    // A step is read 12 settling and 24 quiet windows after its stroke: the third stroke runs
    // before window 129, so window 164 reads its step.
    expect(SETTLE_WINDOWS + QUIET_READ_WINDOWS).toBe(36);
    expect(evidence(feed(164, means))).toBe('pending');
    const s = feed(165, means);
    expect(s.steps).toHaveLength(3);
    expect(evidence(s)).toBe('locked');
    for (const step of s.steps) {
      expect(step).toBeGreaterThan(0.7);
      expect(step).toBeLessThan(0.9);
    }
  });

  it('GIP-1.10.3 on the coarse front-end (σ 1.26 mmHg a window) a 3.3 mmHg staircase (C 0.3) locks within 5 steps; a 1 mmHg one within 65', () => {
    const firstLocked = (stepMmHg: number, seed: number): number => {
      const means = closedLine(stepMmHg, 1.26, seed);
      let strokes = 0;
      let s = startStrokeSteps(means(0), 0);
      for (let i = 1; i < 70 * STROKE_INTERVAL_WINDOWS; i++) {
        if (i > 20 && i % STROKE_INTERVAL_WINDOWS === 0) strokes += 1;
        s = updateStrokeSteps(s, means(i), strokes);
        if (evidence(s, coarse) === 'locked') return s.steps.length;
      }
      return Infinity;
    };
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(firstLocked(3.3, seed)).toBeLessThanOrEqual(5);
      expect(firstLocked(1, seed)).toBeLessThanOrEqual(65);
    }
  });
});

describe('strokeEvidence on an open line', () => {
  it('PUMP-NO-FALSE-ALARM a steady mean, a ramp of 85 mmHg over 1 to 10 minutes from any moment, and a 35 mmHg posture step never read locked', () => {
    const noise = normals(3);
    expect(evidence(feed(40 * STROKE_INTERVAL_WINDOWS, () => 90 + 0.14 * noise()))).toBe('open');
    expect(everLocked(40 * STROKE_INTERVAL_WINDOWS, () => 90 + 0.14 * noise())).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 600 }), fc.integer({ min: 100, max: 400 }), (rampWindows, startWindow) => {
        const ramp = (i: number): number => 90 + 85 * Math.min(1, Math.max(0, (i - startWindow) / rampWindows)) + 0.14 * noise();
        return !everLocked(startWindow + rampWindows + 10 * STROKE_INTERVAL_WINDOWS, ramp);
      }),
      { seed: 16, numRuns: 60 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 400 }), fc.constantFrom(-35, 35), (atWindow, stepMmHg) => {
        const posture = (i: number): number => 90 + (i >= atWindow ? stepMmHg : 0) + 0.14 * noise();
        return !everLocked(atWindow + 6 * STROKE_INTERVAL_WINDOWS, posture);
      }),
      { seed: 16, numRuns: 60 },
    );
  });

  it('PUMP-NO-FALSE-ALARM a ramp that ends at a stroke leaves that stroke no step (the drift before it is subtracted), nor does one that starts at a stroke (the drift after it)', () => {
    // Strokes before windows 43, 86, 129, 172, 215; the step of the stroke at 172 is the fourth read.
    const endsAt172 = (i: number): number => 90 + 0.5 * Math.min(72, Math.max(0, i - 100));
    const ending = feed(240, endsAt172);
    expect(ending.steps).toHaveLength(4);
    expect(ending.steps[3]).toBeLessThan(0.2);
    const startsAt172 = (i: number): number => 90 + 0.5 * Math.max(0, i - 172);
    const starting = feed(240, startsAt172);
    expect(starting.steps).toHaveLength(4);
    expect(starting.steps[3]).toBeLessThan(0.2);
  });

  it('PUMP-NO-FALSE-ALARM breathing (±1.9 mmHg in the window mean at 0.2–0.33 Hz, any phase) and coarse noise never read locked over 70 strokes', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 0.33, noNaN: true }), fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }), (hz, phase) => {
        const breathing = (i: number): number => 90 + 1.9 * Math.sin(2 * Math.PI * hz * i + phase);
        return !everLocked(70 * STROKE_INTERVAL_WINDOWS, breathing);
      }),
      { seed: 16, numRuns: 40 },
    );
    for (const seed of [11, 12, 13]) {
      const noise = normals(seed);
      expect(everLocked(70 * STROKE_INTERVAL_WINDOWS, () => 90 + 1.26 * noise(), coarse)).toBe(false);
    }
  });
});

describe('strokes too close to read', () => {
  it('GIP-1.10.3 strokes 10 windows apart, two in one window, or a relief running strokes back leave the steps unmeasurable; slow strokes read again', () => {
    const flat = (): number => 90;
    expect(evidence(feed(600, flat, (i) => i % 10 === 0))).toBe('unmeasurable');
    const read = feed(4 * STROKE_INTERVAL_WINDOWS + 1, flat);
    expect(read.steps.length).toBe(3);
    const burst = updateStrokeSteps(read, 90, read.strokes + 2);
    expect(evidence(burst)).toBe('unmeasurable');
    const relieved = updateStrokeSteps(read, 90, read.strokes - 1);
    expect(evidence(relieved)).toBe('unmeasurable');
    // After a burst, three slow strokes read again.
    let s = burst;
    let strokes = burst.strokes;
    for (let i = 1; i <= 4 * STROKE_INTERVAL_WINDOWS; i++) {
      if (i % STROKE_INTERVAL_WINDOWS === 0) strokes += 1;
      s = updateStrokeSteps(s, 90, strokes);
    }
    expect(evidence(s)).toBe('open');
  });

  it('GIP-1.10.3 a stroke during the settling windows of the one before is too close', () => {
    const s = feed(30, () => 90, (i) => i === 21);
    expect(s.levelBeforeMmHg).toBe(90);
    expect(evidence(updateStrokeSteps(s, 90, s.strokes + 1))).toBe('unmeasurable');
  });
});
