/**
 * Dosing: the seed protocol's worked example, the limits that refuse or hold a prescription, and
 * properties of the plan and of the stroke schedule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InfusionPlan, LimitFinding, PlanResult, PrescriptionInput } from '../../firmware/index.ts';
import { HAI_FUDR_LIBRARY, MS_PER_DAY, MS_PER_HOUR, bsaMostellerM2, planInfusion, scheduledStrokes } from '../../firmware/index.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { checkProperty } from '../support/fc.ts';
import type { PrescriptionOverrides } from '../support/prescription.ts';
import { prescription } from '../support/prescription.ts';

const config = NOMINAL_PORT_CONFIG;
const library = HAI_FUDR_LIBRARY;

function plan(overrides: PrescriptionOverrides = {}): PlanResult {
  return planInfusion(prescription(overrides), config, library);
}

function accepted(result: PlanResult): InfusionPlan {
  if (!result.ok) throw new Error(`expected a plan, got findings:\n${result.findings.map((f) => f.message).join('\n')}`);
  return result.plan;
}

function refused(result: PlanResult): readonly LimitFinding[] {
  if (result.ok) throw new Error(`expected a refusal, got a plan at ${result.plan.rateUlPerHour} µL/h`);
  return result.findings;
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}

const NUMBER = '(-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?)';

/** The last range named in a message: "a–b", or "> a and ≤ b" for a bound open at its minimum. */
function rangeNamedIn(message: string): { min: number; max: number; minExclusive: boolean } | null {
  const closed = [...message.matchAll(new RegExp(`${NUMBER}–${NUMBER}`, 'g'))].map((m) => ({ at: m.index, min: Number(m[1]), max: Number(m[2]), minExclusive: false }));
  const open = [...message.matchAll(new RegExp(`> ${NUMBER} and ≤ ${NUMBER}`, 'g'))].map((m) => ({ at: m.index, min: Number(m[1]), max: Number(m[2]), minExclusive: true }));
  const last = [...closed, ...open].sort((a, b) => a.at - b.at).at(-1);
  return last === undefined ? null : { min: last.min, max: last.max, minExclusive: last.minExclusive };
}

/** Printed to 6 significant figures; bounds below 1e-6 (the library's exclusive zero) print as 0. */
function printsAs(printed: number, bound: number): boolean {
  if (Math.abs(bound) < 1e-6) return printed === 0;
  return relativeError(printed, bound) <= 5e-6;
}

/**
 * A user input error names the field and the allowed range. A minimum that stands for
 * "greater than zero" (EXCLUSIVE_ZERO) must read as an open bound, not as "0–max", which would
 * tell the user that the 0 they entered is allowed.
 */
function expectNamesFieldAndRange(f: LimitFinding): void {
  expect(f.message, 'message names the field').toContain(f.field);
  const named = rangeNamedIn(f.message);
  expect(named, `message names a range: ${f.message}`).not.toBeNull();
  if (named === null) return;
  expect(printsAs(named.min, f.allowed.min), `${f.message} names min ${f.allowed.min}`).toBe(true);
  expect(printsAs(named.max, f.allowed.max), `${f.message} names max ${f.allowed.max}`).toBe(true);
  expect(named.minExclusive, `${f.message}: open minimum shown as open`).toBe(f.allowed.min > 0 && f.allowed.min < 1e-6);
  if (f.unit !== '') expect(f.message).toContain(f.unit);
}

function hardFinding(findings: readonly LimitFinding[], field: string): LimitFinding {
  const f = findings.find((x) => x.field === field && x.kind === 'hard');
  if (f === undefined) throw new Error(`no hard finding for ${field}; findings: ${findings.map((x) => `${x.kind} ${x.field}`).join(', ')}`);
  return f;
}

/** Fill (mL) at which the plan gives `rateUlPerHour` over `days`, from the device figures. */
function fillForRateMl(rateUlPerHour: number, days: number): number {
  const primingUl = Math.ceil(config.primingVolumeUl / (config.strokeVolumeNl / 1000)) * (config.strokeVolumeNl / 1000);
  return (config.reservoirResidualUl + primingUl + (rateUlPerHour * days * 24) / (1 - config.reservoirReserveFraction)) / 1000;
}

