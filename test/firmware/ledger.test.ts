/**
 * The ledger's belief in clinical units (ledgerFigures): what the pump reports it delivered,
 * worked by hand from its stroke counts and the programmed concentrations. Reports print it
 * beside the plant's truth (PUMP-TRUTH-BELIEF).
 */
import { describe, expect, it } from 'vitest';
import type { InfusionPlan, Ledger } from '../../firmware/index.ts';
import { EMPTY_LEDGER, HAI_FUDR_LIBRARY, ledgerFigures, planInfusion } from '../../firmware/index.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { prescription } from '../support/prescription.ts';

function seedPlan(): InfusionPlan {
  const result = planInfusion(prescription(), NOMINAL_PORT_CONFIG, HAI_FUDR_LIBRARY);
  if (!result.ok) throw new Error('the seed prescription was refused');
  return result.plan;
}

/** A ledger after a prime of 370, an infusion of 28,000 and a flush of `flushStrokes` 1 µL strokes of a 30 mL fill. */
function ledgerAfter(flushStrokes: number): Ledger {
  return { ...EMPTY_LEDGER, primeStrokes: 370, infusionStrokes: 28_000, flushStrokes, reservoirFillUl: 30_000 };
}

describe('ledgerFigures: the pump’s belief in clinical units', () => {
  const plan = seedPlan();
  const strokeVolumeNl = 1000;
  const primedSetUl = 370;

  it('PUMP-TRUTH-BELIEF after the whole flush: volumes from strokes; drug = infused + the primed set pushed out; heparin = drug mixture + lock', () => {
    const f = ledgerFigures(ledgerAfter(2000), plan, strokeVolumeNl, primedSetUl);
    // 28,000 + 2,000 strokes of 1 µL; the flush's first 0.37 mL is drug mixture, the other 1.63 mL lock.
    expect(f.strokes).toBe(370 + 28_000 + 2000);
    expect(f.primedVolumeMl).toBeCloseTo(0.37, 12);
    expect(f.infusedVolumeMl).toBeCloseTo(28, 12);
    expect(f.flushedVolumeMl).toBeCloseTo(2, 12);
    expect(f.deliveredVolumeMl).toBeCloseTo(30, 12);
    expect(f.fudrMg).toBeCloseTo(28.37 * plan.fudrMgPerMl, 9);
    expect(f.dexamethasoneMg).toBeCloseTo(28.37 * plan.dexamethasoneMgPerMl, 9);
    expect(f.heparinUnits).toBeCloseTo(28.37 * plan.heparinUnitsPerMl + 1.63 * plan.heparinLockUnitsPerMl, 6);
    // The reservoir gave the prime and the infusion: 30 − 0.37 − 28 mL.
    expect(f.reservoirRemainingMl).toBeCloseTo(1.63, 12);
  });

  it('PUMP-TRUTH-BELIEF part-way through the flush only the volume flushed so far counts, and it is drug mixture first', () => {
    const f = ledgerFigures(ledgerAfter(200), plan, strokeVolumeNl, primedSetUl);
    expect(f.fudrMg).toBeCloseTo(28.2 * plan.fudrMgPerMl, 9);
    expect(f.heparinUnits).toBeCloseTo(28.2 * plan.heparinUnitsPerMl, 6);
  });

  it('PUMP-TRUTH-BELIEF with no plan there is no drug to count; a 0.5 µL stroke halves every volume', () => {
    const none = ledgerFigures(ledgerAfter(2000), null, strokeVolumeNl, primedSetUl);
    expect([none.fudrMg, none.dexamethasoneMg, none.heparinUnits]).toEqual([0, 0, 0]);
    const half = ledgerFigures(ledgerAfter(2000), plan, 500, primedSetUl);
    expect(half.infusedVolumeMl).toBeCloseTo(14, 12);
    expect(half.reservoirRemainingMl).toBeCloseTo(30 - 0.185 - 14, 12);
  });
});
