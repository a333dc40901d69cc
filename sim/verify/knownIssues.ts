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
 * stall alarm that never cleared, "connected" restored from the resume point after a reboot.
 */
export const KNOWN_ISSUES = Object.freeze({
  'occlusion-blocks-unaccessed-set': {
    what: 'Simulator (sim/plant.ts), not firmware: a catheter occlusion also blocks the set while the needle is not in the port, so a prime into the air builds up a stored volume (and pressure) behind an occlusion it cannot reach; the volume is then released as a bolus when the occlusion clears.',
    regression: 'test/regressions/occlusion-before-access-stores-the-prime.json',
    tolerates: 'the post-occlusion bolus check, for an occlusion that was active while the needle was out of the port',
  },
  'refused-audio-pause-silences': {
    what: 'An audio pause pressed while no alarm is present is answered "refused", yet Firmware.command applies it: the next alarm within 2 minutes starts silent. A refused command must change nothing (and a pre-emptive silence is not an IEC 60601-1-8 audio pause, which acts on an alarm signal that is sounding).',
    regression: 'test/regressions/refused-audio-pause-silences-the-next-alarm.json',
    tolerates: 'the audio-pause re-arm check counting from the latest audio pause, refused or not',
  },
} satisfies Record<string, { what: string; regression: string; tolerates: string }>);

export type KnownIssue = keyof typeof KNOWN_ISSUES;
export const KNOWN_ISSUE_NAMES = Object.keys(KNOWN_ISSUES) as [KnownIssue, ...KnownIssue[]];
/** What the model-based tests and the soak tolerate: every open issue. */
export const OPEN_ISSUES: readonly KnownIssue[] = KNOWN_ISSUE_NAMES;
