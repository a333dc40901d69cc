/**
 * Readings that cannot switch a detector off: every field of every HAL reading, made NaN,
 * infinite, negative or out of range (or its timestamp sent backwards), is a failure of that
 * sensor with the sensor's fail-safe, raised within the time the alarm table documents; none is
 * masked, and no invalid value reaches the ledger.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../support/fc.ts';
import type { AlarmCode } from '../../firmware/index.ts';
import { SENSOR_READ_PERIODS_MS, THRESHOLDS } from '../../firmware/index.ts';
import type { ReadingLimits } from '../../firmware/readingChecks.ts';
import { flowProblem, powerProblem, pressureProblem, pressureValid, readingLimits, reservoirProblem, strokeFeedbackProblem } from '../../firmware/readingChecks.ts';
import type { FlowReading, PowerReading, PressureReading, ReservoirReading, StrokeFeedback } from '../../hal/index.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import type { FakeHal } from '../support/fakeHal.ts';
import type { Pump } from '../support/pumps.ts';
import { infusingPump } from '../support/pumps.ts';

const LIMITS: ReadingLimits = readingLimits(NOMINAL_PORT_CONFIG);
const NOW = 100_000;

const PRESSURE: PressureReading = { ok: true, atMs: NOW, windowMs: 1000, sampleCount: 50, meanMmHg: 90, minMmHg: 78, maxMmHg: 102, cardiacAmplitudeMmHg: 12 };
const FLOW: FlowReading = { ok: true, atMs: NOW, windowMs: 10_000, meanFlowUlPerHour: 90 };
const RESERVOIR: ReservoirReading = { ok: true, atMs: NOW, volumeMl: 29 };
const POWER: PowerReading = { ok: true, atMs: NOW, batteryPercent: 95, externalPower: false };
const FEEDBACK: StrokeFeedback = { ok: true, atMs: NOW, strokesCommanded: 1, encoderCounts: NOMINAL_PORT_CONFIG.encoderCountsPerStroke };

/** The invalid values of a scenario's `sensor` fault in `invalid` mode, for one field's normal value. */
const INVALID = (v: number): readonly number[] => [NaN, Infinity, -Infinity, -Math.abs(v) - 1, 1e9];

