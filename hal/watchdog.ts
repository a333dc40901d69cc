/**
 * The hardware watchdog: an independent down-counter on its own oscillator that resets the
 * processor when the firmware stops kicking it.
 *
 * Owns: the watchdog's timeout and the reset cause it leaves behind.
 * Promises: the watchdog runs from power-on and cannot be stopped; `kick()` restarts its count.
 * If no kick comes within `timeoutMs` the processor is reset (as if power cycled, without losing
 * NV), and `resetByWatchdog()` answers true for the power-on that follows — the reset-cause
 * register a microcontroller keeps through a reset (GIP 3.5.x, Open PCA R7.4.0(2)/(3)).
 */
export interface Watchdog {
  readonly timeoutMs: number;
  kick(): void;
  resetByWatchdog(): boolean;
}
