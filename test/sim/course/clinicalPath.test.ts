/**
 * The clinical path calibrated to the seed's results (Int J Clin Exp Med 2015;8(1):1000-1008,
 * n = 54): resection 38/54 after a median of 4 cycles (2–7), 22–33 days (median 26) from the stop
 * of chemotherapy to the resection, 34/38 postoperative XELOX + HAI, total HAI cycles median 9
 * (3–18). Checked on the calendar and clinician layer only (no pump), 6,000 patients, ~2 s.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatCourse } from '../../../sim/report/course.ts';
import { clinicalPathHtml } from '../../../sim/report/html/courseReport.ts';
import { loadScenarioFile } from '../../../sim/scenario/scenario.ts';
import type { PatientOutcome } from '../../../sim/campaigns/cohort.ts';
import { drawCohort, outcomeOf, resectionFigures } from '../../../sim/campaigns/cohort.ts';
import { patientScenario, runCohortTask } from '../../../sim/campaigns/cohortTask.ts';
import { runCourse } from '../../../sim/course/courseRunner.ts';
import { POSTOPERATIVE, RESECTION, SEED_PATIENTS, conversionHazard, thrombosisProbability, maintenanceRelockDays } from '../../../sim/course/clinicalPath.ts';

const PATIENTS = 6000;
const COHORT_SEED = 20150101;

/** The central 95 % range of Binomial(n, p): the smallest lo and largest hi with ≤ 2.5 % outside each. */
function binomial95(n: number, p: number): [number, number] {
  const pmf: number[] = [];
  let term = (1 - p) ** n;
  for (let k = 0; k <= n; k++) {
    pmf.push(term);
    term = (term * (n - k) * p) / ((k + 1) * (1 - p));
  }
  let lo = 0;
  for (let below = 0; below + (pmf[lo] as number) <= 0.025; lo++) below += pmf[lo] as number;
  let hi = n;
  for (let above = 0; above + (pmf[hi] as number) <= 0.025; hi--) above += pmf[hi] as number;
  return [lo, hi];
}

describe('the clinical path over 6,000 simulated patients (clinical layer only)', () => {
  let outcomes: PatientOutcome[];

  beforeAll(() => {
    outcomes = drawCohort(PATIENTS, COHORT_SEED).map((p) => outcomeOf(p, runCohortTask({ patient: p, profile: 'port-ambulatory', executor: 'nominal' })));
  });

  const withinFourSe = (observed: number, target: number, n: number): void => {
    const se = Math.sqrt((target * (1 - target)) / n);
    expect(Math.abs(observed - target), `observed ${observed.toFixed(4)}, target ${target.toFixed(4)}, 4 SE = ${(4 * se).toFixed(4)}`).toBeLessThan(4 * se);
  };

  it('SEED-RESECTION resects 38/54 of patients (within 4 standard errors), and slices of 54 fall in the seed\'s binomial 95 % range', () => {
    const f = resectionFigures(outcomes);
    withinFourSe(f.resectedPatients / PATIENTS, RESECTION.resected / SEED_PATIENTS, PATIENTS);
    const [lo, hi] = binomial95(SEED_PATIENTS, RESECTION.resected / SEED_PATIENTS);
    expect([lo, hi]).toEqual([31, 44]);
    let inside = 0;
    const cohorts = Math.floor(PATIENTS / SEED_PATIENTS);
    for (let c = 0; c < cohorts; c++) {
      const k = resectionFigures(outcomes.slice(c * SEED_PATIENTS, (c + 1) * SEED_PATIENTS)).resectedPatients;
      if (k >= lo && k <= hi) inside++;
    }
    // 95 % expected; 90 % is 2.6 binomial standard errors below it for 111 cohorts.
    expect(inside / cohorts).toBeGreaterThan(0.9);
  });

  it('SEED-RESECTION resects exactly 38 of 54 patients on any cohort seed (allocated like Table 1), the 38 with exactly 34 / 3 / 1 planned after the operation', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const cohort = drawCohort(54, seed);
      expect(cohort.filter((p) => p.resectable).length).toBe(38);
      const plans = cohort.flatMap((p) => (p.postoperative === null ? [] : [p.postoperative]));
      expect([plans.filter((p) => p === 'xeloxHai').length, plans.filter((p) => p === 'xelox').length, plans.filter((p) => p === 'none').length]).toEqual([34, 3, 1]);
    }
    // And the courses do it (clinical layer, two seeds).
    for (const seed of [1, 2]) {
      const outcomes = drawCohort(54, seed).map((p) => outcomeOf(p, runCourse({ scenario: patientScenario(p), executor: 'nominal', adverseEvents: 'stochastic', disease: { resectable: p.resectable, postoperative: p.postoperative } })));
      expect(resectionFigures(outcomes).resectedPatients).toBe(38);
    }
  });

  it('SEED-RESECTION resects after a median of 4 cycles, range 2–7, with 22–33 days (median 26) from the stop of chemotherapy to the operation', () => {
    const f = resectionFigures(outcomes);
    expect(f.cyclesBeforeResection).toEqual({ median: 4, min: 2, max: 7 });
    expect(f.daysFromStopToSurgery).toEqual({ median: 26, min: 22, max: 33 });
    // The per-assessment hazard: 1 − (1 − 38/54)^(1/6).
    expect(conversionHazard()).toBeCloseTo(0.1835, 4);
  });

  it('SEED-RESECTION gives postoperative HAI to 34/38 of the resected, XELOX alone or nothing to the rest', () => {
    const f = resectionFigures(outcomes);
    withinFourSe(f.postoperativeHaiPatients / f.resectedPatients, POSTOPERATIVE.xeloxHai / RESECTION.resected, f.resectedPatients);
    withinFourSe(f.postoperativeNonePatients / f.resectedPatients, POSTOPERATIVE.none / RESECTION.resected, f.resectedPatients);
    expect(f.postoperativeHaiPatients + f.postoperativeXeloxOnlyPatients + f.postoperativeNonePatients).toBe(f.resectedPatients);
  });

  it('SEED-RESECTION comes out at total HAI cycles median 9, at most 18, and 3–18 for at least 97 % of patients (a result of the path, not an input)', () => {
    const hai = outcomes.map((o) => o.cyclesInfused).sort((a, b) => a - b);
    const median = hai[Math.floor(hai.length / 2)] as number;
    expect(median).toBe(9);
    expect(Math.max(...hai)).toBe(18);
    expect(hai.filter((x) => x >= 3 && x <= 18).length / hai.length).toBeGreaterThan(0.97);
  });
});

