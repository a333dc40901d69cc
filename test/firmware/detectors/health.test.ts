/**
 * The sensor-health detectors (firmware/detectors/health.ts: `updatePressureTrack`,
 * `updateFlowTrack`, `updateHealth`, the pressure fault timer) by example at their thresholds.
 */
import { describe, expect, it } from 'vitest';
import type { FlowTrack, HealthDetector, PressureTrack } from '../../../firmware/detectors/health.ts';
import { plausibleFlow, plausiblePressure, pressureFaultMs, pressureJumpLimitMmHg, updateFlowTrack, updateHealth, updatePressureTrack, withPressureFault } from '../../../firmware/detectors/health.ts';
import { INITIAL_DETECTORS } from '../../../firmware/detectors/index.ts';
import type { DetectorConfig, DetectorReadings } from '../../../firmware/readings.ts';
import { THRESHOLDS } from '../../../firmware/detectors/thresholds.ts';
import { NOMINAL_PORT_CONFIG } from '../../support/deviceConfig.ts';
import { cfg, flowRead, gauge, pressure } from './fixtures.ts';

const T = THRESHOLDS;

/**
 * Health after one period, as the whole update composes it: the pressure fault timer from the
 * judged window and the pressure track, then the slow sensors' verdicts from the judged flow read.
 */
