/**
 * The library entry (sim/library/index.ts): the summary `pumpsim run --json` prints, and typed
 * errors instead of a summary of nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrescriptionRefusedError, ScenarioError, parseScenario, simulate, simulateCourse } from '../../../sim/library/index.ts';
import { cli } from '../../support/cli.ts';
import { shortScenarioInput } from '../../support/simulation.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-library-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withoutWallTime = (summary: object): object => ({ ...summary, wallMs: 0 });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('PUMP-API the library', () => {
  it('PUMP-API simulate returns the summary `pumpsim run --json` prints, for a scenario as written and as parsed, and with a seed', async () => {
    const input = { ...shortScenarioInput({ name: 'library', seed: 5, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 }), faults: [{ kind: 'occlusion', atHours: 0.3, durationMinutes: 10, location: 'catheter', severity: 1 }] };
    const file = path.join(dir, 'library.json');
    writeFileSync(file, JSON.stringify(input));
    for (const seed of [undefined, 9]) {
      const r = await cli('run', '--scenario', file, '--json', ...(seed === undefined ? [] : ['--seed', String(seed)]));
      const printed = withoutWallTime(JSON.parse(r.stdout) as object);
      const options = seed === undefined ? {} : { seed };
      expect(withoutWallTime(simulate(input as never, options))).toEqual(printed);
      expect(withoutWallTime(simulate(parseScenario(input), options))).toEqual(printed);
    }
  });

  it('PUMP-API a refused prescription throws PrescriptionRefusedError naming the field and the limit; one needing confirmation too', () => {
    const refused = thrown(() => simulate({ ...shortScenarioInput(), prescription: { ...shortScenarioInput().prescription, fudrMgPerKgPerDay: 0.5 } }));
    expect(refused).toBeInstanceOf(PrescriptionRefusedError);
    expect(refused).toMatchObject({ name: 'PrescriptionRefusedError', kind: 'hard', field: 'prescription.fudrMgPerKgPerDay', value: 0.5, unit: 'mg/kg/day', limit: { max: 0.3 } });
    expect((refused as Error).message).toMatch(/prescription\.fudrMgPerKgPerDay = 0\.5 is outside the hard limit/);
    const soft = thrown(() => simulate({ ...shortScenarioInput(), prescription: { ...shortScenarioInput().prescription, fudrMgPerKgPerDay: 0.25, confirmSoftLimits: false } }));
    expect(soft).toBeInstanceOf(PrescriptionRefusedError);
    expect(soft).toMatchObject({ kind: 'soft', field: 'prescription.fudrMgPerKgPerDay', value: 0.25, limit: { max: 0.2 } });
  });

  it('PUMP-API invalid input throws ScenarioError naming the field; a course runs with simulateCourse, and each refuses the other kind', () => {
    expect(thrown(() => simulate({ ...shortScenarioInput(), patient: { weightKg: -1, heightCm: 170 } }))).toBeInstanceOf(ScenarioError);
    expect(thrown(() => simulate(shortScenarioInput(), { seed: -1 }))).toMatchObject({ message: expect.stringMatching(/options\.seed = -1 must be a whole number/) });
    const course = { ...shortScenarioInput({ infusionDays: 14, reservoirVolumeMl: 30 }), course: { cycles: 1, cycleDays: 21 } };
    expect(thrown(() => simulate(course))).toMatchObject({ message: expect.stringMatching(/run it with simulateCourse/) });
    expect(thrown(() => simulateCourse(shortScenarioInput()))).toMatchObject({ message: expect.stringMatching(/run it with simulate$/) });
    const summary = simulateCourse(course);
    expect(summary.mode).toBe('course');
    expect(summary.course.cyclesPlanned).toBe(1);
    expect(summary.course.cyclesInfused).toBe(1);
  });
});

describe('PUMP-API a parsed scenario stays as validated', () => {
  it('PUMP-API parseScenario returns a frozen scenario that simulate and simulateCourse run as given', () => {
    const parsedRun = parseScenario(shortScenarioInput({ infusionDays: 1 / 24, reservoirVolumeMl: 1.5 }));
    expect(Object.isFrozen(parsedRun) && Object.isFrozen(parsedRun.prescription) && Object.isFrozen(parsedRun.device.parameters)).toBe(true);
    expect(() => {
      (parsedRun as { seed: number }).seed = Number.NaN;
    }).toThrow(TypeError);
    expect(simulate(parsedRun).finalState).toBe('locked');
    const parsedCourse = parseScenario({ ...shortScenarioInput({ infusionDays: 14, reservoirVolumeMl: 30 }), device: { profile: 'implanted' }, prescription: { ...shortScenarioInput({ infusionDays: 14, reservoirVolumeMl: 20 }).prescription }, course: { cycles: 1, cycleDays: 21 } });
    expect(simulateCourse(parsedCourse).course.cyclesPlanned).toBe(1);
  });
});
