/**
 * The arterial detector (firmware/detectors/arterial.ts, `updateArterial`) at its thresholds, by example:
 * the cardiac pulse as the sign of an open path to the artery, the rise after its loss that calls
 * an occlusion (against the highest plausible compliance), the hard pressure limit, and the low
 * mean without a pulse that calls a displacement. The numbers come from THRESHOLDS, so a changed
 * threshold moves the examples with it. Most examples move the stroke count by several strokes in
 * one window, which leaves the stroke steps unmeasurable (as strokes too close to read are), so
 * they judge the rise rule alone; "stroke-locked rises" feeds windows one by one with strokes
 * 43 s apart, as at 84 µL/h; the scripted runs (test/verification/detection.test.ts)
 * show the same behaviour end to end.
 */
import { describe, expect, it } from 'vitest';
import type { HalResult, PressureReading } from '../../../hal/index.ts';
import type { ArterialDetector } from '../../../firmware/detectors/arterial.ts';
import { arterialAtRest, updateArterial } from '../../../firmware/detectors/arterial.ts';
import { plausiblePressure } from '../../../firmware/detectors/health.ts';
import { INITIAL_DETECTORS } from '../../../firmware/detectors/index.ts';
import type { DetectorConfig } from '../../../firmware/readings.ts';
import { detectorConfig } from '../../../firmware/readings.ts';
import { THRESHOLDS } from '../../../firmware/detectors/thresholds.ts';
import { NOMINAL_PORT_CONFIG, deviceConfig } from '../../support/deviceConfig.ts';

const cfg = detectorConfig(NOMINAL_PORT_CONFIG);
const T = THRESHOLDS;

function reading(meanMmHg: number, cardiacAmplitudeMmHg: number): PressureReading {
  return { ok: true, atMs: 0, windowMs: 1000, sampleCount: 50, meanMmHg, minMmHg: meanMmHg - 10, maxMmHg: meanMmHg + 10, cardiacAmplitudeMmHg };
}

/** One period's arterial update, with the window judged for plausibility first, as the whole update does. */
function arterialAfter(a: ArterialDetector, c: DetectorConfig, connected: boolean, strokes: number, p: HalResult<PressureReading>, suspect = false): ArterialDetector {
  return updateArterial(a, c, connected, strokes, plausiblePressure(p, c), suspect);
}

/** Feeds readings in order (with the stroke count at each), from a connected, patent artery. */
function run(steps: readonly [meanMmHg: number, amplitudeMmHg: number, strokes: number][]): ArterialDetector {
  let a = arterialAfter(INITIAL_DETECTORS.arterial, cfg, true, 0, reading(90, 6));
  for (const [mean, amp, strokes] of steps) a = arterialAfter(a, cfg, true, strokes, reading(mean, amp));
  return a;
}

/** The rise the detector demands after `strokes` strokes without a pulse, mmHg. */
function demandedRiseMmHg(strokes: number): number {
  return Math.max(cfg.pressure.occlusionMinRiseMmHg, (T.occlusionRiseFraction * strokes * cfg.strokeVolumeUl) / T.maxPlausibleComplianceUlPerMmHg);
}

describe('updateArterial while priming (needle out of the port)', () => {
  const primed = (a: ArterialDetector, mean: number, priming = true): ArterialDetector => updateArterial(a, cfg, false, 0, plausiblePressure(reading(mean, 0), cfg), false, priming);

  it('OPCA-EC6 a window at the fixed limit while the prime runs is an occlusion; just below it, or with no prime running, it is not', () => {
    const start = INITIAL_DETECTORS.arterial;
    expect(primed(start, T.occlusionHardLimitMmHg).occlusionSuspected).toBe(true);
    expect(primed(start, T.occlusionHardLimitMmHg - 0.1).occlusionSuspected).toBe(false);
    expect(primed(start, T.occlusionHardLimitMmHg + 200, false).occlusionSuspected).toBe(false);
    // The open line during a nominal prime: resistance × prime rate, ~17 mmHg at 60 mL/h.
    expect(primed(start, 20).occlusionSuspected).toBe(false);
  });

  it('OPCA-EC6 a window the sensor cannot give (out of range above) holds the blocked verdict; it clears when the line reads below the limit', () => {
    const blocked = primed(INITIAL_DETECTORS.arterial, T.occlusionHardLimitMmHg + 10);
    const saturated = updateArterial(blocked, cfg, false, 0, plausiblePressure(reading(cfg.pressureRangeMmHg.max + 500, 0), cfg), false, true);
    expect(saturated).toBe(blocked);
    // Out of range from an open line holds nothing: no verdict to hold.
    expect(updateArterial(INITIAL_DETECTORS.arterial, cfg, false, 0, null, false, true).occlusionSuspected).toBe(false);
    expect(primed(blocked, 30).occlusionSuspected).toBe(false);
  });
});

