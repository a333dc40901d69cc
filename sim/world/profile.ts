/**
 * Device profiles: every modelling default of one device configuration, in one object, and how
 * one is built from the flat parameters of a device file.
 *
 * Owns: the shape the plant, the device models and the firmware's configuration read
 * (`DeviceProfile`), the flat, unit-named parameters a device file holds (`DeviceParameters`;
 * validated in sim/scenario/device.ts, the built-in profiles are the files in devices/profiles/),
 * and `profileFromParameters`, the one mapping between them.
 * Promises: `firmwareConfig` holds nominal figures only, and every figure the firmware is told
 * that the plant also uses (stroke volume, encoder counts, line compliance, residual volume, gauge
 * period) comes from the same parameter, so the firmware's belief follows the device file; per-unit
 * truths (actual stroke volume, sensor offsets) are drawn from the run's seed on the plant side
 * and never reach the firmware.
 */
import type { DeviceConfig } from '../../hal/index.ts';

/** A pump worn on the body, under clothing: the temperature of a device file without `temperatureC`, °C. */
export const BODY_WORN_CELSIUS = 32;

/** The firmware's control period: a property of the firmware, not of the device. */
export const CONTROL_PERIOD_MS = 1000;

export type PathLocation = 'line' | 'needle' | 'port' | 'catheter';
/** Where an occlusion can sit: on the path, or upstream of the pump (the reservoir side). */
export type OcclusionLocation = PathLocation | 'upstream';

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
    /**
     * The stroke's characteristic (docs/devices.md "Stroke volume against back-pressure and
     * temperature"): the volume a stroke moves is the nominal × (1 + this · P/100 mmHg), P the line
     * pressure across the pump head at the stroke.
     */
    readonly backPressureFractionPer100MmHg: number;
    /** … × (1 + this · (T − referenceTemperatureC)), T the device's temperature. */
    readonly temperatureFractionPerC: number;
    /** The temperature the nominal stroke volume applies at, °C. */
    readonly referenceTemperatureC: number;
  };
  readonly path: {
    /** Volumes of each segment, pump to artery. line + needle is the set the prime fills. */
    readonly volumeUl: Readonly<Record<PathLocation, number>>;
    readonly lineComplianceUlPerMmHg: number;
    /** Share of the compliance upstream of a blockage at each location (the rest relaxes to the artery). */
    readonly complianceUpstreamFraction: Readonly<Record<PathLocation, number>>;
    /** Catheter resistance; docs/domain.md §2: ~1 mmHg per µL/s (Poiseuille ~0.8 for 0.6 mm ID, 50 cm). */
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
  /**
   * Temperature the pump works at, °C: the device's temperature while no fault sets another, and
   * the one the stroke figures apply at. Unset: a pump worn on the body (BODY_WORN_CELSIUS).
   */
  readonly temperatureC?: number;
  /**
   * Where the pump sits. `external`: worn, reaches the port through a set and a Huber needle that
   * are put in and taken out every cycle. `implanted`: permanently connected to its catheter; the
   * reservoir is refilled through a septum and nothing is primed to waste.
   */
  readonly placement?: 'external' | 'implanted';
}

/**
 * One device as a device file states it: every plant, drive and sensor parameter, flat, its unit
 * in its name. The allowed range of each is in sim/scenario/device.ts and docs/devices.md.
 */
