import { describe, expect, it } from 'vitest';
import { course18Scenario, faultHeavyScenario, patientCycleScenario } from '../../../sim/tools/benchScenarios.ts';
import { defaultScenario } from '../../../sim/scenario/scenario.ts';

describe('the bench scenarios', () => {
  it('the fault-heavy cycle is the default cycle with its faults, valid as a scenario file', () => {
    const s = faultHeavyScenario();
    expect(s.name).toBe('fault-heavy');
    expect(s.prescription).toEqual(defaultScenario().prescription);
    expect(s.device).toEqual(defaultScenario().device);
    const kinds = s.faults.map((f) => f.kind);
    expect(kinds.filter((k) => k === 'occlusion')).toHaveLength(13);
    expect(kinds.filter((k) => k === 'powerLoss')).toHaveLength(3);
  });

  it('the patient-world cycle is the default cycle in the patient world, ambulatory in sinus rhythm', () => {
    const s = patientCycleScenario();
    expect(s.world.physiology).toBe('patient');
    expect(defaultScenario().world.physiology).toBe('kind');
    expect(s.patient).toMatchObject({ rhythm: 'sinus', activity: 'ambulatory' });
    expect(s.prescription).toEqual(defaultScenario().prescription);
    expect(s.device).toEqual(defaultScenario().device);
  });

  it('the course case is 18 cycles of 21 days of the default scenario', () => {
    const s = course18Scenario();
    expect(s.course).toMatchObject({ cycles: 18, cycleDays: 21 });
    expect(s.prescription).toEqual(defaultScenario().prescription);
  });
});
