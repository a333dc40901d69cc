/**
 * Device profiles: every modelling default of one device configuration, in one object.
 *
 * Owns: the figures of docs/domain.md §2 (stroke volume and its errors, compliance, resistance, dead
 * volumes, arterial back-pressure, sensor noise/offset/resolution/rates, battery) and the nominal
 * `DeviceConfig` the firmware is given. A second profile is a second object of the same type.
 * Promises: `firmwareConfig` holds nominal figures only; per-unit truths (actual stroke volume,
 * sensor offsets) are drawn from the run's seed on the plant side and never reach the firmware.
 */
import type { DeviceConfig } from '../../hal/index.ts';

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
   * Temperature the pump works at, °C (documentation: the stroke figures are the ones at this
   * temperature; the plant has no temperature model yet).
   */
  readonly temperatureC?: number;
  /**
   * Where the pump sits. `external`: worn, reaches the port through a set and a Huber needle that
   * are put in and taken out every cycle. `implanted`: permanently connected to its catheter; the
   * reservoir is refilled through a septum and nothing is primed to waste.
   */
  readonly placement?: 'external' | 'implanted';
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
    primedSetVolumeUl: 350,
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

/**
 * A fully implanted programmable pump (SynchroMed II class; docs/domain.md §2), 20 mL reservoir.
 * Figures are modelling defaults unless a source is named; the sensors are this product's, not
 * Medtronic's. What changes against the port profile, and why:
 * - No external set: the pump's internal tubing (`path.volumeUl.line`, 220 µL) runs from the
 *   reservoir to the catheter connector and is always connected, so nothing is primed to waste:
 *   `primingVolumeUl` = 0 (the prime phase has no strokes). After a refill the tubing and catheter
 *   still hold the previous lock; the infusion pushes it into the artery ahead of the drug, and the
 *   flush at the end pushes the drug left in the path, as for the port. `needle` = 0: the needle
 *   only ever goes into the refill septum, never into the delivery path.
 * - `implantedDeadVolumeUl` = tubing + catheter access port + catheter (220 + 30 + 100 µL): all of
 *   the path is implanted, and the lock has to fill all of it.
 * - Refill through the septum: the nurse aspirates what is left, then injects the new fill. The
 *   unreachable residual is larger than the cassette's (1 mL; the reservoir is a bellows).
 * - Body temperature (37 °C), where the stroke figures apply; smaller strokes (0.5 µL, a
 *   peristaltic roller step) with a wider unit tolerance (±3 %, hence a 4 % reserve).
 * - A titanium pump and a short catheter are stiffer than a PVC extension line: 0.1 µL/mmHg
 *   (τ = R·C ≈ 0.1 s, so more of the cardiac pulse reaches the pump).
 * - Programmable rate 0.048–24 mL/day (2–1000 µL/h, the SynchroMed II range); flush at 30 mL/h,
 *   within the drive's 20 strokes/s × 0.5 µL = 36 mL/h.
 * - Battery for years, not days: ~7 years of service (0.04 %/day).
 * The heparin lock is drawn from a syringe on the catheter access port through the flush path
 * (the simulator keeps the firmware's flush phase), an approximation of the side-port flush.
 */
const IMPLANTED_STROKE_UL = 0.5;

function implantedProfile(name: string, reservoirMl: number): DeviceProfile {
  return Object.freeze({
    name,
    description: `Fully implanted programmable pump (SynchroMed II class), ${reservoirMl} mL reservoir refilled through a septum, catheter in the hepatic artery.`,
    firmwareConfig: {
      profileName: name,
      controlPeriodMs: 1000,
      strokeVolumeNl: IMPLANTED_STROKE_UL * 1000,
      encoderCountsPerStroke: 64,
      maxStrokesPerSecond: 20,
      rateRangeUlPerHour: { min: 2, max: 1000 },
      reservoirFillRangeMl: { min: 2, max: reservoirMl },
      reservoirResidualUl: 1000,
      // 4 % reserve: a +3 % unit (mechanism.unitErrorFraction) with stroke noise never runs dry.
      reservoirReserveFraction: 0.04,
      // No external set to fill: see the comment above.
      primingVolumeUl: 0,
      primedSetVolumeUl: 0,
      implantedDeadVolumeUl: 350,
      primeRateUlPerHour: 30_000,
      flushRateUlPerHour: 30_000,
      pressureRangeMmHg: { min: -50, max: 1500 },
      flowRangeUlPerHour: { min: -500, max: 80_000 },
      lineComplianceUlPerMmHg: 0.1,
      reservoirGaugeAccuracyMl: 0.5,
      reservoirGaugePeriodMs: 60_000,
    },
    mechanism: { strokeVolumeUl: IMPLANTED_STROKE_UL, unitErrorFraction: 0.03, strokeErrorFraction: 0.02, encoderCountsPerStroke: 64 },
    path: {
      volumeUl: { line: 220, needle: 0, port: 30, catheter: 100 },
      lineComplianceUlPerMmHg: 0.1,
      complianceUpstreamFraction: { line: 0.7, needle: 0.7, port: 0.85, catheter: 0.95 },
      resistanceMmHgSecondPerUl: 1.0,
    },
    reservoir: { residualUl: 1000, lockSyringeOverfillFraction: 0.05 },
    artery: PORT_AMBULATORY.artery,
    sensors: PORT_AMBULATORY.sensors,
    battery: { drainPercentPerDay: 0.04, drainPercentPerStroke: 0.000001 },
    temperatureC: 37,
    placement: 'implanted',
  } satisfies DeviceProfile);
}

/** The implanted pump with the 20 mL reservoir (`device.profile: "implanted"`). */
export const IMPLANTED: DeviceProfile = implantedProfile('implanted', 20);
/** The same pump with the 40 mL reservoir. */
export const IMPLANTED_40: DeviceProfile = implantedProfile('implanted-40', 40);

export const DEVICE_PROFILES: Readonly<Record<string, DeviceProfile>> = Object.freeze({
  [PORT_AMBULATORY.name]: PORT_AMBULATORY,
  [IMPLANTED.name]: IMPLANTED,
  [IMPLANTED_40.name]: IMPLANTED_40,
});
