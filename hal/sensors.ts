/**
 * Sensor interfaces: downstream pressure (the occlusion sensor), thermal flow sensor, reservoir
 * level gauge, power/battery monitor, air-in-line detector, temperature sensor.
 *
 * Owns: the shape of every reading the firmware can see.
 * Promises: each reading is an immutable snapshot carrying the time it was taken (`atMs`, on the
 * device clock) and its units in every field name. Sensors with a front-end report features of
 * the window since the previous read (`windowMs`), as real DSP front-ends do (docs/domain.md §5), so a
 * 50 Hz waveform never has to cross this boundary. Valid ranges are part of `DeviceConfig`.
 */
import type { HalResult } from './result.ts';

/**
 * The pressure front-end's cardiac band: a first-order high-pass at `lowHz` (it removes the
 * mean, respiration and posture) in series with a first-order low-pass at `highHz` (it removes the
 * stroke steps' edges and sampling noise). `cardiacAmplitudeMmHg` is the amplitude of what passes
 * it: a component at f Hz reaches it scaled by `cardiacBandGain(f)`.
 */
export const CARDIAC_BAND = Object.freeze({ lowHz: 0.7, highHz: 3 });

/** |H(f)| of the cardiac band: (f/f_low)/√(1 + (f/f_low)²) · 1/√(1 + (f/f_high)²). */
export function cardiacBandGain(frequencyHz: number): number {
  const h = frequencyHz / CARDIAC_BAND.lowHz;
  const l = frequencyHz / CARDIAC_BAND.highHz;
  return h / Math.sqrt(1 + h * h) / Math.sqrt(1 + l * l);
}

/** Features of the downstream pressure waveform over the window since the previous read. */
export interface PressureReading {
  readonly ok: true;
  readonly atMs: number;
  readonly windowMs: number;
  readonly sampleCount: number;
  /** Mean of the samples in the window. */
  readonly meanMmHg: number;
  readonly minMmHg: number;
  readonly maxMmHg: number;
  /** Amplitude (half peak-to-peak) of the cardiac band (`CARDIAC_BAND`, 0.7–3 Hz), seen at the pump. */
  readonly cardiacAmplitudeMmHg: number;
}

export interface PressureSensor {
  read(): HalResult<PressureReading>;
}

/** Thermal flow sensor at the pump outlet: mean flow over the window since the previous read. */
export interface FlowReading {
  readonly ok: true;
  readonly atMs: number;
  readonly windowMs: number;
  readonly meanFlowUlPerHour: number;
}

export interface FlowSensor {
  read(): HalResult<FlowReading>;
}

/** Reservoir level gauge; samples on its own period (one a minute by default), `atMs` tells its age. */
export interface ReservoirReading {
  readonly ok: true;
  readonly atMs: number;
  readonly volumeMl: number;
}

export interface ReservoirGauge {
  read(): HalResult<ReservoirReading>;
}

export interface PowerReading {
  readonly ok: true;
  readonly atMs: number;
  readonly batteryPercent: number;
  readonly externalPower: boolean;
}

export interface PowerMonitor {
  read(): HalResult<PowerReading>;
}

/** Ultrasonic air-in-line detector at the pump outlet: the air that passed it in the window since the previous read. */
export interface AirReading {
  readonly ok: true;
  readonly atMs: number;
  readonly windowMs: number;
  readonly airUl: number;
}

export interface AirSensor {
  read(): HalResult<AirReading>;
}

/** The device's internal temperature (drive and electronics), °C. */
export interface TemperatureReading {
  readonly ok: true;
  readonly atMs: number;
  readonly celsius: number;
}

export interface TemperatureSensor {
  read(): HalResult<TemperatureReading>;
}
