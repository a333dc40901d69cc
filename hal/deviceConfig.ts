/**
 * Device configuration: what the firmware is told about its own hardware (what a device keeps in
 * its calibration/configuration flash).
 *
 * Owns: nominal figures and valid sensor ranges.
 * Promises: these are nominal, never plant truth. The simulator's device profile builds one from
 * its nominal figures; the per-unit errors it draws stay on the plant side (rule 4).
 */
export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface DeviceConfig {
  readonly profileName: string;
  /** Period of the control step; the step runs at this period in simulated time. */
  readonly controlPeriodMs: number;
  /** Nominal volume of one drive stroke, in nanolitres (integer; 1000 nL = 1 µL). */
  readonly strokeVolumeNl: number;
  readonly encoderCountsPerStroke: number;
  readonly maxStrokesPerSecond: number;
  /** Programmable basal-rate range of the pump. */
  readonly rateRangeUlPerHour: Range;
  /** Reservoir fill the pump accepts. */
  readonly reservoirFillRangeMl: Range;
  /** Volume left in the reservoir that the drive cannot reach. */
  readonly reservoirResidualUl: number;
  /**
   * Share of the usable fill held back from the programme so that a unit at the top of its
   * stroke-volume tolerance does not run dry before the programmed end.
   */
  readonly reservoirReserveFraction: number;
  /**
   * Low-reservoir alert volume (GIP 1.5.5, Open PCA R6.8.0(9)): the alert sounds while the
   * infusion owes strokes and the deliverable volume the ledger computes is at or below it; 0: off.
   */
  readonly reservoirLowAlertUl: number;
  /** Volume the prime must push to fill the set from pump to needle tip (line + Huber needle). */
  readonly primingVolumeUl: number;
  /**
   * Volume the prime leaves filled with drug between pump and patient (line + needle). It reaches
   * the patient at the end, pushed by the heparin flush, so it is part of the dose.
   */
  readonly primedSetVolumeUl: number;
  /** Volume of the implanted path the lock must fill (port chamber + catheter). */
  readonly implantedDeadVolumeUl: number;
  readonly primeRateUlPerHour: number;
  readonly flushRateUlPerHour: number;
  readonly pressureRangeMmHg: Range;
  /**
   * The pressure front-end's datasheet figures: white noise per sample (1σ), samples per second,
   * quantisation step. The detectors derive their noise-dependent pressure thresholds from them
   * (firmware/detectors/thresholds.ts `pressureThresholds`); the unit's own offset and gain are
   * never here.
   */
  readonly pressureNoiseSdMmHg: number;
  readonly pressureSampleRateHz: number;
  readonly pressureResolutionMmHg: number;
  readonly flowRangeUlPerHour: Range;
  /** Nominal line compliance (pump to catheter tip), used by the occlusion detector's expectations. */
  readonly lineComplianceUlPerMmHg: number;
  readonly reservoirGaugeAccuracyMl: number;
  readonly reservoirGaugePeriodMs: number;
  /**
   * The stroke's datasheet characteristic: a stroke moves strokeVolumeNl × (1 + this · P/100 mmHg)
   * against a back-pressure P across the pump head (negative: it moves less).
   */
  readonly strokeVolumeBackPressureFractionPer100MmHg: number;
  /** … × (1 + this · (T − strokeVolumeReferenceTemperatureC)) at a device temperature T, per °C. */
  readonly strokeVolumeTemperatureFractionPerC: number;
  /** The temperature strokeVolumeNl applies at, °C. */
  readonly strokeVolumeReferenceTemperatureC: number;
}
