/**
 * One cohort patient's course, run in a worker thread (piscina) or in-process.
 *
 * Owns: turning a `CohortTask` into the patient's course summary.
 * Promises: the result depends only on the task (the patient's seed and characteristics), never
 * on which thread ran it or when.
 */
import { runCourse } from '../course/courseRunner.ts';
import type { CourseRunSummary } from '../course/courseRunner.ts';
import type { CohortTask } from './cohort.ts';
import { patientScenario } from './cohort.ts';
import { loadRuleTable } from '../course/rules.ts';

export function runCohortTask(task: CohortTask): CourseRunSummary {
  const scenario = patientScenario(task.patient, task.profile);
  return runCourse({ scenario, rules: loadRuleTable(task.rulesPath), adverseEvents: 'stochastic', executor: task.executor });
}

export default function cohortWorker(task: CohortTask): CourseRunSummary {
  return runCohortTask(task);
}
