/**
 * The virtual bench on pumps whose answer is known (sim/bench/standard.ts): a perfect stroke pump
 * (no unit or stroke error, the plant's strokes exactly the firmware's nominal) has a trumpet that
 * closes in on 0 as the windows grow, within one stroke over the window; a mechanism whose every
 * stroke moves 1 % more than the firmware is told shows as A = +1 %. Each case is one or two
 * accuracy runs of the ambulatory method (50 simulated hours, about a second each).
 */
import { describe, expect, it } from 'vitest';
import { runBench } from '../../../sim/bench/standard.ts';
import { PORT_AMBULATORY } from '../../../sim/scenario/device.ts';
import type { DeviceProfile } from '../../../sim/world/profile.ts';

/** The profile with every stroke moving `factor` × the nominal stroke, exactly. */
function exactStrokes(base: DeviceProfile, factor: number): DeviceProfile {
  return { ...base, mechanism: { ...base.mechanism, strokeVolumeUl: base.mechanism.strokeVolumeUl * factor, unitErrorFraction: 0, strokeErrorFraction: 0 } };
}

describe('the bench on a perfect pump and on a pump 1 % over', () => {
  it('PUMP-BENCH a perfect stroke pump: every Ep lies within one stroke over its window of 0 (the trumpet narrows to 0 as 1/P), and A is 0 within one stroke over the analysis period', () => {
    const profile = exactStrokes(PORT_AMBULATORY, 1);
    for (const seed of [7, 8]) {
      const { accuracy } = runBench(profile, { seed, methods: ['ambulatory'], rates: ['intermediate'], accuracyOnly: true });
      const e = accuracy[0];
      if (e === undefined) throw new Error('no accuracy entry');
      const strokeUl = profile.mechanism.strokeVolumeUl;
      const oneStrokePercent = (minutes: number): number => (100 * strokeUl) / ((e.rateUlPerHour * minutes) / 60);
      expect(e.trumpet.length).toBe(6);
      const widths = e.trumpet.map((t) => t.epMaxPercent - t.epMinPercent);
      for (const t of e.trumpet) {
        expect(Math.abs(t.epMaxPercent), `seed ${seed}, ${t.windowMin} min`).toBeLessThanOrEqual(oneStrokePercent(t.windowMin) + 0.01);
        expect(Math.abs(t.epMinPercent), `seed ${seed}, ${t.windowMin} min`).toBeLessThanOrEqual(oneStrokePercent(t.windowMin) + 0.01);
      }
      // The widest window is far narrower than the narrowest one: the curve closes in on 0.
      expect(widths.at(-1) as number).toBeLessThan((widths[0] as number) / 10);
      expect(Math.abs(e.meanErrorPercent)).toBeLessThanOrEqual(oneStrokePercent(e.analysisEndMin - e.analysisStartMin) + 0.01);
    }
  });

  it('PUMP-BENCH a 1 % stroke-volume error shows as A = +1 % (within one stroke over the analysis period), at the intermediate and the maximum rate', () => {
    const profile = exactStrokes(PORT_AMBULATORY, 1.01);
    const { accuracy } = runBench(profile, { seed: 7, methods: ['ambulatory'], rates: ['intermediate', 'maximum'], accuracyOnly: true });
    expect(accuracy.map((a) => a.rate)).toEqual(['intermediate', 'maximum']);
    for (const e of accuracy) {
      const strokesInPeriod = (e.rateUlPerHour * (e.analysisEndMin - e.analysisStartMin)) / 60 / PORT_AMBULATORY.mechanism.strokeVolumeUl;
      expect(Math.abs(e.meanErrorPercent - 1), `${e.rate}: A = ${e.meanErrorPercent}`).toBeLessThanOrEqual((100 * 1.01) / strokesInPeriod + 0.01);
      expect(e.alarms).toEqual([]);
    }
  });
});
