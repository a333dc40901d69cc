/**
 * One record's ring of slots: each write goes to the oldest slot and never touches the newest copy,
 * boot takes the newest valid copy in its own slot and counts the writes lost after it, a failed
 * write leaves the ring where it was, and the audit and the refresh find and mend the slots boot
 * depends on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Done, HalResult, NvFlash } from '../../../hal/index.ts';
import { halError } from '../../../hal/index.ts';
import { encodeFrame } from '../../../firmware/storage/frame.ts';
import type { SlotRegion } from '../../../firmware/storage/layout.ts';
import { RecordRing } from '../../../firmware/storage/ring.ts';
import { SimFlash } from '../../../sim/world/devices/index.ts';
import { checkProperty } from '../../support/fc.ts';

const SLOT_BYTES = 64;
/** A ring of four slots behind two slots of another record. */
const REGION: SlotRegion = { firstSlot: 2, slotCount: 4 };

const flipLastByte = (bytes: Uint8Array): Uint8Array => bytes.map((b, i) => (i === bytes.length - 1 ? b ^ 1 : b));
const payloadOf = (n: number): Uint8Array => Uint8Array.from([n & 0xff, (n >> 8) & 0xff, 0xa5]);

function ringOn(flash: NvFlash = new SimFlash(8, SLOT_BYTES)): { flash: NvFlash; ring: RecordRing } {
  const ring = new RecordRing(flash, 'safety', REGION);
  return { flash, ring };
}

function scanOf(ring: RecordRing): { copies: { seq: number; slot: number; payload: number[] }[]; corrupt: readonly { slot: number; reason: string }[]; lostWrites: number } {
  const scanned = ring.scan();
  if (!scanned.ok) throw new Error(scanned.detail);
  return { ...scanned.scan, copies: scanned.scan.copies.map((c) => ({ ...c, payload: [...c.payload] })) };
}

/** A flash whose reads of `slot` fail once `failing.on` is set. */
function failingReads(flash: SimFlash, slot: number): { flash: NvFlash; failing: { on: boolean } } {
  const failing = { on: false };
  return {
    failing,
    flash: {
      slotCount: flash.slotCount,
      slotBytes: flash.slotBytes,
      read: (s: number, into: Uint8Array): HalResult<Done> => (failing.on && s === slot ? halError('other', 'read failed (test)') : flash.read(s, into)),
      write: (s: number, bytes: Uint8Array) => flash.write(s, bytes),
    },
  };
}

