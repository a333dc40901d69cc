/**
 * The device's event log (GIP 4.1.x), kept in flash through every power loss.
 *
 * Owns: the log entry's shape and its frame, the ring of log slots, and reading the log back.
 * Promises:
 * - One entry per slot, each framed with its own sequence number and CRC (frame.ts), so a torn or
 *   flipped entry costs that entry alone, never its neighbours.
 * - A bounded ring: when it is full the oldest entry is overwritten. Sequence numbers never
 *   restart, so the entries dropped are counted exactly: every sequence number below the oldest
 *   entry kept.
 * - A detail longer than a slot holds is cut at a character (the code is never cut).
 * - At boot the ring is scanned once to find where the next entry goes (a header read for an
 *   erased slot); appending never reads.
 */
import type { Done, HalResult, NvFlash } from '../../hal/index.ts';
import { ByteReader, ByteWriter, FRAME_HEADER_BYTES, FRAME_MAGIC, FRAME_OVERHEAD_BYTES, decodeFrame, encodeFrame } from './frame.ts';
import { NV_LAYOUT } from './layout.ts';

export type LogKind = 'state' | 'command' | 'alarm' | 'alarmCleared' | 'notification' | 'ledger' | 'restart';
const LOG_KINDS: readonly LogKind[] = ['state', 'command', 'alarm', 'alarmCleared', 'notification', 'ledger', 'restart'];

/** One timestamped entry of the device's event log. */
export interface LogEntry {
  readonly atMs: number;
  readonly kind: LogKind;
  readonly code: string;
  readonly detail?: string;
}

const NO_DETAIL = 255;

export function encodeLogEntry(entry: LogEntry, slotBytes: number): Uint8Array {
  const w = new ByteWriter(96).f64(entry.atMs).u8(LOG_KINDS.indexOf(entry.kind)).text(entry.code, 64);
  if (entry.detail === undefined) return w.u8(NO_DETAIL).finish();
  // What is left of the slot after the frame, the fields so far and the detail's length byte.
  return w.u8(1).text(entry.detail, slotBytes - FRAME_OVERHEAD_BYTES - w.length - 2).finish();
}

export function decodeLogEntry(payload: Uint8Array): LogEntry | null {
  const r = new ByteReader(payload);
  const atMs = r.f64();
  const kind = LOG_KINDS[r.u8()];
  const code = r.text();
  const hasDetail = r.u8();
  const detail = hasDetail === 1 ? r.text() : undefined;
  if (!r.exact || kind === undefined || code === null || !Number.isFinite(atMs) || (hasDetail !== 1 && hasDetail !== NO_DETAIL) || detail === null) return null;
  return detail === undefined ? { atMs, kind, code } : { atMs, kind, code, detail };
}

export interface EventLogReadBack {
  /** The entries kept, oldest first. */
  readonly entries: readonly (LogEntry & { readonly seq: number })[];
  /** Entries overwritten by newer ones (sequence numbers below the oldest kept). */
  readonly dropped: number;
  /** Slots holding a damaged entry. */
  readonly corrupt: number;
  /** Sequence numbers between the oldest and the newest entry kept that no valid slot holds (torn, flipped or never written). */
  readonly missing: number;
  readonly capacity: number;
}

/**
 * The sequence number of the newest valid entry (0 when there is none). A slot whose header has no
 * frame magic is passed over on its header alone (a write programs from the start of its slot), so
 * a log that is mostly erased costs a header read a slot.
 */
export function newestLogSeq(flash: NvFlash): number {
  const region = NV_LAYOUT.log;
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  const slot = new Uint8Array(flash.slotBytes);
  let newest = 0;
  for (let i = 0; i < region.slotCount; i++) {
    if (!flash.read(region.firstSlot + i, header).ok || header[0] !== (FRAME_MAGIC & 0xff) || header[1] !== FRAME_MAGIC >> 8) continue;
    if (!flash.read(region.firstSlot + i, slot).ok) continue;
    const frame = decodeFrame(slot);
    if (frame.status === 'valid' && frame.kind === 'log' && frame.seq > newest) newest = frame.seq;
  }
  return newest;
}

/** Reads the whole log back, as a service tool would. */
export function readEventLog(flash: NvFlash): EventLogReadBack {
  const region = NV_LAYOUT.log;
  const buffer = new Uint8Array(flash.slotBytes);
  const entries: (LogEntry & { seq: number })[] = [];
  let corrupt = 0;
  for (let i = 0; i < region.slotCount; i++) {
    if (!flash.read(region.firstSlot + i, buffer).ok) {
      corrupt++;
      continue;
    }
    const frame = decodeFrame(buffer);
    if (frame.status === 'erased') continue;
    const entry = frame.status === 'valid' && frame.kind === 'log' ? decodeLogEntry(frame.payload) : null;
    if (entry === null || frame.status !== 'valid') {
      corrupt++;
      continue;
    }
    entries.push({ ...entry, seq: frame.seq });
  }
  entries.sort((a, b) => a.seq - b.seq);
  const oldest = entries[0]?.seq ?? 1;
  const newest = entries.at(-1)?.seq ?? 0;
  return { entries, dropped: oldest - 1, corrupt, missing: Math.max(0, newest - oldest + 1 - entries.length), capacity: region.slotCount };
}

export class NvEventLog {
  private nextSeq = 1;

  constructor(private readonly flash: NvFlash) {}

  /** Finds where the next entry goes: after the newest valid one. */
  scan(): void {
    this.nextSeq = newestLogSeq(this.flash) + 1;
  }

  append(entry: LogEntry): HalResult<Done> {
    const seq = this.nextSeq++;
    const region = NV_LAYOUT.log;
    return this.flash.write(region.firstSlot + (seq % region.slotCount), encodeFrame('log', seq, encodeLogEntry(entry, this.flash.slotBytes)));
  }
}
