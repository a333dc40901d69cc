/**
 * A probe on the flash bus that transcribes the device's event log as it is written.
 *
 * Owns: the simulator's transcript of every log entry the firmware sent to the flash.
 * Promises: an entry appears here once its whole frame crossed the bus, in the order sent, whether
 * or not the flash then kept it (a failed write is here, so an alarm raised while the flash cannot
 * be written still reaches the summary; a torn one is not), and an optional listener hears each
 * one. It is an
 * observer's copy for tests and live traces; the device's own log is the ring in flash, read back
 * with `readEventLog` (the run summary reads it there).
 */
import type { LogEntry } from '../../../firmware/index.ts';
import { NV_LAYOUT, decodeFrame, decodeLogEntry } from '../../../firmware/index.ts';
import type { FlashProbe, SimFlash } from './flash.ts';

export class SimEventLog implements FlashProbe {
  readonly entries: LogEntry[] = [];
  readonly region = NV_LAYOUT.log;

  constructor(flash: SimFlash, private readonly onEntry?: (entry: LogEntry) => void) {
    flash.probe = this;
  }

  heard(_slot: number, sent: Uint8Array): void {
    const frame = decodeFrame(sent);
    if (frame.status !== 'valid') return;
    const entry = decodeLogEntry(frame.payload);
    if (entry === null) return;
    this.entries.push(entry);
    this.onEntry?.(entry);
  }
}
