/**
 * The command interface as an adversary meets it: whatever arrives through `Firmware.command` is
 * validated before anything acts on it. Every internal event of the statechart and every malformed
 * payload shape, in several modes, is refused with a reason naming the field, logged, and changes
 * nothing (mode, ledger, plan, alarms, NV); nothing throws and the pump keeps answering.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PRESCRIPTION_FIELD_RANGES, PUMP_COMMAND_TYPES, describeValue, validateCommand, validatePrescription } from '../../firmware/commands.ts';
import type { Pump } from '../support/pumps.ts';
import { alarmStoppedPump, bootedPump, infusingPump, readyPump } from '../support/pumps.ts';
import { checkProperty } from '../support/fc.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { SEED_PRESCRIPTION } from '../support/prescription.ts';
import { therapyRecordBytes } from '../support/fakeHal.ts';

/** Every event the statechart handles that is not a command (firmware/machine.ts `PumpEvent`). */
const INTERNAL_EVENTS: readonly Record<string, unknown>[] = [
  { type: 'phase.complete', phase: 'infuse' },
  { type: 'phase.complete', phase: 'prime' },
  { type: 'phase.complete', phase: 'flush' },
  { type: 'alarm.raised', code: 'OCCLUSION', driveAction: 'stopNow' },
  { type: 'alarm.cleared', code: 'OCCLUSION' },
  { type: 'alarm.cleared', code: 'MOTOR_STALL' },
  { type: 'selfTest.passed', resumePoint: 'none', plan: null, therapyPoint: 'none', connected: false },
  { type: 'selfTest.passed', resumePoint: 'infusing', plan: { fudrMgPerMl: 49 }, therapyPoint: 'infusing', connected: true },
  { type: 'selfTest.failed', reason: 'forged' },
  { type: 'xstate.init' },
  { type: 'confirm' },
  { type: '' },
  { type: 'PROGRAM' },
];

const rx = SEED_PRESCRIPTION;
const withRx = (patch: Record<string, unknown>): Record<string, unknown> => ({ type: 'program', prescription: { ...rx, ...patch } });
const withPatient = (patient: unknown): Record<string, unknown> => ({ type: 'program', prescription: { ...rx, patient } });

