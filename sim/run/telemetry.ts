/**
 * Telemetry: RxJS streams that carry what happens in a run out to the CLI and reports.
 *
 * Owns: the stream types and the Subjects a run publishes on.
 * Promises: streams are fed from the simulator's events (log entries, ledger milestones, a sample
 * per telemetry period), never from inside the plant's inner loop, so
 * subscribing costs the run nothing per control step. All times are simulated milliseconds.
 */
import { Subject } from 'rxjs';
import type { LogEntry } from '../../hal/index.ts';

export interface Sample {
  readonly atMs: number;
  /** Truth. */
  readonly arterialMeanMmHg: number;
  readonly linePressureMmHg: number;
  readonly deliveredToArteryUl: number;
  readonly reservoirUl: number;
  /** Belief. */
  readonly ledgerInfusedUl: number;
  readonly mode: string;
}
export interface LedgerMilestone { readonly atMs: number; readonly infusedFraction: number; readonly infusedVolumeMl: number }

export class Telemetry {
  readonly log = new Subject<LogEntry>();
  readonly samples = new Subject<Sample>();
  readonly ledger = new Subject<LedgerMilestone>();

  complete(): void {
    this.log.complete();
    this.samples.complete();
    this.ledger.complete();
  }
}
