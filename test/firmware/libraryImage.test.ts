/**
 * The drug library as a stored image (firmware/libraryImage.ts): what it holds and how its check
 * fails.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../support/fc.ts';
import { HAI_FUDR_LIBRARY, planInfusion } from '../../firmware/index.ts';
import { LIBRARY_HEADER_BYTES, REFUSE_ALL_LIBRARY, decodeLibraryImage, encodeLibraryImage, libraryImageIntact } from '../../firmware/libraryImage.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { SEED_PRESCRIPTION } from '../support/prescription.ts';

describe('the drug library image (GIP-6.1.6)', () => {
  it('GIP-6.1.6 an image carries the library whole, with its version and CRC', () => {
    const image = encodeLibraryImage(HAI_FUDR_LIBRARY, 7);
    const check = decodeLibraryImage(image);
    if (!check.ok) throw new Error(check.reason);
    expect(check.library).toEqual(HAI_FUDR_LIBRARY);
    expect(check.version).toBe(7);
    expect(libraryImageIntact(image, check.crc)).toBe(true);
  });

  it('GIP-6.1.6 any flipped bit of an image is found, and a damaged header, length or band is named; nothing throws', () => {
    const image = encodeLibraryImage(HAI_FUDR_LIBRARY, 1);
    const good = decodeLibraryImage(image);
    if (!good.ok) throw new Error(good.reason);
    checkProperty(
      fc.property(fc.integer({ min: 0, max: image.length * 8 - 1 }), (bit) => {
        const bad = Uint8Array.from(image);
        bad[bit >> 3] = (bad[bit >> 3] as number) ^ (1 << (bit & 7));
        // A flip in the version field is a different version, not damage; anywhere else the check fails.
        const inVersion = bit >= 32 && bit < 64;
        expect(decodeLibraryImage(bad).ok).toBe(inVersion);
        if (bit >= LIBRARY_HEADER_BYTES * 8) expect(libraryImageIntact(bad, good.crc)).toBe(false);
      }),
      { seed: 0xd11b_0001, numRuns: 200 },
    );
    expect(decodeLibraryImage(new Uint8Array(0))).toEqual({ ok: false, reason: 'no library image header' });
    expect(decodeLibraryImage(image.subarray(0, image.length - 1)).ok).toBe(false);
    const softOutsideHard = { ...HAI_FUDR_LIBRARY, doseFactor: { hard: { min: 0.1, max: 1 }, soft: { min: 0.05, max: 1 }, unit: '' } };
    expect(decodeLibraryImage(encodeLibraryImage(softOutsideHard, 1))).toEqual({ ok: false, reason: 'band doseFactor: the soft band is not inside the hard one' });
    const { heightCm: _dropped, ...missing } = HAI_FUDR_LIBRARY;
    expect(decodeLibraryImage(encodeLibraryImage(missing as typeof HAI_FUDR_LIBRARY, 1))).toEqual({ ok: false, reason: 'band heightCm is missing or not a valid range' });
  });

  it('GIP-6.1.6 the library held when no image can be trusted passes no prescription', () => {
    const planned = planInfusion(SEED_PRESCRIPTION, NOMINAL_PORT_CONFIG, REFUSE_ALL_LIBRARY);
    expect(planned.ok).toBe(false);
  });
});
