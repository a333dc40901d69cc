/**
 * Device files: the engineer's own pump, validated where it enters, and the built-in profiles,
 * which are device files of the same format (sim/world/devices/profiles/*.json).
 *
 * Owns: the allowed range and unit of every device parameter (`DEVICE_PARAMETERS`, which the
 * schema, the JSON Schema and docs/devices.md are built from), the device-file schema, the
 * overrides schema a scenario uses (`device.overrides`), the cross-field checks
 * (`deviceProblems`), and resolving a scenario's `device` section to one set of parameters.
 * Promises: a device that loads has every parameter finite, in its range and consistent with the
 * others (ranges with min below max, the drive fast enough for its prime and flush, a reserve that
 * covers the unit tolerance); every refusal names the field, the value and the allowed range.
 */
import path from 'node:path';
import { z } from 'zod';
import { ScenarioError, readJsonFile } from './jsonFile.ts';
import { int, num } from './fields.ts';
import type { DeviceParameters, DeviceProfile } from '../world/profile.ts';
import { profileFromParameters } from '../world/profile.ts';
import portAmbulatoryFile from '../world/devices/profiles/port-ambulatory.json' with { type: 'json' };
import implantedFile from '../world/devices/profiles/implanted.json' with { type: 'json' };
import implanted40File from '../world/devices/profiles/implanted-40.json' with { type: 'json' };
import portAmbulatoryCoarseFile from '../world/devices/profiles/port-ambulatory-coarse.json' with { type: 'json' };

export type NumericParameter = Exclude<keyof DeviceParameters, 'name' | 'description' | 'placement'>;

/** One numeric parameter: its allowed range, unit and meaning (docs/devices.md is built from these). */
export interface ParameterSpec {
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  /** A whole number (counts, milliseconds, hertz). */
  readonly integer?: boolean;
  /** A multiple of this step (the stroke volume is stored in whole nanolitres). */
  readonly step?: number;
  readonly group: string;
  readonly meaning: string;
}

/**
 * Every numeric device parameter. The ranges bound what the models are built for: wide enough for
 * any infusion pump of this class, narrow enough that no value switches a detector off silently.
 */
