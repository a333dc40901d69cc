/**
 * One cohort patient and their course: the unit of work of a cohort, in a worker thread or in-process.
 *
 * Owns: who a cohort patient is (`CohortPatient`), the seed protocol for them (`patientScenario`),
 * and turning a `CohortTask` into the patient's course summary.
 * Promises: the result depends only on the task (the patient's seed and characteristics), never
 * on which thread ran it or when.
 */
import type { Scenario, ScenarioInput } from '../scenario/scenario.ts';
import { parseScenario } from '../scenario/scenario.ts';
import { runCourse } from '../course/courseRunner.ts';
import type { CourseRunSummary } from '../course/courseRunner.ts';
import { loadRuleTable } from '../course/rules.ts';
import type { PostoperativePlan } from '../course/clinicalPath.ts';

export interface CohortPatient {
  readonly index: number;
  readonly seed: number;
  readonly age: number;
  readonly sex: 'male' | 'female';
  readonly ecog: number;
  readonly primarySite: string;
  readonly hepaticInvolvement: string;
  readonly lobarInvolvement: string;
  readonly lesions: string;
  readonly cea: string;
  readonly ldh: string;
  readonly weightKg: number;
  readonly heightCm: number;
  /** The course limit: cycles on the calendar at most. */
  readonly plannedCycles: number;
  /** The HAI cycles the clinical path gives the patient (an estimate of the course's cost). */
  readonly expectedHaiCycles: number;
  /** Allocated in the seed's proportions: converts to resectable, and what follows the operation. */
  readonly resectable: boolean;
  readonly postoperative: PostoperativePlan | null;
}

/** The seed protocol for one cohort patient. */
export function patientScenario(p: CohortPatient, profile = 'port-ambulatory'): Scenario {
  const input: ScenarioInput = {
    name: `cohort patient ${p.index + 1}`,
    seed: p.seed,
    patient: { weightKg: p.weightKg, heightCm: p.heightCm },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: profile.startsWith('implanted') ? 20 : 30 },
    device: { profile: profile as 'port-ambulatory' },
    course: { cycles: p.plannedCycles, cycleDays: 21 },
    adverseEvents: 'stochastic',
  };
  return parseScenario(input, `cohort patient ${p.index + 1}`);
}

/** One patient's task for a worker. */
export interface CohortTask {
  readonly patient: CohortPatient;
  readonly profile: string;
  readonly rulesPath?: string;
  readonly executor: 'pump' | 'nominal';
}

export function runCohortTask(task: CohortTask): CourseRunSummary {
  const scenario = patientScenario(task.patient, task.profile);
  const disease = { resectable: task.patient.resectable, postoperative: task.patient.postoperative };
  return runCourse({ scenario, rules: loadRuleTable(task.rulesPath), adverseEvents: 'stochastic', executor: task.executor, disease });
}
