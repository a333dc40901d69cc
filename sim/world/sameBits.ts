/**
 * Cheaper forms of two operations on the patient world's per-beat path (sim/world/patient.ts),
 * each returning the same bits as the operation it stands for (docs/performance.md, "The patient
 * world's cost").
 *
 * Owns: `remainderTwoPi` (`x % (2 * Math.PI)`) and `roundPositive` (`Math.round(x)`).
 * Promises: for every double x, `remainderTwoPi(x)` is `x % (2 * Math.PI)` and, for x ≥ 1,
 * `roundPositive(x)` is `Math.round(x)` (test/sim/world/sameBits.test.ts checks both across their
 * ranges and at the edges).
 */

const TWO_PI = 2 * Math.PI;
/**
 * 2π (the double) as a high part of 26 significant bits and the exact rest: for an integer
 * n < 2²⁴ both n·high and n·low are exact products (26 + 24 and 27 + 24 bits, within 53).
 */
const TWO_PI_HIGH = 6.283185243606567;
const TWO_PI_LOW = TWO_PI - TWO_PI_HIGH;
/** Turns below which the split reduction is exact (see `remainderTwoPi`). */
const EXACT_BELOW_TURNS = 2 ** 24;

/**
 * `x % (2 * Math.PI)`. V8 computes a floating-point `%` with the x87 `fprem` loop, the slowest
 * step of a beat's draw; this is a division, a floor and three subtractions. Why it is exact for
 * 0 < x with n = ⌊x / 2π⌋ < 2²⁴: x, n·high and n·low are multiples of 2⁻⁵⁰ (the last bit of 2π, which lies
 * in [4, 8)), so every intermediate is too, and each stays below 8 in magnitude (|x − n·high| ≤
 * 2π + n·|low| < 7.4), where a multiple of 2⁻⁵⁰ is a double: each subtraction is then exact, as
 * `fmod` is. The rounded quotient is never below the true one (rounding is monotonic and n is a
 * double), at most one above: the remainder is then negative, and adding 2π back is exact too.
 * Anything else (0, −0, negatives, NaN, larger x) takes `%` itself.
 */
export function remainderTwoPi(x: number): number {
  const n = Math.floor(x / TWO_PI);
  if (!(x > 0 && n < EXACT_BELOW_TURNS)) return x % TWO_PI;
  const r = x - n * TWO_PI_HIGH - n * TWO_PI_LOW;
  return r < 0 ? r + TWO_PI : r;
}

/**
 * `Math.round(x)` for 1 ≤ x < 2⁵², without the data-dependent branch V8's `Math.round` takes on
 * the fraction (mispredicted on half the beats, whose RR fractions are random). ⌊x + ½⌋ is the
 * same: x + ½ is a multiple of x's last bit (≤ ½ below 2⁵²), so it is exact unless it reaches the
 * next power of two, and then the fraction was at least ½ and the rounded sum cannot fall below
 * that power. (Below ½ the sum can round up: 0.49999999999999994 + ½ is 1.)
 */
export function roundPositive(x: number): number {
  return Math.floor(x + 0.5);
}
