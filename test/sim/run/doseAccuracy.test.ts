/**
 * Dose accuracy against back-pressure and temperature (sim/bench/doseAccuracy.ts): short cycles
 * across the arterial mean and the device temperature deliver the programme to ±2 % (truth), with
 * the firmware's stroke credit; the uncompensated pump at the top of the range does not, which is
 * what the credit is for. Each run is a 1–2-day cycle of ~0.3 s, so numRuns stays small; the
 * 14-day figures are `npx tsx sim/tools/doseAccuracy.ts` (docs/devices.md).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { measureDoseAccuracy } from '../../../sim/bench/doseAccuracy.ts';
import { Simulation } from '../../../sim/run/simulation.ts';
import { parseScenario } from '../../../sim/scenario/scenario.ts';
import { planFor } from '../../support/simulation.ts';
import { checkProperty } from '../../support/fc.ts';

/** The tolerance PUMP-DOSE-BACKPRESSURE states. */
const TOLERANCE_PERCENT = 2;

describe('delivered dose against back-pressure and temperature', () => {
  it('PUMP-DOSE-BACKPRESSURE across a mean arterial pressure of 70–105 mmHg and 20–40 °C, 1–2-day cycles deliver within ±2 % of the programme, with no alarm', () => {
    checkProperty(
      fc.property(fc.integer({ min: 70, max: 105 }), fc.integer({ min: 20, max: 40 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 1000 }), (mapMmHg, celsius, days, seed) => {
        const r = measureDoseAccuracy({ profile: 'port-ambulatory', meanArterialPressureMmHg: mapMmHg, celsius, compensated: true, infusionDays: days, seed });
        expect(r.alarms).toEqual([]);
        expect(Math.abs(r.fudrErrorPercent)).toBeLessThanOrEqual(TOLERANCE_PERCENT);
      }),
      { seed: 1616, numRuns: 6 },
    );
  }, 60_000);

  it('PUMP-DOSE-BACKPRESSURE the implanted pump at 37 ± 2 °C and 70–105 mmHg delivers within ±2 % over a 2-day cycle', () => {
    checkProperty(
      fc.property(fc.integer({ min: 70, max: 105 }), fc.integer({ min: 35, max: 39 }), fc.integer({ min: 1, max: 1000 }), (mapMmHg, celsius, seed) => {
        const r = measureDoseAccuracy({ profile: 'implanted', meanArterialPressureMmHg: mapMmHg, celsius, compensated: true, infusionDays: 2, seed });
        expect(r.alarms).toEqual([]);
        expect(Math.abs(r.fudrErrorPercent)).toBeLessThanOrEqual(TOLERANCE_PERCENT);
      }),
      { seed: 1617, numRuns: 3 },
    );
  }, 60_000);

  it('PUMP-DOSE-BACKPRESSURE without the credit the port pump at 105 mmHg and 20 °C delivers short of the programme by more than 2 %', () => {
    const r = measureDoseAccuracy({ profile: 'port-ambulatory', meanArterialPressureMmHg: 105, celsius: 20, compensated: false, infusionDays: 1, seed: 3 });
    expect(r.fudrErrorPercent).toBeLessThan(-TOLERANCE_PERCENT);
  }, 60_000);
});

describe('a stroke that ignores back-pressure and temperature', () => {
  it('PUMP-DOSE-BACKPRESSURE with both coefficients 0 the credit is nominal throughout: the drive makes exactly the planned strokes and the ledger counts each once', () => {
    const scenario = parseScenario({
      name: 'flat stroke',
      seed: 5,
      patient: { weightKg: 70, heightCm: 170, meanArterialPressureMmHg: 105 },
      device: { profile: 'port-ambulatory', overrides: { strokeVolumeBackPressureFractionPer100MmHg: 0, strokeVolumeTemperatureFractionPerC: 0 } },
      prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 0.25, doseFactor: 1, reservoirVolumeMl: 2.5, confirmSoftLimits: true },
    });
    const sim = new Simulation({ scenario });
    const summary = sim.runToEnd();
    const plan = planFor(scenario);
    expect(summary.finalState).toBe('locked');
    expect(sim.plant.strokesDelivered).toBe(plan.primingStrokes + plan.infusionStrokes + plan.flushStrokes);
    expect(summary.firmwareBelief.strokes).toBe(sim.plant.strokesDelivered);
    expect(sim.firmware.strokeCreditNl).toBe(sim.profile.firmwareConfig.strokeVolumeNl);
  }, 60_000);
});
