/**
 * The HAL clock seen through XState's `Clock` interface.
 *
 * Owns: the one place where the statechart's `after` delays meet the device's timers.
 * Promises: XState arms and cancels its delays on the HAL clock (`setTimer`/`clearTimer`), so
 * they share the one queue with the control task and every simulated event (DOMAIN.md §6: not
 * XState's SimulatedClock). `setTimeout`/`clearTimeout` here are only the property names XState
 * calls; no host timer is involved.
 */
import type { ActorOptions, AnyActorLogic } from 'xstate';
import type { Clock } from '../hal/index.ts';

export type XStateClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

export function xstateClock(clock: Clock): XStateClock {
  return {
    setTimeout: (callback, delayMs) => clock.setTimer(callback, delayMs),
    clearTimeout: (handle) => clock.clearTimer(handle as number),
  };
}
