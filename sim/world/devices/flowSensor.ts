/**
 * The flow sensor: the mean flow over the window since its last read.
 *
 * Owns: how pumped volume becomes a `FlowReading`: the unit's gain, offset and drift, noise that
 * shrinks with the window as 1/√(window), quantisation, and the flow sensor's faults.
 * Promises: the noise is a counter-based normal of the read's whole second (rng.ts
 * `normalFromKey`), so a reading depends only on (seed, time, plant); the unit's figures are drawn
 * once from the run's device seed (docs/domain.md §2).
 */
import type { Clock, FlowReading, FlowSensor, HalResult } from '../../../hal/index.ts';
import { halError } from '../../../hal/index.ts';
import type { Plant } from '../plant/index.ts';
import type { DeviceProfile } from '../profile.ts';
import { noiseKey, normalFromKey, streamId } from '../rng.ts';
import type { SeededRandom } from '../rng.ts';
import { FaultableSensor, applySensorFault, corruptReading, quantise } from './readout.ts';

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

export class SimFlowSensor extends FaultableSensor implements FlowSensor {
  private lastReadMs = 0;
  private lastPumpedUl = 0;
  private lastValue = 0;
  private readonly offsetUlPerHour: number;
  private readonly gain: number;
  private readonly driftUlPerHourPerDay: number;
  private readonly key: number;

  constructor(
    private readonly plant: Plant,
    private readonly clock: Clock,
    seed: number,
    private readonly spec: DeviceProfile['sensors']['flow'],
    draw: SeededRandom,
  ) {
    super();
    this.offsetUlPerHour = draw.uniform(-spec.offsetMaxUlPerHour, spec.offsetMaxUlPerHour);
    this.gain = 1 + draw.uniform(-spec.gainErrorMax, spec.gainErrorMax);
    this.driftUlPerHourPerDay = draw.uniform(-spec.driftMaxUlPerHourPerDay, spec.driftMaxUlPerHourPerDay);
    this.key = noiseKey(seed, streamId('flow'));
  }

  read(): HalResult<FlowReading> {
    const r = this.measure();
    // An `invalid` fault corrupts the reading on its way out, after the physics and any other fault.
    return this.invalidReading === null || !r.ok ? r : corruptReading(r, this.invalidReading);
  }

  private measure(): HalResult<FlowReading> {
    const t1 = this.clock.nowMs();
    const windowMs = t1 - this.lastReadMs;
    if (windowMs <= 0) return halError('stale', 'flow window empty');
    const pumped = this.plant.cumulativePumpedUl;
    const trueUlPerHour = ((pumped - this.lastPumpedUl) * MS_PER_HOUR) / windowMs;
    this.lastReadMs = t1;
    this.lastPumpedUl = pumped;
    const spec = this.spec;
    const z = normalFromKey(this.key, Math.round(t1 / 1000));
    let value =
      trueUlPerHour * this.gain +
      this.offsetUlPerHour +
      (this.driftUlPerHourPerDay * t1) / MS_PER_DAY +
      (spec.noiseSdUlPerHourAt1Hz * z) / Math.sqrt(windowMs / 1000);
    value = applySensorFault(this.sensorFault, value, this.lastValue, t1, z);
    if (Number.isNaN(value)) return halError('disconnected', 'flow sensor not responding');
    this.lastValue = value;
    return { ok: true, atMs: t1, windowMs, meanFlowUlPerHour: quantise(value, spec.resolutionUlPerHour) };
  }
}
