/**
 * Pressure relief after an occlusion (firmware/relief.ts, ledger.ts `relieveStrokes`,
 * controlStep.ts `applyReliefFeedback`) by example at its bounds, and in a whole run: the stored
 * volume behind a complete occlusion drawn back into the pump, so the blockage clearing releases
 * no bolus (GIP 1.10.6, 1.10.7).
 */
import { describe, expect, it } from 'vitest';
import type { PressureReading } from '../../hal/index.ts';
import { alarmStateWith, NO_ALARMS } from '../../firmware/alarms.ts';
import { applyReliefFeedback, controlStateFor } from '../../firmware/controlStep.ts';
import type { DetectorState } from '../../firmware/detectors/index.ts';
import { INITIAL_DETECTORS } from '../../firmware/detectors/index.ts';
import { relieveStrokes } from '../../firmware/ledger.ts';
import type { ReliefInput } from '../../firmware/relief.ts';
import { RELIEF_COMPLIANCE_SHARE, RELIEF_MARGIN_MMHG, reliefStrokes } from '../../firmware/relief.ts';
import { parseScenario } from '../../sim/scenario/scenario.ts';
import { Simulation } from '../../sim/run/simulation.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { cfg, infusing } from './detectors/fixtures.ts';

const OCCLUDED = alarmStateWith([{ code: 'OCCLUSION', onsetMs: 0, conditionActive: true, acknowledged: false }]);
const BASELINE_MMHG = 90;

function window(meanMmHg: number): PressureReading {
  return { ok: true, atMs: 0, windowMs: 1000, sampleCount: 50, meanMmHg, minMmHg: meanMmHg - 1, maxMmHg: meanMmHg + 1, cardiacAmplitudeMmHg: 0.1 };
}

/** Detectors with the pulse lost at `BASELINE_MMHG` and `strokesSinceLoss` strokes completed since. */
function lostPulse(strokesSinceLoss: number): DetectorState {
  return {
    ...INITIAL_DETECTORS,
    arterial: { pulsePresent: false, pulseReturnCount: 0, pressureAtPulseLossMmHg: BASELINE_MMHG, strokesAtPulseLoss: 1000, lossResolvable: true, occlusionSuspected: true, strokeSteps: null, lossOfArterialSignalMs: 0 },
    strokeCount: { strokesCompleted: 1000 + strokesSinceLoss },
  };
}

function input(over: Partial<ReliefInput>): ReliefInput {
  return {
    detectors: lostPulse(400),
    alarms: OCCLUDED,
    connected: true,
    pressure: window(BASELINE_MMHG + 100),
    phaseDeliveredStrokes: 5000,
    lineComplianceUlPerMmHg: 3,
    maxStrokesPerStep: 20,
    ...over,
  };
}

describe('reliefStrokes', () => {
  it('GIP-1.10.6 draws back what the excess over the baseline says is stored, into half the told compliance, capped at one step of the drive', () => {
    // 100 mmHg over the baseline at C = 3 µL/mmHg: (100 − margin) × 1.5 µL/mmHg = 142 strokes, one step allows 20.
    expect(reliefStrokes(input({}), cfg)).toBe(20);
    const small = input({ lineComplianceUlPerMmHg: 0.3, pressure: window(BASELINE_MMHG + 30) });
    expect(reliefStrokes(small, cfg)).toBe(Math.floor((30 - RELIEF_MARGIN_MMHG) * 0.3 * RELIEF_COMPLIANCE_SHARE));
    // Within the margin of the baseline: nothing.
    expect(reliefStrokes(input({ pressure: window(BASELINE_MMHG + RELIEF_MARGIN_MMHG) }), cfg)).toBe(0);
  });

  it('GIP-1.10.6 never more than the strokes since the pulse was lost nor than the phase delivered; none when the rise is more than those strokes explain', () => {
    // 300 µL of excess claimed by 300 strokes: allowed; by 100 strokes: the rise is the back-pressure, not volume.
    const rise = 300 / (3 * RELIEF_COMPLIANCE_SHARE) + RELIEF_MARGIN_MMHG;
    expect(reliefStrokes(input({ detectors: lostPulse(300), pressure: window(BASELINE_MMHG + rise) }), cfg)).toBe(20);
    expect(reliefStrokes(input({ detectors: lostPulse(100), pressure: window(BASELINE_MMHG + rise) }), cfg)).toBe(0);
    const fewStrokes = input({ detectors: lostPulse(6), lineComplianceUlPerMmHg: 0.3, pressure: window(BASELINE_MMHG + 45) });
    expect(reliefStrokes(fewStrokes, cfg)).toBe(6);
    expect(reliefStrokes(input({ phaseDeliveredStrokes: 7 }), cfg)).toBe(7);
  });

  it('GIP-1.10.6 only with OCCLUSION present, connected, the pulse lost from a known baseline, and a window to judge', () => {
    expect(reliefStrokes(input({ alarms: NO_ALARMS }), cfg)).toBe(0);
    expect(reliefStrokes(input({ connected: false }), cfg)).toBe(0);
    expect(reliefStrokes(input({ pressure: null }), cfg)).toBe(0);
    const present = lostPulse(400);
    expect(reliefStrokes(input({ detectors: { ...present, arterial: { ...present.arterial, pulsePresent: true } } }), cfg)).toBe(0);
    expect(reliefStrokes(input({ detectors: { ...present, arterial: { ...present.arterial, strokesAtPulseLoss: -1 } } }), cfg)).toBe(0);
    expect(reliefStrokes(input({ detectors: { ...present, arterial: { ...present.arterial, pressureAtPulseLossMmHg: NaN } } }), cfg)).toBe(0);
    expect(reliefStrokes(input({ pressure: window(NaN) }), cfg)).toBe(0);
  });
});

