/**
 * The pump's statechart (XState v5): its modes and every transition between them, by name.
 *
 * Owns: which mode the pump is in, the programmed plan, and the rules that gate mode changes
 * (drug-library check, alarm stop and restart, Open PCA EC23 restart lockout).
 * Promises:
 * - It holds modes, not ticks: it hears commands, phase completions and alarm changes, never the
 *   1 Hz control period. Its only delays are named in `setup` and run on the HAL clock.
 * - Its actions are assignments and emitted notifications; it never touches the HAL. The runtime
 *   reads the mode (`deliveryFor`, from the states' delivery tags; `connected` in the context) and
 *   the emitted events.
 * - Fail-safe (`failSafe`): the drive is stopped and no command moves it again; the annunciator
 *   keeps the high-priority signal. Only a power cycle (a new boot and self-test) leaves it,
 *   because a failed self-test or an unrecoverable fault means the firmware can no longer trust
 *   what it measures.
 */
import { assign, emit, setup } from 'xstate';
import type { DeviceConfig } from '../hal/index.ts';
import type { AlarmCode, DriveAction } from './alarms.ts';
import type { DrugLibrary } from './drugLibrary.ts';
import type { InfusionPlan, LimitFinding, PrescriptionInput } from './dosing.ts';
import { planInfusion } from './dosing.ts';
import type { DeliveryMode } from './controlStep.ts';

/** Open PCA EC23: the same alarm→stop→restart three times within 10 minutes forces a stop. */
export const RESTART_LOCKOUT_COUNT = 3;
export const RESTART_LOCKOUT_WINDOW_MS = 10 * 60_000;
/**
 * Alarm storms end: a cause that persists (a partial occlusion the pulse check sees on and off, a
 * drive that turns and moves nothing) stops the drive at most this many times in one programme,
 * however far apart; the restart after the last is locked out as EC23's is (REPEATED_ALARM).
 * Each restart is a person judging the cause gone; five times wrong within one programme is a
 * cause that needs the clinic, not a sixth restart.
 */
export const MAX_STOPS_PER_CAUSE_PER_PROGRAMME = 5;
/** GIP 3.4.3: the power-on self-test completes within 70 s. */
export const SELF_TEST_TIMEOUT_MS = 70_000;
/** A paused infusion reminds the user after this long: PAUSED_TOO_LONG (GIP 2.2.1; GPCA paused too long). */
export const PAUSE_REMINDER_MS = 15 * 60_000;
/** A primed set not started reminds the user after this long: PRIMED_NOT_STARTED (GIP 2.2.2; GPCA). */
export const PRIMED_REMINDER_MS = 15 * 60_000;
/** The notifications the runtime turns into the pending-input reminders' conditions. */
export const REMINDER_CODES = Object.freeze({ paused: 'PAUSED_TOO_LONG', primed: 'PRIMED_NOT_STARTED' } as const);

export type TherapyPoint = 'none' | 'priming' | 'infusing' | 'paused' | 'flushing';
export const THERAPY_POINTS: readonly TherapyPoint[] = ['none', 'priming', 'infusing', 'paused', 'flushing'];

export type ResumePoint = 'none' | 'priming' | 'infusing' | 'paused' | 'flushing' | 'alarmStopped' | 'infusionComplete' | 'stopped' | 'locked';
export const RESUME_POINTS: readonly ResumePoint[] = ['none', 'priming', 'infusing', 'paused', 'flushing', 'alarmStopped', 'infusionComplete', 'stopped', 'locked'];

export interface PumpContext {
  readonly config: DeviceConfig;
  readonly library: DrugLibrary;
  readonly plan: InfusionPlan | null;
  readonly candidate: Programme | null;
  /** The programme the plan was made from, as entered (the NV store keeps it, not the plan). */
  readonly programme: Programme | null;
  readonly findings: readonly LimitFinding[];
  readonly connected: boolean;
  /** Alarms present whose drive action stops delivery. */
  readonly stoppingAlarms: readonly AlarmCode[];
  /** The alarm that stopped the drive last; its restarts are counted for EC23. */
  readonly stoppedBy: AlarmCode | null;
  /**
   * Restarts of this programme (cleared when a plan is accepted): of each cause its last
   * `MAX_STOPS_PER_CAUSE_PER_PROGRAMME − 1`, enough for EC23's window and the programme's count.
   */
  readonly restarts: readonly RestartRecord[];
  readonly resumePoint: ResumePoint;
  /** The therapy mode the pump was last in; an alarm stop resumes into it (kept in NV). */
  readonly therapyPoint: TherapyPoint;
  /** Set when the pump rebooted into an alarm stop: latched alarms were lost, so a person must acknowledge first. */
  readonly needsAcknowledge: boolean;
}

