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
 *   one before it and the slot after it. A slot whose content is known — the two newest copies
 *   (kept in RAM as written, or as read back at boot), erased flash before the ring has wrapped —
 *   must match word for word (a valid frame of the right copy with other content is damage too);
 *   the oldest copy of a wrapped ring is decoded. `refresh` rewrites
 *   the last payload into every slot, so a ring that failed its audit is whole again.
 */
import type { Done, HalResult, NvFlash } from '../../hal/index.ts';
import { ERASED_BYTE, halError } from '../../hal/index.ts';
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
  /** Where a slot is read, padded to whole 32-bit words (the padding stays erased). */
  private readonly buffer: Uint8Array;
  private readonly bufferWords: Uint32Array;
  /** Where the next copy is framed before it is programmed. */
  private readonly frame: Uint8Array;
  /** The frame's first bytes as last programmed, kept while the record keeps its length. */
  private framed: Uint8Array;
  /**
   * The slots of the newest copy and of the one before it as the flash should hold them (copy
   * `seq` at `seq & 1`: its frame, then erased bytes), so that an audit finds their frames intact
   * by comparing words; null: not known (not read back at boot), and the audit decodes that slot.
   */
  private readonly kept: [Uint32Array | null, Uint32Array | null] = [null, null];
  /** The words of each kept image that hold its frame (the rest is erased flash, which boot never reads). */
  private readonly keptWords: [number, number] = [0, 0];
  /** The two images `kept` points to once known, as words and as bytes, made once. */
  private readonly images: [Uint32Array, Uint32Array];
  private readonly imageBytes: [Uint8Array, Uint8Array];
  /** An erased slot, as `bufferWords` reads one. */
  private readonly erasedWords: Uint32Array;
  /** Payload of the last completed write (or of the newest copy found at boot), for `refresh`. */
  private lastPayload: Uint8Array | null = null;

  constructor(
    private readonly flash: NvFlash,
    readonly kind: RecordKind,
    private readonly region: SlotRegion,
  ) {
    const words = Math.ceil(flash.slotBytes / 4);
    this.bufferWords = new Uint32Array(words).fill(0xffffffff);
    this.buffer = new Uint8Array(this.bufferWords.buffer);
    this.erasedWords = new Uint32Array(words).fill(0xffffffff);
    this.frame = new Uint8Array(flash.slotBytes);
    this.framed = this.frame.subarray(0, 0);
    this.images = [new Uint32Array(words), new Uint32Array(words)];
    this.imageBytes = [new Uint8Array(this.images[0].buffer), new Uint8Array(this.images[1].buffer)];
  }

  private slotOf(seq: number): number {
    return this.region.firstSlot + (seq % this.region.slotCount);
  }

  /** Reads every slot of the ring; afterwards the next write follows the newest copy found. */
  scan(): HalResult<{ ok: true; scan: RingScan }> {
    const surveyed = this.survey();
    if (!surveyed.ok) return surveyed;
    const [newest, before] = surveyed.scan.copies;
    this.nextSeq = newest === undefined ? 1 : newest.seq + 1;
    this.lastPayload = newest?.payload ?? null;
    this.kept[0] = null;
    this.kept[1] = null;
    if (newest !== undefined) this.keep(newest.seq, newest.payload);
    if (newest !== undefined && before !== undefined && before.seq === newest.seq - 1) this.keep(before.seq, before.payload);
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
      // A slot whose content is known is compared with it; erased flash is known whole, so a slot
      // that should be erased and differs is damaged.
      const expected = seq < 1 ? this.erasedWords : seq >= last - 1 ? this.kept[seq & 1] : null;
      const words = seq < 1 ? this.erasedWords.length : (this.keptWords[seq & 1] ?? 0);
      const known = expected !== null && expected !== undefined;
      if (known && sameWords(this.bufferWords, expected, words)) continue;
      // Otherwise it is decoded: to judge the oldest copy, and to say what the slot holds. A known
      // slot that differs is damaged even when it holds a valid frame of the right copy: that frame
      // is not what was written (boot would take it for the record's true content).
      const frame = decodeFrame(this.buffer.subarray(0, this.flash.slotBytes));
      const rightCopy = seq >= 1 && frame.status === 'valid' && frame.kind === this.kind && frame.seq === seq;
      if (rightCopy && !known) continue;
      const held = rightCopy
        ? `copy ${seq} with other content than was written`
        : frame.status === 'valid' ? `copy ${frame.seq} of a ${frame.kind} record` : frame.status === 'corrupt' ? `a damaged frame (${frame.reason})` : 'erased flash';
      return { ok: true, intact: false, found: `slot ${slot} holds ${held}, not ${seq < 1 ? 'erased flash' : `copy ${seq}`}` };
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

  /** Frames copy `seq` of `payload` in `frame`; answers the framed bytes. */
  private frameCopy(seq: number, payload: Uint8Array): Uint8Array {
    const length = encodeFrameInto(this.frame, this.kind, seq, payload);
    if (this.framed.length !== length) this.framed = this.frame.subarray(0, length);
    return this.framed;
  }

  /** Keeps the slot of copy `seq` (its `framed` bytes) as the flash should hold it. */
  private keepFramed(seq: number, framed: Uint8Array): void {
    const at = seq & 1 ? 1 : 0;
    const bytes = this.imageBytes[at];
    bytes.set(framed);
    bytes.fill(ERASED_BYTE, framed.length);
    this.kept[at] = this.images[at];
    this.keptWords[at] = Math.ceil(framed.length / 4);
  }

  /** Keeps copy `seq` of `payload`, framed as its write framed it. */
  private keep(seq: number, payload: Uint8Array): void {
    this.keepFramed(seq, this.frameCopy(seq, payload));
  }

  /** Writes `payload` as the next copy (the ring keeps its own copy of it, for `refresh`). */
  write(payload: Uint8Array): HalResult<Done> {
    const seq = this.nextSeq;
    const length = FRAME_OVERHEAD_BYTES + payload.length;
    if (length > this.flash.slotBytes) return halError('outOfRange', `${this.kind} record of ${length} bytes does not fit a ${this.flash.slotBytes}-byte slot`);
    const framed = this.frameCopy(seq, payload);
    const written = this.flash.write(this.slotOf(seq), framed);
    if (!written.ok) return written;
    this.nextSeq = seq + 1;
    this.keepFramed(seq, framed);
    if (this.lastPayload !== null && this.lastPayload !== payload && this.lastPayload.length === payload.length) this.lastPayload.set(payload);
    else if (this.lastPayload !== payload) this.lastPayload = payload.slice();
    return written;
  }
}

/** The first `count` words of the two images are the same. */
function sameWords(a: Uint32Array, b: Uint32Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] !== b[i]) return false;
  return true;
}
