/**
 * The pump's event log.
 *
 * Owns: every entry the firmware appends, in order.
 * Promises: entries are kept as appended; an optional listener hears each one as it is appended.
 */
import type { Done, EventLog, HalResult, LogEntry } from '../../../hal/index.ts';
import { DONE } from '../../../hal/index.ts';

export class SimEventLog implements EventLog {
  readonly entries: LogEntry[] = [];

  constructor(private readonly onEntry?: (entry: LogEntry) => void) {}

  append(entry: LogEntry): HalResult<Done> {
    this.entries.push(entry);
    this.onEntry?.(entry);
    return DONE;
  }
}