describe('updateArterial', () => {
  it('GIP-1.10.3 a pulse at the threshold is a pulse; just below it, the pulse is lost and the loss point recorded', () => {
    expect(run([[90, cfg.pressure.pulsePresentMmHg, 0]]).pulsePresent).toBe(true);
    const lost = run([[90, cfg.pressure.pulsePresentMmHg - 0.1, 7]]);
    expect(lost.pulsePresent).toBe(false);
    expect(lost.pressureAtPulseLossMmHg).toBe(90);
    expect(lost.strokesAtPulseLoss).toBe(7);
    expect(lost.occlusionSuspected).toBe(false);
  });

  it('GIP-1.10.3 after the pulse is lost, a rise of the demanded size over enough strokes is an occlusion; a smaller one is not', () => {
    const n = Math.max(T.occlusionMinStrokes, 10);
    const rise = demandedRiseMmHg(n);
    expect(run([[90, 0, 0], [90 + rise, 0, n]]).occlusionSuspected).toBe(true);
    expect(run([[90, 0, 0], [90 + rise - 0.2, 0, n]]).occlusionSuspected).toBe(false);
    // Too few strokes since the loss: one stroke can be noise, whatever the rise.
    expect(run([[90, 0, 0], [90 + 50, 0, T.occlusionMinStrokes - 1]]).occlusionSuspected).toBe(false);
  });

  it('GIP-1.10.3 at or above the hard limit it is an occlusion, pulse or not', () => {
    expect(run([[T.occlusionHardLimitMmHg, 6, 0]]).occlusionSuspected).toBe(true);
    expect(run([[T.occlusionHardLimitMmHg - 1, 6, 0]]).occlusionSuspected).toBe(false);
    expect(run([[90, 0, 0], [T.occlusionHardLimitMmHg, 0, 1]]).occlusionSuspected).toBe(true);
  });

  it('PUMP-DISPLACEMENT a mean at or below the displacement limit without a pulse counts time; above it, the count restarts', () => {
    const low = T.displacementMaxMeanMmHg;
    const a = run([[low, 0, 0], [low, 0, 0], [low, 0, 0]]);
    expect(a.lossOfArterialSignalMs).toBe(3 * cfg.periodMs);
    expect(run([[low, 0, 0], [low, 0, 0], [low + 1, 0, 0]]).lossOfArterialSignalMs).toBe(0);
  });

  it('GIP-1.10.3 a lost pulse counts as back only after enough windows in a row', () => {
    const steps: [number, number, number][] = [[90, 0, 0]];
    for (let i = 1; i < T.pulseReturnWindows; i++) steps.push([90, 6, 0]);
    expect(run(steps).pulsePresent).toBe(false);
    expect(run([...steps, [90, 6, 0]]).pulsePresent).toBe(true);
    // One window without the pulse restarts the count.
    expect(run([...steps, [90, 0, 0], [90, 6, 0]]).pulsePresent).toBe(false);
  });

  it('PUMP-SENSOR-FAILSAFE an untrusted or implausible reading holds the verdict; a disconnected path has no arterial state', () => {
    const lost = run([[90, 0, 3]]);
    expect(arterialAfter(lost, cfg, true, 50, reading(90 + 100, 0), true)).toBe(lost);
    expect(arterialAfter(lost, cfg, true, 50, reading(cfg.pressureRangeMmHg.max + 1, 0))).toBe(lost);
    expect(arterialAfter(lost, cfg, true, 50, { ok: false, kind: 'disconnected', detail: 'test' })).toBe(lost);
    expect(arterialAfter(lost, cfg, false, 50, reading(90, 6))).toEqual(INITIAL_DETECTORS.arterial);
  });
});