export interface DeviceParameters {
  readonly name: string;
  readonly description: string;
  readonly placement: 'external' | 'implanted';
  readonly temperatureC?: number | undefined;
  // Drive mechanism.
  readonly strokeVolumeUl: number;
  readonly strokeVolumeUnitErrorFraction: number;
  readonly strokeVolumeStrokeErrorFraction: number;
  readonly encoderCountsPerStroke: number;
  readonly maxStrokesPerSecond: number;
  readonly strokeVolumeBackPressureFractionPer100MmHg: number;
  readonly strokeVolumeTemperatureFractionPerC: number;
  // What the pump is programmable for.
  readonly rateMinUlPerHour: number;
  readonly rateMaxUlPerHour: number;
  readonly reservoirFillMinMl: number;
  readonly reservoirFillMaxMl: number;
  readonly reservoirResidualUl: number;
  readonly reservoirReserveFraction: number;
  /** Absent: no low-reservoir alert by volume. */
  readonly reservoirLowAlertMl?: number | undefined;
  readonly primingVolumeUl: number;
  readonly primedSetVolumeUl: number;
  readonly implantedDeadVolumeUl: number;
  readonly primeRateUlPerHour: number;
  readonly flushRateUlPerHour: number;
  readonly lockSyringeOverfillFraction: number;
  // Fluid path.
  readonly lineVolumeUl: number;
  readonly needleVolumeUl: number;
  readonly portVolumeUl: number;
  readonly catheterVolumeUl: number;
  readonly lineComplianceUlPerMmHg: number;
  readonly upstreamComplianceFractionLine: number;
  readonly upstreamComplianceFractionNeedle: number;
  readonly upstreamComplianceFractionPort: number;
  readonly upstreamComplianceFractionCatheter: number;
  readonly catheterResistanceMmHgSecondPerUl: number;
  // Artery and tissue at the catheter tip.
  readonly arterialMeanMmHg: number;
  readonly arterialMeanMinMmHg: number;
  readonly arterialMeanMaxMmHg: number;
  readonly pulsePressureMmHg: number;
  readonly heartRateMinBpm: number;
  readonly heartRateMaxBpm: number;
  readonly diurnalAmplitudeMmHg: number;
  readonly tissuePressureMmHg: number;
  // Pressure sensor.
  readonly pressureSensorMinMmHg: number;
  readonly pressureSensorMaxMmHg: number;
  readonly pressureSampleRateHz: number;
  readonly pressureNoiseSdMmHg: number;
  readonly pressureResolutionMmHg: number;
  readonly pressureOffsetMaxMmHg: number;
  readonly pressureGainErrorMaxFraction: number;
  // Flow sensor.
  readonly flowSensorMinUlPerHour: number;
  readonly flowSensorMaxUlPerHour: number;
  readonly flowNoiseSdUlPerHourAt1Hz: number;
  readonly flowOffsetMaxUlPerHour: number;
  readonly flowGainErrorMaxFraction: number;
  readonly flowDriftMaxUlPerHourPerDay: number;
  readonly flowResolutionUlPerHour: number;
  // Reservoir gauge.
  readonly reservoirGaugePeriodMs: number;
  readonly reservoirGaugeAccuracyMl: number;
  readonly reservoirGaugeOffsetMaxMl: number;
  readonly reservoirGaugeNoiseSdMl: number;
  readonly reservoirGaugeResolutionMl: number;
  // Battery.
  readonly batteryDrainPercentPerDay: number;
  readonly batteryDrainPercentPerStroke: number;
}

