/**
 * Non-volatile store and the event log kept in it.
 *
 * Owns: everything that must survive a power loss (GIP 1.7.1 settings, 4.1.x event log).
 * Promises: a completed `write` is durable; a `read` returns the last completed write of that key,
 * or `null` if the key was never written. Records are flat (numbers, strings, booleans, null) so a
 * store can copy them cheaply and a device can lay them out in fixed slots.
 */
import type { Done, HalResult } from './result.ts';

export type NvValue = number | string | boolean | null;
export type NvRecord = Readonly<Record<string, NvValue>>;

export interface NvReadResult {
  readonly ok: true;
  readonly record: NvRecord | null;
}

export interface NvStore {
  read(key: string): HalResult<NvReadResult>;
  write(key: string, record: NvRecord): HalResult<Done>;
}

export type LogKind = 'state' | 'command' | 'alarm' | 'alarmCleared' | 'notification' | 'ledger' | 'restart';

/** One timestamped entry of the device's event log (GIP 4.1.x). */
export interface LogEntry {
  readonly atMs: number;
  readonly kind: LogKind;
  readonly code: string;
  readonly detail?: string;
}

export interface EventLog {
  append(entry: LogEntry): HalResult<Done>;
}