/** Malformed payloads: [what, input, the field the refusal must name]. */
const MALFORMED: readonly [string, unknown, string][] = [
  ['null', null, ''],
  ['undefined', undefined, ''],
  ['a string', 'start', ''],
  ['a number', 42, ''],
  ['an array', [{ type: 'start' }], ''],
  ['{}', {}, 'type'],
  ['a numeric type', { type: 1 }, 'type'],
  ['an inherited type', Object.create({ type: 'start' }) as unknown, 'type'],
  ['an extra field on a simple command', { type: 'start', rateUlPerHour: 1e6 }, 'rateUlPerHour'],
  ['a __proto__ field', JSON.parse('{"type":"prime","__proto__":{"x":1}}') as unknown, '__proto__'],
  ['program without a prescription', { type: 'program' }, 'prescription'],
  ['program with a null prescription', { type: 'program', prescription: null }, 'prescription'],
  ['program with {} as prescription', { type: 'program', prescription: {} }, 'prescription.patient'],
  ['program with an array prescription', { type: 'program', prescription: [rx] }, 'prescription'],
  ['a missing patient', { type: 'program', prescription: { ...rx, patient: undefined } }, 'prescription.patient'],
  ['a null patient', withPatient(null), 'prescription.patient'],
  ['a string weight', withPatient({ weightKg: '70', heightCm: 170 }), 'prescription.patient.weightKg'],
  ['a NaN weight', withPatient({ weightKg: NaN, heightCm: 170 }), 'prescription.patient.weightKg'],
  ['a zero weight', withPatient({ weightKg: 0, heightCm: 170 }), 'prescription.patient.weightKg'],
  ['an infinite height', withPatient({ weightKg: 70, heightCm: Infinity }), 'prescription.patient.heightCm'],
  ['a negative BSA', withPatient({ weightKg: 70, bsaM2: -1.8 }), 'prescription.patient.bsaM2'],
  ['an extra patient field', withPatient({ weightKg: 70, heightCm: 170, ageYears: 60 }), 'prescription.patient.ageYears'],
  ['a string dose', withRx({ fudrMgPerKgPerDay: '0.15' }), 'prescription.fudrMgPerKgPerDay'],
  ['a NaN dose', withRx({ fudrMgPerKgPerDay: NaN }), 'prescription.fudrMgPerKgPerDay'],
  ['an infinite dose', withRx({ fudrMgPerKgPerDay: Infinity }), 'prescription.fudrMgPerKgPerDay'],
  ['a negative dose', withRx({ dexamethasoneMgPerM2PerDay: -1 }), 'prescription.dexamethasoneMgPerM2PerDay'],
  ['a dose of 1e9', withRx({ fudrMgPerKgPerDay: 1e9 }), 'prescription.fudrMgPerKgPerDay'],
  ['−Infinity days', withRx({ infusionDays: -Infinity }), 'prescription.infusionDays'],
  ['a boolean dose factor', withRx({ doseFactor: true }), 'prescription.doseFactor'],
  ['a missing reservoir volume', withRx({ reservoirVolumeMl: undefined }), 'prescription.reservoirVolumeMl'],
  ['an array lock volume', withRx({ heparinLockVolumeMl: [2] }), 'prescription.heparinLockVolumeMl'],
  ['an object heparin', withRx({ heparinUnitsPerMl: { value: 100 } }), 'prescription.heparinUnitsPerMl'],
  ['an extra prescription field', withRx({ plan: { fudrMgPerMl: 49 } }), 'prescription.plan'],
  ['a string confirmSoftLimits', { type: 'program', prescription: rx, confirmSoftLimits: 'yes' }, 'confirmSoftLimits'],
  ['an extra program field', { type: 'program', prescription: rx, plan: {} }, 'plan'],
  ['refill without a volume', { type: 'refill' }, 'volumeMl'],
  ['refill with NaN', { type: 'refill', volumeMl: NaN }, 'volumeMl'],
  ['refill with −5', { type: 'refill', volumeMl: -5 }, 'volumeMl'],
  ['refill with 1e9', { type: 'refill', volumeMl: 1e9 }, 'volumeMl'],
  ['refill with "abc"', { type: 'refill', volumeMl: 'abc' }, 'volumeMl'],
  ['refill with Infinity', { type: 'refill', volumeMl: Infinity }, 'volumeMl'],
  ['refill with a string number', { type: 'refill', volumeMl: '30' }, 'volumeMl'],
  ['refill with an extra field', { type: 'refill', volumeMl: 30, drug: 'FUDR' }, 'drug'],
];

/** The pump in a mode, reached through valid commands (and, for an alarm stop, a stalled drive). */
const MODES: Readonly<Record<string, () => Pump>> = { idle: () => bootedPump(), ready: readyPump, infusing: infusingPump, alarmStopped: alarmStoppedPump };

/** What a refused command must leave as it was. */
function stateOf(p: Pump): unknown {
  return {
    mode: p.fw.modeName,
    ledger: p.fw.ledger,
    plan: p.fw.plan,
    alarms: p.fw.alarms.entries,
    nv: therapyRecordBytes(p.hal.flash),
    strokes: p.hal.strokeCommands.length,
  };
}

