/**
 * The simulated secure element: the HAL's `SecureElement` over `node:crypto`.
 *
 * Owns: the keys of one simulated unit, by key id, and the tag check.
 * Promises: `verifyTag` is HMAC-SHA256 (RFC 2104) under the key of `keyId`, truncated to the
 * tag's length (16–32 bytes), compared with `timingSafeEqual`; an unknown key id or a tag of
 * another length answers false; it never throws. No call reads a key back: only the manufacture
 * step that built the element holds it (and hands it to the unit's paired programmer).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SecureElement } from '../../../hal/index.ts';
import { MIN_TAG_BYTES } from '../../../hal/index.ts';
import { SeededRandom, streamId } from '../rng.ts';

/** Bytes of a link key: 256 bits, the HMAC-SHA256 block's natural key length. */
export const LINK_KEY_BYTES = 32;

/** HMAC-SHA256 of `message` under `key`. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(message).digest());
}

/**
 * A unit's link key, drawn at manufacture from the seed's own `linkKey` stream: random, not
 * derived from the serial number (two units with one serial get different keys from different
 * seeds, and knowing the serial tells nothing about the key).
 */
export function manufactureLinkKey(deviceSeed: number): Uint8Array {
  const draws = new SeededRandom(deviceSeed, streamId('linkKey'));
  const key = new Uint8Array(LINK_KEY_BYTES);
  for (let i = 0; i < LINK_KEY_BYTES; i++) key[i] = draws.nextUint32() & 0xff;
  return key;
}

export class SimSecureElement implements SecureElement {
  private readonly keys: ReadonlyMap<number, Uint8Array>;

  constructor(keys: ReadonlyMap<number, Uint8Array>) {
    this.keys = new Map([...keys].map(([id, k]) => [id, Uint8Array.from(k)]));
  }

  verifyTag(keyId: number, message: Uint8Array, tag: Uint8Array): boolean {
    const key = this.keys.get(keyId);
    if (key === undefined || !(message instanceof Uint8Array) || !(tag instanceof Uint8Array)) return false;
    if (tag.length < MIN_TAG_BYTES || tag.length > 32) return false;
    const full = hmacSha256(key, message);
    return timingSafeEqual(full.subarray(0, tag.length), tag);
  }
}
