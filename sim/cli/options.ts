/**
 * Parsers for the integer and decimal options of `pumpsim` and `npm run bench`, and for `--shard i/n`.
 *
 * Promises: an integer option takes decimal digits only, a decimal option digits with at most one
 * point, within its range; anything else is refused with "NAME must be an integer MIN–MAX" (or
 * "a number MIN–MAX UNIT"), which Commander prints on one line (exit 2).
 */
import { InvalidArgumentError } from 'commander';

export function intOption(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`${name} must be an integer ${min}–${max}`);
    return Number(value);
  };
}

/** `--shard i/n`: shard i of n, 1-based, 1 ≤ i ≤ n ≤ `maxShards`. */
export function shardOption(maxShards: number): (value: string) => { index: number; count: number } {
  return (value) => {
    const m = /^(\d+)\/(\d+)$/.exec(value);
    const index = Number(m?.[1]);
    const count = Number(m?.[2]);
    if (m === null || index < 1 || count > maxShards || index > count) throw new InvalidArgumentError(`--shard must be i/n, integers with 1 ≤ i ≤ n ≤ ${maxShards} (shard i of n, 1-based)`);
    return { index, count };
  };
}

/**
 * A decimal option within [min, max] (digits, one point, an optional leading minus); anything
 * else is refused with "NAME must be a number MIN–MAX UNIT".
 */
export function numberOption(name: string, min: number, max: number, unit: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(value) || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a number ${min}–${max}${unit === '' ? '' : ` ${unit}`}`);
    return n;
  };
}
