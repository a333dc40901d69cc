/**
 * Scenario files: validation at load, defaults, the embedded default scenario (sim/scenario/scenario.ts).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO_INPUT, ScenarioError, defaultScenario, parseScenario, prescriptionInput } from '../../../sim/scenario/scenario.ts';
import { firstDuplicateKey } from '../../../sim/scenario/jsonFile.ts';
import { BUILT_IN_DEVICES } from '../../../sim/scenario/device.ts';

/** A deep copy of the default scenario JSON, changed by `edit`. */
function edited(edit: (s: Record<string, any>) => void): unknown {
  const s = JSON.parse(JSON.stringify(DEFAULT_SCENARIO_INPUT)) as Record<string, any>;
  edit(s);
  return s;
}

/** The one-line message parseScenario throws for `json`. */
function errorOf(json: unknown, source = 'test.json'): string {
  try {
    parseScenario(json, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(`${source}: `)).toBe(true);
    return message;
  }
  throw new Error('parseScenario accepted an invalid scenario');
}

describe('JSON files', () => {
  it('PUMP-INPUT-ERRORS a key given twice in one object is found with its path, as JSON.parse decodes keys; strings and other objects do not confuse the scan', () => {
    expect(firstDuplicateKey('{"patient":{"weightKg":700,"weightKg":70}}')).toEqual({ key: 'weightKg', path: 'patient' });
    expect(firstDuplicateKey('{"faults":[{"kind":"leak"},{"kind":"leak","atHours":1,"kind":"x"}]}')).toEqual({ key: 'kind', path: 'faults[1]' });
    expect(firstDuplicateKey('{"a":1,"\\u0061":2}')).toEqual({ key: 'a', path: '' });
    expect(firstDuplicateKey('{"name":"a,\\"b\\":{","b":[1,{"name":2}],"c":{"b":3}}')).toBeNull();
    expect(firstDuplicateKey(JSON.stringify(DEFAULT_SCENARIO_INPUT))).toBeNull();
  });
});

