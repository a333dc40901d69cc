/**
 * The typed command interface: the only way in from outside (keypad, clinician programmer, test).
 *
 * Owns: the command vocabulary and the answer to each command.
 * Promises: a command is accepted only if the current mode handles it; otherwise the answer says
 * which mode refused it. Nothing else can change the pump's mode from outside.
 */
import type { PrescriptionInput } from './dosing.ts';

export type PumpCommand =
  | { readonly type: 'program'; readonly prescription: PrescriptionInput; readonly confirmSoftLimits?: boolean }
  | { readonly type: 'prime' }
  | { readonly type: 'start' }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'acknowledge' }
  | { readonly type: 'audioPause' }
  | { readonly type: 'stop' }
  | { readonly type: 'flush' }
  | { readonly type: 'refill'; readonly volumeMl: number };

export type PumpCommandType = PumpCommand['type'];

export interface CommandAnswer {
  readonly accepted: boolean;
  /** The pump's mode after the command (dotted state path). */
  readonly mode: string;
  readonly reason?: string;
}