describe('the command validator', () => {
  it('PUMP-COMMAND-VALID accepts every documented command in its documented shape, and builds a fresh object', () => {
    const refill = { type: 'refill', volumeMl: 30 };
    for (const type of PUMP_COMMAND_TYPES) {
      const input = type === 'program' ? { type, prescription: rx, confirmSoftLimits: true } : type === 'refill' ? refill : { type };
      const checked = validateCommand(input, NOMINAL_PORT_CONFIG);
      expect(checked, type).toEqual({ ok: true, command: input });
      if (checked.ok) expect(checked.command).not.toBe(input);
    }
    expect(validatePrescription({ ...rx, patient: { weightKg: 70, bsaM2: 1.8 } })).toEqual({ ok: true, prescription: { ...rx, patient: { weightKg: 70, bsaM2: 1.8 } } });
  });

  it('PUMP-COMMAND-VALID refuses every internal event of the statechart, naming the type and the commands allowed', () => {
    for (const e of INTERNAL_EVENTS) {
      const checked = validateCommand(e, NOMINAL_PORT_CONFIG);
      expect(checked.ok, String(e['type'])).toBe(false);
      if (!checked.ok) {
        expect(checked.field).toBe('type');
        expect(checked.reason).toContain(`type = ${JSON.stringify(e['type'])} is not a command (allowed: program, prime, start`);
      }
    }
  });

  it('PUMP-COMMAND-VALID refuses each malformed payload, naming the field, the value and what is allowed', () => {
    for (const [what, input, field] of MALFORMED) {
      const checked = validateCommand(input, NOMINAL_PORT_CONFIG);
      expect(checked.ok, what).toBe(false);
      if (!checked.ok) {
        expect(checked.field, what).toBe(field);
        if (field !== '') expect(checked.reason, what).toContain(field);
      }
    }
    const refill = validateCommand({ type: 'refill', volumeMl: -5 }, NOMINAL_PORT_CONFIG);
    expect(refill).toEqual({ ok: false, field: 'volumeMl', reason: 'volumeMl = -5 is outside the allowed range (allowed 1–100 mL)' });
    const weight = validateCommand(withPatient({ weightKg: '70', heightCm: 170 }), NOMINAL_PORT_CONFIG);
    expect(weight).toEqual({ ok: false, field: 'prescription.patient.weightKg', reason: 'prescription.patient.weightKg = "70" must be a number (allowed > 0 and ≤ 500 kg)' });
    const nan = validatePrescription({ ...rx, infusionDays: NaN });
    expect(nan).toEqual({ ok: false, field: 'prescription.infusionDays', reason: 'prescription.infusionDays = NaN must be a finite number (allowed 0–365 days)' });
  });

  it('PUMP-COMMAND-VALID a refusal shows the value it refused as a short, typed excerpt', () => {
    const shown: [unknown, string][] = [
      [undefined, 'missing'], [null, 'null'], [-0, '-0'], [0, '0'], [-5.5, '-5.5'], [NaN, 'NaN'],
      ['abc', '"abc"'], ['x'.repeat(40), JSON.stringify('x'.repeat(40))], ['y'.repeat(41), JSON.stringify(`${'y'.repeat(40)}…`)],
      [true, 'true (boolean)'], [10n, '10 (bigint)'], [[1], 'an array'], [{ a: 1 }, 'an object'], [() => 1, 'a function'], [Symbol('s'), 'a symbol'],
    ];
    for (const [value, text] of shown) expect(describeValue(value)).toBe(text);
    expect(validateCommand({ type: 'refill', volumeMl: 'y'.repeat(41) }, NOMINAL_PORT_CONFIG)).toEqual({ ok: false, field: 'volumeMl', reason: `volumeMl = ${JSON.stringify(`${'y'.repeat(40)}…`)} must be a number (allowed 1–100 mL)` });
  });

  it('PUMP-COMMAND-VALID every prescription field takes the edges of its range and refuses just beyond them; a bound that excludes its edge refuses it', () => {
    const set = (field: string, v: number): unknown =>
      field in PRESCRIPTION_FIELD_RANGES && ['weightKg', 'heightCm', 'bsaM2'].includes(field) ? { ...rx, patient: { weightKg: 70, heightCm: 170, [field]: v } } : { ...rx, [field]: v };
    for (const [field, range] of Object.entries(PRESCRIPTION_FIELD_RANGES)) {
      const path = ['weightKg', 'heightCm', 'bsaM2'].includes(field) ? `prescription.patient.${field}` : `prescription.${field}`;
      const exclusive = 'minExclusive' in range && range.minExclusive === true;
      const allowed = `${exclusive ? `allowed > ${range.min} and ≤ ${range.max}` : `allowed ${range.min}–${range.max}`}${range.unit ? ` ${range.unit}` : ''}`;
      const edge = Math.max(1e-9, range.max * 1e-9);
      expect(validatePrescription(set(field, range.max)).ok, `${field} = max`).toBe(true);
      expect(validatePrescription(set(field, range.min)), `${field} = min`).toEqual(exclusive ? { ok: false, field: path, reason: `${path} = ${range.min} is outside the allowed range (${allowed})` } : { ok: true, prescription: expect.anything() });
      expect(validatePrescription(set(field, range.min + edge)).ok, `${field} just above min`).toBe(true);
      for (const v of [range.max + edge, range.min - edge]) expect(validatePrescription(set(field, v)), `${field} = ${v}`).toEqual({ ok: false, field: path, reason: `${path} = ${v} is outside the allowed range (${allowed})` });
    }
    expect(validatePrescription({ ...rx, doseFactor: 11 })).toMatchObject({ reason: 'prescription.doseFactor = 11 is outside the allowed range (allowed 0–10)' });
  });

  it('PUMP-COMMAND-VALID each prescription field is refused with its documented range and unit, written out here as the scenario format states them (docs/scenarios.md)', () => {
    const documented: Record<string, string> = {
      'patient.weightKg': 'allowed > 0 and ≤ 500 kg',
      'patient.heightCm': 'allowed > 0 and ≤ 300 cm',
      'patient.bsaM2': 'allowed > 0 and ≤ 5 m²',
      fudrMgPerKgPerDay: 'allowed 0–10 mg/kg/day',
      dexamethasoneMgPerM2PerDay: 'allowed 0–100 mg/m²/day',
      heparinUnitsPerMl: 'allowed 0–100000 IU/mL',
      infusionDays: 'allowed 0–365 days',
      doseFactor: 'allowed 0–10',
      reservoirVolumeMl: 'allowed 0–1000 mL',
      heparinLockVolumeMl: 'allowed 0–100 mL',
      heparinLockUnitsPerMl: 'allowed 0–100000 IU/mL',
    };
    for (const [field, allowed] of Object.entries(documented)) {
      const key = field.replace('patient.', '');
      const input = field.startsWith('patient.') ? { ...rx, patient: { weightKg: 70, heightCm: 170, [key]: 'x' } } : { ...rx, [key]: 'x' };
      expect(validatePrescription(input), field).toEqual({ ok: false, field: `prescription.${field}`, reason: `prescription.${field} = "x" must be a number (${allowed})` });
    }
    // The weight, height and BSA exclude 0; the others take it.
    expect(validatePrescription({ ...rx, patient: { weightKg: 0 } })).toMatchObject({ ok: false, field: 'prescription.patient.weightKg' });
    expect(validatePrescription({ ...rx, patient: { weightKg: 70, heightCm: 0 } })).toMatchObject({ ok: false, field: 'prescription.patient.heightCm' });
    expect(validatePrescription({ ...rx, patient: { weightKg: 70, bsaM2: 0 } })).toMatchObject({ ok: false, field: 'prescription.patient.bsaM2' });
    expect(validatePrescription({ ...rx, heparinLockVolumeMl: 0, doseFactor: 0 }).ok).toBe(true);
  });

  it('PUMP-COMMAND-VALID refusals of shape name the path and list what is allowed; inherited fields count for nothing', () => {
    for (const input of [null, undefined, 'start', [{ type: 'start' }]]) {
      expect(validateCommand(input, NOMINAL_PORT_CONFIG), String(input)).toEqual({ ok: false, field: '', reason: `the command = ${describeValue(input)} must be an object with a type (allowed: ${PUMP_COMMAND_TYPES.join(', ')})` });
    }
    expect(validateCommand(42, NOMINAL_PORT_CONFIG)).toEqual({ ok: false, field: '', reason: `the command = 42 must be an object with a type (allowed: ${PUMP_COMMAND_TYPES.join(', ')})` });
    expect(validateCommand({ type: 'start', extra: 1 }, NOMINAL_PORT_CONFIG)).toEqual({ ok: false, field: 'extra', reason: 'extra: unknown field (allowed: type)' });
    expect(validateCommand({ type: 'program', prescription: null }, NOMINAL_PORT_CONFIG)).toEqual({ ok: false, field: 'prescription', reason: 'prescription = null must be an object' });
    expect(validateCommand(withPatient({ weightKg: 70, ageYears: 60 }), NOMINAL_PORT_CONFIG)).toEqual({ ok: false, field: 'prescription.patient.ageYears', reason: 'prescription.patient.ageYears: unknown field (allowed: weightKg, heightCm, bsaM2)' });
    expect(validatePrescription([rx])).toEqual({ ok: false, field: 'prescription', reason: 'prescription = an array must be an object' });
    expect(validateCommand({ type: 'program', prescription: rx, confirmSoftLimits: 1 }, NOMINAL_PORT_CONFIG)).toEqual({ ok: false, field: 'confirmSoftLimits', reason: 'confirmSoftLimits = 1 must be true or false' });
    // A prescription whose fields are inherited has none of its own.
    expect(validatePrescription(Object.create(rx, { patient: { value: rx.patient, enumerable: true } }) as unknown)).toMatchObject({ ok: false, field: 'prescription.fudrMgPerKgPerDay', reason: expect.stringContaining('= missing must be a number') });
    expect(validatePrescription({ ...rx, patient: Object.create({ weightKg: 70 }) as unknown })).toMatchObject({ ok: false, field: 'prescription.patient.weightKg' });
  });

  it('PUMP-COMMAND-VALID a programme without confirmSoftLimits carries none; one without height or BSA carries neither; the refill range is the device’s', () => {
    const program = validateCommand({ type: 'program', prescription: rx }, NOMINAL_PORT_CONFIG);
    expect(program).toStrictEqual({ ok: true, command: { type: 'program', prescription: { ...rx, patient: { ...rx.patient } } } });
    expect(validateCommand({ type: 'program', prescription: rx, confirmSoftLimits: false }, NOMINAL_PORT_CONFIG)).toMatchObject({ ok: true, command: { confirmSoftLimits: false } });
    expect(validatePrescription({ ...rx, patient: { weightKg: 70 } })).toStrictEqual({ ok: true, prescription: { ...rx, patient: { weightKg: 70 } } });
    const fill = NOMINAL_PORT_CONFIG.reservoirFillRangeMl;
    for (const volumeMl of [fill.min, fill.max]) expect(validateCommand({ type: 'refill', volumeMl }, NOMINAL_PORT_CONFIG)).toEqual({ ok: true, command: { type: 'refill', volumeMl } });
    const narrow = { ...NOMINAL_PORT_CONFIG, reservoirFillRangeMl: { min: 10, max: 20 } };
    expect(validateCommand({ type: 'refill', volumeMl: 25 }, narrow)).toEqual({ ok: false, field: 'volumeMl', reason: 'volumeMl = 25 is outside the allowed range (allowed 10–20 mL)' });
  });

  it('PUMP-COMMAND-VALID an input whose reading throws (a hostile getter) is refused, not rethrown', () => {
    const hostile = { type: 'program', get prescription(): never { throw new Error('boom'); } };
    expect(validateCommand(hostile, NOMINAL_PORT_CONFIG)).toEqual({ ok: false, field: '', reason: 'the input cannot be read' });
  });
});

