/**
 * The NV store against the faults a flash has: for any run of state writes and any one injected
 * fault, boot returns a state some completed write left (at most one stroke behind the last), or
 * damage, which the runtime answers with STORAGE_FAULT and a stopped drive. Never a state no write
 * left, never a crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredState } from '../../../firmware/storage/records.ts';
import { NO_SAFETY } from '../../../firmware/storage/records.ts';
import { INITIAL_STATE, PumpStore } from '../../../firmware/storage/store.ts';
import { NV_LAYOUT } from '../../../firmware/storage/layout.ts';
import { makeLedger } from '../../../firmware/ledger.ts';
import { provisionedFlash } from '../../../sim/run/simulation.ts';
import type { SimFlash } from '../../../sim/world/devices/index.ts';
import { checkProperty } from '../../support/fc.ts';

/** The state after `strokes` strokes of a 1,000-stroke infusion (of no stored programme: the plan record is not under test here). */
function stateAfter(strokes: number): StoredState {
  const ledger = makeLedger({
    primeStrokes: 700, infusionStrokes: strokes, flushStrokes: 0, phaseKind: 'infuse', phaseTotalStrokes: 1000,
    phaseDurationMs: 3_600_000, phaseElapsedMs: strokes * 3600, phaseDeliveredStrokes: strokes, reservoirFillUl: 30_000,
  });
  return { planId: 0, ledger, resumePoint: 'infusing', therapyPoint: 'infusing', connected: true };
}

type Fault =
  | { kind: 'none' }
  | { kind: 'flip'; bits: number; draws: number[]; copyAges: number[] }
  | { kind: 'tear'; fraction: number; thenFlipCopyBefore: boolean }
  | { kind: 'revert'; ageWrites: number }
  | { kind: 'erase' }
  | { kind: 'writeFails' };

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.constant<Fault>({ kind: 'none' }),
  fc.record({ kind: fc.constant('flip' as const), bits: fc.integer({ min: 1, max: 16 }), draws: fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 16, maxLength: 16 }), copyAges: fc.subarray([0, 1, 2], { minLength: 1 }) }),
  fc.record({ kind: fc.constant('tear' as const), fraction: fc.double({ min: 0, max: 0.999999, noNaN: true }), thenFlipCopyBefore: fc.boolean() }),
  fc.record({ kind: fc.constant('revert' as const), ageWrites: fc.integer({ min: 1, max: 140 }) }),
  fc.constant<Fault>({ kind: 'erase' }),
  fc.constant<Fault>({ kind: 'writeFails' }),
);

/**
 * Writes strokes 1…`writes`, one state record each, injecting `fault` into the last write (a tear:
 * it stops after a fraction of its bytes as when power fails inside it, so it never completed;
 * optionally a bit of the copy before it flips too) or after it (bit flips in one to three of the
 * newest copies, a revert, an erase). Answers the strokes of the last write that completed.
 */
function writeWithFault(flash: SimFlash, writes: number, fault: Fault): number {
  const store = new PumpStore(flash);
  store.load();
  const region = NV_LAYOUT.state;
  if (fault.kind === 'revert') flash.keepHistory(region, fault.ageWrites);
  let completed = 0;
  for (let s = 1; s <= writes; s++) {
    const last = s === writes;
    if (last && fault.kind === 'tear') flash.tearNextWrite(region, fault.fraction);
    if (last && fault.kind === 'writeFails') flash.setWritesFailing(true);
    const written = store.writeState(stateAfter(s)).ok;
    if (written && !(last && fault.kind === 'tear')) completed = s;
  }
  flash.setWritesFailing(false);
  if (fault.kind === 'flip') {
    let i = 0;
    for (const age of fault.copyAges) flash.flipBits(region, fault.bits, () => fault.draws[i++ % fault.draws.length] as number, age);
  }
  if (fault.kind === 'tear' && fault.thenFlipCopyBefore) flash.flipBits(region, 1, () => 0.5, 1);
  if (fault.kind === 'revert') flash.revert(region, fault.ageWrites);
  if (fault.kind === 'erase') flash.erase(region);
  return completed;
}