export const DEVICE_PARAMETERS: Readonly<Record<NumericParameter, ParameterSpec>> = Object.freeze({
  temperatureC: { min: 0, max: 50, unit: '°C', group: 'device', meaning: 'temperature the pump works at (the device temperature while no fault sets another) and the stroke figures apply at; unset: 32 °C, worn on the body' },
  strokeVolumeUl: { min: 0.05, max: 10, step: 0.001, unit: 'µL', group: 'drive', meaning: 'nominal volume of one stroke; the firmware is told it (in whole nanolitres) and doses by it' },
  strokeVolumeUnitErrorFraction: { min: 0, max: 0.1, unit: '', group: 'drive', meaning: 'unit-to-unit stroke-volume error, uniform in ± this fraction, drawn once per device from the seed' },
  strokeVolumeStrokeErrorFraction: { min: 0, max: 0.1, unit: '', group: 'drive', meaning: 'stroke-to-stroke error, uniform in ± this fraction, drawn per stroke' },
  encoderCountsPerStroke: { min: 1, max: 1024, integer: true, unit: 'counts', group: 'drive', meaning: 'motor encoder counts of one full stroke' },
  maxStrokesPerSecond: { min: 1, max: 100, integer: true, unit: 'strokes/s', group: 'drive', meaning: 'fastest the drive strokes' },
  strokeVolumeBackPressureFractionPer100MmHg: { min: -0.2, max: 0.1, unit: 'per 100 mmHg', group: 'drive', meaning: 'change of the stroke volume with the back-pressure across the pump head: × (1 + this · P/100 mmHg); negative: a stroke moves less against pressure (the firmware is told it)' },
  strokeVolumeTemperatureFractionPerC: { min: -0.01, max: 0.01, unit: 'per °C', group: 'drive', meaning: 'change of the stroke volume with the device temperature: × (1 + this · (T − temperatureC)) (the firmware is told it)' },
  rateMinUlPerHour: { min: 0.1, max: 100_000, unit: 'µL/h', group: 'programming', meaning: 'lowest programmable basal rate' },
  rateMaxUlPerHour: { min: 0.1, max: 100_000, unit: 'µL/h', group: 'programming', meaning: 'highest programmable basal rate' },
  reservoirFillMinMl: { min: 0.1, max: 1000, unit: 'mL', group: 'programming', meaning: 'smallest reservoir fill the pump accepts' },
  reservoirFillMaxMl: { min: 0.1, max: 1000, unit: 'mL', group: 'programming', meaning: 'largest reservoir fill (the reservoir size)' },
  reservoirResidualUl: { min: 0, max: 10_000, unit: 'µL', group: 'programming', meaning: 'volume the drive cannot reach (firmware and plant)' },
  reservoirReserveFraction: { min: 0, max: 0.5, unit: '', group: 'programming', meaning: 'share of the usable fill held back so a unit at the top of its tolerance does not run dry' },
  reservoirLowAlertMl: { min: 0, max: 1000, unit: 'mL', group: 'programming', meaning: 'low-reservoir alert volume: RESERVOIR_LOW while the infusion owes strokes and the deliverable volume the ledger computes is at or below it (0 or absent: off)' },
  primingVolumeUl: { min: 0, max: 10_000, unit: 'µL', group: 'programming', meaning: 'volume the prime pushes to fill the set (0: nothing to prime)' },
  primedSetVolumeUl: { min: 0, max: 10_000, unit: 'µL', group: 'programming', meaning: 'volume the prime leaves filled with drug between pump and patient, counted as dose' },
  implantedDeadVolumeUl: { min: 0, max: 10_000, unit: 'µL', group: 'programming', meaning: 'volume of the implanted path the heparin lock fills' },
  primeRateUlPerHour: { min: 100, max: 200_000, unit: 'µL/h', group: 'programming', meaning: 'rate of the prime' },
  flushRateUlPerHour: { min: 100, max: 200_000, unit: 'µL/h', group: 'programming', meaning: 'rate of the flush and the heparin lock' },
  lockSyringeOverfillFraction: { min: 0, max: 0.5, unit: '', group: 'programming', meaning: 'how much more the heparin-lock syringe holds than the lock volume' },
  lineVolumeUl: { min: 0, max: 10_000, unit: 'µL', group: 'fluid path', meaning: 'extension line (external) or internal tubing (implanted)' },
  needleVolumeUl: { min: 0, max: 10_000, unit: 'µL', group: 'fluid path', meaning: 'Huber needle (0 when the needle is not in the delivery path)' },
  portVolumeUl: { min: 0, max: 10_000, unit: 'µL', group: 'fluid path', meaning: 'port chamber or catheter access port' },
  catheterVolumeUl: { min: 0, max: 10_000, unit: 'µL', group: 'fluid path', meaning: 'catheter to the tip in the artery' },
  lineComplianceUlPerMmHg: { min: 0.01, max: 10, unit: 'µL/mmHg', group: 'fluid path', meaning: 'compliance of the path, pump to catheter tip; the firmware is told it (occlusion expectations)' },
  upstreamComplianceFractionLine: { min: 0, max: 1, unit: '', group: 'fluid path', meaning: 'share of the compliance upstream of a blockage in the line' },
  upstreamComplianceFractionNeedle: { min: 0, max: 1, unit: '', group: 'fluid path', meaning: 'share upstream of a blockage at the needle' },
  upstreamComplianceFractionPort: { min: 0, max: 1, unit: '', group: 'fluid path', meaning: 'share upstream of a blockage in the port' },
  upstreamComplianceFractionCatheter: { min: 0, max: 1, unit: '', group: 'fluid path', meaning: 'share upstream of a blockage in the catheter' },
  catheterResistanceMmHgSecondPerUl: { min: 0.01, max: 100, unit: 'mmHg·s/µL', group: 'fluid path', meaning: 'catheter resistance (τ = R·C with the compliance)' },
  arterialMeanMmHg: { min: 40, max: 160, unit: 'mmHg', group: 'artery', meaning: 'mean hepatic arterial pressure at the tip' },
  arterialMeanMinMmHg: { min: 40, max: 160, unit: 'mmHg', group: 'artery', meaning: 'lowest mean a patient of the profile has' },
  arterialMeanMaxMmHg: { min: 40, max: 160, unit: 'mmHg', group: 'artery', meaning: 'highest mean a patient of the profile has' },
  pulsePressureMmHg: { min: 0, max: 150, unit: 'mmHg', group: 'artery', meaning: 'systolic minus diastolic pressure' },
  heartRateMinBpm: { min: 30, max: 200, unit: 'bpm', group: 'artery', meaning: 'lowest heart rate drawn' },
  heartRateMaxBpm: { min: 30, max: 200, unit: 'bpm', group: 'artery', meaning: 'highest heart rate drawn' },
  diurnalAmplitudeMmHg: { min: 0, max: 40, unit: 'mmHg', group: 'artery', meaning: 'day–night swing of the mean' },
  tissuePressureMmHg: { min: 0, max: 40, unit: 'mmHg', group: 'artery', meaning: 'pressure at a tip displaced into tissue' },
  pressureSensorMinMmHg: { min: -1000, max: 0, unit: 'mmHg', group: 'pressure sensor', meaning: 'lowest valid reading (below it the reading is the sensor failing)' },
  pressureSensorMaxMmHg: { min: 100, max: 5000, unit: 'mmHg', group: 'pressure sensor', meaning: 'highest valid reading' },
  pressureSampleRateHz: { min: 1, max: 200, integer: true, unit: 'Hz', group: 'pressure sensor', meaning: 'samples per second within each 1 s window' },
  pressureNoiseSdMmHg: { min: 0, max: 50, unit: 'mmHg', group: 'pressure sensor', meaning: 'standard deviation of the white noise per sample' },
  pressureResolutionMmHg: { min: 0.001, max: 10, unit: 'mmHg', group: 'pressure sensor', meaning: 'quantisation step' },
  pressureOffsetMaxMmHg: { min: 0, max: 50, unit: 'mmHg', group: 'pressure sensor', meaning: 'per-unit offset, uniform in ± this' },
  pressureGainErrorMaxFraction: { min: 0, max: 0.2, unit: '', group: 'pressure sensor', meaning: 'per-unit gain error, uniform in ± this fraction' },
  flowSensorMinUlPerHour: { min: -10_000, max: 0, unit: 'µL/h', group: 'flow sensor', meaning: 'lowest valid reading' },
  flowSensorMaxUlPerHour: { min: 100, max: 1_000_000, unit: 'µL/h', group: 'flow sensor', meaning: 'highest valid reading' },
  flowNoiseSdUlPerHourAt1Hz: { min: 0, max: 1000, unit: 'µL/h', group: 'flow sensor', meaning: 'standard deviation of the noise of a 1 Hz reading' },
  flowOffsetMaxUlPerHour: { min: 0, max: 100, unit: 'µL/h', group: 'flow sensor', meaning: 'per-unit offset, uniform in ± this' },
  flowGainErrorMaxFraction: { min: 0, max: 0.2, unit: '', group: 'flow sensor', meaning: 'per-unit gain error, uniform in ± this fraction' },
  flowDriftMaxUlPerHourPerDay: { min: 0, max: 10, unit: 'µL/h per day', group: 'flow sensor', meaning: 'slow drift, ± this per day, drawn per device' },
  flowResolutionUlPerHour: { min: 0.001, max: 100, unit: 'µL/h', group: 'flow sensor', meaning: 'quantisation step' },
  reservoirGaugePeriodMs: { min: 1000, max: 3_600_000, integer: true, unit: 'ms', group: 'reservoir gauge', meaning: 'how often the gauge reads (firmware and plant)' },
  reservoirGaugeAccuracyMl: { min: 0.01, max: 10, unit: 'mL', group: 'reservoir gauge', meaning: 'accuracy the firmware is told (its tolerance against the ledger)' },
  reservoirGaugeOffsetMaxMl: { min: 0, max: 10, unit: 'mL', group: 'reservoir gauge', meaning: 'per-unit offset, uniform in ± this' },
  reservoirGaugeNoiseSdMl: { min: 0, max: 5, unit: 'mL', group: 'reservoir gauge', meaning: 'standard deviation of the noise per reading' },
  reservoirGaugeResolutionMl: { min: 0.001, max: 1, unit: 'mL', group: 'reservoir gauge', meaning: 'quantisation step' },
  batteryDrainPercentPerDay: { min: 0, max: 100, unit: '%/day', group: 'battery', meaning: 'drain at rest' },
  batteryDrainPercentPerStroke: { min: 0, max: 0.01, unit: '%/stroke', group: 'battery', meaning: 'drain per stroke' },
} satisfies Record<NumericParameter, ParameterSpec>);

