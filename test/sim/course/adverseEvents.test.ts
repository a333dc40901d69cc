/**
 * Calibration of the stochastic adverse events to the seed's rates (Int J Clin Exp Med
 * 2015;8(1):1000-1008, n = 54), checked on the calendar and clinician layer only — no pump — so
 * thousands of simulated patients cost about a second.
 */
import { describe, expect, it } from 'vitest';
import {
  HAZARDS,
  INCIDENCE_TARGETS,
  PatientDraws,
  calibrateHazard,
  incidenceForHazard,
} from '../../../sim/course/adverseEvents.ts';
import { haiCyclesPmf } from '../../../sim/course/clinicalPath.ts';
import { drawCohort, outcomeOf } from '../../../sim/campaigns/cohort.ts';
import type { PatientOutcome } from '../../../sim/campaigns/cohort.ts';
import { runCohortTask } from '../../../sim/campaigns/cohortTask.ts';

/** Patients in the Monte Carlo check, and its fixed cohort seed. */
const PATIENTS = 6000;
const COHORT_SEED = 20150101;

function simulatedOutcomes(): PatientOutcome[] {
  return drawCohort(PATIENTS, COHORT_SEED).map((p) => outcomeOf(p, runCohortTask({ patient: p, profile: 'port-ambulatory', executor: 'nominal' })));
}

describe('the distribution of HAI cycles the hazards are calibrated over (the clinical path)', () => {
  it('is a distribution over 2–18 cycles with median 9, as the seed\'s total HAI cycles (median 9, range 3–18)', () => {
    const pmf = haiCyclesPmf();
    expect(Math.min(...pmf.keys())).toBe(2);
    expect(Math.max(...pmf.keys())).toBe(18);
    expect([...pmf.values()].reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    let cumulative = 0;
    let median = 0;
    for (const [k, p] of pmf) {
      cumulative += p;
      if (cumulative >= 0.5) {
        median = k;
        break;
      }
    }
    expect(median).toBe(9);
    // Below the seed's minimum: resected after 2 cycles with no postoperative HAI.
    expect(pmf.get(2) ?? 0).toBeLessThan(0.02);
  });
});

describe('AE-CALIBRATION per-cycle hazards reproduce the seed\'s per-patient incidences', () => {
  it('solves the calibration equation exactly for each target', () => {
    for (const t of Object.values(INCIDENCE_TARGETS)) {
      const h = calibrateHazard(t);
      expect(h).toBeGreaterThan(0);
      expect(incidenceForHazard(h, t)).toBeCloseTo(t.incidence, 9);
    }
  });

  it(`gives, over ${PATIENTS} simulated patients (clinical layer only), incidences within 4 standard errors of the seed's rates`, () => {
    const outcomes = simulatedOutcomes();
    const n = outcomes.length;
    const rate = (f: (o: PatientOutcome) => boolean): number => outcomes.filter(f).length / n;
    const withinFourSe = (observed: number, target: number): void => {
      const se = Math.sqrt((target * (1 - target)) / n);
      expect(Math.abs(observed - target), `observed ${observed.toFixed(4)}, target ${target.toFixed(4)}, 4 SE = ${(4 * se).toFixed(4)}`).toBeLessThan(4 * se);
    };
    const T = INCIDENCE_TARGETS;
    withinFourSe(rate((o) => o.ulcerAtInfusedCycle !== null), T.ulcer.incidence); // 7.4 %
    withinFourSe(rate((o) => o.hepatotoxicityMaxGrade >= 3), T.hepatotoxicityGrade3.incidence); // 20.4 %
    withinFourSe(rate((o) => o.hepatotoxicityMaxGrade >= 1), T.hepatotoxicityAny.incidence); // 66.7 %
    withinFourSe(rate((o) => o.displacement), T.catheterDisplacement.incidence); // 3.7 %
    withinFourSe(rate((o) => o.portInfection), T.portInfection.incidence); // 7.4 %
    withinFourSe(rate((o) => o.epigastricPainGrade3to4), T.epigastricPain.incidence); // 14.8 %
    // Ulcers after a median of 5 infused cycles, range 3–7 (the seed: median 5, range 3–7).
    const ulcerCycles = outcomes.flatMap((o) => (o.ulcerAtInfusedCycle === null ? [] : [o.ulcerAtInfusedCycle])).sort((a, b) => a - b);
    expect(ulcerCycles[Math.floor(ulcerCycles.length / 2)]).toBe(5);
    expect(Math.min(...ulcerCycles)).toBe(3);
    expect(Math.max(...ulcerCycles)).toBe(7);
  });
});

describe('draws', () => {
  it('are a pure function of (patient seed, event kind, cycle): the same cycle gives the same events whatever came before', () => {
    const a = new PatientDraws(99);
    const b = new PatientDraws(99);
    const forward = [1, 2, 3, 4, 5, 6, 7, 8].map((c) => a.afterInfusion(c, c, 0, false));
    const backward = [8, 7, 6, 5, 4, 3, 2, 1].map((c) => b.afterInfusion(c, c, 0, false)).reverse();
    expect(forward).toEqual(backward);
  });

  it('SEED-EXTRAHEPATIC extrahepatic perfusion raises the ulcer hazard (× (1 + 20·f))', () => {
    let base = 0;
    let perfused = 0;
    for (let seed = 0; seed < 20_000; seed++) {
      const d = new PatientDraws(seed);
      if (d.afterInfusion(4, 4, 0, false).some((e) => e.kind === 'ulcer')) base++;
      if (d.afterInfusion(4, 4, 0.25, false).some((e) => e.kind === 'ulcer')) perfused++;
    }
    // Same uniforms, hazard × 6: every baseline ulcer is still there, and about six times as many.
    expect(perfused / base).toBeGreaterThan(4.5);
    expect(perfused / base).toBeLessThan(7.5);
    expect(HAZARDS.ulcer * 6).toBeLessThan(1);
  });
});
