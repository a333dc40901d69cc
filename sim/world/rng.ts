/**
 * Seeded randomness.
 *
 * Owns: every random number in a run.
 * Promises: nothing here reads ambient entropy. Two kinds of source:
 * - `SeededRandom`: a sequential generator (sfc32) for draws made once, in a fixed order
 *   (per-device offsets, patient parameters).
 * - `noiseKey(seed, stream)` with `uniformFromKey`, `normalFromKey`, `normalPairsFromKey`:
 *   counter-based, a pure function of (key, index), for sensor noise and per-stroke draws: sample k
 *   of a sensor gets the same noise however the run is paced or how often the firmware reads,
 *   which keeps runs identical at every speed factor.
 * Two inverse-normal tables serve two callers and both stay, each bit for bit what its callers
 * were built on: `normalFromKey` (flow sensor, reservoir gauge; one 32-bit draw) interpolates a
 * 4096-step table of Acklam's Φ⁻¹ over the central 95 % and evaluates the tails exactly;
 * `normalPairsFromKey` (pressure front-end; two 16-bit draws from one hash) reads 2¹⁶
 * equiprobable quantiles. Both tables are built from the one Acklam approximation below.
 */

/** 32-bit finaliser (lowbias32, C. Wellons): a fast, well-mixed integer hash. */
export function mix32(x: number): number {
  return mix32Bits(x) >>> 0;
}

/** `mix32` as the same 32 bits in a signed integer, for loops that stay in 32-bit integers (`>>> 0` makes it unsigned). */
function mix32Bits(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return x ^ (x >>> 16);
}

const TWO_POW_32 = 4294967296;

/** Key of one noise stream of one run; compute once, then draw with `uniformFromKey`/`normalFromKey`. */
export function noiseKey(seed: number, stream: number): number {
  return mix32(mix32((seed ^ 0x9e3779b9) >>> 0) ^ stream);
}

function hashIndex(key: number, index: number): number {
  const lo = index >>> 0;
  const hi = index >= TWO_POW_32 ? mix32(Math.floor(index / TWO_POW_32) + 0x85ebca6b) : 0;
  return mix32(mix32(key ^ lo) ^ hi);
}

/** Uniform in (0, 1), a pure function of (key, index). */
export function uniformFromKey(key: number, index: number): number {
  return (hashIndex(key, index) + 0.5) / TWO_POW_32;
}

/**
 * Standard normal, a pure function of (key, index), by inverting the normal CDF at one uniform
 * draw. Inverse CDF: P. J. Acklam's rational approximation (relative error < 1.15e-9); the central
 * 95 % needs no logarithm, which keeps 1 Hz sensor noise cheap.
 */
export function normalFromKey(key: number, index: number): number {
  return fastInverseNormalCdf((hashIndex(key, index) + 0.5) / TWO_POW_32);
}

/** Φ⁻¹((i + ½) / 2¹⁶): the i-th of 2¹⁶ equiprobable standard-normal quantiles (`quantile16` approximates it). */
export function quantile16Exact(i: number): number {
  return inverseNormalCdf((i + 0.5) / 65_536);
}

// The lower half of the 2¹⁶ quantiles (the upper half mirrors it: Φ⁻¹(1 − p) = −Φ⁻¹(p)), in one
// table small enough (31 KB) to stay in a core's fast cache:
// - the tail, entries [0, 2048) for i < 2048 (p < 3.1 %), every quantile exactly;
// - the centre, entries from 2048 on for 2048 ≤ i < 32768, exact every 16th quantile and linear
//   in between. Error ≤ h²/8 · max|Φ⁻¹''| = (16/2¹⁶)²/8 · 375 < 3e-6 σ (Φ⁻¹''(p) = z/φ(z)²,
//   largest at the tail's edge).
const QUANTILE_TAIL = 2048;
const QUANTILE_KNOT = 16;
const KNOT_FRACTION = 1 / QUANTILE_KNOT;
let quantileTable: Float64Array | null = null;

