/**
 * The reservoir, pressure-signal and sensor-health detectors (firmware/detectors.ts:
 * `updateReservoir`, `updatePressureTrack`, `updateFlowTrack`, `updateHealth`), and the
 * bookkeeping around them (`recordStrokes`, `updateDetectors`), by example at their thresholds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FlowReading, PressureReading, ReservoirReading } from '../../hal/index.ts';
import type { DetectorConfig, DetectorReadings, DetectorState, FlowDetector, Ledger } from '../../firmware/index.ts';
import {
  EMPTY_LEDGER,
  INITIAL_DETECTORS,
  THRESHOLDS,
  changedAlarmInputs,
  detectorConfig,
  makeLedger,
  recordStrokes,
  slowGroupsSettled,
  pressureGroupsAtRest,
  updateArterial,
  updateDetectors,
  updateFlow,
  updateFlowVerdict,
  updateFlowTrack,
  updateHealth,
  updatePressureTrack,
  updateReservoir,
  withEveryGroup,
} from '../../firmware/index.ts';
import { NOMINAL_PORT_CONFIG, deviceConfig } from '../support/deviceConfig.ts';
import { checkProperty } from '../support/fc.ts';

/** A steady period as `updateDetectors` judges it: no slow reading, and the pressure groups at rest. */
function steadyPeriod(d: DetectorState, c: DetectorConfig, connected: boolean, infusing: boolean, r: DetectorReadings, last: PressureReading | null): boolean {
  return slowGroupsSettled(d, infusing, r) && pressureGroupsAtRest(d, c, connected, r.pressure, last);
}

const cfg = detectorConfig(NOMINAL_PORT_CONFIG);
const T = THRESHOLDS;
const strokeUl = NOMINAL_PORT_CONFIG.strokeVolumeNl / 1000;
const residualUl = NOMINAL_PORT_CONFIG.reservoirResidualUl;

/** A 30 mL fill, primed (350 strokes), infusing: `delivered` of 28,000 strokes done. */
function infusing(delivered: number): Ledger {
  return makeLedger({
    ...EMPTY_LEDGER,
    reservoirFillUl: 30_000,
    primeStrokes: 350,
    infusionStrokes: delivered,
    phaseKind: 'infuse',
    phaseTotalStrokes: 28_000,
    phaseDurationMs: 14 * 86_400_000,
    phaseDeliveredStrokes: delivered,
  });
}

function gauge(volumeMl: number, atMs = 60_000): ReservoirReading {
  return { ok: true, atMs, volumeMl };
}

function pressure(meanMmHg: number, cardiacAmplitudeMmHg = 10, atMs = 0): PressureReading {
  return { ok: true, atMs, windowMs: 1000, sampleCount: 50, meanMmHg, minMmHg: meanMmHg - cardiacAmplitudeMmHg, maxMmHg: meanMmHg + cardiacAmplitudeMmHg, cardiacAmplitudeMmHg };
}

function flowRead(meanFlowUlPerHour: number): FlowReading {
  return { ok: true, atMs: 0, windowMs: 10_000, meanFlowUlPerHour };
}

/** The gauge volume (mL) that matches the ledger exactly. */
function expectedMl(l: Ledger): number {
  return (l.reservoirFillUl - (l.primeStrokes + l.infusionStrokes) * strokeUl) / 1000;
}

