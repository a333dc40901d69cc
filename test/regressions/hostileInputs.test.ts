/**
 * Counterexamples found by attacking the pump's boundaries (commands, readings, scenario files),
 * each replayed as it was found: before the boundaries were validated every one of them was
 * accepted or went unalarmed. Firmware cases run on the scripted HAL; reading cases run the
 * simulator with the scenario fault that reproduces them.
 */
import { describe, expect, it } from 'vitest';
import type { AlarmCode } from '../../firmware/index.ts';
import { therapyRecordBytes } from '../support/fakeHal.ts';
import { DEFAULT_SCENARIO_INPUT, parseScenario } from '../../sim/scenario/scenario.ts';
import { Simulation } from '../../sim/run/simulation.ts';
import { SEED_PRESCRIPTION } from '../support/prescription.ts';
import { alarmStoppedPump, bootedPump, infusingPump } from '../support/pumps.ts';

const HOUR_MS = 3_600_000;

describe('hostile commands', () => {
  it('PUMP-COMMAND-VALID a forged phase.complete does not end an infusion at 0 strokes', () => {
    const p = infusingPump();
    const strokes = p.fw.ledger.infusionStrokes;
    expect(p.fw.command({ type: 'phase.complete', phase: 'infuse' }).accepted).toBe(false);
    expect(p.fw.modeName).toBe('therapy.infusing.running');
    expect(p.fw.ledger.infusionStrokes).toBe(strokes);
  });

  it('PUMP-COMMAND-VALID a forged alarm.cleared does not let resume through with the fault still present', () => {
    const p = alarmStoppedPump();
    expect(p.fw.command({ type: 'alarm.cleared', code: 'MOTOR_STALL' }).accepted).toBe(false);
    expect(p.fw.command({ type: 'resume' }).accepted).toBe(false);
    expect(p.fw.alarms.entries.map((e) => e.code)).toContain('MOTOR_STALL');
  });

  it('PUMP-COMMAND-VALID a forged selfTest.passed does not install a plan past the drug library (49 mg/mL FUDR)', () => {
    const p = bootedPump();
    const forged = { type: 'selfTest.passed', resumePoint: 'ready', therapyPoint: 'none', connected: false, plan: { fudrMgPerMl: 49, infusionStrokes: 3618 } };
    expect(p.fw.command(forged).accepted).toBe(false);
    expect(p.fw.plan).toBeNull();
    expect(p.fw.command({ type: 'prime' }).accepted).toBe(false);
  });

  it('PUMP-COMMAND-VALID a malformed program (string number, missing patient, null, {}) is refused and the pump still takes the next valid one', () => {
    const p = bootedPump();
    for (const prescription of [{ ...SEED_PRESCRIPTION, infusionDays: '14' }, { ...SEED_PRESCRIPTION, patient: undefined }, null, {}]) {
      const answer = p.fw.command({ type: 'program', prescription });
      expect(answer.accepted).toBe(false);
      expect(answer.mode).toBe('idle');
    }
    expect(p.fw.command({ type: 'program', prescription: SEED_PRESCRIPTION })).toEqual({ accepted: true, mode: 'ready' });
  });

  it('PUMP-COMMAND-VALID a refill of NaN, −5, 1e9 or "abc" is refused and nothing is written to the store', () => {
    const p = alarmStoppedPump();
    p.fw.command({ type: 'stop' });
    const nv = therapyRecordBytes(p.hal.flash);
    for (const volumeMl of [NaN, -5, 1e9, 'abc']) expect(p.fw.command({ type: 'refill', volumeMl }).accepted).toBe(false);
    expect(therapyRecordBytes(p.hal.flash)).toBe(nv);
    expect(p.fw.command({ type: 'refill', volumeMl: 30 }).accepted).toBe(true);
  });

  it('PUMP-LINK-AUTH a signed frame whose JSON payload carries its own __proto__ field is refused, not read as a pause (a shape the command campaign sends)', () => {
    const p = infusingPump();
    const nv = therapyRecordBytes(p.hal.flash);
    const answer = p.fw.receiveFrame(p.programmer.frame(JSON.parse('{"type":"pause","__proto__":{"type":"stop"}}')));
    expect(answer.accepted).toBe(false);
    expect(answer.reason).toMatch(/__proto__: unknown field/);
    expect(p.fw.modeName).toBe('therapy.infusing.running');
    expect(therapyRecordBytes(p.hal.flash)).toBe(nv);
  });
});

/** The default 14-day scenario with `faults` from 2 h, run for `hours`: the alarms raised after 2 h. */
function alarmsWith(faults: unknown[], hours = 6): { codes: AlarmCode[]; sim: Simulation } {
  const scenario = parseScenario({ ...JSON.parse(JSON.stringify(DEFAULT_SCENARIO_INPUT)), faults });
  const sim = new Simulation({ scenario, maxSimulatedMs: hours * HOUR_MS });
  const summary = sim.runToEnd();
  return { codes: summary.alarms.filter((a) => a.atSeconds >= 7200).map((a) => a.code), sim };
}

describe('hostile readings', () => {
  it('PUMP-READING-VALID an encoder count of NaN neither delivers unconfirmed strokes nor writes NaN into the ledger: MOTOR_STALL', () => {
    const { codes, sim } = alarmsWith([{ kind: 'sensor', atHours: 2, sensor: 'encoder', mode: 'invalid', value: 'NaN' }]);
    expect(codes).toContain('MOTOR_STALL');
    expect(Object.values(sim.firmware.ledger).every((v) => typeof v !== 'number' || Number.isFinite(v))).toBe(true);
  });

  it('PUMP-READING-VALID an encoder of NaN during a motor stall still stops the pump with MOTOR_STALL', () => {
    const { codes, sim } = alarmsWith([
      { kind: 'motorStall', atHours: 2, mode: 'permanent' },
      { kind: 'sensor', atHours: 2, sensor: 'encoder', mode: 'invalid', value: 'NaN' },
    ]);
    expect(codes[0]).toBe('MOTOR_STALL');
    expect(sim.firmware.modeName).not.toBe('therapy.infusing.running');
  });

  for (const value of ['NaN', 'negative'] as const) {
    it(`PUMP-READING-VALID a flow window of ${value} during 1.5× over-delivery is alarmed, not ignored for hours`, () => {
      const { codes } = alarmsWith([
        { kind: 'overDelivery', atHours: 2, factor: 1.5 },
        { kind: 'sensor', atHours: 2, sensor: 'flow', mode: 'invalid', value, field: 'windowMs' },
      ], 4);
      expect(codes).toContain('SENSOR_DEGRADED');
    });
  }

  it('PUMP-READING-VALID a battery reading of NaN during a 500 %/h drain is alarmed (BATTERY_MONITOR_FAULT)', () => {
    const { codes } = alarmsWith([
      { kind: 'batteryDepletion', atHours: 2, percentPerHour: 500 },
      { kind: 'sensor', atHours: 2, sensor: 'battery', mode: 'invalid', value: 'NaN' },
    ], 3);
    expect(codes).toContain('BATTERY_MONITOR_FAULT');
  });

  it('PUMP-READING-VALID a reservoir reading of NaN is alarmed (SENSOR_DEGRADED), not ignored', () => {
    const { codes } = alarmsWith([{ kind: 'sensor', atHours: 2, sensor: 'reservoir', mode: 'invalid', value: 'NaN' }], 3);
    expect(codes).toContain('SENSOR_DEGRADED');
  });
});
