/**
 * `pumpsim population` (sim/cli/population.ts): its options are checked before any cycle runs, and
 * `--from i --cycles 1` reruns cycle i alone (the replay command a report prints), and its shards
 * merge to the whole campaign.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_OK } from '../../../sim/cli/exitCodes.ts';
import { populationPatient } from '../../../sim/campaigns/population.ts';
import { resultDigest, withoutExecution } from '../../../sim/campaigns/shardFile.ts';
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

describe('pumpsim population in shards', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-population-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('PUMP-SHARDS two shards merge to the whole campaign\'s JSON and digest; a shard of another population is refused', async () => {
    const whole = await cli('population', '--from', '4', '--cycles', '2', '--workers', '1', '--json');
    expect(whole.code, whole.stderr).toBe(EXIT_OK);
    const files = ['1/2', '2/2'].map((s, i) => ({ s, file: path.join(dir, `p${i + 1}.json`) }));
    for (const { s, file } of files) {
      const r = await cli('population', '--from', '4', '--cycles', '2', '--workers', '1', '--shard', s, '--out', file, '--json');
      expect(r.code, r.stderr).toBe(EXIT_OK);
      expect(JSON.parse(r.stdout)).toMatchObject({ campaign: 'population', runs: 1 });
    }
    const merged = await cli('merge', ...files.map((f) => f.file), '--json');
    expect(merged.code, merged.stderr).toBe(EXIT_OK);
    const m = JSON.parse(merged.stdout) as Record<string, unknown>;
    const w = JSON.parse(whole.stdout) as Record<string, unknown>;
    expect(withoutExecution('population', m)).toEqual(withoutExecution('population', w));
    expect((m['merged'] as { digestSha256: string }).digestSha256).toBe(resultDigest('population', w));
    // A result file whose cycle is not the one its run index names.
    const f = JSON.parse(readFileSync(files[0]?.file as string, 'utf8')) as { results: { result: { patient: { index: number } } }[] };
    (f.results[0] as { result: { patient: unknown } }).result.patient = populationPatient(99);
    const forged = path.join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify(f));
    expectInputError(await cli('merge', forged, files[1]?.file as string), /not cycle 4 of this population/);
  });
});
