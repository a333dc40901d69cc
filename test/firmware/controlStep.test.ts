/**
 * The control step as a pure function, by example: how many strokes a period commands (the
 * schedule's increment, never ahead of it, capped at the drive's rate), when a phase reports
 * itself complete, what counts as infusing for the flow window, and how the drive's feedback
 * enters the ledger. The scripted runs (test/verification/) exercise it inside the firmware; these
 * pin down its arithmetic where the runs rarely go (a capped catch-up, a ledger ahead of schedule,
 * an encoder that saw part of a batch).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HalResult, PressureReading } from '../../hal/index.ts';
import type { DeliveryMode } from '../../firmware/controlStep.ts';
import { applyDriveFeedback, controlStateFor, controlStep, makeControlSettings } from '../../firmware/controlStep.ts';
import type { DetectorReadings } from '../../firmware/detectors/index.ts';
import { INITIAL_DETECTORS } from '../../firmware/detectors/index.ts';
import { scheduledStrokes } from '../../firmware/dosing.ts';
import type { Ledger } from '../../firmware/ledger.ts';
import { EMPTY_LEDGER } from '../../firmware/ledger.ts';
import { checkProperty } from '../support/fc.ts';
import { NOMINAL_PORT_CONFIG, deviceConfig } from '../support/deviceConfig.ts';

const PRESSURE: PressureReading = { ok: true, atMs: 0, windowMs: 1000, sampleCount: 50, meanMmHg: 90, minMmHg: 75, maxMmHg: 105, cardiacAmplitudeMmHg: 6 };

function readings(flow: DetectorReadings['flow'] = null, pressure: HalResult<PressureReading> = PRESSURE): DetectorReadings {
  return { pressure, flow, reservoir: null, power: null };
}

/** A ledger in the middle of `phase`: `total` strokes over `durationMs`, `elapsedMs` in, `delivered` done. */
function phaseLedger(phase: Ledger['phaseKind'], total: number, durationMs: number, elapsedMs: number, delivered: number): Ledger {
  return { ...EMPTY_LEDGER, phaseKind: phase, phaseTotalStrokes: total, phaseDurationMs: durationMs, phaseElapsedMs: elapsedMs, phaseDeliveredStrokes: delivered, reservoirFillUl: 30_000 };
}

function step(ledger: Ledger, delivery: DeliveryMode, config = NOMINAL_PORT_CONFIG, r: DetectorReadings = readings()) {
  return controlStep(controlStateFor(ledger), makeControlSettings(config, null, delivery, false), r, ledger.phaseElapsedMs + config.controlPeriodMs);
}

describe('strokes per period', () => {
  it('PUMP-SCHED-2 a period commands the schedule’s increment: 3,600 strokes over an hour is one a second', () => {
    const out = step(phaseLedger('infuse', 3600, 3_600_000, 10_000, 10), 'infuse');
    expect(out.commands.strokes).toBe(1);
    expect(out.state.phaseElapsedMs).toBe(11_000);
  });

  it('PUMP-SCHED-2 a ledger ahead of its schedule (after a reboot) commands nothing until the schedule catches up', () => {
    const out = step(phaseLedger('infuse', 3600, 3_600_000, 10_000, 15), 'infuse');
    expect(out.commands.strokes).toBe(0);
    expect(out.state.phaseElapsedMs).toBe(11_000);
  });

  it('PUMP-SCHED-2 a catch-up is capped at the drive’s maximum rate per period (20 strokes/s; 2 per 100 ms period)', () => {
    expect(step(phaseLedger('prime', 1000, 10_000, 5000, 0), 'prime').commands.strokes).toBe(NOMINAL_PORT_CONFIG.maxStrokesPerSecond);
    const fast = deviceConfig({ controlPeriodMs: 100 });
    expect(step(phaseLedger('prime', 1000, 10_000, 5000, 0), 'prime', fast).commands.strokes).toBe(2);
    // Exactly what is owed, when that is under the cap.
    expect(step(phaseLedger('prime', 1000, 10_000, 0, 95), 'prime').commands.strokes).toBe(5);
  });

  it('PUMP-SCHED-2 for any phase, position and delivered count, a period commands the schedule’s increment, capped, never negative', () => {
    // Pins the step's shortcut (a period owes a stroke iff total·elapsed ≥ (delivered + 1)·duration)
    // to the schedule's own formula.
    const cap = NOMINAL_PORT_CONFIG.maxStrokesPerSecond;
    checkProperty(
      fc.property(fc.integer({ min: 1, max: 200_000 }), fc.integer({ min: 0, max: 30 * 86_400_000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 200_000 }), (total, durationMs, at, delivered) => {
        const elapsedMs = Math.floor(at * durationMs);
        const out = step(phaseLedger('infuse', total, durationMs, elapsedMs, Math.min(delivered, total)), 'infuse');
        const owed = scheduledStrokes(total, Math.min(elapsedMs + 1000, durationMs), durationMs) - Math.min(delivered, total);
        expect(out.commands.strokes).toBe(Math.max(0, Math.min(cap, owed)));
      }),
      { seed: 2201, numRuns: 200 },
    );
  });

  it('PUMP-NO-DELIVERY-STOPPED with no phase and no delivery allowed the schedule does not move', () => {
    const out = step(EMPTY_LEDGER, 'none');
    expect(out.commands.strokes).toBe(0);
    expect(out.state.phaseElapsedMs).toBe(0);
  });

  it('PUMP-NO-DELIVERY-STOPPED nothing moves when the chart allows no delivery, or allows another phase than the ledger’s', () => {
    const ledger = phaseLedger('infuse', 3600, 3_600_000, 10_000, 0);
    for (const delivery of ['none', 'prime', 'flush'] as const) {
      const out = step(ledger, delivery);
      expect(out.commands.strokes, delivery).toBe(0);
      expect(out.state.phaseElapsedMs, delivery).toBe(10_000);
      expect(out.commands.events, delivery).toEqual([]);
    }
  });
});

