/**
 * The checksum and the frame every stored record is written in: the CRC agrees with zlib's, and a
 * frame damaged in any way a flash damages it reads as corrupt (or erased), never as a valid record.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERASED_BYTE } from '../../../hal/index.ts';
import { crc32 } from '../../../firmware/storage/crc32.ts';
import { ByteReader, ByteWriter, FRAME_OVERHEAD_BYTES, decodeFrame, encodeFrame, encodeFrameInto, utf8Decode, utf8Encode } from '../../../firmware/storage/frame.ts';
import { checkProperty } from '../../support/fc.ts';

const SLOT_BYTES = 256;
const payloadArb = fc.uint8Array({ minLength: 0, maxLength: SLOT_BYTES - FRAME_OVERHEAD_BYTES });

/** A slot as flash holds it: the frame's bytes, the rest erased. */
function slotWith(bytes: Uint8Array): Uint8Array {
  const slot = new Uint8Array(SLOT_BYTES).fill(ERASED_BYTE);
  slot.set(bytes);
  return slot;
}

describe('CRC-32', () => {
  it('PUMP-STORAGE agrees with node:zlib crc32 on the check string and on random bytes and ranges', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    checkProperty(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        expect(crc32(bytes)).toBe(zlibCrc32(bytes));
        const start = bytes.length === 0 ? 0 : a % bytes.length;
        const end = start + (bytes.length === 0 ? 0 : b % (bytes.length - start + 1));
        expect(crc32(bytes, start, end)).toBe(zlibCrc32(bytes.subarray(start, end)));
      }),
      { seed: 14, numRuns: 200 },
    );
  });
});

