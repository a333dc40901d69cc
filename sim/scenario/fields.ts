/**
 * Field validators shared by every input schema (scenario, faults, course).
 *
 * Owns: how a number field is checked and how its error reads.
 * Promises: every error names the field and the allowed range, with the unit, and says what is
 * wrong: not a number, below or above the range, or (for an integer field) not a whole number.
 * A value gets one message, never two.
 */
import { z } from 'zod';

function allowed(min: number, max: number, unit: string): string {
  return `allowed ${min}–${max}${unit ? ` ${unit}` : ''}`;
}

/** A number in [min, max]. */
export function num(field: string, min: number, max: number, unit = ''): z.ZodNumber {
  const range = allowed(min, max, unit);
  return z
    .number({ error: `${field} must be a number (${range})` })
    .min(min, { error: `${field} is below the allowed range (${range})` })
    .max(max, { error: `${field} is above the allowed range (${range})` });
}

/**
 * An integer in [min, max]. One check says what is wrong, range first: zod's own integer check
 * also rejects integers beyond ±2⁵³ (as too big), which would report a huge value twice.
 */
export function int(field: string, min: number, max: number, unit = ''): z.ZodNumber {
  const range = allowed(min, max, unit);
  return z.number({ error: `${field} must be an integer (${range})` }).superRefine((value, ctx) => {
    const problem =
      value < min ? 'is below the allowed range' : value > max ? 'is above the allowed range' : Number.isInteger(value) ? null : 'must be a whole number, not a fraction';
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `${field} ${problem} (${range})` });
  }).meta({ type: 'integer', minimum: min, maximum: max }); // the JSON Schema sees the range the refinement checks
}
