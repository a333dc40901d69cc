/**
 * The composed update (firmware/detectors/index.ts): the drive's bookkeeping (`recordStrokes`),
 * `updateDetectors` group by group, and its shortcuts (a steady period, one without slow readings,
 * one with the pressure groups at rest) held to the full update.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowReading, PressureReading } from '../../../hal/index.ts';
import { changedAlarmInputs } from '../../../firmware/alarms.ts';
import { updateArterial } from '../../../firmware/detectors/arterial.ts';
import { updateFlow, updateFlowVerdict } from '../../../firmware/detectors/flow.ts';
import { plausibleFlow, plausiblePressure, pressureFaultMs, updateFlowTrack, updateHealth, updatePressureTrack, withPressureFault } from '../../../firmware/detectors/health.ts';
import type { DetectorState } from '../../../firmware/detectors/index.ts';
import { INITIAL_DETECTORS, pressureGroupsAtRest, recordStrokes, slowGroupsSettled, updateDetectors, withPressureGroups, withSlowGroups } from '../../../firmware/detectors/index.ts';
import type { DetectorConfig, DetectorReadings } from '../../../firmware/readings.ts';
import { detectorConfig } from '../../../firmware/readings.ts';
import { updateReservoir } from '../../../firmware/detectors/reservoir.ts';
import { THRESHOLDS } from '../../../firmware/detectors/thresholds.ts';
import type { Ledger } from '../../../firmware/ledger.ts';
import { EMPTY_LEDGER } from '../../../firmware/ledger.ts';
import { deviceConfig } from '../../support/deviceConfig.ts';
import { checkProperty } from '../../support/fc.ts';
import { cfg, flowRead, gauge, infusing, pressure, strokeUl } from './fixtures.ts';

/** One period's update of every detector, from the detector state, the ledger and the last two windows. */
function detectorsAfter(
  d: DetectorState,
  c: DetectorConfig,
  connected: boolean,
  infusingNow: boolean,
  ledger: Ledger,
  r: DetectorReadings,
  last: PressureReading | null = null,
  previous: PressureReading | null = null,
  priming = false,
): DetectorState {
  return updateDetectors({ detectors: d, ledger, lastPressure: last, previousPressure: previous }, { detector: c, connected, priming }, infusingNow, r);
}

/** The update with no shortcut: the pressure groups from the period's window, then the slow groups. */
function everyGroup(d: DetectorState, c: DetectorConfig, connected: boolean, infusingNow: boolean, ledger: Ledger, r: DetectorReadings, last: PressureReading | null, previous: PressureReading | null, priming = false): DetectorState {
  const input = { detectors: d, ledger, lastPressure: last, previousPressure: previous };
  return withSlowGroups(withPressureGroups(input, { detector: c, connected, priming }, r, plausiblePressure(r.pressure, c)), c, infusingNow, ledger, r);
}

/** A steady period as `updateDetectors` judges it: no slow reading, and the pressure groups at rest. */
function steadyPeriod(d: DetectorState, c: DetectorConfig, connected: boolean, infusingNow: boolean, r: DetectorReadings, last: PressureReading | null): boolean {
  const p = plausiblePressure(r.pressure, c);
  return slowGroupsSettled(d, infusingNow, r) && p !== null && pressureGroupsAtRest(d, c, connected, p, last);
}