describe('the record frame', () => {
  it('PUMP-STORAGE a frame reads back as written: kind, sequence number and payload', () => {
    checkProperty(
      fc.property(payloadArb, fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom('device', 'state', 'plan', 'safety', 'link', 'log' as const), (payload, seq, kind) => {
        const read = decodeFrame(slotWith(encodeFrame(kind, seq, payload)));
        expect(read).toEqual({ status: 'valid', kind, seq, payload });
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE one to three flipped bits anywhere in a frame make it corrupt, never another valid record', () => {
    checkProperty(
      fc.property(payloadArb, fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (payload, seq, positions) => {
        const bytes = encodeFrame('state', seq >>> 0, payload);
        const bits = [...new Set(positions.map((p) => p % (bytes.length * 8)))];
        for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(decodeFrame(slotWith(bytes)).status).toBe('corrupt');
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE a torn write (a prefix of the frame programmed, the rest still erased) is never a valid record', () => {
    checkProperty(
      fc.property(payloadArb, fc.nat(), fc.nat(), (payload, seq, cut) => {
        const bytes = encodeFrame('state', seq >>> 0, payload);
        const prefix = bytes.subarray(0, cut % bytes.length);
        const read = decodeFrame(slotWith(prefix));
        expect(read.status).not.toBe('valid');
        expect(read.status === 'erased').toBe(prefix.every((b) => b === ERASED_BYTE));
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE arbitrary slot contents never throw and never pass as valid unless the CRC checks', () => {
    checkProperty(
      fc.property(fc.uint8Array({ minLength: SLOT_BYTES, maxLength: SLOT_BYTES }), (slot) => {
        const read = decodeFrame(slot);
        if (read.status === 'valid') {
          const length = read.payload.length;
          expect(crc32(slot, 0, 12 + length)).toBe(new DataView(slot.buffer).getUint32(12 + length, true));
        }
      }),
      { seed: 14, numRuns: 200 },
    );
  });
});

describe('the frame header and the reasons a slot is refused', () => {
  it('PUMP-STORAGE the header is magic "PS", layout version 1, the kind, the sequence number (mod 2^32), the length and a zero reserved field', () => {
    const bytes = new Uint8Array(SLOT_BYTES).fill(0xaa);
    const used = encodeFrameInto(bytes, 'plan', 2 ** 32 + 5, Uint8Array.from([9, 8, 7]));
    expect(used).toBe(FRAME_OVERHEAD_BYTES + 3);
    expect([...bytes.subarray(0, 15)]).toEqual([0x50, 0x53, 1, 2, 5, 0, 0, 0, 3, 0, 0, 0, 9, 8, 7]);
    expect(bytes[used]).toBe(0xaa);
    expect(decodeFrame(bytes)).toEqual({ status: 'valid', kind: 'plan', seq: 5, payload: Uint8Array.from([9, 8, 7]) });
  });

  it('PUMP-STORAGE each damaged header is refused with its reason; an erased slot reads as erased, a slot erased but for one byte as corrupt', () => {
    const frame = encodeFrame('state', 7, Uint8Array.from([1, 2, 3, 4]));
    const patched = (at: number, value: number): Uint8Array => {
      const slot = slotWith(frame);
      slot[at] = value;
      return slot;
    };
    expect(decodeFrame(new Uint8Array(FRAME_OVERHEAD_BYTES - 1).fill(ERASED_BYTE))).toEqual({ status: 'corrupt', reason: 'slot shorter than a frame' });
    expect(decodeFrame(new Uint8Array(FRAME_OVERHEAD_BYTES).fill(ERASED_BYTE))).toEqual({ status: 'erased' });
    expect(decodeFrame(slotWith(new Uint8Array(0)))).toEqual({ status: 'erased' });
    const almostErased = slotWith(new Uint8Array(0));
    almostErased[SLOT_BYTES - 1] = 0xfe;
    expect(decodeFrame(almostErased)).toEqual({ status: 'corrupt', reason: 'no record header' });
    expect(decodeFrame(patched(0, 0x51))).toEqual({ status: 'corrupt', reason: 'no record header' });
    expect(decodeFrame(patched(1, 0x54))).toEqual({ status: 'corrupt', reason: 'no record header' });
    expect(decodeFrame(patched(2, 2))).toEqual({ status: 'corrupt', reason: 'layout version 2, expected 1' });
    expect(decodeFrame(patched(3, 6))).toEqual({ status: 'corrupt', reason: 'unknown record kind 6' });
    expect(decodeFrame(patched(8, SLOT_BYTES - FRAME_OVERHEAD_BYTES + 1))).toEqual({ status: 'corrupt', reason: `payload length ${SLOT_BYTES - FRAME_OVERHEAD_BYTES + 1} does not fit the slot` });
    expect(decodeFrame(patched(13, 0))).toEqual({ status: 'corrupt', reason: 'CRC mismatch' });
    // A payload that fills the slot exactly fits.
    const full = new Uint8Array(SLOT_BYTES - FRAME_OVERHEAD_BYTES).fill(3);
    expect(decodeFrame(encodeFrame('log', 1, full))).toEqual({ status: 'valid', kind: 'log', seq: 1, payload: full });
  });
});

type Field = { kind: 'u8'; v: number } | { kind: 'u32'; v: number } | { kind: 'f64'; v: number } | { kind: 'text'; v: string };

const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.record({ kind: fc.constant('u8' as const), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), v: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ kind: fc.constant('f64' as const), v: fc.double() }),
  fc.record({ kind: fc.constant('text' as const), v: fc.string({ unit: 'binary-ascii', maxLength: 60 }) }),
);

function readField(r: ByteReader, kind: Field['kind']): number | string | null {
  return kind === 'u8' ? r.u8() : kind === 'u32' ? r.u32() : kind === 'f64' ? r.f64() : r.text();
}

describe('the payload writer and reader', () => {
  it('PUMP-STORAGE any sequence of fields reads back as written from a writer that starts with one byte of room; a read past the end marks the reader overrun', () => {
    checkProperty(
      fc.property(fc.array(fieldArb, { maxLength: 40 }), fc.constantFrom('u8', 'u32', 'f64', 'text') as fc.Arbitrary<Field['kind']>, (fields, extra) => {
        const w = new ByteWriter(1);
        for (const f of fields) {
          if (f.kind === 'text') w.text(f.v);
          else if (f.kind === 'u8') w.u8(f.v);
          else if (f.kind === 'u32') w.u32(f.v);
          else w.f64(f.v);
        }
        const bytes = w.finish();
        expect(w.length).toBe(bytes.length);
        expect(w.written()).toEqual(bytes);
        const r = new ByteReader(bytes);
        for (const f of fields) expect(readField(r, f.kind)).toEqual(f.v);
        expect(r.exact).toBe(true);
        // Past the end a number reads 0 and a text's length byte 0 (an empty text): the overrun flag is what tells.
        expect(readField(r, extra)).toBe(extra === 'text' ? '' : 0);
        expect({ overrun: r.overrun, exact: r.exact }).toEqual({ overrun: true, exact: false });
      }),
      { seed: 18, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE a text whose length runs past the end reads as null and marks the reader overrun, never as the bytes that are there', () => {
    const r = new ByteReader(Uint8Array.from([5, 0x41, 0x42]));
    expect(r.text()).toBeNull();
    expect(r.overrun).toBe(true);
    expect(r.exact).toBe(false);
    const whole = new ByteReader(Uint8Array.from([2, 0x41, 0x42]));
    expect(whole.text()).toBe('AB');
    expect(whole.exact).toBe(true);
  });

  it('PUMP-STORAGE a reader that stops short is not exact; finish copies, written does not, reset empties the writer', () => {
    const r = new ByteReader(Uint8Array.from([1, 2]));
    expect(r.u8()).toBe(1);
    expect({ overrun: r.overrun, exact: r.exact }).toEqual({ overrun: false, exact: false });
    expect(r.u32()).toBe(0);
    expect(r.overrun).toBe(true);
    const w = new ByteWriter(4).u8(1).u8(2);
    const copy = w.finish();
    const view = w.written();
    w.reset().u8(9);
    expect({ copy: [...copy], view: [...view], length: w.length, now: [...w.finish()] }).toEqual({ copy: [1, 2], view: [9, 2], length: 1, now: [9] });
    // A text field is cut to 255 bytes whatever it is allowed, and to its own limit.
    expect(new ByteWriter().text('x'.repeat(300), 1000).finish()[0]).toBe(255);
    expect([...new ByteWriter().text('abcdef', 3).finish()]).toEqual([3, 97, 98, 99]);
    expect(new ByteReader(new ByteWriter().text('x'.repeat(300)).finish()).text()).toBe('x'.repeat(255));
  });
});

describe('UTF-8 as records store text', () => {
  const bmp = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
  const noSurrogates = (s: string): string => s.replace(/[\ud800-\udfff]/g, '?');

  it('PUMP-STORAGE text of the Basic Multilingual Plane is encoded as the platform encodes it and decoded back; a surrogate is stored as "?"', () => {
    checkProperty(
      fc.property(bmp, (s) => {
        const clean = noSurrogates(s);
        const encoded = utf8Encode(s, 1000);
        expect([...encoded]).toEqual([...new TextEncoder().encode(clean)]);
        expect(utf8Decode(encoded)).toBe(clean);
      }),
      { seed: 19, numRuns: 200 },
    );
    expect(utf8Decode(utf8Encode('\ud83d\ude00', 10))).toBe('??');
  });

  it('PUMP-STORAGE the characters at the edges of each encoded length and of the surrogate range are stored as the platform stores them', () => {
    const edges = ['\u0000', '\u007f', '\u0080', '\u00c0', '\u07ff', '\u0800', '\u1000', '\ud7ff', '\ue000', '\uffff'];
    for (const c of edges) {
      const encoded = utf8Encode(c, 3);
      expect([...encoded], c.charCodeAt(0).toString(16)).toEqual([...new TextEncoder().encode(c)]);
      expect(utf8Decode(encoded), c.charCodeAt(0).toString(16)).toBe(c);
    }
    for (const c of ['\ud800', '\udbff', '\udc00', '\udfff']) expect([...utf8Encode(c, 3)], c.charCodeAt(0).toString(16)).toEqual([0x3f]);
    // A budget of exactly a character's bytes holds it; one byte less holds nothing.
    for (const c of ['A', 'é', '€']) {
      const n = new TextEncoder().encode(c).length;
      expect(utf8Decode(utf8Encode(`${c}${c}`, n))).toBe(c);
      expect(utf8Encode(c, n - 1).length).toBe(0);
    }
  });

  it('PUMP-STORAGE text cut to a byte budget is the longest whole-character prefix that fits', () => {
    checkProperty(
      fc.property(bmp, fc.integer({ min: 0, max: 130 }), (s, maxBytes) => {
        const clean = noSurrogates(s);
        const cut = utf8Decode(utf8Encode(s, maxBytes)) as string;
        expect(clean.startsWith(cut)).toBe(true);
        expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(maxBytes);
        if (cut.length < clean.length) expect(new TextEncoder().encode(clean.slice(0, cut.length + 1)).length).toBeGreaterThan(maxBytes);
      }),
      { seed: 20, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE a malformed sequence decodes to null, never to text', () => {
    // A lead byte of four bytes (0xf0–0xf7, which utf8Encode never writes) is malformed even when
    // exactly two continuation bytes follow it, as a three-byte character's would.
    const malformed = [[0x80], [0xc3], [0xc3, 0x28], [0xc3, 0xc3], [0xe2, 0x82], [0xe2, 0x28, 0xac], [0xe2, 0x82, 0x28], [0xf0, 0x9f, 0x98, 0x80], [0xf0, 0x9f, 0x98], [0xf7, 0x80, 0x80], [0xf8, 0x80, 0x80], [0xff], [0x41, 0xbf]];
    for (const bytes of malformed) expect(utf8Decode(Uint8Array.from(bytes)), JSON.stringify(bytes)).toBeNull();
    expect(utf8Decode(Uint8Array.from([0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0x7f]))).toBe('Aé€\x7f');
  });
});
