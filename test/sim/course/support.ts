/**
 * Course scenarios for the tests: the seed protocol, and a short form (1-day infusions of a
 * 3 mL reservoir on short cycles) that keeps the pump at 1 Hz but costs ~1/14 of a real cycle.
 */
import type { Scenario, ScenarioInput } from '../../../sim/scenario/scenario.ts';
import { parseScenario } from '../../../sim/scenario/scenario.ts';

export const SEED_PRESCRIPTION = Object.freeze({ fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 });

/** 1-day infusion: 3 mL gives (3000 − 500 − 370)·0.97 µL over 24 h ≈ 86 µL/h, the seed protocol's rate. */
export const SHORT_PRESCRIPTION = Object.freeze({ ...SEED_PRESCRIPTION, infusionDays: 1, reservoirVolumeMl: 3, confirmSoftLimits: true });

export function courseScenario(overrides: Partial<ScenarioInput> & Pick<ScenarioInput, 'course'>): Scenario {
  return parseScenario(
    {
      name: 'course test',
      seed: 11,
      patient: { weightKg: 70, heightCm: 170 },
      prescription: SEED_PRESCRIPTION,
      ...overrides,
    },
    'test scenario',
  );
}