describe('the docs/domain.md worked example (70 kg, 170 cm, seed protocol)', () => {
  it('SEED-BSA-1 Mosteller BSA of 70 kg and 170 cm is 1.818 m²', () => {
    expect(bsaMostellerM2(170, 70)).toBeCloseTo(1.818, 3);
    expect(bsaMostellerM2(170, 70)).toBeCloseTo(Math.sqrt((170 * 70) / 3600), 12);
  });

  it('SEED-DOSE-1 FUDR is 0.15 mg/kg/day × 70 kg = 10.5 mg/day, 147 mg over 14 days', () => {
    const p = accepted(plan());
    expect(p.fudrMgPerDay).toBeCloseTo(10.5, 12);
    expect(p.fudrMgTotal).toBeCloseTo(147, 12);
    expect(p.infusionDays).toBe(14);
    expect(p.durationMs).toBe(14 * MS_PER_DAY);
  });

  it('SEED-DOSE-2 dexamethasone is 1 mg/m²/day × 1.818 m² = 1.818 mg/day, 25.5 mg over 14 days', () => {
    const p = accepted(plan());
    expect(p.bsaSource).toBe('mosteller');
    expect(p.bsaM2).toBeCloseTo(1.818, 3);
    expect(p.dexamethasoneMgPerDay).toBeCloseTo(1.818, 3);
    expect(p.dexamethasoneMgTotal).toBeCloseTo(25.5, 1);
    expect(p.dexamethasoneMgTotal).toBeCloseTo(14 * bsaMostellerM2(170, 70), 12);
  });

  it('SEED-DOSE-3 the seed prescription needs no confirmation', () => {
    expect(accepted(plan()).softFindings).toEqual([]);
  });

  it('PUMP-DOSE-VOLUME the 30 mL fill, less residual, prime and reserve, becomes whole 1 µL strokes carrying the whole dose', () => {
    const p = accepted(plan());
    const strokeUl = config.strokeVolumeNl / 1000;
    const afterPrimeUl = 30_000 - config.reservoirResidualUl - p.primingStrokes * strokeUl;
    expect(p.primingStrokes).toBe(350);
    expect(Number.isInteger(p.infusionStrokes)).toBe(true);
    expect(p.infusionVolumeUl).toBe(p.infusionStrokes * strokeUl);
    expect(p.infusionVolumeUl).toBeLessThanOrEqual(afterPrimeUl * (1 - config.reservoirReserveFraction));
    expect(p.infusionVolumeUl).toBeGreaterThan(afterPrimeUl * (1 - config.reservoirReserveFraction) - strokeUl);
    // The dose travels in the infused volume plus the primed set the flush pushes out.
    expect(p.doseVolumeUl).toBe(p.infusionVolumeUl + config.primedSetVolumeUl);
    expect(p.fudrMgPerMl * (p.doseVolumeUl / 1000)).toBeCloseTo(147, 9);
    expect(p.dexamethasoneMgPerMl * (p.doseVolumeUl / 1000)).toBeCloseTo(p.dexamethasoneMgTotal, 9);
    expect(p.rateUlPerHour).toBeCloseTo(p.infusionVolumeUl / (14 * 24), 9);
    expect(p.rateUlPerHour).toBeGreaterThanOrEqual(config.rateRangeUlPerHour.min);
    expect(p.rateUlPerHour).toBeLessThanOrEqual(config.rateRangeUlPerHour.max);
  });

  it('SEED-LOCK-1 the heparin lock is 2 mL of 1000 IU/mL, pushed as whole strokes', () => {
    const p = accepted(plan());
    expect(p.heparinLockUnits).toBe(2000);
    expect(p.flushStrokes).toBe(2000);
    expect(p.flushDurationMs).toBe(Math.ceil((2000 / config.flushRateUlPerHour) * MS_PER_HOUR));
  });

  it('SEED-REDUCE-1 after a GI ulcer the 50 % reduction gives 5.25 mg/day FUDR and 0.909 mg/day dexamethasone', () => {
    const p = accepted(plan({ doseFactor: 0.5 }));
    expect(p.fudrMgPerDay).toBeCloseTo(5.25, 12);
    expect(p.dexamethasoneMgPerDay).toBeCloseTo(0.909, 3);
    expect(p.fudrMgTotal).toBeCloseTo(73.5, 12);
  });

  it('PUMP-DOSE-BSA a given BSA is used instead of Mosteller', () => {
    const p = accepted(plan({ patient: { weightKg: 70, bsaM2: 2 } }));
    expect(p.bsaSource).toBe('given');
    expect(p.dexamethasoneMgPerDay).toBeCloseTo(2, 12);
  });
});

