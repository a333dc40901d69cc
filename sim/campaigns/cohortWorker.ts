/**
 * Worker entry for the cohort: runs one patient's course in a worker thread (piscina).
 * Owns nothing; promises the same result as `runCohortTask` (cohortTask.ts) in the main thread.
 */
import { runCohortTask } from './cohortTask.ts';

export default runCohortTask;
