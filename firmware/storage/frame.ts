/**
 * The frame every stored record and log entry is written in.
 *
 * Owns: the byte layout of one slot's content — header, payload, CRC — and the byte helpers the
 * record codecs share.
 * Promises:
 * - Layout (little-endian): magic u16 `0x5350` ("PS"), layout version u8, record kind u8,
 *   sequence number u32, payload length u16, reserved u16 (0), payload, CRC-32 u32 of everything
 *   before it (crc32.ts).
 * - `decodeFrame` never throws and never trusts a byte: a slot reads as `erased` (every byte
 *   0xFF), `valid` (magic, version, kind, length and CRC all check) or `corrupt` with the reason.
 */
import { ERASED_BYTE } from '../../hal/index.ts';
import { crc32 } from './crc32.ts';

export const FRAME_MAGIC = 0x5350;
/** Bumped whenever a record's payload layout changes; a frame of another version is corrupt. */
export const LAYOUT_VERSION = 1;
export const FRAME_HEADER_BYTES = 12;
export const FRAME_CRC_BYTES = 4;
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + FRAME_CRC_BYTES;

export type RecordKind = 'device' | 'state' | 'plan' | 'safety' | 'link' | 'log';
export const RECORD_KINDS: readonly RecordKind[] = ['device', 'state', 'plan', 'safety', 'link', 'log'];

export type FrameRead =
  | { readonly status: 'erased' }
  | { readonly status: 'corrupt'; readonly reason: string }
  | { readonly status: 'valid'; readonly kind: RecordKind; readonly seq: number; readonly payload: Uint8Array };

/** Frames `payload` as record `kind` with sequence number `seq`; returns the bytes to program. */
export function encodeFrame(kind: RecordKind, seq: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(FRAME_OVERHEAD_BYTES + payload.length);
  encodeFrameInto(bytes, kind, seq, payload);
  return bytes;
}

/** Frames `payload` into the start of `bytes` (which must hold it); returns the length used. */
export function encodeFrameInto(bytes: Uint8Array, kind: RecordKind, seq: number, payload: Uint8Array): number {
  putU16(bytes, 0, FRAME_MAGIC);
  bytes[2] = LAYOUT_VERSION;
  bytes[3] = RECORD_KINDS.indexOf(kind);
  putU32(bytes, 4, seq);
  putU16(bytes, 8, payload.length);
  putU16(bytes, 10, 0);
  bytes.set(payload, FRAME_HEADER_BYTES);
  putU32(bytes, FRAME_HEADER_BYTES + payload.length, crc32(bytes, 0, FRAME_HEADER_BYTES + payload.length));
  return FRAME_OVERHEAD_BYTES + payload.length;
}

/** Writes the low 16 bits of `v` at `bytes[at]`, little-endian (a typed array keeps each byte's low 8 bits). */
function putU16(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = v;
  bytes[at + 1] = v >>> 8;
}

/** Writes the low 32 bits of `v` at `bytes[at]`, little-endian. */
function putU32(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = v;
  bytes[at + 1] = v >>> 8;
  bytes[at + 2] = v >>> 16;
  bytes[at + 3] = v >>> 24;
}

function isErased(slot: Uint8Array): boolean {
  for (let i = 0; i < slot.length; i++) if (slot[i] !== ERASED_BYTE) return false;
  return true;
}

