/**
 * Dosing: from a prescription to an infusion plan, as pure functions.
 *
 * Owns: BSA, daily doses, reservoir concentrations, rate, stroke count, the stroke schedule.
 * Promises:
 * - Invalid input is never turned into a guessed dose: `planInfusion` returns every finding
 *   (field, value, allowed range, hard or soft) and a plan only when no hard limit is broken.
 * - The programmed volume is a whole number of strokes and the concentrations are computed for
 *   exactly that volume, so rounding to the stroke changes no dose.
 * - The schedule carries the remainder: after any elapsed time the cumulative target is
 *   floor(strokes · elapsed / duration), computed in integers, so nothing is lost or repeated.
 *
 * Dead volumes (docs/domain.md §2): the prime fills the set (line + needle) with drug before the needle
 * goes into the port (what it pushes beyond the set goes to waste); the infusion volume is what
 * the reservoir holds after the prime, its unreachable residual and a reserve; the heparin flush
 * at the end pushes the drug still in the path into the artery — the infused volume and the set's
 * contents. The patient therefore receives concentration × (infusion volume + primed set volume),
 * and the concentrations are computed for exactly that volume.
 */
import type { DeviceConfig, Range } from '../hal/index.ts';
import type { DrugLibrary, LimitBand } from './drugLibrary.ts';
import { EXCLUSIVE_ZERO } from './drugLibrary.ts';

export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const NL_PER_UL = 1000;
export const UL_PER_ML = 1000;

export interface PatientInput {
  readonly weightKg: number;
  readonly heightCm?: number;
  /** Given BSA; used instead of Mosteller when present. */
  readonly bsaM2?: number;
}

export interface PrescriptionInput {
  readonly patient: PatientInput;
  readonly fudrMgPerKgPerDay: number;
  readonly dexamethasoneMgPerM2PerDay: number;
  readonly heparinUnitsPerMl: number;
  readonly infusionDays: number;
  /** (0, 1]; the protocol's 50 % reduction is 0.5. Applies to FUDR and dexamethasone. */
  readonly doseFactor: number;
  readonly reservoirVolumeMl: number;
  readonly heparinLockVolumeMl: number;
  readonly heparinLockUnitsPerMl: number;
}

export type LimitKind = 'hard' | 'soft';

/** One reason a prescription is refused or needs confirmation. */
export interface LimitFinding {
  readonly field: string;
  readonly value: number;
  readonly allowed: Range;
  readonly unit: string;
  readonly kind: LimitKind;
  readonly message: string;
}

export interface InfusionPlan {
  readonly bsaM2: number;
  readonly bsaSource: 'mosteller' | 'given';
  readonly weightKg: number;
  readonly doseFactor: number;
  readonly infusionDays: number;
  readonly durationMs: number;
  readonly fudrMgPerDay: number;
  readonly dexamethasoneMgPerDay: number;
  readonly fudrMgTotal: number;
  readonly dexamethasoneMgTotal: number;
  /** Heparin in the pump mixture that reaches the patient ((infusion + primed set volume) × concentration). */
  readonly heparinUnitsInfused: number;
  readonly heparinLockUnits: number;
  readonly heparinUnitsTotal: number;
  readonly reservoirFillMl: number;
  readonly strokeVolumeNl: number;
  readonly infusionStrokes: number;
  readonly infusionVolumeUl: number;
  /** Volume of mixture that reaches the patient: the infusion plus the primed set the flush pushes out. */
  readonly doseVolumeUl: number;
  readonly rateUlPerHour: number;
  readonly primingStrokes: number;
  readonly primingDurationMs: number;
  readonly heparinLockVolumeMl: number;
  readonly heparinLockUnitsPerMl: number;
  readonly flushStrokes: number;
  readonly flushDurationMs: number;
  readonly fudrMgPerMl: number;
  readonly dexamethasoneMgPerMl: number;
  readonly heparinUnitsPerMl: number;
  /** Soft-limit findings the clinician confirmed (or must confirm). */
  readonly softFindings: readonly LimitFinding[];
}