function healthAfter(h: HealthDetector, c: DetectorConfig, connected: boolean, infusing: boolean, track: PressureTrack, ft: FlowTrack, r: DetectorReadings): HealthDetector {
  const withFault = withPressureFault(h, pressureFaultMs(h, c, connected, plausiblePressure(r.pressure, c), track));
  return updateHealth(withFault, infusing, ft, r, r.flow === null ? null : plausibleFlow(r.flow, c));
}

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

  it('PUMP-SENSOR-FAILSAFE jumps that reverse, beyond the jump limit both ways, score up; the score decays by 0.95 per period', () => {
    // The fixture's windows carry a 10 mmHg band amplitude: the limit is 15 + 2.22 × 10 mmHg.
    const J = pressureJumpLimitMmHg(cfg, pressure(90), pressure(90));
    expect(J).toBeCloseTo(cfg.pressure.pressureJumpMmHg + 10 * T.pressureJumpPerBandMmHg, 12);
    const j = J + 0.1;
    const once = updatePressureTrack(t0, cfg, true, pressure(90), pressure(90 + j), pressure(90));
    expect(once.reversalScore).toBe(1);
    // Same direction twice is a ramp, not a reversal; a jump at the threshold is not a jump.
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + 2 * j), pressure(90 + j), pressure(90)).reversalScore).toBe(0);
    expect(updatePressureTrack(t0, cfg, true, pressure(90), pressure(90 + J), pressure(90)).reversalScore).toBe(0);
    // Both jumps must exceed the threshold: one big jump back by a small step, or by exactly the threshold, is no reversal.
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + j - 1), pressure(90 + j), pressure(90)).reversalScore).toBe(0);
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + j - J), pressure(90 + j), pressure(90)).reversalScore).toBe(0);
    expect(updatePressureTrack(t0, cfg, true, pressure(90 + J - j), pressure(90 + J), pressure(90)).reversalScore).toBe(0);
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

  it('PUMP-SENSOR-FAILSAFE the jump limit adds the pulse’s own swing of the 1-s mean, from the larger band amplitude of the two windows, capped', () => {
    expect(pressureJumpLimitMmHg(cfg, pressure(90, 0), pressure(90, 0))).toBe(cfg.pressure.pressureJumpMmHg);
    // 30 bpm: the mean swings by 1.27 × the pulse, which the band passes at 0.57 — 2.22 per mmHg reported.
    expect(T.pressureJumpPerBandMmHg).toBeCloseTo((4 / Math.PI) / (((0.5 / 0.7) / Math.sqrt(1 + (0.5 / 0.7) ** 2)) / Math.sqrt(1 + (0.5 / 3) ** 2)), 10);
    expect(pressureJumpLimitMmHg(cfg, pressure(90, 2), pressure(90, 6))).toBeCloseTo(cfg.pressure.pressureJumpMmHg + 6 * T.pressureJumpPerBandMmHg, 12);
    expect(pressureJumpLimitMmHg(cfg, pressure(90, 6), pressure(90, 2))).toBeCloseTo(cfg.pressure.pressureJumpMmHg + 6 * T.pressureJumpPerBandMmHg, 12);
    expect(pressureJumpLimitMmHg(cfg, pressure(90, 200), pressure(90, 0))).toBe(cfg.pressure.pressureJumpMmHg + T.pressureJumpPulseCapMmHg);
    expect(T.pressureJumpPulseCapMmHg).toBeCloseTo((4 / Math.PI) * 50, 10);
    // A slow pulse alternating the mean by ±9 mmHg (18 mmHg swings) with a 9 mmHg band is no reversal.
    let t = t0;
    for (let k = 0; k < 20; k++) t = updatePressureTrack(t, cfg, true, pressure(90 + (k % 2 === 0 ? 9 : -9), 9), pressure(90 + (k % 2 === 0 ? -9 : 9), 9), pressure(90 + (k % 2 === 0 ? 9 : -9), 9));
    expect(t.reversalScore).toBe(0);
    expect(t.suspect).toBe(false);
  });

  it('PUMP-SENSOR-FAILSAFE a cardiac pulse with a mean below tissue level is impossible: suspect after pulseWithLowMeanConfirmMs, connected only', () => {
    const impossible = pressure(T.pulseWithMeanBelowMmHg - 0.1, cfg.pressure.pulsePresentMmHg);
    let t = t0;
    const periods = T.pulseWithLowMeanConfirmMs / cfg.periodMs;
    for (let i = 1; i < periods; i++) t = updatePressureTrack(t, cfg, true, impossible, null, null);
    expect(t.lowWithPulseMs).toBe((periods - 1) * cfg.periodMs);
    expect(t.suspect).toBe(false);
    expect(updatePressureTrack(t, cfg, true, impossible, null, null).suspect).toBe(true);
    expect(updatePressureTrack(t, cfg, false, impossible, null, null).lowWithPulseMs).toBe(0);
    expect(updatePressureTrack(t, cfg, true, pressure(T.pulseWithMeanBelowMmHg, cfg.pressure.pulsePresentMmHg), null, null).lowWithPulseMs).toBe(0);
    expect(updatePressureTrack(t, cfg, true, pressure(T.pulseWithMeanBelowMmHg - 0.1, cfg.pressure.pulsePresentMmHg - 0.01), null, null).lowWithPulseMs).toBe(0);
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
    expect(healthAfter(h0, cfg, true, true, track, ft, readings).flowFaulty).toBe(true);
    expect(healthAfter(h0, cfg, true, true, track, { ...ft, identicalCount: T.flowStuckReadings - 1 }, readings).flowFaulty).toBe(false);
  });

  it('PUMP-SENSOR-FAILSAFE the flow sensor is faulty when silent, out of range, or reading reverse flow while infusing', () => {
    const ft = INITIAL_DETECTORS.flowTrack;
    const health = (flow: DetectorReadings['flow'], infusingNow = true): boolean => healthAfter(h0, cfg, true, infusingNow, track, ft, { ...quiet, flow }).flowFaulty;
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
    expect(healthAfter({ ...h0, flowFaulty: true }, cfg, true, true, track, ft, quiet).flowFaulty).toBe(true);
  });

  it('PUMP-SENSOR-FAILSAFE pressure faulty time accumulates only while connected; the gauge verdict follows its last read; battery follows the monitor', () => {
    const ft = INITIAL_DETECTORS.flowTrack;
    const suspect = { ...track, suspect: true };
    const once = healthAfter(h0, cfg, true, false, suspect, ft, quiet);
    expect(once.sensorFaultMs).toBe(cfg.periodMs);
    expect(healthAfter(once, cfg, true, false, suspect, ft, quiet).sensorFaultMs).toBe(2 * cfg.periodMs);
    expect(healthAfter(once, cfg, false, false, suspect, ft, quiet).sensorFaultMs).toBe(0);
    expect(healthAfter(once, cfg, true, false, track, ft, quiet).sensorFaultMs).toBe(0);
    const range = NOMINAL_PORT_CONFIG.pressureRangeMmHg;
    for (const [mean, faulty] of [[range.max + 1, true], [range.max, false], [range.min, false], [range.min - 1, true]] as const) {
      expect(healthAfter(h0, cfg, true, false, track, ft, { ...quiet, pressure: pressure(mean, 0) }).sensorFaultMs, `mean ${mean}`).toBe(faulty ? cfg.periodMs : 0);
    }
    const gaugeFailed = healthAfter(h0, cfg, true, false, track, ft, { ...quiet, reservoir: { ok: false, kind: 'stale', detail: 'test' } });
    expect(gaugeFailed.gaugeFaulty).toBe(true);
    expect(healthAfter(gaugeFailed, cfg, true, false, track, ft, quiet).gaugeFaulty).toBe(true);
    expect(healthAfter(gaugeFailed, cfg, true, false, track, ft, { ...quiet, reservoir: gauge(10) }).gaugeFaulty).toBe(false);
    const low = healthAfter(h0, cfg, true, false, track, ft, { ...quiet, power: { ok: true, atMs: 0, batteryPercent: 19, externalPower: false } });
    expect(low.batteryPercent).toBe(19);
    expect(healthAfter(low, cfg, true, false, track, ft, { ...quiet, power: { ok: false, kind: 'stale', detail: 'test' } }).batteryPercent).toBe(19);
    // Nothing changed: the same object (the alarm table is not re-read for it).
    expect(healthAfter(h0, cfg, true, false, track, ft, quiet)).toBe(h0);
  });
});

