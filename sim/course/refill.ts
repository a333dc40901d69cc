/**
 * Refilling the pump at the start of a cycle, as the nurse does it — including what goes wrong.
 *
 * Owns: the physical refill of each device profile, and the refill hazards of the implanted pump
 * (docs/domain.md §5: pocket fill, SynchroMed Class I recall 2011, ~1 per 10,000 refills):
 * | hazard | what happens to the plant | what the firmware can see |
 * | --- | --- | --- |
 * | pocketFill (fraction) | that share of the injection goes into the pocket, not the reservoir | the gauge reads less than the declared refill → RESERVOIR_MISMATCH |
 * | wrongResidual (residualMl) | the old contents are not all aspirated and mix with the new fill (the concentration changes) | the gauge reads more than declared → RESERVOIR_MISMATCH when > 1.5 mL |
 * | airInReservoir (airMl) | that much of the declared fill is air: less fluid, less drug | the gauge (it measures fluid) reads less → RESERVOIR_MISMATCH when > 1.5 mL; smaller bubbles eat the reserve |
 * Promises: the mass balance holds — drug injected into the pocket is counted in `plant.toPocket`
 * and in `plant.filled`; the old contents are discarded as `fillReservoir` does. The firmware is
 * told only the declared volume, through its `refill` command (see courseOperator.ts).
 * Not modelled: air travelling through the pump into the catheter.
 */
import type { InfusionPlan } from '../../firmware/index.ts';
import type { Composition, Plant } from '../world/plant/index.ts';
import type { RefillFault } from '../scenario/course.ts';

export function planComposition(plan: InfusionPlan): Composition {
  return {
    fudrMgPerUl: plan.fudrMgPerMl / 1000,
    dexamethasoneMgPerUl: plan.dexamethasoneMgPerMl / 1000,
    heparinUnitsPerUl: plan.heparinUnitsPerMl / 1000,
  };
}

/** What the refill did, for the cycle's record. */
export interface RefillOutcome {
  readonly declaredMl: number;
  readonly reservoirAfterMl: number;
  readonly pocketMl: number;
  readonly fault: RefillFault['kind'] | null;
}

/**
 * Empties the reservoir (aspiration, or a new cassette) and fills it with the plan's mixture; a
 * refill fault changes what actually ends up where.
 */
export function refillReservoir(plant: Plant, plan: InfusionPlan, fault: RefillFault | null): RefillOutcome {
  const declaredUl = plan.reservoirFillMl * 1000;
  const drug = planComposition(plan);
  if (fault === null) {
    plant.fillReservoir(declaredUl, drug);
    return { declaredMl: plan.reservoirFillMl, reservoirAfterMl: plant.reservoirVolumeUl / 1000, pocketMl: 0, fault: null };
  }
  switch (fault.kind) {
    case 'pocketFill': {
      const pocketUl = declaredUl * fault.fraction;
      plant.fillReservoir(declaredUl - pocketUl, drug);
      plant.filled.add(pocketUl, drug);
      plant.toPocket.add(pocketUl, drug);
      return { declaredMl: plan.reservoirFillMl, reservoirAfterMl: plant.reservoirVolumeUl / 1000, pocketMl: pocketUl / 1000, fault: fault.kind };
    }
    case 'wrongResidual': {
      const old = plant.remaining().reservoir;
      const leftUl = Math.min(fault.residualMl * 1000, old.volumeUl);
      const totalUl = declaredUl + leftUl;
      const oldPerUl = (mg: number): number => (old.volumeUl > 0 ? mg / old.volumeUl : 0);
      // The part of the old contents that stays is re-counted as filled; fillReservoir discards all of it first.
      const mix: Composition = {
        fudrMgPerUl: (declaredUl * drug.fudrMgPerUl + leftUl * oldPerUl(old.fudrMg)) / totalUl,
        dexamethasoneMgPerUl: (declaredUl * drug.dexamethasoneMgPerUl + leftUl * oldPerUl(old.dexamethasoneMg)) / totalUl,
        heparinUnitsPerUl: (declaredUl * drug.heparinUnitsPerUl + leftUl * oldPerUl(old.heparinUnits)) / totalUl,
      };
      plant.fillReservoir(totalUl, mix);
      return { declaredMl: plan.reservoirFillMl, reservoirAfterMl: plant.reservoirVolumeUl / 1000, pocketMl: 0, fault: fault.kind };
    }
    case 'airInReservoir': {
      plant.fillReservoir(Math.max(0, declaredUl - fault.airMl * 1000), drug);
      return { declaredMl: plan.reservoirFillMl, reservoirAfterMl: plant.reservoirVolumeUl / 1000, pocketMl: 0, fault: fault.kind };
    }
  }
}
