/**
 * PUMP-MASS-BALANCE: the plant accounts for every milligram of FUDR and dexamethasone and every
 * unit of heparin (sim/world/plant/plant.ts promise): filled = artery + extrahepatic + pocket + leaked +
 * prime waste + discarded + remaining (reservoir, lock syringe, set, implanted path).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../sim/run/simulation.ts';
import { checkProperty } from '../../support/fc.ts';
import { massBalance, shortScenario } from '../../support/simulation.ts';

const RELATIVE_TOLERANCE = 1e-9;

function expectBalanced(sim: Simulation, when: string): void {
  for (const line of massBalance(sim.plant)) {
    expect(line.relativeError, `${line.quantity} at ${when}: filled ${line.filled}, accounted ${line.accounted}`).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
  }
}

describe('mass balance', () => {
  it('PUMP-MASS-BALANCE a shortened cycle (6 h, seed 4) balances FUDR, dexamethasone and heparin at the end', () => {
    const sim = new Simulation({ scenario: shortScenario({ seed: 4 }) });
    const summary = sim.runToEnd();
    expect(summary.finalState).toBe('locked');
    expectBalanced(sim, 'the end');
    const plant = sim.plant;
    // Nothing went astray on a nominal run: the drug is in the artery, the prime waste or left over.
    expect(plant.toExtrahepatic.fudrMg).toBe(0);
    expect(plant.toPocket.fudrMg).toBe(0);
    expect(plant.leaked.fudrMg).toBe(0);
    expect(plant.toArtery.fudrMg).toBeGreaterThan(0);
    expect(plant.primeWaste.fudrMg).toBeGreaterThan(0);
    const remaining = plant.remaining();
    // The flush pushed all the drug out of the path: the set and implant hold heparin only.
    expect(remaining.set.fudrMg + remaining.implant.fudrMg).toBeLessThan(1e-9 * plant.filled.fudrMg);
    expect(remaining.implant.heparinUnits).toBeGreaterThan(0);
  });

  it('PUMP-MASS-BALANCE balances at every instant of a run, not only at the end', () => {
    const sim = new Simulation({ scenario: shortScenario({ seed: 4, infusionDays: 1 / 24, rateUlPerHour: 500 }) });
    for (const atMs of [0, 1_000, 17_500, 25_000, 40_000, 71_234, 600_000, 1_800_001, 3_600_000, 3_700_000, 3_780_500]) {
      sim.clock.runUntil(atMs);
      expectBalanced(sim, `${atMs} ms`);
    }
    sim.runToEnd();
    expectBalanced(sim, 'the end');
  });

  it('PUMP-MASS-BALANCE balances across power cycles during the infusion', () => {
    const sim = new Simulation({ scenario: shortScenario({ seed: 4 }) });
    sim.clock.setTimer(() => sim.powerCycle(90_000), 3_600_000);
    sim.clock.setTimer(() => sim.powerCycle(1_000), 10_000_500);
    expect(sim.runToEnd().finalState).toBe('locked');
    expectBalanced(sim, 'the end');
  });

  it('PUMP-MASS-BALANCE over random patients, durations (1–12 h), rates, dose factors and seeds, at a random instant and at the end', () => {
    const run = fc.record({
      seed: fc.nat({ max: 0xffff_ffff }),
      weightKg: fc.integer({ min: 35, max: 150 }),
      heightCm: fc.integer({ min: 140, max: 200 }),
      doseFactor: fc.constantFrom(1, 0.5),
      infusionHours: fc.integer({ min: 1, max: 12 }),
      rateUlPerHour: fc.integer({ min: 100, max: 850 }),
      checkFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    checkProperty(
      fc.property(run, ({ seed, weightKg, heightCm, doseFactor, infusionHours, rateUlPerHour, checkFraction }) => {
        const infusionDays = infusionHours / 24;
        const sim = new Simulation({ scenario: shortScenario({ seed, weightKg, heightCm, doseFactor, infusionDays, rateUlPerHour }) });
        const midMs = Math.round(checkFraction * infusionDays * 86_400_000);
        sim.clock.runUntil(midMs);
        expectBalanced(sim, `${midMs} ms`);
        sim.runToEnd();
        expectBalanced(sim, 'the end');
      }),
      { seed: 31_337, numRuns: 12 },
    );
  });
});
