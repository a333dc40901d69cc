/**
 * Telemetry samples: what `pumpsim run --telemetry` writes, and that sampling leaves the run as it
 * was.
 *
 * Row count: rows at t = 0, every, 2·every, … and one at the run's end when the run's length T is
 * not a multiple of the interval, so ⌈T / every⌉ + 1 rows (t = 0 included).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../sim/run/simulation.ts';
import { runScenarioSync } from '../../../sim/run/simulation.ts';
import type { TelemetrySample } from '../../../sim/run/telemetry.ts';
import { Telemetry } from '../../../sim/run/telemetry.ts';
import { loadScenarioFile } from '../../../sim/scenario/scenario.ts';
import { checkProperty } from '../../support/fc.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCENARIOS = path.join(ROOT, 'sim/scenarios');
const HOUR_MS = 3_600_000;

function sampled(file: string, everyS: number, maxSimulatedMs?: number, seed?: number): { plain: RunSummary; sampled: RunSummary; rows: TelemetrySample[] } {
  const scenario = loadScenarioFile(path.join(SCENARIOS, file));
  const limit = maxSimulatedMs === undefined ? {} : { maxSimulatedMs };
  const seeded = seed === undefined ? {} : { seed };
  const plain = runScenarioSync({ scenario, ...limit, ...seeded });
  const telemetry = new Telemetry(everyS * 1000);
  const rows: TelemetrySample[] = [];
  telemetry.samples.subscribe((s) => rows.push(s));
  return { plain, sampled: runScenarioSync({ scenario, telemetry, ...limit, ...seeded }), rows };
}

const withoutWall = (s: RunSummary): RunSummary => ({ ...s, wallMs: 0 });

function expectRows(rows: readonly TelemetrySample[], summary: RunSummary, everyS: number): void {
  const T = summary.simulatedSeconds;
  expect(rows).toHaveLength(Math.ceil(T / everyS) + 1);
  expect(rows[0]?.timeS).toBe(0);
  rows.slice(1, -1).forEach((r, i) => expect(r.timeS).toBe((i + 1) * everyS));
  const last = rows[rows.length - 1] as TelemetrySample;
  expect(last.timeS).toBe(T);
  // The summary rounds to 0.1 µL (4 decimals of a mL); the last row is taken after it.
  expect(Number((last.deliveredTruthUl / 1000).toFixed(4))).toBe(summary.delivered.volumeMl);
  expect(Number((last.ledgerUl / 1000).toFixed(4))).toBe(summary.firmwareBelief.deliveredVolumeMl);
  for (let i = 1; i < rows.length; i++) expect((rows[i] as TelemetrySample).deliveredTruthUl).toBeGreaterThanOrEqual((rows[i - 1] as TelemetrySample).deliveredTruthUl);
}

describe('telemetry samples', () => {
  const examples = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'));
  it('cover the example scenarios', () => {
    expect(examples.length).toBeGreaterThan(20);
  });

  it.each(examples)('leave the example %s’s summary unchanged (first 30 h, sampled every 7 s)', (file) => {
    const r = sampled(file, 7, 30 * HOUR_MS);
    expect(withoutWall(r.sampled), file).toEqual(withoutWall(r.plain));
    expectRows(r.rows, r.sampled, 7);
  });

  it('over a whole run: ⌈T / every⌉ + 1 rows, and the last row’s delivered volume is the summary’s (1 s and 10 s)', () => {
    for (const [file, every] of [['leak-disconnection.json', 1], ['occlusion-line-gradual.json', 10]] as const) {
      const r = sampled(file, every);
      expect(withoutWall(r.sampled), file).toEqual(withoutWall(r.plain));
      expectRows(r.rows, r.sampled, every);
    }
  });

  it('leave the run unchanged and count right for any seed, interval and run length', () => {
    checkProperty(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 900 }), fc.integer({ min: 1, max: 60 * 3600 }), (seed, every, lengthS) => {
        const r = sampled('occlusion-catheter.json', every, lengthS * 1000, seed);
        expect(withoutWall(r.sampled)).toEqual(withoutWall(r.plain));
        expectRows(r.rows, r.sampled, every);
      }),
      { seed: 1717, numRuns: 8 },
    );
  });

  it('show an occlusion as high pressure and no true flow, with the alarm in activeAlarm', () => {
    const r = sampled('occlusion-catheter.json', 10, 52 * HOUR_MS);
    const alarm = r.sampled.alarms.find((a) => a.code === 'OCCLUSION');
    expect(alarm).toBeDefined();
    const during = r.rows.filter((row) => row.activeAlarm.includes('OCCLUSION'));
    expect(during.length).toBeGreaterThan(0);
    expect((during[0] as TelemetrySample).timeS).toBeGreaterThanOrEqual((alarm as { atSeconds: number }).atSeconds);
    const before = r.rows.filter((row) => row.timeS > 24 * 3600 && row.timeS < 47 * 3600);
    const peakBefore = Math.max(...before.map((row) => row.pressureMaxMmHg ?? -Infinity));
    const atAlarm = r.rows.find((row) => row.timeS >= (alarm as { atSeconds: number }).atSeconds) as TelemetrySample;
    expect(atAlarm.pressureMaxMmHg as number).toBeGreaterThan(peakBefore);
    expect(during.slice(1).every((row) => row.trueFlowUlPerHour === 0)).toBe(true);
  });
});
