/**
 * `pumpsim population` (sim/cli/population.ts): its options are checked before any cycle runs, and
 * `--from i --cycles 1` reruns cycle i alone (the replay command a report prints).
 */
import { describe, expect, it } from 'vitest';
import { EXIT_OK } from '../../../sim/cli/exitCodes.ts';
import { populationPatient } from '../../../sim/campaigns/population.ts';
import { cli, expectInputError } from '../../support/cli.ts';

describe('pumpsim population', () => {
  it('PUMP-CLI an unknown device profile or a bad count is refused (exit 2, one line), naming the allowed values', async () => {
    expectInputError(await cli('population', '--device', 'pump-9000'), /--device must be one of: port-ambulatory, .* \(got "pump-9000"\)/);
    expectInputError(await cli('population', '--cycles', '0'), /--cycles must be an integer 1–100000/);
    expectInputError(await cli('population', '--from', '-1'), /--from must be an integer 0–1000000/);
  });

  it('PUMP-CLI PUMP-NO-FALSE-ALARM --from 11 --cycles 1 --json runs cycle 11 alone and prints one JSON object with its count', async () => {
    const r = await cli('population', '--from', '11', '--cycles', '1', '--workers', '1', '--json');
    expect(r.code, r.stderr).toBe(EXIT_OK);
    const j = JSON.parse(r.stdout) as { cycles: number; device: string; cyclesWithAlarm: number; alarmed: { patient: { index: number } }[] };
    expect(j).toMatchObject({ cycles: 1, device: 'port-ambulatory' });
    expect(j.cyclesWithAlarm).toBe(j.alarmed.length);
    for (const a of j.alarmed) expect(a.patient).toEqual(populationPatient(11));
  });
});
