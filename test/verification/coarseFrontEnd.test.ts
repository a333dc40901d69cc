/**
 * The coarse pressure front-end (port-ambulatory-coarse: σ 4 mmHg, 1 mmHg, 10 Hz): the thresholds
 * the firmware derives from its datasheet figures, no alarm on nominal days, and complete
 * occlusions found as OCCLUSION within the bound thresholds.ts derives for a front-end that cannot
 * resolve the pulse (docs/faults-and-detection.md, "The coarse front-end").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { THRESHOLDS, detectorConfig, pressureThresholds } from '../../firmware/index.ts';
import { Simulation } from '../../sim/run/simulation.ts';
import { PORT_AMBULATORY, PORT_AMBULATORY_COARSE } from '../../sim/scenario/device.ts';
import { parseScenario } from '../../sim/scenario/scenario.ts';
import { checkProperty } from '../support/fc.ts';

const COARSE = detectorConfig(PORT_AMBULATORY_COARSE.firmwareConfig).pressure;

/** The default 14-day programme (84.1 µL/h) on the coarse profile, at the profile's compliance or `complianceUlPerMmHg`. */
function scenario(seed: number, faults: unknown[], complianceUlPerMmHg?: number): ReturnType<typeof parseScenario> {
  return parseScenario({
    name: `coarse-${seed}`,
    seed,
    patient: { weightKg: 70, heightCm: 170 },
    device: { profile: 'port-ambulatory-coarse', ...(complianceUlPerMmHg !== undefined ? { overrides: { lineComplianceUlPerMmHg: complianceUlPerMmHg } } : {}) },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
    faults,
  });
}

/**
 * The longest a complete occlusion may go unseen on a front-end without a resolvable pulse, s: at
 * most one re-anchoring span of strokes, then the least rise at compliance C (C/ΔV strokes per
 * mmHg), then the rule's minimum stroke count, at the programme's stroke interval; one minute of
 * slack for the window the stroke lands in and the alarm's confirmation.
 */
function boundS(complianceUlPerMmHg: number, rateUlPerHour: number): number {
  const strokeUl = PORT_AMBULATORY_COARSE.firmwareConfig.strokeVolumeNl / 1000;
  const strokes = COARSE.occlusionReanchorStrokes + Math.ceil((COARSE.occlusionMinRiseMmHg * complianceUlPerMmHg) / strokeUl) + THRESHOLDS.occlusionMinStrokes;
  return (strokes * strokeUl * 3600) / rateUlPerHour + 60;
}

describe('the pressure thresholds derived from the front-end’s datasheet figures', () => {
  it('PUMP-SENSOR-NOISE the fine front-end (σ 1 mmHg, 50 Hz, 0.1 mmHg) derives pulse 0.8, rise 3 and jump 15 mmHg, the thresholds its golden traces are recorded with', () => {
    const fine = detectorConfig(PORT_AMBULATORY.firmwareConfig).pressure;
    expect(fine).toMatchObject({ pulsePresentMmHg: 0.8, occlusionMinRiseMmHg: 3, pressureJumpMmHg: 15, pulseResolvable: true, occlusionReanchorStrokes: Infinity });
  });

  it('PUMP-SENSOR-NOISE the coarse front-end (σ 4 mmHg, 10 Hz, 1 mmHg) puts the pulse threshold at 4σ of its band noise, above the pulse it would have to see, and the rise above the largest posture step with breathing and walking', () => {
    expect(COARSE.bandSdMmHg).toBeCloseTo(4 * Math.sqrt(2 / 10), 12);
    expect(COARSE).toMatchObject({ pulsePresentMmHg: 8, pulseResolvable: false, occlusionMinRiseMmHg: 52, occlusionReanchorStrokes: 104, pressureJumpMmHg: 15 });
  });

  it('PUMP-SENSOR-NOISE every threshold lies on the front-end’s resolution grid and grows with its noise', () => {
    checkProperty(
      fc.property(fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), fc.integer({ min: 1, max: 200 }), fc.constantFrom(0.01, 0.1, 0.5, 1, 2), (a, b, rate, res) => {
        const lo = pressureThresholds({ noiseSdMmHg: Math.min(a, b), sampleRateHz: rate, resolutionMmHg: res }, 1);
        const hi = pressureThresholds({ noiseSdMmHg: Math.max(a, b), sampleRateHz: rate, resolutionMmHg: res }, 1);
        for (const t of [lo, hi]) for (const x of [t.pulsePresentMmHg, t.occlusionMinRiseMmHg]) expect(Math.abs(x / res - Math.round(x / res))).toBeLessThan(1e-6);
        expect(hi.pulsePresentMmHg).toBeGreaterThanOrEqual(lo.pulsePresentMmHg);
        expect(hi.occlusionMinRiseMmHg).toBeGreaterThanOrEqual(lo.occlusionMinRiseMmHg);
        expect(hi.pressureJumpMmHg).toBeGreaterThanOrEqual(lo.pressureJumpMmHg);
        expect(lo.pulsePresentMmHg).toBeGreaterThan(0);
      }),
      { seed: 1601, numRuns: 200 },
    );
  });
});

describe('detection on the coarse front-end', () => {
  it('PUMP-NO-FALSE-ALARM a nominal first day on the coarse front-end raises no alarm, whatever the seed', () => {
    checkProperty(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (seed) => {
        const summary = new Simulation({ scenario: scenario(seed, []), maxSimulatedMs: 26 * 3_600_000 }).runToEnd();
        expect(summary.alarms.map((a) => `${a.code} at ${a.atSeconds} s`), `seed ${seed}`).toEqual([]);
      }),
      { seed: 1602, numRuns: 6 },
    );
  });

  it('GIP-1.10.3 a complete catheter occlusion on the coarse front-end is OCCLUSION within the re-anchoring bound, at C 0.3 and 1 µL/mmHg', () => {
    checkProperty(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 2 * 60, max: 12 * 60 }), fc.constantFrom(0.3, 1), (seed, onsetMinutes, c) => {
        const onsetHours = onsetMinutes / 60;
        const s = scenario(seed, [{ kind: 'occlusion', atHours: onsetHours, location: 'catheter', severity: 1 }], c);
        // The default programme's rate, 84.1 µL/h (the prescription fixes it, not the device).
        const bound = boundS(c, 84.1);
        const summary = new Simulation({ scenario: s, maxSimulatedMs: Math.round(onsetHours * 3_600_000 + bound * 1000) }).runToEnd();
        expect((summary.prescription?.rateMlPerHour ?? NaN) * 1000).toBeCloseTo(84.1, 1);
        expect(summary.alarms.filter((a) => a.atSeconds < onsetHours * 3600).map((a) => a.code), 'no alarm before the onset').toEqual([]);
        const outcome = summary.faults[0];
        expect(outcome?.detectedBy, `seed ${seed}, onset ${onsetHours} h, C ${c}`).toBe('OCCLUSION');
        expect(outcome?.latencySeconds).toBeLessThanOrEqual(bound);
      }),
      { seed: 1603, numRuns: 8 },
    );
  });
});