describe('the air-in-line detector', () => {
  const h0 = INITIAL_DETECTORS.health;
  const ft = INITIAL_DETECTORS.flowTrack;
  const airRead = (airUl: number): DetectorReadings => ({ pressure: pressure(90), flow: null, reservoir: null, power: null, air: { ok: true, atMs: 10_000, windowMs: 10_000, airUl } });

  it('GIP-1.9.1 a bubble at the limit while infusing is air in line; just below it, or during the prime (not infusing), it is not', () => {
    expect(updateHealth(h0, true, ft, airRead(T.airBubbleLimitUl), null).airInLine).toBe(true);
    expect(updateHealth(h0, true, ft, airRead(T.airBubbleLimitUl - 0.1), null).airInLine).toBe(false);
    expect(updateHealth(h0, false, ft, airRead(10 * T.airBubbleLimitUl), null).airInLine).toBe(false);
  });

  it('GIP-1.9.1 the verdict is the last air read’s: the next read without air clears the condition (the alarm latches), and a period without an air read keeps it', () => {
    const seen = updateHealth(h0, true, ft, airRead(T.airBubbleLimitUl + 10), null);
    expect(updateHealth(seen, true, ft, { pressure: pressure(90), flow: null, reservoir: null, power: null }, null)).toBe(seen);
    expect(updateHealth(seen, true, ft, airRead(0), null).airInLine).toBe(false);
  });

  it('PUMP-SENSOR-FAILSAFE an air detector that does not answer is faulty (SENSOR_DEGRADED), and sees no air; a valid read clears it', () => {
    const failed = updateHealth(h0, true, ft, { pressure: pressure(90), flow: null, reservoir: null, power: null, air: { ok: false, kind: 'disconnected', detail: 'test' } }, null);
    expect(failed.airSensorFaulty).toBe(true);
    expect(failed.airInLine).toBe(false);
    expect(updateHealth(failed, true, ft, airRead(0), null).airSensorFaulty).toBe(false);
  });
});