/** A prescription as the clinician entered it, with the confirmation of its soft limits. */
export interface Programme {
  readonly prescription: PrescriptionInput;
  readonly confirmSoftLimits: boolean;
}

/** One restart after an alarm stop, as Open PCA EC23 counts them. */
export interface RestartRecord {
  readonly code: AlarmCode;
  readonly atMs: number;
}

type At = { readonly atMs: number };
export type PumpEvent =
  | ({
      type: 'selfTest.passed';
      resumePoint: ResumePoint;
      plan: InfusionPlan | null;
      programme?: Programme | null;
      therapyPoint: TherapyPoint;
      connected?: boolean;
      stoppedBy?: AlarmCode | null;
      restarts?: readonly RestartRecord[];
    } & At)
  | ({ type: 'selfTest.failed'; reason: string } & At)
  | ({ type: 'program'; prescription: PrescriptionInput; confirmSoftLimits?: boolean } & At)
  | ({ type: 'prime' } & At)
  | ({ type: 'start' } & At)
  | ({ type: 'pause' } & At)
  | ({ type: 'resume' } & At)
  | ({ type: 'acknowledge' } & At)
  | ({ type: 'audioPause' } & At)
  | ({ type: 'stop' } & At)
  | ({ type: 'flush' } & At)
  | ({ type: 'refill'; volumeMl: number } & At)
  | ({ type: 'phase.complete'; phase: Exclude<DeliveryMode, 'none'> } & At)
  | ({ type: 'alarm.raised'; code: AlarmCode; driveAction: DriveAction } & At)
  | ({ type: 'alarm.cleared'; code: AlarmCode } & At);

export type PumpEmitted =
  | { type: 'phase.begin'; phase: Exclude<DeliveryMode, 'none'> }
  | { type: 'plan.accepted'; plan: InfusionPlan; programme: Programme }
  | { type: 'plan.rejected'; findings: readonly LimitFinding[] }
  | { type: 'reservoir.refilled'; volumeMl: number }
  | { type: 'notification'; code: string; detail?: string }
  | { type: 'restart.lockout'; code: AlarmCode };

export interface PumpInput {
  readonly config: DeviceConfig;
  readonly library: DrugLibrary;
}

/**
 * The restart after a stop by `code` at `atMs` is locked out: EC23 (the third restart of one cause
 * within 10 minutes), or the cause's `MAX_STOPS_PER_CAUSE_PER_PROGRAMME`-th stop in this programme.
 */
export function restartLockedOut(restarts: readonly RestartRecord[], code: AlarmCode, atMs: number): boolean {
  let recent = 0;
  let inProgramme = 0;
  for (const r of restarts) {
    if (r.code !== code) continue;
    inProgramme++;
    if (atMs - r.atMs < RESTART_LOCKOUT_WINDOW_MS) recent++;
  }
  return recent + 1 >= RESTART_LOCKOUT_COUNT || inProgramme + 1 >= MAX_STOPS_PER_CAUSE_PER_PROGRAMME;
}

/** The restart history with one more restart of `code`: of each cause its last MAX − 1 restarts. */
export function withRestart(restarts: readonly RestartRecord[], code: AlarmCode, atMs: number): readonly RestartRecord[] {
  const keep = MAX_STOPS_PER_CAUSE_PER_PROGRAMME - 1;
  const ofCode = restarts.filter((r) => r.code === code).length;
  let drop = ofCode + 1 - keep;
  const kept = restarts.filter((r) => r.code !== code || drop-- <= 0);
  return [...kept, { code, atMs }];
}