describe('drive bookkeeping and the whole update', () => {
  it('GIP-1.6.2 missed strokes accumulate until a stroke completes; completed strokes count; encoder-confirmed volume feeds the flow block', () => {
    const d0 = { ...INITIAL_DETECTORS, flow: { ...INITIAL_DETECTORS.flow, blockElapsedMs: 1000 } };
    const missed = recordStrokes(d0, 3, 1, strokeUl);
    expect(missed.drive).toEqual({ missedStrokes: 2 });
    expect(missed.strokeCount).toEqual({ strokesCompleted: 1 });
    expect(missed.flow.commandedUl).toBeCloseTo(1 * strokeUl, 12);
    const more = recordStrokes(missed, 2, 0, strokeUl);
    expect(more.drive).toEqual({ missedStrokes: 4 });
    expect(more.strokeCount).toBe(missed.strokeCount);
    const resumed = recordStrokes(more, 2, 2, strokeUl);
    expect(resumed.drive).toEqual({ missedStrokes: 0 });
    expect(resumed.strokeCount).toEqual({ strokesCompleted: 3 });
    expect(recordStrokes(more, 0, 0, strokeUl).drive.missedStrokes).toBe(4);
    // A stroke that completes while none were missed leaves `drive` (an alarm input) the same
    // object: only the stroke count, a tracker, moves, so the alarm table is not re-read.
    const steady = recordStrokes(resumed, 1, 1, strokeUl);
    expect(steady.drive).toBe(resumed.drive);
    expect(steady.strokeCount.strokesCompleted).toBe(4);
    expect(changedAlarmInputs(resumed, steady)).toBe(0);
    // Before the flow window opens (idle), strokes do not enter a block.
    expect(recordStrokes(INITIAL_DETECTORS, 2, 2, strokeUl).flow).toBe(INITIAL_DETECTORS.flow);
    // From the opening read on they do: the next read's volume includes them.
    const opened = detectorsAfter(INITIAL_DETECTORS, cfg, false, true, EMPTY_LEDGER, { pressure: pressure(90), flow: flowRead(89), reservoir: null, power: null });
    expect(opened.flow.blockElapsedMs).toBe(0);
    expect(recordStrokes(opened, 2, 2, strokeUl).flow.commandedUl).toBeCloseTo(2 * strokeUl, 12);
    expect(recordStrokes(opened, 2, 2, 0.5).flow.commandedUl).toBeCloseTo(1, 12);
  });

  it('PUMP-ALARM-QUIET the flow verdict is judged when a block completes, not again in the periods until the next flow read', () => {
    // Ten seconds before the end of a block, with three earlier blocks at twice the commanded volume.
    const lastBlock = { ...INITIAL_DETECTORS.flow, measuredUl: 40, commandedUl: 20, blockElapsedMs: THRESHOLDS.flowBlockMs - 10_000, measured1Ul: 40, measured2Ul: 40, measured3Ul: 40, commanded1Ul: 20, commanded2Ul: 20, commanded3Ul: 20, blocksFilled: 3 };
    const d = { ...INITIAL_DETECTORS, flow: lastBlock };
    const quiet: DetectorReadings = { pressure: pressure(90), flow: null, reservoir: null, power: null };
    const read: FlowReading = { ok: true, atMs: 0, windowMs: 10_000, meanFlowUlPerHour: 3.6 };
    const completed = detectorsAfter(d, cfg, false, true, EMPTY_LEDGER, { ...quiet, flow: read });
    expect(completed.flow.blockElapsedMs).toBe(0);
    expect(completed.flowVerdict.overInfusion).toBe(true);
    // The next periods read no flow: the window is the same object, so is the verdict, and no
    // alarm input changed.
    const next = detectorsAfter(completed, cfg, false, true, EMPTY_LEDGER, quiet);
    expect(next.flow).toBe(completed.flow);
    expect(next.flowVerdict).toBe(completed.flowVerdict);
    expect(changedAlarmInputs(completed, next)).toBe(0);
    // Stopping the infusion closes the window and clears the verdict.
    expect(detectorsAfter(next, cfg, false, false, EMPTY_LEDGER, quiet).flowVerdict.overInfusion).toBe(false);
  });

  it('PUMP-ALARM-QUIET a period that changes no detector returns the very same state object', () => {
    const readings: DetectorReadings = { pressure: pressure(90), flow: null, reservoir: null, power: null };
    const d = detectorsAfter(INITIAL_DETECTORS, cfg, false, false, EMPTY_LEDGER, readings);
    expect(detectorsAfter(d, cfg, false, false, EMPTY_LEDGER, readings)).toBe(d);
    const changed = detectorsAfter(d, cfg, false, false, EMPTY_LEDGER, { ...readings, power: { ok: true, atMs: 0, batteryPercent: 50, externalPower: false } });
    expect(changed).not.toBe(d);
    expect(changed.health.batteryPercent).toBe(50);
    expect(changed.arterial).toBe(d.arterial);
  });
});

