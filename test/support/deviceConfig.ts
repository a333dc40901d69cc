/**
 * Device configurations for tests: the nominal port-ambulatory figures (docs/domain.md §2), as the
 * firmware is told them. Nominal, never plant truth.
 */
import type { DeviceConfig } from '../../hal/index.ts';

/**
 * Nominal port-ambulatory pump: 1 µL strokes, 20–1000 µL/h, 1–100 mL reservoir.
 * `reservoirReserveFraction` 0.02 is our default: it covers the ±2 % unit-to-unit stroke-volume
 * error of docs/domain.md §2, so a unit at the top of its tolerance does not run dry early.
 */
export const NOMINAL_PORT_CONFIG: DeviceConfig = Object.freeze({
  profileName: 'port-ambulatory (test nominal)',
  controlPeriodMs: 1000,
  strokeVolumeNl: 1000,
  encoderCountsPerStroke: 64,
  maxStrokesPerSecond: 20,
  rateRangeUlPerHour: Object.freeze({ min: 20, max: 1000 }),
  reservoirFillRangeMl: Object.freeze({ min: 1, max: 100 }),
  reservoirResidualUl: 500,
  reservoirReserveFraction: 0.02,
  reservoirLowAlertUl: 0,
  primingVolumeUl: 350,
  primedSetVolumeUl: 350,
  implantedDeadVolumeUl: 300,
  primeRateUlPerHour: 60_000,
  flushRateUlPerHour: 60_000,
  pressureRangeMmHg: Object.freeze({ min: -50, max: 1500 }),
  pressureNoiseSdMmHg: 1,
  pressureSampleRateHz: 50,
  pressureResolutionMmHg: 0.1,
  flowRangeUlPerHour: Object.freeze({ min: -500, max: 20_000 }),
  lineComplianceUlPerMmHg: 0.3,
  reservoirGaugeAccuracyMl: 0.5,
  reservoirGaugePeriodMs: 60_000,
  strokeVolumeBackPressureFractionPer100MmHg: 0,
  strokeVolumeTemperatureFractionPerC: 0,
  strokeVolumeReferenceTemperatureC: 32,
});

/** The nominal configuration with some figures replaced. */
export function deviceConfig(overrides: Partial<DeviceConfig> = {}): DeviceConfig {
  return Object.freeze({ ...NOMINAL_PORT_CONFIG, ...overrides });
}
