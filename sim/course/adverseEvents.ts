/**
 * Stochastic adverse events: per-cycle hazards calibrated to the seed's reported rates.
 *
 * Owns: the targets (per-patient incidences from Int J Clin Exp Med 2015;8(1):1000-1008, n = 54),
 * the calibration itself, and the draws. The distribution of HAI cycles they are calibrated over
 * is the clinical path's (`haiCyclesPmf`, clinicalPath.ts).
 * Promises:
 * - Draws are counter-based (rng.ts): event kind k of cycle c of a patient is a pure function of
 *   (patient seed, k, c), so what happens in one cycle never shifts another cycle's draws, and a
 *   cycle that is held simply does not consult its draws.
 * - Hazards apply per infused cycle (the exposure is the HAI, not the calendar).
 * - Calibration is computed, not tuned by hand: for each event a constant hazard h per exposed
 *   cycle is found by bisection so that 1 − Σ_K P(K)·(1 − h)^exposed(K) equals the target, where
 *   K is the patient's total number of HAI cycles as the clinical path gives it (`haiCyclesPmf`).
 *   Holds and stops that the events cause shorten some courses a little; test/sim/course/adverseEvents.test.ts checks the simulated
 *   per-patient incidences against the targets over many patients.
 *
 * Modelling choices (defaults, not from the seed, stated so they can be argued with):
 * - Ulcers only in infused cycles 3–7 (the seed's range; its median, 5, follows), and with the
 *   ulcer comes the epigastric pain that leads to the endoscopy. After a reduction, a recurrence
 *   hazard of 0.1 per infused cycle (one of the seed's four reduced patients recurred).
 * - Extrahepatic perfusion raises the ulcer hazard: × (1 + 20 · f), f the share of the cycle's
 *   FUDR that reached an extrahepatic branch (plant truth).
 * - Epigastric pain without an ulcer: its hazard is calibrated so that pain from either cause
 *   reaches 14.8 % of patients (independence assumed between the two causes).
 * - Hepatotoxicity: grade 3 calibrated to 20.4 %; any grade to 66.7 %; a grade 1–2 episode is
 *   grade 2 with probability 0.4 (the seed gives only the sum, 46.3 %).
 * - Catheter displacement: its onset hour is drawn uniformly over the infusion (hours 6 to the
 *   end), and it is corrected radiologically 24 h later.
 */
import { noiseKey, streamId, uniformFromKey } from '../world/rng.ts';
import type { ClinicalEventKind } from '../scenario/course.ts';
import { haiCyclesPmf } from './clinicalPath.ts';

const SEED_PATIENTS = 54;

export interface IncidenceTarget {
  /** Per-patient incidence over the course. */
  readonly incidence: number;
  /** First and last infused cycle (1-based) the hazard applies in; null: no end. */
  readonly fromInfusedCycle: number;
  readonly untilInfusedCycle: number | null;
  readonly source: string;
}

export const INCIDENCE_TARGETS = Object.freeze({
  ulcer: { incidence: 4 / SEED_PATIENTS, fromInfusedCycle: 3, untilInfusedCycle: 7, source: 'GI ulcerations confirmed by endoscopy in 4 patients (7.4 %) after a median of 5 (range 3–7) cycles' },
  epigastricPain: { incidence: 8 / SEED_PATIENTS, fromInfusedCycle: 1, untilInfusedCycle: null, source: 'grade 3–4 epigastric pain in 8 patients (14.8 %)' },
  hepatotoxicityGrade3: { incidence: 11 / SEED_PATIENTS, fromInfusedCycle: 1, untilInfusedCycle: null, source: 'grade 3 ALT/AST elevation in 11 patients (20.4 %)' },
  hepatotoxicityAny: { incidence: 36 / SEED_PATIENTS, fromInfusedCycle: 1, untilInfusedCycle: null, source: 'ALT/AST elevation in 36 patients (66.7 %): grade 1–2 in 25, grade 3 in 11' },
  catheterDisplacement: { incidence: 2 / SEED_PATIENTS, fromInfusedCycle: 1, untilInfusedCycle: null, source: 'catheter displacement in 2 patients (3.7 %)' },
  portInfection: { incidence: 4 / SEED_PATIENTS, fromInfusedCycle: 1, untilInfusedCycle: null, source: 'infection at the port site requiring debridement in 4 patients (7.4 %)' },
} satisfies Record<string, IncidenceTarget>);

export const ULCER_RECURRENCE_PER_CYCLE = 0.1;
export const ULCER_RELATIVE_RISK_PER_EXTRAHEPATIC_FRACTION = 20;
export const HEPATOTOXICITY_GRADE2_SHARE = 0.4;
export const DISPLACEMENT_CORRECTION_HOURS = 24;

function exposedCycles(k: number, t: IncidenceTarget): number {
  const last = t.untilInfusedCycle === null ? k : Math.min(k, t.untilInfusedCycle);
  return Math.max(0, last - t.fromInfusedCycle + 1);
}

/** Per-patient incidence a per-cycle hazard gives over the distribution of HAI cycles. */
export function incidenceForHazard(hazard: number, t: IncidenceTarget, pmf: ReadonlyMap<number, number> = haiCyclesPmf()): number {
  let none = 0;
  for (const [k, p] of pmf) none += p * (1 - hazard) ** exposedCycles(k, t);
  return 1 - none;
}

