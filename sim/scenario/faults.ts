/**
 * The `faults` of a scenario file: the schema that validates them, with their defaults.
 *
 * Owns: the ranges, defaults and messages of every fault field as a user writes it.
 * Promises: a fault that validates is a `FaultSpec` (sim/world/faults.ts, which owns what each
 * kind does and the response expected); the type check at the end keeps the two in step.
 */
import { z } from 'zod';
import { int, num } from './fields.ts';
import type { FaultSpec } from '../world/faults.ts';
import type { InvalidReadingField } from '../world/faults.ts';
import { FAULT_KINDS, INVALID_READING_FIELDS, LINK_ATTACK_COMMANDS, NV_RECORD_NAMES, SELF_TEST_COMPONENTS } from '../world/faults.ts';
import { INVALID_VALUES } from '../world/devices/index.ts';

const timing = {
  atHours: num('atHours', 0, 24 * 400, 'h'),
  durationMinutes: num('durationMinutes', 0, 60 * 24 * 400, 'min').optional(),
};
const LOCATIONS = ['line', 'needle', 'port', 'catheter'] as const;
const locationSchema = z.enum(LOCATIONS, { error: `location must be one of: ${LOCATIONS.join(', ')}` });
const OCCLUSION_LOCATIONS = [...LOCATIONS, 'upstream'] as const;
const occlusionLocationSchema = z.enum(OCCLUSION_LOCATIONS, { error: `location must be one of: ${OCCLUSION_LOCATIONS.join(', ')}` });

const recordSchema = z.enum(NV_RECORD_NAMES, { error: `record must be one of: ${NV_RECORD_NAMES.join(', ')}` });

const SENSOR_MODES = ['stuck', 'drift', 'noise', 'dropout', 'offset'] as const;
const INVALID_SENSORS = Object.keys(INVALID_READING_FIELDS) as (keyof typeof INVALID_READING_FIELDS)[];
const ALL_INVALID_FIELDS = [...new Set(Object.values(INVALID_READING_FIELDS).flat())] as [InvalidReadingField, ...InvalidReadingField[]];

const sensorFaultSchema = z.strictObject({
  kind: z.literal('sensor'),
  ...timing,
  sensor: z.enum(['pressure', 'flow', 'reservoir'], { error: 'sensor must be one of: pressure, flow, reservoir (encoder and battery: mode invalid only)' }),
  mode: z.enum(SENSOR_MODES, { error: `mode must be one of: ${[...SENSOR_MODES, 'invalid'].join(', ')}` }),
  magnitude: num('magnitude', -1e6, 1e6).optional(),
});

/** `mode: "invalid"`: one field of every reading made impossible; the field must be one the sensor's reading has. */
const invalidReadingSchema = z
  .strictObject({
    kind: z.literal('sensor'),
    ...timing,
    sensor: z.enum(INVALID_SENSORS, { error: `sensor must be one of: ${INVALID_SENSORS.join(', ')}` }),
    mode: z.literal('invalid'),
    value: z.enum(INVALID_VALUES, { error: `value must be one of: ${INVALID_VALUES.join(', ')}` }),
    field: z.enum(ALL_INVALID_FIELDS, { error: `field must be one of: ${ALL_INVALID_FIELDS.join(', ')}` }).optional(),
  })
  .superRefine((f, ctx) => {
    const fields: readonly string[] = INVALID_READING_FIELDS[f.sensor];
    if (f.field !== undefined && !fields.includes(f.field)) {
      ctx.addIssue({ code: 'custom', path: ['field'], message: `field = ${f.field} is not a field of the ${f.sensor} reading (allowed: ${fields.join(', ')})` });
    }
  });

/** A link attack: the command its frames carry (default per kind) and how many frames, one a second. */
const linkAttack = <K extends string>(kind: K, command: (typeof LINK_ATTACK_COMMANDS)[number]) =>
  z.strictObject({
    kind: z.literal(kind),
    ...timing,
    command: z.enum(LINK_ATTACK_COMMANDS, { error: `command must be one of: ${LINK_ATTACK_COMMANDS.join(', ')}` }).default(command),
    count: num('count', 1, 100).default(1).refine(Number.isInteger, { message: 'count must be a whole number of frames' }),
  });

