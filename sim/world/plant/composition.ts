/**
 * What a volume of fluid carries, and running totals of it.
 *
 * Owns: the drug composition of fluid (FUDR, dexamethasone, heparin per µL) and `Totals`, the
 * accumulators the plant keeps its truth in (to the artery, elsewhere, filled, discarded).
 * Promises: `Totals.add` accumulates volume and each drug in the same order every time, so two
 * runs that add the same parcels hold the same bits.
 */

export interface Composition {
  readonly fudrMgPerUl: number;
  readonly dexamethasoneMgPerUl: number;
  readonly heparinUnitsPerUl: number;
}

export const NO_DRUG: Composition = Object.freeze({ fudrMgPerUl: 0, dexamethasoneMgPerUl: 0, heparinUnitsPerUl: 0 });

/** The composition of `aUl` of `a` and `bUl` of `b` mixed (a itself when nothing of another is added). */
export function mixed(aUl: number, a: Composition, bUl: number, b: Composition): Composition {
  if (a === b || bUl <= 0) return a;
  const total = aUl + bUl;
  if (total <= 0) return b;
  return {
    fudrMgPerUl: (aUl * a.fudrMgPerUl + bUl * b.fudrMgPerUl) / total,
    dexamethasoneMgPerUl: (aUl * a.dexamethasoneMgPerUl + bUl * b.dexamethasoneMgPerUl) / total,
    heparinUnitsPerUl: (aUl * a.heparinUnitsPerUl + bUl * b.heparinUnitsPerUl) / total,
  };
}

export class Totals {
  volumeUl = 0;
  fudrMg = 0;
  dexamethasoneMg = 0;
  heparinUnits = 0;

  add(volumeUl: number, c: Composition): void {
    this.volumeUl += volumeUl;
    this.fudrMg += volumeUl * c.fudrMgPerUl;
    this.dexamethasoneMg += volumeUl * c.dexamethasoneMgPerUl;
    this.heparinUnits += volumeUl * c.heparinUnitsPerUl;
  }

  snapshot(): { volumeUl: number; fudrMg: number; dexamethasoneMg: number; heparinUnits: number } {
    return { volumeUl: this.volumeUl, fudrMg: this.fudrMg, dexamethasoneMg: this.dexamethasoneMg, heparinUnits: this.heparinUnits };
  }
}
