/**
 * The reservoir detector: the gauge against the ledger (shortfall, mismatch, empty), and the
 * ledger's own deliverable volume against the low-reservoir alert volume.
 *
 * The alert volume is judged on the ledger, as a pump without a gauge (an implanted one) computes
 * its reservoir: the gauge's ±0.5 mL is as large as a useful alert volume. A programme is sized
 * from the fill to end with a reserve above the residual (`reservoirReserveFraction`: 0.86 mL of
 * the seed's 30 mL), so an alert volume above that reserve sounds near the end of every cycle:
 * the built-in profiles leave it off and rely on the projection (shortfall) rule.
 *
 * Owns: `ReservoirDetector` and when it is at rest.
 * Promises: pure; judged once per new gauge sample while the infusion owes strokes; samples
 * taken before the last fill are ignored.
 */
import type { DetectorConfig } from '../readings.ts';
import type { HalResult, ReservoirReading } from '../../hal/index.ts';
import type { Ledger } from '../ledger.ts';
import type { FlowDetector } from './flow.ts';
import { FLOW_IDLE, flowSaysDry } from './flow.ts';
import * as thresholds from './thresholds.ts';

/** The shared threshold table, bound once as this module's own constant (docs/performance.md). */
const { THRESHOLDS } = thresholds;

export interface ReservoirDetector {
  readonly shortfallUl: number;
  readonly mismatchUl: number;
  readonly emptyCount: number;
  /** The ledger's deliverable volume is at or below the low-reservoir alert volume while strokes are owed. */
  readonly lowVolume: boolean;
  readonly lastSampleAtMs: number;
  /** Gauge samples taken before the last fill describe another reservoir: ignored. */
  readonly filledAtMs: number;
}

/** A reservoir filled at `atMs` (-1: none recorded since boot): nothing judged yet. */
export function reservoirFilledAt(atMs: number): ReservoirDetector {
  return { shortfallUl: 0, mismatchUl: 0, emptyCount: 0, lowVolume: false, lastSampleAtMs: -1, filledAtMs: atMs };
}

/** Gauge against ledger, judged once per new gauge sample while the infusion owes strokes. */
export function updateReservoir(rv: ReservoirDetector, cfg: DetectorConfig, infusing: boolean, ledger: Ledger, g: HalResult<ReservoirReading> | null, fl: FlowDetector = FLOW_IDLE): ReservoirDetector {
  const owesStrokes = infusing && ledger.phaseKind === 'infuse' && ledger.phaseDeliveredStrokes < ledger.phaseTotalStrokes;
  if (g === null || !g.ok || g.atMs === rv.lastSampleAtMs || g.atMs < rv.filledAtMs) {
    return owesStrokes || (rv.emptyCount === 0 && !rv.lowVolume)
      ? rv
      : { shortfallUl: rv.shortfallUl, mismatchUl: rv.mismatchUl, emptyCount: 0, lowVolume: false, lastSampleAtMs: rv.lastSampleAtMs, filledAtMs: rv.filledAtMs };
  }
  const gaugeUl = g.volumeMl * 1000;
  const deliverableUl = gaugeUl - cfg.reservoirResidualUl;
  const programmeRemainingUl = (ledger.phaseTotalStrokes - ledger.phaseDeliveredStrokes) * cfg.strokeVolumeUl;
  const expectedUl = ledger.reservoirFillUl - (ledger.primeStrokes + ledger.infusionStrokes) * cfg.strokeVolumeUl;
  const ledgerDeliverableUl = expectedUl - cfg.reservoirResidualUl;
  return {
    // Once short, the margin is smaller by the gauge's accuracy: a reading near the margin, which
    // noise moves across it from minute to minute, holds the alert instead of raising it again.
    shortfallUl: owesStrokes
      ? Math.max(0, programmeRemainingUl - deliverableUl - THRESHOLDS.reservoirShortfallMarginUl + (rv.shortfallUl > 0 ? THRESHOLDS.reservoirGaugeAccuracyUl : 0))
      : 0,
    mismatchUl: ledger.reservoirFillUl > 0 ? Math.abs(gaugeUl - expectedUl) : 0,
    emptyCount:
      owesStrokes && (deliverableUl <= -THRESHOLDS.reservoirGaugeAccuracyUl || (deliverableUl <= 0 && flowSaysDry(fl))) ? rv.emptyCount + 1 : 0,
    lowVolume: owesStrokes && ledger.reservoirFillUl > 0 && cfg.reservoirLowAlertUl > 0 && ledgerDeliverableUl <= cfg.reservoirLowAlertUl,
    lastSampleAtMs: g.atMs,
    filledAtMs: rv.filledAtMs,
  };
}

/** No gauge sample and nothing to reset: `updateReservoir` hands `rv` back. */
export function reservoirAtRest(rv: ReservoirDetector, g: HalResult<ReservoirReading> | null): boolean {
  return g === null && rv.emptyCount === 0 && !rv.lowVolume;
}
