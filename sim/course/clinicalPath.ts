/**
 * The clinical path of the seed's patients: conversion to resectability, the surgical pause,
 * postoperative HAI, hepatic progression of the unresectable, and the catheter between infusions.
 *
 * Owns: the path's parameters (each from the seed, Int J Clin Exp Med 2015;8(1):1000-1008, or a
 * named default), the patient's own draws of it (`DiseaseDraws`), the distribution of total HAI
 * cycles the path gives (`haiCyclesPmf`, over which the adverse-event hazards are calibrated),
 * the heparin re-lock maintenance days and the catheter-thrombosis risk.
 * Promises:
 * - Draws are counter-based (rng.ts): a pure function of (patient seed, stream, index), so the
 *   patient's disease is set by the seed whatever the pump or the clinician do.
 * - Conversion: at the assessment after each treatment cycle 2–7 (the seed's range), a constant
 *   hazard h = 1 − (1 − 38/54)^(1/6), so that 38/54 patients convert by cycle 7; the cycle of
 *   conversion then has median 4 (P(K ≤ 3) = 0.47, P(K ≤ 4) = 0.65 of converters).
 *   A treatment cycle is a calendar cycle: XELOX goes on in held and stopped HAI cycles.
 * - Surgery: the interval from the stop of chemotherapy to the resection is drawn from a
 *   piecewise-linear quantile function through the seed's 22, 26 (median), 33 days, rounded;
 *   always ≥ 22 > 21 days (the seed: chemotherapy stopped at least 3 weeks before surgery).
 * - Postoperative treatment: 34/38 XELOX + HAI, 3/38 XELOX alone, 1/38 none (the seed).
 * - A cohort allocates who converts and what follows the operation in exactly these proportions
 *   (largest remainder, shuffled with the cohort seed, as Table 1; sim/campaigns/cohort.ts); a
 *   patient run alone draws them with these probabilities.
 *
 * Defaults (not in the seed, stated so they can be argued with):
 * - Recovery: the first postoperative cycle starts 28 days after the operation (adjuvant
 *   chemotherapy after liver resection usually starts 4–6 weeks after surgery; the seed gives no
 *   interval).
 * - Postoperative HAI: 2–11 infused cycles, uniform (the seed gives only the total, median 9,
 *   range 3–18, which this and the progression hazard reproduce as a result).
 * - Hepatic progression of the unresectable: hazard 0.15 per treatment cycle from cycle 3; HAI
 *   stops there (the seed: HAI stopped at hepatic progression; the 16 went on to second-line
 *   systemic treatment).
 * - Course limit: 18 cycles on the calendar (the seed's longest total HAI course).
 * - Heparin re-lock maintenance: port and catheter flushed and re-locked (2 mL of 1000 IU/mL,
 *   the seed's lock) whenever 28 days have passed since the last flush without an infusion
 *   (implanted ports are commonly maintained every 4 weeks when not in use).
 * - Catheter thrombosis: over a stretch of d days since the last flush the catheter occludes with
 *   probability 1 − (1 − r)^((d / 28)²), r the risk at 28 days (`course.catheterThrombosis`,
 *   default 0: the seed saw no occlusion in 54 patients). The hazard grows linearly with the
 *   time since the flush; a flush that goes through resets it.
 */
import { noiseKey, piecewiseLinearQuantile, streamId, uniformFromKey } from '../world/rng.ts';

export const SEED_PATIENTS = 54;

export const RESECTION = Object.freeze({
  resected: 38,
  fromCycle: 2,
  untilCycle: 7,
  source: 'seed: 38 patients (70.4 %) evaluated as resectable after a median of 4 cycles (range 2 to 7)',
});

/** The interval from the stop of chemotherapy to the resection: quantile knots (p, days). */
export const STOP_TO_SURGERY_QUANTILES: readonly (readonly [number, number])[] = [[0, 22], [0.5, 26], [1, 33]];
export const STOP_TO_SURGERY_SOURCE = 'seed: median interval from the stop of chemotherapy to resection 26 days (range 22 to 33); chemotherapy stopped at least 3 weeks before elective surgery';

