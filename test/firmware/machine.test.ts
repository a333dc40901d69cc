/**
 * The pump statechart, driven event by event on a manual clock: self-test, programming against
 * the drug library, the therapy phases, alarm stop and restart, Open PCA EC23, and the delivery
 * each mode allows.
 */
import { createActor, type Actor, type AnyStateNode, type StateValue } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { AlarmCode, DriveAction, PumpEmitted, PumpEvent, PumpMachine } from '../../firmware/index.ts';
import {
  HAI_FUDR_LIBRARY,
  PAUSE_REMINDER_MS,
  RESTART_LOCKOUT_WINDOW_MS,
  SELF_TEST_TIMEOUT_MS,
  pumpMachine,
} from '../../firmware/index.ts';
import { MAX_STOPS_PER_CAUSE_PER_PROGRAMME, deliveryFor, modeName, restartLockedOut, withRestart } from '../../firmware/machine.ts';
import type { RestartRecord } from '../../firmware/machine.ts';
import { xstateClock } from '../../sim/world/board.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { ManualClock } from '../support/manualClock.ts';
import { prescription } from '../support/prescription.ts';

type WithoutAt<E> = E extends unknown ? Omit<E, 'atMs'> : never;
type Event = WithoutAt<PumpEvent>;

interface Pump {
  readonly actor: Actor<PumpMachine>;
  readonly clock: ManualClock;
  readonly emitted: PumpEmitted[];
  /** Sends the event stamped with the clock's time. */
  send(event: Event): void;
  /** True if the current mode takes the event. */
  can(event: Event): boolean;
  mode(): string;
  emittedOfType<T extends PumpEmitted['type']>(type: T): Extract<PumpEmitted, { type: T }>[];
  notifications(): string[];
}

function startPump(): Pump {
  const clock = new ManualClock();
  const actor = createActor(pumpMachine, { input: { config: NOMINAL_PORT_CONFIG, library: HAI_FUDR_LIBRARY }, clock: xstateClock(clock) });
  const emitted: PumpEmitted[] = [];
  actor.on('*', (e) => emitted.push(e as PumpEmitted));
  actor.start();
  const stamp = (event: Event): PumpEvent => ({ ...event, atMs: clock.nowMs() }) as PumpEvent;
  return {
    actor,
    clock,
    emitted,
    send: (event) => actor.send(stamp(event)),
    can: (event) => actor.getSnapshot().can(stamp(event)),
    mode: () => modeName(actor.getSnapshot().value),
    emittedOfType: <T extends PumpEmitted['type']>(type: T) => emitted.filter((e): e is Extract<PumpEmitted, { type: T }> => e.type === type),
    notifications: () => emitted.flatMap((e) => (e.type === 'notification' ? [e.code] : [])),
  };
}

function toIdle(pump: Pump): Pump {
  pump.send({ type: 'selfTest.passed', resumePoint: 'none', plan: null , therapyPoint: 'none'});
  expect(pump.mode()).toBe('idle');
  return pump;
}

function toReady(pump: Pump): Pump {
  toIdle(pump).send({ type: 'program', prescription: prescription() });
  expect(pump.mode()).toBe('ready');
  return pump;
}

function toPrimed(pump: Pump): Pump {
  toReady(pump).send({ type: 'prime' });
  pump.send({ type: 'phase.complete', phase: 'prime' });
  expect(pump.mode()).toBe('primed');
  return pump;
}

function toRunning(pump: Pump): Pump {
  toPrimed(pump).send({ type: 'start' });
  expect(pump.mode()).toBe('therapy.infusing.running');
  return pump;
}

function raise(pump: Pump, code: AlarmCode, driveAction: DriveAction = 'stopNow'): void {
  pump.send({ type: 'alarm.raised', code, driveAction });
}

