/**
 * Pump drive: a positive-displacement mechanism commanded in whole strokes.
 *
 * Owns: the only way fluid moves.
 * Promises: `stroke(count)` runs up to `count` strokes now and reports the drive's own feedback,
 * the encoder counts it saw; the firmware judges from them how many strokes really completed (a
 * stalled drive returns no counts). `retract(count)` runs the mechanism back by up to `count`
 * strokes, with the same feedback: the pressure relief after a downstream occlusion (GIP 1.10.6),
 * which draws what the line stores back into the pump. The drive never delivers in reverse
 * (GIP 1.8.1): a retraction moves fluid from the line towards the source, only as far as the
 * firmware's relief bound allows (firmware/relief.ts).
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
  retract(count: number): HalResult<StrokeFeedback>;
}