describe('refusals: a hard limit refuses the plan and names the field and the allowed range', () => {
  const cases: { name: string; overrides: PrescriptionOverrides; field: string; allowed: { min: number; max: number } }[] = [
    { name: 'a negative weight (−70 kg)', overrides: { patient: { weightKg: -70, heightCm: 170 } }, field: 'patient.weightKg', allowed: library.weightKg.hard },
    { name: 'an absurd weight (700 kg)', overrides: { patient: { weightKg: 700, heightCm: 170 } }, field: 'patient.weightKg', allowed: library.weightKg.hard },
    { name: 'a weight that is not a number', overrides: { patient: { weightKg: Number.NaN, heightCm: 170 } }, field: 'patient.weightKg', allowed: library.weightKg.hard },
    { name: 'an absurd height (300 cm)', overrides: { patient: { weightKg: 70, heightCm: 300 } }, field: 'patient.heightCm', allowed: library.heightCm.hard },
    { name: 'an absurd height (17 cm, a unit slip)', overrides: { patient: { weightKg: 70, heightCm: 17 } }, field: 'patient.heightCm', allowed: library.heightCm.hard },
    { name: 'no height and no BSA', overrides: { patient: { weightKg: 70 } }, field: 'patient.heightCm', allowed: library.heightCm.hard },
    { name: 'FUDR 0.35 mg/kg/day, above the hard limit', overrides: { fudrMgPerKgPerDay: 0.35 }, field: 'prescription.fudrMgPerKgPerDay', allowed: library.fudrMgPerKgPerDay.hard },
    { name: 'FUDR 1.5 mg/kg/day, a tenfold slip', overrides: { fudrMgPerKgPerDay: 1.5 }, field: 'prescription.fudrMgPerKgPerDay', allowed: library.fudrMgPerKgPerDay.hard },
    {
      name: 'FUDR 0.22 mg/kg/day at 140 kg, above the absolute 30 mg/day ceiling',
      overrides: { patient: { weightKg: 140, heightCm: 185 }, fudrMgPerKgPerDay: 0.22 }, field: 'fudrMgPerDay', allowed: library.fudrMgPerDay.hard,
    },
    { name: 'doseFactor 0', overrides: { doseFactor: 0 }, field: 'prescription.doseFactor', allowed: library.doseFactor.hard },
    { name: 'doseFactor 1.5 (an increase)', overrides: { doseFactor: 1.5 }, field: 'prescription.doseFactor', allowed: library.doseFactor.hard },
    { name: 'infusionDays 0', overrides: { infusionDays: 0 }, field: 'prescription.infusionDays', allowed: library.infusionDays.hard },
    { name: 'infusionDays 30', overrides: { infusionDays: 30 }, field: 'prescription.infusionDays', allowed: library.infusionDays.hard },
    { name: 'a 150 mL fill the reservoir cannot hold', overrides: { reservoirVolumeMl: 150 }, field: 'prescription.reservoirVolumeMl', allowed: config.reservoirFillRangeMl },
  ];

  for (const c of cases) {
    it(`PUMP-LIB-HARD ${c.name} is refused with a hard finding on ${c.field}`, () => {
      const f = hardFinding(refused(plan(c.overrides)), c.field);
      expect(f.kind).toBe('hard');
      expect(f.allowed).toEqual(c.allowed);
      expectNamesFieldAndRange(f);
    });
  }

  it('PUMP-LIB-FILL a 2 mL fill for 14 days is refused: below the pump minimum rate, naming the smallest fill that works', () => {
    const f = hardFinding(refused(plan({ reservoirVolumeMl: 2 })), 'prescription.reservoirVolumeMl');
    expect(f.value).toBe(2);
    expect(f.allowed.min).toBeCloseTo(fillForRateMl(config.rateRangeUlPerHour.min, 14), 2);
    // The named minimum is itself accepted; 0.001 mL less is not.
    expect(plan({ reservoirVolumeMl: f.allowed.min }).ok).toBe(true);
    expect(plan({ reservoirVolumeMl: f.allowed.min - 0.001 }).ok).toBe(false);
    expect(f.allowed.max).toBe(config.reservoirFillRangeMl.max);
    expect(f.message).toMatch(/below the pump minimum 20 µL\/h/);
    expectNamesFieldAndRange(f);
    // A fill one stroke's worth above the named minimum is accepted.
    expect(plan({ reservoirVolumeMl: f.allowed.min + 0.002 }).ok).toBe(true);
  });

  it('PUMP-LIB-FILL a 100 mL fill for 1 day is refused: above the pump maximum rate, naming the largest fill that works', () => {
    const f = hardFinding(refused(plan({ reservoirVolumeMl: 100, infusionDays: 1 })), 'prescription.reservoirVolumeMl');
    expect(f.allowed.max).toBeCloseTo(fillForRateMl(config.rateRangeUlPerHour.max, 1), 2);
    // Beyond the named maximum by more than a stroke's worth is refused.
    expect(plan({ reservoirVolumeMl: f.allowed.max + 0.01, infusionDays: 1 }).ok).toBe(false);
    expect(f.message).toMatch(/above the pump maximum 1000 µL\/h/);
    expectNamesFieldAndRange(f);
    expect(plan({ reservoirVolumeMl: f.allowed.max, infusionDays: 1 }).ok).toBe(true);
  });

  it('PUMP-LIB-ALL every hard violation is reported, not only the first', () => {
    const findings = refused(plan({ patient: { weightKg: -70, heightCm: 170 }, doseFactor: 1.5, infusionDays: 30 }));
    expect(findings.filter((f) => f.kind === 'hard').map((f) => f.field).sort()).toEqual(
      ['patient.weightKg', 'prescription.doseFactor', 'prescription.infusionDays'].sort(),
    );
  });
});

