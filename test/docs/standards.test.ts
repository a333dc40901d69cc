/**
 * docs/standards.md shows the virtual bench's disclosure of every built-in profile exactly as the
 * bench computes it at the command's defaults (the generated block), so a reader's tables are the
 * ones `pumpsim standard` prints. Runs the whole bench once per built-in profile.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WRITE_COMMAND, blockFile, checkBlock } from '../../sim/tools/docBlocks.ts';
import { BUILT_IN_PROFILE_NAMES } from '../../sim/scenario/device.ts';

describe('the disclosure of the built-in profiles as documented', () => {
  it(`PUMP-BENCH-DOC docs/standards.md holds the bench's disclosure of every built-in profile, generated (fix: ${WRITE_COMMAND})`, () => {
    const check = checkBlock('standard-disclosure');
    expect(check.ok ? 'current' : check.message).toBe('current');
    const doc = readFileSync(blockFile('standard-disclosure'), 'utf8');
    for (const name of BUILT_IN_PROFILE_NAMES) expect(doc).toContain(`### ${name}\n`);
    for (const heading of ['Flow accuracy, stroke method', 'Flow accuracy, ambulatory method', 'Occlusion (', 'Back-pressure held at the outlet', 'Temperature held from the start of the infusion (']) expect(doc).toContain(heading);
  });
});
