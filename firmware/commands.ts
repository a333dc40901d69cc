/**
 * The typed command interface: the only way in from outside (keypad, clinician programmer, test).
 *
 * Owns: the command vocabulary, the validation of what arrives from outside (`validateCommand`,
 * `validatePrescription`), and the answer to each command.
 * Promises:
 * - What arrives is `unknown` until it validates: only the documented command types, each with
 *   exactly its own fields, every number finite and inside its range. A refusal names the field,
 *   the value and what is allowed; validation never throws and never hands on the caller's object
 *   (the command it returns is built afresh, so nothing unchecked rides along).
 * - The statechart's internal events (`phase.complete`, `alarm.raised`, `selfTest.passed`, …) are
 *   not commands: no input reaches them.
 * - Prescription ranges here are physical plausibility (a weight of 1e9 kg is not a patient); the
 *   drug library's hard and soft limits narrow them when the plan is made (dosing.ts). The refill
 *   volume is judged against the device's `reservoirFillRangeMl`.
 * - A command is accepted only if the current mode handles it; otherwise the answer says which
 *   mode refused it. Nothing else can change the pump's mode from outside.
 */
import type { DeviceConfig, Range } from '../hal/index.ts';
import type { PatientInput, PrescriptionInput } from './dosing.ts';

export type PumpCommand =
  | { readonly type: 'program'; readonly prescription: PrescriptionInput; readonly confirmSoftLimits?: boolean }
  | { readonly type: 'prime' }
  | { readonly type: 'start' }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'acknowledge' }
  | { readonly type: 'audioPause' }
  | { readonly type: 'cancelPause' }
  | { readonly type: 'stop' }
  | { readonly type: 'flush' }
  | { readonly type: 'refill'; readonly volumeMl: number };

export type PumpCommandType = PumpCommand['type'];

/** Every command type the interface accepts from outside, and nothing else. */
export const PUMP_COMMAND_TYPES: readonly PumpCommandType[] = Object.freeze([
  'program', 'prime', 'start', 'pause', 'resume', 'acknowledge', 'audioPause', 'cancelPause', 'stop', 'flush', 'refill',
] as const);

export interface CommandAnswer {
  readonly accepted: boolean;
  /** The pump's mode after the command (dotted state path). */
  readonly mode: string;
  readonly reason?: string;
}

/** Why an input was refused: the field (dotted path, '' for the input itself) and a sentence naming value and allowed range. */
export interface InputRefusal {
  readonly ok: false;
  readonly field: string;
  readonly reason: string;
}

export type CommandCheck = { readonly ok: true; readonly command: PumpCommand } | InputRefusal;
export type PrescriptionCheck = { readonly ok: true; readonly prescription: PrescriptionInput } | InputRefusal;

/** A numeric field's physical range: `min` excluded when `minExclusive` (a weight of 0 kg is no patient). */
interface FieldRange extends Range {
  readonly unit: string;
  readonly minExclusive?: boolean;
}

/**
 * Physical plausibility of each prescription field. They are the scenario format's ranges
 * (sim/scenario/scenario.ts), so whatever a scenario file may hold reaches the drug library,
 * which then refuses what is clinically out of bounds with its own finding.
 */
export const PRESCRIPTION_FIELD_RANGES = Object.freeze({
  weightKg: { min: 0, max: 500, unit: 'kg', minExclusive: true },
  heightCm: { min: 0, max: 300, unit: 'cm', minExclusive: true },
  bsaM2: { min: 0, max: 5, unit: 'm²', minExclusive: true },
  fudrMgPerKgPerDay: { min: 0, max: 10, unit: 'mg/kg/day' },
  dexamethasoneMgPerM2PerDay: { min: 0, max: 100, unit: 'mg/m²/day' },
  heparinUnitsPerMl: { min: 0, max: 100_000, unit: 'IU/mL' },
  infusionDays: { min: 0, max: 365, unit: 'days' },
  doseFactor: { min: 0, max: 10, unit: '' },
  reservoirVolumeMl: { min: 0, max: 1000, unit: 'mL' },
  heparinLockVolumeMl: { min: 0, max: 100, unit: 'mL' },
  heparinLockUnitsPerMl: { min: 0, max: 100_000, unit: 'IU/mL' },
} satisfies Record<string, FieldRange>);

const PATIENT_FIELDS = ['weightKg', 'heightCm', 'bsaM2'] as const;
const PRESCRIPTION_NUMBER_FIELDS = [
  'fudrMgPerKgPerDay', 'dexamethasoneMgPerM2PerDay', 'heparinUnitsPerMl', 'infusionDays', 'doseFactor',
  'reservoirVolumeMl', 'heparinLockVolumeMl', 'heparinLockUnitsPerMl',
] as const;
const PRESCRIPTION_FIELDS: readonly string[] = ['patient', ...PRESCRIPTION_NUMBER_FIELDS];
const FIELDS_OF: Readonly<Record<PumpCommandType, readonly string[]>> = Object.freeze({
  program: ['type', 'prescription', 'confirmSoftLimits'],
  prime: ['type'], start: ['type'], pause: ['type'], resume: ['type'], acknowledge: ['type'],
  audioPause: ['type'], cancelPause: ['type'], stop: ['type'], flush: ['type'],
  refill: ['type', 'volumeMl'],
});

/** Thrown inside the validator only, caught at its entry: the first problem found. */
class Refused {
  constructor(readonly field: string, readonly reason: string) {}
}

