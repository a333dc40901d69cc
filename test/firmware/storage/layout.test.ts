/**
 * The slot map: every record kind has its own ring of slots, the rings do not overlap, and they
 * fill the layout exactly, so damage to one record's slots never reaches another's.
 */
import { describe, expect, it } from 'vitest';
import { RECORD_KINDS } from '../../../firmware/storage/frame.ts';
import { NV_LAYOUT, NV_SLOT_COUNT, recordKindOfSlot } from '../../../firmware/storage/layout.ts';

describe('the slot map', () => {
  it('PUMP-STORAGE each slot belongs to exactly one record kind, the kinds lie end to end from slot 0 to the layout’s end, and a slot outside belongs to none', () => {
    const owners = Array.from({ length: NV_SLOT_COUNT }, (_, slot) => RECORD_KINDS.filter((k) => slot >= NV_LAYOUT[k].firstSlot && slot < NV_LAYOUT[k].firstSlot + NV_LAYOUT[k].slotCount));
    expect(owners.every((o) => o.length === 1)).toBe(true);
    for (let slot = 0; slot < NV_SLOT_COUNT; slot++) expect(recordKindOfSlot(slot)).toBe(owners[slot]?.[0]);
    for (const slot of [-1, NV_SLOT_COUNT, NV_SLOT_COUNT + 1, 0.5 - 1]) expect(recordKindOfSlot(slot)).toBeNull();
    // The boundaries, written out: a ring's first and last slots are its own, the next slot is the next ring's.
    expect(RECORD_KINDS.map((k) => [recordKindOfSlot(NV_LAYOUT[k].firstSlot), recordKindOfSlot(NV_LAYOUT[k].firstSlot + NV_LAYOUT[k].slotCount - 1)])).toEqual(RECORD_KINDS.map((k) => [k, k]));
    expect([recordKindOfSlot(0), recordKindOfSlot(1), recordKindOfSlot(2), recordKindOfSlot(65), recordKindOfSlot(66), recordKindOfSlot(NV_SLOT_COUNT - 1)]).toEqual(['device', 'device', 'state', 'state', 'plan', 'log']);
  });
});
