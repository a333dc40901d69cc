/**
 * Telemetry files: the samples of a run (or of a course's cycles) as CSV or NDJSON.
 *
 * Owns: the two formats (chosen by the file's extension), the column order (`TELEMETRY_COLUMNS`,
 * with `cycle` first for a course), and writing rows as they come, in chunks.
 * Promises: one header line then one line per sample (CSV; an empty field is a null, text fields
 * hold no comma, quote or newline), or one JSON object per line (NDJSON, nulls as null); the file
 * is complete when `close` returns.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TelemetrySample } from '../run/telemetry.ts';
import { TELEMETRY_COLUMNS } from '../run/telemetry.ts';

export type TelemetryFormat = 'csv' | 'ndjson';

const CHUNK_CHARS = 1 << 16;

/** The format a file name asks for, or null for any other extension. */
export function telemetryFormatOf(file: string): TelemetryFormat | null {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.ndjson$/i.test(file)) return 'ndjson';
  return null;
}

export class TelemetryFileWriter {
  private readonly fd: number;
  private buffer = '';
  private readonly columns: readonly string[];

  /** Opens (creates or truncates) `file`; throws the system's error when it cannot be written. */
  constructor(
    file: string,
    private readonly format: TelemetryFormat,
    private readonly withCycle: boolean,
  ) {
    this.fd = openSync(file, 'w');
    this.columns = withCycle ? ['cycle', ...TELEMETRY_COLUMNS] : [...TELEMETRY_COLUMNS];
    if (format === 'csv') this.buffer = `${this.columns.join(',')}\n`;
  }

  write(sample: TelemetrySample, cycle?: number): void {
    const values: Record<string, unknown> = this.withCycle ? { cycle: cycle ?? null, ...sample } : { ...sample };
    if (this.format === 'ndjson') {
      const row: Record<string, unknown> = {};
      for (const c of this.columns) row[c] = values[c] ?? null;
      this.buffer += `${JSON.stringify(row)}\n`;
    } else {
      this.buffer += `${this.columns.map((c) => csvField(values[c])).join(',')}\n`;
    }
    if (this.buffer.length >= CHUNK_CHARS) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer.length > 0) writeSync(this.fd, this.buffer);
    this.buffer = '';
  }
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value);
}
