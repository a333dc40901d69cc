/**
 * Scenarios: the JSON a user writes to describe one run, validated at load.
 *
 * Owns: the scenario format, its defaults, the embedded default scenario, and turning validation
 * failures into one-line messages that name the field and the allowed range.
 * Promises: a scenario that loads is well-formed (types, units, gross physical ranges, no unknown
 * fields) and its device is resolved to one checked parameter set (a built-in profile or a device
 * file, relative to the scenario file, with overrides: sim/scenario/device.ts). Clinical limits are not judged here: the firmware's drug library judges them when the
 * prescription is programmed, and the CLI asks the same function before running.
 */
import { ScenarioError, readJsonFile } from './jsonFile.ts';
import { z } from 'zod';
import { int, num } from './fields.ts';
import type { PrescriptionInput } from '../../firmware/index.ts';
import { faultSchema } from './faults.ts';
import type { FaultSpec } from '../world/faults.ts';
import { faultEndMs, faultOnsetMs, overlappingFaults } from '../world/faults.ts';
import path from 'node:path';
import type { DeviceProfile } from '../world/profile.ts';
import { profileFromParameters } from '../world/profile.ts';
import type { ResolvedDevice } from './device.ts';
import { deviceSectionSchema, resolveDevice } from './device.ts';
import { ACTIVITIES, PHYSIOLOGIES, RHYTHMS } from '../world/patient.ts';
import { adverseEventsSchema, clinicalEventsSchema, courseProblems, courseSchema } from './course.ts';


function positive(field: string, max: number, unit = ''): z.ZodNumber {
  const u = unit ? ` ${unit}` : '';
  return z
    .number({ error: `${field} must be a number (allowed > 0 and ≤ ${max}${u})` })
    .gt(0, { error: `${field} must be greater than 0 (allowed > 0 and ≤ ${max}${u})` })
    .max(max, { error: `${field} is above the allowed range (allowed > 0 and ≤ ${max}${u})` });
}

const patientSchema = z
  .strictObject({
    weightKg: positive('patient.weightKg', 500, 'kg'),
    heightCm: positive('patient.heightCm', 300, 'cm').optional(),
    bsaM2: positive('patient.bsaM2', 5, 'm²').optional(),
    meanArterialPressureMmHg: num('patient.meanArterialPressureMmHg', 40, 160, 'mmHg').optional(),
    heartRateBpm: num('patient.heartRateBpm', 30, 200, 'bpm').optional(),
    /** Systolic minus diastolic; unset: the profile's (kind world) or drawn 30–60 mmHg (patient world). */
    pulsePressureMmHg: num('patient.pulsePressureMmHg', 10, 100, 'mmHg').optional(),
    /** Patient world only (sim/world/patient.ts); unset: sinus. */
    rhythm: z.enum(RHYTHMS, { error: `patient.rhythm must be one of: ${RHYTHMS.join(', ')}` }).optional(),
    /** Patient world only; unset: ambulatory. */
    activity: z.enum(ACTIVITIES, { error: `patient.activity must be one of: ${ACTIVITIES.join(', ')}` }).optional(),
  })
  .refine((p) => (p.heightCm === undefined) !== (p.bsaM2 === undefined), {
    error: 'patient needs exactly one of heightCm or bsaM2',
  });

/**
 * The world the run is simulated in. `kind`: a constant heart rate, a sinusoidal pulse and white
 * noise, nothing else (the world the golden traces and the detection table are measured in). `patient`:
 * heart-rate variability and the rhythm, breathing, posture and walking (sim/world/patient.ts).
 */
const worldSchema = z.strictObject({
  physiology: z.enum(PHYSIOLOGIES, { error: `world.physiology must be one of: ${PHYSIOLOGIES.join(', ')}` }).default('kind'),
});

const prescriptionSchema = z.strictObject({
  fudrMgPerKgPerDay: num('prescription.fudrMgPerKgPerDay', 0, 10, 'mg/kg/day'),
  dexamethasoneMgPerM2PerDay: num('prescription.dexamethasoneMgPerM2PerDay', 0, 100, 'mg/m²/day'),
  infusionDays: num('prescription.infusionDays', 0, 365, 'days'),
  doseFactor: num('prescription.doseFactor', 0, 10),
  reservoirVolumeMl: num('prescription.reservoirVolumeMl', 0, 1000, 'mL'),
  heparinUnitsPerMl: num('prescription.heparinUnitsPerMl', 0, 100_000, 'IU/mL').default(100),
  heparinLockVolumeMl: num('prescription.heparinLockVolumeMl', 0, 100, 'mL').default(2),
  heparinLockUnitsPerMl: num('prescription.heparinLockUnitsPerMl', 0, 100_000, 'IU/mL').default(1000),
  /** The clinician confirms soft-limit warnings when programming. */
  confirmSoftLimits: z.boolean({ error: 'prescription.confirmSoftLimits must be true or false' }).default(false),
});


