/**
 * The annunciator: the alarm signal the pump shows.
 *
 * Owns: the signal shown now (null: none).
 * Promises: the last signal shown is the current one; unpowered, it shows nothing new.
 */
import type { AlarmSignal, Annunciator } from '../../../hal/index.ts';

export class SimAnnunciator implements Annunciator {
  current: AlarmSignal | null = null;
  powered = true;

  show(signal: AlarmSignal | null): void {
    if (this.powered) this.current = signal;
  }
}