export type PlanResult =
  | { readonly ok: true; readonly plan: InfusionPlan }
  | { readonly ok: false; readonly findings: readonly LimitFinding[] };

/** Mosteller (N Engl J Med 1987;317:1098): BSA = √(height cm × weight kg / 3600). */
export function bsaMostellerM2(heightCm: number, weightKg: number): number {
  return Math.sqrt((heightCm * weightKg) / 3600);
}

/** Cumulative stroke target after `elapsedMs` of a phase of `totalStrokes` over `durationMs`. */
export function scheduledStrokes(totalStrokes: number, elapsedMs: number, durationMs: number): number {
  // A phase of no duration is owed at once.
  if (durationMs <= 0) return totalStrokes;
  // Clamped to [0, duration]: at the duration, total × d / d is exact (integers below 2⁵³).
  const clampedMs = Math.min(Math.max(elapsedMs, 0), durationMs);
  return Math.floor((totalStrokes * clampedMs) / durationMs);
}

/** Strokes of nominal volume needed to push at least `volumeUl`. */
export function strokesForVolume(volumeUl: number, strokeVolumeNl: number): number {
  return Math.ceil((volumeUl * NL_PER_UL) / strokeVolumeNl - 1e-9);
}

/** Duration of pushing `strokes` at `rateUlPerHour`, whole milliseconds. */
export function durationForStrokesMs(strokes: number, strokeVolumeNl: number, rateUlPerHour: number): number {
  return Math.ceil(((strokes * strokeVolumeNl) / NL_PER_UL / rateUlPerHour) * MS_PER_HOUR);
}