describe('reading checks, field by field', () => {
  it('PUMP-READING-VALID valid readings pass; each field made NaN, ±Infinity, negative or 1e9 is refused, naming the field', () => {
    expect(pressureProblem(PRESSURE, LIMITS, NOW - 1000, NOW)).toBeNull();
    expect(flowProblem(FLOW, LIMITS, NOW - 10_000, NOW)).toBeNull();
    expect(reservoirProblem(RESERVOIR, LIMITS, NOW - 60_000, NOW)).toBeNull();
    expect(powerProblem(POWER, NOW - 60_000, NOW)).toBeNull();
    expect(strokeFeedbackProblem(FEEDBACK, 1, LIMITS, NOW - 1000, NOW)).toBeNull();
    const cases: [string, (field: string, v: number) => string | null, Record<string, number>][] = [
      ['pressure', (f, v) => pressureProblem({ ...PRESSURE, [f]: v }, LIMITS, NOW - 1000, NOW), { atMs: NOW, windowMs: 1000, sampleCount: 50, minMmHg: 78, maxMmHg: 102, cardiacAmplitudeMmHg: 12 }],
      ['flow', (f, v) => flowProblem({ ...FLOW, [f]: v }, LIMITS, NOW - 10_000, NOW), { atMs: NOW, windowMs: 10_000 }],
      ['reservoir', (f, v) => reservoirProblem({ ...RESERVOIR, [f]: v }, LIMITS, NOW - 60_000, NOW), { atMs: NOW, volumeMl: 29 }],
      ['power', (f, v) => powerProblem({ ...POWER, [f]: v }, NOW - 60_000, NOW), { atMs: NOW, batteryPercent: 95 }],
      ['encoder', (f, v) => strokeFeedbackProblem({ ...FEEDBACK, [f]: v }, 1, LIMITS, NOW - 1000, NOW), { atMs: NOW, encoderCounts: 64, strokesCommanded: 1 }],
    ];
    for (const [sensor, problem, fields] of cases) {
      for (const [field, normal] of Object.entries(fields)) {
        for (const v of INVALID(normal)) {
          const found = problem(field, v);
          expect(found, `${sensor}.${field} = ${v}`).not.toBeNull();
          expect(found, `${sensor}.${field} = ${v}`).toContain(field);
        }
      }
    }
    // The means are finite here; their range is the detectors' plausibility (health.ts).
    for (const v of [NaN, Infinity, -Infinity]) {
      expect(pressureProblem({ ...PRESSURE, meanMmHg: v }, LIMITS, NOW - 1000, NOW)).toContain('meanMmHg');
      expect(flowProblem({ ...FLOW, meanFlowUlPerHour: v }, LIMITS, NOW - 10_000, NOW)).toContain('meanFlowUlPerHour');
    }
  });

  it('PUMP-READING-VALID a timestamp going backwards or from the future, a window longer than the time since the last read, and an impossible encoder count are refused', () => {
    expect(pressureProblem({ ...PRESSURE, atMs: NOW - 2000 }, LIMITS, NOW - 1000, NOW)).toContain('goes backwards');
    expect(pressureProblem({ ...PRESSURE, atMs: NOW + 1 }, LIMITS, NOW - 1000, NOW)).toContain('in the future');
    expect(flowProblem({ ...FLOW, windowMs: 20_000 }, LIMITS, NOW - 10_000, NOW)).toContain('longer than the 10000 ms since the last read');
    // A window one control period longer than the gap is within the slack; the first read after a boot may span the outage.
    expect(flowProblem({ ...FLOW, windowMs: 11_000 }, LIMITS, NOW - 10_000, NOW)).toBeNull();
    expect(flowProblem({ ...FLOW, windowMs: 3_600_000 }, LIMITS, -1, NOW)).toBeNull();
    const cps = NOMINAL_PORT_CONFIG.encoderCountsPerStroke;
    expect(strokeFeedbackProblem({ ...FEEDBACK, encoderCounts: 2 * cps - 1 }, 1, LIMITS, -1, NOW)).toBeNull();
    expect(strokeFeedbackProblem({ ...FEEDBACK, encoderCounts: 2 * cps }, 1, LIMITS, -1, NOW)).toContain('encoderCounts');
    expect(strokeFeedbackProblem({ ...FEEDBACK, encoderCounts: 1.5 }, 1, LIMITS, -1, NOW)).toContain('whole number');
    expect(pressureProblem({ ...PRESSURE, minMmHg: 95 }, LIMITS, -1, NOW)).toContain('is not between');
    expect(reservoirProblem({ ...RESERVOIR, volumeMl: NOMINAL_PORT_CONFIG.reservoirFillRangeMl.max + 1.1 }, LIMITS, -1, NOW)).toContain('volumeMl');
  });
});

