/**
 * Campaigns in shards (sim/cli/shard.ts, sim/cli/merge.ts, sim/campaigns/shardFile.ts): a campaign
 * run as three separate shard processes in parallel and merged gives the whole run's result and
 * digest; so does a cohort; an incomplete or duplicated set, a foreign file and a bad shard spec
 * are refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readShardFile, resultDigest, withoutExecution } from '../../../sim/campaigns/shardFile.ts';
import { GRID_FAULTS } from '../../../sim/campaigns/detection.ts';
import type { CliResult } from '../../support/cli.ts';
import { cli, expectInputError } from '../../support/cli.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** A small storage campaign: four runs, each a pump simulated through power cuts and its fault-free twin. */
const STORAGE = ['campaign', 'storage', '--runs', '4', '--seed', '11', '--workers', '1'];
/** A cohort of the clinical layer only (no pump: milliseconds a patient). */
const COHORT = ['cohort', '--patients', '3', '--seed', '7', '--max-cycles', '2', '--clinical-only', '--workers', '0'];
const CLINICAL = ['cohort', '--patients', '8', '--seed', '3', '--clinical-only', '--workers', '0'];

let dir: string;
const file = (name: string): string => path.join(dir, name);

/** The CLI as its own process (the loader the npm script uses), with `env` added. */
async function spawnCli(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', './sim/tools/loader/register.mjs', 'sim/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout;
}

