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
import type { CheckedSensor } from '../../firmware/readingChecks.ts';
import { ReadingGate, airProblem, flowProblem, powerProblem, pressureProblem, pressureValid, readingLimits, reservoirProblem, strokeFeedbackProblem, temperatureProblem } from '../../firmware/readingChecks.ts';
import { halError } from '../../hal/index.ts';
import type { AirReading, TemperatureReading, FlowReading, PowerReading, PressureReading, ReservoirReading, StrokeFeedback } from '../../hal/index.ts';
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
const AIR: AirReading = { ok: true, atMs: NOW, windowMs: 10_000, airUl: 0 };
const TEMPERATURE: TemperatureReading = { ok: true, atMs: NOW, celsius: 32 };
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

describe('reading checks at the edges of each range', () => {
  it('PUMP-READING-VALID the limits follow the device: the pressure range, half its span for the cardiac band, the largest fill plus twice the gauge accuracy, one control period of slack', () => {
    const c = NOMINAL_PORT_CONFIG;
    expect(LIMITS).toEqual({
      pressureRangeMmHg: c.pressureRangeMmHg,
      maxCardiacAmplitudeMmHg: (c.pressureRangeMmHg.max - c.pressureRangeMmHg.min) / 2,
      reservoirMaxMl: c.reservoirFillRangeMl.max + 2 * c.reservoirGaugeAccuracyMl,
      encoderCountsPerStroke: c.encoderCountsPerStroke,
      windowSlackMs: c.controlPeriodMs,
    });
  });

  it('PUMP-READING-VALID each bound is inclusive: the edge itself is accepted, the next value beyond it refused with the field, the value and the bound', () => {
    const range = LIMITS.pressureRangeMmHg;
    const amp = LIMITS.maxCardiacAmplitudeMmHg;
    const last = NOW - 1000;
    const slack = LIMITS.windowSlackMs;
    // [what, reading, lastAtMs, the problem (null: accepted)]
    const cases: [string, PressureReading, number, string | null][] = [
      ['at the clock start', { ...PRESSURE, atMs: 0, windowMs: 1 , sampleCount: 1 }, -1, null],
      ['before the clock start', { ...PRESSURE, atMs: -1e-9 }, -1, 'atMs = -1e-9 is before the device clock\'s start'],
      ['at the last accepted time', { ...PRESSURE, atMs: last, windowMs: slack }, last, null],
      ['just before it', { ...PRESSURE, atMs: last - 1e-6 }, last, `atMs = ${last - 1e-6} goes backwards (last accepted ${last})`],
      ['now', { ...PRESSURE, atMs: NOW }, last, null],
      ['just after now', { ...PRESSURE, atMs: NOW + 1e-6 }, last, `atMs = ${NOW + 1e-6} is in the future (now ${NOW})`],
      ['a window of the gap plus the slack', { ...PRESSURE, windowMs: 1000 + slack }, last, null],
      ['a window one millisecond longer', { ...PRESSURE, windowMs: 1001 + slack }, last, `windowMs = ${1001 + slack} is longer than the 1000 ms since the last read (+ ${slack} ms allowed)`],
      ['a window of 0', { ...PRESSURE, windowMs: 0 }, last, 'windowMs = 0 must be a finite number > 0'],
      ['an endless window after a boot', { ...PRESSURE, windowMs: Infinity }, -1, 'windowMs = Infinity must be a finite number > 0'],
      ['a NaN window after a boot', { ...PRESSURE, windowMs: NaN }, -1, 'windowMs = NaN must be a finite number > 0'],
      ['a long window after a boot', { ...PRESSURE, windowMs: 3_600_000 }, -1, null],
      ['a fraction of a sample', { ...PRESSURE, sampleCount: 50.5 }, last, 'sampleCount = 50.5 must be a whole number from 1 to windowMs (at most one sample a millisecond)'],
      ['a NaN time', { ...PRESSURE, atMs: NaN }, last, 'atMs = NaN is not a finite number'],
      ['one sample', { ...PRESSURE, sampleCount: 1 }, last, null],
      ['a sample a millisecond', { ...PRESSURE, sampleCount: 1000 }, last, null],
      ['more samples than milliseconds', { ...PRESSURE, sampleCount: 1001 }, last, 'sampleCount = 1001 must be a whole number from 1 to windowMs (at most one sample a millisecond)'],
      ['no sample', { ...PRESSURE, sampleCount: 0 }, last, 'sampleCount = 0 must be a whole number from 1 to windowMs (at most one sample a millisecond)'],
      ['min at the range floor', { ...PRESSURE, minMmHg: range.min }, last, null],
      ['min below it', { ...PRESSURE, minMmHg: range.min - 0.5 }, last, `minMmHg = ${range.min - 0.5} is outside ${range.min}–${range.max} mmHg`],
      ['max at the range ceiling', { ...PRESSURE, maxMmHg: range.max }, last, null],
      ['max above it', { ...PRESSURE, maxMmHg: range.max + 0.5 }, last, `maxMmHg = ${range.max + 0.5} is outside ${range.min}–${range.max} mmHg`],
      ['max NaN', { ...PRESSURE, maxMmHg: NaN }, last, `maxMmHg = NaN is not a finite number (allowed ${range.min}–${range.max} mmHg)`],
      ['mean at min and max', { ...PRESSURE, minMmHg: 90, meanMmHg: 90, maxMmHg: 90 }, last, null],
      ['mean above max', { ...PRESSURE, meanMmHg: 102.5 }, last, 'meanMmHg = 102.5 is not between minMmHg = 78 and maxMmHg = 102'],
      ['mean below min', { ...PRESSURE, meanMmHg: 77.5 }, last, 'meanMmHg = 77.5 is not between minMmHg = 78 and maxMmHg = 102'],
      ['mean infinite', { ...PRESSURE, meanMmHg: Infinity }, last, 'meanMmHg = Infinity is not a finite number'],
      ['no cardiac band', { ...PRESSURE, cardiacAmplitudeMmHg: 0 }, last, null],
      ['the widest cardiac band', { ...PRESSURE, cardiacAmplitudeMmHg: amp }, last, null],
      ['a wider one', { ...PRESSURE, cardiacAmplitudeMmHg: amp + 0.5 }, last, `cardiacAmplitudeMmHg = ${amp + 0.5} is outside 0–${amp} mmHg`],
      ['a negative one', { ...PRESSURE, cardiacAmplitudeMmHg: -0.5 }, last, `cardiacAmplitudeMmHg = -0.5 is outside 0–${amp} mmHg`],
    ];
    for (const [what, r, lastAtMs, problem] of cases) {
      expect(pressureProblem(r, LIMITS, lastAtMs, NOW), what).toBe(problem);
      expect(pressureValid(r, LIMITS, lastAtMs, NOW), what).toBe(problem === null);
    }
    expect(flowProblem({ ...FLOW, windowMs: -1 }, LIMITS, -1, NOW)).toBe('windowMs = -1 must be a finite number > 0');
    expect(flowProblem({ ...FLOW, windowMs: Infinity }, LIMITS, -1, NOW)).toBe('windowMs = Infinity must be a finite number > 0');
    expect(reservoirProblem({ ...RESERVOIR, volumeMl: 0 }, LIMITS, -1, NOW)).toBeNull();
    expect(reservoirProblem({ ...RESERVOIR, volumeMl: LIMITS.reservoirMaxMl }, LIMITS, -1, NOW)).toBeNull();
    expect(reservoirProblem({ ...RESERVOIR, volumeMl: -0.01 }, LIMITS, -1, NOW)).toBe(`volumeMl = -0.01 is outside 0–${LIMITS.reservoirMaxMl} mL`);
    expect(powerProblem({ ...POWER, batteryPercent: 0 }, -1, NOW)).toBeNull();
    expect(powerProblem({ ...POWER, batteryPercent: 100 }, -1, NOW)).toBeNull();
    expect(powerProblem({ ...POWER, batteryPercent: 100.5 }, -1, NOW)).toBe('batteryPercent = 100.5 is outside 0–100 %');
    expect(powerProblem({ ...POWER, externalPower: 1 as unknown as boolean }, -1, NOW)).toBe('externalPower = 1 must be true or false');
    expect(powerProblem({ ...POWER, externalPower: true }, -1, NOW)).toBeNull();
    expect(powerProblem({ ...POWER, atMs: NaN }, -1, NOW)).toBe('atMs = NaN is not a finite number');
    const cps = LIMITS.encoderCountsPerStroke;
    expect(strokeFeedbackProblem({ ...FEEDBACK, strokesCommanded: 0, encoderCounts: 0 }, 0, LIMITS, -1, NOW)).toBeNull();
    expect(strokeFeedbackProblem({ ...FEEDBACK, strokesCommanded: 3, encoderCounts: 4 * cps - 1 }, 3, LIMITS, -1, NOW)).toBeNull();
    expect(strokeFeedbackProblem({ ...FEEDBACK, strokesCommanded: 3, encoderCounts: 4 * cps }, 3, LIMITS, -1, NOW)).toBe(`encoderCounts = ${4 * cps} must be a whole number from 0 to ${4 * cps - 1} for 3 strokes`);
    expect(strokeFeedbackProblem({ ...FEEDBACK, encoderCounts: -1 }, 1, LIMITS, -1, NOW)).toBe(`encoderCounts = -1 must be a whole number from 0 to ${2 * cps - 1} for 1 strokes`);
    expect(strokeFeedbackProblem({ ...FEEDBACK, strokesCommanded: 2 }, 1, LIMITS, -1, NOW)).toBe('strokesCommanded = 2 is not the 1 commanded');
  });
});