describe('updateDetectors: the periods between slow readings', () => {
  /** One period of a random run: which sensors answered, what they said, and what the drive did. */
  const periodArb = fc.record({
    connected: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    infusing: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    // Delivered strokes of 28,000: 28,000 is a finished phase (the gauge's empty count resets then).
    delivered: fc.constantFrom(10_000, 27_990, 28_000),
    // The window mean moves by a step (tenths of mmHg): mostly small, as a steady signal does,
    // sometimes a jump; now and then the sensor fails.
    pressure: fc.oneof(
      {
        weight: 24,
        arbitrary: fc.record({
          stepTenths: fc.oneof({ weight: 15, arbitrary: fc.integer({ min: -20, max: 20 }) }, { weight: 1, arbitrary: fc.integer({ min: -4000, max: 4000 }) }),
          amplitudeTenths: fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 8, max: 80 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 10 }) }),
        }),
      },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    flow: fc.oneof(
      { weight: 8, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: fc.integer({ min: -100, max: 300 }).map((rate) => flowRead(rate)) },
      { weight: 1, arbitrary: fc.constant({ ok: false as const, kind: 'disconnected' as const, detail: 'test' }) },
    ),
    gaugeMl: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 300 }).map((v) => v / 10) }),
    batteryPercent: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 100 }) }),
    strokes: fc.integer({ min: 0, max: 2 }),
    priming: fc.boolean(),
  });

  it('PUMP-ALARM-QUIET a steady period, one that skips the slow groups, or one that keeps pressure groups at rest, gives exactly what updating every group gives', () => {
    const groups = Object.keys(INITIAL_DETECTORS) as (keyof DetectorState)[];
    let steadyPeriods = 0;
    let settledPeriods = 0;
    let otherPeriods = 0;
    let atRestSlowPeriods = 0;
    let primingPeriods = 0;
    let primeBlockedPeriods = 0;
    checkProperty(
      fc.property(fc.array(periodArb, { minLength: 20, maxLength: 120 }), (periods) => {
        let d = INITIAL_DETECTORS;
        let last: PressureReading | null = null;
        let previous: PressureReading | null = null;
        let meanTenths = 900;
        periods.forEach((period, i) => {
          const atMs = (i + 1) * 1000;
          if (period.pressure !== null) meanTenths += period.pressure.stepTenths;
          const r: DetectorReadings = {
            pressure:
              period.pressure === null ? { ok: false, kind: 'disconnected', detail: 'test' } : pressure(meanTenths / 10, period.pressure.amplitudeTenths / 10),
            flow: period.flow,
            reservoir: period.gaugeMl === null ? null : gauge(period.gaugeMl, atMs),
            power: period.batteryPercent === null ? null : { ok: true, atMs, batteryPercent: period.batteryPercent, externalPower: false },
          };
          const ledger = infusing(period.delivered);
          const priming = period.priming && !period.connected;
          if (priming) primingPeriods++;
          const next = detectorsAfter(d, cfg, period.connected, period.infusing, ledger, r, last, previous, priming);
          // The reference: every group updated, no shortcut taken.
          const reference = everyGroup(d, cfg, period.connected, period.infusing, ledger, r, last, previous, priming);
          // The pressure groups as their own updates give them, from the window judged once.
          const judged = plausiblePressure(r.pressure, cfg);
          const pressureTrack = updatePressureTrack(d.pressureTrack, cfg, period.connected, r.pressure, last, previous);
          const arterial = updateArterial(d.arterial, cfg, period.connected, d.strokeCount.strokesCompleted, judged, pressureTrack.suspect, priming, last === null ? 0 : last.cardiacAmplitudeMmHg);
          if (priming && arterial.occlusionSuspected) primeBlockedPeriods++;
          if (steadyPeriod(d, cfg, period.connected, period.infusing, r, last)) steadyPeriods++;
          else if (slowGroupsSettled(d, period.infusing, r)) settledPeriods++;
          else otherPeriods++;
          // Pressure groups at rest: their own updates hand them back, slow readings or not.
          if (judged !== null && pressureGroupsAtRest(d, cfg, period.connected, judged, last)) {
            if (!slowGroupsSettled(d, period.infusing, r)) atRestSlowPeriods++;
            expect(pressureTrack).toBe(d.pressureTrack);
            expect(arterial).toBe(d.arterial);
          }
          expect(next).toEqual(reference);
          // Same groups kept (by identity), so the alarm table sees the same changed inputs.
          expect(next === d).toBe(reference === d);
          for (const group of groups) expect([group, next[group] === d[group]]).toEqual([group, reference[group] === d[group]]);
          // And group by group, each from its own update (what the whole update is defined as): the
          // same values, and a group its update hands back unchanged kept as the very same object.
          const flowJudged = r.flow === null ? null : plausibleFlow(r.flow, cfg);
          const flow = updateFlow(d.flow, cfg, period.infusing, r.flow, flowJudged);
          const flowTrack = updateFlowTrack(d.flowTrack, r.flow);
          const byGroup: DetectorState = {
            pressureTrack,
            flowTrack,
            arterial,
            flow,
            flowVerdict: updateFlowVerdict(d.flowVerdict, flow, period.infusing),
            drive: d.drive,
            strokeCount: d.strokeCount,
            reservoir: updateReservoir(d.reservoir, cfg, period.infusing, ledger, r.reservoir, flow),
            health: updateHealth(withPressureFault(d.health, pressureFaultMs(d.health, cfg, period.connected, judged, pressureTrack)), period.infusing, flowTrack, r, flowJudged),
          };
          expect(next).toEqual(byGroup);
          for (const group of groups) if (group !== 'flowVerdict' && byGroup[group] === d[group]) expect(next[group], group).toBe(d[group]);
          d = recordStrokes(next, period.strokes, period.strokes, strokeUl);
          if (r.pressure.ok) {
            previous = last;
            last = r.pressure;
          }
        });
      }),
      { seed: 20261127, numRuns: 200 },
    );
    // Every kind of period was exercised, each many times.
    expect(steadyPeriods).toBeGreaterThan(1000);
    expect(settledPeriods).toBeGreaterThan(1000);
    expect(otherPeriods).toBeGreaterThan(1000);
    expect(atRestSlowPeriods).toBeGreaterThan(100);
    expect(primingPeriods).toBeGreaterThan(100);
    expect(primeBlockedPeriods).toBeGreaterThan(10);
  });
});

