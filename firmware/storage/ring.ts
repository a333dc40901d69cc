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
 * - `audit` checks, without moving the ring, the three slots boot depends on: the newest copy, the
 *   one before it and the slot after it. `refresh` rewrites the last payload into every slot, so a
 *   ring that failed its audit is whole again.
 */
import type { Done, HalResult, NvFlash } from '../../hal/index.ts';
import { halError } from '../../hal/index.ts';
import type { RecordKind } from './frame.ts';
import { FRAME_OVERHEAD_BYTES, decodeFrame, encodeFrameInto } from './frame.ts';
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
  /** Where the next copy is framed before it is programmed. */
  private readonly frame: Uint8Array;
  /** Payload of the last completed write (or of the newest copy found at boot), for `refresh`. */
  private lastPayload: Uint8Array | null = null;

  constructor(
    private readonly flash: NvFlash,
    readonly kind: RecordKind,
    private readonly region: SlotRegion,
  ) {
    this.buffer = new Uint8Array(flash.slotBytes);
    this.frame = new Uint8Array(flash.slotBytes);
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

  /**
   * True when the slots boot depends on hold what the writes since boot left there: the newest
   * copy (the last write, with its sequence number, in its slot), the copy before it (what a lost
   * newest write recovers to) and the slot after it (the oldest, where the boot's walk starts).
   * Three reads whatever the ring's size; damage deeper in a ring is overwritten as the ring turns,
   * and boot does not depend on it.
   */
  audit(): HalResult<{ ok: true; intact: boolean; found: string }> {
    const last = this.nextSeq - 1;
    if (last < 1) return { ok: true, intact: true, found: '' };
    for (const seq of [last, last - 1, last + 1 - this.region.slotCount]) {
      // `seq + slotCount` shares `seq`'s slot and is never negative: before the ring has wrapped,
      // the slot after the newest copy is that of copy `last + 1`.
      const slot = this.slotOf(seq + this.region.slotCount);
      const read = this.flash.read(slot, this.buffer);
      if (!read.ok) return read;
      const frame = decodeFrame(this.buffer);
      const asWritten = seq < 1 ? frame.status === 'erased' : frame.status === 'valid' && frame.kind === this.kind && frame.seq === seq;
      if (!asWritten) {
        const held = frame.status === 'valid' ? `copy ${frame.seq} of a ${frame.kind} record` : frame.status === 'corrupt' ? `a damaged frame (${frame.reason})` : 'erased flash';
        return { ok: true, intact: false, found: `slot ${slot} holds ${held}, not ${seq < 1 ? 'erased flash' : `copy ${seq}`}` };
      }
    }
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

  /** Writes `payload` as the next copy (the ring keeps its own copy of it, for `refresh`). */
  write(payload: Uint8Array): HalResult<Done> {
    const seq = this.nextSeq;
    const length = FRAME_OVERHEAD_BYTES + payload.length;
    if (length > this.flash.slotBytes) return halError('outOfRange', `${this.kind} record of ${length} bytes does not fit a ${this.flash.slotBytes}-byte slot`);
    encodeFrameInto(this.frame, this.kind, seq, payload);
    const written = this.flash.write(this.slotOf(seq), this.frame.subarray(0, length));
    if (!written.ok) return written;
    this.nextSeq = seq + 1;
    if (this.lastPayload !== null && this.lastPayload !== payload && this.lastPayload.length === payload.length) this.lastPayload.set(payload);
    else if (this.lastPayload !== payload) this.lastPayload = payload.slice();
    return written;
  }
}
