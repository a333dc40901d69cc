/**
 * The board's binding of the statechart's timers to the HAL clock.
 *
 * Owns: the one place where XState's `after` delays meet the device's timers.
 * Promises: XState arms and cancels its delays on the HAL clock (`setTimer`/`clearTimer`), so
 * they share the one queue with the control task and every simulated event (docs/domain.md §6: not
 * XState's SimulatedClock, and never the host's timers). `setTimeout`/`clearTimeout` here are only
 * the property names XState calls. The firmware takes this clock as a required dependency
 * (`FirmwareOptions.statechartClock`) the way it takes its devices: the board wires it — here the
 * simulator, on a device its board-support code — and firmware/ itself never names a timer.
 */
import type { Clock } from '../../hal/index.ts';
import type { StatechartClock } from '../../firmware/index.ts';

export function xstateClock(clock: Clock): StatechartClock {
  return {
    setTimeout: (callback, delayMs) => clock.setTimer(callback, delayMs),
    clearTimeout: (handle) => clock.clearTimer(handle as number),
  };
}
