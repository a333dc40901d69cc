import { describe, expect, it } from 'vitest';
import { course18Scenario, faultHeavyScenario } from '../../../sim/tools/benchScenarios.ts';
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

  it('the course case is 18 cycles of 21 days of the default scenario', () => {
    const s = course18Scenario();
    expect(s.course).toMatchObject({ cycles: 18, cycleDays: 21 });
    expect(s.prescription).toEqual(defaultScenario().prescription);
  });
});
