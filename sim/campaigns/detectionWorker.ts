/**
 * Worker entry for the detection report: runs one case in a worker thread (piscina).
 * Owns nothing; promises the same result as running the case in the main thread.
 */
import type { DetectionCase, DetectionResult, NominalCase, NominalResult } from './detection.ts';
import { runDetectionCase, runNominalCase } from './detection.ts';

export type DetectionTask = { readonly type: 'fault'; readonly c: DetectionCase } | { readonly type: 'nominal'; readonly c: NominalCase };

export default function run(task: DetectionTask): DetectionResult | NominalResult {
  return task.type === 'fault' ? runDetectionCase(task.c) : runNominalCase(task.c);
}
