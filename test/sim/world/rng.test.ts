/**
 * Seeded randomness: the sensor-noise normals are the equiprobable quantiles they claim to be,
 * drawn as a pure function of (key, index).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalPairFromKey, normalPairsFromKey, noiseKey, quantile16, quantile16Exact } from '../../../sim/world/rng.ts';
import { checkProperty } from '../../support/fc.ts';

describe('sensor-noise normals', () => {
  it('PUMP-SENSOR-NOISE the quantile tables give Φ⁻¹((u + ½)/2¹⁶) for every 16-bit u: exact in the tails, within 3e-6 σ elsewhere, mirror-symmetric', () => {
    let worst = 0;
    for (let u = 0; u < 65_536; u++) {
      const exact = quantile16Exact(u);
      const error = Math.abs(quantile16(u) - exact);
      if (u < 2048 || u >= 65_536 - 2048) expect(error, `u = ${u}`).toBe(0);
      worst = Math.max(worst, error);
      expect(quantile16(65_535 - u)).toBe(-quantile16(u));
    }
    expect(worst).toBeLessThan(3e-6);
    expect(worst).toBeGreaterThan(0);
    expect(quantile16(0)).toBeCloseTo(-4.325, 3);
    expect(quantile16(65_535)).toBeCloseTo(4.325, 3);
  });

  it('PUMP-SENSOR-NOISE pairs are standard normal, uncorrelated, and a pure function of (key, index)', () => {
    const key = noiseKey(7, 3);
    const z = new Float64Array(2);
    const n = 200_000;
    let s0 = 0, s1 = 0, q0 = 0, q1 = 0, c = 0;
    for (let i = 0; i < n; i++) {
      normalPairFromKey(key, i * 50, z);
      const a = z[0] as number, b = z[1] as number;
      s0 += a; s1 += b; q0 += a * a; q1 += b * b; c += a * b;
    }
    // Standard errors at n = 2e5: mean 0.0022, variance 0.0032, correlation 0.0022; bounds at ~4.5 SE.
    expect(Math.abs(s0 / n)).toBeLessThan(0.01);
    expect(Math.abs(s1 / n)).toBeLessThan(0.01);
    expect(Math.abs(q0 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(q1 / n - 1)).toBeLessThan(0.015);
    expect(Math.abs(c / n)).toBeLessThan(0.01);
    const again = new Float64Array(2);
    normalPairFromKey(key, 123_450, z);
    normalPairFromKey(noiseKey(8, 3), 123_450, again);
    normalPairFromKey(key, 123_450, again);
    expect([...again]).toEqual([...z]);
  });

  it('PUMP-SENSOR-NOISE a batch of pairs (the pressure sensor computes its reads ahead) holds exactly the pairs drawn one at a time', () => {
    checkProperty(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 70 }), (seed, first, stride, pairs) => {
        const key = noiseKey(seed, 3);
        const batch = new Float64Array(2 * pairs);
        normalPairsFromKey(key, first, stride, batch);
        const one = new Float64Array(2);
        for (let j = 0; j < pairs; j++) {
          normalPairFromKey(key, first + j * stride, one);
          expect([batch[2 * j], batch[2 * j + 1]]).toEqual([one[0], one[1]]);
        }
      }),
      { seed: 0x0ba7_c4, numRuns: 200 },
    );
  });
});