function evaluateCandidate(context: PumpContext): { plan: InfusionPlan | null; findings: readonly LimitFinding[]; needsConfirmation: boolean } {
  if (context.candidate === null) return { plan: null, findings: [], needsConfirmation: false };
  const result = planInfusion(context.candidate.prescription, context.config, context.library);
  if (!result.ok) return { plan: null, findings: result.findings, needsConfirmation: false };
  const needsConfirmation = result.plan.softFindings.length > 0 && !context.candidate.confirmSoftLimits;
  return { plan: result.plan, findings: result.plan.softFindings, needsConfirmation };
}

/** The tag of each state that delivers: `deliveryFor` reads the mode's delivery from it. */
export type DeliveryTag = `delivery.${Exclude<DeliveryMode, 'none'>}`;

export const pumpMachine = setup({
  types: {
    context: {} as PumpContext,
    events: {} as PumpEvent,
    input: {} as PumpInput,
    emitted: {} as PumpEmitted,
    tags: {} as DeliveryTag,
  },
  delays: {
    selfTestTimeoutMs: SELF_TEST_TIMEOUT_MS,
    pauseReminderMs: PAUSE_REMINDER_MS,
    primedReminderMs: PRIMED_REMINDER_MS,
  },
  guards: {
    hardLimitViolated: ({ context }) => evaluateCandidate(context).plan === null,
    softLimitUnconfirmed: ({ context }) => evaluateCandidate(context).needsConfirmation,
    alarmStopsDrive: ({ event }) => event.type === 'alarm.raised' && event.driveAction !== 'continue',
    noStoppingAlarm: ({ context }) => context.stoppingAlarms.length === 0,
    canResumeInto: ({ context }, params: { point: TherapyPoint }) =>
      context.stoppingAlarms.length === 0 && !context.needsAcknowledge && context.therapyPoint === params.point,
    restartLockedOut: ({ context, event }) => {
      if (context.stoppedBy === null || context.stoppingAlarms.length > 0) return false;
      const code = context.stoppedBy;
      return restartLockedOut(context.restarts, code, event.atMs);
    },
    resumeAt: ({ event }, params: { point: ResumePoint }) => event.type === 'selfTest.passed' && event.resumePoint === params.point,
    isPhase: ({ event }, params: { phase: Exclude<DeliveryMode, 'none'> }) => event.type === 'phase.complete' && event.phase === params.phase,
    canFlushAfterStop: ({ context }) => context.connected && context.plan !== null && context.stoppingAlarms.length === 0,
  },
  actions: {
    takeCandidate: assign({
      candidate: ({ event }) =>
        event.type === 'program' ? { prescription: event.prescription, confirmSoftLimits: event.confirmSoftLimits ?? false } : null,
    }),
    rejectCandidate: assign(({ context }) => ({ findings: evaluateCandidate(context).findings, candidate: null })),
    announceRejection: emit(({ context }) => ({ type: 'plan.rejected' as const, findings: context.findings })),
    holdForConfirmation: assign(({ context }) => ({ findings: evaluateCandidate(context).findings })),
    // The clinician's acknowledge confirms the soft limits; the stored programme records it, so the
    // plan it makes at the next boot passes the same check.
    confirmCandidate: assign(({ context }) => ({ candidate: context.candidate === null ? null : { prescription: context.candidate.prescription, confirmSoftLimits: true } })),
    // A new programme starts its own count of stops per cause.
    acceptCandidate: assign(({ context }) => ({ plan: evaluateCandidate(context).plan, programme: context.candidate, candidate: null, restarts: [], stoppedBy: null })),
    announcePlan: emit(({ context }) => ({ type: 'plan.accepted' as const, plan: context.plan as InfusionPlan, programme: context.programme as Programme })),
    beginPrime: emit({ type: 'phase.begin' as const, phase: 'prime' as const }),
    beginInfusion: emit({ type: 'phase.begin' as const, phase: 'infuse' as const }),
    beginFlush: emit({ type: 'phase.begin' as const, phase: 'flush' as const }),
    connect: assign({ connected: true }),
    disconnect: assign({ connected: false }),
    restorePlan: assign({
      plan: ({ event, context }) => (event.type === 'selfTest.passed' ? event.plan : context.plan),
      programme: ({ event, context }) => (event.type === 'selfTest.passed' ? (event.programme ?? null) : context.programme),
      // The EC23 history survives the power cycle (it is kept in NV), so a reboot cannot reset the count.
      stoppedBy: ({ event, context }) => (event.type === 'selfTest.passed' ? (event.stoppedBy ?? null) : context.stoppedBy),
      restarts: ({ event, context }) => (event.type === 'selfTest.passed' ? (event.restarts ?? []) : context.restarts),
      therapyPoint: ({ event, context }) => (event.type === 'selfTest.passed' ? event.therapyPoint : context.therapyPoint),
      needsAcknowledge: ({ event }) => event.type === 'selfTest.passed' && event.resumePoint === 'alarmStopped',
      // Connected as recorded before the power loss; an old record without it: from the mode.
      connected: ({ event }) =>
        event.type === 'selfTest.passed' &&
        (event.connected ?? ['infusing', 'paused', 'flushing', 'alarmStopped', 'infusionComplete', 'stopped'].includes(event.resumePoint)),
    }),
    noteAlarm: assign({
      stoppingAlarms: ({ context, event }) =>
        event.type === 'alarm.raised' && event.driveAction !== 'continue' && !context.stoppingAlarms.includes(event.code)
          ? [...context.stoppingAlarms, event.code]
          : context.stoppingAlarms,
    }),
    noteStop: assign({ stoppedBy: ({ event, context }) => (event.type === 'alarm.raised' ? event.code : context.stoppedBy) }),
    noteAlarmCleared: assign({
      stoppingAlarms: ({ context, event }) => (event.type === 'alarm.cleared' ? context.stoppingAlarms.filter((c) => c !== event.code) : context.stoppingAlarms),
    }),
    countRestart: assign({
      restarts: ({ context, event }) => (context.stoppedBy === null ? context.restarts : withRestart(context.restarts, context.stoppedBy, event.atMs)),
      stoppedBy: null,
    }),
    lockOutRestart: emit(({ context }) => ({ type: 'restart.lockout' as const, code: context.stoppedBy as AlarmCode })),
    announceRefill: emit(({ event }) => ({ type: 'reservoir.refilled' as const, volumeMl: event.type === 'refill' ? event.volumeMl : 0 })),
    notify: emit((_, params: { code: string }) => ({ type: 'notification' as const, code: params.code })),
    setResumePoint: assign((_, params: { point: ResumePoint }) => ({ resumePoint: params.point })),
    setTherapyPoint: assign((_, params: { point: TherapyPoint }) => ({ therapyPoint: params.point })),
    clearNeedsAcknowledge: assign({ needsAcknowledge: false }),
  },
}).createMachine({
  id: 'pump',
  context: ({ input }) => ({
    config: input.config,
    library: input.library,
    plan: null,
    candidate: null,
    programme: null,
    findings: [],
    connected: false,
    stoppingAlarms: [],
    stoppedBy: null,
    restarts: [],
    resumePoint: 'none',
    therapyPoint: 'none',
    needsAcknowledge: false,
  }),
  initial: 'selfTest',
  on: {
    'alarm.raised': { actions: 'noteAlarm' },
    'alarm.cleared': { actions: 'noteAlarmCleared' },
  },
  states: {
    selfTest: {
      after: { selfTestTimeoutMs: { target: 'failSafe', actions: { type: 'notify', params: { code: 'SELF_TEST_TIMEOUT' } } } },
      on: {
        'selfTest.passed': [
          { guard: { type: 'resumeAt', params: { point: 'infusing' } }, target: 'therapy.infusing.running', actions: ['restorePlan', { type: 'notify', params: { code: 'THERAPY_RESUMED' } }] },
          { guard: { type: 'resumeAt', params: { point: 'paused' } }, target: 'therapy.infusing.paused', actions: ['restorePlan', { type: 'notify', params: { code: 'THERAPY_RESUMED' } }] },
          { guard: { type: 'resumeAt', params: { point: 'priming' } }, target: 'therapy.priming', actions: ['restorePlan', { type: 'notify', params: { code: 'THERAPY_RESUMED' } }] },
          { guard: { type: 'resumeAt', params: { point: 'flushing' } }, target: 'therapy.flushing', actions: ['restorePlan', { type: 'notify', params: { code: 'THERAPY_RESUMED' } }] },
          { guard: { type: 'resumeAt', params: { point: 'alarmStopped' } }, target: 'alarmStopped', actions: 'restorePlan' },
          { guard: { type: 'resumeAt', params: { point: 'infusionComplete' } }, target: 'infusionComplete', actions: 'restorePlan' },
          { guard: { type: 'resumeAt', params: { point: 'stopped' } }, target: 'stopped', actions: 'restorePlan' },
          { guard: { type: 'resumeAt', params: { point: 'locked' } }, target: 'locked', actions: 'restorePlan' },
          { target: 'idle', actions: 'restorePlan' },
        ],
        'selfTest.failed': { target: 'failSafe' },
      },
    },
    idle: {
      entry: { type: 'setResumePoint', params: { point: 'none' } },
      on: {
        program: { target: 'programming', actions: 'takeCandidate' },
        refill: { actions: 'announceRefill' },
      },
    },
    programming: {
      initial: 'checking',
      states: {
        checking: {
          always: [
            { guard: 'hardLimitViolated', target: '#pump.idle', actions: ['rejectCandidate', 'announceRejection'] },
            { guard: 'softLimitUnconfirmed', target: 'awaitingConfirmation', actions: 'holdForConfirmation' },
            { target: '#pump.ready', actions: ['acceptCandidate', 'announcePlan'] },
          ],
        },
        awaitingConfirmation: {
          on: {
            acknowledge: { target: '#pump.ready', actions: ['confirmCandidate', 'acceptCandidate', 'announcePlan'] },
            program: { target: 'checking', actions: 'takeCandidate', reenter: true },
            stop: { target: '#pump.idle', actions: 'rejectCandidate' },
          },
        },
      },
    },
    ready: {
      entry: { type: 'setResumePoint', params: { point: 'none' } },
      on: {
        prime: { guard: 'noStoppingAlarm', target: 'therapy.priming', actions: 'beginPrime' },
        program: { target: 'programming', actions: 'takeCandidate' },
        stop: { target: 'idle' },
      },
    },
    therapy: {
      initial: 'priming',
      on: {
        'alarm.raised': { guard: 'alarmStopsDrive', target: 'alarmStopped', actions: ['noteAlarm', 'noteStop'] },
        stop: { target: 'stopped' },
      },
      states: {
        priming: {
          tags: ['delivery.prime'],
          entry: [{ type: 'setResumePoint', params: { point: 'priming' } }, { type: 'setTherapyPoint', params: { point: 'priming' } }],
          on: { 'phase.complete': { guard: { type: 'isPhase', params: { phase: 'prime' } }, target: '#pump.primed' } },
        },
        infusing: {
          initial: 'running',
          on: {
            'phase.complete': {
              guard: { type: 'isPhase', params: { phase: 'infuse' } },
              target: '#pump.infusionComplete',
              actions: { type: 'notify', params: { code: 'INFUSION_COMPLETE' } },
            },
          },
          states: {
            running: {
              tags: ['delivery.infuse'],
              entry: [{ type: 'setResumePoint', params: { point: 'infusing' } }, { type: 'setTherapyPoint', params: { point: 'infusing' } }],
              on: { pause: { target: 'paused' } },
            },
            paused: {
              entry: [{ type: 'setResumePoint', params: { point: 'paused' } }, { type: 'setTherapyPoint', params: { point: 'paused' } }],
              after: { pauseReminderMs: { actions: { type: 'notify', params: { code: REMINDER_CODES.paused } } } },
              on: { resume: { target: 'running' } },
            },
          },
        },
        flushing: {
          tags: ['delivery.flush'],
          entry: [{ type: 'setResumePoint', params: { point: 'flushing' } }, { type: 'setTherapyPoint', params: { point: 'flushing' } }],
          on: {
            'phase.complete': {
              guard: { type: 'isPhase', params: { phase: 'flush' } },
              target: '#pump.locked',
              actions: { type: 'notify', params: { code: 'HEPARIN_LOCK_DONE' } },
            },
          },
        },
      },
    },
    primed: {
      entry: { type: 'setResumePoint', params: { point: 'none' } },
      after: { primedReminderMs: { actions: { type: 'notify', params: { code: REMINDER_CODES.primed } } } },
      on: {
        start: { guard: 'noStoppingAlarm', target: 'therapy.infusing', actions: ['connect', 'beginInfusion'] },
        prime: { guard: 'noStoppingAlarm', target: 'therapy.priming', actions: 'beginPrime' },
        stop: { target: 'idle' },
      },
    },
    alarmStopped: {
      entry: { type: 'setResumePoint', params: { point: 'alarmStopped' } },
      on: {
        acknowledge: { actions: 'clearNeedsAcknowledge' },
        resume: [
          { guard: 'restartLockedOut', target: 'stopped', actions: ['lockOutRestart', 'countRestart'] },
          { guard: { type: 'canResumeInto', params: { point: 'priming' } }, target: 'therapy.priming', actions: 'countRestart' },
          { guard: { type: 'canResumeInto', params: { point: 'infusing' } }, target: 'therapy.infusing.running', actions: 'countRestart' },
          { guard: { type: 'canResumeInto', params: { point: 'paused' } }, target: 'therapy.infusing.paused', actions: 'countRestart' },
          { guard: { type: 'canResumeInto', params: { point: 'flushing' } }, target: 'therapy.flushing', actions: 'countRestart' },
        ],
        stop: { target: 'stopped' },
      },
    },
    infusionComplete: {
      entry: { type: 'setResumePoint', params: { point: 'infusionComplete' } },
      on: {
        flush: { guard: 'noStoppingAlarm', target: 'therapy.flushing', actions: 'beginFlush' },
        stop: { target: 'stopped' },
      },
    },
    stopped: {
      entry: { type: 'setResumePoint', params: { point: 'stopped' } },
      on: {
        flush: { guard: 'canFlushAfterStop', target: 'therapy.flushing', actions: 'beginFlush' },
        refill: { target: 'idle', actions: ['disconnect', 'announceRefill'] },
      },
    },
    locked: {
      entry: [{ type: 'setResumePoint', params: { point: 'locked' } }, 'disconnect'],
      on: {
        refill: { target: 'idle', actions: 'announceRefill' },
      },
    },
    failSafe: {
      entry: { type: 'notify', params: { code: 'FAIL_SAFE' } },
    },
  },
});

