/**
 * What the detectors are given each period: the readings, and the static figures they judge them by.
 *
 * Owns: the readings record and the detector configuration derived from the device configuration.
 * Promises: `detectorConfig` is built once per device configuration, not per period.
 */
import type { AirReading, TemperatureReading, DeviceConfig, FlowReading, HalResult, PowerReading, PressureReading, ReservoirReading } from '../hal/index.ts';
import type { PressureThresholds } from './detectors/thresholds.ts';
import { THRESHOLDS, pressureThresholds } from './detectors/thresholds.ts';

/**
 * One period's readings. Pressure is read every period; the slower sensors are read on their own
 * cadence (see `SENSOR_READ_PERIODS_MS` in the runtime) and are `null` in the periods between.
 */
export interface DetectorReadings {
  readonly pressure: HalResult<PressureReading>;
  readonly flow: HalResult<FlowReading> | null;
  readonly reservoir: HalResult<ReservoirReading> | null;
  readonly power: HalResult<PowerReading> | null;
  /** The air-in-line detector, read with the flow sensor (absent or null in the periods between). */
  readonly air?: HalResult<AirReading> | null;
  /** The temperature sensor, read with the gauge and the battery (absent or null in the periods between). */
  readonly temperature?: HalResult<TemperatureReading> | null;
}

/** Static figures the detectors compare against (from the device configuration); built once. */
export interface DetectorConfig {
  readonly periodMs: number;
  readonly strokeVolumeUl: number;
  readonly pressureRangeMmHg: { readonly min: number; readonly max: number };
  readonly flowRangeUlPerHour: { readonly min: number; readonly max: number };
  readonly reservoirResidualUl: number;
  readonly reservoirLowAlertUl: number;
  /** The stroke-rise rule's highest compliance: the product's 1 µL/mmHg, or the told one where more (thresholds.ts). */
  readonly maxPlausibleComplianceUlPerMmHg: number;
  /** The pressure thresholds that depend on the front-end's noise, from its datasheet figures. */
  readonly pressure: PressureThresholds;
}

export function detectorConfig(config: DeviceConfig): DetectorConfig {
  const frontEnd = { noiseSdMmHg: config.pressureNoiseSdMmHg, sampleRateHz: config.pressureSampleRateHz, resolutionMmHg: config.pressureResolutionMmHg };
  const maxPlausibleComplianceUlPerMmHg = Math.max(THRESHOLDS.maxPlausibleComplianceUlPerMmHg, config.lineComplianceUlPerMmHg);
  return {
    periodMs: config.controlPeriodMs,
    strokeVolumeUl: config.strokeVolumeNl / 1000,
    pressureRangeMmHg: config.pressureRangeMmHg,
    flowRangeUlPerHour: config.flowRangeUlPerHour,
    reservoirResidualUl: config.reservoirResidualUl,
    reservoirLowAlertUl: config.reservoirLowAlertUl,
    maxPlausibleComplianceUlPerMmHg,
    pressure: pressureThresholds(frontEnd, config.strokeVolumeNl / 1000, maxPlausibleComplianceUlPerMmHg),
  };
}