describe('writing and scanning a ring', () => {
  it('PUMP-STORAGE copy n goes to slot first + n mod size; the scan lists the copies newest first, with no damage and no lost write', () => {
    checkProperty(
      fc.property(fc.integer({ min: 0, max: 12 }), (writes) => {
        const { flash, ring } = ringOn();
        expect(scanOf(ring).copies).toEqual([]);
        for (let n = 1; n <= writes; n++) expect(ring.write(payloadOf(n)).ok).toBe(true);
        const kept = Array.from({ length: Math.min(writes, REGION.slotCount) }, (_, i) => writes - i);
        expect(scanOf(new RecordRing(flash, 'safety', REGION))).toEqual({
          copies: kept.map((seq) => ({ seq, slot: REGION.firstSlot + (seq % REGION.slotCount), payload: [...payloadOf(seq)] })),
          corrupt: [],
          lostWrites: 0,
        });
        // The slots outside the ring were never written.
        const outside = new Uint8Array(SLOT_BYTES);
        for (const slot of [0, 1, 6, 7]) {
          flash.read(slot, outside);
          expect(outside.every((b) => b === 0xff)).toBe(true);
        }
      }),
      { seed: 23, numRuns: 30 },
    );
  });

  it('PUMP-STORAGE after a scan the next write follows the newest copy found and never overwrites it', () => {
    const { flash, ring } = ringOn();
    for (let n = 1; n <= 6; n++) ring.write(payloadOf(n));
    const again = new RecordRing(flash, 'safety', REGION);
    scanOf(again);
    expect(again.write(payloadOf(7)).ok).toBe(true);
    expect(scanOf(again).copies.map((c) => c.seq)).toEqual([7, 6, 5, 4]);
    // A ring whose scan found nothing starts at copy 1.
    const { ring: fresh } = ringOn();
    scanOf(fresh);
    fresh.write(payloadOf(1));
    expect(scanOf(fresh).copies).toEqual([{ seq: 1, slot: REGION.firstSlot + 1, payload: [...payloadOf(1)] }]);
  });

  it('PUMP-STORAGE a failed write leaves the ring where it was: the next attempt reuses its slot and number', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    ring.write(payloadOf(1));
    flash.setWritesFailing(true);
    expect(ring.write(payloadOf(2)).ok).toBe(false);
    flash.setWritesFailing(false);
    expect(ring.write(payloadOf(2)).ok).toBe(true);
    expect(scanOf(ring).copies.map((c) => [c.seq, c.slot])).toEqual([[2, REGION.firstSlot + 2], [1, REGION.firstSlot + 1]]);
  });

  it('PUMP-STORAGE a record too long for a slot is refused with its size, and the ring does not move', () => {
    const { ring } = ringOn();
    const tooLong = new Uint8Array(SLOT_BYTES - 16 + 1);
    expect(ring.write(tooLong)).toMatchObject({ ok: false, kind: 'outOfRange', detail: `safety record of ${SLOT_BYTES + 1} bytes does not fit a ${SLOT_BYTES}-byte slot` });
    expect(ring.write(new Uint8Array(SLOT_BYTES - 16)).ok).toBe(true);
    expect(scanOf(ring).copies.map((c) => c.seq)).toEqual([1]);
  });

  it('PUMP-STORAGE a damaged frame, another record’s frame and a copy out of its slot are each reported by slot and reason, and are no copy', () => {
    const { flash, ring } = ringOn();
    for (let n = 1; n <= 4; n++) ring.write(payloadOf(n));
    const slot = (seq: number): number => REGION.firstSlot + (seq % REGION.slotCount);
    const bytes = new Uint8Array(SLOT_BYTES);
    flash.read(slot(1), bytes);
    bytes[13] = (bytes[13] as number) ^ 1;
    flash.write(slot(1), bytes);
    flash.write(slot(2), encodeFrame('state', 2, payloadOf(2)));
    flash.write(slot(3), encodeFrame('safety', 5, payloadOf(5)));
    expect(scanOf(ring)).toEqual({
      copies: [{ seq: 4, slot: slot(4), payload: [...payloadOf(4)] }],
      corrupt: [
        { slot: slot(1), reason: 'CRC mismatch' },
        { slot: slot(2), reason: 'a state record in a safety slot' },
        { slot: slot(3), reason: 'copy 5 out of its slot (an older image)' },
      ],
      // The three slots after the newest copy should hold copies 1–3: three writes may be lost.
      lostWrites: 3,
    });
  });

  it('PUMP-STORAGE read failures are answered, never taken for erased flash', () => {
    const sim = new SimFlash(8, SLOT_BYTES);
    const { flash, failing } = failingReads(sim, REGION.firstSlot + 3);
    const ring = new RecordRing(flash, 'safety', REGION);
    for (let n = 1; n <= 3; n++) ring.write(payloadOf(n));
    failing.on = true;
    expect(ring.scan()).toMatchObject({ ok: false, detail: 'read failed (test)' });
    expect(ring.audit()).toMatchObject({ ok: false, detail: 'read failed (test)' });
  });
});