describe('steadyPeriod: the few comparisons that stand for a whole update', () => {
  const patent = updateArterial(INITIAL_DETECTORS.arterial, cfg, true, 0, pressure(90, 6));
  const lost = updateArterial(patent, cfg, true, 0, pressure(90, 0));
  const atRest = INITIAL_DETECTORS.pressureTrack;
  const tracks = [
    atRest,
    { ...atRest, identicalCount: 1 },
    { ...atRest, reversalScore: 0.5 },
    { ...atRest, lowWithPulseMs: 1000 },
    { ...atRest, suspect: true },
  ];
  const ledger = infusing(10_000);
  const quietOf = (p: DetectorReadings['pressure']): DetectorReadings => ({ pressure: p, flow: null, reservoir: null, power: null });
  /** The update with every group computed: what updateDetectors must give. */
  function fullUpdate(c: DetectorConfig, d: DetectorState, connected: boolean, r: DetectorReadings, last: PressureReading, previous: PressureReading): DetectorState {
    return everyGroup(d, c, connected, true, ledger, r, last, previous);
  }
  /** A front-end with a narrower range than the nominal one: plausibility then binds inside 15–400 mmHg. */
  const narrowCfg = detectorConfig(deviceConfig({ pressureRangeMmHg: { min: 20, max: 300 } }));

  it('PUMP-ALARM-QUIET at every edge of every threshold it reads, a period it calls steady changes no detector', () => {
    let steady = 0;
    let cases = 0;
    const grid = {
      c: [cfg, narrowCfg],
      connected: [true, false],
      arterial: [patent, lost, INITIAL_DETECTORS.arterial],
      pressureTrack: tracks,
      sensorFaultMs: [0, 1000],
      mean: [-50.1, -50, 14.9, 15, 20, 90, 300, 300.1, 399.9, 400, 1500, 1500.1],
      amplitude: [0.7, 0.8, 6],
      delta: [-15.1, -15, 0, 15, 15.1],
      lastDelta: [-16, 0, 16],
      sameMax: [true, false],
    };
    for (const c of grid.c) for (const connected of grid.connected) for (const arterial of grid.arterial) for (const pressureTrack of grid.pressureTrack) {
      for (const sensorFaultMs of grid.sensorFaultMs) for (const mean of grid.mean) for (const amplitude of grid.amplitude) {
        for (const delta of grid.delta) for (const lastDelta of grid.lastDelta) for (const sameMax of grid.sameMax) {
          const d: DetectorState = { ...INITIAL_DETECTORS, arterial, pressureTrack, health: { ...INITIAL_DETECTORS.health, sensorFaultMs } };
          const last = pressure(mean - delta, amplitude);
          const previous = pressure(mean - delta - lastDelta, amplitude);
          const r = quietOf(sameMax ? pressure(mean, amplitude) : { ...pressure(mean, amplitude), maxMmHg: mean + amplitude + 0.1 });
          cases++;
          if (!steadyPeriod(d, c, connected, true, r, last)) continue;
          steady++;
          expect(fullUpdate(c, d, connected, r, last, previous), `connected ${connected}, mean ${mean}, amplitude ${amplitude}, delta ${delta}`).toBe(d);
          expect(detectorsAfter(d, c, connected, true, ledger, r, last, previous)).toBe(d);
        }
      }
    }
    expect(cases).toBe(Object.values(grid).reduce((n, values) => n * values.length, 1));
    expect(steady).toBeGreaterThan(100);
  });

  it('PUMP-ALARM-QUIET a plausible window that differs from the last and moves by at most a jump is steady, over a patent artery with its pulse between 15 and 400 mmHg or with the needle out', () => {
    const d: DetectorState = { ...INITIAL_DETECTORS, arterial: patent };
    for (const [mean, amplitude, delta] of [[15, 0.8, 15], [90, 6, 0.1], [399.9, 6, -15], [90, 0.8, 0]] as const) {
      const last = delta === 0 ? { ...pressure(mean, amplitude), maxMmHg: mean + amplitude + 0.1 } : pressure(mean - delta, amplitude);
      expect(steadyPeriod(d, cfg, true, true, quietOf(pressure(mean, amplitude)), last), `mean ${mean}, amplitude ${amplitude}, delta ${delta}`).toBe(true);
    }
    // Only a window equal to the last in all four features is a repeat; the range's ends are in it.
    expect(steadyPeriod(d, cfg, true, true, quietOf(pressure(90, 6)), { ...pressure(90, 6), meanMmHg: 89.9 })).toBe(true);
    expect(steadyPeriod(d, cfg, true, true, quietOf(pressure(90, 6)), { ...pressure(90, 6), cardiacAmplitudeMmHg: 5.9 })).toBe(true);
    expect(steadyPeriod(d, cfg, true, true, quietOf(pressure(90, 6)), { ...pressure(90, 6), minMmHg: 83.9 })).toBe(true);
    expect(steadyPeriod(d, narrowCfg, true, true, quietOf(pressure(20, 6)), pressure(21, 6))).toBe(true);
    expect(steadyPeriod(d, narrowCfg, true, true, quietOf(pressure(300, 6)), pressure(299, 6))).toBe(true);
    expect(steadyPeriod(INITIAL_DETECTORS, cfg, false, true, quietOf(pressure(5, 0)), pressure(6, 0))).toBe(true);
    expect(steadyPeriod(INITIAL_DETECTORS, cfg, false, false, quietOf(pressure(5, 0)), null)).toBe(true);
    // A slow reading, a failed window, or a gauge count to reset: not steady (the full update runs).
    expect(steadyPeriod(d, cfg, true, true, { ...quietOf(pressure(90, 6)), flow: flowRead(89) }, pressure(91, 6))).toBe(false);
    expect(steadyPeriod(d, cfg, true, true, quietOf({ ok: false, kind: 'disconnected', detail: 'test' }), pressure(91, 6))).toBe(false);
    expect(steadyPeriod({ ...d, reservoir: { ...d.reservoir, emptyCount: 1 } }, cfg, true, true, quietOf(pressure(90, 6)), pressure(91, 6))).toBe(false);
  });
});
