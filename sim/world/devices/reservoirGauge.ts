/**
 * The reservoir gauge: the volume left in the reservoir, sampled on the gauge's own period.
 *
 * Owns: how the reservoir's volume becomes a `ReservoirReading`: the unit's offset, noise,
 * quantisation, and the gauge's faults.
 * Promises: a read returns the newest sample of the gauge's period; its noise is a counter-based
 * normal of the sample's index (rng.ts `normalFromKey`); the offset is drawn once from the run's
 * device seed.
 */
import type { Clock, HalResult, ReservoirGauge, ReservoirReading } from '../../../hal/index.ts';
import { halError } from '../../../hal/index.ts';
import type { Plant } from '../plant/index.ts';
import type { DeviceProfile } from '../profile.ts';
import { noiseKey, normalFromKey, streamId } from '../rng.ts';
import type { SeededRandom } from '../rng.ts';
import { FaultableSensor, applySensorFault, corruptReading, quantise } from './readout.ts';

export class SimReservoirGauge extends FaultableSensor implements ReservoirGauge {
  private last: ReservoirReading | null = null;
  private readonly offsetMl: number;
  private readonly key: number;

  constructor(
    private readonly plant: Plant,
    private readonly clock: Clock,
    seed: number,
    private readonly spec: DeviceProfile['sensors']['reservoir'],
    draw: SeededRandom,
  ) {
    super();
    this.offsetMl = draw.uniform(-spec.offsetMaxMl, spec.offsetMaxMl);
    this.key = noiseKey(seed, streamId('reservoir'));
  }

  /** The gauge samples on its own period; a read returns the newest sample. */
  read(): HalResult<ReservoirReading> {
    const r = this.measure();
    // An `invalid` fault corrupts the reading on its way out, after the physics and any other fault.
    return this.invalidReading === null || !r.ok ? r : corruptReading(r, this.invalidReading);
  }

  private measure(): HalResult<ReservoirReading> {
    const now = this.clock.nowMs();
    const sampleAtMs = Math.floor(now / this.spec.periodMs) * this.spec.periodMs;
    if (this.last !== null && this.last.atMs === sampleAtMs) return this.last;
    const index = sampleAtMs / this.spec.periodMs;
    const z = normalFromKey(this.key, index);
    let ml = this.plant.reservoirVolumeUl / 1000 + this.offsetMl + this.spec.noiseSdMl * z;
    ml = applySensorFault(this.sensorFault, ml, this.last?.volumeMl ?? ml, now, z);
    if (Number.isNaN(ml)) return halError('disconnected', 'reservoir gauge not responding');
    this.last = { ok: true, atMs: sampleAtMs, volumeMl: Math.max(0, quantise(ml, this.spec.resolutionMl)) };
    return this.last;
  }
}
