/**
 * The secure element: the device's key store and MAC engine, as a part soldered on the board.
 *
 * Owns: the one operation the firmware needs from it — checking a message authentication tag
 * under a key it holds.
 * Promises:
 * - Keys are provisioned into the element at manufacture, each under a key id, and never leave
 *   it: there is no call that reads a key.
 * - `verifyTag` answers true only when `tag` equals the first `tag.length` bytes of
 *   HMAC-SHA256(key[keyId], message) (RFC 2104, FIPS 198-1), compared in constant time; an
 *   unknown key id, or a tag shorter than 16 bytes (128 bits) or longer than 32, answers false.
 *   It never throws.
 */
export interface SecureElement {
  verifyTag(keyId: number, message: Uint8Array, tag: Uint8Array): boolean;
}

/** Shortest tag the element accepts: 128 bits of the HMAC-SHA256 output (NIST SP 800-107 §5.3.4). */
export const MIN_TAG_BYTES = 16;
