/**
 * The processor's memory tester and the real-time clock, simulated.
 *
 * Owns: which memory region is damaged (a `selfTestFailure` fault on `rom` or `ram`), and the
 * real-time clock: calendar time from its own crystal, `startEpochMs` at the run's start, which a
 * `clock` fault stops (a failed crystal).
 * Promises: without a fault every check passes and the clock runs with the virtual clock, to the
 * millisecond; a stopped clock keeps answering the time it stopped at (as a dead crystal does).
 */
import type { Clock, HalResult, MemoryCheck, MemoryRegion, MemoryTester, RealTimeClock, RtcReading } from '../../../hal/index.ts';
import { halError } from '../../../hal/index.ts';

/** Calendar time at the start of a run: Monday 5 January 2026, 08:00 UTC. */
export const DEFAULT_START_EPOCH_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

export class SimMemoryTester implements MemoryTester {
  private readonly damaged = new Set<MemoryRegion>();

  constructor(private readonly clock: Clock) {}

  setDamaged(region: MemoryRegion, damaged: boolean): void {
    if (damaged) this.damaged.add(region);
    else this.damaged.delete(region);
  }

  check(region: MemoryRegion): HalResult<MemoryCheck> {
    if (this.damaged.has(region)) return halError('other', region === 'rom' ? 'program image CRC mismatch' : 'RAM march test failed');
    return { ok: true, atMs: this.clock.nowMs(), region };
  }
}

export class SimRealTimeClock implements RealTimeClock {
  /** Device-clock time at which the crystal stopped (null: running). */
  private stoppedAtMs: number | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly startEpochMs = DEFAULT_START_EPOCH_MS,
  ) {}

  setStopped(stopped: boolean): void {
    if (stopped && this.stoppedAtMs === null) this.stoppedAtMs = this.clock.nowMs();
    if (!stopped) this.stoppedAtMs = null;
  }

  read(): HalResult<RtcReading> {
    const nowMs = this.clock.nowMs();
    return { ok: true, atMs: nowMs, epochMs: this.startEpochMs + (this.stoppedAtMs ?? nowMs) };
  }
}