describe('phase completion', () => {
  it('PUMP-CONTROL-LOOP a finished phase reports phase.complete once the chart is in it, and commands nothing', () => {
    const done = phaseLedger('flush', 2000, 60_000, 60_000, 2000);
    const out = step(done, 'flush');
    expect(out.commands.strokes).toBe(0);
    expect(out.commands.events).toEqual([{ type: 'phase.complete', phase: 'flush' }]);
  });

  it('PUMP-CONTROL-LOOP a finished phase says nothing while the chart allows no delivery or another phase', () => {
    const done = phaseLedger('flush', 2000, 60_000, 60_000, 2000);
    expect(step(done, 'none').commands.events).toEqual([]);
    expect(step(done, 'infuse').commands.events).toEqual([]);
  });
});

describe('the flow window counts the infusion only', () => {
  const flow = { ok: true as const, atMs: 10_000, windowMs: 10_000, meanFlowUlPerHour: 3600 };

  it('GIP-1.2.2 a flow reading during the prime or the flush leaves the infusion’s flow window closed', () => {
    for (const phase of ['prime', 'flush'] as const) {
      const out = step(phaseLedger(phase, 1000, 100_000, 10_000, 100), phase, NOMINAL_PORT_CONFIG, readings(flow));
      // The very object: an opened window would be a fresh (if equal-looking) record.
      expect(out.state.detectors.flow, phase).toBe(INITIAL_DETECTORS.flow);
    }
  });

  it('GIP-1.2.2 once the infusion phase is complete (the chart still running it), a flow reading no longer opens the window', () => {
    const done = step(phaseLedger('infuse', 3600, 3_600_000, 3_600_000, 3600), 'infuse', NOMINAL_PORT_CONFIG, readings(flow));
    expect(done.state.detectors.flow).toBe(INITIAL_DETECTORS.flow);
    expect(done.commands.events).toEqual([{ type: 'phase.complete', phase: 'infuse' }]);
  });

  it('GIP-1.2.2 during the infusion the first flow reading opens the window', () => {
    const out = step(phaseLedger('infuse', 3600, 3_600_000, 10_000, 10), 'infuse', NOMINAL_PORT_CONFIG, readings(flow));
    expect(out.state.detectors.flow).not.toBe(INITIAL_DETECTORS.flow);
  });
});

describe('drive feedback', () => {
  it('GIP-1.6.2 PUMP-LEDGER-TRUTH only strokes the encoder saw enter the ledger; the rest count as missed', () => {
    const perStroke = NOMINAL_PORT_CONFIG.encoderCountsPerStroke;
    const state = controlStateFor(phaseLedger('infuse', 3600, 3_600_000, 10_000, 10));
    const partial = applyDriveFeedback(state, NOMINAL_PORT_CONFIG, 3, 2 * perStroke + perStroke / 2);
    expect(partial.ledger.phaseDeliveredStrokes).toBe(12);
    expect(partial.ledger.infusionStrokes).toBe(2);
    expect(partial.detectors.drive.missedStrokes).toBe(1);
    expect(partial.detectors.strokeCount.strokesCompleted).toBe(2);
    // With the flow window open (two reads into the infusion), confirmed strokes count as commanded volume.
    const flowRead = (atMs: number) => readings({ ok: true, atMs, windowMs: 10_000, meanFlowUlPerHour: 3600 });
    const settings = makeControlSettings(NOMINAL_PORT_CONFIG, null, 'infuse', false);
    const opened = controlStep(controlStep(state, settings, flowRead(11_000), 11_000).state, settings, flowRead(21_000), 21_000).state;
    const fed = applyDriveFeedback(opened, NOMINAL_PORT_CONFIG, 3, 2 * perStroke);
    expect(fed.detectors.flow.commandedUl - opened.detectors.flow.commandedUl).toBeCloseTo(2 * (NOMINAL_PORT_CONFIG.strokeVolumeNl / 1000), 12);
    const full = applyDriveFeedback(state, NOMINAL_PORT_CONFIG, 3, 3 * perStroke);
    expect(full.ledger.phaseDeliveredStrokes).toBe(13);
    expect(full.detectors.drive.missedStrokes).toBe(0);
  });
});
