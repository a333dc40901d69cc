/**
 * Readings, a ledger and the nominal detector configuration shared by the detector tests.
 */
import type { FlowReading, PressureReading, ReservoirReading } from '../../../hal/index.ts';
import type { Ledger } from '../../../firmware/ledger.ts';
import { EMPTY_LEDGER, makeLedger } from '../../../firmware/ledger.ts';
import { detectorConfig } from '../../../firmware/readings.ts';
import { NOMINAL_PORT_CONFIG } from '../../support/deviceConfig.ts';

export const cfg = detectorConfig(NOMINAL_PORT_CONFIG);
export const strokeUl = NOMINAL_PORT_CONFIG.strokeVolumeNl / 1000;

/** A 30 mL fill, primed (350 strokes), infusing: `delivered` of 28,000 strokes done. */
export function infusing(delivered: number): Ledger {
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

export function gauge(volumeMl: number, atMs = 60_000): ReservoirReading {
  return { ok: true, atMs, volumeMl };
}

export function pressure(meanMmHg: number, cardiacAmplitudeMmHg = 10, atMs = 0): PressureReading {
  return { ok: true, atMs, windowMs: 1000, sampleCount: 50, meanMmHg, minMmHg: meanMmHg - cardiacAmplitudeMmHg, maxMmHg: meanMmHg + cardiacAmplitudeMmHg, cardiacAmplitudeMmHg };
}

export function flowRead(meanFlowUlPerHour: number): FlowReading {
  return { ok: true, atMs: 0, windowMs: 10_000, meanFlowUlPerHour };
}
