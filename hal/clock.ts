/**
 * Clock and timers.
 *
 * Owns: the only source of time the firmware may use.
 * Promises: `nowMs()` is monotonic milliseconds since the device's epoch (simulated: the run's
 * start); callbacks fire in time order, never early, never from inside the call that armed them.
 * sim/world/board.ts (the board's binding) adapts it to XState's `Clock` interface, so the statechart's delays run on the
 * same timers as everything else (docs/domain.md §6: not XState's SimulatedClock). The methods are not
 * named like the host's timers on purpose: firmware that calls a timer calls this one, and the
 * source scan (test/architecture.test.ts) can tell it from the host's.
 */
export type TimerHandle = number;

export interface Clock {
  nowMs(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /**
   * A hardware periodic timer: `callback` runs at start + k·periodMs for k = 1, 2, … with no
   * accumulated drift, until cleared with `clearTimer`.
   */
  startPeriodic(periodMs: number, callback: () => void): TimerHandle;
}