describe('updateArterial: edges the mutants found', () => {
  it('GIP-1.10.3 a rise of exactly the minimum, over the minimum strokes, is an occlusion', () => {
    const n = T.occlusionMinStrokes;
    expect(demandedRiseMmHg(n)).toBe(cfg.pressure.occlusionMinRiseMmHg);
    expect(run([[90, 0, 0], [90 + cfg.pressure.occlusionMinRiseMmHg, 0, n]]).occlusionSuspected).toBe(true);
  });

  it('GIP-1.10.3 the demanded rise scales with the stroke volume (0.5 µL strokes demand half)', () => {
    const halfCfg = detectorConfig(deviceConfig({ strokeVolumeNl: 500 }));
    const n = 20;
    // 0.5 × 20 strokes × 0.5 µL / 1 µL/mmHg = 5 mmHg (the 1 µL pump would demand 10).
    const demanded = (T.occlusionRiseFraction * n * 0.5) / T.maxPlausibleComplianceUlPerMmHg;
    expect(demanded).toBe(5);
    const after = (rise: number): boolean => {
      let a = arterialAfter(INITIAL_DETECTORS.arterial, halfCfg, true, 0, reading(90, 6));
      a = arterialAfter(a, halfCfg, true, 0, reading(90, 0));
      return arterialAfter(a, halfCfg, true, n, reading(90 + rise, 0)).occlusionSuspected;
    };
    expect(after(demanded)).toBe(true);
    expect(after(demanded - 0.1)).toBe(false);
  });

  it('PUMP-ALARM-QUIET a patent artery whose window changes nothing is handed back as the same object; after a loss the verdict holds while the stroke tracker moves', () => {
    const patent = run([[90, 6, 5]]);
    expect(arterialAfter(patent, cfg, true, 5, reading(91, 6))).toBe(patent);
    const lost = run([[90, 0, 5]]);
    const next = arterialAfter(lost, cfg, true, 5, reading(90, 0));
    expect(next).toEqual({ ...lost, strokeSteps: next.strokeSteps });
    expect(next.strokeSteps?.warmingWindows).toBe((lost.strokeSteps?.warmingWindows ?? 0) - 1);
    // Anything that moves the verdict shows in it: the loss-of-signal timer below the displacement mean...
    const low = arterialAfter(lost, cfg, true, 5, reading(T.displacementMaxMeanMmHg, 0));
    expect(low.lossOfArterialSignalMs).toBe(cfg.periodMs);
    // ...or a pulse coming back, counted window by window.
    expect(arterialAfter(lost, cfg, true, 5, reading(90, cfg.pressure.pulsePresentMmHg)).pulseReturnCount).toBe(1);
  });
});

