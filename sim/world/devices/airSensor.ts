/**
 * The air-in-line detector: an ultrasonic sensor on the line at the pump outlet.
 *
 * Owns: the bubbles that entered the line (an `airInLine` fault) and have not yet passed the
 * sensor.
 * Promises: a bubble passes the sensor with the first stroke after it entered (the drive pushes
 * it out of the pump head), and the next read reports it, whole, once; without bubbles every read
 * reports 0 µL. Air is not fluid: it changes no volume or dose the plant accounts.
 */
import type { AirReading, AirSensor, Clock, HalResult } from '../../../hal/index.ts';
import type { Plant } from '../plant/index.ts';

export class SimAirSensor implements AirSensor {
  private readonly pending: { volumeUl: number; strokesAtEntry: number }[] = [];
  private lastReadMs = 0;

  constructor(
    private readonly plant: Plant,
    private readonly clock: Clock,
  ) {}

  /** A bubble of `volumeUl` enters the line at the pump now. */
  inject(volumeUl: number): void {
    this.pending.push({ volumeUl, strokesAtEntry: this.plant.strokesDelivered });
  }

  read(): HalResult<AirReading> {
    const now = this.clock.nowMs();
    let airUl = 0;
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const b = this.pending[i] as { volumeUl: number; strokesAtEntry: number };
      if (this.plant.strokesDelivered > b.strokesAtEntry) {
        airUl += b.volumeUl;
        this.pending.splice(i, 1);
      }
    }
    const windowMs = Math.max(1, now - this.lastReadMs);
    this.lastReadMs = now;
    return { ok: true, atMs: now, windowMs, airUl };
  }
}
