/**
 * The device's event log in flash: an entry reads back as written (its detail cut to fit its slot),
 * a damaged entry costs that entry alone and is counted, the ring drops its oldest entries and
 * counts them exactly, and after a power cycle the log continues after its newest entry.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Done, HalResult, NvFlash } from '../../../hal/index.ts';
import { halError } from '../../../hal/index.ts';
import type { LogEntry, LogKind } from '../../../firmware/storage/eventLog.ts';
import { NvEventLog, decodeLogEntry, encodeLogEntry, newestLogSeq, readEventLog } from '../../../firmware/storage/eventLog.ts';
import { FRAME_OVERHEAD_BYTES, decodeFrame, encodeFrame } from '../../../firmware/storage/frame.ts';
import { NV_LAYOUT, NV_SLOT_BYTES } from '../../../firmware/storage/layout.ts';
import { SimFlash } from '../../../sim/world/devices/index.ts';
import { checkProperty } from '../../support/fc.ts';

const KINDS: readonly LogKind[] = ['state', 'command', 'alarm', 'alarmCleared', 'notification', 'ledger', 'restart'];
const LOG = NV_LAYOUT.log;

const entryArb: fc.Arbitrary<LogEntry> = fc
  .record({
    atMs: fc.double({ noNaN: true, noDefaultInfinity: true }),
    kind: fc.constantFrom(...KINDS),
    code: fc.string({ maxLength: 30 }),
    detail: fc.option(fc.string({ maxLength: 80 }), { nil: undefined }),
  })
  .map(({ detail, ...e }) => (detail === undefined ? e : { ...e, detail }));

/** The bytes of the payload `encodeLogEntry` writes, laid out by hand: f64 time, u8 kind, text code, u8 detail flag[, text detail]. */
function payload(atMs: number, kind: number, code: number[], detailFlag: number, detail: number[] | null = null, trailing: number[] = []): Uint8Array {
  const time = new Uint8Array(8);
  new DataView(time.buffer).setFloat64(0, atMs, true);
  return Uint8Array.from([...time, kind, code.length, ...code, detailFlag, ...(detail === null ? [] : [detail.length, ...detail]), ...trailing]);
}

