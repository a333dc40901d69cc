/**
 * The pump's flash memory, with the ways real flash fails.
 *
 * Owns: the bytes of every slot, the wear of each slot (erase count), the write statistics, and
 * the storage faults a scenario injects: flipped bits, torn writes, an older image put back, an
 * erased region, failing writes, power lost in the middle of a write.
 * Promises:
 * - As a device's flash: a write erases its slot and programs the bytes from its start; a read
 *   copies the slot as it is. Nothing is checked here (the firmware checks its records).
 * - A torn write programs a prefix of its bytes (drawn from the fault's stream) and leaves the
 *   rest erased, and reports success: the flash cannot tell.
 * - While unpowered (after a power cut inside a write, until the firmware is off) writes change
 *   nothing: a CPU without power programs no flash.
 * - Faults draw their positions from the draws they are given (keyed streams of the run's seed),
 *   never from `Math.random`.
 */
import type { Done, HalResult, NvFlash } from '../../../hal/index.ts';
import { DONE, ERASED_BYTE, halError } from '../../../hal/index.ts';
import type { SlotRegion } from '../../../firmware/index.ts';
import { NV_SLOT_BYTES, NV_SLOT_COUNT } from '../../../firmware/index.ts';

/** A tear armed for the next write into `region` (any slot when null). */
interface ArmedTear {
  readonly region: SlotRegion | null;
  /** Fraction of the bytes programmed, in [0, 1). */
  readonly fraction: number;
  readonly after?: () => void;
}

/**
 * A probe on the flash bus: hears every write into `region` that a powered flash received, with
 * the bytes that crossed the bus (all of them for a write the flash failed to program; the prefix
 * for a torn one). The bytes are valid only during the call.
 */
export interface FlashProbe {
  readonly region: SlotRegion;
  heard(slot: number, sent: Uint8Array): void;
}

export interface FlashStats {
  readonly writes: number;
  readonly bytesWritten: number;
  readonly failedWrites: number;
  readonly tornWrites: number;
  /** Erases of the most-erased slot. */
  readonly maxSlotErases: number;
}

const inRegion = (slot: number, r: SlotRegion): boolean => slot >= r.firstSlot && slot < r.firstSlot + r.slotCount;

export class SimFlash implements NvFlash {
  readonly slotCount: number;
  readonly slotBytes: number;
  private readonly cells: Uint8Array;
  /** Bytes programmed into each slot by its last write. */
  private readonly programmed: Uint16Array;
  private readonly erases: Uint32Array;
  /** The write count when each slot was last written: the newest copy of a region has the highest. */
  private readonly writtenAt: Float64Array;
  private writes = 0;
  private bytesWritten = 0;
  private failedWrites = 0;
  private tornWrites = 0;
  private failing = false;
  private tears: ArmedTear[] = [];
  /** Images of past writes for the regions a stale-record fault will need, newest last. */
  private readonly history = new Map<SlotRegion, { slot: number; bytes: Uint8Array }[]>();
  private readonly historyDepth = new Map<SlotRegion, number>();
  powered = true;
  /** The probe on the flash bus, if one is attached. */
  probe: FlashProbe | null = null;

  constructor(slotCount = NV_SLOT_COUNT, slotBytes = NV_SLOT_BYTES) {
    this.slotCount = slotCount;
    this.slotBytes = slotBytes;
    this.cells = new Uint8Array(slotCount * slotBytes).fill(ERASED_BYTE);
    this.programmed = new Uint16Array(slotCount);
    this.erases = new Uint32Array(slotCount);
    this.writtenAt = new Float64Array(slotCount);
  }

