/**
 * The processor's hardware watchdog and its control task, simulated.
 *
 * Owns: the watchdog's count (the time of the last kick), its expiry, the reset cause the next
 * boot reads, and whether the firmware's control task is hung (a `watchdog` fault).
 * Promises:
 * - The watchdog runs from every power-on (`powerOn`) until the power goes (`powerOff`); it is
 *   checked on its own timer, one event at the earliest instant it could expire (the last kick
 *   plus the timeout), re-armed there when a kick came since, so it costs no event per kick.
 *   Unkicked for `timeoutMs`, it calls `onExpire` at exactly the last kick (or power-on) plus
 *   the timeout.
 * - `taskClock` is the HAL clock as the firmware sees it: every call goes to the virtual clock,
 *   except that a periodic task's callback (the control task) is not run while the task is hung.
 *   A hang ends at its own end or at a reset, whichever is first (a reset restarts the software).
 */
import type { Clock, TimerHandle, Watchdog } from '../../../hal/index.ts';

/** Three control periods of 1 s: one late period is tolerated, a task stopped for three is not. */
export const WATCHDOG_TIMEOUT_MS = 3_000;

export class SimWatchdog implements Watchdog {
  private lastKickMs = 0;
  private handle: TimerHandle = -1;
  private byWatchdog = false;
  private hungUntilMs = -1;
  /** Watchdog resets so far in the run. */
  resets = 0;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: () => void,
    readonly timeoutMs = WATCHDOG_TIMEOUT_MS,
  ) {}

  kick(): void {
    this.lastKickMs = this.clock.nowMs();
  }

  resetByWatchdog(): boolean {
    return this.byWatchdog;
  }

  /** The processor powers on: the count starts; `byWatchdog` is the reset cause it will read. */
  powerOn(byWatchdog: boolean): void {
    this.byWatchdog = byWatchdog;
    this.hungUntilMs = -1;
    this.lastKickMs = this.clock.nowMs();
    this.arm();
  }

  powerOff(): void {
    this.clock.clearTimer(this.handle);
    this.handle = -1;
  }

  /** The control task hangs from now for `durationMs` (its periodic callback does not run). */
  hang(durationMs: number): void {
    this.hungUntilMs = this.clock.nowMs() + durationMs;
  }

  get hung(): boolean {
    return this.clock.nowMs() < this.hungUntilMs;
  }

  /** The clock the firmware is given: the virtual clock, with the control task held while hung. */
  taskClock(): Clock {
    const clock = this.clock;
    return {
      nowMs: () => clock.nowMs(),
      setTimer: (callback, delayMs) => clock.setTimer(callback, delayMs),
      clearTimer: (handle) => clock.clearTimer(handle),
      startPeriodic: (periodMs, callback) =>
        clock.startPeriodic(periodMs, () => {
          if (clock.nowMs() >= this.hungUntilMs) callback();
        }),
    };
  }

  private arm(): void {
    this.handle = this.clock.setTimer(() => this.check(), this.lastKickMs + this.timeoutMs - this.clock.nowMs());
  }

  private check(): void {
    if (this.clock.nowMs() - this.lastKickMs < this.timeoutMs) {
      this.arm();
      return;
    }
    this.handle = -1;
    this.resets++;
    this.onExpire();
  }
}