describe('updateReservoir', () => {
  const rv = INITIAL_DETECTORS.reservoir;

  it('OPCA-RESERVOIR-1ML a gauge that agrees with the ledger gives no mismatch; the mismatch is the distance in µL, either way', () => {
    const l = infusing(10_000);
    expect(updateReservoir(rv, cfg, true, l, gauge(expectedMl(l))).mismatchUl).toBeCloseTo(0, 9);
    expect(updateReservoir(rv, cfg, true, l, gauge(expectedMl(l) + 1.6)).mismatchUl).toBeCloseTo(1600, 6);
    expect(updateReservoir(rv, cfg, true, l, gauge(expectedMl(l) - 1.6)).mismatchUl).toBeCloseTo(1600, 6);
    // No fill recorded (nothing programmed): nothing to compare against.
    expect(updateReservoir(rv, cfg, false, EMPTY_LEDGER, gauge(12)).mismatchUl).toBe(0);
  });

  it('GIP-1.5.5 the shortfall is what the programme still owes beyond the deliverable volume, less the margin; none when not infusing', () => {
    const l = infusing(10_000);
    const owedUl = (28_000 - 10_000) * strokeUl;
    const deliverableUl = 15_000 - residualUl;
    const short = updateReservoir(rv, cfg, true, l, gauge(15));
    expect(short.shortfallUl).toBeCloseTo(owedUl - deliverableUl - T.reservoirShortfallMarginUl, 6);
    // Exactly at the margin: no shortfall.
    const atMarginMl = (owedUl + residualUl - T.reservoirShortfallMarginUl) / 1000;
    expect(updateReservoir(rv, cfg, true, l, gauge(atMarginMl)).shortfallUl).toBe(0);
    expect(updateReservoir(rv, cfg, true, l, gauge(atMarginMl - 0.001)).shortfallUl).toBeGreaterThan(0);
    expect(updateReservoir(rv, cfg, false, l, gauge(15)).shortfallUl).toBe(0);
    // A phase other than the infusion owes nothing to the reservoir check.
    expect(updateReservoir(rv, cfg, true, { ...l, phaseKind: 'flush' }, gauge(15)).shortfallUl).toBe(0);
    expect(updateReservoir(rv, cfg, true, { ...l, phaseDeliveredStrokes: 28_000 }, gauge(15)).shortfallUl).toBe(0);
  });

  it('GIP-1.5.6 empty: the gauge below the residual by more than its accuracy counts up per sample; at the residual it takes the flow sensor to agree', () => {
    const l = infusing(27_000);
    const belowMl = (residualUl - T.reservoirGaugeAccuracyUl) / 1000;
    const once = updateReservoir(rv, cfg, true, l, gauge(belowMl, 60_000));
    expect(once.emptyCount).toBe(1);
    const twice = updateReservoir(once, cfg, true, l, gauge(belowMl, 120_000));
    expect(twice.emptyCount).toBe(2);
    // The same sample again is not a new sample.
    expect(updateReservoir(twice, cfg, true, l, gauge(belowMl, 120_000))).toBe(twice);
    // Just inside the gauge's accuracy: not empty on the gauge alone...
    const justAbove = (residualUl - T.reservoirGaugeAccuracyUl + 1) / 1000;
    expect(updateReservoir(rv, cfg, true, l, gauge(justAbove)).emptyCount).toBe(0);
    // ...but at or below the residual with the flow sensor seeing less than half the strokes' volume, yes.
    const dry: FlowDetector = { ...INITIAL_DETECTORS.flow, blocksFilled: 1, commanded1Ul: 20, measured1Ul: 20 * T.reservoirDryFlowRatio - 0.01 };
    const wet: FlowDetector = { ...dry, measured1Ul: 20 * T.reservoirDryFlowRatio };
    expect(updateReservoir(rv, cfg, true, l, gauge(residualUl / 1000), dry).emptyCount).toBe(1);
    expect(updateReservoir(rv, cfg, true, l, gauge(residualUl / 1000), wet).emptyCount).toBe(0);
    expect(updateReservoir(rv, cfg, true, l, gauge((residualUl + 1) / 1000), dry).emptyCount).toBe(0);
    expect(updateReservoir(rv, cfg, true, l, gauge(residualUl / 1000), { ...dry, blocksFilled: 0 }).emptyCount).toBe(0);
    expect(updateReservoir(rv, cfg, true, l, gauge(residualUl / 1000), { ...dry, commanded1Ul: 0, measured1Ul: -1 }).emptyCount).toBe(0);
    // The programme delivered in full owes nothing: an empty gauge then is no alarm.
    expect(updateReservoir(rv, cfg, true, { ...l, phaseDeliveredStrokes: l.phaseTotalStrokes }, gauge(belowMl)).emptyCount).toBe(0);
    // Not infusing: the count resets, even with no sample.
    expect(updateReservoir(twice, cfg, false, l, null).emptyCount).toBe(0);
    expect(updateReservoir(twice, cfg, true, l, null)).toBe(twice);
  });

  it('FDA-RECALL-POCKET-FILL a failed read or a sample older than the last fill changes nothing; a new sample is remembered', () => {
    const l = infusing(10_000);
    const filled = { ...rv, filledAtMs: 100_000 };
    expect(updateReservoir(filled, cfg, true, l, gauge(1, 99_999))).toBe(filled);
    expect(updateReservoir(filled, cfg, true, l, { ok: false, kind: 'disconnected', detail: 'test' })).toBe(filled);
    const fresh = updateReservoir(filled, cfg, true, l, gauge(expectedMl(l), 100_000));
    expect(fresh.lastSampleAtMs).toBe(100_000);
    expect(fresh.filledAtMs).toBe(100_000);
  });
});