/** The real-time clock at a run's start unless the scenario says otherwise: Monday 5 January 2026, 08:00 UTC. */
export const DEFAULT_START_DATE = '2026-01-05T08:00:00Z';

/** How long past the programmed end a run may go on (e.g. stopped on an alarm) before it ends. */
export const RUN_SLACK_MS = 86_400_000;

/**
 * Most faults one scenario may hold. Load and run time grow linearly with the count (a power loss
 * reboots the firmware: about 0.25 ms of run time each); the bound keeps a file from holding more
 * than a run can mean.
 */
export const MAX_FAULTS = 100_000;

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/**
 * How long the run of a scenario lasts: one infusion runs for its programmed duration
 * (`infusionDays`, as the plan rounds it) plus `RUN_SLACK_MS`; a course runs for its cycles
 * (`cycles × cycleDays`), faults placed in course time.
 */
export function runLengthMs(s: { readonly prescription: { readonly infusionDays: number }; readonly course?: { readonly cycles: number; readonly cycleDays: number } | undefined }): { ms: number; what: string } {
  if (s.course !== undefined) {
    return { ms: s.course.cycles * s.course.cycleDays * MS_PER_DAY, what: `the course's ${s.course.cycles} cycles of ${s.course.cycleDays} days` };
  }
  return { ms: Math.round(s.prescription.infusionDays * MS_PER_DAY) + RUN_SLACK_MS, what: `the ${s.prescription.infusionDays}-day infusion + ${RUN_SLACK_MS / MS_PER_HOUR} h` };
}

/** Faults whose onset or end lies after the end of the run: one message each, naming the field and the run's length. */
export function faultsAfterTheRun(s: Parameters<typeof runLengthMs>[0] & { readonly faults: readonly FaultSpec[] }): string[] {
  const { ms, what } = runLengthMs(s);
  const hours = Number((ms / MS_PER_HOUR).toFixed(3));
  const problems: string[] = [];
  // Also called on a scenario whose fields failed their own checks: those have their own message.
  if (!Array.isArray(s.faults) || !Number.isFinite(ms)) return problems;
  s.faults.forEach((f, i) => {
    if (typeof f !== 'object' || f === null || typeof f.atHours !== 'number') return;
    const endMs = faultEndMs(f);
    if (faultOnsetMs(f) >= ms) {
      problems.push(`faults[${i}].atHours = ${f.atHours} is at or after the end of the run (the run lasts ${hours} h: ${what}; allowed 0 to below ${hours} h)`);
    } else if (endMs !== null && endMs > ms) {
      problems.push(`faults[${i}].durationMinutes = ${f.durationMinutes} ends after the end of the run (the run lasts ${hours} h: ${what}; allowed up to ${Number(((ms - faultOnsetMs(f)) / 60_000).toFixed(3))} min from atHours ${f.atHours})`);
    }
  });
  return problems;
}

export const scenarioSchema = z.strictObject({
  /** The JSON Schema an editor checks the file against (docs/schemas/scenario.schema.json). */
  $schema: z.string({ error: '$schema must be a string' }).optional().meta({ description: 'path or URL of the JSON Schema, for editors' }),
  name: z.string({ error: 'name must be a string' }).min(1, { error: 'name must not be empty' }).max(200, { error: 'name is longer than 200 characters' }),
  seed: int('seed', 0, 4294967295),
  /**
   * Calendar date and time at the run's start, as the pump's real-time clock holds it (ISO 8601
   * with Z or an offset, e.g. 2026-01-05T08:00:00Z): the log's and the summary's calendar times.
   */
  startDate: z.iso
    .datetime({ offset: true, error: 'startDate must be an ISO 8601 date and time with Z or an offset, e.g. 2026-01-05T08:00:00Z' })
    .refine((d) => Date.parse(d) >= 0 && Date.parse(d) <= Date.UTC(9999, 0, 1), { error: 'startDate must lie between 1970-01-01 and 9999-01-01' })
    .default(DEFAULT_START_DATE)
    .meta({ description: 'calendar date and time at the start of the run (ISO 8601, Z or offset)' }),
  patient: patientSchema,
  world: worldSchema.default({ physiology: 'kind' }),
  prescription: prescriptionSchema,
  device: deviceSectionSchema.default({}),
  faults: z
    .array(faultSchema, { error: 'faults must be an array' })
    .max(MAX_FAULTS, { error: `faults holds more than ${MAX_FAULTS} faults (allowed at most ${MAX_FAULTS})` })
    .default([]),
  /** A treatment course of cycles instead of one infusion (sim/course/). */
  course: courseSchema.optional(),
  clinicalEvents: clinicalEventsSchema,
  adverseEvents: adverseEventsSchema,
}).superRefine((s, ctx) => {
  for (const message of courseProblems(s)) ctx.addIssue({ code: 'custom', message, path: [] });
  for (const field of ['rhythm', 'activity'] as const) {
    if (s.patient[field] !== undefined && s.world.physiology !== 'patient') {
      ctx.addIssue({ code: 'custom', message: `patient.${field} applies only in the patient world (set world.physiology to "patient")`, path: [] });
    }
  }
  for (const message of overlappingFaults(s.faults)) ctx.addIssue({ code: 'custom', message, path: [] });
  for (const message of faultsAfterTheRun(s)) ctx.addIssue({ code: 'custom', message, path: [] });
});

