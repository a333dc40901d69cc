/**
 * PUMP-DETERMINISM: one seed reproduces a run, whatever the pacing (sim/run/simulation.ts promise).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunOptions } from '../../../sim/run/simulation.ts';
import { Simulation, runScenario, runScenarioSync } from '../../../sim/run/simulation.ts';
import { checkProperty } from '../../support/fc.ts';
import { planFor, shortScenario, withoutWallMs } from '../../support/simulation.ts';

/** A 1-hour infusion (~3 900 simulated seconds with priming, flush and operator delays). */
const ONE_HOUR = shortScenario({ name: 'one-hour', seed: 4, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 });
/** Ends the run even if it were stopped by an alarm, so a paced run never waits for a day of slack. */
const HORIZON_MS = planFor(ONE_HOUR).durationMs + 2 * 3_600_000;
/** Simulated ms per wall ms: ~2 ms of wall time for the run, a few paced slices. */
const FAST_SPEED = 2_000_000;
/** ~0.2 s of wall time for the run, cut into many paced slices of up to 50 ms. */
const SLOW_SPEED = 20_000;

describe('determinism', () => {
  it('PUMP-DETERMINISM the same seed gives the same summary (all but wallMs) and the same event log', () => {
    const options: RunOptions = { scenario: shortScenario({ seed: 11 }) };
    const a = new Simulation(options);
    const b = new Simulation(options);
    const summaryA = a.runToEnd();
    const summaryB = b.runToEnd();
    expect(withoutWallMs(summaryB)).toEqual(withoutWallMs(summaryA));
    expect(b.log.entries).toEqual(a.log.entries);
    expect(summaryA.controlSteps).toBeGreaterThan(20_000);
  });

  it('PUMP-DETERMINISM over random seeds and patients, two runs of the same scenario are identical', () => {
    const run = fc.record({
      seed: fc.nat({ max: 0xffff_ffff }),
      weightKg: fc.integer({ min: 35, max: 150 }),
      infusionHours: fc.integer({ min: 1, max: 6 }),
    });
    checkProperty(
      fc.property(run, ({ seed, weightKg, infusionHours }) => {
        const scenario = shortScenario({ seed, weightKg, infusionDays: infusionHours / 24 });
        expect(withoutWallMs(runScenarioSync({ scenario }))).toEqual(withoutWallMs(runScenarioSync({ scenario })));
      }),
      { seed: 424_242, numRuns: 6 },
    );
  });

  it('PUMP-DETERMINISM a seed given in the options overrides the scenario seed and reproduces that seed', () => {
    const fromOption = runScenarioSync({ scenario: shortScenario({ seed: 11 }), seed: 12 });
    const fromScenario = runScenarioSync({ scenario: shortScenario({ seed: 12 }) });
    expect(fromOption.seed).toBe(12);
    expect(withoutWallMs(fromOption)).toEqual(withoutWallMs(fromScenario));
  });

  it('PUMP-DETERMINISM different seeds give different runs (device errors and noise are drawn from the seed)', () => {
    const scenario = shortScenario();
    const a = runScenarioSync({ scenario, seed: 4 });
    const b = runScenarioSync({ scenario, seed: 6 });
    expect(withoutWallMs(a)).not.toEqual(withoutWallMs(b));
    // Truth differs (unit stroke error), the ledger does not: it counts strokes, not microlitres.
    expect(a.delivered.fudrMg).not.toBe(b.delivered.fudrMg);
    expect(a.firmwareBelief.fudrMg).toBe(b.firmwareBelief.fudrMg);
  });

  it('PUMP-DETERMINISM runScenario at speed max and at a finite speed factor give the same summary', async () => {
    const unpaced = await runScenario({ scenario: ONE_HOUR, speed: 'max', horizonMs: HORIZON_MS });
    const paced = await runScenario({ scenario: ONE_HOUR, speed: FAST_SPEED, horizonMs: HORIZON_MS });
    expect(unpaced.finalState).toBe('locked');
    expect(withoutWallMs(paced)).toEqual(withoutWallMs(unpaced));
  });

  it('PUMP-DETERMINISM a paced run (20 000× real time, cut into many slices) and an unpaced one have identical event logs and summaries', async () => {
    const unpaced = new Simulation({ scenario: ONE_HOUR, horizonMs: HORIZON_MS });
    const unpacedSummary = unpaced.runToEnd();
    const paced = new Simulation({ scenario: ONE_HOUR, horizonMs: HORIZON_MS });
    const pacedSummary = await paced.run(SLOW_SPEED);
    expect(withoutWallMs(pacedSummary)).toEqual(withoutWallMs(unpacedSummary));
    expect(paced.log.entries).toEqual(unpaced.log.entries);
    expect(paced.log.entries.length).toBeGreaterThan(10);
    // Pacing really waited: about simulated time / speed of wall time.
    expect(pacedSummary.wallMs).toBeGreaterThan((0.5 * pacedSummary.simulatedSeconds * 1000) / SLOW_SPEED);
  });
});