describe('scenario validation', () => {
  it('PUMP-INPUT-ERRORS a negative weight names patient.weightKg and the allowed range', () => {
    const message = errorOf(edited((s) => (s.patient.weightKg = -70)));
    expect(message).toContain('patient.weightKg');
    expect(message).toMatch(/allowed > 0 and ≤ 500 kg/);
  });

  it('PUMP-INPUT-ERRORS a zero weight is refused like a negative one', () => {
    expect(errorOf(edited((s) => (s.patient.weightKg = 0)))).toMatch(/patient\.weightKg.*allowed > 0 and ≤ 500 kg/);
  });

  it('PUMP-INPUT-ERRORS a weight given as a string says it must be a number, with the range', () => {
    const message = errorOf(edited((s) => (s.patient.weightKg = '70')));
    expect(message).toMatch(/patient\.weightKg must be a number/);
    expect(message).toMatch(/allowed > 0 and ≤ 500 kg/);
  });

  it('PUMP-INPUT-ERRORS an unknown top-level field is named and refused', () => {
    expect(errorOf(edited((s) => (s.colour = 'red')))).toMatch(/\bcolour: unknown field/);
  });

  it('PUMP-INPUT-ERRORS unknown nested fields are named with their path', () => {
    expect(errorOf(edited((s) => (s.patient.age = 62)))).toMatch(/patient\.age: unknown field/);
    expect(errorOf(edited((s) => (s.prescription.rateMlPerHour = 0.1)))).toMatch(/prescription\.rateMlPerHour: unknown field/);
    expect(errorOf(edited((s) => (s.device = { profile: 'port-ambulatory', colour: 'blue' })))).toMatch(/device\.colour: unknown field/);
  });

  it('PUMP-INPUT-ERRORS a missing prescription field is named with its allowed range', () => {
    const message = errorOf(edited((s) => delete s.prescription.infusionDays));
    expect(message).toContain('prescription.infusionDays');
    expect(message).toMatch(/allowed 0–365 days/);
    expect(errorOf(edited((s) => delete s.prescription.reservoirVolumeMl))).toMatch(/prescription\.reservoirVolumeMl.*allowed 0–1000 mL/);
  });

  it('PUMP-INPUT-ERRORS a missing section is reported as required', () => {
    expect(errorOf(edited((s) => delete s.patient))).toMatch(/patient: is required/);
  });

  it('PUMP-INPUT-ERRORS heightCm and bsaM2 both given, or neither, asks for exactly one', () => {
    const both = errorOf(edited((s) => (s.patient.bsaM2 = 1.8)));
    expect(both).toMatch(/patient.*exactly one of heightCm or bsaM2/);
    const neither = errorOf(edited((s) => delete s.patient.heightCm));
    expect(neither).toMatch(/patient.*exactly one of heightCm or bsaM2/);
    // bsaM2 alone is accepted.
    const withBsa = parseScenario(edited((s) => {
      delete s.patient.heightCm;
      s.patient.bsaM2 = 1.8;
    }));
    expect(withBsa.patient).toEqual({ weightKg: 70, bsaM2: 1.8 });
  });

  it('PUMP-INPUT-ERRORS a non-integer, negative or string seed names seed and the allowed range', () => {
    const cases: [unknown, string][] = [
      [1.5, 'seed must be a whole number, not a fraction (allowed 0–4294967295)'],
      [-1, 'seed is below the allowed range (allowed 0–4294967295)'],
      ['7', 'seed must be an integer (allowed 0–4294967295)'],
      [4_294_967_296, 'seed is above the allowed range (allowed 0–4294967295)'],
    ];
    for (const [seed, message] of cases) expect(errorOf(edited((s) => (s.seed = seed)))).toBe(`test.json: ${message}`);
  });

  it('PUMP-INPUT-ERRORS a seed far out of range (1e20) is reported once, as above the range', () => {
    expect(errorOf(edited((s) => (s.seed = 1e20)))).toBe('test.json: seed is above the allowed range (allowed 0–4294967295)');
  });

  it('PUMP-INPUT-ERRORS course.cycles out of range says below or above, with the allowed range; a fraction says so', () => {
    const cases: [number, string][] = [
      [0, 'course.cycles is below the allowed range (allowed 1–36)'],
      [37, 'course.cycles is above the allowed range (allowed 1–36)'],
      [2.5, 'course.cycles must be a whole number, not a fraction (allowed 1–36)'],
    ];
    for (const [cycles, message] of cases) expect(errorOf(edited((s) => (s.course = { cycles })))).toBe(`test.json: ${message}`);
  });

  it('PUMP-INPUT-ERRORS two faults of one condition that overlap in time are refused, naming both; one after the other, or of different conditions, are accepted', () => {
    const occlusion = (atHours: number, durationMinutes?: number): Record<string, unknown> => ({ kind: 'occlusion', atHours, location: 'catheter', severity: 1, ...(durationMinutes !== undefined ? { durationMinutes } : {}) });
    const refused = errorOf(edited((s) => (s.faults = [occlusion(48), occlusion(48.5, 30)])));
    expect(refused).toMatch(/faults\[0\] and faults\[1\] both set the occlusion condition over overlapping times \(from 48 h and 48\.5 h\)/);
    expect(errorOf(edited((s) => (s.faults = [occlusion(48, 60), occlusion(48.5)])))).toMatch(/faults\[0\] and faults\[1\]/);
    const sensor = (sensorName: string, atHours: number): Record<string, unknown> => ({ kind: 'sensor', sensor: sensorName, mode: 'dropout', atHours, durationMinutes: 60 });
    expect(errorOf(edited((s) => (s.faults = [sensor('pressure', 10), sensor('pressure', 10.5)])))).toMatch(/both set the pressure sensor condition/);
    for (const faults of [
      [occlusion(48, 30), occlusion(48.5)],
      [sensor('pressure', 10), sensor('flow', 10.5)],
      [occlusion(48, 60), { kind: 'leak', atHours: 48.5, durationMinutes: 30, location: 'line', fraction: 0.5 }],
      [{ kind: 'arterialPressure', atHours: 10, durationMinutes: 60, meanMmHg: 130 }, { kind: 'arterialPressure', atHours: 10.5, durationMinutes: 60, meanMmHg: 60 }],
    ]) {
      const ok = parseScenario({ ...JSON.parse(JSON.stringify(DEFAULT_SCENARIO_INPUT)), faults });
      expect(ok.faults).toHaveLength(2);
    }
  });

  it('PUMP-INPUT-ERRORS a fault whose onset or end lies after the end of the run is refused, naming the field and the run\'s length; a course has its own length', () => {
    expect(errorOf(edited((s) => (s.faults = [{ kind: 'occlusion', atHours: 1000 }])))).toBe(
      'test.json: faults[0].atHours = 1000 is at or after the end of the run (the run lasts 360 h: the 14-day infusion + 24 h; allowed 0 to below 360 h)',
    );
    expect(errorOf(edited((s) => (s.faults = [{ kind: 'leak', atHours: 2, fraction: 0.5 }, { kind: 'needleDislodgement', atHours: 359, durationMinutes: 120 }])))).toBe(
      'test.json: faults[1].durationMinutes = 120 ends after the end of the run (the run lasts 360 h: the 14-day infusion + 24 h; allowed up to 60 min from atHours 359)',
    );
    // Inside the run: accepted, up to the last instant.
    expect(parseScenario(edited((s) => (s.faults = [{ kind: 'needleDislodgement', atHours: 359, durationMinutes: 60 }]))).faults).toHaveLength(1);
    // A course of 6 × 21 days lasts 3024 h, whatever one infusion lasts.
    const course = (atHours: number): unknown => edited((s) => { s.course = { cycles: 6, cycleDays: 21 }; s.faults = [{ kind: 'powerLoss', atHours }]; });
    expect(parseScenario(course(3000)).faults).toHaveLength(1);
    expect(errorOf(course(3024))).toMatch(/faults\[0\]\.atHours = 3024 is at or after the end of the run \(the run lasts 3024 h: the course's 6 cycles of 21 days/);
  });

  it('PUMP-INPUT-ERRORS faults of one condition are checked for overlap in n·log(n): 100,000 of them load, and an overlap among them is still named', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => ({ kind: 'occlusion', atHours: 1 + i * 0.003, durationMinutes: 0.1, severity: 0.1 }));
    expect(parseScenario(edited((s) => (s.faults = many))).faults).toHaveLength(100_000);
    const overlapping = many.map((f, i) => (i === 70_000 ? { ...f, durationMinutes: 1 } : f));
    expect(errorOf(edited((s) => (s.faults = overlapping)))).toMatch(/^test\.json: faults\[70000\] and faults\[70001\] both set the occlusion condition/);
  });

  it('PUMP-INPUT-ERRORS an invalid-reading fault names a field of its sensor; encoder and battery take the invalid mode only', () => {
    const invalid = (f: Record<string, unknown>): unknown => edited((s) => (s.faults = [{ kind: 'sensor', atHours: 30, mode: 'invalid', value: 'NaN', ...f }]));
    for (const sensor of ['pressure', 'flow', 'reservoir', 'encoder', 'battery']) expect(parseScenario(invalid({ sensor })).faults).toHaveLength(1);
    expect(errorOf(invalid({ sensor: 'encoder', field: 'volumeMl' }))).toContain('field = volumeMl is not a field of the encoder reading (allowed: encoderCounts, strokesCommanded, atMs)');
    expect(errorOf(invalid({ sensor: 'battery', value: 'huge' }))).toContain('value must be one of: NaN, Infinity, -Infinity, negative, outOfRange');
    expect(errorOf(edited((s) => (s.faults = [{ kind: 'sensor', atHours: 30, sensor: 'encoder', mode: 'stuck' }])))).toContain('sensor must be one of: pressure, flow, reservoir');
  });

  it('PUMP-INPUT-ERRORS a refused course.cycles is reported once, not again by the checks of events against it', () => {
    for (const cycles of [0, -1, 1.5]) {
      const message = errorOf(
        edited((s) => {
          s.course = { cycles };
          s.clinicalEvents = [{ kind: 'ulcer', cycle: 2 }];
        }),
      );
      expect(message).toMatch(/^test\.json: course\.cycles (is below the allowed range|must be a whole number, not a fraction) \(allowed 1–36\)$/);
    }
  });

  it('PUMP-INPUT-ERRORS out-of-range numbers name the field and the allowed range', () => {
    expect(errorOf(edited((s) => (s.prescription.infusionDays = 400)))).toMatch(/prescription\.infusionDays is above the allowed range \(allowed 0–365 days\)/);
    expect(errorOf(edited((s) => (s.patient.heartRateBpm = 10)))).toMatch(/patient\.heartRateBpm is below the allowed range \(allowed 30–200 bpm\)/);
  });

  it('PUMP-INPUT-ERRORS every problem is reported on the one line, not only the first', () => {
    const message = errorOf(
      edited((s) => {
        s.patient.weightKg = -1;
        s.seed = 0.5;
      }),
    );
    expect(message).toContain('patient.weightKg');
    expect(message).toContain('seed must be a whole number, not a fraction (allowed 0–4294967295)');
  });
});