function buildQuantileTable(): Float64Array {
  const knots = (32_768 - QUANTILE_TAIL) / QUANTILE_KNOT;
  const table = new Float64Array(QUANTILE_TAIL + knots + 1);
  for (let i = 0; i < QUANTILE_TAIL; i++) table[i] = quantile16Exact(i);
  for (let k = 0; k <= knots; k++) table[QUANTILE_TAIL + k] = quantile16Exact(QUANTILE_TAIL + QUANTILE_KNOT * k);
  quantileTable = table;
  return table;
}

/** Φ⁻¹((u + ½) / 2¹⁶) for a 16-bit u, from the table (exact in the tails, < 3e-6 σ elsewhere). */
export function quantile16(u: number): number {
  return quantileFromTable(quantileTable ?? buildQuantileTable(), u, QUANTILE_TAIL, KNOT_FRACTION);
}

/** Quantile u from `table`; the table's constants come in as arguments, so a loop that calls this holds them. */
function quantileFromTable(table: Float64Array, u: number, tailSize: number, knotFraction: number): number {
  // Without branches on the half (a coin flip per draw, which a branch predictor cannot learn):
  // the upper half mirrors the lower, i = 65535 − u = u ^ 0xffff, and the sign flips.
  const upper = u >>> 15;
  const i = u ^ (-upper & 0xffff);
  let z: number;
  if (i < tailSize) {
    z = table[i] as number;
  } else {
    // Knot k of the centre sits at tailSize + k; × 1/16 rather than ÷ 16: the same bits (a power
    // of two), without a division.
    const offset = i - tailSize;
    const at = tailSize + (offset >> 4);
    const left = table[at] as number;
    z = left + ((table[at + 1] as number) - left) * ((offset & 15) * knotFraction);
  }
  return (1 - 2 * upper) * z;
}

/**
 * Two independent standard normals from one hash of (key, index), written to `out[0]`, `out[1]`:
 * each 16-bit half u of the hash gives `quantile16(u)`, one of 2¹⁶ equiprobable quantiles. The
 * draw is quantised to 1/65,536 of probability and bounded at ±4.32σ (P = 1.5e-5 of a draw
 * beyond), ample for sensor noise, and it halves the hashing on the 1 Hz pressure path. A pure
 * function of its arguments.
 */
export function normalPairFromKey(key: number, index: number, out: Float64Array): void {
  writeNormalPair(hashIndex(key, index), out, 0);
}

/** The pair one 32-bit hash gives, written to out[at], out[at + 1]. */
function writeNormalPair(h: number, out: Float64Array, at: number): void {
  out[at] = quantile16(h & 0xffff);
  out[at + 1] = quantile16(h >>> 16);
}

/**
 * `normalPairFromKey` for the indices first, first + stride, first + 2·stride, … (as many pairs
 * as `out` holds), pair j in out[2j], out[2j + 1]: the same values, computed in one tight loop for
 * a sensor that knows which samples it will read next (sim/world/devices/pressureSensor.ts).
 */
export function normalPairsFromKey(key: number, firstIndex: number, stride: number, out: Float64Array): void {
  const table = quantileTable ?? buildQuantileTable();
  const lastIndex = firstIndex + ((out.length >> 1) - 1) * stride;
  if (!(lastIndex < TWO_POW_32 && firstIndex >= 0 && Number.isInteger(firstIndex) && Number.isInteger(stride))) {
    let index = firstIndex;
    for (let at = 0; at + 1 < out.length; at += 2) {
      writeNormalPair(hashIndex(key, index), out, at);
      index += stride;
    }
    return;
  }
  // Every index of the batch is below 2³², so its high word is 0 and the hash is mix32(mix32(key ^
  // index) ^ 0): the same bits, computed here in 32-bit integers throughout (`mix32Bits`).
  const tailSize = QUANTILE_TAIL;
  const knotFraction = KNOT_FRACTION;
  let index = firstIndex;
  for (let at = 0; at + 1 < out.length; at += 2) {
    const h = mix32Bits(mix32Bits(key ^ index));
    out[at] = quantileFromTable(table, h & 0xffff, tailSize, knotFraction);
    out[at + 1] = quantileFromTable(table, h >>> 16, tailSize, knotFraction);
    index += stride;
  }
}

