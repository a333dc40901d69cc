/**
 * Parsers for the integer options of `pumpsim` and `npm run bench`.
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
