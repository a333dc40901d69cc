/**
 * A record kept in a ring of flash slots: every write goes to the oldest slot, boot takes the
 * newest valid copy.
 *
 * Owns: the sequence numbers of one record, where its next copy goes, and what a scan of its slots
 * found.
 * Promises:
 * - Copy `seq` lives in slot `firstSlot + seq mod slotCount`, so the slot after the newest copy is
 *   the oldest one, and the next write goes there: a write never touches the newest copy.
 * - `scan` reads every slot. The newest copy is the valid frame of this kind with the highest
 *   sequence number that sits in its own slot (a copy found in another copy's slot is an image an
 *   erase failed to remove: corrupt). `lostWrites` counts the slots after the newest that do not
 *   hold what they should (the older copy, or erased flash before the ring has wrapped): 0 when the
 *   newest copy is the last one written, 1 when the write after it was torn, flipped or put back
 *   to an older image. More than one cannot be told from a longer loss, so the caller treats it as
 *   damage.
 * - A failed write leaves the ring where it was: the next attempt reuses its slot and number.
 * - `audit` surveys the ring without moving it: intact when its newest copy is the last write and
 *   every other slot holds an older copy or erased flash not yet reached. `refresh` rewrites the
 *   last payload into every slot, so a ring that failed its audit is whole again.
 */
import type { Done, HalResult, NvFlash } from '../../hal/index.ts';
import { halError } from '../../hal/index.ts';
import type { RecordKind } from './frame.ts';
import { decodeFrame, encodeFrame } from './frame.ts';
import type { SlotRegion } from './layout.ts';

export interface RingCopy {
  readonly seq: number;
  readonly slot: number;
  readonly payload: Uint8Array;
}

export interface RingScan {
  /** Valid copies, newest first. */
  readonly copies: readonly RingCopy[];
  /** Slots holding something that is neither erased flash nor a valid copy of this record, by reason. */
  readonly corrupt: readonly { readonly slot: number; readonly reason: string }[];
  /** Slots after the newest copy that do not hold what they should: writes that may have been lost. */
  readonly lostWrites: number;
}

export class RecordRing {
  private nextSeq = 1;
  private readonly buffer: Uint8Array;
  /** Payload of the last completed write (or of the newest copy found at boot), for `refresh`. */
  private lastPayload: Uint8Array | null = null;

  constructor(
    private readonly flash: NvFlash,
    readonly kind: RecordKind,
    private readonly region: SlotRegion,
  ) {
    this.buffer = new Uint8Array(flash.slotBytes);
  }

  private slotOf(seq: number): number {
    return this.region.firstSlot + (seq % this.region.slotCount);
  }

  /** Reads every slot of the ring; afterwards the next write follows the newest copy found. */
  scan(): HalResult<{ ok: true; scan: RingScan }> {
    const surveyed = this.survey();
    if (!surveyed.ok) return surveyed;
    const newest = surveyed.scan.copies[0];
    this.nextSeq = newest === undefined ? 1 : newest.seq + 1;
    this.lastPayload = newest?.payload ?? null;
    return surveyed;
  }

  /** True when the ring holds what its writes since boot left, and nothing else. */
  audit(): HalResult<{ ok: true; intact: boolean; found: string }> {
    const surveyed = this.survey();
    if (!surveyed.ok) return surveyed;
    const { copies, corrupt, lostWrites } = surveyed.scan;
    const newest = copies[0];
    if (newest === undefined) return { ok: true, intact: this.nextSeq === 1, found: 'no valid copy' };
    if (newest.seq !== this.nextSeq - 1) return { ok: true, intact: false, found: `newest copy ${newest.seq}, last written ${this.nextSeq - 1}` };
    if (corrupt.length > 0) return { ok: true, intact: false, found: `slot ${corrupt[0]?.slot}: ${corrupt[0]?.reason}` };
    if (lostWrites > 0) return { ok: true, intact: false, found: `${lostWrites} slots after the newest copy hold neither an older copy nor erased flash` };
    return { ok: true, intact: true, found: '' };
  }

  /** Writes the last payload into every slot of the ring, newest last. */
  refresh(): HalResult<Done> {
    const payload = this.lastPayload;
    if (payload === null) return halError('other', `no ${this.kind} record to write again`);
    for (let i = 0; i < this.region.slotCount; i++) {
      const written = this.write(payload);
      if (!written.ok) return written;
    }
    return { ok: true };
  }

  private survey(): HalResult<{ ok: true; scan: RingScan }> {
    const copies: RingCopy[] = [];
    const corrupt: { slot: number; reason: string }[] = [];
    const bySlot = new Map<number, 'erased' | 'corrupt' | number>();
    for (let i = 0; i < this.region.slotCount; i++) {
      const slot = this.region.firstSlot + i;
      const read = this.flash.read(slot, this.buffer);
      if (!read.ok) return read;
      const frame = decodeFrame(this.buffer.subarray(0, this.flash.slotBytes));
      if (frame.status === 'erased') {
        bySlot.set(slot, 'erased');
      } else if (frame.status === 'corrupt') {
        bySlot.set(slot, 'corrupt');
        corrupt.push({ slot, reason: frame.reason });
      } else if (frame.kind !== this.kind) {
        bySlot.set(slot, 'corrupt');
        corrupt.push({ slot, reason: `a ${frame.kind} record in a ${this.kind} slot` });
      } else if (this.slotOf(frame.seq) !== slot) {
        bySlot.set(slot, 'corrupt');
        corrupt.push({ slot, reason: `copy ${frame.seq} out of its slot (an older image)` });
      } else {
        bySlot.set(slot, frame.seq);
        copies.push({ seq: frame.seq, slot, payload: frame.payload });
      }
    }
    copies.sort((a, b) => b.seq - a.seq);
    const newest = copies[0];
    let lostWrites = 0;
    if (newest !== undefined) {
      // Walk forward from the newest copy while the slots disagree with a ring whose last write it was.
      for (let k = 1; k < this.region.slotCount; k++) {
        const expectedSeq = newest.seq + k - this.region.slotCount;
        const found = bySlot.get(this.slotOf(newest.seq + k));
        const asExpected = expectedSeq < 1 ? found === 'erased' : found === expectedSeq;
        if (asExpected) break;
        lostWrites++;
      }
    } else {
      // No valid copy: any slot holding something may be a lost write.
      lostWrites = corrupt.length;
    }
    return { ok: true, scan: { copies, corrupt, lostWrites } };
  }

  /** Writes `payload` as the next copy. */
  write(payload: Uint8Array): HalResult<Done> {
    const seq = this.nextSeq;
    const bytes = encodeFrame(this.kind, seq, payload);
    if (bytes.length > this.flash.slotBytes) return halError('outOfRange', `${this.kind} record of ${bytes.length} bytes does not fit a ${this.flash.slotBytes}-byte slot`);
    const written = this.flash.write(this.slotOf(seq), bytes);
    if (!written.ok) return written;
    this.nextSeq = seq + 1;
    this.lastPayload = payload;
    return written;
  }
}