describe('the temperature check', () => {
  const h0 = INITIAL_DETECTORS.health;
  const ft = INITIAL_DETECTORS.flowTrack;
  const tempRead = (celsius: number): DetectorReadings => ({ pressure: pressure(90), flow: null, reservoir: null, power: null, temperature: { ok: true, atMs: 60_000, celsius } });

  it('GIP-7.1.2 above the operating limit the device is over temperature; at the limit it is not; back below, the condition clears (the alarm latches)', () => {
    const hot = updateHealth(h0, true, ft, tempRead(T.maxOperatingCelsius + 0.1), null);
    expect(hot.overTemperature).toBe(true);
    expect(updateHealth(h0, true, ft, tempRead(T.maxOperatingCelsius), null).overTemperature).toBe(false);
    expect(updateHealth(hot, true, ft, tempRead(32), null).overTemperature).toBe(false);
    // Judged in every mode: a hot pump is outside its specification whatever it is doing.
    expect(updateHealth(h0, false, ft, tempRead(T.maxOperatingCelsius + 5), null).overTemperature).toBe(true);
  });

  it('PUMP-SENSOR-FAILSAFE a temperature sensor that does not answer is faulty (SENSOR_DEGRADED) and keeps the last verdict', () => {
    const hot = updateHealth(h0, true, ft, tempRead(50), null);
    const failed = updateHealth(hot, true, ft, { pressure: pressure(90), flow: null, reservoir: null, power: null, temperature: { ok: false, kind: 'disconnected', detail: 'test' } }, null);
    expect(failed.temperatureFaulty).toBe(true);
    expect(failed.overTemperature).toBe(true);
  });
});

describe('the free-flow check', () => {
  const h0 = INITIAL_DETECTORS.health;
  const flowAt = (ulPerHour: number): DetectorReadings => ({ pressure: pressure(90), flow: flowRead(ulPerHour), reservoir: null, power: null });
  /** `n` idle flow reads at `ulPerHour`, each a new value (a live sensor), from a quiet health. */
  function idleReads(n: number, ulPerHour: number, idle = true): HealthDetector {
    let h = h0;
    let ft = INITIAL_DETECTORS.flowTrack;
    for (let i = 0; i < n; i++) {
      const r = flowAt(ulPerHour + (i % 2) * 0.1);
      ft = updateFlowTrack(ft, r.flow);
      h = updateHealth(h, false, ft, r, r.flow === null ? null : plausibleFlow(r.flow, cfg), idle);
    }
    return h;
  }

  it('GIP-1.2.2-FREE-FLOW flow above the limit read after read while the pump delivers nothing counts up to FREE_FLOW; at the limit it does not count', () => {
    expect(idleReads(T.freeFlowReads, T.freeFlowReadUlPerHour + 1).idleFlowReads).toBe(T.freeFlowReads);
    expect(idleReads(T.freeFlowReads, T.freeFlowReadUlPerHour - 0.1).idleFlowReads).toBe(0);
    // While a delivery is allowed the flow is the pump's own: not counted.
    expect(idleReads(T.freeFlowReads, 500, false).idleFlowReads).toBe(0);
  });

  it('PUMP-SENSOR-FAILSAFE a flow sensor stuck at a running value is SENSOR_DEGRADED before it could count as free flow', () => {
    let h = h0;
    let ft = INITIAL_DETECTORS.flowTrack;
    for (let i = 0; i < T.freeFlowReads; i++) {
      const r = flowAt(84);
      ft = updateFlowTrack(ft, r.flow);
      h = updateHealth(h, false, ft, r, r.flow === null ? null : plausibleFlow(r.flow, cfg), true);
    }
    expect(h.flowFaulty).toBe(true);
    expect(h.idleFlowReads).toBeLessThan(T.freeFlowReads);
  });
});
