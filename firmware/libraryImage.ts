/**
 * The drug library as a stored image: a header with its version and CRC, then the limits.
 *
 * Owns: the image format (`encodeLibraryImage`, which the pharmacy's tool and the simulator's
 * provisioning use) and its check (`decodeLibraryImage`), at boot and in every periodic self-check
 * (GIP 6.1.6, Open PCA R8.1.0(4), EC19).
 * Promises: an image is 16 header bytes — magic "DLIB", version (u32), payload length (u32),
 * CRC-32 of the payload (u32), big-endian — then the library as UTF-8 JSON. `decodeLibraryImage`
 * answers the library only when the magic, the length, the CRC and every band hold (finite, min ≤
 * max, the soft band inside the hard one); otherwise it names what failed and never throws.
 * `REFUSE_ALL_LIBRARY` is what the statechart holds when no image can be trusted: every band is
 * empty, so no prescription passes.
 */
import type { DrugLibrary, LimitBand } from './drugLibrary.ts';
import { crc32 } from './storage/crc32.ts';
import { utf8Decode, utf8Encode } from './storage/frame.ts';

const MAGIC = [0x44, 0x4c, 0x49, 0x42]; // "DLIB"
export const LIBRARY_HEADER_BYTES = 16;
/** Largest payload an image may declare (the store's region). */
export const LIBRARY_MAX_PAYLOAD_BYTES = 16_384;

/** The bands a library has, in the order the image's check walks them. */
export const LIBRARY_BANDS = [
  'weightKg', 'heightCm', 'bsaM2', 'fudrMgPerKgPerDay', 'fudrMgPerDay', 'fudrMgPerMl', 'dexamethasoneMgPerM2PerDay',
  'dexamethasoneMgPerDay', 'dexamethasoneMgPerMl', 'heparinUnitsPerMl', 'infusionDays', 'doseFactor', 'heparinLockVolumeMl', 'heparinLockUnitsPerMl',
] as const satisfies readonly (keyof DrugLibrary)[];

export type LibraryImageCheck =
  | { readonly ok: true; readonly library: DrugLibrary; readonly version: number; readonly crc: number }
  | { readonly ok: false; readonly reason: string };

const EMPTY_BAND: LimitBand = Object.freeze({ hard: { min: 1, max: 0 }, soft: { min: 1, max: 0 }, unit: '' });

export const REFUSE_ALL_LIBRARY: DrugLibrary = Object.freeze({
  name: 'no valid drug library',
  ...(Object.fromEntries(LIBRARY_BANDS.map((b) => [b, EMPTY_BAND])) as Record<(typeof LIBRARY_BANDS)[number], LimitBand>),
});

function u32(bytes: Uint8Array, at: number): number {
  return (((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number)) >>> 0;
}

function putU32(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = (v >>> 24) & 0xff;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}

/** The image of `library` at `version`. */
export function encodeLibraryImage(library: DrugLibrary, version: number): Uint8Array {
  const payload = utf8Encode(JSON.stringify(library), LIBRARY_MAX_PAYLOAD_BYTES);
  const image = new Uint8Array(LIBRARY_HEADER_BYTES + payload.length);
  image.set(MAGIC, 0);
  putU32(image, 4, version);
  putU32(image, 8, payload.length);
  putU32(image, 12, crc32(payload));
  image.set(payload, LIBRARY_HEADER_BYTES);
  return image;
}

function isRange(v: unknown): v is { min: number; max: number } {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r['min'] === 'number' && typeof r['max'] === 'number' && Number.isFinite(r['min']) && Number.isFinite(r['max']) && r['min'] <= r['max'];
}

/** The library in `bytes`, if the image is whole; otherwise what is wrong with it. */
export function decodeLibraryImage(bytes: Uint8Array): LibraryImageCheck {
  if (bytes.length < LIBRARY_HEADER_BYTES || MAGIC.some((m, i) => bytes[i] !== m)) return { ok: false, reason: 'no library image header' };
  const version = u32(bytes, 4);
  const length = u32(bytes, 8);
  if (length > LIBRARY_MAX_PAYLOAD_BYTES || LIBRARY_HEADER_BYTES + length !== bytes.length) return { ok: false, reason: `payload length ${length} does not match the image (${bytes.length - LIBRARY_HEADER_BYTES} bytes)` };
  const payload = bytes.subarray(LIBRARY_HEADER_BYTES);
  const crc = crc32(payload);
  if (crc !== u32(bytes, 12)) return { ok: false, reason: `CRC mismatch (stored ${u32(bytes, 12).toString(16).padStart(8, '0')}, computed ${crc.toString(16).padStart(8, '0')})` };
  const text = utf8Decode(payload);
  let parsed: unknown;
  try {
    parsed = text === null ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, reason: 'the payload is not a library' };
  const lib = parsed as Record<string, unknown>;
  if (typeof lib['name'] !== 'string') return { ok: false, reason: 'the library has no name' };
  for (const key of LIBRARY_BANDS) {
    const band = lib[key] as Record<string, unknown> | undefined;
    if (typeof band !== 'object' || band === null || !isRange(band['hard']) || !isRange(band['soft']) || typeof band['unit'] !== 'string') return { ok: false, reason: `band ${key} is missing or not a valid range` };
    const hard = band['hard'];
    const soft = band['soft'];
    if (soft.min < hard.min || soft.max > hard.max) return { ok: false, reason: `band ${key}: the soft band is not inside the hard one` };
  }
  return { ok: true, library: Object.freeze(parsed as DrugLibrary), version, crc };
}

/** The CRC-32 of the image's payload as stored, and whether it matches: the periodic check's cheap half. */
export function libraryImageIntact(bytes: Uint8Array, expectedCrc: number): boolean {
  if (bytes.length < LIBRARY_HEADER_BYTES) return false;
  return u32(bytes, 12) === expectedCrc && crc32(bytes, LIBRARY_HEADER_BYTES) === expectedCrc;
}