const NUMERIC_NAMES = Object.keys(DEVICE_PARAMETERS) as NumericParameter[];

function parameterField(field: string, spec: ParameterSpec): z.ZodNumber {
  const base = spec.integer === true ? int(field, spec.min, spec.max, spec.unit) : num(field, spec.min, spec.max, spec.unit);
  const step = spec.step;
  if (step === undefined) return base;
  // A multiple of `step` up to floating-point rounding (0.001 µL steps: whole nanolitres).
  return base.refine((v) => v < spec.min || v > spec.max || Math.abs(v / step - Math.round(v / step)) < 1e-6, {
    error: `${field} must be a multiple of ${step}${spec.unit ? ` ${spec.unit}` : ''} (allowed ${spec.min}–${spec.max}${spec.unit ? ` ${spec.unit}` : ''})`,
  }) as unknown as z.ZodNumber;
}

function numericShape(prefix: string): Record<NumericParameter, z.ZodNumber> {
  return Object.fromEntries(NUMERIC_NAMES.map((k) => [k, parameterField(`${prefix}${k}`, DEVICE_PARAMETERS[k]).meta({ description: describe(k) })])) as Record<NumericParameter, z.ZodNumber>;
}

function describe(k: NumericParameter): string {
  const s = DEVICE_PARAMETERS[k];
  return `${s.meaning} (${s.min}–${s.max}${s.unit ? ` ${s.unit}` : ''})`;
}

