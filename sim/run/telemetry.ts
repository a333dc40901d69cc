/**
 * Telemetry: RxJS streams that carry what happens in a run out to the CLI and reports.
 *
 * Owns: the stream types and the Subjects a run publishes on.
 * Promises: the streams (the event log's entries, the ledger's 10 % milestones) are fed from the
 * simulator's events, never from inside the plant's inner loop, and add no event to the virtual
 * clock, so a run with telemetry is the run without it. All times are simulated milliseconds.
 */
import { Subject } from 'rxjs';
import type { LogEntry } from '../../firmware/index.ts';

export interface LedgerMilestone { readonly atMs: number; readonly infusedFraction: number; readonly infusedVolumeMl: number }

export class Telemetry {
  readonly log = new Subject<LogEntry>();
  readonly ledger = new Subject<LedgerMilestone>();

  complete(): void {
    this.log.complete();
    this.ledger.complete();
  }
}