const CENTRAL_STEPS = 4096;
let centralTable: Float64Array | null = null;

/**
 * Φ⁻¹(p) for sensor noise at 1 Hz: the central 95 % (p in [0.02425, 0.97575]) from a 4096-step
 * table of Acklam's values with linear interpolation (error < 4e-6 σ: h²/8 · max|Φ⁻¹''|), the
 * tails from Acklam's formula itself, so the distribution's tails stay exact.
 */
function fastInverseNormalCdf(p: number): number {
  if (p < P_LOW || p > 1 - P_LOW) return inverseNormalCdf(p);
  let table = centralTable;
  if (table === null) {
    table = new Float64Array(CENTRAL_STEPS + 1);
    for (let i = 0; i <= CENTRAL_STEPS; i++) table[i] = inverseNormalCdf(P_LOW + ((1 - 2 * P_LOW) * i) / CENTRAL_STEPS);
    centralTable = table;
  }
  const x = ((p - P_LOW) / (1 - 2 * P_LOW)) * CENTRAL_STEPS;
  const i = x < CENTRAL_STEPS ? Math.floor(x) : CENTRAL_STEPS - 1;
  const a = table[i] as number;
  return a + (x - i) * ((table[i + 1] as number) - a);
}

const A1 = -3.969683028665376e1, A2 = 2.209460984245205e2, A3 = -2.759285104469687e2;
const A4 = 1.38357751867269e2, A5 = -3.066479806614716e1, A6 = 2.506628277459239;
const B1 = -5.447609879822406e1, B2 = 1.615858368580409e2, B3 = -1.556989798598866e2;
const B4 = 6.680131188771972e1, B5 = -1.328068155288572e1;
const C1 = -7.784894002430293e-3, C2 = -3.223964580411365e-1, C3 = -2.400758277161838;
const C4 = -2.549732539343734, C5 = 4.374664141464968, C6 = 2.938163982698783;
const D1 = 7.784695709041462e-3, D2 = 3.224671290700398e-1, D3 = 2.445134137142996, D4 = 3.754408661907416;
const P_LOW = 0.02425;

/** Φ⁻¹(p) for p in (0, 1) (Acklam 2003). */
function inverseNormalCdf(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
}

/** Stable stream ids from names, so adding a stream never shifts another's numbers. */
export function streamId(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator), seeded through mix32. */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = mix32(seed ^ 0xa5a5a5a5);
    this.b = mix32(seed + 0x3c6ef372 + stream);
    this.c = mix32(stream ^ 0x1b873593);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  normal(mean = 0, sd = 1): number {
    const u1 = (this.nextUint32() + 0.5) / TWO_POW_32;
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A child generator with its own stream, independent of how many draws this one made later. */
  fork(name: string): SeededRandom {
    return new SeededRandom(this.nextUint32(), streamId(name));
  }
}

/**
 * The quantile function through knots (p, x), p rising from 0 to 1: linear between knots, the
 * last knot's x beyond it. A distribution known only by its median and range (the seed's
 * "median 26 (22–33)") is the three knots (0, 22), (0.5, 26), (1, 33).
 */
export function piecewiseLinearQuantile(knots: readonly (readonly [number, number])[], p: number): number {
  for (let i = 1; i < knots.length; i++) {
    const [p1, x1] = knots[i] as readonly [number, number];
    const [p0, x0] = knots[i - 1] as readonly [number, number];
    if (p <= p1) return x0 + ((x1 - x0) * (p - p0)) / (p1 - p0);
  }
  return (knots[knots.length - 1] as readonly [number, number])[1];
}