describe('what the clinician reads: refusal messages, limit edges and the fills named', () => {
  it('PUMP-LIB-HARD the message gives the field, the value and the range, as the CLI prints it', () => {
    expect(hardFinding(refused(plan({ patient: { weightKg: 300, heightCm: 170 } })), 'patient.weightKg').message).toBe(
      'patient.weightKg = 300 is outside the hard limit 20–250 kg',
    );
    expect(hardFinding(refused(plan({ doseFactor: 2 })), 'prescription.doseFactor').message).toBe('prescription.doseFactor = 2 is outside the hard limit > 0 and ≤ 1');
    expect(hardFinding(refused(plan({ doseFactor: 1e-10 })), 'prescription.doseFactor').message).toBe('prescription.doseFactor = 1e-10 is outside the hard limit > 0 and ≤ 1');
    expect(hardFinding(refused(plan({ patient: { weightKg: 70 } })), 'patient.heightCm').message).toBe(
      'patient.heightCm = NaN is missing (give heightCm or bsaM2); allowed 100–230 cm',
    );
    expect(hardFinding(refused(plan({ reservoirVolumeMl: 150 })), 'prescription.reservoirVolumeMl').message).toBe(
      `prescription.reservoirVolumeMl = 150 does not fit the ${config.profileName} reservoir; allowed 1–100 mL`,
    );
  });

  it('PUMP-LIB-SOFT a soft finding says it needs confirmation; limits are inclusive at both edges', () => {
    const soft = accepted(plan({ patient: { weightKg: 160, heightCm: 180 } })).softFindings;
    expect(soft.map((f) => f.message)).toContain('patient.weightKg = 160 is outside the soft limit 35–150 kg (needs confirmation)');
    for (const weightKg of [library.weightKg.soft.min, library.weightKg.soft.max]) {
      expect(accepted(plan({ patient: { weightKg, heightCm: 170 } })).softFindings.filter((f) => f.field === 'patient.weightKg')).toEqual([]);
    }
    for (const weightKg of [library.weightKg.hard.min, library.weightKg.hard.max]) {
      const result = plan({ patient: { weightKg, bsaM2: 1.8 }, fudrMgPerKgPerDay: 0.1 });
      const findings = result.ok ? result.plan.softFindings : result.findings;
      expect(findings.filter((f) => f.field === 'patient.weightKg').map((f) => f.kind)).toEqual(['soft']);
    }
  });

  it('PUMP-DOSE-BSA a given BSA is judged once, as given (no Mosteller finding beside it)', () => {
    const soft = accepted(plan({ patient: { weightKg: 70, bsaM2: 1.0 } })).softFindings;
    expect(soft.filter((f) => f.field.includes('bsaM2')).map((f) => f.field)).toEqual(['patient.bsaM2']);
  });

  it('PUMP-LIB-FILL a fill below the reservoir minimum is refused as not fitting; the minimum itself is not', () => {
    const below = refused(plan({ reservoirVolumeMl: config.reservoirFillRangeMl.min - 0.1 })).map((f) => f.message);
    expect(below.some((m) => m.includes('does not fit'))).toBe(true);
    const atMin = plan({ reservoirVolumeMl: config.reservoirFillRangeMl.min });
    expect((atMin.ok ? atMin.plan.softFindings : atMin.findings).some((f) => f.message.includes('does not fit'))).toBe(false);
  });

  it('PUMP-LIB-FILL a too-small fill is explained from the device figures: prime, residual, reserve and the rate it gives', () => {
    const f = hardFinding(refused(plan({ reservoirVolumeMl: 2 })), 'prescription.reservoirVolumeMl');
    const strokeUl = config.strokeVolumeNl / 1000;
    const primedUl = Math.ceil(config.primingVolumeUl / strokeUl) * strokeUl;
    const strokes = Math.floor(((2000 - config.reservoirResidualUl - primedUl) * (1 - config.reservoirReserveFraction)) / strokeUl);
    const givesUlPerHour = Number(((strokes * strokeUl) / (14 * 24)).toPrecision(6));
    expect(f.message).toContain(`after priming (${primedUl} µL), residual (${config.reservoirResidualUl} µL) and reserve (${config.reservoirReserveFraction * 100} %) it gives ${givesUlPerHour} µL/h`);
    expect(f.message).toMatch(/; allowed \d+(\.\d+)?–100 mL$/);
    const big = hardFinding(refused(plan({ reservoirVolumeMl: 100, infusionDays: 1 })), 'prescription.reservoirVolumeMl');
    expect(big.message).toMatch(/^prescription\.reservoirVolumeMl = 100 over 1 days needs \d+(\.\d+)? µL\/h, above the pump maximum 1000 µL\/h; allowed 1–\d+(\.\d+)? mL$/);
  });

  it('PUMP-LIB-FILL for any infusion length the fills named at the rate limits are accepted and tight: 0.001 mL below the minimum, or one stroke (≤ 0.002 mL) above the maximum, is refused', () => {
    checkProperty(
      fc.property(fc.double({ min: library.infusionDays.hard.min, max: library.infusionDays.hard.max, noNaN: true }), (infusionDays) => {
        const days = Number(infusionDays.toPrecision(6));
        const small = plan({ reservoirVolumeMl: config.reservoirFillRangeMl.min, infusionDays: days });
        if (!small.ok) {
          const min = hardFinding(small.findings, 'prescription.reservoirVolumeMl').allowed.min;
          if (min > config.reservoirFillRangeMl.min) {
            expect(plan({ reservoirVolumeMl: min, infusionDays: days }).ok, `named minimum ${min} mL for ${days} d`).toBe(true);
            expect(plan({ reservoirVolumeMl: Number((min - 0.001).toFixed(3)), infusionDays: days }).ok).toBe(false);
          }
        }
        const big = plan({ reservoirVolumeMl: config.reservoirFillRangeMl.max, infusionDays: days });
        if (!big.ok) {
          const max = hardFinding(big.findings, 'prescription.reservoirVolumeMl').allowed.max;
          expect(plan({ reservoirVolumeMl: max, infusionDays: days }).ok, `named maximum ${max} mL for ${days} d`).toBe(true);
          expect(plan({ reservoirVolumeMl: Number((max + 0.002).toFixed(3)), infusionDays: days }).ok).toBe(false);
        }
      }),
      { seed: 0x0f11_ed9e, numRuns: 150 },
    );
  });

  it('PUMP-LIB-HARD a concentration over its hard limit refuses the plan (dexamethasone 5 mg/m²/day at 2 m² in 30 mL: 4.8 mg/mL > 4)', () => {
    const findings = refused(plan({ patient: { weightKg: 80, bsaM2: 2 }, dexamethasoneMgPerM2PerDay: 5 }));
    const f = hardFinding(findings, 'dexamethasoneMgPerMl');
    expect(f.value).toBeGreaterThan(library.dexamethasoneMgPerMl.hard.max);
  });

  it('SEED-LOCK-1 heparin: the pump mixture gives units/mL × dose volume, and the total adds the lock', () => {
    const p = accepted(plan());
    expect(p.heparinUnitsInfused).toBeCloseTo((p.heparinUnitsPerMl * p.doseVolumeUl) / 1000, 9);
    expect(p.heparinLockUnits).toBe(p.heparinLockVolumeMl * p.heparinLockUnitsPerMl);
    expect(p.heparinUnitsTotal).toBeCloseTo(p.heparinUnitsInfused + 2000, 9);
  });

  it('PUMP-SCHED-1 a phase of no duration is owed at once', () => {
    expect(scheduledStrokes(5, 0, 0)).toBe(5);
    expect(scheduledStrokes(5, -10, 1000)).toBe(0);
    expect(scheduledStrokes(1000, 500, 1000)).toBe(500);
  });
});

