/**
 * Dose accuracy against back-pressure and temperature: one cycle's delivered FUDR (truth, the
 * plant's summary) against the programme, at a given arterial mean and device temperature, with
 * the firmware's stroke credit on or off (docs/devices.md "Dose accuracy against back-pressure").
 *
 * Owns: the scenario of one measurement (the default 70 kg patient and prescription, the kind
 * world or the patient world at an activity, the unit-to-unit stroke error set to 0 so the figure is the mechanics' share, the
 * device's temperature held by an `overTemperature` fault from the start) and the uncompensated
 * firmware (told the nominal stroke only: both coefficients 0 in its configuration; the plant
 * keeps the device's characteristic).
 * Promises: deterministic for its inputs; no alarm is hidden (the run's alarms are returned).
 */
import { Simulation } from '../run/simulation.ts';
import { deviceProfileOf, parseScenario } from '../scenario/scenario.ts';
import type { DeviceProfile } from '../world/profile.ts';

export interface DoseAccuracyCase {
  readonly profile: 'port-ambulatory' | 'implanted' | 'implanted-40';
  readonly meanArterialPressureMmHg: number;
  readonly celsius: number;
  readonly compensated: boolean;
  readonly infusionDays: number;
  readonly seed: number;
  /** The patient world (sim/world/patient.ts) with this activity; absent: the kind world. */
  readonly patientActivity?: 'bedRest' | 'ambulatory';
}

export interface DoseAccuracyResult {
  /** Delivered FUDR (truth) against the programme, per cent: 100 · (delivered / programme − 1). */
  readonly fudrErrorPercent: number;
  readonly alarms: readonly string[];
}

/** Reservoir fills of the measured cycles: the default 14-day programme's 30 mL, the implanted reservoir's 20 mL. */
const FILL_ML: Readonly<Record<DoseAccuracyCase['profile'], number>> = { 'port-ambulatory': 30, implanted: 20, 'implanted-40': 40 };

/** The firmware told the nominal stroke only (no characteristic): the uncompensated pump. */
export function uncompensated(profile: DeviceProfile): DeviceProfile {
  return Object.freeze({
    ...profile,
    firmwareConfig: Object.freeze({ ...profile.firmwareConfig, strokeVolumeBackPressureFractionPer100MmHg: 0, strokeVolumeTemperatureFractionPerC: 0 }),
  });
}

export function measureDoseAccuracy(c: DoseAccuracyCase): DoseAccuracyResult {
  const days = c.infusionDays;
  // A shorter cycle: the fill scaled with it (at least 2.5 mL, so the prime, the residual and the reserve leave a programme).
  const fillMl = Math.max(2.5, Math.round(FILL_ML[c.profile] * Math.min(1, days / 14) * 1000) / 1000);
  const scenario = parseScenario({
    name: `dose-accuracy ${c.profile} MAP ${c.meanArterialPressureMmHg} mmHg ${c.celsius} °C ${c.compensated ? 'compensated' : 'uncompensated'}`,
    seed: c.seed,
    patient: { weightKg: 70, heightCm: 170, meanArterialPressureMmHg: c.meanArterialPressureMmHg, ...(c.patientActivity === undefined ? {} : { activity: c.patientActivity }) },
    ...(c.patientActivity === undefined ? {} : { world: { physiology: 'patient' } }),
    device: { profile: c.profile, overrides: { strokeVolumeUnitErrorFraction: 0 } },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: days, doseFactor: 1, reservoirVolumeMl: fillMl, confirmSoftLimits: true },
    faults: [{ kind: 'overTemperature', atHours: 0, celsius: c.celsius }],
  });
  const base = deviceProfileOf(scenario);
  const summary = new Simulation({ scenario, profile: c.compensated ? base : uncompensated(base) }).runToEnd();
  const percent = summary.delivered.fudrPercentOfPrescription;
  return { fudrErrorPercent: percent === null ? NaN : percent - 100, alarms: summary.alarms.map((a) => a.code) };
}
