/**
 * Telemetry: RxJS streams that carry what happens in a run out to the CLI and reports.
 *
 * Owns: the stream types and the Subjects a run publishes on.
 * Promises: streams are fed from the simulator's events (mode changes, alarms, log entries,
 * ledger milestones, a sample per telemetry period), never from inside the plant's inner loop, so
 * subscribing costs the run nothing per control step. All times are simulated milliseconds.
 */
import { Subject } from 'rxjs';
import type { AlarmSignal, LogEntry } from '../../hal/index.ts';

export interface ModeChange { readonly atMs: number; readonly mode: string }
export interface SignalChange { readonly atMs: number; readonly signal: AlarmSignal | null }
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
  readonly modes = new Subject<ModeChange>();
  readonly log = new Subject<LogEntry>();
  readonly signals = new Subject<SignalChange>();
  readonly samples = new Subject<Sample>();
  readonly ledger = new Subject<LedgerMilestone>();

  complete(): void {
    this.modes.complete();
    this.log.complete();
    this.signals.complete();
    this.samples.complete();
    this.ledger.complete();
  }
}