describe('soft limits: the plan is returned with findings that need confirmation', () => {
  it('PUMP-LIB-SOFT FUDR 0.25 mg/kg/day returns a plan with a soft finding on the per-kg dose', () => {
    const p = accepted(plan({ fudrMgPerKgPerDay: 0.25 }));
    expect(p.softFindings).toHaveLength(1);
    const f = p.softFindings[0] as LimitFinding;
    expect(f.field).toBe('prescription.fudrMgPerKgPerDay');
    expect(f.kind).toBe('soft');
    expect(f.allowed).toEqual(library.fudrMgPerKgPerDay.soft);
    expect(f.message).toMatch(/needs confirmation/);
    expectNamesFieldAndRange(f);
    expect(p.fudrMgPerDay).toBeCloseTo(0.25 * 70, 12);
  });

  it('PUMP-LIB-SOFT a 21-day infusion and a 155 kg patient are soft findings, each named', () => {
    const p = accepted(plan({ patient: { weightKg: 155, heightCm: 150 }, fudrMgPerKgPerDay: 0.1, infusionDays: 21, reservoirVolumeMl: 60 }));
    expect(p.softFindings.map((f) => f.field).sort()).toEqual(['patient.weightKg', 'prescription.infusionDays']);
    for (const f of p.softFindings) {
      expect(f.kind).toBe('soft');
      expectNamesFieldAndRange(f);
    }
  });
});