const numericParameters = numericShape('');
const overrideParameters = numericShape('device.overrides.');

/** Cross-field checks of a complete parameter set; one message per problem, naming the fields. */
export function deviceProblems(p: DeviceParameters): string[] {
  const problems: string[] = [];
  const below = (lo: NumericParameter, hi: NumericParameter): void => {
    if (!((p[lo] as number) < (p[hi] as number))) problems.push(`${lo} = ${p[lo]} must be below ${hi} = ${p[hi]}`);
  };
  below('rateMinUlPerHour', 'rateMaxUlPerHour');
  below('reservoirFillMinMl', 'reservoirFillMaxMl');
  below('pressureSensorMinMmHg', 'pressureSensorMaxMmHg');
  below('flowSensorMinUlPerHour', 'flowSensorMaxUlPerHour');
  if (p.heartRateMinBpm > p.heartRateMaxBpm) problems.push(`heartRateMinBpm = ${p.heartRateMinBpm} must not be above heartRateMaxBpm = ${p.heartRateMaxBpm}`);
  if (p.arterialMeanMmHg < p.arterialMeanMinMmHg || p.arterialMeanMmHg > p.arterialMeanMaxMmHg) {
    problems.push(`arterialMeanMmHg = ${p.arterialMeanMmHg} must lie within arterialMeanMinMmHg–arterialMeanMaxMmHg (allowed ${p.arterialMeanMinMmHg}–${p.arterialMeanMaxMmHg} mmHg)`);
  }
  const driveUlPerHour = p.maxStrokesPerSecond * p.strokeVolumeUl * 3600;
  for (const rate of ['rateMaxUlPerHour', 'primeRateUlPerHour', 'flushRateUlPerHour'] as const) {
    if (p[rate] > driveUlPerHour) {
      problems.push(`${rate} = ${p[rate]} is faster than the drive (allowed ≤ maxStrokesPerSecond × strokeVolumeUl × 3600 = ${Number(driveUlPerHour.toFixed(3))} µL/h)`);
    }
  }
  if (p.reservoirReserveFraction < p.strokeVolumeUnitErrorFraction) {
    problems.push(`reservoirReserveFraction = ${p.reservoirReserveFraction} does not cover the unit tolerance (allowed ≥ strokeVolumeUnitErrorFraction = ${p.strokeVolumeUnitErrorFraction}: a unit at the top of its tolerance would run dry)`);
  }
  if (p.primedSetVolumeUl > p.primingVolumeUl) problems.push(`primedSetVolumeUl = ${p.primedSetVolumeUl} is more than the prime pushes (allowed ≤ primingVolumeUl = ${p.primingVolumeUl})`);
  return problems;
}