describe('the 1 Hz pressure check', () => {
  it('PUMP-READING-VALID pressureValid accepts exactly the windows pressureProblem finds nothing wrong with', () => {
    const special = fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 0.5, 1e9, -0);
    const num = (min: number, max: number): fc.Arbitrary<number> => fc.oneof(fc.double({ min, max, noNaN: true }), fc.integer({ min, max }), special);
    const reading = fc.record({
      ok: fc.constant(true as const),
      atMs: num(-10, NOW + 10),
      windowMs: num(-10, 5000),
      sampleCount: num(-2, 200),
      meanMmHg: num(-100, 1600),
      minMmHg: num(-100, 1600),
      maxMmHg: num(-100, 1600),
      cardiacAmplitudeMmHg: num(-5, 900),
    });
    // One field of a valid window changed: near the boundary, valid and invalid both come up.
    const fields = ['atMs', 'windowMs', 'sampleCount', 'meanMmHg', 'minMmHg', 'maxMmHg', 'cardiacAmplitudeMmHg'] as const;
    const oneField = fc.record({ field: fc.constantFrom(...fields), v: num(-100, 1600) }).map(({ field, v }): PressureReading => ({ ...PRESSURE, [field]: v }));
    let valid = 0;
    checkProperty(
      fc.property(fc.oneof(reading, oneField, oneField), fc.constantFrom(-1, NOW - 1000, NOW - 3000, NOW), (r, lastAtMs) => {
        if (pressureValid(r, LIMITS, lastAtMs, NOW)) valid++;
        expect(pressureValid(r, LIMITS, lastAtMs, NOW)).toBe(pressureProblem(r, LIMITS, lastAtMs, NOW) === null);
      }),
      { seed: 15, numRuns: 200 },
    );
    expect(valid, 'the property met valid windows too').toBeGreaterThan(10);
    expect(pressureValid(PRESSURE, LIMITS, NOW - 1000, NOW)).toBe(true);
  });
});

type Sensor = 'pressure' | 'flow' | 'reservoir' | 'power';

/** From now on every read of `sensor` returns its reading with `field` set to `value`. */
function corrupt(hal: FakeHal, sensor: Sensor, field: string, value: number): void {
  const device = hal[sensor] as { read(): unknown };
  const read = device.read.bind(device);
  device.read = () => {
    const r = read() as { ok: boolean };
    return r.ok ? { ...r, [field]: value } : r;
  };
}

function corruptEncoder(hal: FakeHal, field: string, value: number): void {
  const drive = hal.drive as { stroke(count: number): unknown };
  const stroke = drive.stroke.bind(drive);
  drive.stroke = (count: number) => ({ ...(stroke(count) as object), [field]: value });
}

/** The alarms raised after `fromIndex` of the log, with their times. */
function raisedSince(p: Pump, fromIndex: number): { code: string; atMs: number }[] {
  return p.hal.logEntries.slice(fromIndex).filter((e) => e.kind === 'alarm').map((e) => ({ code: e.code, atMs: e.atMs }));
}

/** Each sensor's fields, their normal values, its fail-safe alarm and the longest time to it. */
const SENSOR_CASES: readonly { sensor: Sensor; fields: Record<string, number>; alarm: AlarmCode; withinMs: number; stops: boolean }[] = [
  {
    sensor: 'pressure',
    fields: { meanMmHg: 90, minMmHg: 78, maxMmHg: 102, cardiacAmplitudeMmHg: 12, windowMs: 1000, sampleCount: 50, atMs: 1 },
    alarm: 'SENSOR_FAULT',
    withinMs: THRESHOLDS.sensorFaultConfirmMs + NOMINAL_PORT_CONFIG.controlPeriodMs,
    stops: true,
  },
  { sensor: 'flow', fields: { meanFlowUlPerHour: 90, windowMs: 10_000, atMs: 1 }, alarm: 'SENSOR_DEGRADED', withinMs: SENSOR_READ_PERIODS_MS.flow, stops: false },
  { sensor: 'reservoir', fields: { volumeMl: 29, atMs: 1 }, alarm: 'SENSOR_DEGRADED', withinMs: SENSOR_READ_PERIODS_MS.reservoir, stops: false },
  { sensor: 'power', fields: { batteryPercent: 95, atMs: 1 }, alarm: 'BATTERY_MONITOR_FAULT', withinMs: SENSOR_READ_PERIODS_MS.power, stops: false },
];