/** Patients and prescriptions over the protocol's range (the seed protocol's drugs, varied sizes). */
const prescriptionArb = fc.record({
  weightKg: fc.double({ min: 35, max: 150, noNaN: true }),
  heightCm: fc.double({ min: 140, max: 200, noNaN: true }),
  doseFactor: fc.oneof(fc.constantFrom(1, 0.5, 0.25), fc.double({ min: 0, max: 1, minExcluded: true, noNaN: true })),
  infusionDays: fc.oneof(fc.integer({ min: 1, max: 14 }), fc.double({ min: 1, max: 14, noNaN: true })),
  reservoirVolumeMl: fc.oneof(fc.integer({ min: 10, max: 100 }), fc.double({ min: 10, max: 100, noNaN: true })),
}).map(({ weightKg, heightCm, ...rest }): PrescriptionInput => prescription({ patient: { weightKg, heightCm }, ...rest }));

const KNOWN_FIELDS = new Set([
  'patient.weightKg', 'patient.heightCm', 'patient.bsaM2', 'patient.bsaM2 (Mosteller)',
  'prescription.fudrMgPerKgPerDay', 'prescription.dexamethasoneMgPerM2PerDay', 'prescription.heparinUnitsPerMl',
  'prescription.infusionDays', 'prescription.doseFactor', 'prescription.heparinLockVolumeMl', 'prescription.heparinLockUnitsPerMl',
  'prescription.reservoirVolumeMl', 'fudrMgPerDay', 'dexamethasoneMgPerDay', 'fudrMgPerMl', 'dexamethasoneMgPerMl',
]);