export function decodeFrame(slot: Uint8Array): FrameRead {
  const view = new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
  if (slot.length < FRAME_OVERHEAD_BYTES) return { status: 'corrupt', reason: 'slot shorter than a frame' };
  const magic = view.getUint16(0, true);
  if (magic !== FRAME_MAGIC) {
    if (magic === 0xffff && isErased(slot)) return { status: 'erased' };
    return { status: 'corrupt', reason: 'no record header' };
  }
  if (view.getUint8(2) !== LAYOUT_VERSION) return { status: 'corrupt', reason: `layout version ${view.getUint8(2)}, expected ${LAYOUT_VERSION}` };
  const kind = RECORD_KINDS[view.getUint8(3)];
  if (kind === undefined) return { status: 'corrupt', reason: `unknown record kind ${view.getUint8(3)}` };
  const length = view.getUint16(8, true);
  if (FRAME_OVERHEAD_BYTES + length > slot.length) return { status: 'corrupt', reason: `payload length ${length} does not fit the slot` };
  const stored = view.getUint32(FRAME_HEADER_BYTES + length, true);
  if (crc32(slot, 0, FRAME_HEADER_BYTES + length) !== stored) return { status: 'corrupt', reason: 'CRC mismatch' };
  return { status: 'valid', kind, seq: view.getUint32(4, true), payload: slot.slice(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length) };
}

/** Appends fixed-width fields to a payload (little-endian). */
export class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private at = 0;

  constructor(capacity = 64) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    bigger.set(this.bytes);
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  u8(v: number): this {
    this.room(1);
    this.view.setUint8(this.at, v);
    this.at += 1;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }

  f64(v: number): this {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
    return this;
  }

  /** A string as u8 length + UTF-8 bytes, cut (at a character) to at most `maxBytes`. */
  text(s: string, maxBytes = 255): this {
    const encoded = utf8Encode(s, Math.min(255, maxBytes));
    this.u8(encoded.length);
    this.room(encoded.length);
    this.bytes.set(encoded, this.at);
    this.at += encoded.length;
    return this;
  }

  get length(): number {
    return this.at;
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.at);
  }

  /** The bytes written, without a copy: valid until the writer is written again. */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.at);
  }

  /** Empties the writer for the next record, keeping its buffer. */
  reset(): this {
    this.at = 0;
    return this;
  }
}

/** Reads fixed-width fields back; reading past the end marks the reader `overrun` (and yields 0). */
export class ByteReader {
  private readonly view: DataView;
  private at = 0;
  overrun = false;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private take(n: number): number {
    if (this.at + n > this.bytes.length) {
      this.overrun = true;
      return -1;
    }
    const at = this.at;
    this.at += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.view.getUint8(at);
  }

  u32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getUint32(at, true);
  }

  f64(): number {
    const at = this.take(8);
    return at < 0 ? 0 : this.view.getFloat64(at, true);
  }

  text(): string | null {
    const n = this.u8();
    const at = this.take(n);
    return at < 0 ? null : utf8Decode(this.bytes.subarray(at, at + n));
  }

  /** True when every byte was read and none was missing. */
  get exact(): boolean {
    return !this.overrun && this.at === this.bytes.length;
  }
}

/** UTF-8 of `s`, characters outside the Basic Multilingual Plane as '?', cut at a character so it fits `maxBytes`. */
export function utf8Encode(s: string, maxBytes: number): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) c = 0x3f;
    const bytes = c < 0x80 ? [c] : c < 0x800 ? [0xc0 | (c >> 6), 0x80 | (c & 0x3f)] : [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
    if (out.length + bytes.length > maxBytes) break;
    out.push(...bytes);
  }
  return Uint8Array.from(out);
}

/** Decodes what `utf8Encode` wrote; a malformed sequence yields null. */
export function utf8Decode(bytes: Uint8Array): string | null {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    const cont = (k: number): number => {
      const x = bytes[i + k];
      return x !== undefined && (x & 0xc0) === 0x80 ? x & 0x3f : -1;
    };
    if (b < 0x80) {
      s += String.fromCharCode(b);
      i += 1;
    } else if ((b & 0xe0) === 0xc0) {
      const c1 = cont(1);
      if (c1 < 0) return null;
      s += String.fromCharCode(((b & 0x1f) << 6) | c1);
      i += 2;
    } else if ((b & 0xf0) === 0xe0) {
      const c1 = cont(1);
      const c2 = cont(2);
      if (c1 < 0 || c2 < 0) return null;
      s += String.fromCharCode(((b & 0x0f) << 12) | (c1 << 6) | c2);
      i += 3;
    } else return null;
  }
  return s;
}
