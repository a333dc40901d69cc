/**
 * The command link's frame: how one command travels from a programmer to the pump.
 *
 * Owns: the byte layout of a link frame, building the signed part of one (for programmers and
 * tests), and parsing one back defensively.
 * Promises:
 * - Layout (little-endian; docs/link.md): magic u16 `0x4B4C` ("LK"), version u8 (1), key id u8
 *   (1–254), counter u32 (≥ 1), device id (u8 length 1–32 + UTF-8), payload length u16 (1–512),
 *   payload (the command as JSON, UTF-8), tag (16 bytes: the first 128 bits of HMAC-SHA256 under
 *   the key `keyId` names, over every byte before the tag).
 * - `parseLinkFrame` never throws and trusts no byte: anything but a `Uint8Array` of one frame,
 *   exactly as long as its own lengths say and no longer than `LINK_FRAME_MAX_BYTES`, is refused
 *   with the reason (`malformed`, `truncated`, `oversized`). Parsing does not authenticate: the
 *   tag is checked by the secure element (link.ts), before any field but the lengths is used.
 */
import { ByteWriter, utf8Decode, utf8Encode } from '../storage/frame.ts';

export const LINK_FRAME_MAGIC = 0x4b4c;
export const LINK_FRAME_VERSION = 1;
/** Bytes of the tag kept: 128 bits of HMAC-SHA256. */
export const LINK_TAG_BYTES = 16;
export const LINK_DEVICE_ID_MAX_BYTES = 32;
export const LINK_PAYLOAD_MAX_BYTES = 512;
/** Key ids 0 and 255 are never provisioned (erased and blank parts read as them). */
export const LINK_KEY_ID_RANGE = Object.freeze({ min: 1, max: 254 });
/** magic, version, key id, counter, device id length. */
const FIXED_HEAD_BYTES = 2 + 1 + 1 + 4 + 1;
/** The longest frame the parser reads; anything longer is refused before it is looked at. */
export const LINK_FRAME_MAX_BYTES = FIXED_HEAD_BYTES + LINK_DEVICE_ID_MAX_BYTES + 2 + LINK_PAYLOAD_MAX_BYTES + LINK_TAG_BYTES;

export interface LinkFrameFields {
  readonly keyId: number;
  readonly counter: number;
  readonly deviceId: string;
  /** The command as its JSON text. */
  readonly payload: string;
}

export interface ParsedLinkFrame extends LinkFrameFields {
  /** Every byte before the tag: what the tag authenticates. */
  readonly signed: Uint8Array;
  readonly tag: Uint8Array;
}

export type LinkRefusalKind = 'malformed' | 'truncated' | 'oversized';
export type LinkParse = { readonly ok: true; readonly frame: ParsedLinkFrame } | { readonly ok: false; readonly kind: LinkRefusalKind; readonly reason: string };

/**
 * The signed part of a frame (everything the tag covers), for a programmer to sign and append the
 * tag to. Throws on fields outside the layout: a programmer's own error, never the pump's input.
 */
export function encodeLinkFrameBody(f: LinkFrameFields): Uint8Array {
  const id = utf8Encode(f.deviceId, LINK_DEVICE_ID_MAX_BYTES);
  const payload = utf8Encode(f.payload, LINK_PAYLOAD_MAX_BYTES + 1);
  if (!Number.isInteger(f.keyId) || f.keyId < 0 || f.keyId > 255) throw new Error(`key id ${f.keyId} is not a byte`);
  if (!Number.isInteger(f.counter) || f.counter < 0 || f.counter > 0xffffffff) throw new Error(`counter ${f.counter} is not a u32`);
  if (payload.length > LINK_PAYLOAD_MAX_BYTES) throw new Error(`payload of ${payload.length} bytes is longer than ${LINK_PAYLOAD_MAX_BYTES}`);
  const w = new ByteWriter(FIXED_HEAD_BYTES + id.length + 2 + payload.length);
  w.u8(LINK_FRAME_MAGIC & 0xff).u8(LINK_FRAME_MAGIC >> 8).u8(LINK_FRAME_VERSION).u8(f.keyId).u32(f.counter).u8(id.length);
  for (const b of id) w.u8(b);
  w.u8(payload.length & 0xff).u8(payload.length >> 8);
  for (const b of payload) w.u8(b);
  return w.finish();
}