/** The profile the simulator runs from a device file's parameters (validated beforehand). */
export function profileFromParameters(p: DeviceParameters): DeviceProfile {
  const strokeVolumeNl = Math.round(p.strokeVolumeUl * 1000);
  const referenceTemperatureC = p.temperatureC ?? BODY_WORN_CELSIUS;
  return Object.freeze({
    name: p.name,
    description: p.description,
    firmwareConfig: Object.freeze({
      profileName: p.name,
      controlPeriodMs: CONTROL_PERIOD_MS,
      strokeVolumeNl,
      encoderCountsPerStroke: p.encoderCountsPerStroke,
      maxStrokesPerSecond: p.maxStrokesPerSecond,
      rateRangeUlPerHour: { min: p.rateMinUlPerHour, max: p.rateMaxUlPerHour },
      reservoirFillRangeMl: { min: p.reservoirFillMinMl, max: p.reservoirFillMaxMl },
      reservoirResidualUl: p.reservoirResidualUl,
      reservoirReserveFraction: p.reservoirReserveFraction,
      reservoirLowAlertUl: (p.reservoirLowAlertMl ?? 0) * 1000,
      primingVolumeUl: p.primingVolumeUl,
      primedSetVolumeUl: p.primedSetVolumeUl,
      implantedDeadVolumeUl: p.implantedDeadVolumeUl,
      primeRateUlPerHour: p.primeRateUlPerHour,
      flushRateUlPerHour: p.flushRateUlPerHour,
      pressureRangeMmHg: { min: p.pressureSensorMinMmHg, max: p.pressureSensorMaxMmHg },
      pressureNoiseSdMmHg: p.pressureNoiseSdMmHg,
      pressureSampleRateHz: p.pressureSampleRateHz,
      pressureResolutionMmHg: p.pressureResolutionMmHg,
      flowRangeUlPerHour: { min: p.flowSensorMinUlPerHour, max: p.flowSensorMaxUlPerHour },
      lineComplianceUlPerMmHg: p.lineComplianceUlPerMmHg,
      reservoirGaugeAccuracyMl: p.reservoirGaugeAccuracyMl,
      reservoirGaugePeriodMs: p.reservoirGaugePeriodMs,
      strokeVolumeBackPressureFractionPer100MmHg: p.strokeVolumeBackPressureFractionPer100MmHg,
      strokeVolumeTemperatureFractionPerC: p.strokeVolumeTemperatureFractionPerC,
      strokeVolumeReferenceTemperatureC: referenceTemperatureC,
    }),
    mechanism: {
      // The plant's nominal stroke is the one the firmware is told (whole nanolitres).
      strokeVolumeUl: strokeVolumeNl / 1000,
      unitErrorFraction: p.strokeVolumeUnitErrorFraction,
      strokeErrorFraction: p.strokeVolumeStrokeErrorFraction,
      encoderCountsPerStroke: p.encoderCountsPerStroke,
      backPressureFractionPer100MmHg: p.strokeVolumeBackPressureFractionPer100MmHg,
      temperatureFractionPerC: p.strokeVolumeTemperatureFractionPerC,
      referenceTemperatureC,
    },
    path: {
      volumeUl: { line: p.lineVolumeUl, needle: p.needleVolumeUl, port: p.portVolumeUl, catheter: p.catheterVolumeUl },
      lineComplianceUlPerMmHg: p.lineComplianceUlPerMmHg,
      complianceUpstreamFraction: {
        line: p.upstreamComplianceFractionLine,
        needle: p.upstreamComplianceFractionNeedle,
        port: p.upstreamComplianceFractionPort,
        catheter: p.upstreamComplianceFractionCatheter,
      },
      resistanceMmHgSecondPerUl: p.catheterResistanceMmHgSecondPerUl,
    },
    reservoir: { residualUl: p.reservoirResidualUl, lockSyringeOverfillFraction: p.lockSyringeOverfillFraction },
    artery: {
      meanMmHg: p.arterialMeanMmHg,
      meanRangeMmHg: [p.arterialMeanMinMmHg, p.arterialMeanMaxMmHg],
      pulsePressureMmHg: p.pulsePressureMmHg,
      heartRateRangeBpm: [p.heartRateMinBpm, p.heartRateMaxBpm],
      diurnalAmplitudeMmHg: p.diurnalAmplitudeMmHg,
      tissuePressureMmHg: p.tissuePressureMmHg,
    },
    sensors: {
      pressure: {
        sampleRateHz: p.pressureSampleRateHz,
        noiseSdMmHg: p.pressureNoiseSdMmHg,
        resolutionMmHg: p.pressureResolutionMmHg,
        offsetMaxMmHg: p.pressureOffsetMaxMmHg,
        gainErrorMax: p.pressureGainErrorMaxFraction,
      },
      flow: {
        noiseSdUlPerHourAt1Hz: p.flowNoiseSdUlPerHourAt1Hz,
        offsetMaxUlPerHour: p.flowOffsetMaxUlPerHour,
        gainErrorMax: p.flowGainErrorMaxFraction,
        driftMaxUlPerHourPerDay: p.flowDriftMaxUlPerHourPerDay,
        resolutionUlPerHour: p.flowResolutionUlPerHour,
      },
      reservoir: {
        periodMs: p.reservoirGaugePeriodMs,
        offsetMaxMl: p.reservoirGaugeOffsetMaxMl,
        noiseSdMl: p.reservoirGaugeNoiseSdMl,
        resolutionMl: p.reservoirGaugeResolutionMl,
      },
    },
    battery: { drainPercentPerDay: p.batteryDrainPercentPerDay, drainPercentPerStroke: p.batteryDrainPercentPerStroke },
    ...(p.temperatureC !== undefined ? { temperatureC: p.temperatureC } : {}),
    placement: p.placement,
  } satisfies DeviceProfile);
}
