/**
 * Field validators shared by every input schema (scenario, faults, course).
 *
 * Owns: how a number field is checked and how its error reads.
 * Promises: every error names the field and the allowed range, with the unit.
 */
import { z } from 'zod';

/** A number in [min, max]. */
export function num(field: string, min: number, max: number, unit = ''): z.ZodNumber {
  const u = unit ? ` ${unit}` : '';
  const range = `allowed ${min}–${max}${u}`;
  return z
    .number({ error: `${field} must be a number (${range})` })
    .min(min, { error: `${field} is below the allowed range (${range})` })
    .max(max, { error: `${field} is above the allowed range (${range})` });
}
