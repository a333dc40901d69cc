/**
 * The seed protocol's nominal cycle, end to end: 14 days of FUDR + dexamethasone, then the
 * heparin lock (docs/domain.md §1; Int J Clin Exp Med 2015;8(1):1000-1008).
 *
 * One full default run is shared by the examples; the property runs a handful of full cycles
 * over random patients (each ~1 s of CPU), so numRuns stays small.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultScenario, parseScenario } from '../../../sim/scenario/scenario.ts';
import type { RunSummary } from '../../../sim/run/simulation.ts';
import { Simulation } from '../../../sim/run/simulation.ts';
import { checkProperty } from '../../support/fc.ts';
import { massBalance, relativeDeviation } from '../../support/simulation.ts';

/** Dose tolerance of the cycle: the device's ±2 % unit-to-unit stroke error (docs/domain.md §2). */
const DOSE_TOLERANCE = 0.02;

describe('nominal 14-day cycle (default scenario, seed 7)', () => {
  let sim: Simulation;
  let summary: RunSummary;

  beforeAll(() => {
    sim = new Simulation({ scenario: defaultScenario() });
    summary = sim.runToEnd();
  });

  it('SEED-DOSE-WORKED-EXAMPLE programs the worked example: BSA 1.818 m², FUDR 10.5 mg/day and 147 mg, dexamethasone 1.818 mg/day and 25.45 mg', () => {
    const rx = summary.prescription;
    expect(rx).not.toBeNull();
    if (rx === null) return;
    expect(rx.bsaM2).toBeCloseTo(1.818, 3);
    expect(rx.fudrMgPerDay).toBeCloseTo(10.5, 6);
    expect(rx.fudrMgTotal).toBeCloseTo(147, 6);
    expect(rx.dexamethasoneMgPerDay).toBeCloseTo(1.818, 3);
    expect(rx.dexamethasoneMgTotal).toBeCloseTo(25.45, 2);
    expect(rx.infusionDays).toBe(14);
    expect(rx.doseFactor).toBe(1);
    expect(rx.reservoirFillMl).toBe(30);
  });

  it('SEED-DOSE-FUDR delivers FUDR to the hepatic artery within ±2 % of the prescription', () => {
    const rx = summary.prescription;
    if (rx === null) throw new Error('no plan');
    expect(Math.abs(relativeDeviation(summary.delivered.fudrMg, rx.fudrMgTotal))).toBeLessThanOrEqual(DOSE_TOLERANCE);
    expect(summary.delivered.extrahepaticFudrMg).toBe(0);
  });

  it('SEED-DOSE-DEXAMETHASONE delivers dexamethasone within ±2 % of the prescription', () => {
    const rx = summary.prescription;
    if (rx === null) throw new Error('no plan');
    expect(Math.abs(relativeDeviation(summary.delivered.dexamethasoneMg, rx.dexamethasoneMgTotal))).toBeLessThanOrEqual(DOSE_TOLERANCE);
  });

  it('SEED-HEPARIN-LOCK flushes 2 mL of heparin 1000 IU/mL (within one stroke) and reports HEPARIN_LOCK_DONE', () => {
    const strokeMl = sim.profile.firmwareConfig.strokeVolumeNl / 1e6;
    expect(Math.abs(summary.firmwareBelief.flushedVolumeMl - 2)).toBeLessThanOrEqual(strokeMl);
    expect(summary.notifications.map((n) => n.code)).toContain('HEPARIN_LOCK_DONE');
    const lockDone = sim.log.entries.filter((e) => e.kind === 'notification' && e.code === 'HEPARIN_LOCK_DONE');
    expect(lockDone).toHaveLength(1);
    expect(summary.timeline.lockDoneSeconds).toBe((lockDone[0]?.atMs ?? NaN) / 1000);
    // The lock left in the port and catheter is the 1000 IU/mL heparin (300 µL implanted path).
    expect(summary.delivered.heparinLockInPathUnits).toBeCloseTo(300, 6);
  });

  it('GIP-1.2.2 GIP-1.2.3 GIP-1.5.6 raises no alarm and ends locked', () => {
    expect(summary.alarms).toEqual([]);
    expect(sim.log.entries.filter((e) => e.kind === 'alarm')).toEqual([]);
    expect(summary.finalState).toBe('locked');
    expect(summary.faults).toEqual([]);
  });

  it('PUMP-CONTROL-LOOP runs at least one control step per simulated second of the infusion', () => {
    const { infusionStartSeconds, infusionCompleteSeconds } = summary.timeline;
    if (infusionStartSeconds === null || infusionCompleteSeconds === null) throw new Error('the infusion did not complete');
    expect(summary.controlSteps).toBeGreaterThanOrEqual(infusionCompleteSeconds - infusionStartSeconds);
  });

  it('SEED-PROTOCOL the infusion lasts the programmed 14 days', () => {
    const { infusionStartSeconds, infusionCompleteSeconds } = summary.timeline;
    if (infusionStartSeconds === null || infusionCompleteSeconds === null) throw new Error('the infusion did not complete');
    expect(Math.abs(infusionCompleteSeconds - infusionStartSeconds - 14 * 86_400)).toBeLessThanOrEqual(5);
  });

  it('PUMP-TRUTH-BELIEF reports the plant truth and the firmware ledger separately, and they agree within 2.5 % for FUDR', () => {
    const rx = summary.prescription;
    if (rx === null) throw new Error('no plan');
    // Belief is the ledger: exactly the programmed infusion, in whole strokes.
    expect(summary.firmwareBelief.infusedVolumeMl).toBeCloseTo(rx.volumeMl, 6);
    expect(summary.firmwareBelief.fudrMg).toBeCloseTo(rx.fudrMgTotal, 3);
    // Truth comes from the plant and is not a copy of the belief.
    expect(summary.delivered.fudrMg).toBe(Number(sim.plant.toArtery.fudrMg.toFixed(4)));
    expect(summary.delivered.fudrMg).not.toBe(summary.firmwareBelief.fudrMg);
    expect(Math.abs(relativeDeviation(summary.delivered.fudrMg, summary.firmwareBelief.fudrMg))).toBeLessThan(0.025);
  });

  it('PUMP-MASS-BALANCE accounts for every milligram of FUDR and dexamethasone and every unit of heparin filled over the full cycle', () => {
    for (const line of massBalance(sim.plant)) expect(line.relativeError, line.quantity).toBeLessThanOrEqual(1e-9);
  });
});

