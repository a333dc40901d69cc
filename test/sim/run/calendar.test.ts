/**
 * Calendar time in a run: the scenario's start date on the real-time clock, the log's boot entries
 * carrying it, and the summary's alarms and notifications dated from the log (GIP 4.1.2, 4.1.3).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_START_DATE, defaultScenario, parseScenario, DEFAULT_SCENARIO_INPUT } from '../../../sim/scenario/scenario.ts';
import { Simulation, logCalendarTimes } from '../../../sim/run/simulation.ts';
import { readEventLog } from '../../../firmware/index.ts';

const HOUR_MS = 3_600_000;

describe('calendar time in a run', () => {
  it('GIP-4.1.3 the scenario\'s startDate sets the real-time clock; every boot entry carries the calendar time and the summary dates alarms and notifications from the log, through a power loss', () => {
    const scenario = parseScenario({
      ...DEFAULT_SCENARIO_INPUT,
      startDate: '2026-03-01T12:00:00+01:00',
      faults: [
        { kind: 'powerLoss', atHours: 2, durationMinutes: 30 },
        { kind: 'occlusion', atHours: 5, location: 'catheter' },
      ],
    });
    const startMs = Date.parse('2026-03-01T11:00:00Z');
    const sim = new Simulation({ scenario, maxSimulatedMs: 6 * HOUR_MS });
    const summary = sim.runToEnd();
    const boots = sim.log.entries.filter((e) => e.code === 'BOOT');
    expect(boots.map((e) => e.detail)).toEqual([new Date(startMs).toISOString(), new Date(startMs + 2.5 * HOUR_MS).toISOString()]);
    expect(summary.alarms.length).toBeGreaterThan(0);
    for (const a of summary.alarms) expect(a.calendarTime).toBe(new Date(startMs + a.atSeconds * 1000).toISOString());
    for (const n of summary.notifications) expect(n.calendarTime).toBe(new Date(startMs + n.atSeconds * 1000).toISOString());
    expect(summary.notifications.map((n) => n.code)).toContain('THERAPY_RESUMED');
  });

  it('GIP-4.1.3 without startDate the run starts at the documented default; a startDate that is not ISO 8601 is refused naming the field', () => {
    expect(defaultScenario().startDate).toBe(DEFAULT_START_DATE);
    const summary = new Simulation({ scenario: defaultScenario(), maxSimulatedMs: HOUR_MS }).runToEnd();
    expect(summary.notifications[0]?.calendarTime).toBe(new Date(Date.parse(DEFAULT_START_DATE) + (summary.notifications[0]?.atSeconds ?? 0) * 1000).toISOString());
    for (const bad of ['5 January 2026', '2026-01-05', '2026-13-05T08:00:00Z', 7]) {
      expect(() => parseScenario({ ...DEFAULT_SCENARIO_INPUT, startDate: bad })).toThrow(/startDate/);
    }
  });

  it('GIP-4.1.2 every alarm raised and every fault detected is in the device\'s own log, read back from flash, with its calendar time', () => {
    const scenario = parseScenario({
      ...DEFAULT_SCENARIO_INPUT,
      faults: [
        { kind: 'motorStall', atHours: 3, durationMinutes: 60 },
        { kind: 'sensor', sensor: 'pressure', mode: 'stuck', atHours: 6, durationMinutes: 5 },
      ],
    });
    const sim = new Simulation({ scenario, maxSimulatedMs: 8 * HOUR_MS });
    const summary = sim.runToEnd();
    const flash = readEventLog(sim.nv).entries;
    const times = logCalendarTimes(flash);
    const logged = flash.flatMap((e, i) => (e.kind === 'alarm' ? [`${e.code}@${e.atMs}@${times[i]}`] : []));
    expect(summary.alarms.map((a) => a.code)).toEqual(expect.arrayContaining(['MOTOR_STALL', 'SENSOR_FAULT']));
    expect(logged).toEqual(summary.alarms.map((a) => `${a.code}@${a.atSeconds * 1000}@${a.calendarTime}`));
    for (const f of summary.faults) expect(summary.alarms.some((a) => a.code === f.detectedBy && a.calendarTime !== null)).toBe(true);
  });
});
