/**
 * The drug library's store, simulated: the flash region holding the library image.
 *
 * Owns: the image the pump was loaded with (the firmware's library at `SIMULATED_LIBRARY_VERSION`,
 * encoded as the pharmacy's tool would), and its corruption (a `drugLibraryCorruption` fault).
 * Promises: `read()` hands a copy of the bytes as they are; `corrupt(draw)` flips one bit of the
 * payload at a position drawn from `draw` (in [0, 1)), so the image no longer matches its CRC.
 */
import type { Clock, DrugLibraryImageRead, DrugLibraryStore, HalResult } from '../../../hal/index.ts';
import { HAI_FUDR_LIBRARY, LIBRARY_HEADER_BYTES, encodeLibraryImage } from '../../../firmware/index.ts';

/** The version of the library image a simulated pump is loaded with. */
export const SIMULATED_LIBRARY_VERSION = 1;

export class SimDrugLibraryStore implements DrugLibraryStore {
  private readonly bytes: Uint8Array;

  constructor(
    private readonly clock: Clock,
    image: Uint8Array = encodeLibraryImage(HAI_FUDR_LIBRARY, SIMULATED_LIBRARY_VERSION),
  ) {
    this.bytes = Uint8Array.from(image);
  }

  /** One bit of the payload flips (a cell of the region failed). */
  corrupt(draw: number): void {
    const payload = this.bytes.length - LIBRARY_HEADER_BYTES;
    const bit = Math.min(payload * 8 - 1, Math.floor(draw * payload * 8));
    const at = LIBRARY_HEADER_BYTES + (bit >> 3);
    this.bytes[at] = (this.bytes[at] as number) ^ (1 << (bit & 7));
  }

  read(): HalResult<DrugLibraryImageRead> {
    return { ok: true, atMs: this.clock.nowMs(), bytes: Uint8Array.from(this.bytes) };
  }
}