describe('writes lost after the newest copy', () => {
  /** Writes copies 1…`writes`, then `damage` the slot of copy `writes + 1 - ageFromNext` writes back. */
  function lostAfter(writes: number, damage: (flash: SimFlash, slot: number) => void, copiesBack: number): number {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    for (let n = 1; n <= writes; n++) ring.write(payloadOf(n));
    for (let k = 0; k < copiesBack; k++) damage(flash, REGION.firstSlot + ((writes - k) % REGION.slotCount));
    return scanOf(new RecordRing(flash, 'safety', REGION)).lostWrites;
  }
  const flip = (flash: SimFlash, slot: number): void => {
    const bytes = new Uint8Array(SLOT_BYTES);
    flash.read(slot, bytes);
    bytes[4] = (bytes[4] as number) ^ 0x40;
    flash.write(slot, bytes);
  };

  it('PUMP-STORAGE none when the newest copy is the last written; one when the last write was damaged; two when the last two were', () => {
    for (const writes of [2, 3, 4, 5, 9]) {
      expect(lostAfter(writes, flip, 0), `${writes} writes`).toBe(0);
      expect(lostAfter(writes, flip, 1), `${writes} writes, the last damaged`).toBe(1);
      expect(lostAfter(writes, flip, 2), `${writes} writes, the last two damaged`).toBe(2);
    }
  });

  it('PUMP-STORAGE a torn last write is one lost write, before the ring has wrapped and after', () => {
    for (const writes of [1, 3, 4, 7]) {
      const flash = new SimFlash(8, SLOT_BYTES);
      const { ring } = ringOn(flash);
      for (let n = 1; n < writes; n++) ring.write(payloadOf(n));
      flash.tearNextWrite(null, 0.5);
      ring.write(payloadOf(writes));
      const scan = scanOf(new RecordRing(flash, 'safety', REGION));
      expect({ newest: scan.copies[0]?.seq ?? 0, lost: scan.lostWrites }, `${writes} writes`).toEqual({ newest: writes - 1, lost: 1 });
    }
  });

  it('PUMP-STORAGE with no valid copy, every slot that holds something counts as a lost write', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    for (let n = 1; n <= 2; n++) ring.write(payloadOf(n));
    for (const slot of [REGION.firstSlot + 1, REGION.firstSlot + 2]) flip(flash, slot);
    expect(scanOf(new RecordRing(flash, 'safety', REGION))).toMatchObject({ copies: [], lostWrites: 2 });
  });

  it('PUMP-STORAGE damage deeper in a ring than the slot after the newest copy is reported but is no lost write', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    for (let n = 1; n <= 6; n++) ring.write(payloadOf(n));
    // Copy 4 of six in four slots: neither the newest two nor the oldest (copy 3, after the newest).
    flip(flash, REGION.firstSlot + (4 % REGION.slotCount));
    const scan = scanOf(new RecordRing(flash, 'safety', REGION));
    expect(scan.copies.map((c) => c.seq)).toEqual([6, 5, 3]);
    expect(scan.corrupt.map((c) => c.slot)).toEqual([REGION.firstSlot + (4 % REGION.slotCount)]);
    expect(scan.lostWrites).toBe(0);
  });

  it('PUMP-STORAGE before the ring wraps, a slot past the newest copy that is not erased is a lost write', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    ring.write(payloadOf(1));
    flash.write(REGION.firstSlot + 2, Uint8Array.from([1, 2, 3]));
    expect(scanOf(new RecordRing(flash, 'safety', REGION)).lostWrites).toBe(1);
  });
});

