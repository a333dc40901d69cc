/**
 * The bench's arithmetic (sim/bench/trumpet.ts, sim/bench/balance.ts) against brute force and
 * against pumps whose answer is known: a continuous drive at the set rate has no error at all, a
 * continuous drive 1 % fast has ei = +1 % everywhere, a window's Ep is the plain mean of its ei.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracyFigures, flowErrorsPercent } from '../../../sim/bench/trumpet.ts';
import type { BalanceReading } from '../../../sim/bench/trumpet.ts';
import { DEFAULT_BALANCE, balanceReadingUl } from '../../../sim/bench/balance.ts';
import { checkProperty } from '../../support/fc.ts';

/** Readings every `sampleS` for `samples` intervals from a volume function of time. */
function readingsOf(volumeAtS: (tS: number) => number, sampleS: number, samples: number): BalanceReading[] {
  return Array.from({ length: samples + 1 }, (_, i) => ({ timeS: i * sampleS, volumeUl: volumeAtS(i * sampleS) }));
}

describe('the trumpet arithmetic', () => {
  it('IEC-60601-2-24-TRUMPET a continuous drive at the set rate has ei = 0, Ep = 0 in every window and A = 0; 1 % fast, +1 % everywhere', () => {
    const rate = 84.1;
    for (const factor of [1, 1.01]) {
      const readings = readingsOf((t) => (factor * rate * t) / 3600, 900, 100);
      const errors = flowErrorsPercent(readings, 900, rate, 0, 100 * 900);
      const f = accuracyFigures(errors, 15, [15, 60, 150, 330, 570, 930]);
      const expected = 100 * (factor - 1);
      expect(f.meanErrorPercent).toBeCloseTo(expected, 9);
      expect(f.trumpet.map((t) => t.windowMin)).toEqual([15, 60, 150, 330, 570, 930]);
      for (const t of f.trumpet) {
        expect(t.epMaxPercent).toBeCloseTo(expected, 9);
        expect(t.epMinPercent).toBeCloseTo(expected, 9);
      }
    }
  });

  it('IEC-60601-2-24-TRUMPET Ep(max), Ep(min) are the largest and smallest plain mean over every window of P/S consecutive samples; A is the volume over the period against r·T', () => {
    checkProperty(
      fc.property(
        fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 4, maxLength: 80 }),
        fc.integer({ min: 1, max: 8 }),
        (increments, k) => {
          const sampleS = 30;
          const rate = 100;
          let v = 0;
          const readings: BalanceReading[] = [{ timeS: 0, volumeUl: 0 }];
          increments.forEach((d, i) => {
            v += d;
            readings.push({ timeS: (i + 1) * sampleS, volumeUl: v });
          });
          const n = increments.length;
          const errors = flowErrorsPercent(readings, sampleS, rate, 0, n * sampleS);
          const f = accuracyFigures(errors, 0.5, [k * 0.5]);
          const nominal = (rate * sampleS) / 3600;
          const e = increments.map((d) => (100 * (d - nominal)) / nominal);
          const means: number[] = [];
          for (let j = 0; j + k <= n; j++) means.push(e.slice(j, j + k).reduce((a, b) => a + b, 0) / k);
          if (k > n) {
            expect(f.trumpet).toEqual([]);
          } else {
            const point = f.trumpet[0];
            expect(point?.epMaxPercent).toBeCloseTo(Math.max(...means), 6);
            expect(point?.epMinPercent).toBeCloseTo(Math.min(...means), 6);
          }
          expect(f.meanErrorPercent).toBeCloseTo(100 * (v / ((rate * n * sampleS) / 3600) - 1), 6);
        },
      ),
      { seed: 2424, numRuns: 150 },
    );
  });

  it('IEC-60601-2-24-TRUMPET a window that is not a whole number of samples, or longer than the analysis period, has no entry; a missing reading is refused', () => {
    const readings = readingsOf((t) => t / 36, 30, 10);
    const errors = flowErrorsPercent(readings, 30, 100, 0, 300);
    expect(accuracyFigures(errors, 0.5, [0.75, 5, 5.5]).trumpet.map((t) => t.windowMin)).toEqual([5]);
    expect(() => flowErrorsPercent(readings.filter((r) => r.timeS !== 150), 30, 100, 0, 300)).toThrow(/no balance reading at 150 s/);
  });
});

describe('the simulated balance', () => {
  it('IEC-60601-2-24-TRUMPET a reading is within half the resolution of the truth, and evaporation takes its mass off', () => {
    checkProperty(
      fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0.0001, max: 1, noNaN: true }), fc.double({ min: 0.5, max: 2, noNaN: true }), (volumeUl, resolutionMg, densityGPerMl) => {
        const reading = balanceReadingUl(volumeUl, 3_600_000, { resolutionMg, evaporationMgPerHour: 0, densityGPerMl });
        expect(Math.abs(reading - volumeUl)).toBeLessThanOrEqual(resolutionMg / densityGPerMl / 2 + 1e-9 * Math.max(1, volumeUl));
      }),
      { seed: 60601, numRuns: 150 },
    );
    // 2 mg/h of water at 0.9982 g/mL over 3 h: 6 mg, 6.0108 µL less.
    const p = { ...DEFAULT_BALANCE, evaporationMgPerHour: 2 };
    expect(balanceReadingUl(100, 3 * 3_600_000, p)).toBeCloseTo(100 - 6 / 0.9982, 2);
  });
});