export const faultSchema = z.discriminatedUnion(
  'kind',
  [
    z
      .strictObject({
        kind: z.literal('occlusion'),
        ...timing,
        location: occlusionLocationSchema.default('catheter'),
        severity: num('severity', 0, 1).default(1),
        rampHours: num('rampHours', 0, 24 * 30, 'h').optional(),
        /** A side-hole catheter: share of the arterial pulse reaching the pump through the wall with the outlet blocked. */
        wallPulseFraction: num('wallPulseFraction', 0, 1).optional(),
      })
      .refine((f) => f.wallPulseFraction === undefined || f.location === 'catheter', { error: 'wallPulseFraction applies only to a catheter occlusion (location "catheter"; allowed 0–1)' }),
    z.strictObject({
      kind: z.literal('displacement'),
      ...timing,
      to: z.enum(['tissue', 'extrahepatic'], { error: 'to must be one of: tissue, extrahepatic' }),
      extrahepaticFraction: num('extrahepaticFraction', 0, 1).default(1),
    }),
    z.strictObject({ kind: z.literal('needleDislodgement'), ...timing }),
    z.strictObject({ kind: z.literal('leak'), ...timing, fraction: num('fraction', 0, 1), location: locationSchema.default('line') }),
    z.strictObject({
      kind: z.literal('motorStall'),
      ...timing,
      mode: z.enum(['permanent', 'intermittent'], { error: 'mode must be one of: permanent, intermittent' }).default('permanent'),
      stallProbability: num('stallProbability', 0, 1).default(0.5),
    }),
    z.strictObject({ kind: z.literal('overDelivery'), ...timing, factor: num('factor', 0, 10) }),
    z.strictObject({ kind: z.literal('strokeVolumeDrift'), ...timing, percentPerDay: num('percentPerDay', -50, 50, '%/day') }),
    z.discriminatedUnion('mode', [sensorFaultSchema, invalidReadingSchema], { error: `mode must be one of: ${[...SENSOR_MODES, 'invalid'].join(', ')}` }),
    z.strictObject({ kind: z.literal('powerLoss'), ...timing, duringWrite: z.boolean({ error: 'duringWrite must be true or false' }).optional() }),
    z.strictObject({ kind: z.literal('nvBitFlip'), ...timing, record: recordSchema.default('state'), bits: int('bits', 1, 64).default(1) }),
    z.strictObject({ kind: z.literal('nvTornWrite'), ...timing, record: recordSchema.default('state') }),
    z.strictObject({ kind: z.literal('nvStaleRecord'), ...timing, record: recordSchema.default('state'), ageWrites: int('ageWrites', 1, 1000).default(1) }),
    z.strictObject({ kind: z.literal('nvErase'), ...timing, record: z.enum([...NV_RECORD_NAMES, 'all'], { error: `record must be one of: ${[...NV_RECORD_NAMES, 'all'].join(', ')}` }).default('state') }),
    z.strictObject({ kind: z.literal('nvWriteFailure'), ...timing }),
    z.strictObject({ kind: z.literal('batteryDepletion'), ...timing, percentPerHour: num('percentPerHour', 0, 1000, '%/h').default(20) }),
    z.strictObject({ kind: z.literal('arterialPressure'), ...timing, meanMmHg: num('meanMmHg', 20, 250, 'mmHg'), rampMinutes: num('rampMinutes', 0, 600, 'min').default(5) }),
    linkAttack('forgedCommand', 'stop'),
    linkAttack('replayedCommand', 'start'),
    linkAttack('tamperedCommand', 'stop'),
    linkAttack('wrongDevice', 'stop'),
    linkAttack('counterRollback', 'stop'),
    z.strictObject({ kind: z.literal('freeFlow'), ...timing, ulPerHour: num('ulPerHour', 1, 100_000, 'µL/h') }),
    z.strictObject({ kind: z.literal('overTemperature'), ...timing, celsius: num('celsius', -20, 100, '°C') }),
    z.strictObject({ kind: z.literal('drugLibraryCorruption'), atHours: timing.atHours }),
    z.strictObject({ kind: z.literal('watchdog'), atHours: timing.atHours, durationSeconds: num('durationSeconds', 0.001, 24 * 3600, 's').default(30) }),
    z.strictObject({ kind: z.literal('airInLine'), ...timing, volumeUl: num('volumeUl', 0.1, 10_000, 'µL') }),
    z.strictObject({
      kind: z.literal('selfTestFailure'),
      ...timing,
      component: z.enum(SELF_TEST_COMPONENTS, { error: `component must be one of: ${SELF_TEST_COMPONENTS.join(', ')}` }),
    }),
  ],
  { error: (issue) => (issue.code === 'invalid_union' ? `kind must be one of: ${FAULT_KINDS.join(', ')}` : undefined) },
);

// Compile-time: what the schema gives is a FaultSpec, and every FaultSpec has a schema entry.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesFaultSpec: Same<z.output<typeof faultSchema>, FaultSpec> = true;
void schemaMatchesFaultSpec;