describe('the NV store at boot, after any fault', () => {
  it('PUMP-STORAGE boot returns a state a completed write left, at most one stroke behind the last, or reports damage; never a crash', () => {
    checkProperty(
      fc.property(fc.integer({ min: 1, max: 200 }), faultArb, (writes, fault) => {
        const flash = provisionedFlash();
        const completed = writeWithFault(flash, writes, fault);
        const image = new PumpStore(flash).load();
        if (image.damage.length > 0) {
          expect(fault.kind).not.toBe('none');
          return;
        }
        const strokes = image.state.ledger.infusionStrokes;
        if (strokes === 0) expect(image.state).toEqual(INITIAL_STATE);
        else expect(image.state).toEqual(stateAfter(strokes));
        expect(strokes).toBeLessThanOrEqual(completed);
        expect(strokes).toBeGreaterThanOrEqual(completed - 1);
        if (fault.kind === 'none') expect({ strokes, findings: image.findings }).toEqual({ strokes: completed, findings: [] });
      }),
      { seed: 1414, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE an erased state ring, or an erased store, is damage and never a fresh pump', () => {
    for (const region of [NV_LAYOUT.state, null]) {
      const flash = provisionedFlash();
      writeWithFault(flash, 10, { kind: 'none' });
      flash.erase(region);
      const image = new PumpStore(flash).load();
      expect(image.damage.length).toBeGreaterThan(0);
    }
  });

  it('PUMP-STORAGE the scrub finds a damaged newest copy while the pump runs and writes the record whole again', () => {
    checkProperty(
      fc.property(fc.integer({ min: 2, max: 150 }), fc.integer({ min: 1, max: 8 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (writes, bits, draw) => {
        const flash = provisionedFlash();
        const store = new PumpStore(flash);
        store.load();
        for (let s = 1; s <= writes; s++) store.writeState(stateAfter(s));
        flash.flipBits(NV_LAYOUT.state, bits, () => draw);
        const scrubbed = store.scrub();
        expect(scrubbed.failed).toEqual([]);
        const image = new PumpStore(flash).load();
        expect({ damage: image.damage, findings: image.findings, state: image.state }).toEqual({ damage: [], findings: [], state: stateAfter(writes) });
      }),
      { seed: 1415, numRuns: 60 },
    );
  });

  it('PUMP-STORAGE the scrub also mends the slot after the newest copy before a ring has wrapped (something in what must be erased flash), so the next boot finds no lost write', () => {
    const flash = provisionedFlash();
    const store = new PumpStore(flash);
    store.load();
    expect(store.writeSafety({ ...NO_SAFETY, restartLockout: true }).ok).toBe(true);
    // Copies 1 and 2 of the safety ring are written; the slot of copy 3 must still be erased.
    flash.write(NV_LAYOUT.safety.firstSlot + 3, Uint8Array.from([1, 2, 3]));
    const scrubbed = store.scrub();
    expect(scrubbed).toEqual({ repaired: [`safety record: slot ${NV_LAYOUT.safety.firstSlot + 3} holds a damaged frame (no record header), not erased flash; written again`], failed: [] });
    const image = new PumpStore(flash).load();
    expect({ damage: image.damage, findings: image.findings, lockout: image.safety.restartLockout }).toEqual({ damage: [], findings: [], lockout: true });
  });

  it('PUMP-STORAGE the safety record (latched alarms, restart lockout) survives a power cycle and a torn write of its next copy', () => {
    const flash = provisionedFlash();
    const store = new PumpStore(flash);
    store.load();
    const locked = { ...NO_SAFETY, restartLockout: true };
    expect(store.writeSafety(locked).ok).toBe(true);
    flash.tearNextWrite(NV_LAYOUT.safety, 0.5);
    store.writeSafety(NO_SAFETY);
    const image = new PumpStore(flash).load();
    expect(image.damage).toEqual([]);
    expect(image.safety.restartLockout).toBe(true);
  });
});