describe('properties of planInfusion', () => {
  it('PUMP-DOSE-PLAN a plan is refused with named hard findings, or delivers exactly the prescribed dose in whole strokes within the pump range', () => {
    let plans = 0;
    let refusals = 0;
    checkProperty(
      fc.property(prescriptionArb, (rx) => {
        const result = planInfusion(rx, config, library);
        if (!result.ok) {
          refusals++;
          const hard = result.findings.filter((f) => f.kind === 'hard');
          expect(hard.length).toBeGreaterThan(0);
          for (const f of result.findings) {
            expect(KNOWN_FIELDS.has(f.field), f.field).toBe(true);
            expectNamesFieldAndRange(f);
          }
          return;
        }
        plans++;
        const p = result.plan;
        const strokeUl = config.strokeVolumeNl / 1000;
        const infusionMl = p.doseVolumeUl / 1000;
        expect(relativeError(p.fudrMgTotal, 0.15 * rx.patient.weightKg * rx.infusionDays * rx.doseFactor)).toBeLessThanOrEqual(1e-9);
        expect(relativeError(p.fudrMgPerMl * infusionMl, p.fudrMgTotal)).toBeLessThanOrEqual(1e-9);
        expect(relativeError(p.dexamethasoneMgPerMl * infusionMl, p.dexamethasoneMgTotal)).toBeLessThanOrEqual(1e-9);
        expect(relativeError(p.dexamethasoneMgTotal, p.bsaM2 * rx.infusionDays * rx.doseFactor)).toBeLessThanOrEqual(1e-9);
        expect(Number.isInteger(p.infusionStrokes)).toBe(true);
        expect(p.infusionStrokes).toBeGreaterThan(0);
        expect(p.infusionVolumeUl).toBe(p.infusionStrokes * strokeUl);
        expect(p.rateUlPerHour).toBeGreaterThanOrEqual(config.rateRangeUlPerHour.min);
        expect(p.rateUlPerHour).toBeLessThanOrEqual(config.rateRangeUlPerHour.max);
        expect(relativeError((p.rateUlPerHour * p.durationMs) / MS_PER_HOUR, p.infusionVolumeUl)).toBeLessThanOrEqual(1e-9);
        // The programme, prime and residual fit in the fill.
        expect(p.infusionVolumeUl + p.primingStrokes * strokeUl + config.reservoirResidualUl).toBeLessThanOrEqual(rx.reservoirVolumeMl * 1000 + 1e-6);
        for (const f of p.softFindings) expect(f.kind).toBe('soft');
      }),
      { seed: 0x5eed_d05e, numRuns: 200 },
    );
    // The domain reaches both outcomes (e.g. 100 mL over 1 day is above 1000 µL/h).
    expect(plans).toBeGreaterThan(0);
    expect(refusals).toBeGreaterThan(0);
  });

  it('SEED-REDUCE-1 doseFactor 0.5 halves both FUDR and dexamethasone, in the same volume', () => {
    checkProperty(
      fc.property(prescriptionArb, (rx) => {
        const full = planInfusion({ ...rx, doseFactor: 1 }, config, library);
        const half = planInfusion({ ...rx, doseFactor: 0.5 }, config, library);
        if (!full.ok) return;
        const h = accepted(half);
        const f = full.plan;
        expect(relativeError(h.fudrMgPerDay, f.fudrMgPerDay / 2)).toBeLessThanOrEqual(1e-12);
        expect(relativeError(h.dexamethasoneMgPerDay, f.dexamethasoneMgPerDay / 2)).toBeLessThanOrEqual(1e-12);
        expect(relativeError(h.fudrMgTotal, f.fudrMgTotal / 2)).toBeLessThanOrEqual(1e-12);
        expect(relativeError(h.dexamethasoneMgTotal, f.dexamethasoneMgTotal / 2)).toBeLessThanOrEqual(1e-12);
        expect(relativeError(h.fudrMgPerMl, f.fudrMgPerMl / 2)).toBeLessThanOrEqual(1e-12);
        expect(h.infusionStrokes).toBe(f.infusionStrokes);
        expect(h.rateUlPerHour).toBe(f.rateUlPerHour);
      }),
      { seed: 0x0005_0050, numRuns: 150 },
    );
  });
});

