/**
 * What every sensor model shares between its physics and what it reports.
 *
 * Owns: the sensor-fault modes and how a fault changes a value; the invalid values an `invalid`
 * fault puts into a reading's field; quantisation to a resolution.
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

/** The impossible values an `invalid` sensor fault puts into a reading's field. */
export const INVALID_VALUES = ['NaN', 'Infinity', '-Infinity', 'negative', 'outOfRange'] as const;
export type InvalidValue = (typeof INVALID_VALUES)[number];

/**
 * A reading that breaks its own contract: `field` replaced by an impossible value, as a failing
 * front-end, a corrupted bus transfer or a firmware bug upstream would deliver it.
 */
export interface InvalidReading {
  readonly field: string;
  readonly value: InvalidValue;
}

/**
 * The number an invalid value stands for, given the field's true value: `negative` is the true
 * value's magnitude plus one, negated (below zero whatever the field held); `outOfRange` is 1e9 in
 * the field's unit, beyond every range a reading may have.
 */
export function invalidNumber(value: InvalidValue, trueValue: number): number {
  switch (value) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case 'negative':
      return -Math.abs(trueValue) - 1;
    case 'outOfRange':
      return 1e9;
  }
}

/** `reading` with its `field` made invalid (a new object; the device's own record is untouched). */
export function corruptReading<T extends object>(reading: T, invalid: InvalidReading): T {
  const trueValue = (reading as Record<string, unknown>)[invalid.field];
  return { ...reading, [invalid.field]: invalidNumber(invalid.value, typeof trueValue === 'number' ? trueValue : 0) };
}

/** A sensor that can be given a fault; the fault acts on its readings from then on. */
export abstract class FaultableSensor {
  protected sensorFault: SensorFault | null = null;
  /** Readings with a field made invalid (an `invalid` sensor fault), or null. */
  protected invalidReading: InvalidReading | null = null;

  /** A sensor fault from now on (null: the sensor works again). */
  setFault(fault: SensorFault | null): void {
    this.sensorFault = fault;
  }

  /** Invalid readings from now on (null: valid again). */
  setInvalid(invalid: InvalidReading | null): void {
    this.invalidReading = invalid;
  }
}
