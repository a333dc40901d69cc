/**
 * The power monitor: the battery's state of charge.
 *
 * Owns: the battery model — a drain per day, a drain per stroke, and the extra drain of a
 * battery-depletion fault.
 * Promises: the charge never rises (but when a dead-cell fault ends) and never goes below 0 %; a reading is whole percent, and the
 * same reading object comes back while the percentage holds (an `invalid` fault hands out a
 * corrupted copy instead).
 */
import type { Clock, HalResult, PowerMonitor, PowerReading } from '../../../hal/index.ts';
import type { Plant } from '../plant/index.ts';
import type { DeviceProfile } from '../profile.ts';
import type { InvalidReading } from './readout.ts';
import { corruptReading } from './readout.ts';

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

export class SimPowerMonitor implements PowerMonitor {
  private extraDrainPercent = 0;
  private extraDrainPercentPerHour = 0;
  private extraDrainSinceMs = 0;
  private last: PowerReading | null = null;
  private invalidReading: InvalidReading | null = null;
  /** A dead cell (a `selfTestFailure` fault on `battery`): the charge reads 0 %. */
  private flat = false;

  constructor(
    private readonly plant: Plant,
    private readonly clock: Clock,
    private readonly spec: DeviceProfile['battery'],
  ) {}

  /** A battery-depletion fault: extra drain from now on (0 ends it; what was drained stays drained). */
  setExtraDrain(percentPerHour: number): void {
    const now = this.clock.nowMs();
    this.extraDrainPercent += (this.extraDrainPercentPerHour * (now - this.extraDrainSinceMs)) / MS_PER_HOUR;
    this.extraDrainPercentPerHour = percentPerHour;
    this.extraDrainSinceMs = now;
  }

  /** A dead cell from now on (false: the battery as its drain leaves it). */
  setFlat(flat: boolean): void {
    this.flat = flat;
  }

  batteryPercent(): number {
    if (this.flat) return 0;
    const now = this.clock.nowMs();
    const days = now / MS_PER_DAY;
    const extra = this.extraDrainPercent + (this.extraDrainPercentPerHour * (now - this.extraDrainSinceMs)) / MS_PER_HOUR;
    return Math.max(0, 100 - this.spec.drainPercentPerDay * days - this.spec.drainPercentPerStroke * this.plant.strokesDelivered - extra);
  }

  /**
   * Minutes until the charge falls below \`percent\` at the drain of now, with \`strokesPerHour\`
   * strokes an hour (the truth beside the firmware's battery time remaining); 0 when it is already.
   */
  minutesUntilPercent(percent: number, strokesPerHour: number): number {
    const charge = this.batteryPercent();
    if (charge <= percent) return 0;
    const perHour = this.spec.drainPercentPerDay / 24 + this.spec.drainPercentPerStroke * strokesPerHour + (this.flat ? 0 : this.extraDrainPercentPerHour);
    return perHour > 0 ? ((charge - percent) / perHour) * 60 : Infinity;
  }

  /** Invalid readings from now on (an `invalid` sensor fault; null: valid again). */
  setInvalid(invalid: InvalidReading | null): void {
    this.invalidReading = invalid;
  }

  read(): HalResult<PowerReading> {
    const r = this.measure();
    return this.invalidReading === null ? r : corruptReading(r, this.invalidReading);
  }

  private measure(): PowerReading {
    const percent = Math.floor(this.batteryPercent());
    const now = this.clock.nowMs();
    if (this.last !== null && this.last.batteryPercent === percent) return this.last;
    this.last = { ok: true, atMs: now, batteryPercent: percent, externalPower: false };
    return this.last;
  }
}
