/**
 * The drug library: the limits a reviewer reads in the README are the firmware's, and every band
 * of the library is consulted when programming — a band narrowed so that the seed prescription
 * falls outside it refuses the prescription (hard) or asks for confirmation (soft), naming the
 * field.
 */
import { describe, expect, it } from 'vitest';
import type { DrugLibrary, LimitBand } from '../../firmware/index.ts';
import { HAI_FUDR_LIBRARY, planInfusion } from '../../firmware/index.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { prescription } from '../support/prescription.ts';

const BAND_KEYS = Object.keys(HAI_FUDR_LIBRARY).filter((k) => k !== 'name') as Exclude<keyof DrugLibrary, 'name'>[];
/** A range no prescription value (all are ≥ 0) lies in. */
const IMPOSSIBLE = { min: -2, max: -1 };

function withBand(key: Exclude<keyof DrugLibrary, 'name'>, band: Partial<LimitBand>): DrugLibrary {
  return { ...HAI_FUDR_LIBRARY, [key]: { ...HAI_FUDR_LIBRARY[key], ...band } };
}

/** The finding's field names the band: `weightKg` → `patient.weightKg`, `bsaM2` → `patient.bsaM2 (Mosteller)`. */
function namesBand(field: string, key: string): boolean {
  return new RegExp(`(^|\\.)${key}( |$)`).test(field);
}

describe('drug library', () => {
  it('PUMP-LIB-OK the seed prescription lies inside every band of the library, hard and soft', () => {
    const result = planInfusion(prescription(), NOMINAL_PORT_CONFIG, HAI_FUDR_LIBRARY);
    expect(result.ok ? result.plan.softFindings : result.findings).toEqual([]);
  });

  for (const key of BAND_KEYS) {
    it(`PUMP-LIB-HARD the hard band ${key} is consulted: outside it the prescription is refused, naming ${key}`, () => {
      const result = planInfusion(prescription(), NOMINAL_PORT_CONFIG, withBand(key, { hard: IMPOSSIBLE, soft: IMPOSSIBLE }));
      if (result.ok) throw new Error('accepted a prescription outside a hard band');
      const hard = result.findings.filter((f) => f.kind === 'hard');
      expect(hard.map((f) => f.field).some((f) => namesBand(f, key)), JSON.stringify(hard)).toBe(true);
    });

    it(`PUMP-LIB-SOFT the soft band ${key} is consulted: outside it the plan needs confirmation, naming ${key}`, () => {
      const result = planInfusion(prescription(), NOMINAL_PORT_CONFIG, withBand(key, { soft: IMPOSSIBLE }));
      if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.findings)}`);
      const soft = result.plan.softFindings;
      expect(soft.every((f) => f.kind === 'soft')).toBe(true);
      expect(soft.map((f) => f.field).some((f) => namesBand(f, key)), JSON.stringify(soft)).toBe(true);
    });
  }
});
