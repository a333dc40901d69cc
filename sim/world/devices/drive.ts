/**
 * The pump drive: commanded strokes applied to the plant, with the encoder's feedback.
 *
 * Owns: turning a stroke command into plant strokes at the current time, and the encoder counts.
 * Promises: a stalled stroke gives no encoder counts; a stroke that turns the motor gives the
 * profile's counts per stroke, whether or not fluid moved (a dry source). An `invalid` sensor
 * fault on `encoder` corrupts one field of the feedback, never the strokes the plant made.
 * Unpowered (a power cut inside a flash write, until the firmware is off), the motor does not turn.
 */
import type { Clock, HalResult, PumpDrive, StrokeFeedback } from '../../../hal/index.ts';
import type { Plant } from '../plant/index.ts';
import type { InvalidReading } from './readout.ts';
import { corruptReading } from './readout.ts';

export class SimDrive implements PumpDrive {
  private invalidReading: InvalidReading | null = null;

  constructor(
    private readonly plant: Plant,
    private readonly clock: Clock,
    private readonly encoderCountsPerStroke: number,
  ) {}

  powered = true;

  /** Invalid encoder feedback from now on (an `invalid` sensor fault on `encoder`; null: valid again). */
  setInvalid(invalid: InvalidReading | null): void {
    this.invalidReading = invalid;
  }

  stroke(count: number): HalResult<StrokeFeedback> {
    return this.run(count, false);
  }

  /** Runs the head back `count` strokes (pressure relief): the same encoder feedback as a stroke. */
  retract(count: number): HalResult<StrokeFeedback> {
    return this.run(count, true);
  }

  private run(count: number, back: boolean): HalResult<StrokeFeedback> {
    if (!Number.isInteger(count) || count < 0) throw new Error(`${back ? 'retract' : 'stroke'} count must be a non-negative integer, got ${count}`);
    const now = this.clock.nowMs();
    if (!this.powered) return { ok: true, atMs: now, strokesCommanded: count, encoderCounts: 0 };
    this.plant.advanceTo(now);
    let counts = 0;
    for (let i = 0; i < count; i++) {
      // A stalled mechanism does not turn: the encoder sees nothing for that stroke.
      if ((back ? this.plant.retract() : this.plant.stroke()) >= 0) counts += this.encoderCountsPerStroke;
    }
    const feedback: StrokeFeedback = { ok: true, atMs: now, strokesCommanded: count, encoderCounts: counts };
    return this.invalidReading === null ? feedback : corruptReading(feedback, this.invalidReading);
  }
}
