/**
 * Drug library: the hard and soft limits a prescription is checked against.
 *
 * Owns: every limit used when programming, as data.
 * Promises: a hard-limit violation refuses the prescription; a soft-limit violation needs an
 * explicit confirmation (the `confirmSoftLimits` flag of `program`, or `acknowledge` while the
 * pump waits for it). Limits are inclusive.
 *
 * Sources: the seed protocol (FUDR 0.15 mg/kg/day, dexamethasone 1 mg/m²/day, 14-day infusion,
 * 2 mL heparin 1000 IU/mL lock) sets the centre; the soft bands bracket published HAI FUDR
 * practice (0.1–0.3 mg/kg/day); the hard limits are this product's defaults and say so.
 */
import type { Range } from '../hal/index.ts';

export interface LimitBand {
  readonly hard: Range;
  readonly soft: Range;
  readonly unit: string;
}

export interface DrugLibrary {
  readonly name: string;
  readonly weightKg: LimitBand;
  readonly heightCm: LimitBand;
  readonly bsaM2: LimitBand;
  readonly fudrMgPerKgPerDay: LimitBand;
  /** Absolute daily FUDR ceiling, whatever the weight. */
  readonly fudrMgPerDay: LimitBand;
  readonly fudrMgPerMl: LimitBand;
  readonly dexamethasoneMgPerM2PerDay: LimitBand;
  readonly dexamethasoneMgPerDay: LimitBand;
  readonly dexamethasoneMgPerMl: LimitBand;
  readonly heparinUnitsPerMl: LimitBand;
  readonly infusionDays: LimitBand;
  /** (0, 1]: a reduction only; the protocol's 50 % reduction is 0.5. */
  readonly doseFactor: LimitBand;
  readonly heparinLockVolumeMl: LimitBand;
  readonly heparinLockUnitsPerMl: LimitBand;
}

/** Smallest positive value used for "greater than zero" bounds of the form (0, x]. */
export const EXCLUSIVE_ZERO = 1e-9;

export const HAI_FUDR_LIBRARY: DrugLibrary = Object.freeze({
  name: 'HAI FUDR (seed protocol)',
  weightKg: { hard: { min: 20, max: 250 }, soft: { min: 35, max: 150 }, unit: 'kg' },
  heightCm: { hard: { min: 100, max: 230 }, soft: { min: 140, max: 200 }, unit: 'cm' },
  bsaM2: { hard: { min: 0.8, max: 3.0 }, soft: { min: 1.2, max: 2.6 }, unit: 'm²' },
  fudrMgPerKgPerDay: { hard: { min: EXCLUSIVE_ZERO, max: 0.3 }, soft: { min: 0.05, max: 0.2 }, unit: 'mg/kg/day' },
  fudrMgPerDay: { hard: { min: EXCLUSIVE_ZERO, max: 30 }, soft: { min: 1, max: 25 }, unit: 'mg/day' },
  fudrMgPerMl: { hard: { min: EXCLUSIVE_ZERO, max: 50 }, soft: { min: EXCLUSIVE_ZERO, max: 20 }, unit: 'mg/mL' },
  dexamethasoneMgPerM2PerDay: { hard: { min: 0, max: 5 }, soft: { min: 0, max: 2 }, unit: 'mg/m²/day' },
  dexamethasoneMgPerDay: { hard: { min: 0, max: 10 }, soft: { min: 0, max: 5 }, unit: 'mg/day' },
  dexamethasoneMgPerMl: { hard: { min: 0, max: 4 }, soft: { min: 0, max: 2 }, unit: 'mg/mL' },
  heparinUnitsPerMl: { hard: { min: 0, max: 1000 }, soft: { min: 0, max: 500 }, unit: 'IU/mL' },
  infusionDays: { hard: { min: 1 / 24, max: 21 }, soft: { min: 1, max: 14 }, unit: 'days' },
  doseFactor: { hard: { min: EXCLUSIVE_ZERO, max: 1 }, soft: { min: 0.25, max: 1 }, unit: '' },
  heparinLockVolumeMl: { hard: { min: 0.5, max: 10 }, soft: { min: 1, max: 5 }, unit: 'mL' },
  heparinLockUnitsPerMl: { hard: { min: 10, max: 5000 }, soft: { min: 100, max: 1000 }, unit: 'IU/mL' },
});