function formatNumber(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

function describeRange(r: Range, unit: string): string {
  const u = unit === '' ? '' : ` ${unit}`;
  // The library's exclusive zero stands for the open bound "(0, max]".
  if (r.min === EXCLUSIVE_ZERO) return `> 0 and ≤ ${formatNumber(r.max)}${u}`;
  return `${formatNumber(r.min)}–${formatNumber(r.max)}${u}`;
}

/** Checks `value` against a band; returns the hard finding, else the soft one, else null. */
export function checkBand(field: string, value: number, band: LimitBand): LimitFinding | null {
  if (!Number.isFinite(value) || value < band.hard.min || value > band.hard.max) {
    return {
      field, value, allowed: band.hard, unit: band.unit, kind: 'hard',
      message: `${field} = ${formatNumber(value)} is outside the hard limit ${describeRange(band.hard, band.unit)}`,
    };
  }
  if (value < band.soft.min || value > band.soft.max) {
    return {
      field, value, allowed: band.soft, unit: band.unit, kind: 'soft',
      message: `${field} = ${formatNumber(value)} is outside the soft limit ${describeRange(band.soft, band.unit)} (needs confirmation)`,
    };
  }
  return null;
}

function hardRangeFinding(field: string, value: number, allowed: Range, unit: string, why: string): LimitFinding {
  return {
    field, value, allowed, unit, kind: 'hard',
    message: `${field} = ${formatNumber(value)} ${why}; allowed ${describeRange(allowed, unit)}`,
  };
}

/**
 * Checks a prescription against the drug library and the device, and computes the plan.
 * Every finding is reported, not only the first; hard findings refuse the plan.
 */
export function planInfusion(rx: PrescriptionInput, config: DeviceConfig, library: DrugLibrary): PlanResult {
  const findings: LimitFinding[] = [];
  const check = (field: string, value: number, band: LimitBand): void => {
    const f = checkBand(field, value, band);
    if (f) findings.push(f);
  };
  const p = rx.patient;
  check('patient.weightKg', p.weightKg, library.weightKg);
  if (p.bsaM2 !== undefined) check('patient.bsaM2', p.bsaM2, library.bsaM2);
  else if (p.heightCm !== undefined) check('patient.heightCm', p.heightCm, library.heightCm);
  else findings.push(hardRangeFinding('patient.heightCm', NaN, library.heightCm.hard, 'cm', 'is missing (give heightCm or bsaM2)'));
  check('prescription.fudrMgPerKgPerDay', rx.fudrMgPerKgPerDay, library.fudrMgPerKgPerDay);
  check('prescription.dexamethasoneMgPerM2PerDay', rx.dexamethasoneMgPerM2PerDay, library.dexamethasoneMgPerM2PerDay);
  check('prescription.heparinUnitsPerMl', rx.heparinUnitsPerMl, library.heparinUnitsPerMl);
  check('prescription.infusionDays', rx.infusionDays, library.infusionDays);
  check('prescription.doseFactor', rx.doseFactor, library.doseFactor);
  check('prescription.heparinLockVolumeMl', rx.heparinLockVolumeMl, library.heparinLockVolumeMl);
  check('prescription.heparinLockUnitsPerMl', rx.heparinLockUnitsPerMl, library.heparinLockUnitsPerMl);
  const fill = config.reservoirFillRangeMl;
  if (!Number.isFinite(rx.reservoirVolumeMl) || rx.reservoirVolumeMl < fill.min || rx.reservoirVolumeMl > fill.max) {
    findings.push(hardRangeFinding('prescription.reservoirVolumeMl', rx.reservoirVolumeMl, fill, 'mL', `does not fit the ${config.profileName} reservoir`));
  }
  if (findings.some((f) => f.kind === 'hard')) return { ok: false, findings };

  const bsaSource = p.bsaM2 !== undefined ? 'given' : 'mosteller';
  const bsaM2 = p.bsaM2 ?? bsaMostellerM2(p.heightCm as number, p.weightKg);
  if (bsaSource === 'mosteller') check('patient.bsaM2 (Mosteller)', bsaM2, library.bsaM2);

  const fudrMgPerDay = rx.fudrMgPerKgPerDay * p.weightKg * rx.doseFactor;
  const dexamethasoneMgPerDay = rx.dexamethasoneMgPerM2PerDay * bsaM2 * rx.doseFactor;
  check('fudrMgPerDay', fudrMgPerDay, library.fudrMgPerDay);
  check('dexamethasoneMgPerDay', dexamethasoneMgPerDay, library.dexamethasoneMgPerDay);

  const strokeVolumeNl = config.strokeVolumeNl;
  const primingStrokes = strokesForVolume(config.primingVolumeUl, strokeVolumeNl);
  const primingPushedUl = (primingStrokes * strokeVolumeNl) / NL_PER_UL;
  const usableUl = (rx.reservoirVolumeMl * UL_PER_ML - config.reservoirResidualUl - primingPushedUl) * (1 - config.reservoirReserveFraction);
  // The epsilon absorbs binary rounding (2.01 mL × 1000 = 2009.9999999999998 µL must not lose a stroke).
  const infusionStrokes = Math.floor((usableUl * NL_PER_UL) / strokeVolumeNl + 1e-9);
  const infusionVolumeUl = (infusionStrokes * strokeVolumeNl) / NL_PER_UL;
  const durationMs = Math.round(rx.infusionDays * MS_PER_DAY);
  const rateUlPerHour = infusionVolumeUl / (durationMs / MS_PER_HOUR);
  // The fill whose whole strokes just reach `rateUlPerHour`, rounded to 0.001 mL towards the
  // inside of the allowed range, so the figure we print is itself accepted.
  const fillForRateMl = (rateUlPerHour: number, bound: 'min' | 'max'): number => {
    const exactStrokes = (rateUlPerHour * durationMs * NL_PER_UL) / MS_PER_HOUR / strokeVolumeNl;
    const strokes = bound === 'min' ? Math.ceil(exactStrokes - 1e-9) : Math.floor(exactStrokes + 1e-9);
    const fillUl = config.reservoirResidualUl + primingPushedUl + (strokes * strokeVolumeNl) / NL_PER_UL / (1 - config.reservoirReserveFraction);
    return (bound === 'min' ? Math.ceil(fillUl - 1e-6) : Math.floor(fillUl + 1e-6)) / UL_PER_ML;
  };
  const minFillMl = fillForRateMl(config.rateRangeUlPerHour.min, 'min');
  if (infusionStrokes <= 0 || rateUlPerHour < config.rateRangeUlPerHour.min) {
    findings.push(hardRangeFinding('prescription.reservoirVolumeMl', rx.reservoirVolumeMl,
      { min: Math.max(fill.min, minFillMl), max: fill.max }, 'mL',
      `is too small: after priming (${formatNumber(primingPushedUl)} µL), residual (${formatNumber(config.reservoirResidualUl)} µL) and reserve (${formatNumber(config.reservoirReserveFraction * 100)} %) it gives ${formatNumber(Math.max(0, rateUlPerHour))} µL/h, below the pump minimum ${formatNumber(config.rateRangeUlPerHour.min)} µL/h`));
  } else if (rateUlPerHour > config.rateRangeUlPerHour.max) {
    findings.push(hardRangeFinding('prescription.reservoirVolumeMl', rx.reservoirVolumeMl,
      { min: fill.min, max: fillForRateMl(config.rateRangeUlPerHour.max, 'max') }, 'mL',
      `over ${formatNumber(rx.infusionDays)} days needs ${formatNumber(rateUlPerHour)} µL/h, above the pump maximum ${formatNumber(config.rateRangeUlPerHour.max)} µL/h`));
  }
  if (findings.some((f) => f.kind === 'hard')) return { ok: false, findings };

  const doseVolumeMl = (infusionVolumeUl + config.primedSetVolumeUl) / UL_PER_ML;
  const fudrMgTotal = fudrMgPerDay * rx.infusionDays;
  const dexamethasoneMgTotal = dexamethasoneMgPerDay * rx.infusionDays;
  const fudrMgPerMl = fudrMgTotal / doseVolumeMl;
  const dexamethasoneMgPerMl = dexamethasoneMgTotal / doseVolumeMl;
  check('fudrMgPerMl', fudrMgPerMl, library.fudrMgPerMl);
  check('dexamethasoneMgPerMl', dexamethasoneMgPerMl, library.dexamethasoneMgPerMl);
  if (findings.some((f) => f.kind === 'hard')) return { ok: false, findings };

  const flushStrokes = strokesForVolume(rx.heparinLockVolumeMl * UL_PER_ML, strokeVolumeNl);
  const heparinUnitsInfused = rx.heparinUnitsPerMl * doseVolumeMl;
  const heparinLockUnits = rx.heparinLockVolumeMl * rx.heparinLockUnitsPerMl;
  return {
    ok: true,
    plan: {
      bsaM2, bsaSource, weightKg: p.weightKg, doseFactor: rx.doseFactor, infusionDays: rx.infusionDays, durationMs,
      fudrMgPerDay, dexamethasoneMgPerDay, fudrMgTotal, dexamethasoneMgTotal,
      heparinUnitsInfused, heparinLockUnits, heparinUnitsTotal: heparinUnitsInfused + heparinLockUnits,
      reservoirFillMl: rx.reservoirVolumeMl, strokeVolumeNl, infusionStrokes, infusionVolumeUl, doseVolumeUl: doseVolumeMl * UL_PER_ML, rateUlPerHour,
      primingStrokes, primingDurationMs: durationForStrokesMs(primingStrokes, strokeVolumeNl, config.primeRateUlPerHour),
      heparinLockVolumeMl: rx.heparinLockVolumeMl, heparinLockUnitsPerMl: rx.heparinLockUnitsPerMl,
      flushStrokes, flushDurationMs: durationForStrokesMs(flushStrokes, strokeVolumeNl, config.flushRateUlPerHour),
      fudrMgPerMl, dexamethasoneMgPerMl, heparinUnitsPerMl: rx.heparinUnitsPerMl,
      softFindings: findings,
    },
  };
}
