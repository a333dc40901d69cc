/**
 * The example of docs/library.md, as a user's own project writes it: a vitest + fast-check
 * property over `simulate`, imported by the package's name (vitest.config.ts maps `pumpsim` to
 * the sources here; in a user's project it is the installed package).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrescriptionRefusedError, simulate } from 'pumpsim';

/** A short infusion for one patient: 2 h at the seed protocol's doses. */
function scenario(weightKg: number, heightCm: number, seed: number) {
  const infusionDays = 2 / 24;
  return {
    name: `user property ${weightKg} kg`,
    seed,
    patient: { weightKg, heightCm },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays, doseFactor: 1, reservoirVolumeMl: 2, confirmSoftLimits: true },
  };
}

describe('PUMP-API-EXAMPLE a user’s own property over simulate (docs/library.md)', () => {
  it('PUMP-API-EXAMPLE over patients and seeds, the pump’s ledger holds the prescribed FUDR and the run ends locked without an alarm', () => {
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 120 }), fc.integer({ min: 150, max: 195 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (weightKg, heightCm, seed) => {
        const summary = simulate(scenario(weightKg, heightCm, seed));
        expect(summary.alarms).toEqual([]);
        expect(summary.finalState).toBe('locked');
        expect(summary.firmwareBelief.fudrMg).toBeCloseTo(0.15 * weightKg * (2 / 24), 3);
        // Truth within the ±2 % unit tolerance and ±1 % stroke noise of the default device.
        expect(Math.abs((summary.delivered.fudrPercentOfPrescription ?? Number.NaN) - 100)).toBeLessThan(3.5);
      }),
      { seed: 20261202, numRuns: 12 },
    );
  });

  it('PUMP-API-EXAMPLE a prescription the drug library refuses throws, naming the field and the limit, instead of an idle summary', () => {
    const refused = { ...scenario(70, 170, 1), prescription: { ...scenario(70, 170, 1).prescription, fudrMgPerKgPerDay: 0.5 } };
    let error: unknown = null;
    try {
      simulate(refused);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PrescriptionRefusedError);
    expect(error).toMatchObject({ field: 'prescription.fudrMgPerKgPerDay', value: 0.5, limit: { max: 0.3 } });
  });
});