describe('the reading gate', () => {
  function gate(): { g: ReadingGate; heard: [CheckedSensor, string][] } {
    const heard: [CheckedSensor, string][] = [];
    return { g: new ReadingGate(NOMINAL_PORT_CONFIG, (sensor, problem) => heard.push([sensor, problem])), heard };
  }

  it('PUMP-READING-VALID a valid reading is handed on as itself, a sensor error as itself; an invalid one as outOfRange naming the sensor and the problem', () => {
    const { g, heard } = gate();
    const failed = halError('disconnected', 'no answer');
    expect(g.pressure(PRESSURE, NOW)).toBe(PRESSURE);
    expect(g.flow(FLOW, NOW)).toBe(FLOW);
    expect(g.reservoir(RESERVOIR, NOW)).toBe(RESERVOIR);
    expect(g.power(POWER, NOW)).toBe(POWER);
    expect(g.encoderCounts(FEEDBACK, 1, NOW)).toBe(FEEDBACK.encoderCounts);
    expect([g.pressure(failed, NOW), g.flow(failed, NOW), g.reservoir(failed, NOW), g.power(failed, NOW)]).toEqual([failed, failed, failed, failed]);
    expect(g.pressure(failed, NOW)).toBe(failed);
    expect(g.encoderCounts(failed, 1, NOW)).toBe(0);
    expect(heard).toEqual([]);
    // A gate of a new power-on, so that no window is judged against the reads above.
    const { g: fresh, heard: freshHeard } = gate();
    expect(fresh.pressure({ ...PRESSURE, meanMmHg: NaN }, NOW)).toEqual(halError('outOfRange', 'invalid pressure reading: meanMmHg = NaN is not a finite number'));
    expect(fresh.flow({ ...FLOW, meanFlowUlPerHour: NaN }, NOW)).toEqual(halError('outOfRange', 'invalid flow reading: meanFlowUlPerHour = NaN is not a finite number'));
    expect(fresh.reservoir({ ...RESERVOIR, volumeMl: NaN }, NOW)).toMatchObject({ ok: false, kind: 'outOfRange', detail: expect.stringMatching(/^invalid reservoir reading: volumeMl = NaN/) });
    expect(fresh.power({ ...POWER, batteryPercent: NaN }, NOW)).toMatchObject({ ok: false, kind: 'outOfRange', detail: expect.stringMatching(/^invalid power reading: batteryPercent = NaN/) });
    expect(fresh.encoderCounts({ ...FEEDBACK, encoderCounts: NaN }, 1, NOW)).toBe(0);
    expect(freshHeard.map(([sensor]) => sensor)).toEqual(['pressure', 'flow', 'reservoir', 'power', 'encoder']);
  });

  it('PUMP-READING-VALID each sensor keeps its own last accepted time: a reading older than its own sensor’s last is refused, another sensor’s does not count, a refused reading moves nothing', () => {
    const { g } = gate();
    const at = (ms: number) => ({ atMs: ms });
    expect(g.pressure({ ...PRESSURE, ...at(50_000) }, NOW).ok).toBe(true);
    expect(g.flow({ ...FLOW, ...at(40_000) }, NOW).ok).toBe(true);
    expect(g.reservoir({ ...RESERVOIR, ...at(30_000) }, NOW).ok).toBe(true);
    expect(g.power({ ...POWER, ...at(20_000) }, NOW).ok).toBe(true);
    expect(g.encoderCounts({ ...FEEDBACK, ...at(10_000) }, 1, NOW)).toBe(FEEDBACK.encoderCounts);
    // Each sensor: a reading just before its own last is refused; at its last it is accepted.
    expect(g.pressure({ ...PRESSURE, ...at(49_999), windowMs: 1 }, NOW).ok).toBe(false);
    expect(g.flow({ ...FLOW, ...at(39_999), windowMs: 1 }, NOW).ok).toBe(false);
    expect(g.reservoir({ ...RESERVOIR, ...at(29_999) }, NOW).ok).toBe(false);
    expect(g.power({ ...POWER, ...at(19_999) }, NOW).ok).toBe(false);
    expect(g.encoderCounts({ ...FEEDBACK, ...at(9_999) }, 1, NOW)).toBe(0);
    expect(g.reservoir({ ...RESERVOIR, ...at(30_000) }, NOW).ok).toBe(true);
    expect(g.power({ ...POWER, ...at(20_000) }, NOW).ok).toBe(true);
    expect(g.encoderCounts({ ...FEEDBACK, ...at(10_000) }, 1, NOW)).toBe(FEEDBACK.encoderCounts);
    // The window is judged against the last accepted read: a refused read in between does not shorten it.
    expect(g.flow({ ...FLOW, ...at(39_999), windowMs: 1 }, NOW).ok).toBe(false);
    expect(g.flow({ ...FLOW, ...at(50_000), windowMs: 11_000 }, NOW).ok).toBe(true);
    expect(g.pressure({ ...PRESSURE, ...at(51_000), windowMs: 2000 }, NOW).ok).toBe(true);
    expect(g.pressure({ ...PRESSURE, ...at(52_000), windowMs: 2001 }, NOW).ok).toBe(false);
  });

  it('PUMP-READING-VALID each sensor’s invalid episode is heard once; a valid reading of that sensor, and only of that sensor, ends it', () => {
    const { g, heard } = gate();
    const bad = { pressure: () => g.pressure({ ...PRESSURE, meanMmHg: NaN }, NOW), flow: () => g.flow({ ...FLOW, meanFlowUlPerHour: NaN }, NOW), reservoir: () => g.reservoir({ ...RESERVOIR, volumeMl: NaN }, NOW), power: () => g.power({ ...POWER, batteryPercent: NaN }, NOW), encoder: () => g.encoderCounts({ ...FEEDBACK, encoderCounts: NaN }, 1, NOW), air: () => g.air({ ...AIR, airUl: NaN }, NOW), temperature: () => g.temperature({ ...TEMPERATURE, celsius: NaN }, NOW) };
    const good = { pressure: () => g.pressure(PRESSURE, NOW), flow: () => g.flow(FLOW, NOW), reservoir: () => g.reservoir(RESERVOIR, NOW), power: () => g.power(POWER, NOW), encoder: () => g.encoderCounts(FEEDBACK, 1, NOW), air: () => g.air(AIR, NOW), temperature: () => g.temperature(TEMPERATURE, NOW) };
    const sensors = Object.keys(bad) as CheckedSensor[];
    for (const s of sensors) {
      bad[s]();
      bad[s]();
    }
    expect(heard.map(([s]) => s)).toEqual(sensors);
    for (const s of sensors) {
      heard.length = 0;
      good[s]();
      for (const t of sensors) bad[t]();
      expect(heard.map(([x]) => x), `after a valid ${s} reading`).toEqual([s]);
    }
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

describe('the air and temperature checks', () => {
  it('PUMP-READING-VALID air: the timestamp and the window are checked first, then the volume of air, which must be finite and not negative', () => {
    expect(airProblem(AIR, LIMITS, NOW - 10_000, NOW)).toBeNull();
    expect(airProblem({ ...AIR, airUl: 0 }, LIMITS, -1, NOW)).toBeNull();
    expect(airProblem({ ...AIR, airUl: 250 }, LIMITS, -1, NOW)).toBeNull();
    for (const airUl of [NaN, Infinity, -Infinity, -0.001, -5]) {
      expect(airProblem({ ...AIR, airUl }, LIMITS, -1, NOW), `airUl ${airUl}`).toBe(`airUl = ${airUl} must be a finite number ≥ 0 µL`);
    }
    // Each check reports by itself, in order: a bad time first, then a bad window, then the air.
    expect(airProblem({ ...AIR, atMs: NOW + 1 }, LIMITS, -1, NOW)).toBe(`atMs = ${NOW + 1} is in the future (now ${NOW})`);
    expect(airProblem({ ...AIR, windowMs: 0 }, LIMITS, -1, NOW)).toBe('windowMs = 0 must be a finite number > 0');
    expect(airProblem({ ...AIR, atMs: NOW + 1, windowMs: 0, airUl: NaN }, LIMITS, -1, NOW)).toMatch(/^atMs = /);
    expect(airProblem({ ...AIR, windowMs: 0, airUl: NaN }, LIMITS, -1, NOW)).toMatch(/^windowMs = /);
  });

  it('PUMP-READING-VALID temperature: a finite value from −40 to 125 °C, both edges accepted, after the timestamp check', () => {
    expect(temperatureProblem(TEMPERATURE, -1, NOW)).toBeNull();
    expect(temperatureProblem({ ...TEMPERATURE, celsius: -40 }, -1, NOW)).toBeNull();
    expect(temperatureProblem({ ...TEMPERATURE, celsius: 125 }, -1, NOW)).toBeNull();
    expect(temperatureProblem({ ...TEMPERATURE, celsius: 125.5 }, -1, NOW)).toBe('celsius = 125.5 is outside -40–125 °C');
    expect(temperatureProblem({ ...TEMPERATURE, celsius: -40.5 }, -1, NOW)).toBe('celsius = -40.5 is outside -40–125 °C');
    expect(temperatureProblem({ ...TEMPERATURE, celsius: NaN }, -1, NOW)).toBe('celsius = NaN is not a finite number (allowed -40–125 °C)');
    expect(temperatureProblem({ ...TEMPERATURE, atMs: NOW - 1, celsius: NaN }, NOW, NOW)).toBe(`atMs = ${NOW - 1} goes backwards (last accepted ${NOW})`);
  });

  it('PUMP-READING-VALID the gate hands a valid air or temperature reading on as itself and remembers its time; an invalid one is refused naming the sensor', () => {
    const heard: CheckedSensor[] = [];
    const g = new ReadingGate(NOMINAL_PORT_CONFIG, (sensor) => heard.push(sensor));
    const failed = halError('disconnected', 'no answer');
    expect(g.air(AIR, NOW)).toBe(AIR);
    expect(g.temperature(TEMPERATURE, NOW)).toBe(TEMPERATURE);
    expect(g.air(failed, NOW)).toBe(failed);
    expect(g.temperature(failed, NOW)).toBe(failed);
    expect(heard).toEqual([]);
    // The accepted times count: a reading before them is refused.
    expect(g.air({ ...AIR, atMs: NOW - 1, windowMs: 1 }, NOW)).toMatchObject({ ok: false, kind: 'outOfRange', detail: expect.stringMatching(/^invalid air reading: atMs = /) });
    expect(g.temperature({ ...TEMPERATURE, atMs: NOW - 1 }, NOW)).toMatchObject({ ok: false, kind: 'outOfRange', detail: expect.stringMatching(/^invalid temperature reading: atMs = /) });
    expect(heard).toEqual(['air', 'temperature']);
  });

  it('PUMP-READING-VALID pressureValid refuses a window whose time goes backwards even by less than the slack a window may have', () => {
    const last = NOW - 10;
    // 1 ms before the last accepted read: the window (1 ms) is short enough, only the time is wrong.
    const back: PressureReading = { ...PRESSURE, atMs: last - 1, windowMs: 1, sampleCount: 1, minMmHg: 90, maxMmHg: 90, meanMmHg: 90 };
    expect(pressureValid(back, LIMITS, last, NOW)).toBe(false);
    expect(pressureProblem(back, LIMITS, last, NOW)).toBe(`atMs = ${last - 1} goes backwards (last accepted ${last})`);
    expect(pressureValid({ ...back, atMs: last }, LIMITS, last, NOW)).toBe(true);
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
