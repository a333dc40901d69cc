/**
 * The dose ledger as the NV store keeps it: what survives a power loss must come back exactly,
 * and a damaged record must come back as "unreadable" (null), never as a guessed ledger — the
 * runtime then fails safe instead of resuming a therapy that forgot what it delivered.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ledger, PhaseKind } from '../../firmware/ledger.ts';
import { EMPTY_LEDGER, addStrokes, beginPhase, endPhase, ledgerFromRecord, ledgerToRecord, phaseComplete, refillLedger, withPhaseElapsed } from '../../firmware/ledger.ts';
import type { NvRecord } from '../../hal/index.ts';
import { checkProperty } from '../support/fc.ts';

const COUNT_FIELDS = ['primeStrokes', 'infusionStrokes', 'flushStrokes', 'phaseTotalStrokes', 'phaseDurationMs', 'phaseElapsedMs', 'phaseDeliveredStrokes', 'reservoirFillUl'] as const;

const ledgerArb: fc.Arbitrary<Ledger> = fc.record({
  primeStrokes: fc.nat(1_000),
  infusionStrokes: fc.nat(100_000),
  flushStrokes: fc.nat(5_000),
  phaseKind: fc.constantFrom<PhaseKind>('none', 'prime', 'infuse', 'flush'),
  phaseTotalStrokes: fc.nat(100_000),
  phaseDurationMs: fc.nat(2_000_000_000),
  phaseElapsedMs: fc.nat(2_000_000_000),
  phaseDeliveredStrokes: fc.nat(100_000),
  reservoirFillUl: fc.nat(100_000),
});

describe('the ledger record in the NV store', () => {
  it('GIP-1.7.1 a ledger written to the NV store reads back exactly', () => {
    checkProperty(
      fc.property(ledgerArb, (ledger) => {
        const record = ledgerToRecord(ledger);
        const back = ledgerFromRecord({ ...record });
        expect(back).toEqual(ledger);
        expect(Object.keys(back ?? {}).sort()).toEqual(Object.keys(EMPTY_LEDGER).sort());
      }),
      { seed: 301, numRuns: 100 },
    );
  });

  it('GIP-1.7.1 PUMP-LEDGER-RESUME a record with any count missing, not a number or not finite, or an unknown phase, reads as unreadable (null), never as a guess', () => {
    const bad: readonly unknown[] = [undefined, null, 'garbage', '12', Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, true];
    checkProperty(
      fc.property(ledgerArb, fc.constantFrom(...COUNT_FIELDS), fc.constantFrom(...bad), (ledger, field, value) => {
        const record: Record<string, unknown> = { ...ledgerToRecord(ledger) };
        if (value === undefined) delete record[field];
        else record[field] = value;
        expect(ledgerFromRecord(record as NvRecord), `${field} = ${String(value)}`).toBeNull();
      }),
      { seed: 302, numRuns: 150 },
    );
    for (const phaseKind of ['', 'infusing', 'PRIME', 7, null]) {
      expect(ledgerFromRecord({ ...ledgerToRecord(EMPTY_LEDGER), phaseKind } as NvRecord), String(phaseKind)).toBeNull();
    }
    expect(ledgerFromRecord(null)).toBeNull();
  });

  it('PUMP-LEDGER-TRUTH a phase keeps its position when begun again, restarts after it ends, counts strokes only in its own column, and completes at its total', () => {
    const plan = { primingStrokes: 370, primingDurationMs: 22_200, infusionStrokes: 611, durationMs: 3_600_000, flushStrokes: 2_000, flushDurationMs: 120_000 } as Parameters<typeof beginPhase>[2];
    const filled = refillLedger(1.5);
    expect(filled).toEqual({ ...EMPTY_LEDGER, reservoirFillUl: 1500 });
    const priming = beginPhase(filled, 'prime', plan);
    expect(priming).toMatchObject({ phaseKind: 'prime', phaseTotalStrokes: 370, phaseDurationMs: 22_200, phaseElapsedMs: 0, phaseDeliveredStrokes: 0 });
    const some = withPhaseElapsed(addStrokes(priming, 100), 6_000);
    expect(beginPhase(some, 'prime', plan)).toBe(some);
    expect(some).toMatchObject({ primeStrokes: 100, infusionStrokes: 0, flushStrokes: 0, phaseDeliveredStrokes: 100, phaseElapsedMs: 6_000 });
    expect(addStrokes(some, 0)).toBe(some);
    expect(phaseComplete(some)).toBe(false);
    expect(phaseComplete(addStrokes(some, 270))).toBe(true);
    const infusing = beginPhase(endPhase(addStrokes(some, 270)), 'infuse', plan);
    expect(infusing).toMatchObject({ phaseKind: 'infuse', phaseTotalStrokes: 611, phaseDurationMs: 3_600_000, phaseDeliveredStrokes: 0, primeStrokes: 370 });
    expect(addStrokes(infusing, 5)).toMatchObject({ primeStrokes: 370, infusionStrokes: 5, flushStrokes: 0 });
    const flushing = beginPhase(endPhase(infusing), 'flush', plan);
    expect(addStrokes(flushing, 7)).toMatchObject({ primeStrokes: 370, infusionStrokes: 0, flushStrokes: 7, phaseTotalStrokes: 2_000, phaseDurationMs: 120_000 });
    expect(endPhase(EMPTY_LEDGER)).toBe(EMPTY_LEDGER);
    expect(phaseComplete(EMPTY_LEDGER)).toBe(false);
    expect(endPhase(flushing)).toMatchObject({ phaseKind: 'none', phaseTotalStrokes: 0, phaseDurationMs: 0, phaseElapsedMs: 0, phaseDeliveredStrokes: 0 });
  });
});