/** A signed body with its tag appended: the bytes that go on air. */
export function withTag(body: Uint8Array, tag: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + tag.length);
  out.set(body);
  out.set(tag, body.length);
  return out;
}

const refuse = (kind: LinkRefusalKind, reason: string): LinkParse => ({ ok: false, kind, reason });

export function parseLinkFrame(input: unknown): LinkParse {
  if (!(input instanceof Uint8Array)) return refuse('malformed', 'the frame is not a byte array');
  const bytes = input;
  const n = bytes.length;
  if (n > LINK_FRAME_MAX_BYTES) return refuse('oversized', `the frame is ${n} bytes, longer than the ${LINK_FRAME_MAX_BYTES} the layout allows`);
  if (n < FIXED_HEAD_BYTES) return refuse('truncated', `the frame is ${n} bytes, shorter than its ${FIXED_HEAD_BYTES}-byte header`);
  const at = (i: number): number => bytes[i] as number;
  const magic = at(0) | (at(1) << 8);
  if (magic !== LINK_FRAME_MAGIC) return refuse('malformed', `magic 0x${magic.toString(16)} is not a link frame's (0x${LINK_FRAME_MAGIC.toString(16)})`);
  if (at(2) !== LINK_FRAME_VERSION) return refuse('malformed', `frame version ${at(2)}, expected ${LINK_FRAME_VERSION}`);
  const keyId = at(3);
  if (keyId < LINK_KEY_ID_RANGE.min || keyId > LINK_KEY_ID_RANGE.max) return refuse('malformed', `key id ${keyId} is outside ${LINK_KEY_ID_RANGE.min}–${LINK_KEY_ID_RANGE.max}`);
  const counter = (at(4) | (at(5) << 8) | (at(6) << 16) | (at(7) << 24)) >>> 0;
  if (counter === 0) return refuse('malformed', 'counter 0 is never sent (counters start at 1)');
  const idBytes = at(8);
  if (idBytes < 1 || idBytes > LINK_DEVICE_ID_MAX_BYTES) return refuse('malformed', `device id length ${idBytes} is outside 1–${LINK_DEVICE_ID_MAX_BYTES}`);
  const payloadLengthAt = FIXED_HEAD_BYTES + idBytes;
  if (n < payloadLengthAt + 2) return refuse('truncated', `the frame ends inside its device id or payload length (${n} bytes)`);
  const payloadBytes = at(payloadLengthAt) | (at(payloadLengthAt + 1) << 8);
  if (payloadBytes < 1 || payloadBytes > LINK_PAYLOAD_MAX_BYTES) return refuse('malformed', `payload length ${payloadBytes} is outside 1–${LINK_PAYLOAD_MAX_BYTES}`);
  const tagAt = payloadLengthAt + 2 + payloadBytes;
  const expected = tagAt + LINK_TAG_BYTES;
  if (n < expected) return refuse('truncated', `the frame is ${n} bytes, shorter than the ${expected} its lengths say`);
  if (n > expected) return refuse('malformed', `the frame is ${n} bytes, ${n - expected} more than its lengths say`);
  const deviceId = utf8Decode(bytes.subarray(FIXED_HEAD_BYTES, payloadLengthAt));
  if (deviceId === null) return refuse('malformed', 'the device id is not UTF-8');
  const payload = utf8Decode(bytes.subarray(payloadLengthAt + 2, tagAt));
  if (payload === null) return refuse('malformed', 'the payload is not UTF-8');
  return { ok: true, frame: { keyId, counter, deviceId, payload, signed: bytes.slice(0, tagAt), tag: bytes.slice(tagAt, expected) } };
}