function json(r: CliResult): Record<string, unknown> {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** A shard file without what says how it ran (wall times). */
function runsOnly(name: string): unknown {
  const f = JSON.parse(readFileSync(file(name), 'utf8')) as { execution: unknown; results: { run: number; result: { wallMs?: number } }[] };
  return { ...f, execution: null, results: f.results.map((r) => ({ run: r.run, result: { ...r.result, wallMs: null } })) };
}

let whole: Record<string, unknown>;
let wholeStorage: Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-shards-'));
  // The three shards as separate processes at once, the second through JOB_COMPLETION_INDEX as a Kubernetes Indexed Job gives it.
  const spawned = Promise.all([
    spawnCli([...STORAGE, '--shard', '1/3', '--out', file('storage-1.json')]),
    spawnCli([...STORAGE, '--shards', '3', '--out', file('storage-2.json')], { JOB_COMPLETION_INDEX: '1' }),
    spawnCli([...STORAGE, '--shard', '3/3', '--out', file('storage-3.json')]),
  ]);
  wholeStorage = json(await cli(...STORAGE, '--json'));
  for (const i of [1, 2, 3]) expect((await cli(...COHORT, '--shard', `${i}/3`, '--out', file(`shard-${i}.json`))).code).toBe(0);
  whole = json(await cli(...COHORT, '--json', '--out', file('whole.json')));
  await spawned;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a campaign in shards', () => {
  it('PUMP-SHARDS a storage campaign run as 3 shard processes in parallel and merged prints the whole run\'s JSON and the same digest', async () => {
    const merged = json(await cli('merge', file('storage-2.json'), file('storage-3.json'), file('storage-1.json'), '--json'));
    expect(withoutExecution('storage', merged)).toEqual(wholeStorage);
    expect((merged['merged'] as { digestSha256: string }).digestSha256).toBe(resultDigest('storage', wholeStorage));
    expect(JSON.parse(readFileSync(file('storage-1.json'), 'utf8'))).toMatchObject({ shard: { index: 1, count: 3 }, runs: { total: 4, indices: [0, 3] } });
    expect(JSON.parse(readFileSync(file('storage-2.json'), 'utf8'))).toMatchObject({ shard: { index: 2, count: 3 }, runs: { total: 4, indices: [1] } });
    expectInputError(await cli('merge', file('storage-1.json'), file('storage-3.json')), /missing shard\(s\) 2\/3: 1 of 4 runs in no file \(runs 1\)/);
    expectInputError(await cli('merge', file('storage-1.json'), file('storage-2.json'), file('storage-2.json'), file('storage-3.json')), /shard 2\/3 given twice/);
  });

  it('PUMP-SHARDS a cohort run as 3 shards and merged prints the whole run\'s JSON (wall times aside) and the same digest, whatever order the files come in', async () => {
    const merged = json(await cli('merge', file('shard-3.json'), file('shard-1.json'), file('shard-2.json'), '--json'));
    expect(withoutExecution('cohort', merged)).toEqual(withoutExecution('cohort', whole));
    const digest = (merged['merged'] as { digestSha256: string }).digestSha256;
    expect(digest).toBe(resultDigest('cohort', whole));
    const inOrder = json(await cli('merge', file('shard-1.json'), file('shard-2.json'), file('shard-3.json'), '--json'));
    expect((inOrder['merged'] as { digestSha256: string }).digestSha256).toBe(digest);
    // The whole run's own file (shard 1/1) merges to the same digest.
    const alone = json(await cli('merge', file('whole.json'), '--json'));
    expect((alone['merged'] as { digestSha256: string }).digestSha256).toBe(digest);
    expect((whole['outcomes'] as unknown[]).length).toBe(3);
  });

  it('PUMP-SHARDS the text merge prints the whole run\'s table and the digest line', async () => {
    for (const i of [1, 2]) expect((await cli(...CLINICAL, '--shard', `${i}/2`, '--out', file(`clinical-${i}.json`))).code).toBe(0);
    const text = await cli('merge', file('clinical-2.json'), file('clinical-1.json'));
    expect(text.code, text.stderr).toBe(0);
    const table = await cli(...CLINICAL);
    const body = (s: string): string => s.split('\n').filter((l) => !/ms wall time|^merged /.test(l)).join('\n');
    expect(body(text.stdout)).toBe(body(table.stdout));
    expect(text.stdout).toMatch(/^merged 8 runs of campaign cohort from 2 shards; digest sha256:[0-9a-f]{64}$/m);
  });

  it('PUMP-SHARDS JOB_COMPLETION_INDEX=k with --shards n runs the same shard as --shard k+1/n', async () => {
    const saved = process.env['JOB_COMPLETION_INDEX'];
    try {
      for (const k of [0, 1, 2]) {
        process.env['JOB_COMPLETION_INDEX'] = String(k);
        expect((await cli(...CLINICAL, '--shards', '3', '--out', file(`indexed-${k}.json`))).code).toBe(0);
        expect((await cli(...CLINICAL, '--shard', `${k + 1}/3`, '--out', file(`named-${k + 1}.json`))).code).toBe(0);
        expect(runsOnly(`indexed-${k}.json`)).toEqual(runsOnly(`named-${k + 1}.json`));
      }
    } finally {
      if (saved === undefined) delete process.env['JOB_COMPLETION_INDEX'];
      else process.env['JOB_COMPLETION_INDEX'] = saved;
    }
  });

  it('PUMP-SHARDS a missing shard is refused with exit 2, naming the shard and its runs', async () => {
    expectInputError(await cli('merge', file('shard-1.json'), file('shard-3.json')), /missing shard\(s\) 2\/3: 1 of 3 runs in no file \(runs 1\)/);
  });

  it('PUMP-SHARDS a duplicated shard is refused with exit 2, naming it and both files', async () => {
    const f = JSON.parse(readFileSync(file('shard-2.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(file('again-2.json'), JSON.stringify(f));
    expectInputError(await cli('merge', file('shard-1.json'), file('shard-2.json'), file('again-2.json'), file('shard-3.json')), /shard 2\/3 given twice \(.*shard-2\.json, .*again-2\.json\): runs 1 duplicated/);
  });

  it('PUMP-SHARDS shards of different campaigns, seeds or source are refused with exit 2, naming the field', async () => {
    const f = JSON.parse(readFileSync(file('shard-3.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(file('other-source.json'), JSON.stringify({ ...f, sourceSha256: '0'.repeat(64) }));
    expectInputError(await cli('merge', file('shard-1.json'), file('shard-2.json'), file('other-source.json')), /other-source\.json: sourceSha256 0{64} differs from .*shard-1\.json's/);
    writeFileSync(file('other-version.json'), JSON.stringify({ ...f, version: '9.9.9' }));
    expectInputError(await cli('merge', file('shard-1.json'), file('shard-2.json'), file('other-version.json')), /version 9\.9\.9 differs/);
    // Another seed draws other patients: the file's results are not its runs.
    writeFileSync(file('other-seed.json'), JSON.stringify({ ...f, parameters: { ...(f['parameters'] as object), seed: 8 } }));
    expectInputError(await cli('merge', file('other-seed.json')), /other-seed\.json: results\[0\] \(run 2\): patient: not patient 2 of this cohort/);
    // A whole run is shard 1/1: not one of three.
    expectInputError(await cli('merge', file('whole.json'), file('shard-2.json')), /shard\.count 3 differs from .*whole\.json's 1/);
  });

  it('PUMP-SHARDS a merge input that is not JSON, not a shard file, or holds other runs than its shard is refused with exit 2, naming the field', async () => {
    writeFileSync(file('not-json.json'), 'shard 1 of 3');
    expectInputError(await cli('merge', file('not-json.json')), /not-json\.json: not valid JSON/);
    expectInputError(await cli('merge', file('absent.json')), /cannot read shard file .*absent\.json: ENOENT/);
    const f = JSON.parse(readFileSync(file('shard-1.json'), 'utf8')) as Record<string, unknown>;
    const bad: readonly [string, Record<string, unknown>, RegExp][] = [
      ['format', { ...f, format: 'vitest-blob' }, /not a pumpsim shard file: format: must be "pumpsim-shard"/],
      ['campaign', { ...f, campaign: 'physiology' }, /campaign: must be one of cohort, detection, storage, commands, population/],
      ['shard', { ...f, shard: { index: 4, count: 3 } }, /shard\.index must be an integer 1–3 \(shard\.count\), got 4/],
      ['shard count', { ...f, shard: { index: 1, count: 0 } }, /shard\.count: must be an integer 1–10000/],
      ['indices', { ...f, runs: { total: 3, indices: [0, 1] } }, /runs\.indices are not shard 1\/3's runs/],
      ['total', { ...f, runs: { total: 5, indices: [0] } }, /runs\.total is 5, but a cohort campaign with these parameters has 3 runs/],
      ['parameters', { ...f, parameters: { ...(f['parameters'] as object), patients: 0 } }, /parameters of a cohort campaign: patients: must be an integer 1–1000/],
      ['extra field', { ...f, note: 'x' }, /not a pumpsim shard file: .*note/],
      ['result', { ...f, results: [{ run: 0, result: { cyclesInfused: 'many' } }] }, /results\[0\] \(run 0\): /],
      ['result run', { ...f, results: [{ run: 2, result: (f['results'] as { result: unknown }[])[0]?.result }] }, /results\[0\]\.run must be 0 \(runs\.indices\[0\]\), got 2/],
      ['result count', { ...f, results: [] }, /results holds 0 runs, runs\.indices 1/],
    ];
    for (const [name, content, pattern] of bad) {
      writeFileSync(file(`bad-${name}.json`), JSON.stringify(content));
      expectInputError(await cli('merge', file(`bad-${name}.json`)), pattern);
    }
  });

  it('PUMP-SHARDS a bad shard spec or JOB_COMPLETION_INDEX is refused with exit 2 and the allowed range, before any run', async () => {
    for (const spec of ['0/3', '4/3', 'a/b', '1/0', '2', '1/10001', '-1/3']) {
      expectInputError(await cli('campaign', 'storage', '--shard', spec, '--out', file('x.json')), /--shard must be i\/n, integers with 1 ≤ i ≤ n ≤ 10000/);
    }
    expectInputError(await cli('campaign', 'storage', '--shards', '0', '--out', file('x.json')), /--shards must be an integer 1–10000/);
    expectInputError(await cli('detection', '--shard', '1/2', '--shards', '2', '--out', file('x.json')), /--shard and --shards: give one/);
    expectInputError(await cli('campaign', 'commands', '--shard', '1/2'), /--out FILE is required/);
    expectInputError(await cli('cohort', '--shard', '1/2', '--out', file('x.json'), '--report', file('r.html')), /--report: a shard writes only its result file; give --report to pumpsim merge/);
    expectInputError(await cli('campaign', 'storage', '--shard', '1/2', '--run', '3', '--out', file('x.json')), /--run: a shard writes only its result file/);
    expectInputError(await cli('campaign', 'storage', '--out', path.join(dir, 'no-such-dir', 'x.json')), /--out .*: cannot write the file \(ENOENT\)/);
    const saved = process.env['JOB_COMPLETION_INDEX'];
    try {
      delete process.env['JOB_COMPLETION_INDEX'];
      expectInputError(await cli('campaign', 'storage', '--shards', '3', '--out', file('x.json')), /--shards 3: JOB_COMPLETION_INDEX must be set .* an integer 0–2/);
      for (const value of ['3', '-1', '1.5', 'one', '']) {
        process.env['JOB_COMPLETION_INDEX'] = value;
        expectInputError(await cli('campaign', 'storage', '--shards', '3', '--out', file('x.json')), new RegExp(`JOB_COMPLETION_INDEX must be an integer 0–2 \\(the 0-based shard index for --shards 3\\), got "${value.replace('.', '\\.')}"`));
      }
    } finally {
      if (saved === undefined) delete process.env['JOB_COMPLETION_INDEX'];
      else process.env['JOB_COMPLETION_INDEX'] = saved;
    }
  });

  it('PUMP-SHARDS a detection shard holds the runs its cost-balanced split gives it, each checked against its grid case', async () => {
    // One seed: a grid case per fault × 3 rates × 3 compliances, of a few simulated hours each, and
    // one 14-day nominal cycle (the last run). As many shards as runs: each holds one run, the
    // nominal cycle (the costliest) the first shard, so the last holds one short grid case.
    const total = Object.keys(GRID_FAULTS).length * 9 + 1;
    const r = await cli('detection', '--seeds', '1', '--nominal', '1', '--workers', '1', '--shard', `${total}/${total}`, '--out', file('detection-last.json'), '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ campaign: 'detection', shard: { index: total, count: total }, runs: 1 });
    const f = readShardFile(file('detection-last.json'));
    expect(f.runs.total).toBe(total);
    expect(f.runs.indices).toHaveLength(1);
    expect(f.runs.indices).not.toContain(total - 1);
    expectInputError(await cli('merge', file('detection-last.json')), new RegExp(`missing shard\\(s\\) 1/${total}, 2/${total}, .*: ${total - 1} of ${total} runs in no file`));
  });

  it('PUMP-SHARDS merge refuses --csv and --report for a campaign without them', async () => {
    const storage = [file('storage-1.json'), file('storage-2.json'), file('storage-3.json')];
    expectInputError(await cli('merge', ...storage, '--csv', file('s.csv')), /--csv: the storage campaign has no CSV \(the cohort has\)/);
    expectInputError(await cli('merge', ...storage, '--report', file('s.html')), /--report: the storage campaign has no HTML report/);
  });
});
