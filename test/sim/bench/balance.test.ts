/**
 * The balance reads the plant's truth at the outlet (`Plant.drainedVolumeUl`, sim/bench/balance.ts):
 * at any instant, what has drained out of the line is what the plant's destinations received
 * (artery, extrahepatic branch, pocket, leak, prime waste), and reading ahead of the plant's own
 * time gives what advancing the plant there would give, without advancing it.
 */
import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../sim/run/simulation.ts';
import { shortScenario } from '../../support/simulation.ts';

describe('the truth the balance reads', () => {
  it('PUMP-BENCH the drained volume equals what reached every destination, and a read ahead of the plant equals advancing it', () => {
    const sim = new Simulation({ scenario: shortScenario({ seed: 4, infusionDays: 1 / 24, rateUlPerHour: 500 }) });
    const plant = sim.plant;
    let checked = 0;
    for (const atMs of [20_000, 40_000, 71_234, 600_000, 1_200_000, 1_800_001, 2_700_000, 3_600_000]) {
      sim.clock.runUntil(atMs);
      // Ahead of the plant: the read does not move it.
      const aheadMs = atMs + 250;
      const plantMs = plant.nowMs;
      const read = plant.drainedVolumeUl(aheadMs);
      expect(plant.nowMs).toBe(plantMs);
      plant.advanceTo(aheadMs);
      plant.flushPending();
      expect(plant.drainedVolumeUl(aheadMs)).toBeCloseTo(read, 9);
      const received = plant.toArtery.volumeUl + plant.toExtrahepatic.volumeUl + plant.toPocket.volumeUl + plant.leaked.volumeUl + plant.primeWaste.volumeUl;
      expect(read, `${atMs} ms`).toBeCloseTo(received, 6);
      if (plant.toArtery.volumeUl > 0) checked++;
    }
    // The infusion was under way (volume reached the artery) at the later instants, the prime at the first.
    expect(checked).toBeGreaterThanOrEqual(5);
  });
});
