/**
 * The credited stroke volume (firmware/strokeCredit.ts) and the ledger's carry of a credit short
 * of a whole nominal stroke (firmware/ledger.ts `addStrokes`), worked by hand and as properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HalResult, PressureReading } from '../../hal/index.ts';
import { applyDriveFeedback, controlStateFor, controlStep, makeControlSettings } from '../../firmware/controlStep.ts';
import type { Ledger } from '../../firmware/ledger.ts';
import { EMPTY_LEDGER, addStrokes, beginPhase, endPhase, makeLedger } from '../../firmware/ledger.ts';
import { scheduledStrokes } from '../../firmware/dosing.ts';
import { COMPENSATED_BACK_PRESSURE_MMHG, creditedStrokeVolumeNl, scheduledCreditNl, smoothedBackPressureMmHg, strokesOwedAtCredit } from '../../firmware/strokeCredit.ts';
import { deviceConfig } from '../support/deviceConfig.ts';
import { checkProperty } from '../support/fc.ts';

/** The port-ambulatory datasheet figures: −3 % per 100 mmHg, +0.1 % per °C about 32 °C. */
const CHARACTERISED = deviceConfig({ strokeVolumeBackPressureFractionPer100MmHg: -0.03, strokeVolumeTemperatureFractionPerC: 0.001, strokeVolumeReferenceTemperatureC: 32 });