/** How a value reads in a refusal: never throws, never prints more than a short excerpt. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object at `field`, with no field but `allowed` (own properties only: a prototype adds nothing). */
function record(value: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isRecord(value)) throw new Refused(field, `${field || 'the command'} = ${describeValue(value)} must be an object`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const path = field ? `${field}.${key}` : key;
      throw new Refused(path, `${path}: unknown field (allowed: ${allowed.join(', ')})`);
    }
  }
  return value;
}

function own(r: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(r, key) ? r[key] : undefined;
}

function allowedText(range: FieldRange): string {
  const unit = range.unit ? ` ${range.unit}` : '';
  return range.minExclusive === true ? `allowed > ${range.min} and ≤ ${range.max}${unit}` : `allowed ${range.min}–${range.max}${unit}`;
}

/** A finite number inside `range`. */
function numberField(value: unknown, field: string, range: FieldRange): number {
  const allowed = allowedText(range);
  if (typeof value !== 'number') throw new Refused(field, `${field} = ${describeValue(value)} must be a number (${allowed})`);
  if (!Number.isFinite(value)) throw new Refused(field, `${field} = ${describeValue(value)} must be a finite number (${allowed})`);
  const below = range.minExclusive === true ? value <= range.min : value < range.min;
  if (below || value > range.max) throw new Refused(field, `${field} = ${describeValue(value)} is outside the allowed range (${allowed})`);
  return value;
}

function patientOf(value: unknown, field: string): PatientInput {
  const p = record(value, field, PATIENT_FIELDS);
  const R = PRESCRIPTION_FIELD_RANGES;
  const weightKg = numberField(own(p, 'weightKg'), `${field}.weightKg`, R.weightKg);
  const height = own(p, 'heightCm');
  const bsa = own(p, 'bsaM2');
  // Which of height and BSA is given (or that neither is) is the drug library's finding to make.
  return {
    weightKg,
    ...(height === undefined ? {} : { heightCm: numberField(height, `${field}.heightCm`, R.heightCm) }),
    ...(bsa === undefined ? {} : { bsaM2: numberField(bsa, `${field}.bsaM2`, R.bsaM2) }),
  };
}

function prescriptionOf(value: unknown, field: string): PrescriptionInput {
  const rx = record(value, field, PRESCRIPTION_FIELDS);
  const patient = patientOf(own(rx, 'patient'), `${field}.patient`);
  const R = PRESCRIPTION_FIELD_RANGES;
  const n = (key: (typeof PRESCRIPTION_NUMBER_FIELDS)[number]): number => numberField(own(rx, key), `${field}.${key}`, R[key]);
  return {
    patient,
    fudrMgPerKgPerDay: n('fudrMgPerKgPerDay'),
    dexamethasoneMgPerM2PerDay: n('dexamethasoneMgPerM2PerDay'),
    heparinUnitsPerMl: n('heparinUnitsPerMl'),
    infusionDays: n('infusionDays'),
    doseFactor: n('doseFactor'),
    reservoirVolumeMl: n('reservoirVolumeMl'),
    heparinLockVolumeMl: n('heparinLockVolumeMl'),
    heparinLockUnitsPerMl: n('heparinLockUnitsPerMl'),
  };
}

function refusal(err: unknown): InputRefusal {
  if (err instanceof Refused) return { ok: false, field: err.field, reason: err.reason };
  // A hostile object (a getter that throws, a proxy) is refused as unreadable, never rethrown.
  return { ok: false, field: '', reason: 'the input cannot be read' };
}

/**
 * A prescription as it arrives from outside (a command, a stored programme): every field present
 * (patient's `heightCm` and `bsaM2` optional), each a finite number in its physical range
 * (`PRESCRIPTION_FIELD_RANGES`), no other field. Field names in refusals start at `prescription.`.
 */
export function validatePrescription(input: unknown): PrescriptionCheck {
  try {
    return { ok: true, prescription: prescriptionOf(input, 'prescription') };
  } catch (err) {
    return refusal(err);
  }
}

/**
 * A command as it arrives from outside: one of `PUMP_COMMAND_TYPES` with exactly its fields.
 * `program`: the prescription (`validatePrescription`) and an optional boolean `confirmSoftLimits`;
 * `refill`: `volumeMl` inside the device's `reservoirFillRangeMl`.
 */
export function validateCommand(input: unknown, config: DeviceConfig): CommandCheck {
  try {
    if (!isRecord(input)) throw new Refused('', `the command = ${describeValue(input)} must be an object with a type (allowed: ${PUMP_COMMAND_TYPES.join(', ')})`);
    const type = own(input, 'type');
    if (typeof type !== 'string' || !(PUMP_COMMAND_TYPES as readonly string[]).includes(type)) {
      throw new Refused('type', `type = ${describeValue(type)} is not a command (allowed: ${PUMP_COMMAND_TYPES.join(', ')})`);
    }
    const t = type as PumpCommandType;
    const r = record(input, '', FIELDS_OF[t]);
    switch (t) {
      case 'program': {
        const prescription = prescriptionOf(own(r, 'prescription'), 'prescription');
        const confirm = own(r, 'confirmSoftLimits');
        if (confirm !== undefined && typeof confirm !== 'boolean') {
          throw new Refused('confirmSoftLimits', `confirmSoftLimits = ${describeValue(confirm)} must be true or false`);
        }
        return { ok: true, command: confirm === undefined ? { type: t, prescription } : { type: t, prescription, confirmSoftLimits: confirm } };
      }
      case 'refill': {
        const fill = config.reservoirFillRangeMl;
        const volumeMl = numberField(own(r, 'volumeMl'), 'volumeMl', { min: fill.min, max: fill.max, unit: 'mL' });
        return { ok: true, command: { type: t, volumeMl } };
      }
      default:
        return { ok: true, command: { type: t } };
    }
  } catch (err) {
    return refusal(err);
  }
}