describe('the catheter between infusions', () => {
  it('SEED-RELOCK re-locks every interval without a flush, strictly before the next infusion', () => {
    expect(maintenanceRelockDays(15, 22)).toEqual([]);
    expect(maintenanceRelockDays(15, 100)).toEqual([43, 71, 99]);
    expect(maintenanceRelockDays(15, 99)).toEqual([43, 71]);
  });

  it('PUMP-THROMBOSIS the risk grows with the time since the last flush: the 28-day risk at 28 days, four times the log-survival at 56', () => {
    expect(thrombosisProbability(0, 0.1)).toBe(0);
    expect(thrombosisProbability(28, 0.1)).toBeCloseTo(0.1, 12);
    expect(Math.log(1 - thrombosisProbability(56, 0.1)) / Math.log(0.9)).toBeCloseTo(4, 9);
    expect(thrombosisProbability(7, 0)).toBe(0);
    expect(thrombosisProbability(7, 1)).toBe(1);
  });
});

describe('the clinical path in the reports (sim/scenarios/course/resection.json, clinical layer)', () => {
  it('SEED-RESECTION the text and HTML course reports show the resection, the operation and the postoperative HAI', () => {
    const scenario = loadScenarioFile(path.join(import.meta.dirname, '../../../sim/scenarios/course/resection.json'));
    const run = runCourse({ scenario, executor: 'nominal' });
    const r = run.course.resection;
    expect(r).toMatchObject({ cyclesBeforeResection: 4, chemotherapyStopDay: 78, surgeryDay: 104, daysFromStopToSurgery: 26, postoperativeStartDay: 132 });
    const text = formatCourse(run);
    expect(text).toContain('Resected after 4 cycles (forced): chemotherapy stopped day 78, operation day 104, 26 days; postoperative XELOX + HAI from day 132');
    expect(text).toContain('HAI cycles 9 = 4 before + 5 after the operation');
    expect(text).toMatch(/19 preoperative \+ 1 surgery \+ 27 recovery/);
    const html = clinicalPathHtml(run);
    expect(html).toContain('operation on day 104, 26 days after the stop');
    expect(html).toContain('postoperative XELOX + HAI from day 132');
  });
});
