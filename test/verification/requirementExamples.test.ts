/**
 * Examples for requirements that the random properties reach only by chance: delivery accuracy at
 * the minimum, an intermediate and the maximum rate and over 72 hours, the battery alarms, and the
 * reservoir gauge reconciled with the ledger. Each is a scripted run checked against every
 * invariant and the reference model as well as its own expectations.
 */
import { describe, expect, it } from 'vitest';
import type { AlarmCode } from '../../firmware/index.ts';
import { ALARM_RULE_BY_CODE } from '../../firmware/index.ts';
import { formatViolation } from '../../sim/verify/invariants.ts';
import type { ScriptSetup } from '../../sim/verify/scriptedRun.ts';
import { ScriptedRun, describeRecords } from '../../sim/verify/scriptedRun.ts';
import type { Step } from '../../sim/verify/steps.ts';

const PROCEED: Step = { do: 'proceed' };

function clean(run: ScriptedRun): void {
  expect(run.violations.map(formatViolation), describeRecords(run.records)).toEqual([]);
}

/** Program, prime, wait, needle in after 30 s, start. */
function startInfusion(run: ScriptedRun): void {
  run.run([{ do: 'advance', ms: 2_000 }, PROCEED, PROCEED, PROCEED, { do: 'advance', ms: 30_000 }, PROCEED]);
  expect(run.mode).toBe('therapy.infusing.running');
}

function alarmsRaised(run: ScriptedRun): { code: AlarmCode; atMs: number }[] {
  return run.sim.log.entries.filter((e) => e.kind === 'alarm').map((e) => ({ code: e.code as AlarmCode, atMs: e.atMs }));
}

/** Mechanism tolerance: ±2 % unit to unit, ±1 % stroke to stroke (sim/world/profile.ts, docs/domain.md §2). */
const MECHANISM_TOLERANCE = 1.02 * 1.01 - 1;

describe('delivery accuracy', () => {
  const RATES: readonly { name: string; setup: ScriptSetup }[] = [
    { name: 'the minimum rate (20 µL/h, 12 h)', setup: { seed: 21, infusionDays: 0.5, reservoirVolumeMl: 1.12 } },
    { name: 'an intermediate rate (102 µL/h, 6 h)', setup: { seed: 22, infusionDays: 0.25, reservoirVolumeMl: 1.5 } },
    { name: 'the maximum rate (999 µL/h, 1 h)', setup: { seed: 23, infusionDays: 1 / 24, reservoirVolumeMl: 1.9 } },
  ];
  for (const { name, setup } of RATES) {
    it(`FDA-TPLC-ACCURACY at ${name} the infusion delivers exactly its programmed strokes, in the programmed time, and the volume within the mechanism tolerance`, () => {
      const run = new ScriptedRun(setup);
      startInfusion(run);
      const plan = run.sim.firmware.plan;
      if (plan === null) throw new Error('no plan');
      const startMs = run.nowMs;
      const pumpedAtStart = run.sim.plant.cumulativePumpedUl;
      run.apply({ do: 'wait', maxMs: plan.durationMs + 3_600_000 });
      expect(run.mode).toBe('infusionComplete');
      clean(run);
      expect(run.sim.firmware.ledger.infusionStrokes).toBe(plan.infusionStrokes);
      const strokeIntervalMs = plan.durationMs / plan.infusionStrokes;
      expect(run.nowMs - startMs).toBeGreaterThanOrEqual(plan.durationMs - 1_000);
      expect(run.nowMs - startMs).toBeLessThanOrEqual(plan.durationMs + strokeIntervalMs + 2_000);
      const pumpedUl = run.sim.plant.cumulativePumpedUl - pumpedAtStart;
      expect(Math.abs(pumpedUl / plan.infusionVolumeUl - 1)).toBeLessThanOrEqual(MECHANISM_TOLERANCE);
    });
  }

  it('GIP-1.2.1 over a 72-hour infusion at 100 µL/h, the volume pumped in every hour is within 5 % of the programmed rate', () => {
    const run = new ScriptedRun({ seed: 24, infusionDays: 3, reservoirVolumeMl: 8.3 });
    startInfusion(run);
    const plan = run.sim.firmware.plan;
    if (plan === null) throw new Error('no plan');
    const hours = Math.floor(plan.durationMs / 3_600_000);
    expect(hours).toBe(72);
    const errors: number[] = [];
    for (let h = 0; h < hours; h++) {
      const before = run.sim.plant.cumulativePumpedUl;
      run.apply({ do: 'advance', ms: 3_600_000 });
      errors.push((run.sim.plant.cumulativePumpedUl - before) / plan.rateUlPerHour - 1);
    }
    clean(run);
    const worst = Math.max(...errors.map(Math.abs));
    expect(worst, `hourly errors: ${errors.map((e) => (100 * e).toFixed(2)).join(' ')} %`).toBeLessThanOrEqual(0.05);
  });
});

