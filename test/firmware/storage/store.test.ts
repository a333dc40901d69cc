/**
 * The NV store against the faults a flash has: for any run of state writes and any one injected
 * fault, boot returns a state some completed write left (at most one stroke behind the last), or
 * damage, which the runtime answers with STORAGE_FAULT and a stopped drive. Never a state no write
 * left, never a crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredState } from '../../../firmware/storage/records.ts';
import { NO_SAFETY, encodePlan } from '../../../firmware/storage/records.ts';
import { INITIAL_STATE, PumpStore, freshLink, provisionStore, rekeyLink } from '../../../firmware/storage/store.ts';
import { NV_LAYOUT, NV_SLOT_BYTES, NV_SLOT_COUNT } from '../../../firmware/storage/layout.ts';
import { encodeFrame } from '../../../firmware/storage/frame.ts';
import { EMPTY_LEDGER, makeLedger } from '../../../firmware/ledger.ts';
import type { Done, HalResult, NvFlash } from '../../../hal/index.ts';
import { halError } from '../../../hal/index.ts';
import { SIMULATED_SERIAL, provisionedFlash } from '../../../sim/run/simulation.ts';
import { SimFlash } from '../../../sim/world/devices/index.ts';
import { SEED_PRESCRIPTION } from '../../support/prescription.ts';
import { checkProperty } from '../../support/fc.ts';

/** The state after `strokes` strokes of a 1,000-stroke infusion (of no stored programme: the plan record is not under test here). */
function stateAfter(strokes: number): StoredState {
  const ledger = makeLedger({
    primeStrokes: 700, infusionStrokes: strokes, flushStrokes: 0, phaseKind: 'infuse', phaseTotalStrokes: 1000,
    phaseDurationMs: 3_600_000, phaseElapsedMs: strokes * 3600, phaseDeliveredStrokes: strokes, reservoirFillUl: 30_000, creditCarryNl: 0,
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

/** `flash` with every read of the slots of `region` failing once `failing.on` is set. */
function failingReadsOf(flash: SimFlash, region: { firstSlot: number; slotCount: number }): { flash: NvFlash; failing: { on: boolean } } {
  const failing = { on: true };
  const inRegion = (slot: number): boolean => slot >= region.firstSlot && slot < region.firstSlot + region.slotCount;
  return {
    failing,
    flash: {
      slotCount: flash.slotCount,
      slotBytes: flash.slotBytes,
      read: (slot: number, into: Uint8Array): HalResult<Done> => (failing.on && inRegion(slot) ? halError('other', 'bus error (test)') : flash.read(slot, into)),
      write: (slot: number, bytes: Uint8Array) => flash.write(slot, bytes),
    },
  };
}

/** A ready pump's store: a programme accepted and named by the state (no therapy under way). */
function readyStore(flash: SimFlash = provisionedFlash()): { flash: SimFlash; store: PumpStore; planId: number } {
  const store = new PumpStore(flash);
  store.load();
  const written = store.writePlan({ prescription: SEED_PRESCRIPTION, confirmSoftLimits: false });
  if (!written.ok) throw new Error(written.detail);
  store.writeState({ ...INITIAL_STATE, planId: written.planId, resumePoint: 'none' });
  return { flash, store, planId: written.planId };
}

/** The slot of the newest copy of `region`'s ring after `copies` writes. */
const slotOfCopy = (region: { firstSlot: number; slotCount: number }, copy: number): number => region.firstSlot + (copy % region.slotCount);

describe('the NV store, record by record', () => {
  it('PUMP-STORAGE a provisioned store boots as a new pump: its serial, the initial state, no programme, no latched alarm, the link at counter 0, nothing found', () => {
    const image = new PumpStore(provisionedFlash()).load();
    expect(image).toEqual({ device: { serialNumber: SIMULATED_SERIAL }, state: INITIAL_STATE, plan: null, safety: NO_SAFETY, link: freshLink(1), findings: [], damage: [] });
  });

  it('PUMP-STORAGE a flash smaller than the layout is refused at boot, by the self-test and by provisioning, with its size', () => {
    for (const [count, bytes] of [[NV_SLOT_COUNT - 1, NV_SLOT_BYTES], [NV_SLOT_COUNT, NV_SLOT_BYTES - 1]] as const) {
      const small = new SimFlash(count, bytes);
      const problem = `flash of ${count} × ${bytes} B is smaller than the layout's ${NV_SLOT_COUNT} × ${NV_SLOT_BYTES} B`;
      const store = new PumpStore(small);
      expect(store.geometryProblem()).toBe(problem);
      expect(store.selfTest()).toEqual({ ok: false });
      expect(store.load()).toEqual({ device: null, state: INITIAL_STATE, plan: null, safety: NO_SAFETY, link: null, findings: [], damage: [problem] });
      expect(provisionStore(small, { serialNumber: 'S' })).toMatchObject({ ok: false, kind: 'outOfRange', detail: problem });
    }
    const exact = new PumpStore(new SimFlash(NV_SLOT_COUNT, NV_SLOT_BYTES));
    expect({ problem: exact.geometryProblem(), selfTest: exact.selfTest() }).toEqual({ problem: null, selfTest: { ok: true } });
  });

  it('PUMP-STORAGE the self-test fails when the device slot cannot be read', () => {
    const { flash } = failingReadsOf(provisionedFlash(), NV_LAYOUT.device);
    expect(new PumpStore(flash).selfTest()).toEqual({ ok: false });
  });

  it('PUMP-STORAGE a ring that cannot be read is damage naming the record; the other records still load', () => {
    for (const kind of ['device', 'state', 'plan', 'safety', 'link'] as const) {
      const { flash: sim, planId } = readyStore();
      const { flash } = failingReadsOf(sim, NV_LAYOUT[kind]);
      const image = new PumpStore(flash).load();
      expect(image.damage, kind).toEqual([`${kind} record unreadable: bus error (test)`]);
      if (kind !== 'state') expect(image.state.planId, kind).toBe(planId);
      if (kind !== 'link') expect(image.link, kind).toEqual(freshLink(1));
      if (kind === 'link') expect(image.link).toBeNull();
      if (kind !== 'device') expect(image.device, kind).toEqual({ serialNumber: SIMULATED_SERIAL });
    }
  });

  it('PUMP-STORAGE a damaged slot is a finding naming the record, the slot and the reason; a store without its device record is damage', () => {
    const flash = provisionedFlash();
    const slot = NV_LAYOUT.plan.firstSlot + 1;
    flash.write(slot, Uint8Array.from([1, 2, 3]));
    expect(new PumpStore(flash).load()).toMatchObject({ findings: [`plan slot ${slot}: no record header`], damage: [] });
    flash.erase(NV_LAYOUT.device);
    expect(new PumpStore(flash).load()).toMatchObject({ device: null, damage: ['device record missing: the store was erased or never provisioned'] });
  });

  it('PUMP-STORAGE the state record: missing is damage, one lost write a finding, two lost writes damage and the initial state', () => {
    const flash = provisionedFlash();
    const store = new PumpStore(flash);
    store.load();
    for (let s = 1; s <= 5; s++) store.writeState(stateAfter(s));
    flash.flipBits(NV_LAYOUT.state, 1, () => 0.3);
    expect(new PumpStore(flash).load()).toMatchObject({ state: stateAfter(4), findings: expect.arrayContaining(['state record: the newest write was lost; resumed from the copy before it (at most one stroke repeated)']), damage: [] });
    flash.flipBits(NV_LAYOUT.state, 1, () => 0.3, 1);
    const two = new PumpStore(flash).load();
    expect({ state: two.state, damage: two.damage }).toEqual({ state: INITIAL_STATE, damage: ['state record: 2 writes after copy may be lost, more than the one a recovery may repeat'] });
    flash.erase(NV_LAYOUT.state);
    expect(new PumpStore(flash).load()).toMatchObject({ state: INITIAL_STATE, damage: ['state record (ledger and mode) missing or unreadable'] });
  });

  it('PUMP-STORAGE a state copy whose payload does not decode counts as a lost write, and boot resumes from the copy before it', () => {
    const flash = provisionedFlash();
    const store = new PumpStore(flash);
    store.load();
    store.writeState(stateAfter(1));
    // Copy 3 is a valid frame whose payload is no state (a byte short).
    flash.write(slotOfCopy(NV_LAYOUT.state, 3), encodeFrame('state', 3, new Uint8Array(51)));
    const image = new PumpStore(flash).load();
    expect({ state: image.state, damage: image.damage }).toEqual({ state: stateAfter(1), damage: [] });
    expect(image.findings).toContain('state record: the newest write was lost; resumed from the copy before it (at most one stroke repeated)');
  });

  it('PUMP-STORAGE a lost state write while a programme was ready and no therapy under way is damage (whether a therapy began cannot be known)', () => {
    const { flash, store, planId } = readyStore();
    store.writeState({ ...INITIAL_STATE, planId, resumePoint: 'priming', therapyPoint: 'priming' });
    flash.flipBits(NV_LAYOUT.state, 1, () => 0.5);
    expect(new PumpStore(flash).load().damage).toEqual(['state record: the newest write was lost while a programme was ready; whether it began a therapy cannot be known']);
    // Without a programme, the same loss is a finding.
    const bare = provisionedFlash();
    const s = new PumpStore(bare);
    s.load();
    s.writeState({ ...INITIAL_STATE, connected: true });
    bare.flipBits(NV_LAYOUT.state, 1, () => 0.5);
    expect(new PumpStore(bare).load()).toMatchObject({ damage: [], state: INITIAL_STATE });
  });

  it('PUMP-STORAGE a lost stroke write during a therapy is a finding: boot resumes from the copy before it, one stroke behind', () => {
    const { flash, store, planId } = readyStore();
    for (let strokes = 1; strokes <= 3; strokes++) store.writeState({ ...stateAfter(strokes), planId });
    flash.flipBits(NV_LAYOUT.state, 1, () => 0.5);
    const image = new PumpStore(flash).load();
    expect({ state: image.state, damage: image.damage }).toEqual({ state: { ...stateAfter(2), planId }, damage: [] });
    expect(image.findings).toContain('state record: the newest write was lost; resumed from the copy before it (at most one stroke repeated)');
  });

  it('PUMP-STORAGE the safety and link records: missing is damage, one lost write a finding (the copy before it), two lost writes damage', () => {
    for (const kind of ['safety', 'link'] as const) {
      const flash = provisionedFlash();
      const store = new PumpStore(flash);
      store.load();
      const write = (n: number): void => {
        if (kind === 'safety') store.writeSafety({ ...NO_SAFETY, restarts: [{ code: 'OCCLUSION', atMs: n }] });
        else store.writeLink({ keyId: 1, lastCounter: n });
      };
      for (let n = 1; n <= 4; n++) write(n);
      const value = (image: ReturnType<PumpStore['load']>): unknown => (kind === 'safety' ? image.safety.restarts[0]?.atMs : image.link?.lastCounter);
      const lostOne = kind === 'safety' ? 'safety record: the newest write was lost; restored from the copy before it' : 'link record: the newest write was lost; restored from the copy before it (its frame was never acted on)';
      flash.flipBits(NV_LAYOUT[kind], 1, () => 0.4);
      const one = new PumpStore(flash).load();
      expect({ value: value(one), damage: one.damage, lost: one.findings.filter((f) => f.startsWith(`${kind} record`)) }, kind).toEqual({ value: 3, damage: [], lost: [lostOne] });
      flash.flipBits(NV_LAYOUT[kind], 1, () => 0.4, 1);
      const two = new PumpStore(flash).load();
      expect(two.damage, kind).toEqual([kind === 'safety' ? 'safety record: 2 writes may be lost' : 'link record: 2 writes may be lost: every frame is refused until the device is re-keyed']);
      expect(kind === 'safety' ? two.safety : two.link, kind).toEqual(kind === 'safety' ? NO_SAFETY : null);
      flash.erase(NV_LAYOUT[kind]);
      expect(new PumpStore(flash).load().damage, kind).toEqual([
        kind === 'safety' ? 'safety record (latched alarms, restart lockout) missing or unreadable' : 'link record (command counter) missing or unreadable: every frame is refused until the device is re-keyed',
      ]);
    }
  });

  it('PUMP-STORAGE the programme the state names is loaded; a newer programme it does not name (a cut between the two writes) is ignored', () => {
    const { flash, store, planId } = readyStore();
    const second = store.writePlan({ prescription: { ...SEED_PRESCRIPTION, infusionDays: 7 }, confirmSoftLimits: true });
    expect(second).toEqual({ ok: true, planId: planId + 1 });
    const image = new PumpStore(flash).load();
    expect(image.plan).toEqual({ planId, prescription: SEED_PRESCRIPTION, confirmSoftLimits: false });
    expect(image.findings).toEqual([]);
    // Booted again, the next programme is numbered after the newest in flash, not after the one in use.
    const again = new PumpStore(flash);
    again.load();
    expect(again.writePlan({ prescription: SEED_PRESCRIPTION, confirmSoftLimits: false })).toEqual({ ok: true, planId: planId + 2 });
  });

  it('PUMP-STORAGE a programme number is used only once its write succeeds', () => {
    const { flash, store, planId } = readyStore();
    flash.setWritesFailing(true);
    expect(store.writePlan({ prescription: SEED_PRESCRIPTION, confirmSoftLimits: false }).ok).toBe(false);
    flash.setWritesFailing(false);
    expect(store.writePlan({ prescription: SEED_PRESCRIPTION, confirmSoftLimits: false })).toEqual({ ok: true, planId: planId + 1 });
  });

  it('PUMP-STORAGE the next programme is numbered after the state’s programme even when no plan copy survives', () => {
    const { flash, planId } = readyStore();
    flash.erase(NV_LAYOUT.plan);
    const store = new PumpStore(flash);
    store.load();
    expect(store.writePlan({ prescription: SEED_PRESCRIPTION, confirmSoftLimits: false })).toEqual({ ok: true, planId: planId + 1 });
  });

  it('PUMP-STORAGE a programme copy that does not decode is a finding; the programme the state names missing is damage only while a therapy is under way', () => {
    const { flash, planId } = readyStore();
    const plan = NV_LAYOUT.plan;
    flash.write(slotOfCopy(plan, 1), encodeFrame('plan', 1, new Uint8Array(10)));
    const idle = new PumpStore(flash).load();
    expect(idle.findings).toEqual(['plan copy 1: plan payload is 10 bytes, not the layout\'s', `plan record ${planId}, named by the state record, is missing or unreadable; no therapy was under way`]);
    expect({ plan: idle.plan, damage: idle.damage }).toEqual({ plan: null, damage: [] });
    for (const [resumePoint, damaged] of [['locked', false], ['infusing', true], ['stopped', true]] as const) {
      const f = provisionedFlash();
      const s = new PumpStore(f);
      s.load();
      s.writeState({ ...stateAfter(3), planId: 5, resumePoint });
      const image = new PumpStore(f).load();
      const what = 'plan record 5, named by the state record, is missing or unreadable';
      expect(damaged ? image.damage : image.findings, resumePoint).toContain(damaged ? what : `${what}; no therapy was under way`);
      expect((damaged ? image.findings : image.damage).some((x) => x.startsWith(what)), resumePoint).toBe(false);
    }
  });

  it('PUMP-STORAGE of two programme copies with the number the state names, the newest is loaded', () => {
    const { flash, planId } = readyStore();
    // The ring's next copy carries the same number with the confirmation set.
    flash.write(slotOfCopy(NV_LAYOUT.plan, 2), encodeFrame('plan', 2, encodePlan({ planId, prescription: SEED_PRESCRIPTION, confirmSoftLimits: true })));
    expect(new PumpStore(flash).load().plan).toEqual({ planId, prescription: SEED_PRESCRIPTION, confirmSoftLimits: true });
  });
});

describe('the scrub, provisioning and re-keying', () => {
  it('PUMP-STORAGE the scrub of a store as its writes left it repairs nothing; a ring it cannot write again is reported as failed', () => {
    const { flash, store } = readyStore();
    expect(store.scrub()).toEqual({ repaired: [], failed: [] });
    flash.erase(NV_LAYOUT.safety);
    flash.setWritesFailing(true);
    expect(store.scrub()).toEqual({ repaired: [], failed: [`safety record: slot ${slotOfCopy(NV_LAYOUT.safety, 1)} holds erased flash, not copy 1; cannot be written again`] });
  });

  it('PUMP-STORAGE the scrub reports a ring it cannot read, and repairs it once it can be read', () => {
    const sim = provisionedFlash();
    const { flash, failing } = failingReadsOf(sim, NV_LAYOUT.link);
    failing.on = false;
    const store = new PumpStore(flash);
    store.load();
    failing.on = true;
    expect(store.scrub()).toEqual({ repaired: ['link record: bus error (test); written again'], failed: [] });
  });

  it('PUMP-STORAGE provisioning writes both device copies, the first state, link and safety records, and refuses a flash that already holds a device', () => {
    const flash = new SimFlash();
    expect(provisionStore(flash, { serialNumber: 'SN-7' }, 9)).toEqual({ ok: true });
    const image = new PumpStore(flash).load();
    expect(image).toEqual({ device: { serialNumber: 'SN-7' }, state: INITIAL_STATE, plan: null, safety: NO_SAFETY, link: freshLink(9), findings: [], damage: [] });
    // Either device copy alone is enough.
    flash.erase({ firstSlot: NV_LAYOUT.device.firstSlot, slotCount: 1 });
    expect(new PumpStore(flash).load().device).toEqual({ serialNumber: 'SN-7' });
    expect(provisionStore(flash, { serialNumber: 'SN-8' })).toEqual({ ok: false, kind: 'other', detail: 'flash already provisioned' });
    // A new pump is not connected to a patient (a flush is refused until it is), and no alarm is latched or locked out.
    expect(image.state).toEqual({ planId: 0, ledger: EMPTY_LEDGER, resumePoint: 'none', therapyPoint: 'none', connected: false });
    expect(image.safety).toEqual({ latched: [], stoppedBy: null, restarts: [], restartLockout: false });
  });

  it('PUMP-STORAGE provisioning stops at the first write that fails and answers its error; a flash it cannot read is refused with the read error', () => {
    for (const failAfter of [0, 1, 2, 3, 4]) {
      const sim = new SimFlash();
      let writes = 0;
      const flash: NvFlash = {
        slotCount: sim.slotCount,
        slotBytes: sim.slotBytes,
        read: (slot, into) => sim.read(slot, into),
        write: (slot, bytes) => (writes++ < failAfter ? sim.write(slot, bytes) : halError('other', `write ${writes} failed (test)`)),
      };
      expect(provisionStore(flash, { serialNumber: 'SN-9' }), `${failAfter} writes succeed`).toEqual({ ok: false, kind: 'other', detail: `write ${failAfter + 1} failed (test)` });
      expect(writes, `${failAfter} writes succeed`).toBe(failAfter + 1);
    }
    const { flash: unreadable } = failingReadsOf(new SimFlash(), NV_LAYOUT.device);
    expect(provisionStore(unreadable, { serialNumber: 'SN-10' })).toEqual({ ok: false, kind: 'other', detail: 'bus error (test)' });
  });

  it('PUMP-STORAGE re-keying starts the link over at counter 0 under a key id from 1 to 254; any other id is refused', () => {
    const flash = provisionedFlash();
    for (const keyId of [1, 254]) {
      expect(rekeyLink(flash, keyId)).toEqual({ ok: true });
      expect(new PumpStore(flash).load().link).toEqual({ keyId, lastCounter: 0 });
    }
    for (const keyId of [0, 255, 1.5, NaN]) expect(rekeyLink(flash, keyId)).toMatchObject({ ok: false, kind: 'outOfRange', detail: `key id ${keyId} is outside 1–254` });
  });
});