/** The numeric parameters a device file may leave out (their absence has a documented meaning). */
export const OPTIONAL_DEVICE_PARAMETERS: readonly NumericParameter[] = Object.freeze(['temperatureC', 'reservoirLowAlertMl']);

/** A device file: name, description, placement and every numeric parameter; `$schema` for editors. */
export const deviceFileSchema = z
  .strictObject({
    $schema: z.string({ error: '$schema must be a string' }).optional().meta({ description: 'path or URL of this JSON Schema, for editors' }),
    name: z.string({ error: 'name must be a string' }).min(1, { error: 'name must not be empty' }).max(100, { error: 'name is longer than 100 characters' }),
    description: z.string({ error: 'description must be a string' }).max(500, { error: 'description is longer than 500 characters' }),
    placement: z.enum(['external', 'implanted'], { error: 'placement must be one of: external, implanted' }),
    ...numericParameters,
    temperatureC: numericParameters.temperatureC.optional(),
    reservoirLowAlertMl: numericParameters.reservoirLowAlertMl.optional(),
  })
  .superRefine((p, ctx) => {
    for (const message of deviceProblems(p)) ctx.addIssue({ code: 'custom', message, path: [] });
  });

/** `device.overrides` in a scenario: any numeric parameter, under its own name. */
export const deviceOverridesSchema = z.strictObject(
  Object.fromEntries(NUMERIC_NAMES.map((k) => [k, overrideParameters[k].optional()])) as { [K in NumericParameter]: z.ZodOptional<z.ZodNumber> },
);
export type DeviceOverrides = z.output<typeof deviceOverridesSchema>;

function formatIssues(issues: readonly z.core.$ZodIssue[], json: Record<string, unknown>): string {
  return issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') return `${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''} (not a device parameter; see docs/devices.md)`;
      const key = issue.path[0];
      if (issue.code === 'invalid_type' && issue.path.length === 1 && typeof key === 'string' && !(key in json)) return `${where}: is required`;
      return issue.message;
    })
    .join('; ');
}

/** Validates a parsed device file; throws `ScenarioError` naming `source` and each problem. */
export function parseDeviceFile(json: unknown, source = 'device file'): DeviceParameters {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ScenarioError(`${source}: a device file must be a JSON object (see docs/devices.md)`);
  const result = deviceFileSchema.safeParse(json);
  if (!result.success) throw new ScenarioError(`${source}: ${formatIssues(result.error.issues, json as Record<string, unknown>)}`);
  const { $schema: _schema, ...parameters } = result.data;
  return Object.freeze(parameters);
}

export function loadDeviceFile(file: string): DeviceParameters {
  return parseDeviceFile(readJsonFile(file, 'device file'), file);
}

/** The built-in profiles: device files shipped with the simulator, validated by the same schema. */
export const BUILT_IN_DEVICES: Readonly<Record<string, DeviceParameters>> = Object.freeze(
  Object.fromEntries(
    [portAmbulatoryFile, implantedFile, implanted40File, portAmbulatoryCoarseFile].map((file) => {
      const p = parseDeviceFile(file, `built-in device ${file.name}`);
      return [p.name, p];
    }),
  ),
);
export const BUILT_IN_PROFILE_NAMES = ['port-ambulatory', 'implanted', 'implanted-40', 'port-ambulatory-coarse'] as const;

