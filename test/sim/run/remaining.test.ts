/**
 * The times a clinician reads, in whole runs: what the pump displays beside the truth, and the
 * reservoir-time error's physics (docs/requirements.md, GIP-1.5.2).
 */
import { describe, expect, it } from 'vitest';
import { defaultScenario, parseScenario } from '../../../sim/scenario/scenario.ts';
import { deviceProfileOf } from '../../../sim/scenario/scenario.ts';
import { Simulation } from '../../../sim/run/simulation.ts';
import type { DeviceProfile } from '../../../sim/world/profile.ts';

const HOUR_MS = 3_600_000;

/** The profile with a stroke that moves the same against any back-pressure and temperature. */
function withoutCharacteristic(p: DeviceProfile): DeviceProfile {
  return {
    ...p,
    mechanism: { ...p.mechanism, backPressureFractionPer100MmHg: 0, temperatureFractionPerC: 0 },
    firmwareConfig: { ...p.firmwareConfig, strokeVolumeBackPressureFractionPer100MmHg: 0, strokeVolumeTemperatureFractionPerC: 0 },
  };
}

describe('reservoir and battery time remaining in a run', () => {
  it('GIP-1.5.2 the reservoir time is off by the unit\'s stroke-volume error × the time from fill to empty (a constant while infusing); a unit of nominal stroke volume is within 3 minutes', () => {
    for (const seed of [7, 8, 9]) {
      const scenario = { ...defaultScenario(), seed };
      // The unit's error alone: the stroke characteristic (PUMP-DOSE-BACKPRESSURE) moves the truth's
      // stroke rate with the diurnal pressure, which is not this physics.
      const sim = new Simulation({ scenario, profile: withoutCharacteristic(deviceProfileOf(scenario)), maxSimulatedMs: 48 * HOUR_MS });
      sim.clock.runUntil(10 * 60_000);
      const atFill = sim.remainingDisplayed().reservoirRemainingMinutes as number;
      const e = sim.plant.meanStrokeVolumeUl / (sim.firmware.strokeCreditNl / 1000) - 1;
      const summary = sim.runToEnd();
      const predicted = Math.abs((atFill * e) / (1 + e));
      expect(Math.abs((summary.remainingError.reservoirMaxAbsMinutes as number) - predicted), `seed ${seed}, unit error ${e}`).toBeLessThanOrEqual(2);
      const shown = summary.remaining.reservoirRemainingMinutes as number;
      const truth = summary.remainingTruth.reservoirRemainingMinutes as number;
      expect(Math.abs(Math.abs(shown - truth) - predicted), `seed ${seed}`).toBeLessThanOrEqual(2);
    }
    const scenario = defaultScenario();
    const base = deviceProfileOf(scenario);
    const flat = withoutCharacteristic(base);
    const exact = { ...flat, mechanism: { ...flat.mechanism, unitErrorFraction: 0 } };
    const summary = new Simulation({ scenario, profile: exact, maxSimulatedMs: 48 * HOUR_MS }).runToEnd();
    expect(summary.remainingError.reservoirMaxAbsMinutes as number).toBeLessThanOrEqual(3);
  });

  it('GIP-5.1.2 the battery time is displayed once the reading has stepped twice, within an hour of the truth while infusing; both are in the summary', () => {
    const summary = new Simulation({ scenario: defaultScenario(), maxSimulatedMs: 48 * HOUR_MS }).runToEnd();
    expect(summary.remaining.batteryRemainingMinutes).not.toBeNull();
    expect(summary.remainingTruth.batteryRemainingMinutes).not.toBeNull();
    expect(summary.remainingError.batteryMaxAbsMinutes as number).toBeLessThanOrEqual(60);
    expect(Math.abs((summary.remaining.batteryRemainingMinutes as number) - (summary.remainingTruth.batteryRemainingMinutes as number))).toBeLessThanOrEqual(60);
  });

  it('GIP-1.5.5 a configured alert volume raises RESERVOIR_LOW once, when the ledger\'s deliverable volume reaches it; therapy continues to the end; no alert volume, no alert', () => {
    const json = (overrides: Record<string, number>): unknown => ({
      name: 'low reservoir by volume',
      seed: 5,
      patient: { weightKg: 70, heightCm: 170 },
      prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 1, doseFactor: 1, reservoirVolumeMl: 3 },
      device: { overrides },
    });
    const alertMl = 0.3;
    const withAlert = new Simulation({ scenario: parseScenario(json({ reservoirLowAlertMl: alertMl })) }).runToEnd();
    const lows = withAlert.alarms.filter((a) => a.code === 'RESERVOIR_LOW');
    expect(lows).toHaveLength(1);
    expect(withAlert.alarms.filter((a) => a.priority === 'high')).toEqual([]);
    const complete = withAlert.notifications.find((n) => n.code === 'INFUSION_COMPLETE');
    expect(complete).toBeDefined();
    // The ledger's deliverable volume falls at the programmed rate: it reaches the alert volume
    // (alert − what it holds at the end) / rate before the end, judged at the next gauge sample.
    const rx = withAlert.prescription;
    if (rx === null || complete === undefined) throw new Error('no programme');
    const config = deviceProfileOf(parseScenario(json({}))).firmwareConfig;
    const endDeliverableMl = (withAlert.firmwareBelief.reservoirRemainingMl ?? 0) - config.reservoirResidualUl / 1000;
    const rateUlPerHour = rx.rateMlPerHour * 1000;
    const predictedAtS = complete.atSeconds - ((alertMl - endDeliverableMl) * 1000 * 3600) / rateUlPerHour;
    expect(Math.abs((lows[0]?.atSeconds ?? 0) - predictedAtS)).toBeLessThanOrEqual(60 + 3600 / rateUlPerHour + 1);
    const without = new Simulation({ scenario: parseScenario(json({})) }).runToEnd();
    expect(without.alarms.map((a) => a.code)).not.toContain('RESERVOIR_LOW');
  });
});
