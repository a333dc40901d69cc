/**
 * Prescriptions for tests: the seed protocol (docs/domain.md §1) and a builder for variations.
 */
import type { PatientInput, PrescriptionInput } from '../../firmware/index.ts';

/**
 * The seed protocol for the docs/domain.md worked example (70 kg, 170 cm): FUDR 0.15 mg/kg/day and
 * dexamethasone 1 mg/m²/day over 14 days, 2 mL heparin 1000 IU/mL lock. The reservoir fill
 * (30 mL) is the docs/domain.md modelling default; heparin in the pump mixture (100 IU/mL) is our
 * default, the paper gives no concentration.
 */
export const SEED_PRESCRIPTION: PrescriptionInput = Object.freeze({
  patient: Object.freeze({ weightKg: 70, heightCm: 170 }),
  fudrMgPerKgPerDay: 0.15,
  dexamethasoneMgPerM2PerDay: 1,
  heparinUnitsPerMl: 100,
  infusionDays: 14,
  doseFactor: 1,
  reservoirVolumeMl: 30,
  heparinLockVolumeMl: 2,
  heparinLockUnitsPerMl: 1000,
});

export type PrescriptionOverrides = Partial<Omit<PrescriptionInput, 'patient'>> & { readonly patient?: PatientInput };

/** The seed prescription with some fields replaced (`patient` is replaced whole). */
export function prescription(overrides: PrescriptionOverrides = {}): PrescriptionInput {
  return { ...SEED_PRESCRIPTION, ...overrides };
}
