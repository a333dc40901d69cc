/**
 * Known issues: firmware behaviours the verification found wrong and that are not fixed yet.
 *
 * Owns: the list, each with what is wrong, the regression file that reproduces it, and what a
 * check tolerates while it stays open.
 * Promises: a scripted run tolerates nothing unless asked; the model-based tests and the soak ask
 * to tolerate the open issues so that they keep finding new ones. Every issue here has an `open`
 * regression file replayed strictly by `npm test`: it must keep failing; when a fix makes it pass,
 * that test fails until the file is flipped to `fixed` and the issue removed from this list.
 *
 * Fixed so far (their regression files are `fixed` and must stay clean): over-infusion after a
 * quick start, a refused reprogram answered as accepted, the alarm signal surviving a reboot, the
 * stall alarm that never cleared, "connected" restored from the resume point after a reboot, a
 * refused audio pause that still silenced, a gauge sample older than the fill, an occlusion
 * blocking a set out of the port (simulator), a therapy resumed on a corrupted ledger.
 */
export interface KnownIssueInfo {
  /** What is wrong, and why. */
  readonly what: string;
  /** The `open` regression file that reproduces it. */
  readonly regression: string;
  /** What the checks let pass while it is open (the code that tolerates it names the issue). */
  readonly tolerates: string;
}

/** Open issues by name (none open at the moment). */
export const KNOWN_ISSUES: Readonly<Record<string, KnownIssueInfo>> = Object.freeze({});

/** A key of `KNOWN_ISSUES`. */
export type KnownIssue = string;
export const KNOWN_ISSUE_NAMES: readonly KnownIssue[] = Object.keys(KNOWN_ISSUES);
/** What the model-based tests and the soak tolerate: every open issue. */
export const OPEN_ISSUES: readonly KnownIssue[] = KNOWN_ISSUE_NAMES;
