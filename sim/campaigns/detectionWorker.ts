/**
 * Worker entry for the detection report: runs one task in a worker thread (piscina).
 * Owns nothing; promises the same result as running the task in the main thread.
 */
import { runDetectionTask } from './detection.ts';

export default runDetectionTask;