function builtIn(name: string): DeviceProfile {
  const p = BUILT_IN_DEVICES[name];
  if (p === undefined) throw new Error(`no built-in device ${name}`);
  return profileFromParameters(p);
}
/** The seed protocol's configuration: ambulatory pump → line → Huber needle → port → catheter. */
export const PORT_AMBULATORY: DeviceProfile = builtIn('port-ambulatory');
/** A fully implanted programmable pump (SynchroMed II class), 20 mL reservoir. */
export const IMPLANTED: DeviceProfile = builtIn('implanted');
/** The same pump with the 40 mL reservoir. */
export const IMPLANTED_40: DeviceProfile = builtIn('implanted-40');
/** The port-ambulatory pump with a coarse occlusion sensor (σ 4 mmHg, 1 mmHg, 10 Hz; docs/devices.md). */
export const PORT_AMBULATORY_COARSE: DeviceProfile = builtIn('port-ambulatory-coarse');

/** A scenario's `device` section as written: a built-in profile or a device file, with overrides. */
export const deviceSectionSchema = z
  .strictObject({
    profile: z
      .enum(BUILT_IN_PROFILE_NAMES, { error: `device.profile must be one of: ${BUILT_IN_PROFILE_NAMES.join(', ')}` })
      .optional()
      .meta({ description: 'a built-in profile (default port-ambulatory when no file is given)' }),
    file: z
      .string({ error: 'device.file must be a string (a device file path, relative to the scenario file)' })
      .min(1, { error: 'device.file must not be empty' })
      .max(4096, { error: 'device.file is longer than 4096 characters' })
      .optional()
      .meta({ description: 'a device file (docs/devices.md), relative to the scenario file' }),
    overrides: deviceOverridesSchema.optional().meta({ description: 'parameters that replace the profile’s or the file’s, under their own names' }),
  })
  .refine((d) => d.profile === undefined || d.file === undefined, { error: 'device: give profile or file, not both' });
export type DeviceSection = z.output<typeof deviceSectionSchema>;

/** A scenario's device after resolution: where it came from and the parameters the run uses. */
export interface ResolvedDevice {
  readonly profile?: string;
  readonly file?: string;
  readonly overrides?: DeviceOverrides;
  readonly parameters: DeviceParameters;
}

/**
 * The parameters of a scenario's device: the profile's or the file's (a relative path against
 * `baseDir`), overrides applied, cross-field checks run on the result. A device with overrides is
 * named after its base and the parameters it overrides, so a summary says what ran.
 */
export function resolveDevice(section: DeviceSection, baseDir: string): ResolvedDevice {
  let base: DeviceParameters;
  if (section.file !== undefined) {
    base = loadDeviceFile(path.resolve(baseDir, section.file));
  } else {
    const name = section.profile ?? 'port-ambulatory';
    base = BUILT_IN_DEVICES[name] as DeviceParameters;
  }
  const given = section.overrides ?? {};
  // In the order of DEVICE_PARAMETERS, so a device's name does not depend on the order keys were written in.
  const overrides = Object.fromEntries(NUMERIC_NAMES.filter((k) => given[k] !== undefined).map((k) => [k, given[k]])) as DeviceOverrides;
  const overridden = Object.keys(overrides);
  let parameters = base;
  if (overridden.length > 0) {
    parameters = Object.freeze({ ...base, ...overrides, name: `${base.name} (overrides: ${overridden.join(', ')})` });
    const problems = deviceProblems(parameters);
    if (problems.length > 0) throw new ScenarioError(`device.overrides: ${problems.join('; ')}`);
  }
  return Object.freeze({
    ...(section.file !== undefined ? { file: section.file } : { profile: base.name }),
    ...(overridden.length > 0 ? { overrides } : {}),
    parameters,
  });
}
