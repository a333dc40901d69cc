/**
 * The checksum and the frame every stored record is written in: the CRC agrees with zlib's, and a
 * frame damaged in any way a flash damages it reads as corrupt (or erased), never as a valid record.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERASED_BYTE } from '../../../hal/index.ts';
import { crc32 } from '../../../firmware/storage/crc32.ts';
import { FRAME_OVERHEAD_BYTES, decodeFrame, encodeFrame } from '../../../firmware/storage/frame.ts';
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
