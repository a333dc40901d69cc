/**
 * Each fault of the step vocabulary, injected at a random instant of a six-hour infusion, is
 * found by the alarm it should raise — first, within its bound — and nothing is raised before it.
 * Short scripted runs (the simulator's detection grid, test/sim/campaigns/detection.test.ts, covers rates,
 * compliances and the 14-day false-alarm set); these keep detection inside the fast suite that
 * mutation testing runs. Bounds: DETECTION_BOUNDS_S (sim/campaigns/detection.ts), the GIP-1.10.3 /
 * GIP-1.6.2 / displacement figures of issue 3; one minute for a silent pressure sensor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlarmCode } from '../../firmware/index.ts';
import { DETECTION_BOUNDS_S } from '../../sim/campaigns/detection.ts';
import { formatViolation } from '../../sim/verify/invariants.ts';
import type { ScriptSetup } from '../../sim/verify/scriptedRun.ts';
import { ScriptedRun, describeRecords } from '../../sim/verify/scriptedRun.ts';
import type { FaultName, Step } from '../../sim/verify/steps.ts';
import { checkScripted } from '../support/scripted.ts';

const PROCEED: Step = { do: 'proceed' };
const TO_RUNNING: readonly Step[] = [{ do: 'advance', ms: 2_000 }, PROCEED, PROCEED, PROCEED, { do: 'advance', ms: 30_000 }, PROCEED];

interface Expectation {
  readonly fault: FaultName;
  readonly code: AlarmCode;
  readonly boundS: number;
}

function bound(key: string): number {
  const s = DETECTION_BOUNDS_S[key];
  if (s === undefined) throw new Error(`no detection bound for ${key}`);
  return s;
}

/** Injects `fault` `onsetMs` into the infusion, then watches in 30 s steps until the bound has passed. */
function detectionCase(e: Expectation): fc.Arbitrary<{ setup: ScriptSetup; steps: Step[] }> {
  return fc.record({ seed: fc.integer({ min: 0, max: 0xffff_ffff }), onsetMs: fc.integer({ min: 60_000, max: 2 * 3_600_000 }) }).map(({ seed, onsetMs }) => ({
    setup: { seed, infusionDays: 0.25, reservoirVolumeMl: 4.6 },
    steps: [
      ...TO_RUNNING,
      { do: 'advance', ms: onsetMs },
      { do: 'inject', fault: e.fault },
      ...Array.from({ length: Math.ceil(e.boundS / 30) + 1 }, (): Step => ({ do: 'advance', ms: 30_000 })),
    ],
  }));
}

function check(e: Expectation, seed: number): void {
  checkScripted(
    detectionCase(e),
    (k) => k,
    (k) => {
      const run = new ScriptedRun(k.setup);
      for (const s of k.steps) run.apply(s);
      expect(run.violations.map(formatViolation), describeRecords(run.records)).toEqual([]);
      const injectAt = run.records.find((r) => r.step.do === 'inject')?.atMs ?? NaN;
      const alarms = run.sim.log.entries.filter((x) => x.kind === 'alarm');
      expect(alarms.filter((a) => a.atMs < injectAt).map((a) => a.code), 'no alarm before the fault').toEqual([]);
      const first = alarms[0];
      expect(first?.code, `first alarm after ${e.fault}`).toBe(e.code);
      expect(((first?.atMs ?? Infinity) - injectAt) / 1000).toBeLessThanOrEqual(e.boundS);
    },
    { seed, numRuns: 25 },
  );
}

describe('detection of each injected fault during an infusion', () => {
  it('GIP-1.10.3 a complete catheter occlusion is alarmed first as OCCLUSION, within 15 minutes', () => {
    check({ fault: 'occlusion', code: 'OCCLUSION', boundS: bound('occlusion catheter') }, 401);
  });

  it('PUMP-DISPLACEMENT a catheter tip displaced into tissue is alarmed first as CATHETER_DISPLACEMENT, within 5 minutes', () => {
    check({ fault: 'displacement', code: 'CATHETER_DISPLACEMENT', boundS: bound('displacement tissue') }, 402);
  });

  it('GIP-1.6.2 a stalled motor is alarmed first as MOTOR_STALL, within 30 minutes', () => {
    check({ fault: 'motorStall', code: 'MOTOR_STALL', boundS: bound('motor stall') }, 403);
  });

  it('PUMP-SENSOR-FAILSAFE a pressure sensor that stops answering is alarmed first as SENSOR_FAULT, within a minute', () => {
    check({ fault: 'pressureDropout', code: 'SENSOR_FAULT', boundS: 60 }, 404);
  });
});
