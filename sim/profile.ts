/**
 * Device profiles: every modelling default of one device configuration, in one object.
 *
 * Owns: the figures of DOMAIN.md §2 (stroke volume and its errors, compliance, resistance, dead
 * volumes, arterial back-pressure, sensor noise/offset/resolution/rates, battery) and the nominal
 * `DeviceConfig` the firmware is given. A second profile is a second object of the same type.
 * Promises: `firmwareConfig` holds nominal figures only; per-unit truths (actual stroke volume,
 * sensor offsets) are drawn from the run's seed on the plant side and never reach the firmware.
 */
import type { DeviceConfig } from '../hal/index.ts';

export type PathLocation = 'line' | 'needle' | 'port' | 'catheter';

export interface DeviceProfile {
  readonly name: string;
  readonly description: string;
  readonly firmwareConfig: DeviceConfig;
  readonly mechanism: {
    readonly strokeVolumeUl: number;
    /** Unit-to-unit error, uniform in ±this fraction, drawn once per device. */
    readonly unitErrorFraction: number;
    /** Stroke-to-stroke error, uniform in ±this fraction, drawn per stroke. */
    readonly strokeErrorFraction: number;
    readonly encoderCountsPerStroke: number;
  };
  readonly path: {
    /** Volumes of each segment, pump to artery. line + needle is the set the prime fills. */
    readonly volumeUl: Readonly<Record<PathLocation, number>>;
    readonly lineComplianceUlPerMmHg: number;
    /** Share of the compliance upstream of a blockage at each location (the rest relaxes to the artery). */
    readonly complianceUpstreamFraction: Readonly<Record<PathLocation, number>>;
    /** Catheter resistance; DOMAIN.md §2: ~1 mmHg per µL/s (Poiseuille ~0.8 for 0.6 mm ID, 50 cm). */
    readonly resistanceMmHgSecondPerUl: number;
  };
  readonly reservoir: {
    readonly residualUl: number;
    /** The heparin-lock syringe holds this much more than the lock volume (draw-up overfill). */
    readonly lockSyringeOverfillFraction: number;
  };
  readonly artery: {
    readonly meanMmHg: number;
    readonly meanRangeMmHg: readonly [number, number];
    readonly pulsePressureMmHg: number;
    readonly heartRateRangeBpm: readonly [number, number];
    readonly diurnalAmplitudeMmHg: number;
    readonly tissuePressureMmHg: number;
  };
  readonly sensors: {
    readonly pressure: {
      readonly sampleRateHz: number;
      readonly noiseSdMmHg: number;
      readonly resolutionMmHg: number;
      readonly offsetMaxMmHg: number;
      readonly gainErrorMax: number;
    };
    readonly flow: {
      readonly noiseSdUlPerHourAt1Hz: number;
      readonly offsetMaxUlPerHour: number;
      readonly gainErrorMax: number;
      /** Slow drift, ±this per day, drawn per device. */
      readonly driftMaxUlPerHourPerDay: number;
      readonly resolutionUlPerHour: number;
    };
    readonly reservoir: {
      readonly periodMs: number;
      readonly offsetMaxMl: number;
      readonly noiseSdMl: number;
      readonly resolutionMl: number;
    };
  };
  readonly battery: {
    readonly drainPercentPerDay: number;
    readonly drainPercentPerStroke: number;
  };
}

const STROKE_UL = 1.0;

/** The seed protocol's configuration: ambulatory pump → line → Huber needle → port → catheter. */
export const PORT_AMBULATORY: DeviceProfile = Object.freeze({
  name: 'port-ambulatory',
  description: 'Programmable ambulatory pump with extension line and Huber needle into an implanted port (seed protocol).',
  firmwareConfig: {
    profileName: 'port-ambulatory',
    controlPeriodMs: 1000,
    strokeVolumeNl: STROKE_UL * 1000,
    encoderCountsPerStroke: 64,
    maxStrokesPerSecond: 20,
    rateRangeUlPerHour: { min: 20, max: 1000 },
    reservoirFillRangeMl: { min: 1, max: 100 },
    reservoirResidualUl: 500,
    // 3 % reserve: a +2 % unit (mechanism.unitErrorFraction) never runs the reservoir dry.
    reservoirReserveFraction: 0.03,
    // The set (line 250 µL + needle 100 µL) plus 20 µL so an under-delivering unit still primes fully.
    primingVolumeUl: 370,
    implantedDeadVolumeUl: 300,
    primeRateUlPerHour: 60_000,
    flushRateUlPerHour: 60_000,
    pressureRangeMmHg: { min: -50, max: 1500 },
    flowRangeUlPerHour: { min: -500, max: 80_000 },
    lineComplianceUlPerMmHg: 0.3,
    reservoirGaugeAccuracyMl: 0.5,
    reservoirGaugePeriodMs: 60_000,
  },
  mechanism: { strokeVolumeUl: STROKE_UL, unitErrorFraction: 0.02, strokeErrorFraction: 0.01, encoderCountsPerStroke: 64 },
  path: {
    volumeUl: { line: 250, needle: 100, port: 200, catheter: 100 },
    lineComplianceUlPerMmHg: 0.3,
    complianceUpstreamFraction: { line: 0.5, needle: 0.85, port: 0.92, catheter: 0.97 },
    resistanceMmHgSecondPerUl: 1.0,
  },
  reservoir: { residualUl: 500, lockSyringeOverfillFraction: 0.05 },
  artery: {
    meanMmHg: 90,
    meanRangeMmHg: [70, 105],
    pulsePressureMmHg: 40,
    heartRateRangeBpm: [60, 100],
    diurnalAmplitudeMmHg: 10,
    tissuePressureMmHg: 5,
  },
  sensors: {
    pressure: { sampleRateHz: 50, noiseSdMmHg: 1, resolutionMmHg: 0.1, offsetMaxMmHg: 2, gainErrorMax: 0.01 },
    flow: { noiseSdUlPerHourAt1Hz: 20, offsetMaxUlPerHour: 2, gainErrorMax: 0.03, driftMaxUlPerHourPerDay: 0.1, resolutionUlPerHour: 0.1 },
    reservoir: { periodMs: 60_000, offsetMaxMl: 0.3, noiseSdMl: 0.07, resolutionMl: 0.1 },
  },
  battery: { drainPercentPerDay: 3, drainPercentPerStroke: 0.0003 },
} satisfies DeviceProfile);

export const DEVICE_PROFILES: Readonly<Record<string, DeviceProfile>> = Object.freeze({
  [PORT_AMBULATORY.name]: PORT_AMBULATORY,
});
