/**
 * The command campaign, bounded and from a fixed seed: the full one is `pumpsim campaign commands`
 * (docs/link.md). It must pass, and its tallies must show it attacked what it says it attacks.
 */
import { describe, expect, it } from 'vitest';
import { FRAME_KINDS, runCommandCampaign } from '../../../sim/campaigns/commands.ts';
import { cli } from '../../support/cli.ts';

describe('campaign commands', () => {
  it('PUMP-LINK-AUTH PUMP-READING-VALID 600 frames and every invalid reading while infusing: nothing hostile accepted, no crash, no change from a refused frame, none masked', () => {
    const r = runCommandCampaign({ frames: 600, seed: 15, readingModes: ['infusing'] });
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(true);
    expect(r.frames).toBe(600);
    for (const kind of FRAME_KINDS) expect(r.framesByKind[kind], kind).toBeGreaterThan(0);
    expect(r.acceptedValid).toBeGreaterThan(0);
    for (const reason of ['malformed', 'truncated', 'oversized', 'badTag', 'staleCounter', 'invalidCommand']) expect(r.refusedByReason[reason] ?? 0, reason).toBeGreaterThan(0);
    expect(Object.keys(r.framesByMode).length).toBeGreaterThanOrEqual(4);
    expect(r.invalidReadings).toBeGreaterThan(60);
    expect(r.maskedReadings).toBe(0);
  });

  it('PUMP-LINK-AUTH prints the campaign as one JSON object with --json and exits 0 when it passes', async () => {
    const r = await cli('campaign', 'commands', '--frames', '20', '--seed', '2', '--no-readings', '--json');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['frames', 'acceptedValid', 'refusedByReason', 'acceptedForged', 'acceptedReplayed', 'crashes', 'stateChangesFromRefused', 'invalidReadings', 'maskedReadings', 'failures']) expect(printed).toHaveProperty(key);
  });
});
