/**
 * Unintended bolus: volume leaving the catheter above the programmed profile.
 *
 * Owns: the largest excess, in any window of `windowSamples` sample periods (5 minutes at the
 * simulation's 10 s), of the volume out of the path (to the artery, extrahepatic branch, pocket
 * and leak) over the volume the firmware's schedule called for at nominal stroke volume.
 * Promises: a sample costs a constant amount whatever the window; the maximum only grows.
 */
export class UnintendedBolus {
  /** The last `windowSamples + 1` excesses, in a ring: the oldest is the first until the ring is full, then the slot written next. */
  private readonly ring: Float64Array;
  private next = 0;
  private count = 0;
  private maxExcessUl = 0;

  constructor(windowSamples: number) {
    this.ring = new Float64Array(windowSamples + 1);
  }

  /** One sample: what has left the path so far, and what the schedule called for so far, µL. */
  sample(outletUl: number, scheduledUl: number): void {
    const ring = this.ring;
    ring[this.next] = outletUl - scheduledUl;
    this.next = this.next + 1 === ring.length ? 0 : this.next + 1;
    if (this.count < ring.length) this.count++;
    const oldest = ring[this.count < ring.length ? 0 : this.next] as number;
    const excess = outletUl - scheduledUl - oldest;
    if (excess > this.maxExcessUl) this.maxExcessUl = excess;
  }

  /** The largest excess seen in any window, µL (0 when none). */
  get maxUl(): number {
    return this.maxExcessUl;
  }
}
