/**
 * Statechart coverage: generated paths (xstate/graph, bucketed) replayed on a live actor with a
 * manual clock reach every state node and take every transition of the pump machine, timed ones
 * included. A state or transition left unreached fails the test and is named.
 */
import { describe, expect, it } from 'vitest';
import type { SnapshotFrom } from 'xstate';
import type { AlarmCode, DriveAction, InfusionPlan, PumpEvent, PumpMachine, ResumePoint } from '../../firmware/index.ts';
import { HAI_FUDR_LIBRARY, PAUSE_REMINDER_MS, PRIMED_REMINDER_MS, SELF_TEST_TIMEOUT_MS, planInfusion } from '../../firmware/index.ts';
import type { ChartExploration } from '../support/chartCoverage.ts';
import { allStateIds, allTransitions, exploreChart } from '../support/chartCoverage.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { prescription } from '../support/prescription.ts';

const INPUT = { config: NOMINAL_PORT_CONFIG, library: HAI_FUDR_LIBRARY };

function seedPlan(): InfusionPlan {
  const planned = planInfusion(prescription(), NOMINAL_PORT_CONFIG, HAI_FUDR_LIBRARY);
  if (!planned.ok) throw new Error('the seed prescription must plan');
  return planned.plan;
}

const RESUME_POINTS: readonly ResumePoint[] = ['none', 'priming', 'infusing', 'paused', 'flushing', 'alarmStopped', 'infusionComplete', 'stopped', 'locked'];
const ALARMS: readonly [AlarmCode, DriveAction][] = [
  ['OCCLUSION', 'stopNow'],
  ['RESERVOIR_EMPTY', 'finishStrokeThenStop'],
  ['RESERVOIR_LOW', 'continue'],
];

/** Every event the chart hears, with payloads that exercise each guard both ways. */
const events = (plan: InfusionPlan): readonly PumpEvent[] => [
  ...RESUME_POINTS.map((resumePoint): PumpEvent => ({ type: 'selfTest.passed', resumePoint, plan: resumePoint === 'none' ? null : plan, therapyPoint: 'infusing', atMs: 0 })),
  { type: 'selfTest.failed', reason: 'pressure', atMs: 0 },
  { type: 'program', prescription: prescription(), atMs: 0 },
  { type: 'program', prescription: prescription({ fudrMgPerKgPerDay: 0.25 }), atMs: 0 },
  { type: 'program', prescription: prescription({ fudrMgPerKgPerDay: 0.5 }), atMs: 0 },
  ...(['prime', 'start', 'pause', 'resume', 'acknowledge', 'audioPause', 'stop', 'flush'] as const).map((type): PumpEvent => ({ type, atMs: 0 })),
  { type: 'refill', volumeMl: 30, atMs: 0 },
  ...(['prime', 'infuse', 'flush'] as const).map((phase): PumpEvent => ({ type: 'phase.complete', phase, atMs: 0 })),
  ...ALARMS.map(([code, driveAction]): PumpEvent => ({ type: 'alarm.raised', code, driveAction, atMs: 0 })),
  ...ALARMS.map(([code]): PumpEvent => ({ type: 'alarm.cleared', code, atMs: 0 })),
];

/**
 * The graph's notion of "the same state": the mode plus the context that gates transitions, in
 * buckets (plan or not, which stopping alarms, restarts of the most restarted alarm capped at 3, therapy
 * point, acknowledge needed, connected). Without it every new restart time is a new state.
 */
function serializeState(s: SnapshotFrom<PumpMachine>): string {
  const c = s.context;
  return JSON.stringify({
    value: s.value,
    plan: c.plan !== null,
    stopping: [...c.stoppingAlarms].sort(),
    stoppedBy: c.stoppedBy,
    restarts: Math.min(3, Math.max(0, ...c.restarts.map((r) => c.restarts.filter((q) => q.code === r.code).length))),
    therapyPoint: c.therapyPoint,
    needsAcknowledge: c.needsAcknowledge,
    connected: c.connected,
  });
}

/** Explored once, inside the first test that needs it (code run outside a test would be "static" to mutation testing). */
let explored: ChartExploration | null = null;
function exploration(): ChartExploration {
  explored ??= exploreChart({ input: INPUT, events: events(seedPlan()), serializeState, longestDelayMs: Math.max(SELF_TEST_TIMEOUT_MS, PAUSE_REMINDER_MS, PRIMED_REMINDER_MS) });
  return explored;
}

describe('statechart coverage (xstate/graph paths on a manual clock)', () => {

  it('PUMP-CHART-COVERAGE every state node of the machine is reached', () => {
    const missing = allStateIds().filter((id) => !exploration().statesVisited.has(id));
    expect(missing, `states never reached:\n  ${missing.join('\n  ')}`).toEqual([]);
  });

  it('PUMP-CHART-COVERAGE every transition of the machine is taken, the timed ones by advancing the clock', () => {
    const names = allTransitions().map((t) => t.name);
    const missing = names.filter((n) => !exploration().transitionsTaken.has(n));
    expect(missing, `transitions never taken:\n  ${missing.join('\n  ')}`).toEqual([]);
    expect([...exploration().transitionsTaken].filter((n) => n.startsWith('unknown'))).toEqual([]);
  });

  it('PUMP-CHART-COVERAGE the machine has the states and transitions this test was written for (a new one must be covered too)', () => {
    expect(allStateIds()).toHaveLength(19);
    expect(allTransitions()).toHaveLength(48);
    expect(allTransitions().filter((t) => t.name.includes('--after '))).toHaveLength(3);
    expect(exploration().bucketsReached).toBeGreaterThan(19);
  });
});
