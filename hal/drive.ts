/**
 * Pump drive: a positive-displacement mechanism commanded in whole strokes.
 *
 * Owns: the only way fluid moves.
 * Promises: `stroke(count)` runs up to `count` strokes now and reports the drive's own feedback,
 * the encoder counts it saw; the firmware judges from them how many strokes really completed (a
 * stalled drive returns no counts). The drive never reverses (GIP 1.8.1).
 */
import type { HalResult } from './result.ts';

export interface StrokeFeedback {
  readonly ok: true;
  readonly atMs: number;
  readonly strokesCommanded: number;
  readonly encoderCounts: number;
}

export interface PumpDrive {
  stroke(count: number): HalResult<StrokeFeedback>;
}