/** The per-cycle hazard whose incidence is `t.incidence` (bisection to 1e-12). */
export function calibrateHazard(t: IncidenceTarget, pmf: ReadonlyMap<number, number> = haiCyclesPmf()): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (incidenceForHazard(mid, t, pmf) < t.incidence) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface Hazards {
  readonly ulcer: number;
  readonly ulcerRecurrence: number;
  readonly painWithoutUlcer: number;
  readonly hepatotoxicityGrade3: number;
  readonly hepatotoxicityAny: number;
  readonly catheterDisplacement: number;
  readonly portInfection: number;
}

/** The calibrated per-infused-cycle hazards. */
export function calibratedHazards(): Hazards {
  const pmf = haiCyclesPmf();
  const T = INCIDENCE_TARGETS;
  const painOnly: IncidenceTarget = { ...T.epigastricPain, incidence: 1 - (1 - T.epigastricPain.incidence) / (1 - T.ulcer.incidence) };
  return Object.freeze({
    ulcer: calibrateHazard(T.ulcer, pmf),
    ulcerRecurrence: ULCER_RECURRENCE_PER_CYCLE,
    painWithoutUlcer: calibrateHazard(painOnly, pmf),
    hepatotoxicityGrade3: calibrateHazard(T.hepatotoxicityGrade3, pmf),
    hepatotoxicityAny: calibrateHazard(T.hepatotoxicityAny, pmf),
    catheterDisplacement: calibrateHazard(T.catheterDisplacement, pmf),
    portInfection: calibrateHazard(T.portInfection, pmf),
  });
}

export const HAZARDS: Hazards = calibratedHazards();

/** A stochastic event as the clinician layer receives it. */
export interface DrawnEvent {
  readonly kind: Exclude<ClinicalEventKind, 'resectable' | 'catheterThrombosis'>;
  readonly grade?: number;
}

/** The patient's own draws, one stream per event kind, indexed by calendar cycle. */
export class PatientDraws {
  private readonly keys: Record<string, number>;

  constructor(readonly patientSeed: number) {
    const k = (name: string): number => noiseKey(patientSeed, streamId(`adverse.${name}`));
    this.keys = {
      ulcer: k('ulcer'),
      pain: k('pain'),
      hepatotoxicity: k('hepatotoxicity'),
      hepatotoxicityGrade: k('hepatotoxicity.grade'),
      displacement: k('displacement'),
      displacementHour: k('displacement.hour'),
      portInfection: k('portInfection'),
    };
  }

  private u(name: string, cycle: number): number {
    return uniformFromKey(this.keys[name] as number, cycle);
  }

  /**
   * Whether the catheter is displaced during calendar cycle `cycle` (the `infusedIndex`-th infused
   * one), and when: hours after day 1, uniform over hours 6 to the end of the infusion.
   */
  displacement(cycle: number, infusionHours: number, hazards: Hazards = HAZARDS): { atHours: number } | null {
    if (this.u('displacement', cycle) >= hazards.catheterDisplacement) return null;
    const from = Math.min(6, infusionHours / 2);
    return { atHours: Math.round((from + this.u('displacementHour', cycle) * (infusionHours - from)) * 100) / 100 };
  }

  /**
   * Events that show at the visit after the `infusedIndex`-th infused cycle (calendar `cycle`).
   * `extrahepaticFraction`: share of the cycle's FUDR that reached an extrahepatic branch;
   * `reducedAfterUlcer`: the patient had an ulcer and was reduced (recurrence hazard applies).
   */
  afterInfusion(cycle: number, infusedIndex: number, extrahepaticFraction: number, reducedAfterUlcer: boolean, hazards: Hazards = HAZARDS): DrawnEvent[] {
    const events: DrawnEvent[] = [];
    const t = INCIDENCE_TARGETS.ulcer;
    const inWindow = infusedIndex >= t.fromInfusedCycle && (t.untilInfusedCycle === null || infusedIndex <= t.untilInfusedCycle);
    const base = reducedAfterUlcer ? hazards.ulcerRecurrence : inWindow ? hazards.ulcer : 0;
    const ulcerHazard = Math.min(1, base * (1 + ULCER_RELATIVE_RISK_PER_EXTRAHEPATIC_FRACTION * Math.max(0, extrahepaticFraction)));
    const ulcer = this.u('ulcer', cycle) < ulcerHazard;
    if (ulcer || this.u('pain', cycle) < hazards.painWithoutUlcer) events.push({ kind: 'epigastricPain', grade: 3 });
    if (ulcer) events.push({ kind: 'ulcer' });
    const h = this.u('hepatotoxicity', cycle);
    if (h < hazards.hepatotoxicityGrade3) events.push({ kind: 'hepatotoxicity', grade: 3 });
    else if (h < hazards.hepatotoxicityAny) events.push({ kind: 'hepatotoxicity', grade: this.u('hepatotoxicityGrade', cycle) < HEPATOTOXICITY_GRADE2_SHARE ? 2 : 1 });
    if (this.u('portInfection', cycle) < hazards.portInfection) events.push({ kind: 'portInfection' });
    return events;
  }
}