describe('refused commands through the firmware', () => {
  for (const [modeName, reach] of Object.entries(MODES)) {
    it(`PUMP-COMMAND-VALID in ${modeName}: every internal event and every malformed payload is refused, logged, and changes nothing`, () => {
      const p = reach();
      expect(p.fw.modeName).toBe(modeName === 'infusing' ? 'therapy.infusing.running' : modeName);
      const before = stateOf(p);
      const logBefore = p.hal.logEntries.length;
      const inputs: unknown[] = [...INTERNAL_EVENTS, ...MALFORMED.map(([, input]) => input)];
      for (const input of inputs) {
        const answer = p.fw.command(input);
        expect(answer.accepted).toBe(false);
        expect(answer.mode).toBe(p.fw.modeName);
        expect(answer.reason).toBeTypeOf('string');
        expect(stateOf(p)).toEqual(before);
      }
      const refusals = p.hal.logEntries.slice(logBefore);
      expect(refusals).toHaveLength(inputs.length);
      for (const e of refusals) expect(e).toMatchObject({ kind: 'command', code: 'REFUSED' });
      // The pump still works: time runs, and a valid command is still answered.
      p.hal.clock.advance(60_000);
      expect(p.fw.command({ type: 'acknowledge' }).accepted).toBe(true);
    });
  }

  it('PUMP-COMMAND-VALID a forged phase.complete cannot end an infusion, a forged alarm.cleared cannot let resume through, a forged selfTest.passed cannot install a plan', () => {
    const p = MODES['alarmStopped']!();
    expect(p.fw.modeName).toBe('alarmStopped');
    expect(p.fw.command({ type: 'alarm.cleared', code: 'MOTOR_STALL' }).accepted).toBe(false);
    expect(p.fw.command({ type: 'resume' }).accepted).toBe(false);
    expect(p.fw.command({ type: 'phase.complete', phase: 'infuse' }).accepted).toBe(false);
    expect(p.fw.modeName).toBe('alarmStopped');
    const idle = bootedPump();
    expect(idle.fw.command({ type: 'selfTest.passed', resumePoint: 'ready', plan: { fudrMgPerMl: 49 }, therapyPoint: 'none', connected: false }).accepted).toBe(false);
    expect(idle.fw.plan).toBeNull();
    expect(idle.fw.modeName).toBe('idle');
  });

  it('PUMP-COMMAND-VALID random JSON-like values never throw; whatever the validator refuses changes nothing', () => {
    const p = MODES['ready']!();
    const before = stateOf(p);
    const field = fc.constantFrom('type', 'prescription', 'patient', 'volumeMl', 'confirmSoftLimits', 'weightKg', 'phase', 'code');
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e9, -5, '70', null, undefined, [], {}),
      fc.constantFrom(...PUMP_COMMAND_TYPES, 'phase.complete', 'alarm.cleared', 'selfTest.passed'),
    );
    const mutatedProgram = fc.record({ key: fc.constantFrom(...Object.keys(rx)), v: value }).map(({ key, v }) => withRx({ [key]: v }));
    const input = fc.oneof(fc.anything(), fc.jsonValue(), fc.dictionary(field, value), mutatedProgram);
    checkProperty(
      fc.property(input, (x) => {
        const checked = validateCommand(x, NOMINAL_PORT_CONFIG);
        if (checked.ok) return; // a valid command may act; `prime`/`stop` etc. are judged by the model tests
        const answer = p.fw.command(x);
        expect(answer.accepted).toBe(false);
        expect(answer.reason).toBe(checked.reason);
        expect(stateOf(p)).toEqual(before);
      }),
      { seed: 15, numRuns: 200 },
    );
  });
});
