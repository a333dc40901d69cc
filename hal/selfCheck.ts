/**
 * The processor's own integrity checks and the real-time clock.
 *
 * Owns: the memory tester (a CRC of the program image against the one stored at build, a march
 * test of RAM) and the real-time clock (calendar time from its own crystal, on its own supply).
 * Promises: a check that finds damage answers with a `HalError` (kind `other`) naming what it
 * found; a reading carries the time it was taken on the device clock (`atMs`) beside the calendar
 * time (`epochMs`, milliseconds since 1970-01-01T00:00:00Z), so the firmware can hold the two
 * clocks against each other.
 */
import type { HalResult } from './result.ts';

export type MemoryRegion = 'rom' | 'ram';

export interface MemoryCheck {
  readonly ok: true;
  readonly atMs: number;
  readonly region: MemoryRegion;
}

export interface MemoryTester {
  check(region: MemoryRegion): HalResult<MemoryCheck>;
}

export interface RtcReading {
  readonly ok: true;
  readonly atMs: number;
  readonly epochMs: number;
}

export interface RealTimeClock {
  read(): HalResult<RtcReading>;
}