describe('battery (GIP-5.1.4, GIP-5.1.6)', () => {
  it('GIP-5.1.4 GIP-5.1.6 a draining battery raises BATTERY_LOW while the infusion continues, then BATTERY_DEPLETED stops it, and resume is refused', () => {
    const run = new ScriptedRun({ seed: 25, infusionDays: 0.25, reservoirVolumeMl: 4.6 });
    startInfusion(run);
    run.run([{ do: 'advance', ms: 600_000 }, { do: 'inject', fault: 'batteryDepletion' }]);
    const strokesAtLow: number[] = [];
    for (let i = 0; i < 40 && run.mode !== 'alarmStopped'; i++) {
      run.apply({ do: 'advance', ms: 30_000 });
      if (alarmsRaised(run).some((a) => a.code === 'BATTERY_LOW')) strokesAtLow.push(run.sim.firmware.ledger.infusionStrokes);
    }
    const raised = alarmsRaised(run).map((a) => a.code);
    expect(raised).toEqual(['BATTERY_LOW', 'BATTERY_DEPLETED']);
    expect(ALARM_RULE_BY_CODE.BATTERY_LOW.driveAction).toBe('continue');
    expect(new Set(strokesAtLow).size, 'the infusion went on while only BATTERY_LOW was present').toBeGreaterThan(1);
    expect(run.mode).toBe('alarmStopped');
    run.run([{ do: 'acknowledge' }, { do: 'advance', ms: 5_000 }, { do: 'resume' }]);
    expect(run.mode).toBe('alarmStopped');
    clean(run);
  });
});

describe('reservoir gauge against the ledger (Open PCA: reservoir measured ±1 mL)', () => {
  const misfilled = (missingMl: number): ScriptedRun => {
    // The misfill is done to the plant directly, outside the step vocabulary, so the reference
    // model (which would call the alarm it causes a false one) is off; the invariants still run.
    const run = new ScriptedRun({ seed: 26, infusionDays: 0.25, reservoirVolumeMl: 4.6 }, { model: false });
    run.run([{ do: 'advance', ms: 2_000 }, PROCEED]);
    const plan = run.sim.firmware.plan;
    if (plan === null) throw new Error('no plan');
    // The pharmacy fills less than the plan declares (the pump is told 4.6 mL).
    run.sim.plant.fillReservoir((plan.reservoirFillMl - missingMl) * 1000, {
      fudrMgPerUl: plan.fudrMgPerMl / 1000, dexamethasoneMgPerUl: plan.dexamethasoneMgPerMl / 1000, heparinUnitsPerUl: plan.heparinUnitsPerMl / 1000,
    });
    run.run([PROCEED, PROCEED, { do: 'advance', ms: 30_000 }, PROCEED, { do: 'advance', ms: 1_800_000 }]);
    return run;
  };

  it('OPCA-RESERVOIR-1ML a reservoir holding 2.5 mL less than declared raises RESERVOIR_MISMATCH (medium, latched) and the infusion continues', () => {
    const run = misfilled(2.5);
    const mismatch = alarmsRaised(run).filter((a) => a.code === 'RESERVOIR_MISMATCH');
    expect(mismatch).toHaveLength(1);
    expect(ALARM_RULE_BY_CODE.RESERVOIR_MISMATCH).toMatchObject({ priority: 'medium', latching: true, driveAction: 'continue' });
    expect(run.mode).toBe('therapy.infusing.running');
    clean(run);
  });

  it('OPCA-RESERVOIR-1ML a reservoir 0.3 mL short, within the gauge accuracy, raises no mismatch', () => {
    const run = misfilled(0.3);
    expect(alarmsRaised(run).map((a) => a.code)).not.toContain('RESERVOIR_MISMATCH');
    clean(run);
  });
});
