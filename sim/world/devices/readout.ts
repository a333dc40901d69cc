/**
 * What every sensor model shares between its physics and what it reports.
 *
 * Owns: the sensor-fault modes and how a fault changes a value; quantisation to a resolution.
 * Promises: a sensor fault acts on the reading only, after the physics, so the plant's truth is
 * never corrupted by a broken sensor. A sensor takes its fault through `setFault` (`FaultableSensor`).
 */

const MS_PER_DAY = 86_400_000;

export function quantise(x: number, step: number): number {
  return Math.round(x / step) * step;
}

export type SensorFaultMode = 'stuck' | 'drift' | 'noise' | 'dropout' | 'offset';

/** A sensor fault as the device model applies it. `magnitude` is in the sensor's unit (per day for drift). */
export interface SensorFault {
  readonly mode: SensorFaultMode;
  readonly magnitude: number;
  readonly sinceMs: number;
}

/** Applies a sensor fault to a value. Returns NaN for a dropout (no reading). */
export function applySensorFault(fault: SensorFault | null, value: number, stuckValue: number, nowMs: number, noise: number): number {
  if (fault === null) return value;
  switch (fault.mode) {
    case 'stuck':
      return stuckValue;
    case 'drift':
      return value + (fault.magnitude * (nowMs - fault.sinceMs)) / MS_PER_DAY;
    case 'noise':
      return value + fault.magnitude * noise;
    case 'dropout':
      return NaN;
    case 'offset':
      return value + fault.magnitude;
  }
}

/** A sensor that can be given a fault; the fault acts on its readings from then on. */
export abstract class FaultableSensor {
  protected sensorFault: SensorFault | null = null;

  /** A sensor fault from now on (null: the sensor works again). */
  setFault(fault: SensorFault | null): void {
    this.sensorFault = fault;
  }
}