describe('nominal cycle over random patients', () => {
  it('SEED-DOSE over random patients (35–150 kg, 140–200 cm), dose factors 1 and 0.5 and seeds: no alarm, locked, FUDR = 0.15 mg/kg/day × 14 days × factor, delivered within ±2 %', () => {
    const patient = fc.record({
      weightKg: fc.integer({ min: 35, max: 150 }),
      heightCm: fc.integer({ min: 140, max: 200 }),
      doseFactor: fc.constantFrom(1, 0.5),
      seed: fc.nat({ max: 0xffff_ffff }),
    });
    checkProperty(
      fc.property(patient, ({ weightKg, heightCm, doseFactor, seed }) => {
        const scenario = parseScenario({
          name: 'random-patient',
          seed,
          patient: { weightKg, heightCm },
          // Mosteller BSA outside 1.2–2.6 m² is a soft-limit finding the clinician confirms.
          prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor, reservoirVolumeMl: 30, confirmSoftLimits: true },
        });
        const summary = new Simulation({ scenario }).runToEnd();
        const rx = summary.prescription;
        if (rx === null) throw new Error('no plan');
        expect(summary.alarms).toEqual([]);
        expect(summary.finalState).toBe('locked');
        expect(rx.fudrMgTotal).toBeCloseTo(0.15 * weightKg * 14 * doseFactor, 3);
        expect(rx.dexamethasoneMgTotal).toBeCloseTo(Math.sqrt((heightCm * weightKg) / 3600) * 14 * doseFactor, 3);
        for (const [delivered, prescribed] of [
          [summary.delivered.fudrMg, rx.fudrMgTotal],
          [summary.delivered.dexamethasoneMg, rx.dexamethasoneMgTotal],
        ] as const) {
          const deviation = relativeDeviation(delivered, prescribed);
          expect(deviation).toBeGreaterThanOrEqual(-DOSE_TOLERANCE);
          expect(deviation).toBeLessThanOrEqual(DOSE_TOLERANCE);
        }
      }),
      { seed: 1_418_000, numRuns: 6 },
    );
  });
});