describe('reliefStrokes at its edges', () => {
  // Half-microlitre strokes (the implanted profiles'), so a volume and a stroke count differ.
  const halfCfg = { ...cfg, strokeVolumeUl: 0.5 };

  it('GIP-1.10.6 counts in strokes of the device\'s volume: the stored estimate over the stroke volume, bounded by the strokes since the loss times that volume', () => {
    // (25 − 5) mmHg × 0.3 × 0.5 µL/mmHg = 3 µL: 6 half-microlitre strokes.
    const three = input({ lineComplianceUlPerMmHg: 0.3, pressure: window(BASELINE_MMHG + 25) });
    expect(reliefStrokes(three, halfCfg)).toBe(6);
    // 3 µL is what 6 half strokes make: explained by 6 strokes since the loss, not by 5.
    expect(reliefStrokes({ ...three, detectors: lostPulse(6) }, halfCfg)).toBe(6);
    expect(reliefStrokes({ ...three, detectors: lostPulse(5) }, halfCfg)).toBe(0);
  });

  it('GIP-1.10.6 one stroke\'s worth above the margin is the least relief; less is none', () => {
    // Exactly one 1 µL stroke: (5 + 1 / 0.15) mmHg over the baseline at C 0.3.
    const oneStroke = BASELINE_MMHG + RELIEF_MARGIN_MMHG + 1 / (0.3 * RELIEF_COMPLIANCE_SHARE);
    expect(reliefStrokes(input({ lineComplianceUlPerMmHg: 0.3, pressure: window(oneStroke + 1e-9) }), cfg)).toBe(1);
    expect(reliefStrokes(input({ lineComplianceUlPerMmHg: 0.3, pressure: window(oneStroke - 1e-6) }), cfg)).toBe(0);
    expect(reliefStrokes(input({ pressure: window(BASELINE_MMHG - 50) }), cfg)).toBe(0);
    // Exactly one stroke, in binary too: (100 − 90 − 5) mmHg × 0.4 × 0.5 µL/mmHg = 1 µL.
    expect(reliefStrokes(input({ lineComplianceUlPerMmHg: 0.4, pressure: window(BASELINE_MMHG + RELIEF_MARGIN_MMHG + 5) }), cfg)).toBe(1);
  });

  it('GIP-1.10.6 a pulse lost at stroke 0 (the first stroke of a run) is a reference like any other', () => {
    const fromZero: DetectorState = { ...lostPulse(0), arterial: { ...lostPulse(0).arterial, strokesAtPulseLoss: 0 }, strokeCount: { strokesCompleted: 400 } };
    expect(reliefStrokes(input({ detectors: fromZero }), cfg)).toBe(20);
  });
});

