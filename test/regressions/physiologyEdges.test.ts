/**
 * Regression cases from the edges of physiology and of the fault parameters (a reviewer's sweep):
 * a slow heart that the pressure noise check took for noise, a partial occlusion that raised its
 * alarm hundreds of times in one cycle, and a drive that turns while nothing moves.
 *
 * Each case is a full simulation of the 14-day cycle (or the part of it the case needs), with the
 * seed in the test name; a failure prints the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../sim/world/faults.ts';
import { MAX_STOPS_PER_CAUSE_PER_PROGRAMME } from '../../firmware/index.ts';
import { Simulation } from '../../sim/run/simulation.ts';
import type { RunSummary } from '../../sim/run/simulation.ts';
import { parseScenario } from '../../sim/scenario/scenario.ts';

const HOUR_MS = 3_600_000;

function scenario(name: string, seed: number, patient: Record<string, unknown>, faults: readonly FaultSpec[]): unknown {
  return {
    name,
    seed,
    patient: { weightKg: 70, heightCm: 170, ...patient },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
    faults,
  };
}

function run(json: unknown, maxSimulatedMs?: number): RunSummary {
  const s = parseScenario(json, 'physiologyEdges');
  return new Simulation({ scenario: s, ...(maxSimulatedMs === undefined ? {} : { maxSimulatedMs }) }).runToEnd();
}

function replayHint(json: unknown): string {
  return `replay: write this scenario to a file and run \`npm run -s pumpsim -- run --scenario <file>\`:\n${JSON.stringify(json)}`;
}

describe('physiology edges', () => {
  for (const [heartRateBpm, seed] of [[30, 3], [31, 5], [33, 7]] as const) {
    it(`PUMP-SENSOR-FAILSAFE ${heartRateBpm} bpm (seed ${seed}): the pulse's own swing of the 1-s mean is no pressure noise, 12 h without an alarm`, () => {
      const json = scenario(`bradycardia-${heartRateBpm}`, seed, { heartRateBpm }, []);
      const summary = run(json, 12 * HOUR_MS);
      expect(summary.alarms.map((a) => a.code), replayHint(json)).toEqual([]);
    });
  }

  it('PUMP-SENSOR-FAILSAFE a noisy pressure front-end at 30 bpm is still SENSOR_FAULT', () => {
    const json = scenario('bradycardia-noise', 3, { heartRateBpm: 30 }, [{ kind: 'sensor', atHours: 2, sensor: 'pressure', mode: 'noise' }]);
    const summary = run(json, 6 * HOUR_MS);
    expect(summary.faults[0]?.detectedBy, replayHint(json)).toBe('SENSOR_FAULT');
  });

  it(`OPCA-EC23 a 95 % catheter occlusion that persists: at most ${MAX_STOPS_PER_CAUSE_PER_PROGRAMME} OCCLUSION stops, then REPEATED_ALARM and the pump stays stopped`, () => {
    const json = scenario('occlusion-95', 3, {}, [{ kind: 'occlusion', atHours: 48, location: 'catheter', severity: 0.95 }]);
    const summary = run(json);
    const codes = summary.alarms.map((a) => a.code);
    const occlusions = codes.filter((c) => c === 'OCCLUSION').length;
    expect(occlusions, replayHint(json)).toBeGreaterThan(0);
    expect(occlusions, replayHint(json)).toBeLessThanOrEqual(MAX_STOPS_PER_CAUSE_PER_PROGRAMME);
    expect(codes.at(-1), replayHint(json)).toBe('REPEATED_ALARM');
    expect(summary.finalState).toBe('stopped');
    expect(summary.faults[0]?.expected).toEqual(['OCCLUSION', 'REPEATED_ALARM']);
    expect(summary.faults[0]?.detectedBy).toBe('OCCLUSION');
  });

  it('GIP-1.10.1 the drive turns and nothing moves (overDelivery factor 0 from hour 30): a high-priority stop, never INFUSION_COMPLETE', () => {
    const json = scenario('drive-moves-nothing', 3, {}, [{ kind: 'overDelivery', atHours: 30, factor: 0 }]);
    const summary = run(json);
    expect(summary.faults[0]?.expected).toEqual(['UPSTREAM_OCCLUSION', 'REPEATED_ALARM']);
    expect(summary.faults[0]?.detectedBy, replayHint(json)).toBe('UPSTREAM_OCCLUSION');
    expect(summary.faults[0]?.latencySeconds as number).toBeLessThan(HOUR_MS / 1000);
    expect(summary.timeline.infusionCompleteSeconds, replayHint(json)).toBeNull();
    expect(summary.alarms.filter((a) => a.code === 'UPSTREAM_OCCLUSION').length).toBeLessThanOrEqual(MAX_STOPS_PER_CAUSE_PER_PROGRAMME);
    expect(summary.finalState).toBe('stopped');
  });

  for (const [magnitude, expected] of [[30, 'OCCLUSION'], [5, null], [-30, 'SENSOR_FAULT']] as const) {
    it(`PUMP-FAULT-EXAMPLES a pressure-sensor drift of ${magnitude} mmHg/day from hour 40 expects what the mean it reaches by the end gives: ${expected ?? 'nothing'}, and finds it`, () => {
      const json = scenario(`pressure-drift-${magnitude}`, 3, { meanArterialPressureMmHg: 90 }, [{ kind: 'sensor', atHours: 40, sensor: 'pressure', mode: 'drift', magnitude }]);
      const summary = run(json);
      expect(summary.faults[0]?.expected).toEqual(expected === null ? [] : [expected]);
      expect(summary.faults[0]?.detectedBy, replayHint(json)).toBe(expected);
    });
  }

  it('PUMP-FAULT-EXAMPLES a partial occlusion the pulse still crosses expects no alarm, and raises none', () => {
    const json = scenario('occlusion-50', 3, {}, [{ kind: 'occlusion', atHours: 48, durationMinutes: 600, location: 'catheter', severity: 0.5 }]);
    const summary = run(json, 60 * HOUR_MS);
    expect(summary.faults[0]?.expected).toEqual([]);
    expect(summary.alarms.map((a) => a.code), replayHint(json)).toEqual([]);
  });
});
