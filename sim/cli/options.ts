/**
 * Parsers for the integer options of `pumpsim` and `npm run bench`, and for `--shard i/n`.
 *
 * Promises: an option takes decimal digits only, within its range; anything else is refused with
 * "NAME must be an integer MIN–MAX", which Commander prints on one line (exit 2).
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
