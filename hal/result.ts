/**
 * Results of hardware operations.
 *
 * Owns: the one error vocabulary every device shares (after embedded-hal's `ErrorKind`).
 * Promises: an operation that can fail returns either its value (tagged `ok: true`) or a
 * `HalError` naming how it failed; it never throws for an operating fault. Throwing is kept for
 * programmer errors (a broken invariant), which should crash loudly.
 *
 * Readings carry the `ok: true` tag themselves instead of being wrapped, so the 1 Hz control path
 * allocates one object per reading, not two.
 */
export type HalErrorKind = 'disconnected' | 'outOfRange' | 'stale' | 'other';

export interface HalError {
  readonly ok: false;
  readonly kind: HalErrorKind;
  readonly detail: string;
}

export type HalResult<T extends { readonly ok: true }> = T | HalError;

export interface Done {
  readonly ok: true;
}

/** The shared success value for operations that return nothing. */
export const DONE: Done = Object.freeze({ ok: true as const });

export function halError(kind: HalErrorKind, detail: string): HalError {
  return { ok: false, kind, detail };
}
