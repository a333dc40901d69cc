/**
 * The annunciator: the alarm signal the pump shows.
 *
 * Owns: the signal shown now (null: none), and whether the speaker is open (a
 * `selfTestFailure` fault on `annunciator`).
 * Promises: the last signal shown is the current one; unpowered, it shows nothing new. `test()`
 * fails while the speaker is open or the annunciator unpowered.
 */
import type { AlarmSignal, Annunciator, Done, HalResult } from '../../../hal/index.ts';
import { DONE, halError } from '../../../hal/index.ts';

export class SimAnnunciator implements Annunciator {
  current: AlarmSignal | null = null;
  powered = true;
  /** The speaker's circuit is open: the tone cannot sound (what the self-test reads back). */
  speakerOpen = false;

  show(signal: AlarmSignal | null): void {
    if (this.powered) this.current = signal;
  }

  test(): HalResult<Done> {
    if (!this.powered) return halError('disconnected', 'annunciator unpowered');
    return this.speakerOpen ? halError('other', 'speaker driver draws no current') : DONE;
  }
}
