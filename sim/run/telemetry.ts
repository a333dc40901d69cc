/**
 * Telemetry: RxJS streams that carry what happens in a run out to the CLI and reports.
 *
 * Owns: the stream types and the Subjects a run publishes on: the event log's entries, the
 * ledger's 10 % milestones, and (when `sampleEveryMs` is set) one `TelemetrySample` per interval.
 * Promises: the streams are fed from the simulator's events, never from inside the plant's inner
 * loop; the samples are taken by an observer on the virtual clock that only reads the world
 * (sim/run/sampler.ts), so a run with telemetry is the run without it, summary for summary.
 * All times are simulated.
 */
import { Subject } from 'rxjs';
import type { LogEntry } from '../../firmware/index.ts';

export interface LedgerMilestone { readonly atMs: number; readonly infusedFraction: number; readonly infusedVolumeMl: number }

/**
 * One row of the time series. Sensor columns aggregate what the firmware read over the interval
 * ending at `timeS` (null when it read nothing valid); truth columns are the plant's.
 */
export interface TelemetrySample {
  /** Simulated seconds since the run's start. */
  readonly timeS: number;
  /** The firmware's mode at `timeS` ('off' while the power is out). */
  readonly mode: string;
  /** Mean of the pressure windows' means read over the interval, mmHg. */
  readonly pressureMeanMmHg: number | null;
  /** Lowest window minimum over the interval, mmHg. */
  readonly pressureMinMmHg: number | null;
  /** Highest window maximum over the interval, mmHg. */
  readonly pressureMaxMmHg: number | null;
  /** Mean cardiac-band amplitude over the interval, mmHg. */
  readonly cardiacAmplitudeMmHg: number | null;
  /** Time-weighted mean of the flow sensor's readings over the interval, µL/h. */
  readonly flowSensorUlPerHour: number | null;
  /** Volume the mechanism really pumped over the interval, as a rate, µL/h (plant truth). */
  readonly trueFlowUlPerHour: number;
  /** Cumulative volume out of the catheter into the hepatic artery, µL (plant truth). */
  readonly deliveredTruthUl: number;
  /** Cumulative infused + flushed volume in the firmware's ledger, µL (belief). */
  readonly ledgerUl: number;
  /** Newest reservoir gauge reading the firmware took, mL (null before the first). */
  readonly reservoirGaugeMl: number | null;
  /** Reservoir volume by the firmware's ledger: fill − primed − infused, mL (belief). */
  readonly reservoirLedgerMl: number;
  /** Volume in the reservoir, mL (plant truth). */
  readonly reservoirTrueMl: number;
  /** Battery state of charge, % (the power model's truth, unrounded to 0.01). */
  readonly batteryPercent: number;
  /** Minutes the reservoir lasts at the programmed rate, as the firmware displays it (null: no plan, or off). */
  readonly reservoirRemainingMinutes: number | null;
  /** The same from the plant's reservoir and the mechanism's true stroke volume (truth). */
  readonly reservoirRemainingTruthMinutes: number | null;
  /** Minutes until the battery stops therapy, as the firmware displays it (null: not known yet, or off). */
  readonly batteryRemainingMinutes: number | null;
  /** The same from the battery model at the drain of the moment (truth). */
  readonly batteryRemainingTruthMinutes: number | null;
  /** Codes of the alarms present in the firmware (active or latched), oldest first, joined by '+'; '' when none. */
  readonly activeAlarm: string;
}

export const TELEMETRY_COLUMNS: readonly (keyof TelemetrySample)[] = [
  'timeS',
  'mode',
  'pressureMeanMmHg',
  'pressureMinMmHg',
  'pressureMaxMmHg',
  'cardiacAmplitudeMmHg',
  'flowSensorUlPerHour',
  'trueFlowUlPerHour',
  'deliveredTruthUl',
  'ledgerUl',
  'reservoirGaugeMl',
  'reservoirLedgerMl',
  'reservoirTrueMl',
  'batteryPercent',
  'reservoirRemainingMinutes',
  'reservoirRemainingTruthMinutes',
  'batteryRemainingMinutes',
  'batteryRemainingTruthMinutes',
  'activeAlarm',
];

/** Reservoir and battery time remaining, minutes (null: not known). */
export interface RemainingTimes {
  readonly reservoirRemainingMinutes: number | null;
  readonly batteryRemainingMinutes: number | null;
}

export class Telemetry {
  readonly log = new Subject<LogEntry>();
  readonly ledger = new Subject<LedgerMilestone>();
  readonly samples = new Subject<TelemetrySample>();

  /** `sampleEveryMs`: the interval of `samples` in simulated ms (a positive integer); null: no samples. */
  constructor(readonly sampleEveryMs: number | null = null) {
    if (sampleEveryMs !== null && !(Number.isInteger(sampleEveryMs) && sampleEveryMs > 0)) throw new Error(`sampleEveryMs must be a positive integer, got ${sampleEveryMs}`);
  }

  complete(): void {
    this.log.complete();
    this.ledger.complete();
    this.samples.complete();
  }
}
