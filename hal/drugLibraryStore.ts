/**
 * The drug library's store: the region of flash the pharmacy's tool loads the library image into.
 *
 * Owns: handing the firmware the image's bytes as they are in flash.
 * Promises: `read()` copies the whole image now, whatever it holds (the firmware checks its own
 * header and CRC, firmware/libraryImage.ts); a store that does not answer returns a `HalError`.
 */
import type { HalResult } from './result.ts';

export interface DrugLibraryImageRead {
  readonly ok: true;
  readonly atMs: number;
  readonly bytes: Uint8Array;
}

export interface DrugLibraryStore {
  read(): HalResult<DrugLibraryImageRead>;
}