/** One EC23 cycle: the alarm stops the pump, its condition clears, the user resumes. */
function stopAndResume(pump: Pump, code: AlarmCode): void {
  raise(pump, code);
  expect(pump.mode()).toBe('alarmStopped');
  pump.send({ type: 'alarm.cleared', code });
  pump.send({ type: 'resume' });
}

describe('self-test (GIP-3.4.3)', () => {
  it('GIP-3.4.3 a passed self-test with nothing to resume goes to idle and disarms the timeout', () => {
    const pump = startPump();
    expect(pump.mode()).toBe('selfTest');
    pump.clock.advance(2000);
    pump.send({ type: 'selfTest.passed', resumePoint: 'none', plan: null , therapyPoint: 'none'});
    expect(pump.mode()).toBe('idle');
    pump.clock.advance(10 * SELF_TEST_TIMEOUT_MS);
    expect(pump.mode()).toBe('idle');
    expect(pump.clock.pendingCount).toBe(0);
    expect(pump.notifications()).not.toContain('SELF_TEST_TIMEOUT');
  });

  it('GIP-3.4.3 a self-test that has not answered after 70 s goes to failSafe', () => {
    const pump = startPump();
    expect(SELF_TEST_TIMEOUT_MS).toBe(70_000);
    pump.clock.advance(69_999);
    expect(pump.mode()).toBe('selfTest');
    pump.clock.advance(1);
    expect(pump.mode()).toBe('failSafe');
    expect(pump.notifications()).toEqual(['SELF_TEST_TIMEOUT', 'FAIL_SAFE']);
  });

  it('GIP-3.4.3 a failed self-test goes to failSafe at once', () => {
    const pump = startPump();
    pump.send({ type: 'selfTest.failed', reason: 'pressure' });
    expect(pump.mode()).toBe('failSafe');
    expect(pump.notifications()).toEqual(['FAIL_SAFE']);
  });

  it('GIP-1.7.1 a passed self-test resumes the therapy mode recorded before the power loss', () => {
    const plan = toReady(startPump()).actor.getSnapshot().context.plan;
    // A therapy that was moving fluid resumes with a THERAPY_RESUMED notification; the others come back silently.
    const cases = [
      ['infusing', 'therapy.infusing.running', true, ['THERAPY_RESUMED']],
      ['paused', 'therapy.infusing.paused', true, ['THERAPY_RESUMED']],
      ['priming', 'therapy.priming', false, ['THERAPY_RESUMED']],
      ['flushing', 'therapy.flushing', true, ['THERAPY_RESUMED']],
      ['alarmStopped', 'alarmStopped', true, []],
      ['infusionComplete', 'infusionComplete', true, []],
      ['stopped', 'stopped', true, []],
      ['locked', 'locked', false, []],
      ['none', 'idle', false, []],
    ] as const;
    for (const [resumePoint, mode, connected, notifications] of cases) {
      const pump = startPump();
      pump.send({ type: 'selfTest.passed', resumePoint, plan, therapyPoint: 'infusing' });
      expect(pump.mode(), resumePoint).toBe(mode);
      expect(pump.actor.getSnapshot().context.plan, resumePoint).toEqual(plan);
      expect(pump.actor.getSnapshot().context.connected, resumePoint).toBe(connected);
      expect(pump.notifications(), resumePoint).toEqual(notifications);
    }
  });

  it('GIP-1.7.1 every mode records where a reboot resumes and which therapy it was in', () => {
    const pump = startPump();
    const points = (): string => {
      const c = pump.actor.getSnapshot().context;
      return `${pump.mode()}: ${c.resumePoint}/${c.therapyPoint}`;
    };
    const seen: string[] = [];
    toIdle(pump);
    seen.push(points());
    pump.send({ type: 'program', prescription: prescription() });
    seen.push(points());
    pump.send({ type: 'prime' });
    seen.push(points());
    pump.send({ type: 'phase.complete', phase: 'prime' });
    seen.push(points());
    pump.send({ type: 'start' });
    seen.push(points());
    pump.send({ type: 'pause' });
    seen.push(points());
    pump.send({ type: 'resume' });
    raise(pump, 'OCCLUSION');
    seen.push(points());
    pump.send({ type: 'alarm.cleared', code: 'OCCLUSION' });
    pump.send({ type: 'resume' });
    pump.send({ type: 'phase.complete', phase: 'infuse' });
    seen.push(points());
    pump.send({ type: 'flush' });
    seen.push(points());
    pump.send({ type: 'phase.complete', phase: 'flush' });
    seen.push(points());
    expect(seen).toEqual([
      'idle: none/none',
      'ready: none/none',
      'therapy.priming: priming/priming',
      'primed: none/priming',
      'therapy.infusing.running: infusing/infusing',
      'therapy.infusing.paused: paused/paused',
      'alarmStopped: alarmStopped/infusing',
      'infusionComplete: infusionComplete/infusing',
      'therapy.flushing: flushing/flushing',
      'locked: locked/flushing',
    ]);
  });

  it('PUMP-RESUME after a reboot into an alarm stop, resume needs an acknowledge first (latched alarms were lost), then returns to the infusion', () => {
    const plan = toReady(startPump()).actor.getSnapshot().context.plan;
    const pump = startPump();
    pump.send({ type: 'selfTest.passed', resumePoint: 'alarmStopped', plan, therapyPoint: 'infusing' });
    expect(pump.mode()).toBe('alarmStopped');
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('alarmStopped');
    pump.send({ type: 'acknowledge' });
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('therapy.infusing.running');
  });

  it('PUMP-FAILSAFE no event moves the pump out of failSafe, and it allows no delivery', () => {
    const pump = startPump();
    pump.send({ type: 'selfTest.failed', reason: 'nv' });
    const events: Event[] = [
      { type: 'selfTest.passed', resumePoint: 'infusing', plan: null , therapyPoint: 'none'},
      { type: 'program', prescription: prescription() },
      { type: 'prime' }, { type: 'start' }, { type: 'resume' }, { type: 'acknowledge' }, { type: 'stop' },
      { type: 'flush' }, { type: 'refill', volumeMl: 30 },
      { type: 'phase.complete', phase: 'infuse' }, { type: 'alarm.cleared', code: 'OCCLUSION' },
    ];
    for (const e of events) {
      pump.send(e);
      expect(pump.mode(), e.type).toBe('failSafe');
    }
    pump.clock.advance(24 * 3_600_000);
    expect(pump.mode()).toBe('failSafe');
    expect(deliveryFor(pump.actor.getSnapshot())).toBe('none');
  });
});

