/**
 * Alarm annunciator: the lights and the speaker.
 *
 * Owns: what the user sees and hears.
 * Promises: `show(signal)` replaces the current signal; `null` is silence and no alarm light.
 * `test()` sounds the tone and lights the light for an instant and reads back the drivers'
 * current: an open speaker or light answers with a `HalError`. Priorities use IEC 60601-1-8
 * vocabulary.
 */
import type { Done, HalResult } from './result.ts';

export type AlarmPriority = 'high' | 'medium' | 'low';

export interface AlarmSignal {
  readonly code: string;
  readonly priority: AlarmPriority;
  /** False while audio is paused; the visual signal stays. */
  readonly audible: boolean;
}

export interface Annunciator {
  show(signal: AlarmSignal | null): void;
  test(): HalResult<Done>;
}