/** Days from one operation to the first postoperative cycle's day 1 (default). */
export const RECOVERY_DAYS = 28;

export const POSTOPERATIVE = Object.freeze({ xeloxHai: 34, xelox: 3, none: 1 });
export type PostoperativePlan = keyof typeof POSTOPERATIVE;
export const POSTOPERATIVE_PLANS: readonly PostoperativePlan[] = ['xeloxHai', 'xelox', 'none'];

export const POSTOPERATIVE_HAI_CYCLES = Object.freeze({ min: 2, max: 11 });
export const PROGRESSION: { readonly hazardPerCycle: number; readonly fromCycle: number } = Object.freeze({ hazardPerCycle: 0.15, fromCycle: 3 });
export const COURSE_LIMIT_CYCLES: number = 18;
export const RELOCK_INTERVAL_DAYS = 28;
export const THROMBOSIS_REFERENCE_DAYS = 28;

/** Hazard of conversion at each assessment of cycles 2–7: 1 − (1 − 38/54)^(1/6) ≈ 0.184. */
export function conversionHazard(): number {
  const n = RESECTION.untilCycle - RESECTION.fromCycle + 1;
  return 1 - (1 - RESECTION.resected / SEED_PATIENTS) ** (1 / n);
}

/** Probability the catheter occludes over `days` since the last flush, at risk `riskAt28Days`. */
export function thrombosisProbability(days: number, riskAt28Days: number): number {
  if (!(days > 0) || !(riskAt28Days > 0)) return 0;
  if (riskAt28Days >= 1) return 1;
  return 1 - (1 - riskAt28Days) ** ((days / THROMBOSIS_REFERENCE_DAYS) ** 2);
}

/** Maintenance re-lock days after a flush on `lastFlushDay`, strictly before `untilDay`. */
export function maintenanceRelockDays(lastFlushDay: number, untilDay: number, intervalDays = RELOCK_INTERVAL_DAYS): number[] {
  const days: number[] = [];
  for (let d = lastFlushDay + intervalDays; d < untilDay; d += intervalDays) days.push(d);
  return days;
}

/** P(total HAI cycles = t) the path gives, before the holds and stops adverse events cause. */
export function haiCyclesPmf(): ReadonlyMap<number, number> {
  const h = conversionHazard();
  const pmf = new Map<number, number>();
  const add = (t: number, p: number): void => void pmf.set(t, (pmf.get(t) ?? 0) + p);
  const total = POSTOPERATIVE.xeloxHai + POSTOPERATIVE.xelox + POSTOPERATIVE.none;
  const span = POSTOPERATIVE_HAI_CYCLES.max - POSTOPERATIVE_HAI_CYCLES.min + 1;
  let notYet = 1;
  for (let k = RESECTION.fromCycle; k <= RESECTION.untilCycle; k++) {
    const pk = notYet * h;
    notYet -= pk;
    for (let m = POSTOPERATIVE_HAI_CYCLES.min; m <= POSTOPERATIVE_HAI_CYCLES.max; m++) add(Math.min(COURSE_LIMIT_CYCLES, k + m), (pk * POSTOPERATIVE.xeloxHai) / total / span);
    add(k, (pk * (POSTOPERATIVE.xelox + POSTOPERATIVE.none)) / total);
  }
  let going = notYet;
  for (let c = PROGRESSION.fromCycle; c <= COURSE_LIMIT_CYCLES; c++) {
    const p = c === COURSE_LIMIT_CYCLES ? going : going * PROGRESSION.hazardPerCycle;
    add(c, p);
    going -= p;
  }
  return new Map([...pmf].sort((a, b) => a[0] - b[0]));
}

/** What a cohort allocates in the seed's proportions (38/54 resectable; 34/3/1 after the operation). */
export interface AllocatedDisease {
  readonly resectable: boolean;
  /** Null for disease that does not convert. */
  readonly postoperative: PostoperativePlan | null;
}