describe('the audit and the refresh', () => {
  it('PUMP-STORAGE a ring as its writes left it passes the audit, before the first write too', () => {
    for (const writes of [0, 1, 2, 3, 4, 5, 10]) {
      const { ring } = ringOn();
      for (let n = 1; n <= writes; n++) ring.write(payloadOf(n));
      expect(ring.audit(), `${writes} writes`).toEqual({ ok: true, intact: true, found: '' });
    }
  });

  it('PUMP-STORAGE a ring with no copy found at boot and nothing written since has nothing to audit, whatever its slots hold (boot has reported it)', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    for (let i = 0; i < REGION.slotCount; i++) flash.write(REGION.firstSlot + i, Uint8Array.from([1, 2, 3]));
    const ring = new RecordRing(flash, 'safety', REGION);
    expect(scanOf(ring)).toMatchObject({ copies: [], lostWrites: REGION.slotCount });
    expect(ring.audit()).toEqual({ ok: true, intact: true, found: '' });
  });

  it('PUMP-STORAGE the audit names the slot and what it holds when the newest copy, the copy before it or the slot after it is not as written', () => {
    const slot = (seq: number): number => REGION.firstSlot + (seq % REGION.slotCount);
    const cases: [string, number, (flash: SimFlash) => void, string][] = [
      ['newest flipped', 6, (f) => f.write(slot(6), encodeFrame('safety', 2, payloadOf(2))), `slot ${slot(6)} holds copy 2 of a safety record, not copy 6`],
      ['newest of another kind', 6, (f) => f.write(slot(6), encodeFrame('link', 6, payloadOf(6))), `slot ${slot(6)} holds copy 6 of a link record, not copy 6`],
      ['copy before damaged', 6, (f) => f.write(slot(5), Uint8Array.from([0x50, 0x53, 9])), `slot ${slot(5)} holds a damaged frame (layout version 9, expected 1), not copy 5`],
      ['slot after erased', 6, (f) => f.erase({ firstSlot: slot(7), slotCount: 1 }), `slot ${slot(7)} holds erased flash, not copy 3`],
      // Before the ring has wrapped, the slot after the newest copy must still be erased (boot counts anything there as a lost write).
      ['slot after not erased before the wrap', 2, (f) => f.write(slot(3), Uint8Array.from([1, 2, 3])), `slot ${slot(3)} holds a damaged frame (no record header), not erased flash`],
      ['slot after holding another record before the wrap', 1, (f) => f.write(slot(2), encodeFrame('state', 2, payloadOf(2))), `slot ${slot(2)} holds copy 2 of a state record, not erased flash`],
      ['first copy lost', 1, (f) => f.erase({ firstSlot: slot(1), slotCount: 1 }), `slot ${slot(1)} holds erased flash, not copy 1`],
      // A valid frame of the right copy that is not what was written (its payload changed, CRC recomputed).
      ['newest with other content', 6, (f) => f.write(slot(6), encodeFrame('safety', 6, payloadOf(60))), `slot ${slot(6)} holds copy 6 with other content than was written, not copy 6`],
      ['copy before with other content', 6, (f) => f.write(slot(5), encodeFrame('safety', 5, Uint8Array.from([9, 9]))), `slot ${slot(5)} holds copy 5 with other content than was written, not copy 5`],
      // The oldest copy of a wrapped ring is not kept: it is judged by decoding.
      ['oldest copy of a wrapped ring damaged', 6, (f) => f.write(slot(3), flipLastByte(encodeFrame('safety', 3, payloadOf(3)))), `slot ${slot(3)} holds a damaged frame (CRC mismatch), not copy 3`],
    ];
    for (const [what, writes, damage, found] of cases) {
      const flash = new SimFlash(8, SLOT_BYTES);
      const { ring } = ringOn(flash);
      for (let n = 1; n <= writes; n++) ring.write(payloadOf(n));
      damage(flash);
      expect(ring.audit(), what).toEqual({ ok: true, intact: false, found });
    }
  });

  it('PUMP-STORAGE the oldest copy of a wrapped ring passes the audit when it decodes as its own copy, whatever its content', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    for (let n = 1; n <= 6; n++) ring.write(payloadOf(n));
    // Copy 3 (the oldest of six writes in four slots) rewritten with another payload: still copy 3 in its slot.
    flash.write(REGION.firstSlot + (3 % REGION.slotCount), encodeFrame('safety', 3, payloadOf(33)));
    expect(ring.audit()).toEqual({ ok: true, intact: true, found: '' });
  });

  it('PUMP-STORAGE the audit after a boot compares the two newest copies as the scan read them back', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    for (let n = 1; n <= 5; n++) ring.write(payloadOf(n));
    const booted = new RecordRing(flash, 'safety', REGION);
    scanOf(booted);
    expect(booted.audit()).toEqual({ ok: true, intact: true, found: '' });
    flash.write(REGION.firstSlot + (4 % REGION.slotCount), encodeFrame('safety', 4, payloadOf(44)));
    expect(booted.audit()).toEqual({ ok: true, intact: false, found: `slot ${REGION.firstSlot + (4 % REGION.slotCount)} holds copy 4 with other content than was written, not copy 4` });
  });

  it('PUMP-STORAGE after a boot that found a lost write, the audit names the slot of the lost copy, and the newest copy found is kept as read', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    for (let n = 1; n <= 5; n++) ring.write(payloadOf(n));
    // Copy 4 damaged: boot finds 5 and 3, not consecutive.
    const slot4 = REGION.firstSlot + (4 % REGION.slotCount);
    flash.write(slot4, Uint8Array.from([0x50, 0x53, 9]));
    const booted = new RecordRing(flash, 'safety', REGION);
    expect(scanOf(booted).copies.map((c) => c.seq)).toEqual([5, 3, 2]);
    expect(booted.audit()).toEqual({ ok: true, intact: false, found: `slot ${slot4} holds a damaged frame (layout version 9, expected 1), not copy 4` });
    // The newest copy as the scan read it is what its slot must hold.
    const slot5 = REGION.firstSlot + (5 % REGION.slotCount);
    flash.write(slot5, encodeFrame('safety', 5, payloadOf(55)));
    expect(booted.audit()).toEqual({ ok: true, intact: false, found: `slot ${slot5} holds copy 5 with other content than was written, not copy 5` });
  });

  it('PUMP-STORAGE before the ring has wrapped, a valid frame numbered 0 in the slot after the newest copy is another record, not erased flash', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    for (let n = 1; n <= 3; n++) ring.write(payloadOf(n));
    // Copy 3 of four slots: the slot after it is copy 4's (that of "copy 0"), still erased.
    const after = REGION.firstSlot + (4 % REGION.slotCount);
    flash.write(after, encodeFrame('safety', 0, payloadOf(0)));
    expect(ring.audit()).toEqual({ ok: true, intact: false, found: `slot ${after} holds copy 0 of a safety record, not erased flash` });
  });

  it('PUMP-STORAGE a payload of a new length is copied when written, so changing the caller’s buffer afterwards changes nothing the refresh writes', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    const first = Uint8Array.from([1, 2, 3, 4, 5]);
    ring.write(first);
    first.fill(0);
    expect(ring.refresh()).toEqual({ ok: true });
    expect(scanOf(new RecordRing(flash, 'safety', REGION)).copies.map((c) => c.payload)).toEqual(Array.from({ length: 4 }, () => [1, 2, 3, 4, 5]));
  });

  it('PUMP-STORAGE the refresh writes the last payload into every slot, so a ring that failed its audit is whole again', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    const payload = payloadOf(3);
    for (let n = 1; n <= 3; n++) ring.write(n === 3 ? payload : payloadOf(n));
    // The caller's buffer may change after the write: the ring keeps its own copy.
    payload.fill(0);
    flash.erase(REGION);
    expect(ring.audit().ok && ring.audit()).toMatchObject({ intact: false });
    expect(ring.refresh()).toEqual({ ok: true });
    expect(ring.audit()).toEqual({ ok: true, intact: true, found: '' });
    const scan = scanOf(new RecordRing(flash, 'safety', REGION));
    expect(scan.copies.map((c) => [c.seq, c.payload])).toEqual([7, 6, 5, 4].map((seq) => [seq, [...payloadOf(3)]]));
  });

  it('PUMP-STORAGE the refresh after a boot rewrites the newest copy the scan found; a payload of another length replaces it', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    ring.write(payloadOf(1));
    const booted = new RecordRing(flash, 'safety', REGION);
    scanOf(booted);
    expect(booted.refresh()).toEqual({ ok: true });
    expect(scanOf(booted).copies.map((c) => c.payload)).toEqual(Array.from({ length: 4 }, () => [...payloadOf(1)]));
    booted.write(Uint8Array.from([7, 7, 7, 7, 7]));
    booted.refresh();
    expect(scanOf(booted).copies.map((c) => c.payload)).toEqual(Array.from({ length: 4 }, () => [7, 7, 7, 7, 7]));
    // The same payload object written again is kept as it is.
    const same = Uint8Array.from([4, 4, 4]);
    booted.write(same);
    booted.write(same);
    booted.refresh();
    expect(scanOf(booted).copies.map((c) => c.payload)).toEqual(Array.from({ length: 4 }, () => [4, 4, 4]));
  });

  it('PUMP-STORAGE the refresh of a ring with nothing written, or onto a flash that fails, answers an error', () => {
    const flash = new SimFlash(8, SLOT_BYTES);
    const { ring } = ringOn(flash);
    expect(ring.refresh()).toEqual({ ok: false, kind: 'other', detail: 'no safety record to write again' });
    ring.write(payloadOf(1));
    flash.setWritesFailing(true);
    expect(ring.refresh().ok).toBe(false);
  });
});
