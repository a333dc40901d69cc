/**
 * A side-hole catheter blocked at its outlet (`occlusion` with `wallPulseFraction`): a share of
 * the arterial pulse still reaches the pump through the catheter wall (sim/world/plant/hydraulics.ts),
 * so the pulse-loss signal is weak or absent and the 400 mmHg backstop ends it; the scenario field
 * is refused naming the field and range outside a catheter occlusion or outside 0–1.
 */
import { describe, expect, it } from 'vitest';
import { THRESHOLDS, detectorConfig } from '../../../../firmware/index.ts';
import { Simulation } from '../../../../sim/run/simulation.ts';
import { ScenarioError, parseScenario } from '../../../../sim/scenario/scenario.ts';
import { PORT_AMBULATORY } from '../../../../sim/scenario/device.ts';
import { nominalConditions } from '../../../../sim/world/plant/conditions.ts';
import { hydraulicsOf } from '../../../../sim/world/plant/hydraulics.ts';
import type { PatientArtery } from '../../../../sim/world/plant/reference.ts';

const ARTERY: PatientArtery = { meanMmHg: 90, pulsePressureMmHg: 40, heartRateBpm: 70, diurnalAmplitudeMmHg: 0, diurnalPhaseRad: 0, tissuePressureMmHg: 5 };
const HOUR_MS = 3_600_000;

function scenario(wallPulseFraction: number | undefined, location = 'catheter'): Record<string, unknown> {
  return {
    name: 'side-hole',
    seed: 3,
    patient: { weightKg: 70, heightCm: 170, meanArterialPressureMmHg: 90 },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
    faults: [{ kind: 'occlusion', atHours: 1, location, severity: 1, ...(wallPulseFraction === undefined ? {} : { wallPulseFraction }) }],
  };
}

function refusal(json: Record<string, unknown>): string {
  try {
    parseScenario(json);
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('side-hole catheter occlusion', () => {
  it('PUMP-SIDE-HOLE with the outlet blocked, the wall passes its share of the pulse (× pulse pressure / 2); without a side hole nothing reaches the pump', () => {
    const blocked = (wallPulseFraction?: number): number =>
      hydraulicsOf(PORT_AMBULATORY.path, ARTERY, { ...nominalConditions(), occlusion: { location: 'catheter', severity: 1, ...(wallPulseFraction === undefined ? {} : { wallPulseFraction }) } }, true).pulseAtPumpMmHg;
    expect(blocked()).toBe(0);
    expect(blocked(0.3)).toBeCloseTo(6, 12);
    expect(blocked(1)).toBeCloseTo(20, 12);
    const line = hydraulicsOf(PORT_AMBULATORY.path, ARTERY, { ...nominalConditions(), occlusion: { location: 'line', severity: 1, wallPulseFraction: 0.3 } }, true);
    expect(line.pulseAtPumpMmHg).toBe(0);
  });

  it('PUMP-SIDE-HOLE wallPulseFraction is refused outside a catheter occlusion and outside 0–1, naming the field and the range', () => {
    expect(refusal(scenario(0.3, 'line'))).toContain('wallPulseFraction applies only to a catheter occlusion');
    expect(refusal(scenario(1.5))).toMatch(/wallPulseFraction.*0–1/);
  });

  it('PUMP-SIDE-HOLE a wall pulse above the pulse-present threshold leaves only the 400 mmHg backstop: OCCLUSION after C_up·(400 − mean)/Q, not within the plain occlusion’s minutes; below the threshold, as a plain occlusion', () => {
    const run = (wall: number): { code: string | null; latencyS: number } => {
      const o = new Simulation({ scenario: parseScenario(scenario(wall)), maxSimulatedMs: 3 * HOUR_MS }).runToEnd().faults[0];
      return { code: o?.detectedBy ?? null, latencyS: o?.latencySeconds ?? NaN };
    };
    // 0.3 × 20 mmHg = 6 mmHg at the pump, above the threshold; 0.02 × 20 = 0.4 mmHg, below it.
    expect(0.3 * 20).toBeGreaterThan(detectorConfig(PORT_AMBULATORY.firmwareConfig).pressure.pulsePresentMmHg);
    expect(0.02 * 20).toBeLessThan(detectorConfig(PORT_AMBULATORY.firmwareConfig).pressure.pulsePresentMmHg);
    const cUpUlPerMmHg = PORT_AMBULATORY.path.lineComplianceUlPerMmHg * PORT_AMBULATORY.path.complianceUpstreamFraction.catheter;
    const backstopS = ((cUpUlPerMmHg * (THRESHOLDS.occlusionHardLimitMmHg - 90)) / 84) * 3600;
    const side = run(0.3);
    expect(side.code).toBe('OCCLUSION');
    expect(side.latencyS).toBeGreaterThan(0.8 * backstopS);
    expect(side.latencyS).toBeLessThan(1.25 * backstopS);
    const faint = run(0.02);
    expect(faint.code).toBe('OCCLUSION');
    expect(faint.latencyS).toBeLessThan(15 * 60);
  }, 60_000);
});