describe('updateArterial on a front-end that cannot resolve the pulse (σ 4 mmHg, 10 Hz, 1 mmHg)', () => {
  const coarse = detectorConfig(deviceConfig({ pressureNoiseSdMmHg: 4, pressureSampleRateHz: 10, pressureResolutionMmHg: 1 }));
  const P = coarse.pressure;
  const lostAt = (strokes: number): ArterialDetector => arterialAfter(INITIAL_DETECTORS.arterial, coarse, true, strokes, reading(90, 0));

  it('PUMP-SENSOR-NOISE its pulse threshold sits above the weakest pulse, so the rise must clear the largest posture step: a 35 mmHg step with the pulse unseen is no occlusion', () => {
    expect(P.pulseResolvable).toBe(false);
    expect(arterialAfter(lostAt(0), coarse, true, 10, reading(90 + 35, 0)).occlusionSuspected).toBe(false);
    expect(arterialAfter(lostAt(0), coarse, true, 10, reading(90 + P.occlusionMinRiseMmHg, 0)).occlusionSuspected).toBe(true);
  });

  it('GIP-1.10.3 with no rise the reference moves to the current window after occlusionReanchorStrokes strokes, so a later occlusion needs only its own rise', () => {
    const m = P.occlusionReanchorStrokes;
    const before = arterialAfter(lostAt(0), coarse, true, m - 1, reading(91, 0));
    expect(before.strokesAtPulseLoss).toBe(0);
    const moved = arterialAfter(before, coarse, true, m, reading(92, 0));
    expect(moved).toMatchObject({ strokesAtPulseLoss: m, pressureAtPulseLossMmHg: 92, occlusionSuspected: false });
    // The occlusion after it: the least rise over the rule's minimum strokes, counted from the move.
    const n = m + Math.max(T.occlusionMinStrokes, 2 * P.occlusionMinRiseMmHg);
    expect(arterialAfter(moved, coarse, true, n, reading(92 + P.occlusionMinRiseMmHg, 0)).occlusionSuspected).toBe(true);
    // Without the move, the strokes since the first reference would demand more.
    expect(demandedRiseAt(n)).toBeGreaterThan(P.occlusionMinRiseMmHg + 2);
  });

  it('GIP-1.10.3 a suspected occlusion keeps its reference (the move is only for a quiet line)', () => {
    const m = P.occlusionReanchorStrokes;
    const suspected = arterialAfter(lostAt(0), coarse, true, m, reading(90 + 200, 0));
    expect(suspected).toMatchObject({ occlusionSuspected: true, strokesAtPulseLoss: 0, pressureAtPulseLossMmHg: 90 });
  });

  /** The rise demanded `strokes` strokes after the first reference (stroke 0). */
  function demandedRiseAt(strokes: number): number {
    return (T.occlusionRiseFraction * strokes * coarse.strokeVolumeUl) / T.maxPlausibleComplianceUlPerMmHg;
  }
});

