/**
 * The processor's hardware watchdog and its control task, simulated.
 *
 * Owns: the watchdog's count (the time of the last kick), its expiry, the reset cause the next
 * boot reads, and whether the firmware's control task is hung (a `watchdog` fault).
 * Promises:
 * - The watchdog runs from every power-on (`powerOn`) until the power goes (`powerOff`). Its
 *   count is looked at on the instants of the control task's hardware timer, which fires whether
 *   or not the task behind it runs (the task hangs, not the timer), so it costs no event of its
 *   own: unkicked for `timeoutMs` (a multiple of the control period), it calls `onExpire` at the
 *   first timer instant at or after the last kick (or power-on) plus the timeout, instead of
 *   running the task.
 * - `taskClock` is the HAL clock as the firmware sees it: every call goes to the virtual clock,
 *   except that a periodic task's callback (the control task) is not run while the task is hung.
 *   A hang ends at its own end or at a reset, whichever is first (a reset restarts the software).
 */
import type { Clock, Watchdog } from '../../../hal/index.ts';

/** Three control periods of 1 s: one late period is tolerated, a task stopped for three is not. */
export const WATCHDOG_TIMEOUT_MS = 3_000;

export class SimWatchdog implements Watchdog {
  private lastKickMs = 0;
  private running = false;
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
    this.running = true;
  }

  powerOff(): void {
    this.running = false;
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
          const nowMs = clock.nowMs();
          if (this.running && nowMs - this.lastKickMs >= this.timeoutMs) this.expire();
          else if (nowMs >= this.hungUntilMs) callback();
        }),
    };
  }

  private expire(): void {
    this.running = false;
    this.resets++;
    this.onExpire();
  }
}
