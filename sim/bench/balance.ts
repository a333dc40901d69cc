/**
 * The simulated balance at the outlet: what a bench's balance would read of the plant's truth.
 *
 * Owns: the balance's parameters (resolution, evaporation from the collecting vessel, the
 * fluid's density) with their defaults and allowed ranges, and turning the volume that has left
 * the catheter tip into a reading.
 * Promises: a reading is the collected mass ρ·V less what evaporated since the tare, rounded to
 * the resolution, converted back to a volume with the same density; with no evaporation the
 * reading differs from the truth by at most half the resolution (as a volume). The balance only
 * reads the plant (`Plant.drainedVolumeUl`, which never advances it).
 */
import type { Plant } from '../world/plant/index.ts';

export interface BalanceParameters {
  /** Smallest mass step the balance shows, mg. */
  readonly resolutionMg: number;
  /** Mass lost from the vessel by evaporation, mg per hour since the tare. */
  readonly evaporationMgPerHour: number;
  /** Density of the test fluid, g/mL (1 µL weighs ρ mg); the bench converts mass back to volume with it. */
  readonly densityGPerMl: number;
}

/**
 * Defaults: a five-place analytical balance (0.01 mg: a 1 µL stroke is 100 steps), an oil layer
 * over the collected water so evaporation is negligible (the standard asks the bench to prevent
 * or correct it), water at 20 °C (0.9982 g/mL), the standard's test fluid.
 */
export const DEFAULT_BALANCE: BalanceParameters = Object.freeze({ resolutionMg: 0.01, evaporationMgPerHour: 0, densityGPerMl: 0.9982 });

/** Allowed ranges, for the options that set them (name, unit, range). */
export const BALANCE_RANGES = Object.freeze({
  resolutionMg: { min: 0.0001, max: 10, unit: 'mg' },
  evaporationMgPerHour: { min: 0, max: 100, unit: 'mg/h' },
  densityGPerMl: { min: 0.5, max: 2, unit: 'g/mL' },
});

/** The reading for `collectedUl` after `sinceTareMs`, as a volume (µL). */
export function balanceReadingUl(collectedUl: number, sinceTareMs: number, p: BalanceParameters): number {
  const massMg = collectedUl * p.densityGPerMl - (p.evaporationMgPerHour * sinceTareMs) / 3_600_000;
  const shownMg = Math.round(massMg / p.resolutionMg) * p.resolutionMg;
  return shownMg / p.densityGPerMl;
}

/** A balance tared at `tareMs` under the outlet of `plant`. */
export class Balance {
  private readonly tareUl: number;

  constructor(
    private readonly plant: Plant,
    private readonly tareMs: number,
    private readonly parameters: BalanceParameters = DEFAULT_BALANCE,
  ) {
    this.tareUl = plant.drainedVolumeUl(tareMs);
  }

  /** The volume collected since the tare, as the balance shows it at `tMs`. */
  readUl(tMs: number): number {
    return balanceReadingUl(this.plant.drainedVolumeUl(tMs) - this.tareUl, tMs - this.tareMs, this.parameters);
  }

  /** The true volume collected since the tare (no resolution, no evaporation). */
  truthUl(tMs: number): number {
    return this.plant.drainedVolumeUl(tMs) - this.tareUl;
  }
}
