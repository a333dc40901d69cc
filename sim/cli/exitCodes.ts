/**
 * The exit codes of `pumpsim` and the error that means invalid input.
 *
 * Owns: what each exit code means, shared by the entry (sim/cli/main.ts) and the commands.
 * Promises: exit 0, the job completed (alarms and violations are results); exit 2, invalid input,
 * reported on one line; exit 1, an internal error, or a campaign whose checks failed
 * (`CheckFailed`: the campaign's result is printed first).
 */

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_INVALID_INPUT = 2;

/** Invalid input from the user: reported on one line, exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** A campaign ran and found failures (its result already printed): exit 1. */
export class CheckFailed extends Error {
  override readonly name = 'CheckFailed';
}