describe('programming against the drug library', () => {
  it('PUMP-LIB-HARD a prescription over a hard limit returns to idle with the findings and emits plan.rejected', () => {
    const pump = toIdle(startPump());
    pump.send({ type: 'program', prescription: prescription({ fudrMgPerKgPerDay: 0.5 }) });
    expect(pump.mode()).toBe('idle');
    const ctx = pump.actor.getSnapshot().context;
    expect(ctx.plan).toBeNull();
    expect(ctx.candidate).toBeNull();
    expect(ctx.findings.map((f) => `${f.kind} ${f.field}`)).toContain('hard prescription.fudrMgPerKgPerDay');
    const rejected = pump.emittedOfType('plan.rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.findings).toEqual(ctx.findings);
    expect(pump.emittedOfType('plan.accepted')).toEqual([]);
  });

  it('PUMP-LIB-SOFT a soft-limit violation waits for confirmation, and acknowledge accepts the plan', () => {
    const pump = toIdle(startPump());
    pump.send({ type: 'program', prescription: prescription({ fudrMgPerKgPerDay: 0.25 }) });
    expect(pump.mode()).toBe('programming.awaitingConfirmation');
    const waiting = pump.actor.getSnapshot().context;
    expect(waiting.plan).toBeNull();
    expect(waiting.findings.map((f) => `${f.kind} ${f.field}`)).toEqual(['soft prescription.fudrMgPerKgPerDay']);
    expect(pump.can({ type: 'prime' })).toBe(false);
    pump.send({ type: 'acknowledge' });
    expect(pump.mode()).toBe('ready');
    const plan = pump.actor.getSnapshot().context.plan;
    expect(plan?.fudrMgPerDay).toBeCloseTo(17.5, 12);
    expect(plan?.softFindings.map((f) => f.field)).toEqual(['prescription.fudrMgPerKgPerDay']);
    expect(pump.emittedOfType('plan.accepted').map((e) => e.plan)).toEqual([plan]);
  });

  it('PUMP-LIB-SOFT confirming the soft limits with the program command goes straight to ready', () => {
    const pump = toIdle(startPump());
    pump.send({ type: 'program', prescription: prescription({ fudrMgPerKgPerDay: 0.25 }), confirmSoftLimits: true });
    expect(pump.mode()).toBe('ready');
  });

  it('PUMP-LIB-SOFT stop while waiting for confirmation discards the candidate and returns to idle', () => {
    const pump = toIdle(startPump());
    pump.send({ type: 'program', prescription: prescription({ fudrMgPerKgPerDay: 0.25 }) });
    pump.send({ type: 'stop' });
    expect(pump.mode()).toBe('idle');
    expect(pump.actor.getSnapshot().context.plan).toBeNull();
    expect(pump.emittedOfType('plan.accepted')).toEqual([]);
  });

  it('PUMP-LIB-OK the seed prescription is accepted without confirmation and the plan is kept', () => {
    const pump = toReady(startPump());
    expect(pump.actor.getSnapshot().context.plan?.fudrMgTotal).toBeCloseTo(147, 12);
    expect(pump.emittedOfType('plan.accepted')).toHaveLength(1);
  });
});

describe('therapy phases', () => {
  it('SEED-PRIME-1 prime goes to therapy.priming, and its phase completion to primed', () => {
    const pump = toReady(startPump());
    pump.send({ type: 'prime' });
    expect(pump.mode()).toBe('therapy.priming');
    expect(pump.emittedOfType('phase.begin').map((e) => e.phase)).toEqual(['prime']);
    expect(pump.actor.getSnapshot().context.connected).toBe(false);
    pump.send({ type: 'phase.complete', phase: 'infuse' }); // not this phase's completion
    expect(pump.mode()).toBe('therapy.priming');
    pump.send({ type: 'phase.complete', phase: 'prime' });
    expect(pump.mode()).toBe('primed');
  });

  it('SEED-INFUSE-1 start goes to therapy.infusing.running, connected, and announces the infusion phase', () => {
    const pump = toRunning(startPump());
    expect(pump.emittedOfType('phase.begin').map((e) => e.phase)).toEqual(['prime', 'infuse']);
    expect(pump.actor.getSnapshot().context.connected).toBe(true);
    expect(pump.actor.getSnapshot().context.resumePoint).toBe('infusing');
  });

  it('PUMP-PAUSE pause stops delivery and resume continues the infusion', () => {
    const pump = toRunning(startPump());
    pump.send({ type: 'pause' });
    expect(pump.mode()).toBe('therapy.infusing.paused');
    expect(deliveryFor(pump.actor.getSnapshot())).toBe('none');
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('therapy.infusing.running');
    expect(deliveryFor(pump.actor.getSnapshot())).toBe('infuse');
  });

  it('PUMP-PAUSE a pause left for 15 minutes reminds the user once, without changing mode', () => {
    const pump = toRunning(startPump());
    pump.send({ type: 'pause' });
    pump.clock.advance(PAUSE_REMINDER_MS - 1);
    expect(pump.notifications()).not.toContain('PAUSED_TOO_LONG');
    pump.clock.advance(1);
    expect(pump.notifications().filter((c) => c === 'PAUSED_TOO_LONG')).toHaveLength(1);
    expect(pump.mode()).toBe('therapy.infusing.paused');
    pump.clock.advance(3 * PAUSE_REMINDER_MS);
    expect(pump.notifications().filter((c) => c === 'PAUSED_TOO_LONG')).toHaveLength(1);
  });

  it('PUMP-PAUSE a second pause gets its own 15 minutes: the first pause’s reminder was cancelled on the clock, not left to fire', () => {
    const pump = toRunning(startPump());
    pump.send({ type: 'pause' });
    pump.clock.advance(60_000);
    pump.send({ type: 'resume' });
    pump.clock.advance(60_000);
    pump.send({ type: 'pause' });
    expect(pump.clock.pendingCount).toBe(1);
    pump.clock.advance(PAUSE_REMINDER_MS - 1);
    expect(pump.notifications()).not.toContain('PAUSED_TOO_LONG');
    pump.clock.advance(1);
    expect(pump.notifications().filter((c) => c === 'PAUSED_TOO_LONG')).toHaveLength(1);
  });

  it('PUMP-PAUSE resuming before 15 minutes cancels the reminder', () => {
    const pump = toRunning(startPump());
    pump.send({ type: 'pause' });
    pump.clock.advance(PAUSE_REMINDER_MS / 2);
    pump.send({ type: 'resume' });
    pump.clock.advance(PAUSE_REMINDER_MS);
    expect(pump.notifications()).not.toContain('PAUSED_TOO_LONG');
  });

  it('SEED-LOCK-1 infusion complete, then flush, then the heparin lock: locked, disconnected, and refill returns to idle', () => {
    const pump = toRunning(startPump());
    pump.send({ type: 'phase.complete', phase: 'infuse' });
    expect(pump.mode()).toBe('infusionComplete');
    expect(pump.notifications()).toContain('INFUSION_COMPLETE');
    pump.send({ type: 'flush' });
    expect(pump.mode()).toBe('therapy.flushing');
    expect(pump.emittedOfType('phase.begin').map((e) => e.phase)).toEqual(['prime', 'infuse', 'flush']);
    pump.send({ type: 'phase.complete', phase: 'flush' });
    expect(pump.mode()).toBe('locked');
    expect(pump.notifications()).toContain('HEPARIN_LOCK_DONE');
    expect(pump.actor.getSnapshot().context.connected).toBe(false);
    pump.send({ type: 'refill', volumeMl: 30 });
    expect(pump.mode()).toBe('idle');
    expect(pump.emittedOfType('reservoir.refilled')).toEqual([{ type: 'reservoir.refilled', volumeMl: 30 }]);
  });

  it('PUMP-STOP stop during therapy goes to stopped, and refill from there returns to idle disconnected', () => {
    const pump = toRunning(startPump());
    pump.send({ type: 'stop' });
    expect(pump.mode()).toBe('stopped');
    expect(deliveryFor(pump.actor.getSnapshot())).toBe('none');
    pump.send({ type: 'refill', volumeMl: 20 });
    expect(pump.mode()).toBe('idle');
    expect(pump.actor.getSnapshot().context.connected).toBe(false);
  });
});

describe('alarm stop and restart', () => {
  it('GIP-1.6.2 an alarm whose action is stopNow stops the infusion at once', () => {
    const pump = toRunning(startPump());
    raise(pump, 'OCCLUSION', 'stopNow');
    expect(pump.mode()).toBe('alarmStopped');
    expect(deliveryFor(pump.actor.getSnapshot())).toBe('none');
    expect(pump.actor.getSnapshot().context.stoppingAlarms).toEqual(['OCCLUSION']);
  });

  it('OPCA-EMPTY an alarm whose action is finishStrokeThenStop also stops the infusion', () => {
    const pump = toRunning(startPump());
    raise(pump, 'RESERVOIR_EMPTY', 'finishStrokeThenStop');
    expect(pump.mode()).toBe('alarmStopped');
  });

  it('GIP-1.5.5 an alarm whose action is continue leaves the infusion running', () => {
    const pump = toRunning(startPump());
    raise(pump, 'RESERVOIR_LOW', 'continue');
    expect(pump.mode()).toBe('therapy.infusing.running');
    expect(pump.actor.getSnapshot().context.stoppingAlarms).toEqual([]);
  });

  it('OPCA-LATCH resume is refused while the stopping alarm is present', () => {
    const pump = toRunning(startPump());
    raise(pump, 'OCCLUSION');
    expect(pump.can({ type: 'resume' })).toBe(false);
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('alarmStopped');
    // Another alarm clearing does not release it.
    pump.send({ type: 'alarm.cleared', code: 'MOTOR_STALL' });
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('alarmStopped');
  });

  it('PUMP-RESUME after alarm.cleared, resume returns to the running infusion (history)', () => {
    const pump = toRunning(startPump());
    raise(pump, 'OCCLUSION');
    pump.send({ type: 'alarm.cleared', code: 'OCCLUSION' });
    expect(pump.mode()).toBe('alarmStopped');
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('therapy.infusing.running');
  });

  it('PUMP-RESUME an alarm during a pause resumes to the pause, not to running', () => {
    const pump = toRunning(startPump());
    pump.send({ type: 'pause' });
    raise(pump, 'SENSOR_FAULT');
    expect(pump.mode()).toBe('alarmStopped');
    pump.send({ type: 'alarm.cleared', code: 'SENSOR_FAULT' });
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('therapy.infusing.paused');
  });

  it('PUMP-RESUME an alarm during priming or flushing resumes that phase', () => {
    const priming = toReady(startPump());
    priming.send({ type: 'prime' });
    stopAndResume(priming, 'MOTOR_STALL');
    expect(priming.mode()).toBe('therapy.priming');

    const flushing = toRunning(startPump());
    flushing.send({ type: 'phase.complete', phase: 'infuse' });
    flushing.send({ type: 'flush' });
    stopAndResume(flushing, 'OCCLUSION');
    expect(flushing.mode()).toBe('therapy.flushing');
  });

  it('PUMP-RESUME with two stopping alarms, resume waits until both have cleared', () => {
    const pump = toRunning(startPump());
    raise(pump, 'OCCLUSION');
    raise(pump, 'MOTOR_STALL');
    pump.send({ type: 'alarm.cleared', code: 'OCCLUSION' });
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('alarmStopped');
    pump.send({ type: 'alarm.cleared', code: 'MOTOR_STALL' });
    pump.send({ type: 'resume' });
    expect(pump.mode()).toBe('therapy.infusing.running');
  });

  it('PUMP-GATE prime and start are refused while a stopping alarm is present', () => {
    const ready = toReady(startPump());
    raise(ready, 'SENSOR_FAULT');
    expect(ready.mode()).toBe('ready');
    ready.send({ type: 'prime' });
    expect(ready.mode()).toBe('ready');

    const primed = toPrimed(startPump());
    raise(primed, 'OCCLUSION');
    primed.send({ type: 'start' });
    expect(primed.mode()).toBe('primed');
    primed.send({ type: 'alarm.cleared', code: 'OCCLUSION' });
    primed.send({ type: 'start' });
    expect(primed.mode()).toBe('therapy.infusing.running');
  });
});

describe('Open PCA EC23 restart lockout', () => {
  it('OPCA-EC23 the same alarm stopping and restarting the pump three times within 10 minutes forces a stop and emits restart.lockout', () => {
    const pump = toRunning(startPump());
    pump.clock.advance(60_000);
    stopAndResume(pump, 'OCCLUSION');
    expect(pump.mode()).toBe('therapy.infusing.running');
    pump.clock.advance(4 * 60_000);
    stopAndResume(pump, 'OCCLUSION');
    expect(pump.mode()).toBe('therapy.infusing.running');
    pump.clock.advance(4 * 60_000); // third restart 8 minutes after the first
    stopAndResume(pump, 'OCCLUSION');
    expect(pump.mode()).toBe('stopped');
    expect(pump.emittedOfType('restart.lockout')).toEqual([{ type: 'restart.lockout', code: 'OCCLUSION' }]);
    expect(deliveryFor(pump.actor.getSnapshot())).toBe('none');
  });

  it('OPCA-EC23 the same alarm with the restarts more than 10 minutes apart does not lock out, until its fifth stop in the programme', () => {
    const pump = toRunning(startPump());
    for (let i = 0; i < MAX_STOPS_PER_CAUSE_PER_PROGRAMME - 1; i++) {
      pump.clock.advance(RESTART_LOCKOUT_WINDOW_MS / 2 + 1000);
      stopAndResume(pump, 'OCCLUSION');
      expect(pump.mode(), `cycle ${i + 1}`).toBe('therapy.infusing.running');
    }
    expect(pump.emittedOfType('restart.lockout')).toEqual([]);
    // Another cause has its own count.
    pump.clock.advance(RESTART_LOCKOUT_WINDOW_MS);
    stopAndResume(pump, 'MOTOR_STALL');
    expect(pump.mode()).toBe('therapy.infusing.running');
    // The fifth stop by the same cause, a day later: the storm ends.
    pump.clock.advance(24 * 3_600_000);
    stopAndResume(pump, 'OCCLUSION');
    expect(pump.mode()).toBe('stopped');
    expect(pump.emittedOfType('restart.lockout')).toEqual([{ type: 'restart.lockout', code: 'OCCLUSION' }]);
  });

  it('OPCA-EC23 the restart history keeps of each cause its last four restarts, and counts per programme', () => {
    let history: readonly RestartRecord[] = [];
    for (let i = 0; i < 7; i++) history = withRestart(history, 'OCCLUSION', i * 3_600_000);
    history = withRestart(history, 'MOTOR_STALL', 8 * 3_600_000);
    expect(history.map((r) => [r.code, r.atMs / 3_600_000])).toEqual([['OCCLUSION', 3], ['OCCLUSION', 4], ['OCCLUSION', 5], ['OCCLUSION', 6], ['MOTOR_STALL', 8]]);
    expect(restartLockedOut(history, 'OCCLUSION', 100 * 3_600_000)).toBe(true);
    expect(restartLockedOut(history, 'MOTOR_STALL', 100 * 3_600_000)).toBe(false);
    expect(restartLockedOut(history.slice(1), 'OCCLUSION', 100 * 3_600_000)).toBe(false);
    expect(restartLockedOut([], 'OCCLUSION', 0)).toBe(false);
  });

  it('OPCA-EC23 three restarts within 10 minutes by different alarms do not lock out', () => {
    const pump = toRunning(startPump());
    for (const code of ['OCCLUSION', 'MOTOR_STALL', 'SENSOR_FAULT', 'OCCLUSION'] as const) {
      pump.clock.advance(60_000);
      stopAndResume(pump, code);
      expect(pump.mode(), code).toBe('therapy.infusing.running');
    }
    expect(pump.emittedOfType('restart.lockout')).toEqual([]);
  });

  it('OPCA-EC23 the window is strict: a third restart exactly 10 minutes after the first does not lock out, one millisecond sooner does', () => {
    for (const [offsetMs, lockedOut] of [[0, false], [-1, true]] as const) {
      const pump = toRunning(startPump());
      stopAndResume(pump, 'OCCLUSION');
      pump.clock.advance(60_000);
      stopAndResume(pump, 'OCCLUSION');
      pump.clock.advance(RESTART_LOCKOUT_WINDOW_MS - 60_000 + offsetMs);
      stopAndResume(pump, 'OCCLUSION');
      expect(pump.mode(), `third restart at window ${offsetMs} ms`).toBe(lockedOut ? 'stopped' : 'therapy.infusing.running');
      expect(pump.emittedOfType('restart.lockout').length).toBe(lockedOut ? 1 : 0);
    }
  });

  it('OPCA-EC23 the lockout is an ordinary stop: flush is refused while the REPEATED_ALARM is present, allowed once it clears', () => {
    const pump = toRunning(startPump());
    for (let i = 0; i < 3; i++) {
      pump.clock.advance(30_000);
      stopAndResume(pump, 'MOTOR_STALL');
    }
    expect(pump.mode()).toBe('stopped');
    raise(pump, 'REPEATED_ALARM'); // what the runtime raises on restart.lockout
    pump.send({ type: 'flush' });
    expect(pump.mode()).toBe('stopped');
    pump.send({ type: 'alarm.cleared', code: 'REPEATED_ALARM' });
    pump.send({ type: 'flush' });
    expect(pump.mode()).toBe('therapy.flushing');
  });
});

describe('delivery each mode allows', () => {
  function atomicStates(node: AnyStateNode): AnyStateNode[] {
    const children = Object.values(node.states) as AnyStateNode[];
    if (children.length === 0) return node.type === 'history' ? [] : [node];
    return children.flatMap(atomicStates);
  }

  function stateValue(path: readonly string[]): unknown {
    const [head, ...rest] = path;
    if (head === undefined) throw new Error('empty path');
    return rest.length === 0 ? head : { [head]: stateValue(rest) };
  }

  it('PUMP-DELIVERY deliveryFor returns none in every non-delivery state of the chart', () => {
    const delivering: Record<string, string> = { 'therapy.priming': 'prime', 'therapy.infusing.running': 'infuse', 'therapy.flushing': 'flush' };
    const leaves = atomicStates(pumpMachine.root);
    const context = createActor(pumpMachine, { input: { config: NOMINAL_PORT_CONFIG, library: HAI_FUDR_LIBRARY } }).getSnapshot().context;
    expect(leaves.length).toBeGreaterThan(10);
    for (const leaf of leaves) {
      const name = leaf.path.join('.');
      expect(deliveryFor(pumpMachine.resolveState({ value: stateValue(leaf.path) as StateValue, context })), name).toBe(delivering[name] ?? 'none');
    }
    for (const name of Object.keys(delivering)) expect(leaves.map((l) => l.path.join('.'))).toContain(name);
    // A snapshot carrying no delivery tag is never mistaken for delivery.
    expect(deliveryFor({ hasTag: () => false })).toBe('none');
  });

  it('PUMP-DELIVERY modeName spells a state value as its dotted path', () => {
    expect(modeName('idle')).toBe('idle');
    expect(modeName({ therapy: { infusing: 'running' } })).toBe('therapy.infusing.running');
    expect(modeName({ programming: 'awaitingConfirmation' })).toBe('programming.awaitingConfirmation');
    expect(modeName({})).toBe('?');
    expect(modeName(null)).toBe('null');
    expect(modeName(7)).toBe('7');
  });

  it('PUMP-DELIVERY the live snapshots along a whole course agree', () => {
    const pump = startPump();
    const seen = new Map<string, string>();
    pump.actor.subscribe((s) => seen.set(modeName(s.value), deliveryFor(s)));
    toRunning(pump);
    pump.send({ type: 'pause' });
    pump.send({ type: 'resume' });
    raise(pump, 'OCCLUSION');
    pump.send({ type: 'alarm.cleared', code: 'OCCLUSION' });
    pump.send({ type: 'resume' });
    pump.send({ type: 'phase.complete', phase: 'infuse' });
    pump.send({ type: 'flush' });
    pump.send({ type: 'phase.complete', phase: 'flush' });
    pump.send({ type: 'refill', volumeMl: 30 });
    expect(Object.fromEntries(seen)).toEqual({
      idle: 'none',
      ready: 'none',
      'therapy.priming': 'prime',
      primed: 'none',
      'therapy.infusing.running': 'infuse',
      'therapy.infusing.paused': 'none',
      alarmStopped: 'none',
      infusionComplete: 'none',
      'therapy.flushing': 'flush',
      locked: 'none',
    });
  });
});
