/**
 * The drive detector: strokes the encoder did not see (MOTOR_STALL), and the stroke clock the
 * occlusion detector reads.
 *
 * Owns: `DriveDetector`, `StrokeCount` and how the drive's answer to a stroke command moves them.
 * Promises: pure; a group that does not change is handed back as the same object.
 */

export interface DriveDetector {
  /** Commanded strokes in a row that the encoder did not see. */
  readonly missedStrokes: number;
}

/**
 * Completed strokes since boot (all phases): the occlusion detector's stroke clock. A tracker that
 * moves with every stroke, kept out of `drive`, which an alarm condition reads (a group that
 * changed at every stroke would have the alarm table re-evaluated at every stroke for nothing).
 */
export interface StrokeCount {
  readonly strokesCompleted: number;
}

export const DRIVE_RESET: DriveDetector = { missedStrokes: 0 };

/** Missed strokes accumulate until a stroke completes. */
export function driveAfterStrokes(dr: DriveDetector, commanded: number, completed: number): DriveDetector {
  const missed = commanded - completed;
  const missedStrokes = missed > 0 ? dr.missedStrokes + missed : completed > 0 ? 0 : dr.missedStrokes;
  return missedStrokes === dr.missedStrokes ? dr : { missedStrokes };
}

export function strokesAfter(c: StrokeCount, completed: number): StrokeCount {
  return completed === 0 ? c : { strokesCompleted: c.strokesCompleted + completed };
}
