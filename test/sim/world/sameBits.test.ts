/**
 * The patient world's cheaper operations (sim/world/sameBits.ts) give the same bits as the ones
 * they stand for: `remainderTwoPi(x)` is `x % (2 * Math.PI)` and `roundPositive(x)` is
 * `Math.round(x)` for 1 ≤ x < 2⁵², across their ranges and at the doubles next to every edge.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { remainderTwoPi, roundPositive } from '../../../sim/world/sameBits.ts';
import { checkProperty } from '../../support/fc.ts';

const TWO_PI = 2 * Math.PI;
const bits = new DataView(new ArrayBuffer(8));

/** The double `steps` representable values above x (below for negative steps), for positive x. */
function neighbour(x: number, steps: number): number {
  bits.setFloat64(0, x);
  bits.setBigUint64(0, bits.getBigUint64(0) + BigInt(steps));
  return bits.getFloat64(0);
}

function sameAsRemainder(x: number): void {
  expect(Object.is(remainderTwoPi(x), x % TWO_PI), `x = ${x}`).toBe(true);
}

describe('the same bits, computed more cheaply', () => {
  it('PUMP-DETERMINISM remainderTwoPi(x) is x % 2π: across 0 < x < 2²⁵ turns, at the doubles around every multiple tried, and at the edges', () => {
    checkProperty(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: 2 ** 25 * TWO_PI, noNaN: true }), (x) => {
        sameAsRemainder(x);
      }),
      { seed: 160_401, numRuns: 200 },
    );
    checkProperty(
      fc.property(fc.integer({ min: 1, max: 2 ** 24 + 16 }), fc.integer({ min: -3, max: 3 }), (n, steps) => {
        sameAsRemainder(neighbour(n * TWO_PI, steps));
      }),
      { seed: 160_402, numRuns: 200 },
    );
    // The turns the run's breathing reaches (ω ≤ 2π/3 s over a year) and the limit of the split reduction.
    for (let n = 1; n < 200_000; n += 37) for (let steps = -2; steps <= 2; steps++) sameAsRemainder(neighbour(n * TWO_PI, steps));
    for (let n = 2 ** 24 - 4; n <= 2 ** 24 + 4; n++) for (let steps = -2; steps <= 2; steps++) sameAsRemainder(neighbour(n * TWO_PI, steps));
    for (const x of [0, -0, Number.MIN_VALUE, 1e-300, 1, 4, TWO_PI, 7.9, 8, -1, -TWO_PI, 1e300, Infinity, -Infinity, NaN]) sameAsRemainder(x);
  });

  it('PUMP-DETERMINISM roundPositive(x) is Math.round(x) for 1 ≤ x < 2⁵²: across the range, at every half tried and the doubles around it', () => {
    checkProperty(
      fc.property(fc.double({ min: 1, max: 2 ** 52, maxExcluded: true, noNaN: true }), (x) => {
        expect(roundPositive(x), `x = ${x}`).toBe(Math.round(x));
      }),
      { seed: 160_403, numRuns: 200 },
    );
    const halves: number[] = [];
    for (let k = 1; k < 10_000; k++) halves.push(k + 0.5);
    // Halves just below a power of two, where the sum reaches the power.
    for (let p = 1; p <= 51; p++) halves.push(2 ** p - 0.5);
    for (const h of halves) {
      for (let steps = -2; steps <= 2; steps++) {
        const x = neighbour(h, steps);
        expect(roundPositive(x), `x = ${x}`).toBe(Math.round(x));
      }
    }
    for (const x of [1, 1.5, neighbour(2 ** 52, -1), 2 ** 52 - 1.5]) expect(roundPositive(x)).toBe(Math.round(x));
  });
});