describe('the ledger after a relief', () => {
  it('GIP-1.10.6 relieved strokes leave the ledger and set the schedule back to where it had delivered the rest: owed again at the programmed rate, never at once', () => {
    const l = { ...infusing(14_000), phaseElapsedMs: 7 * 86_400_000 };
    const after = relieveStrokes(l, 100);
    expect(after.phaseDeliveredStrokes).toBe(13_900);
    expect(after.infusionStrokes).toBe(13_900);
    expect(after.phaseElapsedMs).toBe(Math.floor((13_900 * l.phaseDurationMs) / l.phaseTotalStrokes));
    // The schedule at the set-back position owes nothing yet.
    expect(Math.floor((after.phaseTotalStrokes * after.phaseElapsedMs) / after.phaseDurationMs)).toBeLessThanOrEqual(after.phaseDeliveredStrokes);
    // Never below what the phase delivered, and nothing for nothing.
    expect(relieveStrokes(l, 20_000).phaseDeliveredStrokes).toBe(0);
    expect(relieveStrokes(l, 0)).toBe(l);
  });

  it('GIP-1.10.6 only the strokes the encoder saw run back count; the stroke clock of the occlusion detector moves with them', () => {
    const state = { ...controlStateFor(infusing(14_000)), detectors: lostPulse(50) };
    const cps = NOMINAL_PORT_CONFIG.encoderCountsPerStroke;
    const half = applyReliefFeedback(state, NOMINAL_PORT_CONFIG, 20, 10 * cps + cps - 1);
    expect(half.ledger.phaseDeliveredStrokes).toBe(13_990);
    expect(half.detectors.strokeCount.strokesCompleted).toBe(1040);
    expect(half.detectors.drive).toBe(state.detectors.drive);
    expect(applyReliefFeedback(state, NOMINAL_PORT_CONFIG, 20, 0)).toBe(state);
  });
});

describe('relief in a run', () => {
  it('GIP-1.10.7 a complete catheter occlusion on the coarse front-end at C = 1 µL/mmHg, found by the stroke rise with tens of µL stored and cleared 3 minutes later, is relieved first (what it stored above the reference window goes back), and the clearing releases no more than is left, and the programme is delivered in full', () => {
    const json = (durationMinutes: number): unknown => ({
      name: 'relief on the coarse front-end',
      seed: 3,
      patient: { weightKg: 70, heightCm: 170 },
      prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 1, doseFactor: 1, reservoirVolumeMl: 3 },
      device: { profile: 'port-ambulatory-coarse', overrides: { lineComplianceUlPerMmHg: 1 } },
      faults: [{ kind: 'occlusion', location: 'catheter', severity: 1, atHours: 2, durationMinutes }],
    });
    // Where the alarm comes (the run is deterministic), then the same run cleared 3 minutes after it.
    const probe = new Simulation({ scenario: parseScenario(json(600)) }).runToEnd();
    const alarmS = probe.alarms.find((a) => a.code === 'OCCLUSION')?.atSeconds ?? -1;
    expect(alarmS).toBeGreaterThan(2 * 3600);
    const sim = new Simulation({ scenario: parseScenario(json((alarmS - 2 * 3600) / 60 + 3)) });
    sim.clock.runUntil(alarmS * 1000);
    const storedAtAlarmUl = sim.plant.storedVolumeUl;
    expect(storedAtAlarmUl).toBeGreaterThan(20);
    sim.clock.runUntil(alarmS * 1000 + 120_000);
    // What the line stores above its reference window goes back, to within the margin plus one
    // stroke's step: on this front-end the reference moves on every 92 strokes, so what the line
    // held at the last move stays (the relief never draws below a pressure it has not seen).
    const relievedToUl = sim.plant.storedVolumeUl;
    expect(relievedToUl).toBeLessThan(storedAtAlarmUl - 10);
    // The blockage clears at 3 minutes, the pump still stopped: what reaches the artery is what was left.
    const arteryBeforeUl = sim.plant.toArtery.volumeUl;
    sim.clock.runUntil(alarmS * 1000 + 240_000);
    sim.plant.flushPending();
    expect(sim.plant.storedVolumeUl).toBeLessThan(1);
    expect(sim.plant.toArtery.volumeUl - arteryBeforeUl).toBeLessThanOrEqual(relievedToUl + 0.1);
    const summary = sim.runToEnd();
    expect(summary.notifications.some((n) => n.code === 'PRESSURE_RELIEVED')).toBe(true);
    expect(summary.notifications.some((n) => n.code === 'INFUSION_COMPLETE')).toBe(true);
    expect(Math.abs((summary.delivered.fudrPercentOfPrescription ?? 0) - 100)).toBeLessThan(3);
  });
});
