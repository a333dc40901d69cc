/**
 * Where each record lives in flash.
 *
 * Owns: the slot map — which slots each record kind rotates through — and the flash geometry the
 * firmware needs.
 * Promises: every record kind has its own ring of slots, so a damaged or worn slot of one record
 * never touches another. A ring of two slots is the classic A/B pair; the state record (ledger and
 * mode, written after every stroke) rotates through 64 slots to spread the erases (docs/storage.md,
 * flash wear).
 */
import type { RecordKind } from './frame.ts';

export interface SlotRegion {
  readonly firstSlot: number;
  readonly slotCount: number;
}

/** Smallest slot the layout fits in: a log entry with its longest detail. */
export const NV_SLOT_BYTES = 256;

export const NV_LAYOUT: Readonly<Record<RecordKind, SlotRegion>> = Object.freeze({
  device: { firstSlot: 0, slotCount: 2 },
  state: { firstSlot: 2, slotCount: 64 },
  plan: { firstSlot: 66, slotCount: 2 },
  safety: { firstSlot: 68, slotCount: 8 },
  link: { firstSlot: 76, slotCount: 8 },
  log: { firstSlot: 84, slotCount: 4096 },
});

/** Slots the layout needs. */
export const NV_SLOT_COUNT = 84 + 4096;

/** The record kind a slot belongs to, or null outside the layout. */
export function recordKindOfSlot(slot: number): RecordKind | null {
  for (const [kind, region] of Object.entries(NV_LAYOUT) as [RecordKind, SlotRegion][]) {
    if (slot >= region.firstSlot && slot < region.firstSlot + region.slotCount) return kind;
  }
  return null;
}