describe('an invalid reading is its sensor failing, with the sensor’s fail-safe', () => {
  for (const c of SENSOR_CASES) {
    it(`PUMP-READING-VALID ${c.sensor}: every field invalid raises ${c.alarm} within ${c.withinMs / 1000} s${c.stops ? ' and stops the drive' : ', therapy continues'}, logged once`, () => {
      for (const [field, normal] of Object.entries(c.fields)) {
        for (const v of INVALID(normal)) {
          const p = infusingPump();
          const what = `${c.sensor}.${field} = ${v}`;
          const logIndex = p.hal.logEntries.length;
          const t0 = p.hal.clock.nowMs();
          corrupt(p.hal, c.sensor, field, v);
          p.hal.clock.advance(c.withinMs);
          const raised = raisedSince(p, logIndex);
          expect(raised.map((a) => a.code), what).toContain(c.alarm);
          // A finite flow mean is a valid reading; out of range or reverse while infusing, it is the
          // flow detector's implausible read (health.ts), which raises the same alarm.
          const judgedByDetector = field === 'meanFlowUlPerHour' && Number.isFinite(v);
          expect(p.hal.logEntries.filter((e) => e.code === 'READING_INVALID'), what).toHaveLength(judgedByDetector ? 0 : 1);
          const strokesAt = p.hal.strokeCommands.length;
          p.hal.clock.advance(600_000);
          if (c.stops) expect(p.hal.strokeCommands.length, what).toBe(strokesAt);
          else expect(p.hal.strokeCommands.length, what).toBeGreaterThan(strokesAt);
          expect(Number.isFinite(p.fw.ledger.infusionStrokes), what).toBe(true);
          expect(raised[0]?.atMs, what).toBeGreaterThan(t0);
        }
      }
    });
  }

  it('PUMP-READING-VALID encoder: invalid feedback (NaN, ±Infinity, negative, a fraction, 1e9, a wrong stroke count, a timestamp backwards) confirms no stroke: MOTOR_STALL stops the drive, the ledger stays finite and does not grow', () => {
    const cases: [string, number][] = [
      ['encoderCounts', NaN], ['encoderCounts', Infinity], ['encoderCounts', -Infinity], ['encoderCounts', -1], ['encoderCounts', 0.5], ['encoderCounts', 1e9],
      ['strokesCommanded', NaN], ['strokesCommanded', 1e9], ['atMs', -1], ['atMs', NaN], ['atMs', 1e12],
    ];
    for (const [field, v] of cases) {
      const p = infusingPump();
      const what = `encoder ${field} = ${v}`;
      const before = p.fw.ledger.infusionStrokes;
      const logIndex = p.hal.logEntries.length;
      corruptEncoder(p.hal, field, v);
      // Strokes come every few minutes at this rate: MOTOR_STALL after `stallMissedStrokes` of them.
      p.hal.clock.advance(3_600_000);
      expect(raisedSince(p, logIndex).map((a) => a.code), what).toContain('MOTOR_STALL');
      expect(p.fw.modeName, what).toBe('alarmStopped');
      expect(p.fw.ledger.infusionStrokes, what).toBe(before);
      expect(Object.values(p.fw.ledger).every((x) => typeof x !== 'number' || Number.isFinite(x)), what).toBe(true);
      expect(p.hal.logEntries.filter((e) => e.code === 'READING_INVALID'), what).toHaveLength(1);
    }
  });

  it('PUMP-READING-VALID a sensor that recovers is reported again at its next invalid reading', () => {
    const p = infusingPump();
    const device = p.hal.power as { read(): unknown };
    const read = device.read.bind(device);
    let broken = true;
    device.read = () => (broken ? { ...(read() as object), batteryPercent: NaN } : read());
    p.hal.clock.advance(120_000);
    broken = false;
    p.hal.clock.advance(120_000);
    broken = true;
    p.hal.clock.advance(120_000);
    expect(p.hal.logEntries.filter((e) => e.code === 'READING_INVALID').map((e) => e.detail)).toEqual([
      'power: batteryPercent = NaN is not a finite number (allowed 0–100 %)',
      'power: batteryPercent = NaN is not a finite number (allowed 0–100 %)',
    ]);
  });
});