describe('updateArterial after the loss of a pulse it did not see clearly', () => {
  /** From a connected line whose band was `bandBeforeMmHg`, the pulse lost at 90 mmHg, then `strokes` strokes and the mean at `meanMmHg`. */
  function afterLoss(c: DetectorConfig, bandBeforeMmHg: number, strokes: number, meanMmHg: number): ArterialDetector {
    const connected = updateArterial(INITIAL_DETECTORS.arterial, c, true, 0, plausiblePressure(reading(90, 6), c), false, false, Infinity);
    const lost = updateArterial(connected, c, true, 0, plausiblePressure(reading(90, 0), c), false, false, bandBeforeMmHg);
    return updateArterial(lost, c, true, strokes, plausiblePressure(reading(meanMmHg, 0), c), false, false, 0);
  }

  it('GIP-1.10.3 a loss right after a window of twice the threshold or more marks the artery cut off: the fine rules (a few mmHg after three strokes) call the occlusion', () => {
    const clear = cfg.pressure.pulseClearMmHg;
    expect(clear).toBe(2 * cfg.pressure.pulsePresentMmHg);
    const rise = demandedRiseMmHg(3) + 0.5;
    expect(afterLoss(cfg, clear, 3, 90 + rise).lossResolvable).toBe(true);
    expect(afterLoss(cfg, clear, 3, 90 + rise).occlusionSuspected).toBe(true);
    // Just under twice the threshold: the same rise is no occlusion.
    expect(afterLoss(cfg, clear - 0.1, 3, 90 + rise).lossResolvable).toBe(false);
    expect(afterLoss(cfg, clear - 0.1, 3, 90 + rise).occlusionSuspected).toBe(false);
  });

  it('GIP-1.10.3 the loss of a marginal pulse is judged by the rise alone: the posture-and-breathing least rise, then the reference moves on', () => {
    const pt = cfg.pressure;
    expect(pt.marginalOcclusionMinRiseMmHg).toBeCloseTo(35 + 6 + 6 * pt.windowMeanSdMmHg * Math.SQRT2, 9);
    // Enough strokes that the stroke term asks less than the least rise.
    const n = 40;
    expect(afterLoss(cfg, 1, n, 90 + pt.marginalOcclusionMinRiseMmHg + 0.05).occlusionSuspected).toBe(true);
    expect(afterLoss(cfg, 1, n, 90 + pt.marginalOcclusionMinRiseMmHg - 0.2).occlusionSuspected).toBe(false);
    // Past the marginal span without a rise, the reference moves to the current window.
    const moved = afterLoss(cfg, 1, pt.marginalReanchorStrokes, 95);
    expect(moved.pressureAtPulseLossMmHg).toBe(95);
    expect(moved.strokesAtPulseLoss).toBe(pt.marginalReanchorStrokes);
    expect(afterLoss(cfg, 1, pt.marginalReanchorStrokes - 1, 95).strokesAtPulseLoss).toBe(0);
  });

  it('GIP-1.10.3 on a front-end that resolves no pulse every loss is marginal, however large the band before it', () => {
    const coarse = detectorConfig(deviceConfig({ pressureNoiseSdMmHg: 4, pressureSampleRateHz: 10, pressureResolutionMmHg: 1 }));
    expect(coarse.pressure.pulseResolvable).toBe(false);
    expect(afterLoss(coarse, 100, 3, 90 + demandedRiseMmHg(3) + 0.5).lossResolvable).toBe(false);
  });

  it('GIP-1.10.3 the stroke term expects the rise at the told compliance where it exceeds 1 µL/mmHg: at 3 µL/mmHg, a third of it', () => {
    const soft = detectorConfig(deviceConfig({ lineComplianceUlPerMmHg: 3 }));
    expect(soft.maxPlausibleComplianceUlPerMmHg).toBe(3);
    expect(detectorConfig(deviceConfig({ lineComplianceUlPerMmHg: 0.3 })).maxPlausibleComplianceUlPerMmHg).toBe(1);
    // 60 strokes into 3 µL/mmHg: half of 60/3 = 10 mmHg expected; at 1 µL/mmHg it would be 30.
    expect(afterLoss(soft, 10, 60, 90 + 10.5).occlusionSuspected).toBe(true);
    expect(afterLoss(soft, 10, 60, 90 + 9.5).occlusionSuspected).toBe(false);
  });
});

describe('arterialAtRest', () => {
  it('GIP-1.10.3 a patent artery is at rest below the hard limit only: a window at the limit is judged in full', () => {
    const patent = arterialAfter(INITIAL_DETECTORS.arterial, cfg, true, 0, reading(90, 6));
    expect(arterialAtRest(patent, cfg, true, reading(T.occlusionHardLimitMmHg - 0.1, 6))).toBe(true);
    expect(arterialAtRest(patent, cfg, true, reading(T.occlusionHardLimitMmHg, 6))).toBe(false);
  });
});