describe('updateReservoir with a stroke of other than 1 µL', () => {
  it('OPCA-RESERVOIR-1ML GIP-1.5.5 strokes become volume by the stroke volume (0.5 µL here)', () => {
    const halfCfg = detectorConfig(deviceConfig({ strokeVolumeNl: 500 }));
    const l = infusing(10_000);
    // Expected in the reservoir: 30,000 − (350 + 10,000) × 0.5 µL = 24,825 µL.
    expect(updateReservoir(INITIAL_DETECTORS.reservoir, halfCfg, true, l, gauge(24.825)).mismatchUl).toBeCloseTo(0, 6);
    expect(updateReservoir(INITIAL_DETECTORS.reservoir, halfCfg, true, l, gauge(26.825)).mismatchUl).toBeCloseTo(2000, 6);
    // Owed: 18,000 strokes × 0.5 µL = 9,000 µL; deliverable from a 5 mL gauge: 4,500 µL.
    expect(updateReservoir(INITIAL_DETECTORS.reservoir, halfCfg, true, l, gauge(5)).shortfallUl).toBeCloseTo(9000 - 4500 - T.reservoirShortfallMarginUl, 6);
  });
});

describe('updatePressureTrack', () => {
  const t0 = INITIAL_DETECTORS.pressureTrack;

  it('PUMP-SENSOR-FAILSAFE a failed read makes the signal suspect at once; the same state comes back while nothing changes', () => {
    const failed = updatePressureTrack(t0, cfg, true, { ok: false, kind: 'disconnected', detail: 'test' }, null, null);
    expect(failed).toEqual({ ...t0, suspect: true });
    expect(updatePressureTrack(failed, cfg, true, { ok: false, kind: 'disconnected', detail: 'test' }, null, null)).toBe(failed);
    expect(updatePressureTrack(t0, cfg, true, pressure(90), null, null)).toBe(t0);
    // A good read after a failed one clears the suspicion (nothing else had changed).
    expect(updatePressureTrack(failed, cfg, true, pressure(90), null, null)).toEqual(t0);
  });

  it('PUMP-SENSOR-FAILSAFE identical windows in a row (mean, pulse, min and max) make a stuck sensor after pressureStuckWindows', () => {
    let t = t0;
    const p = pressure(90);
    for (let i = 1; i < T.pressureStuckWindows; i++) {
      t = updatePressureTrack(t, cfg, true, p, p, p);
      expect(t.identicalCount).toBe(i);
      expect(t.suspect).toBe(false);
    }
    t = updatePressureTrack(t, cfg, true, p, p, p);
    expect(t.suspect).toBe(true);
    // Any field that moves breaks the run.
    for (const moved of [{ ...p, meanMmHg: p.meanMmHg + 0.1 }, { ...p, cardiacAmplitudeMmHg: p.cardiacAmplitudeMmHg + 0.1 }, { ...p, minMmHg: p.minMmHg - 0.1 }, { ...p, maxMmHg: p.maxMmHg + 0.1 }]) {
      expect(updatePressureTrack(t, cfg, true, moved, p, p).identicalCount).toBe(0);
    }
  });

  it('PUMP-SENSOR-FAILSAFE jumps that reverse, beyond pressureJumpMmHg both ways, score up; the score decays by 0.95 per period', () => {
    const j = T.pressureJumpMmHg + 0.1;
    const once = updatePressureTrack(t0, cfg, true, pressure(90), pressure(90 + j), pressure(90));
    expect(once.reversalScore).toBe(1);
    // Same direction twice is a ramp, not a reversal; a jump at the threshold is not a jump.
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + 2 * j), pressure(90 + j), pressure(90)).reversalScore).toBe(0);
    expect(updatePressureTrack(t0, cfg, true, pressure(90), pressure(90 + T.pressureJumpMmHg), pressure(90)).reversalScore).toBe(0);
    // Both jumps must exceed the threshold: one big jump back by a small step, or by exactly the threshold, is no reversal.
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + j - 1), pressure(90 + j), pressure(90)).reversalScore).toBe(0);
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + j - T.pressureJumpMmHg), pressure(90 + j), pressure(90)).reversalScore).toBe(0);
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + T.pressureJumpMmHg - j), pressure(90 + T.pressureJumpMmHg), pressure(90)).reversalScore).toBe(0);
    // With only one earlier window there is no earlier jump to reverse.
    expect(updatePressureTrack(t0, cfg, true, pressure(90), pressure(90 + j), null).reversalScore).toBe(0);
    const decayed = updatePressureTrack(once, cfg, true, pressure(90), pressure(90), pressure(90));
    expect(decayed.reversalScore).toBeCloseTo(0.95, 12);
    // 0.95^k falls below 1e-3 after 135 periods: the score is then exactly zero and the state stops changing.
    let quiet = once;
    for (let k = 0; k < 135; k++) quiet = updatePressureTrack(quiet, cfg, true, pressure(90 + (k % 2) * 0.1), pressure(90 + ((k + 1) % 2) * 0.1), pressure(90));
    expect(quiet.reversalScore).toBe(0);
    expect(updatePressureTrack(quiet, cfg, true, pressure(90), pressure(90.1), pressure(90))).toBe(quiet);
    let t = t0;
    let up = true;
    let reversals = 0;
    while (!t.suspect && reversals < 10) {
      const last = pressure(up ? 90 + j : 90);
      t = updatePressureTrack(t, cfg, true, pressure(up ? 90 : 90 + j), last, pressure(up ? 90 : 90 + j));
      up = !up;
      reversals++;
    }
    expect(t.suspect).toBe(true);
    expect(t.reversalScore).toBeGreaterThanOrEqual(T.pressureReversalScore);
    expect(reversals).toBe(3);
  });

  it('PUMP-SENSOR-FAILSAFE a cardiac pulse with a mean below tissue level is impossible: suspect after pulseWithLowMeanConfirmMs, connected only', () => {
    const impossible = pressure(T.pulseWithMeanBelowMmHg - 0.1, T.pulsePresentMmHg);
    let t = t0;
    const periods = T.pulseWithLowMeanConfirmMs / cfg.periodMs;
    for (let i = 1; i < periods; i++) t = updatePressureTrack(t, cfg, true, impossible, null, null);
    expect(t.lowWithPulseMs).toBe((periods - 1) * cfg.periodMs);
    expect(t.suspect).toBe(false);
    expect(updatePressureTrack(t, cfg, true, impossible, null, null).suspect).toBe(true);
    expect(updatePressureTrack(t, cfg, false, impossible, null, null).lowWithPulseMs).toBe(0);
    expect(updatePressureTrack(t, cfg, true, pressure(T.pulseWithMeanBelowMmHg, T.pulsePresentMmHg), null, null).lowWithPulseMs).toBe(0);
    expect(updatePressureTrack(t, cfg, true, pressure(T.pulseWithMeanBelowMmHg - 0.1, T.pulsePresentMmHg - 0.01), null, null).lowWithPulseMs).toBe(0);
  });
});

