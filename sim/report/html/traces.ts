/**
 * Traces for the HTML reports: a run's telemetry samples gathered into columns, and the event
 * log turned into the timeline's modes and alarms.
 *
 * Owns: `TraceCollector` (samples → decimated columns) and `timelineOf` (log entries → mode
 * segments, alarm spans with acknowledgement and clearing, fault onsets and detections).
 * Promises: columns keep the samples' order and units; decimation keeps each bucket's extremes
 * (decimate.ts); the timeline holds exactly the log's state changes and alarms.
 */
import type { LogEntry } from '../../../firmware/index.ts';
import type { FaultOutcome } from '../../world/faults.ts';
import type { TelemetrySample } from '../../run/telemetry.ts';
import { decimateMinMax } from './decimate.ts';

export type NumericColumn = Exclude<keyof TelemetrySample, 'mode' | 'activeAlarm'>;

export interface Trace {
  readonly timeS: readonly number[];
  readonly cols: Readonly<Record<string, readonly (number | null)[]>>;
}

const NUMERIC_COLUMNS: readonly NumericColumn[] = [
  'timeS', 'pressureMeanMmHg', 'pressureMinMmHg', 'pressureMaxMmHg', 'cardiacAmplitudeMmHg', 'flowSensorUlPerHour', 'trueFlowUlPerHour',
  'deliveredTruthUl', 'ledgerUl', 'reservoirGaugeMl', 'reservoirLedgerMl', 'reservoirTrueMl', 'batteryPercent',
];

/** The numeric columns of the samples, kept column by column in growing Float64Arrays (NaN: no value). */
export class TraceCollector {
  private capacity = 1024;
  private count = 0;
  private readonly columns = new Map<NumericColumn, Float64Array>(NUMERIC_COLUMNS.map((c) => [c, new Float64Array(1024)]));

  add(sample: TelemetrySample): void {
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    for (const [c, column] of this.columns) {
      const v = sample[c];
      column[i] = v === null ? NaN : v;
    }
  }

  get length(): number {
    return this.count;
  }

  get lastTimeS(): number {
    return this.count === 0 ? 0 : (this.columns.get('timeS') as Float64Array)[this.count - 1] as number;
  }

  /** The columns asked for, decimated to at most 2·buckets points. `scale` converts a column's unit (e.g. µL → mL). */
  trace(columns: readonly NumericColumn[], buckets: number, scale: Partial<Record<NumericColumn, number>> = {}): Trace {
    const n = this.count;
    const d = decimateMinMax({ timeS: (this.columns.get('timeS') as Float64Array).subarray(0, n), values: columns.map((c) => (this.columns.get(c) as Float64Array).subarray(0, n)) }, buckets);
    const cols: Record<string, readonly (number | null)[]> = {};
    columns.forEach((c, i) => {
      const k = scale[c] ?? 1;
      cols[c] = Array.from(d.values[i] as ArrayLike<number>, (v) => (Number.isNaN(v) ? null : k === 1 ? v : Math.round(v * k * 1e6) / 1e6));
    });
    return { timeS: Array.from(d.timeS), cols };
  }

  private grow(): void {
    this.capacity *= 2;
    for (const [c, column] of this.columns) {
      const bigger = new Float64Array(this.capacity);
      bigger.set(column);
      this.columns.set(c, bigger);
    }
  }
}

export interface ModeSegment { readonly fromS: number; readonly toS: number; readonly mode: string }
export interface AlarmSpan { readonly code: string; readonly priority: string; readonly raisedS: number; readonly ackS: number | null; readonly clearedS: number | null }
export interface FaultMark { readonly kind: string; readonly onsetS: number; readonly detectedS: number | null; readonly latencyS: number | null; readonly code: string | null }
export interface Timeline { readonly modes: readonly ModeSegment[]; readonly alarms: readonly AlarmSpan[]; readonly faults: readonly FaultMark[]; readonly endS: number }

export function timelineOf(log: readonly LogEntry[], faults: readonly FaultOutcome[], endS: number): Timeline {
  const modes: ModeSegment[] = [];
  let current: { mode: string; fromS: number } | null = null;
  const alarms: { code: string; priority: string; raisedS: number; ackS: number | null; clearedS: number | null }[] = [];
  for (const e of log) {
    const t = e.atMs / 1000;
    if (e.kind === 'state') {
      if (current !== null && t > current.fromS) modes.push({ fromS: current.fromS, toS: t, mode: current.mode });
      current = { mode: e.code, fromS: t };
    } else if (e.kind === 'alarm') {
      alarms.push({ code: e.code, priority: e.detail ?? '', raisedS: t, ackS: null, clearedS: null });
    } else if (e.kind === 'command' && e.code === 'acknowledge') {
      for (const a of alarms) if (a.clearedS === null && a.ackS === null) a.ackS = t;
    } else if (e.kind === 'alarmCleared') {
      const open = alarms.find((a) => a.code === e.code && a.clearedS === null);
      if (open !== undefined) {
        open.clearedS = t;
        if (e.detail === 'acknowledged' && open.ackS === null) open.ackS = t;
      }
    }
  }
  if (current !== null && endS > current.fromS) modes.push({ fromS: current.fromS, toS: endS, mode: current.mode });
  return {
    modes,
    alarms,
    faults: faults.map((f) => ({
      kind: f.kind,
      onsetS: f.atSeconds,
      detectedS: f.latencySeconds === null ? null : f.atSeconds + f.latencySeconds,
      latencyS: f.latencySeconds,
      code: f.detectedBy,
    })),
    endS,
  };
}
