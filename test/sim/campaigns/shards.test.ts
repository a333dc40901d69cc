/**
 * The split of a campaign's runs over shards (sim/campaigns/shards.ts), the source hash
 * (sim/campaigns/sourceHash.ts), the canonical digest (sim/campaigns/shardFile.ts), and the run as
 * the unit of randomness: each campaign's run k is the same run whichever others run beside it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandCampaignResult, commandRuns, runCommandCampaign, runCommandRun } from '../../../sim/campaigns/commands.ts';
import { cohortRunCosts, drawCohort } from '../../../sim/campaigns/cohort.ts';
import { detectionTaskCost, detectionTasks } from '../../../sim/campaigns/detection.ts';
import { canonicalJson, campaignShards, resultDigest } from '../../../sim/campaigns/shardFile.ts';
import { assignRuns, shardRuns } from '../../../sim/campaigns/shards.ts';
import { hashedFiles, sourceSha256 } from '../../../sim/campaigns/sourceHash.ts';
import { cli } from '../../support/cli.ts';
import { checkProperty } from '../../support/fc.ts';

const costsArb = fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 300 });

describe('the split of runs over shards', () => {
  it('PUMP-SHARDS every run lands in exactly one shard, each shard\'s runs in increasing order, for any costs and shard count', () => {
    checkProperty(
      fc.property(costsArb, fc.integer({ min: 1, max: 40 }), (costs, n) => {
        const shards = assignRuns(costs, n);
        expect(shards).toHaveLength(n);
        expect(shards.flat().sort((a, b) => a - b)).toEqual(costs.map((_, k) => k));
        for (const s of shards) expect(s).toEqual([...s].sort((a, b) => a - b));
        expect(assignRuns(costs, n)).toEqual(shards);
      }),
      { seed: 19001, numRuns: 200 },
    );
  });

  it('PUMP-SHARDS the split is balanced: no shard costs more than the mean plus the costliest run (list scheduling bound)', () => {
    checkProperty(
      fc.property(costsArb, fc.integer({ min: 1, max: 40 }), (costs, n) => {
        const total = costs.reduce((a, b) => a + b, 0);
        const longest = Math.max(0, ...costs);
        for (const s of assignRuns(costs, n)) expect(s.reduce((a, k) => a + (costs[k] as number), 0)).toBeLessThanOrEqual(total / n + longest);
      }),
      { seed: 19002, numRuns: 200 },
    );
  });

  it('PUMP-SHARDS with equal costs the split is round-robin: run k goes to shard (k mod n) + 1', () => {
    const shards = assignRuns(new Array<number>(10).fill(1), 3);
    expect(shards).toEqual([[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]);
    expect(shardRuns(new Array<number>(10).fill(1), { index: 2, count: 3 })).toEqual([1, 4, 7]);
    expect(assignRuns([], 2)).toEqual([[], []]);
  });

  it('PUMP-SHARDS the split refuses a shard count or cost it cannot use', () => {
    expect(() => assignRuns([1], 0)).toThrow(/shard count must be an integer 1–10000, got 0/);
    expect(() => assignRuns([1], 10_001)).toThrow(/shard count/);
    expect(() => assignRuns([1, -1], 2)).toThrow(/non-negative integers, got -1/);
    expect(() => assignRuns([0.5], 2)).toThrow(/non-negative integers, got 0.5/);
  });

  it('PUMP-SHARDS each campaign balances by its expected cost: the cohort by planned cycles, detection by simulated time', () => {
    const costs = cohortRunCosts(54, 1);
    expect(costs).toEqual(drawCohort(54, 1).map((p) => p.expectedHaiCycles));
    const shards = campaignShards('cohort', { patients: 54, seed: 1, profile: 'port-ambulatory', maxCycles: null, executor: 'pump', rulesSha256: null }, 4);
    const loads = shards.map((s) => s.reduce((a, k) => a + (costs[k] as number), 0));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(Math.max(...costs));
    const tasks = detectionTasks(1, 3);
    expect(detectionTaskCost(tasks[tasks.length - 1]!)).toBeGreaterThan(detectionTaskCost(tasks[0]!));
  });
});

describe('a run is the unit of randomness', () => {
  it('PUMP-SHARDS PUMP-DETERMINISM the command campaign is its runs: run by run in any grouping it adds up to the whole campaign', () => {
    const options = { frames: 260, seed: 15, readingModes: [] };
    const runs = commandRuns(options);
    const tallies = runs.map(runCommandRun);
    expect(commandCampaignResult(15, tallies)).toEqual(runCommandCampaign(options));
    // An invalid reading is a run of its own: the same tally alone or after the frame batches.
    const reading = commandRuns({ frames: 0, seed: 15, readingModes: ['idle'] })[0]!;
    expect(reading.type).toBe('reading');
    const once = runCommandRun(reading);
    expect(once.invalidReadings + once.readingsNotApplicable).toBe(1);
    expect(runCommandRun(reading)).toEqual(once);
  });

  it('PUMP-SHARDS the command campaign in 3 shards merges to the whole campaign\'s JSON and digest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-commands-shards-'));
    try {
      const args = ['campaign', 'commands', '--frames', '520', '--seed', '4', '--no-readings'];
      for (const i of [1, 2, 3]) expect((await cli(...args, '--shard', `${i}/3`, '--out', path.join(dir, `${i}.json`))).code).toBe(0);
      const whole = await cli(...args, '--json');
      const merged = await cli('merge', ...[3, 1, 2].map((i) => path.join(dir, `${i}.json`)), '--json');
      expect(merged.code, merged.stderr).toBe(0);
      const w = JSON.parse(whole.stdout) as Record<string, unknown>;
      const m = JSON.parse(merged.stdout) as Record<string, unknown>;
      const { wallSeconds: _w, ...wholeRest } = w;
      const { wallSeconds: _m, merged: note, ...mergedRest } = m;
      expect(mergedRest).toEqual(wholeRest);
      expect((note as { digestSha256: string }).digestSha256).toBe(resultDigest('commands', w));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the source hash and the digest', () => {
  it('PUMP-SHARDS the source hash covers every file under firmware/, hal/ and sim/ but dot files, and changes with any of them', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pumpsim-source-'));
    try {
      for (const d of ['firmware', 'hal', 'sim/cli', 'test']) mkdirSync(path.join(root, d), { recursive: true });
      writeFileSync(path.join(root, 'firmware', 'a.ts'), 'export const a = 1;\n');
      writeFileSync(path.join(root, 'sim', 'cli', 'b.ts'), 'export const b = 2;\n');
      writeFileSync(path.join(root, 'sim', 'rules.json'), '{}\n');
      expect(hashedFiles(root)).toEqual(['firmware/a.ts', 'sim/cli/b.ts', 'sim/rules.json']);
      const before = sourceSha256(root);
      expect(before).toMatch(/^[0-9a-f]{64}$/);
      writeFileSync(path.join(root, 'test', 'c.test.ts'), 'x');
      writeFileSync(path.join(root, 'sim', '.b.ts.swp'), 'x');
      expect(hashedFiles(root)).toEqual(['firmware/a.ts', 'sim/cli/b.ts', 'sim/rules.json']);
      // A second root with one byte changed hashes differently (the hash of a root is computed once per process).
      const other = mkdtempSync(path.join(tmpdir(), 'pumpsim-source-'));
      try {
        for (const d of ['firmware', 'hal', 'sim/cli']) mkdirSync(path.join(other, d), { recursive: true });
        writeFileSync(path.join(other, 'firmware', 'a.ts'), 'export const a = 2;\n');
        writeFileSync(path.join(other, 'sim', 'cli', 'b.ts'), 'export const b = 2;\n');
        writeFileSync(path.join(other, 'sim', 'rules.json'), '{}\n');
        expect(sourceSha256(other)).not.toBe(before);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    expect(sourceSha256()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('PUMP-SHARDS the canonical JSON does not depend on key order, and the digest leaves out only how a campaign ran', () => {
    checkProperty(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (o) => {
        const reversed = Object.fromEntries(Object.entries(o).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(o));
        expect(JSON.parse(canonicalJson(o))).toEqual(JSON.parse(JSON.stringify(o)));
      }),
      { seed: 19003, numRuns: 200 },
    );
    const run = { seed: 1, workers: 2, wallMs: 10, outcomes: [{ fudrMg: 3, wallMs: 4 }] };
    expect(resultDigest('cohort', run)).toBe(resultDigest('cohort', { ...run, workers: 1, wallMs: 99, outcomes: [{ fudrMg: 3, wallMs: 7 }] }));
    expect(resultDigest('cohort', run)).not.toBe(resultDigest('cohort', { ...run, outcomes: [{ fudrMg: 3.0000001, wallMs: 4 }] }));
    expect(resultDigest('storage', { seed: 1, runs: 2 })).not.toBe(resultDigest('storage', { seed: 1, runs: 3 }));
  });
});