describe('updateArterial: stroke-locked rises (windows one by one, strokes 43 s apart)', () => {
  /**
   * From a patent line at 90 mmHg, the pulse lost at window 0 with the band before it at `bandBeforeMmHg`,
   * then `windows` windows with `meanAt(i)` and a stroke every 43 windows from window 30; returns
   * the first window the occlusion is suspected (Infinity: never) and the detector after the last.
   */
  function afterLoss(c: DetectorConfig, bandBeforeMmHg: number, windows: number, meanAt: (i: number, strokes: number) => number): { firstSuspectedWindow: number; a: ArterialDetector } {
    let a = updateArterial(INITIAL_DETECTORS.arterial, c, true, 0, plausiblePressure(reading(90, 6), c), false, false, Infinity);
    a = updateArterial(a, c, true, 0, plausiblePressure(reading(90, 0), c), false, false, bandBeforeMmHg);
    let strokes = 0;
    let firstSuspectedWindow = Infinity;
    for (let i = 1; i < windows; i++) {
      if (i >= 30 && (i - 30) % 43 === 0) strokes += 1;
      a = updateArterial(a, c, true, strokes, plausiblePressure(reading(meanAt(i, strokes), 0), c), false, false, 0);
      if (a.occlusionSuspected && firstSuspectedWindow === Infinity) firstSuspectedWindow = i;
    }
    return { firstSuspectedWindow, a };
  }
  const clear = cfg.pressure.pulseClearMmHg;

  it('GIP-1.10.3 a closed line at C 1 µL/mmHg (1 mmHg a stroke) after a clearly seen pulse is an occlusion once three steps are read: 36 windows after the third stroke', () => {
    const { firstSuspectedWindow, a } = afterLoss(cfg, clear, 400, (_i, strokes) => 90 + strokes);
    expect(a.occlusionSuspected).toBe(true);
    // The third stroke runs before window 30 + 2·43 = 116; 12 settling and 24 quiet windows read its step.
    expect(firstSuspectedWindow).toBe(116 + 35);
  });

  it('PUMP-NO-FALSE-ALARM after a clearly seen pulse is lost, a 10 mmHg posture step between strokes is not an occlusion, though it clears the fine least rise', () => {
    const { firstSuspectedWindow } = afterLoss(cfg, clear, 600, (i) => (i >= 100 ? 100 : 90));
    expect(10).toBeGreaterThan(cfg.pressure.occlusionMinRiseMmHg);
    expect(firstSuspectedWindow).toBe(Infinity);
  });

  it('PUMP-NO-FALSE-ALARM after a marginal loss, an 85 mmHg arterial ramp over 5 minutes is not an occlusion, though it clears the marginal least rise', () => {
    const { firstSuspectedWindow, a } = afterLoss(cfg, 1, 1500, (i) => 90 + 85 * Math.min(1, Math.max(0, (i - 200) / 300)));
    expect(a.lossResolvable).toBe(false);
    expect(85).toBeGreaterThan(cfg.pressure.marginalOcclusionMinRiseMmHg);
    expect(firstSuspectedWindow).toBe(Infinity);
  });

  it('GIP-1.10.3 a stroke-locked rise needs only the noise and breathing rise: on the coarse front-end a 3.3 mmHg staircase (C 0.3) is an occlusion long before the 52 mmHg least rise', () => {
    const coarse = detectorConfig(deviceConfig({ pressureNoiseSdMmHg: 4, pressureSampleRateHz: 10, pressureResolutionMmHg: 1 }));
    // 6·σ_w·√2 = 10.7 mmHg of noise plus 6 mmHg of breathing and walking swing, up to the 1 mmHg resolution.
    expect(coarse.pressure.marginalStrokeLockedMinRiseMmHg).toBe(17);
    const { firstSuspectedWindow, a } = afterLoss(coarse, 100, 600, (_i, strokes) => 90 + Math.round(3.3 * strokes));
    expect(a.occlusionSuspected).toBe(true);
    // Four strokes read three steps; the rise clears 17 mmHg at the fifth (17 mmHg); 52 mmHg would take 16 strokes.
    expect(firstSuspectedWindow).toBe(30 + 4 * 43);
  });

  it('GIP-1.10.3 while the first steps are read the rise waits; where strokes come too close to read, the rise rule stands alone', () => {
    // Three strokes in, two steps known: a rise well past the least rise still waits.
    const early = afterLoss(cfg, clear, 140, (_i, strokes) => 90 + 5 * strokes);
    expect(early.a.strokeSteps?.steps.length).toBeLessThan(3);
    expect(early.firstSuspectedWindow).toBe(Infinity);
    // Strokes 5 windows apart: no step is read and the rise alone decides.
    let a = updateArterial(INITIAL_DETECTORS.arterial, cfg, true, 0, plausiblePressure(reading(90, 6), cfg), false, false, Infinity);
    a = updateArterial(a, cfg, true, 0, plausiblePressure(reading(90, 0), cfg), false, false, clear);
    for (let i = 1; i <= 20; i++) a = updateArterial(a, cfg, true, Math.floor(i / 5), plausiblePressure(reading(90 + Math.floor(i / 5), 0), cfg), false, false, 0);
    expect(a.strokeSteps?.unmeasurable).toBe(true);
    expect(a.occlusionSuspected).toBe(true);
  });
});