describe('scenario defaults', () => {
  it('SEED-PROTOCOL the embedded default scenario parses: 70 kg, 170 cm, FUDR 0.15 mg/kg/day, dexamethasone 1 mg/m²/day, 14 days, 30 mL', () => {
    const s = defaultScenario();
    expect(s).toEqual(parseScenario(DEFAULT_SCENARIO_INPUT));
    expect(s.name).toBe('nominal-70kg');
    expect(s.seed).toBe(7);
    expect(s.patient).toEqual({ weightKg: 70, heightCm: 170 });
    expect(s.prescription).toMatchObject({ fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 });
    expect(s.faults).toEqual([]);
  });

  it('SEED-HEPARIN-LOCK defaults are applied: heparin 100 IU/mL in the pump, 2 mL lock of 1000 IU/mL, no soft-limit confirmation, the port profile', () => {
    const s = defaultScenario();
    expect(s.prescription.heparinUnitsPerMl).toBe(100);
    expect(s.prescription.heparinLockVolumeMl).toBe(2);
    expect(s.prescription.heparinLockUnitsPerMl).toBe(1000);
    expect(s.prescription.confirmSoftLimits).toBe(false);
    expect(s.device.profile).toBe('port-ambulatory');
    expect(s.device.parameters).toBe(BUILT_IN_DEVICES['port-ambulatory']);
    const rx = prescriptionInput(s);
    expect(rx).toMatchObject({ heparinUnitsPerMl: 100, heparinLockVolumeMl: 2, heparinLockUnitsPerMl: 1000 });
  });

  it('PUMP-INPUT-ERRORS given values are kept over the defaults', () => {
    const s = parseScenario(edited((s) => {
      s.prescription.heparinUnitsPerMl = 50;
      s.prescription.heparinLockVolumeMl = 3;
      s.prescription.heparinLockUnitsPerMl = 500;
      s.prescription.confirmSoftLimits = true;
    }));
    expect(s.prescription).toMatchObject({ heparinUnitsPerMl: 50, heparinLockVolumeMl: 3, heparinLockUnitsPerMl: 500, confirmSoftLimits: true });
  });
});