describe('updateFlowTrack and updateHealth', () => {
  const h0 = INITIAL_DETECTORS.health;
  const track = INITIAL_DETECTORS.pressureTrack;
  const quiet: DetectorReadings = { pressure: pressure(90), flow: null, reservoir: null, power: null };

  it('PUMP-SENSOR-FAILSAFE identical flow reads count up; a different or failed read does not; flowStuckReadings of them make the flow sensor faulty', () => {
    let ft = updateFlowTrack(INITIAL_DETECTORS.flowTrack, flowRead(85));
    expect(ft).toEqual({ identicalCount: 0, lastUlPerHour: 85 });
    for (let i = 1; i <= T.flowStuckReadings; i++) ft = updateFlowTrack(ft, flowRead(85));
    expect(ft.identicalCount).toBe(T.flowStuckReadings);
    expect(updateFlowTrack(ft, null)).toBe(ft);
    expect(updateFlowTrack(ft, { ok: false, kind: 'stale', detail: 'test' })).toBe(ft);
    expect(updateFlowTrack(ft, flowRead(85.1)).identicalCount).toBe(0);
    const readings = { ...quiet, flow: flowRead(85) };
    expect(updateHealth(h0, cfg, true, true, track, ft, readings).flowFaulty).toBe(true);
    expect(updateHealth(h0, cfg, true, true, track, { ...ft, identicalCount: T.flowStuckReadings - 1 }, readings).flowFaulty).toBe(false);
  });

  it('PUMP-SENSOR-FAILSAFE the flow sensor is faulty when silent, out of range, or reading reverse flow while infusing', () => {
    const ft = INITIAL_DETECTORS.flowTrack;
    const health = (flow: DetectorReadings['flow'], infusingNow = true): boolean => updateHealth(h0, cfg, true, infusingNow, track, ft, { ...quiet, flow }).flowFaulty;
    expect(health({ ok: false, kind: 'disconnected', detail: 'test' })).toBe(true);
    expect(health(flowRead(NOMINAL_PORT_CONFIG.flowRangeUlPerHour.max + 1))).toBe(true);
    // The range's ends are in range.
    expect(health(flowRead(NOMINAL_PORT_CONFIG.flowRangeUlPerHour.max))).toBe(false);
    expect(health(flowRead(NOMINAL_PORT_CONFIG.flowRangeUlPerHour.min), false)).toBe(false);
    expect(health(flowRead(NOMINAL_PORT_CONFIG.flowRangeUlPerHour.min - 1), false)).toBe(true);
    expect(health(flowRead(T.flowImplausibleBelowUlPerHour - 1))).toBe(true);
    expect(health(flowRead(T.flowImplausibleBelowUlPerHour - 1), false)).toBe(false);
    expect(health(flowRead(T.flowImplausibleBelowUlPerHour))).toBe(false);
    // No read this period: the last verdict stands.
    expect(updateHealth({ ...h0, flowFaulty: true }, cfg, true, true, track, ft, quiet).flowFaulty).toBe(true);
  });

  it('PUMP-SENSOR-FAILSAFE pressure faulty time accumulates only while connected; the gauge verdict follows its last read; battery follows the monitor', () => {
    const ft = INITIAL_DETECTORS.flowTrack;
    const suspect = { ...track, suspect: true };
    const once = updateHealth(h0, cfg, true, false, suspect, ft, quiet);
    expect(once.sensorFaultMs).toBe(cfg.periodMs);
    expect(updateHealth(once, cfg, true, false, suspect, ft, quiet).sensorFaultMs).toBe(2 * cfg.periodMs);
    expect(updateHealth(once, cfg, false, false, suspect, ft, quiet).sensorFaultMs).toBe(0);
    expect(updateHealth(once, cfg, true, false, track, ft, quiet).sensorFaultMs).toBe(0);
    const range = NOMINAL_PORT_CONFIG.pressureRangeMmHg;
    for (const [mean, faulty] of [[range.max + 1, true], [range.max, false], [range.min, false], [range.min - 1, true]] as const) {
      expect(updateHealth(h0, cfg, true, false, track, ft, { ...quiet, pressure: pressure(mean, 0) }).sensorFaultMs, `mean ${mean}`).toBe(faulty ? cfg.periodMs : 0);
    }
    const gaugeFailed = updateHealth(h0, cfg, true, false, track, ft, { ...quiet, reservoir: { ok: false, kind: 'stale', detail: 'test' } });
    expect(gaugeFailed.gaugeFaulty).toBe(true);
    expect(updateHealth(gaugeFailed, cfg, true, false, track, ft, quiet).gaugeFaulty).toBe(true);
    expect(updateHealth(gaugeFailed, cfg, true, false, track, ft, { ...quiet, reservoir: gauge(10) }).gaugeFaulty).toBe(false);
    const low = updateHealth(h0, cfg, true, false, track, ft, { ...quiet, power: { ok: true, atMs: 0, batteryPercent: 19, externalPower: false } });
    expect(low.batteryPercent).toBe(19);
    expect(updateHealth(low, cfg, true, false, track, ft, { ...quiet, power: { ok: false, kind: 'stale', detail: 'test' } }).batteryPercent).toBe(19);
    // Nothing changed: the same object (the alarm table is not re-read for it).
    expect(updateHealth(h0, cfg, true, false, track, ft, quiet)).toBe(h0);
  });
});

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
    const opened = updateDetectors(INITIAL_DETECTORS, cfg, false, true, EMPTY_LEDGER, { pressure: pressure(90), flow: flowRead(89), reservoir: null, power: null });
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
    const completed = updateDetectors(d, cfg, false, true, EMPTY_LEDGER, { ...quiet, flow: read });
    expect(completed.flow.blockElapsedMs).toBe(0);
    expect(completed.flowVerdict.overInfusion).toBe(true);
    // The next periods read no flow: the window is the same object, so is the verdict, and no
    // alarm input changed.
    const next = updateDetectors(completed, cfg, false, true, EMPTY_LEDGER, quiet);
    expect(next.flow).toBe(completed.flow);
    expect(next.flowVerdict).toBe(completed.flowVerdict);
    expect(changedAlarmInputs(completed, next)).toBe(0);
    // Stopping the infusion closes the window and clears the verdict.
    expect(updateDetectors(next, cfg, false, false, EMPTY_LEDGER, quiet).flowVerdict.overInfusion).toBe(false);
  });

  it('PUMP-ALARM-QUIET a period that changes no detector returns the very same state object', () => {
    const readings: DetectorReadings = { pressure: pressure(90), flow: null, reservoir: null, power: null };
    const d = updateDetectors(INITIAL_DETECTORS, cfg, false, false, EMPTY_LEDGER, readings);
    expect(updateDetectors(d, cfg, false, false, EMPTY_LEDGER, readings)).toBe(d);
    const changed = updateDetectors(d, cfg, false, false, EMPTY_LEDGER, { ...readings, power: { ok: true, atMs: 0, batteryPercent: 50, externalPower: false } });
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
  });

  it('PUMP-ALARM-QUIET a steady period, one that skips the slow groups, or one that keeps pressure groups at rest, gives exactly what updating every group gives', () => {
    const groups = Object.keys(INITIAL_DETECTORS) as (keyof DetectorState)[];
    let steadyPeriods = 0;
    let settledPeriods = 0;
    let otherPeriods = 0;
    let atRestSlowPeriods = 0;
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
          const next = updateDetectors(d, cfg, period.connected, period.infusing, ledger, r, last, previous);
          // The reference: the pressure groups as updateDetectors computes them, then every group.
          const pressureTrack = updatePressureTrack(d.pressureTrack, cfg, period.connected, r.pressure, last, previous);
          const arterial = updateArterial(d.arterial, cfg, period.connected, d.strokeCount.strokesCompleted, r.pressure, pressureTrack.suspect);
          const reference = withEveryGroup(d, cfg, period.connected, period.infusing, ledger, r, pressureTrack, arterial);
          if (steadyPeriod(d, cfg, period.connected, period.infusing, r, last)) steadyPeriods++;
          else if (slowGroupsSettled(d, period.infusing, r)) settledPeriods++;
          else otherPeriods++;
          // Pressure groups at rest: their own updates hand them back, slow readings or not.
          if (pressureGroupsAtRest(d, cfg, period.connected, r.pressure, last)) {
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
          const flow = updateFlow(d.flow, cfg, period.infusing, r.flow);
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
            health: updateHealth(d.health, cfg, period.connected, period.infusing, pressureTrack, flowTrack, r),
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
    const track = updatePressureTrack(d.pressureTrack, c, connected, r.pressure, last, previous);
    const arterial = updateArterial(d.arterial, c, connected, d.strokeCount.strokesCompleted, r.pressure, track.suspect);
    return withEveryGroup(d, c, connected, true, ledger, r, track, arterial);
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
          expect(updateDetectors(d, c, connected, true, ledger, r, last, previous)).toBe(d);
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