describe('properties of scheduledStrokes (the cumulative stroke target)', () => {
  const phaseArb = fc.record({
    totalStrokes: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(0, 1, 350, 2000, 28_567)),
    durationMs: fc.oneof(fc.integer({ min: 1, max: 21 * MS_PER_DAY }), fc.constantFrom(1, 21_000, 120_000, 14 * MS_PER_DAY)),
  });

  it('PUMP-SCHED-1 is monotone in elapsed time, stays within [0, total] and equals total at and after the duration', () => {
    checkProperty(
      fc.property(phaseArb, fc.double({ min: -0.2, max: 1.3, noNaN: true }), fc.double({ min: -0.2, max: 1.3, noNaN: true }), ({ totalStrokes, durationMs }, u, v) => {
        const a = Math.round(Math.min(u, v) * durationMs);
        const b = Math.round(Math.max(u, v) * durationMs);
        const sa = scheduledStrokes(totalStrokes, a, durationMs);
        const sb = scheduledStrokes(totalStrokes, b, durationMs);
        expect(sa).toBeLessThanOrEqual(sb);
        for (const s of [sa, sb]) {
          expect(Number.isInteger(s)).toBe(true);
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(totalStrokes);
        }
        expect(scheduledStrokes(totalStrokes, durationMs, durationMs)).toBe(totalStrokes);
        expect(scheduledStrokes(totalStrokes, durationMs + 1 + Math.abs(b), durationMs)).toBe(totalStrokes);
        expect(scheduledStrokes(totalStrokes, 0, durationMs)).toBe(0);
      }),
      { seed: 0x5c4e_d001, numRuns: 200 },
    );
  });

  it('PUMP-SCHED-2 delivering the per-tick increments at any fixed tick size loses no stroke, repeats none and never runs a stroke ahead of schedule', () => {
    checkProperty(
      fc.property(phaseArb, fc.integer({ min: 1, max: 3000 }), fc.constantFrom(1, 1, 1, 0.7, 1.5, 40), ({ totalStrokes, durationMs }, ticks, stretch) => {
        // From thousands of ticks per phase to more than the whole phase in one tick.
        const tickMs = Math.max(1, Math.round((durationMs / ticks) * stretch));
        let delivered = 0;
        let elapsedMs = 0;
        let steps = 0;
        while (elapsedMs < durationMs) {
          elapsedMs = Math.min(elapsedMs + tickMs, durationMs); // as controlStep clamps the phase clock
          const owed = scheduledStrokes(totalStrokes, elapsedMs, durationMs) - delivered;
          const ideal = (totalStrokes * elapsedMs) / durationMs;
          if (owed < 0) throw new Error(`negative increment ${owed} at ${elapsedMs} ms`);
          delivered += owed;
          if (delivered > ideal + 1e-9 || ideal - delivered >= 1) throw new Error(`delivered ${delivered} vs ideal ${ideal} at ${elapsedMs} ms`);
          steps++;
        }
        expect(delivered).toBe(totalStrokes);
        expect(steps).toBe(Math.ceil(durationMs / tickMs));
      }),
      { seed: 0x71c4_5123, numRuns: 200 },
    );
  });

  it('PUMP-SCHED-3 the same holds for irregular ticks (a late or early control period carries the remainder)', () => {
    const irregular = phaseArb.chain(({ totalStrokes, durationMs }) =>
      fc.record({
        totalStrokes: fc.constant(totalStrokes),
        durationMs: fc.constant(durationMs),
        cuts: fc.uniqueArray(fc.integer({ min: 1, max: durationMs }), { maxLength: 400 }),
      }),
    );
    checkProperty(
      fc.property(irregular, ({ totalStrokes, durationMs, cuts }) => {
        const instants = [...cuts].sort((x, y) => x - y);
        if (instants.at(-1) !== durationMs) instants.push(durationMs);
        let delivered = 0;
        for (const t of instants) {
          const owed = scheduledStrokes(totalStrokes, t, durationMs) - delivered;
          if (owed < 0) throw new Error(`negative increment ${owed} at ${t} ms`);
          delivered += owed;
          if ((totalStrokes * t) / durationMs - delivered >= 1) throw new Error(`fell a stroke behind at ${t} ms`);
        }
        expect(delivered).toBe(totalStrokes);
      }),
      { seed: 0x1e9a_0003, numRuns: 150 },
    );
  });
});
