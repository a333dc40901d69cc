/**
 * Non-volatile flash: the only memory that survives a power loss.
 *
 * Owns: the shape of the device's flash as the firmware sees it — equal slots, each the unit a
 * write erases (GIP 1.7.1 settings, 4.1.x event log, the dose ledger all live in it).
 * Promises:
 * - `read` copies a slot's bytes as they are now, whatever they hold: erased flash reads 0xFF;
 *   nothing is checked (the firmware checks its own records, firmware/storage/).
 * - `write` erases the slot and programs `bytes` from its start; the rest of the slot stays
 *   erased. A completed write returns `ok: true`; a write that fails returns a `HalError` and
 *   leaves the slot as it was.
 * - Flash is not perfect and the firmware must not trust it: a power cut inside a write leaves a
 *   prefix of the bytes, a cell can flip, an erase can fail and leave an older image.
 */
import type { Done, HalResult } from './result.ts';

/** Value of an erased flash byte. */
export const ERASED_BYTE = 0xff;

export interface NvFlash {
  readonly slotCount: number;
  readonly slotBytes: number;
  /** Copies the first `into.length` bytes of slot `slot` (all of it when `into` is `slotBytes` long or longer) into `into`. */
  read(slot: number, into: Uint8Array): HalResult<Done>;
  /** Erases slot `slot` and programs `bytes` (at most `slotBytes`) from its start. */
  write(slot: number, bytes: Uint8Array): HalResult<Done>;
}