export type PumpMachine = typeof pumpMachine;

/**
 * Delivery the mode allows, from the tag its state carries (priming, infusing while running,
 * flushing). Every other state, including every alarm and fail-safe mode, carries none: 'none'.
 */
export function deliveryFor(snapshot: { hasTag(tag: DeliveryTag): boolean }): DeliveryMode {
  if (snapshot.hasTag('delivery.infuse')) return 'infuse';
  if (snapshot.hasTag('delivery.prime')) return 'prime';
  if (snapshot.hasTag('delivery.flush')) return 'flush';
  return 'none';
}

/**
 * How a `program` event ended, from the state it led to: a plan over a hard limit goes back to
 * idle (the only way a `program` event reaches idle), one over a soft limit waits for
 * confirmation, any other is accepted.
 */
export function programOutcome(snapshot: { matches(value: 'idle' | { programming: 'awaitingConfirmation' }): boolean }): 'rejected' | 'needsConfirmation' | 'accepted' {
  if (snapshot.matches('idle')) return 'rejected';
  if (snapshot.matches({ programming: 'awaitingConfirmation' })) return 'needsConfirmation';
  return 'accepted';
}

/** Dotted path of a state value, e.g. `therapy.infusing.running`. */
export function modeName(stateValue: unknown): string {
  if (typeof stateValue === 'string') return stateValue;
  if (typeof stateValue !== 'object' || stateValue === null) return String(stateValue);
  const [key, child] = Object.entries(stateValue as Record<string, unknown>)[0] ?? ['?', undefined];
  return child === undefined ? key : `${key}.${modeName(child)}`;
}
