/**
 * Seeded randomness.
 *
 * Owns: every random number in a run.
 * Promises: nothing here reads ambient entropy. Two kinds of source:
 * - `SeededRandom`: a sequential generator (sfc32) for draws made once, in a fixed order
 *   (per-device offsets, patient parameters).
 * - `noiseAt(seed, stream, index)`: counter-based, a pure function of its arguments, for sensor
 *   noise: sample k of a sensor gets the same noise however the run is paced or how often the
 *   firmware reads, which keeps runs identical at every speed factor.
 */

/** 32-bit finaliser (lowbias32, C. Wellons): a fast, well-mixed integer hash. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_POW_32 = 4294967296;

/** Uniform in (0, 1) from (seed, stream, index). */
export function uniformAt(seed: number, stream: number, index: number): number {
  const hi = Math.floor(index / TWO_POW_32);
  const h = mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ stream) ^ (index >>> 0) ^ mix32(hi + 0x85ebca6b));
  return (h + 0.5) / TWO_POW_32;
}

/** Standard normal from (seed, stream, index), Box–Muller on two counter draws. */
export function noiseAt(seed: number, stream: number, index: number): number {
  const u1 = uniformAt(seed, stream, 2 * index);
  const u2 = uniformAt(seed, stream, 2 * index + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
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
