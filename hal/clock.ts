/**
 * Clock and timers.
 *
 * Owns: the only source of time the firmware may use.
 * Promises: `nowMs()` is monotonic milliseconds since the device's epoch (simulated: the run's
 * start); callbacks fire in time order, never early, never from inside the call that armed them.
 * The shape of `setTimeout`/`clearTimeout` is exactly XState's `Clock`, so the statechart's
 * delays run on the same timers as everything else (DOMAIN.md §6: not XState's SimulatedClock).
 */
export type TimerHandle = number;

export interface Clock {
  nowMs(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * A hardware periodic timer: `callback` runs at start + k·periodMs for k = 1, 2, … with no
   * accumulated drift, until cleared with `clearTimeout`.
   */
  startPeriodic(periodMs: number, callback: () => void): TimerHandle;
}