/** The patient's disease, drawn from the patient's seed. */
export class DiseaseDraws {
  private readonly keys: Record<string, number>;

  constructor(readonly patientSeed: number) {
    const k = (name: string): number => noiseKey(patientSeed, streamId(`path.${name}`));
    this.keys = {
      conversion: k('conversion'),
      interval: k('stopToSurgery'),
      postoperative: k('postoperative'),
      postoperativeCycles: k('postoperativeCycles'),
      progression: k('progression'),
      thrombosis: k('thrombosis'),
    };
  }

  private u(name: string, index: number): number {
    return uniformFromKey(this.keys[name] as number, index);
  }

  /**
   * The treatment cycle after which the disease is resectable (null: it never converts). Given
   * `converts` (a cohort allocates who converts, as it allocates Table 1), the cycle is drawn from
   * the same hazard's distribution conditioned on converting by cycle 7.
   */
  conversionCycle(converts?: boolean, hazard = conversionHazard()): number | null {
    if (converts === false) return null;
    for (let c = RESECTION.fromCycle; c <= RESECTION.untilCycle; c++) if (this.u('conversion', c) < hazard) return c;
    if (converts === undefined) return null;
    const n = RESECTION.untilCycle - RESECTION.fromCycle + 1;
    const target = this.u('conversion', 0) * (1 - (1 - hazard) ** n);
    let cumulative = 0;
    for (let c = RESECTION.fromCycle; c <= RESECTION.untilCycle; c++) {
      cumulative += hazard * (1 - hazard) ** (c - RESECTION.fromCycle);
      if (target < cumulative) return c;
    }
    return RESECTION.untilCycle;
  }

  daysFromStopToSurgery(): number {
    return Math.round(piecewiseLinearQuantile(STOP_TO_SURGERY_QUANTILES, this.u('interval', 0)));
  }

  postoperative(): PostoperativePlan {
    const total = POSTOPERATIVE.xeloxHai + POSTOPERATIVE.xelox + POSTOPERATIVE.none;
    const x = this.u('postoperative', 0) * total;
    if (x < POSTOPERATIVE.xeloxHai) return 'xeloxHai';
    return x < POSTOPERATIVE.xeloxHai + POSTOPERATIVE.xelox ? 'xelox' : 'none';
  }

  postoperativeHaiCycles(): number {
    const span = POSTOPERATIVE_HAI_CYCLES.max - POSTOPERATIVE_HAI_CYCLES.min + 1;
    return POSTOPERATIVE_HAI_CYCLES.min + Math.min(span - 1, Math.floor(this.u('postoperativeCycles', 0) * span));
  }

  /** Hepatic progression shows at the assessment after treatment cycle `cycle` (unresectable disease only). */
  progression(cycle: number): boolean {
    return cycle >= PROGRESSION.fromCycle && this.u('progression', cycle) < PROGRESSION.hazardPerCycle;
  }

  /**
   * The HAI cycles the path alone gives this patient (no holds or stops from adverse events), at
   * most `limit`: an estimate of the course's cost, for ordering and splitting a cohort.
   */
  expectedHaiCycles(limit = COURSE_LIMIT_CYCLES, allocated?: AllocatedDisease): number {
    const k = this.conversionCycle(allocated?.resectable);
    if (k !== null) return Math.min(limit, (allocated?.postoperative ?? this.postoperative()) === 'xeloxHai' ? k + this.postoperativeHaiCycles() : k);
    for (let c = 1; c <= limit; c++) if (this.progression(c)) return c;
    return limit;
  }

  /** Whether the catheter occluded before calendar cycle `cycle`, `days` after its last flush. */
  thrombosis(cycle: number, days: number, riskAt28Days: number): boolean {
    return this.u('thrombosis', cycle) < thrombosisProbability(days, riskAt28Days);
  }
}