describe('creditedStrokeVolumeNl', () => {
  it('PUMP-DOSE-BACKPRESSURE credits the stroke with the characteristic: 1000 nL × (1 − 0.03 × 90/100) = 973 nL at 90 mmHg; × (1 + 0.001 × 8) at 40 °C = 981 nL', () => {
    expect(creditedStrokeVolumeNl(CHARACTERISED, 90, 32)).toBe(973);
    expect(creditedStrokeVolumeNl(CHARACTERISED, 90, 40)).toBe(Math.round(1000 * 0.973 * 1.008));
    expect(creditedStrokeVolumeNl(CHARACTERISED, 0, 20)).toBe(988);
  });

  it('PUMP-DOSE-BACKPRESSURE an unknown or NaN figure counts as nominal (0 mmHg, the reference temperature); a figure outside the characterised range counts as its bound', () => {
    expect(creditedStrokeVolumeNl(CHARACTERISED, null, null)).toBe(1000);
    expect(creditedStrokeVolumeNl(CHARACTERISED, Number.NaN, Number.NaN)).toBe(1000);
    expect(creditedStrokeVolumeNl(CHARACTERISED, 400, 32)).toBe(creditedStrokeVolumeNl(CHARACTERISED, COMPENSATED_BACK_PRESSURE_MMHG.max, 32));
    expect(creditedStrokeVolumeNl(CHARACTERISED, -30, 32)).toBe(1009);
    expect(creditedStrokeVolumeNl(CHARACTERISED, -500, 32)).toBe(creditedStrokeVolumeNl(CHARACTERISED, COMPENSATED_BACK_PRESSURE_MMHG.min, 32));
    expect(creditedStrokeVolumeNl(CHARACTERISED, 90, 80)).toBe(creditedStrokeVolumeNl(CHARACTERISED, 90, 50));
  });

  it('PUMP-DOSE-BACKPRESSURE with both coefficients 0 the credit is the nominal stroke, whatever was measured', () => {
    checkProperty(
      fc.property(fc.option(fc.double({ noDefaultInfinity: false })), fc.option(fc.double()), fc.integer({ min: 50, max: 10_000 }), (p, t, nl) => {
        expect(creditedStrokeVolumeNl(deviceConfig({ strokeVolumeNl: nl }), p, t)).toBe(nl);
      }),
      { seed: 41, numRuns: 200 },
    );
  });

  it('PUMP-DOSE-BACKPRESSURE the credit is a whole number of nanolitres, at least 1, for any input', () => {
    checkProperty(
      fc.property(fc.double({ min: -0.2, max: 0.1, noNaN: true }), fc.double({ min: -0.01, max: 0.01, noNaN: true }), fc.option(fc.double()), fc.option(fc.double()), (kP, kT, p, t) => {
        const c = creditedStrokeVolumeNl(deviceConfig({ strokeVolumeBackPressureFractionPer100MmHg: kP, strokeVolumeTemperatureFractionPerC: kT }), p, t);
        expect(Number.isInteger(c) && c >= 1).toBe(true);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('PUMP-DOSE-BACKPRESSURE the back-pressure estimate starts at the first valid mean and moves 1/60 of the way each step', () => {
    expect(smoothedBackPressureMmHg(null, 88)).toBe(88);
    expect(smoothedBackPressureMmHg(90, 150)).toBe(91);
  });
});

describe('the scheduled volume', () => {
  it('PUMP-DOSE-BACKPRESSURE a phase of no duration schedules all of its volume at once; elapsed time outside the phase counts as its ends', () => {
    expect(scheduledCreditNl(28, 0, 0, 1000)).toBe(28_000);
    expect(scheduledCreditNl(28, 5_000, 0, 1000)).toBe(28_000);
    expect(scheduledCreditNl(3600, -10, 3_600_000, 1000)).toBe(0);
    expect(scheduledCreditNl(3600, 7_200_000, 3_600_000, 1000)).toBe(3_600_000);
    expect(scheduledCreditNl(3600, 1_500, 3_600_000, 1000)).toBe(1_500);
  });
});

describe('strokes for a credit, and the ledger carry', () => {
  it('PUMP-DOSE-BACKPRESSURE at the nominal credit the schedule owes the nominal schedule’s strokes; off it, the credited volume trails the scheduled volume by less than one stroke, and the phase ends with all of it', () => {
    checkProperty(
      fc.property(fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: 1, max: 2_000_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 50_000 }), (total, durationMs, share, delivered) => {
        const elapsedMs = Math.floor(durationMs * share);
        const scheduled = scheduledStrokes(total, elapsedMs, durationMs);
        const d = Math.min(delivered, scheduled);
        expect(strokesOwedAtCredit(total, d * 1000, elapsedMs, durationMs, 1000, 1000)).toBe(scheduled - d);
      }),
      { seed: 43, numRuns: 200 },
    );
    checkProperty(
      fc.property(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 600, max: 1400 }), fc.integer({ min: 1, max: 100 }), (total, credit, steps) => {
        const durationMs = steps * 1000;
        let creditedNl = 0;
        for (let t = 1000; t <= durationMs; t += 1000) {
          creditedNl += strokesOwedAtCredit(total, creditedNl, t, durationMs, credit, 1000) * credit;
          const targetNl = scheduledCreditNl(total, t, durationMs, 1000);
          if (t < durationMs) {
            expect(creditedNl).toBeLessThanOrEqual(targetNl);
            expect(targetNl - creditedNl).toBeLessThan(credit);
          }
        }
        expect(creditedNl).toBeGreaterThanOrEqual(total * 1000);
        expect(creditedNl - total * 1000).toBeLessThan(credit);
      }),
      { seed: 45, numRuns: 100 },
    );
  });

  it('PUMP-DOSE-BACKPRESSURE the ledger counts whole nominal strokes of credit and carries the rest in nL: counts × nominal + carry is the credit, until the phase is done', () => {
    const plan = { primingStrokes: 0, primingDurationMs: 0, infusionStrokes: 1_000_000, durationMs: 1, flushStrokes: 0, flushDurationMs: 0 } as Parameters<typeof beginPhase>[2];
    checkProperty(
      fc.property(fc.array(fc.record({ strokes: fc.integer({ min: 1, max: 20 }), credit: fc.integer({ min: 800, max: 1200 }) }), { maxLength: 40 }), (batches) => {
        let ledger = beginPhase(makeLedger(EMPTY_LEDGER), 'infuse', plan);
        let creditedNl = 0;
        for (const b of batches) {
          ledger = addStrokes(ledger, b.strokes, b.credit, 1000);
          creditedNl += b.strokes * b.credit;
          expect(ledger.infusionStrokes * 1000 + ledger.creditCarryNl).toBe(creditedNl);
          expect(ledger.creditCarryNl).toBeLessThan(1000);
          expect(ledger.phaseDeliveredStrokes).toBe(ledger.infusionStrokes);
        }
        expect(endPhase(ledger).creditCarryNl).toBe(0);
      }),
      { seed: 44, numRuns: 200 },
    );
  });

  it('PUMP-DOSE-BACKPRESSURE the phase counts no more than it owes: the last stroke’s overshoot is not counted', () => {
    const plan = { primingStrokes: 0, primingDurationMs: 0, infusionStrokes: 10, durationMs: 1, flushStrokes: 0, flushDurationMs: 0 } as Parameters<typeof beginPhase>[2];
    const ledger = addStrokes(beginPhase(makeLedger(EMPTY_LEDGER), 'infuse', plan), 11, 1010, 1000);
    expect(ledger.phaseDeliveredStrokes).toBe(10);
    expect(ledger.infusionStrokes).toBe(10);
    expect(ledger.creditCarryNl).toBe(0);
  });
});

describe('the credit inside the control step', () => {
  const PRESSURE: PressureReading = { ok: true, atMs: 0, windowMs: 1000, sampleCount: 50, meanMmHg: 90, minMmHg: 75, maxMmHg: 105, cardiacAmplitudeMmHg: 6 };
  const infusing = (total: number, durationMs: number): Ledger => ({ ...EMPTY_LEDGER, phaseKind: 'infuse', phaseTotalStrokes: total, phaseDurationMs: durationMs, reservoirFillUl: 30_000 });

  it('PUMP-DOSE-BACKPRESSURE an hour at 90 mmHg credits the programme: 3,600 nominal strokes take 3,700 strokes of 973 nL, the ledger counts 3,600, and a refused pressure window keeps the last estimate', () => {
    const settings = makeControlSettings(CHARACTERISED, null, 'infuse', false);
    let state = controlStateFor(infusing(3600, 3_600_000));
    let made = 0;
    for (let t = 1000; t <= 3_600_000 + 5000; t += 1000) {
      const pressure: HalResult<PressureReading> = t === 2000 ? { ok: false, atMs: t, error: 'outOfRange', detail: 'meanMmHg = NaN' } as unknown as HalResult<PressureReading> : { ...PRESSURE, atMs: t };
      const out = controlStep(state, settings, { pressure, flow: null, reservoir: null, power: null }, t);
      state = out.state;
      if (t === 2000) expect(state.backPressureMmHg).toBe(90);
      expect(state.alarms.entries.map((e) => e.code), `at ${t} ms`).toEqual([]);
      if (out.commands.strokes > 0) {
        made += out.commands.strokes;
        state = applyDriveFeedback(state, CHARACTERISED, out.commands.strokes, out.commands.strokes * CHARACTERISED.encoderCountsPerStroke);
      }
    }
    expect(state.strokeCreditNl).toBe(973);
    expect(state.ledger.infusionStrokes).toBe(3600);
    expect(made).toBe(Math.ceil((3600 * 1000) / 973));
  });
});