/** A scenario that loaded: every field checked and its device resolved to one parameter set. */
export type Scenario = Omit<z.output<typeof scenarioSchema>, 'device' | '$schema'> & { readonly device: ResolvedDevice };
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** The seed protocol's nominal cycle: 70 kg, 170 cm, FUDR 0.15 mg/kg/day + dexamethasone 1 mg/m²/day over 14 days. */
export const DEFAULT_SCENARIO_INPUT: ScenarioInput = Object.freeze({
  name: 'nominal-70kg',
  seed: 7,
  patient: { weightKg: 70, heightCm: 170 },
  prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
  faults: [],
});

export { ScenarioError };

function describePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

export interface ParseOptions {
  /** Where a relative `device.file` is found: the scenario file's folder (default: the working directory). */
  readonly baseDir?: string;
}

/** Validates parsed JSON and resolves its device; throws `ScenarioError` with one line per problem. */
export function parseScenario(json: unknown, source = 'scenario', options: ParseOptions = {}): Scenario {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ScenarioError(`${source}: a scenario must be a JSON object with name, seed, patient, prescription`);
  }
  const result = scenarioSchema.safeParse(json);
  if (result.success) {
    const { $schema: _schema, device, ...rest } = result.data;
    const resolved = resolveDevice(device, options.baseDir ?? process.cwd());
    const scenario: Scenario = { ...rest, device: resolved };
    const problems = refillPlacementProblems(scenario);
    if (problems.length > 0) throw new ScenarioError(`${source}: ${problems.join('; ')}`);
    return scenario;
  }
  const lines = result.error.issues.map((issue) => {
    const where = describePath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      return `${keys.map((k) => (where ? `${where}.${k}` : k)).join(', ')}: unknown field${keys.length > 1 ? 's' : ''} (not part of the scenario format)`;
    }
    if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) return `${where}: is required`;
    const message = issue.message.replace(/faults\[\]/g, where.replace(/\.[^.]*$/, ''));
    return where && !message.startsWith(where) ? `${where}: ${message}` : message;
  });
  throw new ScenarioError(`${source}: ${lines.join('; ')}`);
}

export function loadScenarioFile(file: string): Scenario {
  return parseScenario(readJsonFile(file, 'scenario file'), file, { baseDir: path.dirname(path.resolve(file)) });
}

/** Refills through a septum need an implanted pump: checked on the resolved device. */
function refillPlacementProblems(s: Scenario): string[] {
  const refills = s.course?.refillFaults ?? [];
  if (refills.length === 0 || s.device.parameters.placement === 'implanted') return [];
  return [`course.refillFaults: refills through a septum happen only with an implanted pump (device placement allowed: implanted, e.g. device.profile implanted or implanted-40; got ${s.device.parameters.placement}, device ${s.device.parameters.name})`];
}

export function defaultScenario(): Scenario {
  return parseScenario(DEFAULT_SCENARIO_INPUT, 'default scenario');
}

/** The device profile a scenario runs on, built from its resolved parameters. */
export function deviceProfileOf(s: Scenario): DeviceProfile {
  return profileFromParameters(s.device.parameters);
}

/** The prescription as the clinician programs it into the pump. */
export function prescriptionInput(s: Scenario): PrescriptionInput {
  const p = s.patient;
  return {
    patient: { weightKg: p.weightKg, ...(p.heightCm !== undefined ? { heightCm: p.heightCm } : {}), ...(p.bsaM2 !== undefined ? { bsaM2: p.bsaM2 } : {}) },
    fudrMgPerKgPerDay: s.prescription.fudrMgPerKgPerDay,
    dexamethasoneMgPerM2PerDay: s.prescription.dexamethasoneMgPerM2PerDay,
    heparinUnitsPerMl: s.prescription.heparinUnitsPerMl,
    infusionDays: s.prescription.infusionDays,
    doseFactor: s.prescription.doseFactor,
    reservoirVolumeMl: s.prescription.reservoirVolumeMl,
    heparinLockVolumeMl: s.prescription.heparinLockVolumeMl,
    heparinLockUnitsPerMl: s.prescription.heparinLockUnitsPerMl,
  };
}
