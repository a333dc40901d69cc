/**
 * The storage campaign, bounded and with a fixed seed: every run judged against its fault-free
 * twin — no silent wrong dose, no over-delivery, no crash, at most one stroke repeated or lost per
 * power cut. The full campaign is `npm run -s pumpsim -- campaign storage` (docs/storage.md).
 */
import { describe, expect, it } from 'vitest';
import { runStorageTask, storageReport, storageRunFaults, storageRunSeed } from '../../../sim/campaigns/storage.ts';

const SEED = 2026;
const RUNS = 12;

describe('the storage campaign (bounded)', () => {
  it('PUMP-STORAGE fixed-seed runs under power cuts inside and between writes and flash corruptions: no silent wrong dose, no crash, at most one stroke per cut', () => {
    const report = storageReport(SEED, Array.from({ length: RUNS }, (_, run) => runStorageTask({ campaignSeed: SEED, run })));
    expect(report.failing, report.failing.map((f) => `${f.replay}: ${f.failures.join('; ')}`).join('\n')).toEqual([]);
    expect(report.runs).toBe(RUNS);
    expect(report.midWriteCuts).toBeGreaterThan(0);
    expect(report.powerCuts).toBeGreaterThan(report.midWriteCuts);
    expect(report.corruptionsInjected).toBeGreaterThan(RUNS);
    expect(report.maxRepeatedStrokesPerCut).toBeLessThanOrEqual(1);
    expect(report.maxLostStrokesPerCut).toBeLessThanOrEqual(1);
  });

  // Counterexamples of `campaign storage --runs 1500 --seed 1`, each replayed by its index: power
  // that failed inside a write as start was acted on, whose answer was still taken as a start
  // (299, 509), and a flash that could not store the link counter, refusing the programme with no
  // alarm (714, 797).
  for (const run of [299, 509, 714, 797]) {
    it(`PUMP-STORAGE campaign seed 1 run ${run} (npm run -s pumpsim -- campaign storage --seed 1 --run ${run}) delivers its dose or stops with a high-priority alarm`, () => {
      expect(runStorageTask({ campaignSeed: 1, run }).failures).toEqual([]);
    });
  }

  it('PUMP-DETERMINISM a run is drawn from the campaign seed and its index alone', () => {
    expect(storageRunSeed(SEED, 5)).toBe(storageRunSeed(SEED, 5));
    expect(storageRunSeed(SEED, 5)).not.toBe(storageRunSeed(SEED, 6));
    expect(storageRunFaults(storageRunSeed(SEED, 3), 8)).toEqual(storageRunFaults(storageRunSeed(SEED, 3), 8));
  });
});