describe('a log entry', () => {
  it('PUMP-STORAGE reads back as written, with or without its detail', () => {
    checkProperty(
      fc.property(entryArb, (e) => {
        const bytes = encodeLogEntry(e, NV_SLOT_BYTES);
        expect(FRAME_OVERHEAD_BYTES + bytes.length).toBeLessThanOrEqual(NV_SLOT_BYTES);
        const read = decodeLogEntry(bytes);
        expect(read).toStrictEqual(e);
      }),
      { seed: 21, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE a detail longer than the slot holds is cut at a character so the framed entry fills the slot at most; the code is cut at 64 bytes', () => {
    for (const detail of ['d'.repeat(400), '€'.repeat(200)]) {
      const e: LogEntry = { atMs: 5, kind: 'alarm', code: 'OCCLUSION', detail };
      const bytes = encodeLogEntry(e, NV_SLOT_BYTES);
      expect(FRAME_OVERHEAD_BYTES + bytes.length).toBeLessThanOrEqual(NV_SLOT_BYTES);
      // Cut at a character: at most a character less one byte, and the byte the budget keeps spare, stay unused.
      expect(FRAME_OVERHEAD_BYTES + bytes.length).toBeGreaterThanOrEqual(NV_SLOT_BYTES - 3);
      const read = decodeLogEntry(bytes) as LogEntry;
      expect(detail.startsWith(read.detail as string)).toBe(true);
      expect(read.code).toBe('OCCLUSION');
    }
    // In a larger slot, the whole detail fits.
    const long: LogEntry = { atMs: 5, kind: 'alarm', code: 'OCCLUSION', detail: 'd'.repeat(200) };
    expect(decodeLogEntry(encodeLogEntry(long, 512))).toEqual(long);
    expect(decodeLogEntry(encodeLogEntry({ atMs: 0, kind: 'state', code: 'c'.repeat(100) }, NV_SLOT_BYTES))).toEqual({ atMs: 0, kind: 'state', code: 'c'.repeat(64) });
  });

  it('PUMP-STORAGE an unknown kind, a time that is not finite, a detail flag other than 1 or 255, a malformed text or a trailing byte is no entry', () => {
    const code = [0x41];
    expect(decodeLogEntry(payload(1, 6, code, 255))).toEqual({ atMs: 1, kind: 'restart', code: 'A' });
    expect(decodeLogEntry(payload(1, 0, code, 1, [0x42]))).toEqual({ atMs: 1, kind: 'state', code: 'A', detail: 'B' });
    const refused: [string, Uint8Array][] = [
      ['unknown kind', payload(1, 7, code, 255)],
      ['NaN time', payload(NaN, 0, code, 255)],
      ['infinite time', payload(Infinity, 0, code, 255)],
      ['-infinite time', payload(-Infinity, 0, code, 255)],
      ['detail flag 0', payload(1, 0, code, 0)],
      ['detail flag 2', payload(1, 0, code, 2, [0x42])],
      ['malformed code', payload(1, 0, [0xc3], 255)],
      ['malformed detail', payload(1, 0, code, 1, [0xc3])],
      ['trailing byte', payload(1, 0, code, 255, null, [0])],
      ['cut short', payload(1, 0, code, 255).subarray(0, 10)],
    ];
    for (const [what, bytes] of refused) expect(decodeLogEntry(bytes), what).toBeNull();
  });
});

/** A flash whose reads of the slots in `failing` answer with an error. */
function withFailingReads(flash: NvFlash, failing: Set<number>): NvFlash {
  return {
    slotCount: flash.slotCount,
    slotBytes: flash.slotBytes,
    read: (slot: number, into: Uint8Array): HalResult<Done> => (failing.has(slot) ? halError('other', 'read failed (test)') : flash.read(slot, into)),
    write: (slot: number, bytes: Uint8Array) => flash.write(slot, bytes),
  };
}

const entry = (i: number): LogEntry => ({ atMs: i * 1000, kind: 'command', code: `C${i}` });

describe('the log ring', () => {
  it('PUMP-STORAGE entries read back oldest first with their sequence numbers; nothing is dropped, damaged or missing in a log that has not wrapped', () => {
    const flash = new SimFlash();
    const log = new NvEventLog(flash);
    log.scan();
    for (let i = 1; i <= 5; i++) expect(log.append(entry(i)).ok).toBe(true);
    const read = readEventLog(flash);
    expect(read).toEqual({ entries: [1, 2, 3, 4, 5].map((i) => ({ ...entry(i), seq: i })), dropped: 0, corrupt: 0, missing: 0, capacity: LOG.slotCount });
    expect(readEventLog(new SimFlash())).toEqual({ entries: [], dropped: 0, corrupt: 0, missing: 0, capacity: LOG.slotCount });
  });

  it('PUMP-STORAGE a full ring overwrites its oldest entries and counts every one dropped', () => {
    const flash = new SimFlash();
    const log = new NvEventLog(flash);
    log.scan();
    const total = LOG.slotCount + 10;
    for (let i = 1; i <= total; i++) log.append(entry(i));
    const read = readEventLog(flash);
    expect({ first: read.entries[0]?.seq, last: read.entries.at(-1)?.seq, kept: read.entries.length, dropped: read.dropped, missing: read.missing }).toEqual({
      first: 11, last: total, kept: LOG.slotCount, dropped: 10, missing: 0,
    });
    expect(newestLogSeq(flash)).toBe(total);
  });

  it('PUMP-STORAGE a flipped, torn, foreign or unreadable entry costs that entry alone: counted as damaged, its sequence number as missing', () => {
    const flash = new SimFlash();
    const log = new NvEventLog(flash);
    log.scan();
    for (let i = 1; i <= 8; i++) log.append(entry(i));
    const slotOf = (seq: number): number => LOG.firstSlot + (seq % LOG.slotCount);
    // seq 2: a bit flipped; seq 3: a state record in a log slot; seq 4: a log frame whose payload is no entry; seq 6 (after a valid one): unreadable.
    const bytes = new Uint8Array(NV_SLOT_BYTES);
    flash.read(slotOf(2), bytes);
    bytes[20] = (bytes[20] as number) ^ 0x10;
    flash.write(slotOf(2), bytes);
    flash.write(slotOf(3), encodeFrame('state', 3, encodeLogEntry(entry(3), NV_SLOT_BYTES)));
    flash.write(slotOf(4), encodeFrame('log', 4, Uint8Array.from([1, 2, 3])));
    const read = readEventLog(withFailingReads(flash, new Set([slotOf(6)])));
    expect(read.entries.map((e) => e.seq)).toEqual([1, 5, 7, 8]);
    expect({ corrupt: read.corrupt, missing: read.missing, dropped: read.dropped }).toEqual({ corrupt: 4, missing: 4, dropped: 0 });
    // The newest entry is found past the damage; a state record with a higher number is not a log entry.
    flash.write(slotOf(9), encodeFrame('state', 900, encodeLogEntry(entry(9), NV_SLOT_BYTES)));
    expect(newestLogSeq(flash)).toBe(8);
  });

  it('PUMP-STORAGE after a power cycle the log continues after its newest entry, past erased, damaged and unreadable slots', () => {
    checkProperty(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 20 }), (before, after) => {
        const flash = new SimFlash();
        const first = new NvEventLog(flash);
        first.scan();
        for (let i = 1; i <= before; i++) first.append(entry(i));
        // Junk with the frame magic but a broken CRC, and a slot that cannot be read, do not stop the scan.
        flash.write(LOG.firstSlot + 2000, Uint8Array.from([0x50, 0x53, 1, 5, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]));
        const second = new NvEventLog(withFailingReads(flash, new Set([LOG.firstSlot + 3000])));
        second.scan();
        for (let i = 1; i <= after; i++) second.append(entry(before + i));
        const read = readEventLog(flash);
        expect(read.entries.map((e) => e.seq)).toEqual(Array.from({ length: before + after }, (_, i) => i + 1));
        expect(read.entries.at(-1)).toEqual({ ...entry(before + after), seq: before + after });
        expect(read.corrupt).toBe(1);
      }),
      { seed: 22, numRuns: 40 },
    );
  });

  it('PUMP-STORAGE only the log’s own slots are the log: a log frame in a slot past the layout, on a larger flash, is not read', () => {
    const flash = new SimFlash(LOG.firstSlot + LOG.slotCount + 1);
    const log = new NvEventLog(flash);
    log.scan();
    log.append(entry(1));
    flash.write(LOG.firstSlot + LOG.slotCount, encodeFrame('log', 500, encodeLogEntry(entry(500), NV_SLOT_BYTES)));
    expect(newestLogSeq(flash)).toBe(1);
    expect(readEventLog(flash).entries.map((e) => e.seq)).toEqual([1]);
  });

  it('PUMP-STORAGE the scan passes over a slot by its header alone: it reads a whole slot only where the frame magic is', () => {
    const flash = new SimFlash();
    const log = new NvEventLog(flash);
    log.scan();
    for (let i = 1; i <= 3; i++) log.append(entry(i));
    // A slot that starts with half the magic, or the magic's bytes swapped, is passed over.
    flash.write(LOG.firstSlot + 100, Uint8Array.from([0x50, 0x00]));
    flash.write(LOG.firstSlot + 101, Uint8Array.from([0x00, 0x53]));
    flash.write(LOG.firstSlot + 102, Uint8Array.from([0x53, 0x50]));
    const wholeReads: number[] = [];
    const counting: NvFlash = {
      slotCount: flash.slotCount,
      slotBytes: flash.slotBytes,
      read: (slot, into) => {
        if (into.length === flash.slotBytes) wholeReads.push(slot);
        return flash.read(slot, into);
      },
      write: (slot, bytes) => flash.write(slot, bytes),
    };
    expect(newestLogSeq(counting)).toBe(3);
    expect(wholeReads).toEqual([1, 2, 3].map((seq) => LOG.firstSlot + seq));
    expect(decodeFrame(new Uint8Array(0)).status).toBe('corrupt');
  });
});