  read(slot: number, into: Uint8Array): HalResult<Done> {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slotCount) return halError('outOfRange', `slot ${slot} outside 0–${this.slotCount - 1}`);
    const base = slot * this.slotBytes;
    into.set(this.cells.subarray(base, base + Math.min(into.length, this.slotBytes)));
    return DONE;
  }

  write(slot: number, bytes: Uint8Array): HalResult<Done> {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slotCount) return halError('outOfRange', `slot ${slot} outside 0–${this.slotCount - 1}`);
    if (bytes.length > this.slotBytes) return halError('outOfRange', `${bytes.length} bytes do not fit a ${this.slotBytes}-byte slot`);
    if (!this.powered) return DONE;
    if (this.failing) {
      this.failedWrites++;
      // The bytes crossed the bus; the flash failed to program them.
      if (this.probe !== null && inRegion(slot, this.probe.region)) this.probe.heard(slot, bytes);
      return halError('other', 'flash write failed');
    }
    const tear = this.tears.length === 0 ? null : this.takeTear(slot);
    const length = tear === null ? bytes.length : Math.floor(tear.fraction * bytes.length);
    const base = slot * this.slotBytes;
    this.cells.set(tear === null ? bytes : bytes.subarray(0, length), base);
    this.cells.fill(ERASED_BYTE, base + length, base + this.slotBytes);
    this.programmed[slot] = length;
    this.erases[slot] = (this.erases[slot] as number) + 1;
    this.writes++;
    this.writtenAt[slot] = this.writes;
    this.bytesWritten += length;
    if (tear) this.tornWrites++;
    if (this.history.size > 0) this.remember(slot);
    if (this.probe !== null && inRegion(slot, this.probe.region)) this.probe.heard(slot, this.cells.subarray(base, base + length));
    if (tear?.after) {
      this.powered = false;
      tear.after();
    }
    return DONE;
  }

  /** The first armed tear that applies to `slot`, disarmed; null when none does. */
  private takeTear(slot: number): ArmedTear | null {
    const at = this.tears.findIndex((t) => t.region === null || inRegion(slot, t.region));
    return at < 0 ? null : (this.tears.splice(at, 1)[0] ?? null);
  }

  get stats(): FlashStats {
    let maxSlotErases = 0;
    for (const e of this.erases) if (e > maxSlotErases) maxSlotErases = e;
    return { writes: this.writes, bytesWritten: this.bytesWritten, failedWrites: this.failedWrites, tornWrites: this.tornWrites, maxSlotErases };
  }

  /** Erases of the slots [firstSlot, firstSlot + count): how often that region was written. */
  erasesIn(firstSlot: number, count: number): number {
    let n = 0;
    for (let i = firstSlot; i < firstSlot + count && i < this.slotCount; i++) n += this.erases[i] as number;
    return n;
  }

  // --- the faults a scenario injects ------------------------------------------------------------

  /** Writes fail (the slot is left as it was) until turned off again. */
  setWritesFailing(failing: boolean): void {
    this.failing = failing;
  }

  /**
   * The next write into `region` (any region when null) stops after `fraction` of its bytes;
   * `after` runs once it has (a power cut inside the write).
   */
  tearNextWrite(region: SlotRegion | null, fraction: number, after?: () => void): void {
    this.tears.push({ region, fraction: Math.min(Math.max(fraction, 0), 0.999999), ...(after ? { after } : {}) });
  }

  /**
   * Flips `bits` bits of a copy in `region` — the newest, or the one `copyAge` writes before it —
   * at positions drawn by `draw` (uniform in [0, 1)).
   */
  flipBits(region: SlotRegion, bits: number, draw: () => number, copyAge = 0): void {
    const slot = this.slotByAge(region, copyAge);
    const length = Math.max(1, this.programmed[slot] as number);
    for (let i = 0; i < bits; i++) {
      const bit = Math.floor(draw() * length * 8);
      const at = slot * this.slotBytes + (bit >> 3);
      this.cells[at] = (this.cells[at] as number) ^ (1 << (bit & 7));
    }
  }

  /** Keeps the images of the last `depth` writes into `region`, for `revert`. */
  keepHistory(region: SlotRegion, depth: number): void {
    this.historyDepth.set(region, Math.max(depth + 1, this.historyDepth.get(region) ?? 0));
    if (!this.history.has(region)) this.history.set(region, []);
  }

  /**
   * The newest copy in `region` is replaced by the image written `ageWrites` writes earlier (an
   * erase that failed and left an older image). False when no such image was kept.
   */
  revert(region: SlotRegion, ageWrites: number): boolean {
    const images = this.history.get(region) ?? [];
    const newest = images.at(-1);
    const old = images.at(-1 - ageWrites);
    if (newest === undefined || old === undefined) return false;
    const base = newest.slot * this.slotBytes;
    this.cells.fill(ERASED_BYTE, base, base + this.slotBytes);
    this.cells.set(old.bytes, base);
    this.programmed[newest.slot] = old.bytes.length;
    return true;
  }

  /** Every slot of `region` (all of the flash when null) reads as erased flash. */
  erase(region: SlotRegion | null): void {
    const first = region?.firstSlot ?? 0;
    const count = region?.slotCount ?? this.slotCount;
    this.cells.fill(ERASED_BYTE, first * this.slotBytes, (first + count) * this.slotBytes);
    this.programmed.fill(0, first, first + count);
  }

  /** The slot of `region` written last (age 0), or `age` slots written before it. */
  private slotByAge(region: SlotRegion, age: number): number {
    const slots = Array.from({ length: region.slotCount }, (_, i) => region.firstSlot + i);
    slots.sort((a, b) => (this.writtenAt[b] as number) - (this.writtenAt[a] as number));
    return slots[Math.min(age, slots.length - 1)] as number;
  }

  private remember(slot: number): void {
    for (const [region, images] of this.history) {
      if (!inRegion(slot, region)) continue;
      images.push({ slot, bytes: this.cells.slice(slot * this.slotBytes, slot * this.slotBytes + (this.programmed[slot] as number)) });
      const depth = this.historyDepth.get(region) ?? 1;
      if (images.length > depth) images.splice(0, images.length - depth);
    }
  }
}
