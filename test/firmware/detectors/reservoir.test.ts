/**
 * The reservoir detector (firmware/detectors/reservoir.ts, `updateReservoir`) by example at its
 * thresholds: the gauge against the ledger (mismatch, shortfall, empty), and samples older than
 * the last fill.
 */
import { describe, expect, it } from 'vitest';
import type { FlowDetector } from '../../../firmware/detectors/flow.ts';
import { INITIAL_DETECTORS } from '../../../firmware/detectors/index.ts';
import { detectorConfig } from '../../../firmware/readings.ts';
import { updateReservoir } from '../../../firmware/detectors/reservoir.ts';
import { THRESHOLDS } from '../../../firmware/detectors/thresholds.ts';
import type { Ledger } from '../../../firmware/ledger.ts';
import { EMPTY_LEDGER } from '../../../firmware/ledger.ts';
import { NOMINAL_PORT_CONFIG, deviceConfig } from '../../support/deviceConfig.ts';
import { cfg, gauge, infusing, strokeUl } from './fixtures.ts';

const cfgOff = cfg;

const T = THRESHOLDS;
const residualUl = NOMINAL_PORT_CONFIG.reservoirResidualUl;

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

  it('GIP-1.5.5 a shortfall, once called, holds until the gauge reads the gauge\'s accuracy above the margin: noise across the margin does not raise it again and again', () => {
    const l = infusing(10_000);
    const owedUl = (28_000 - 10_000) * strokeUl;
    const atMarginMl = (owedUl + residualUl - T.reservoirShortfallMarginUl) / 1000;
    const short = updateReservoir(rv, cfg, true, l, gauge(atMarginMl - 0.01, 60_000));
    expect(short.shortfallUl).toBeGreaterThan(0);
    // Back above the margin, but by less than the gauge's accuracy: still short.
    const held = updateReservoir(short, cfg, true, l, gauge(atMarginMl + 0.4, 120_000));
    expect(held.shortfallUl).toBeGreaterThan(0);
    // The gauge's accuracy above the margin: the shortfall goes.
    expect(updateReservoir(held, cfg, true, l, gauge(atMarginMl + T.reservoirGaugeAccuracyUl / 1000, 180_000)).shortfallUl).toBe(0);
    // Not short before: the same reading 0.4 mL above the margin raises nothing.
    expect(updateReservoir(rv, cfg, true, l, gauge(atMarginMl + 0.4, 120_000)).shortfallUl).toBe(0);
  });

  it('GIP-1.5.5 low reservoir by volume: the ledger\'s deliverable volume at or below the alert volume while strokes are owed, whatever the gauge reads; off at 0', () => {
    const alertUl = 2000;
    const cfg = { ...cfgOff, reservoirLowAlertUl: alertUl };
    const l = infusing(10_000);
    // Fill such that the ledger's deliverable volume sits exactly at the alert volume.
    const atAlert: Ledger = { ...l, reservoirFillUl: (l.primeStrokes + l.infusionStrokes) * strokeUl + residualUl + alertUl };
    expect(updateReservoir(rv, cfg, true, atAlert, gauge(15)).lowVolume).toBe(true);
    expect(updateReservoir(rv, cfg, true, { ...atAlert, reservoirFillUl: atAlert.reservoirFillUl + 1 }, gauge(15)).lowVolume).toBe(false);
    // The gauge does not decide it: a gauge far above or below gives the same verdict.
    expect(updateReservoir(rv, cfg, true, atAlert, gauge(0.1)).lowVolume).toBe(true);
    expect(updateReservoir(rv, cfg, true, { ...atAlert, reservoirFillUl: atAlert.reservoirFillUl + 1 }, gauge(0.1)).lowVolume).toBe(false);
    // Not while no infusion owes strokes, nor with no fill recorded.
    expect(updateReservoir(rv, cfg, false, atAlert, gauge(15)).lowVolume).toBe(false);
    expect(updateReservoir(rv, cfg, true, { ...atAlert, phaseDeliveredStrokes: atAlert.phaseTotalStrokes }, gauge(15)).lowVolume).toBe(false);
    expect(updateReservoir(rv, cfg, true, { ...atAlert, reservoirFillUl: 0 }, gauge(15)).lowVolume).toBe(false);
    // The infusion ending clears it at once, without waiting for the next gauge sample.
    const low = updateReservoir(rv, cfg, true, atAlert, gauge(15));
    expect(updateReservoir(low, cfg, false, atAlert, null).lowVolume).toBe(false);
    expect(updateReservoir(low, cfg, true, atAlert, null)).toBe(low);
    // Off: never, however low.
    expect(updateReservoir(rv, cfgOff, true, { ...atAlert, reservoirFillUl: 1 }, gauge(15)).lowVolume).toBe(false);
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
