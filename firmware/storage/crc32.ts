/**
 * CRC-32 as flash records carry it.
 *
 * Owns: the checksum of every stored record and log entry.
 * Promises: the IEEE 802.3 CRC-32 (reflected polynomial 0xEDB88320, initial value and final XOR
 * 0xFFFFFFFF; the one zlib, PNG and Ethernet use), table-driven, one table look-up a byte as a
 * microcontroller without a CRC engine computes it (the loop unrolled by four). It detects every burst error up to 32 bits and
 * every odd number of flipped bits in a record (Koopman, "32-bit cyclic redundancy codes for
 * Internet applications", DSN 2002). A test checks it against node:zlib's crc32.
 */

/** The CRC of each byte value, as signed 32-bit words (the register is kept as a signed int32). */
const TABLE: Int32Array = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = -1;
  let i = start;
  // Four bytes a round, then the rest one at a time (docs/performance.md, the flash store).
  for (; i + 4 <= end; i += 4) {
    c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
    c = (TABLE[(c ^ (bytes[i + 1] as number)) & 0xff] as number) ^ (c >>> 8);
    c = (TABLE[(c ^ (bytes[i + 2] as number)) & 0xff] as number) ^ (c >>> 8);
    c = (TABLE[(c ^ (bytes[i + 3] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  for (; i < end; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
