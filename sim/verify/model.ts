/**
 * The reference model: a deliberately simple description of what the pump should do with each
 * command, written without reading the statechart.
 *
 * Owns: a flat mode, whether a plan is programmed, where a stopped therapy resumes, whether the
 * needle is in the port, and what caused an alarm — nothing per tick.
 * Promises: `afterCommand` and `afterTime` compare what the firmware did with what the model
 * allows, update the model, and return one message per disagreement. Alarms come from physics the
 * model does not simulate, so it takes the alarm set the firmware shows as an input (a stopping
 * alarm present or not) and judges only whether each alarm raised had a cause (`falseAlarm`: an
 * injected fault, a reservoir the gauge cannot tell from empty, a battery really low). Which of two allowed outcomes a restart takes (resume
 * or the EC23 lockout) is left to the restart-lockout invariant.
 *
 * The rules, mode by mode (a command not listed is refused and changes nothing):
 * | mode | command → mode |
 * | --- | --- |
 * | idle | program → ready (confirmed, or no soft finding) / confirm (soft finding unconfirmed) / idle refused (hard limit); refill → idle |
 * | confirm | acknowledge → ready; program as in idle; stop → idle |
 * | ready | program as in idle; prime → priming (no stopping alarm); stop → idle |
 * | priming | stop → stopped; time → primed |
 * | primed | start → running (no stopping alarm; the needle goes in); prime → priming; stop → idle |
 * | running | pause → paused; stop → stopped; time → complete |
 * | paused | resume → running; stop → stopped |
 * | complete | flush → flushing (no stopping alarm); stop → stopped |
 * | flushing | stop → stopped; time → locked (the needle is de-accessed after it) |
 * | stopped | flush → flushing (needle in the port, no stopping alarm); refill → idle |
 * | locked | refill → idle |
 * | alarmStopped | resume → the therapy mode it stopped (no stopping alarm, acknowledged after a reboot) or stopped (EC23); stop → stopped. Recovery: with every fault cleared and an acknowledge ≥ 30 s after both the stop and the last clear, resume is taken (reservoir and battery alarms excepted) |
 * | therapy modes | a stopping alarm with a cause → alarmStopped |
 * | any | power loss → after the self-test, therapy modes and their stops resume; idle, ready and primed come back idle; a self-test with a failed sensor, or after a battery drain (a charge at or below 5 % fails it) → failSafe; a therapy under way whose ledger record is corrupt → failSafe (never a silent restart from zero) |
 * `acknowledge` is always answered as accepted; `audioPause` is accepted when an alarm is present,
 * `cancelPause` while an audio pause runs (Open PCA R6.5.0(16)); neither changes the mode.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import type { KnownIssue } from './knownIssues.ts';
import type { FaultName, ProgramVariant, SimpleCommand } from './steps.ts';

export type ModelMode =
  | 'off' | 'selfTest' | 'idle' | 'confirm' | 'ready' | 'priming' | 'primed' | 'running' | 'paused'
  | 'complete' | 'flushing' | 'locked' | 'stopped' | 'alarmStopped' | 'failSafe';

const FIRMWARE_MODES: Readonly<Record<string, ModelMode>> = Object.freeze({
  off: 'off',
  selfTest: 'selfTest',
  idle: 'idle',
  'programming.awaitingConfirmation': 'confirm',
  ready: 'ready',
  'therapy.priming': 'priming',
  primed: 'primed',
  'therapy.infusing.running': 'running',
  'therapy.infusing.paused': 'paused',
  infusionComplete: 'complete',
  'therapy.flushing': 'flushing',
  locked: 'locked',
  stopped: 'stopped',
  alarmStopped: 'alarmStopped',
  failSafe: 'failSafe',
});

/** The model's name for a firmware mode (dotted statechart path), or null for a mode it does not know. */
export function modelMode(firmwareMode: string): ModelMode | null {
  return FIRMWARE_MODES[firmwareMode] ?? null;
}

type TherapyMode = 'priming' | 'running' | 'paused' | 'flushing';
const THERAPY: readonly ModelMode[] = ['priming', 'running', 'paused', 'flushing'];
/** Modes a reboot returns to; the others come back idle. */
const RESUMABLE: readonly ModelMode[] = ['priming', 'running', 'paused', 'flushing', 'alarmStopped', 'complete', 'stopped', 'locked'];

export interface ModelFacts {
  /** The setup prescription has soft-limit findings (it needs a confirmation). */
  readonly needsConfirmation: boolean;
  /**
   * Reservoir volume (truth, µL) below which the gauge cannot tell the reservoir from empty:
   * the unreachable residual plus the gauge's accuracy. A RESERVOIR_EMPTY stop below it has a cause.
   */
  readonly reservoirAmbiguousBelowUl: number;
  /** The firmware's control period: a latched alarm whose condition is gone clears at the next step. */
  readonly controlPeriodMs: number;
  /** Known issues (knownIssues.ts) the model lets pass. */
  readonly tolerated: readonly KnownIssue[];
}

/** What the model reads from the pump before a command: the alarms physics raised, and the time. */
export interface AlarmView {
  readonly stoppingAlarm: boolean;
  readonly anyAlarm: boolean;
  /** An audio pause runs now. */
  readonly audioPaused: boolean;
  readonly stoppingCodes: readonly AlarmCode[];
  readonly atMs: number;
}

/**
 * Recovery: once every fault is cleared and the alarms are acknowledged this long after the last
 * clear, no fault-caused stopping alarm may remain, and a resume two control periods after the
 * acknowledge must be taken. (Conditions need a few control periods to go: the pulse must return,
 * the pressure relax; an acknowledged alarm clears at the next control step.)
 */
export const RECOVERY_ACK_AFTER_CLEAR_MS = 30_000;

export type ModelCommand = { readonly type: 'program'; readonly variant: ProgramVariant } | { readonly type: SimpleCommand };

export interface ModeChange {
  readonly atMs: number;
  readonly mode: string;
}

export class PumpModel {
  mode: ModelMode = 'selfTest';
  private therapyPoint: TherapyMode | null = null;
  private rebootPoint: ModelMode = 'idle';
  private needsAck = false;
  private connected = false;
  private primesSinceFill = 0;
  private readonly faultsSeen = new Set<FaultName>();
  private readonly faultsActive = new Set<FaultName>();
  private lastFaultClearedAtMs = -Infinity;
  /** When the pump last went to alarmStopped. */
  private lastStopAtMs = -Infinity;
  private lastAckAtMs = -Infinity;
  /** At the last power-off the NV state record was intact (an erased one is damage whatever the mode: fail-safe). */
  private nvIntact = true;

  constructor(private readonly facts: ModelFacts) {}

  private enter(mode: ModelMode): void {
    this.mode = mode;
    if ((THERAPY as readonly string[]).includes(mode)) this.therapyPoint = mode as TherapyMode;
    if (RESUMABLE.includes(mode)) this.rebootPoint = mode;
    else if (mode === 'idle' || mode === 'ready' || mode === 'primed') this.rebootPoint = 'idle';
    if (mode === 'locked') this.connected = false;
  }


  /** What the model expects of a command: accepted or not, and the modes it may lead to. */
  expect(cmd: ModelCommand, alarms: AlarmView): { accepted: boolean; modes: readonly ModelMode[] } {
    const m = this.mode;
    const refused = { accepted: false, modes: [m] } as const;
    const to = (...modes: ModelMode[]): { accepted: boolean; modes: readonly ModelMode[] } => ({ accepted: true, modes });
    switch (cmd.type) {
      case 'program':
        if (m !== 'idle' && m !== 'ready' && m !== 'confirm') return refused;
        if (cmd.variant === 'refused') return { accepted: false, modes: ['idle'] };
        return to(cmd.variant === 'unconfirmed' && this.facts.needsConfirmation ? 'confirm' : 'ready');
      case 'acknowledge':
        return { accepted: m !== 'off', modes: [m === 'confirm' ? 'ready' : m] };
      case 'audioPause':
        return { accepted: alarms.anyAlarm, modes: [m] };
      case 'cancelPause':
        return { accepted: alarms.audioPaused, modes: [m] };
      case 'prime':
        return (m === 'ready' || m === 'primed') && !alarms.stoppingAlarm ? to('priming') : refused;
      case 'start':
        return m === 'primed' && !alarms.stoppingAlarm ? to('running') : refused;
      case 'pause':
        return m === 'running' ? to('paused') : refused;
      case 'resume':
        if (m === 'paused') return to('running');
        if (m === 'alarmStopped' && !alarms.stoppingAlarm && !this.needsAck && this.therapyPoint !== null) return to(this.therapyPoint, 'stopped');
        return refused;
      case 'stop':
        if (m === 'confirm' || m === 'ready' || m === 'primed') return to('idle');
        if ((THERAPY as readonly string[]).includes(m) || m === 'alarmStopped' || m === 'complete') return to('stopped');
        return refused;
      case 'flush':
        if (m === 'complete' && !alarms.stoppingAlarm) return to('flushing');
        if (m === 'stopped' && this.connected && !alarms.stoppingAlarm) return to('flushing');
        return refused;
      case 'refill':
        return m === 'idle' || m === 'stopped' || m === 'locked' ? to('idle') : refused;
    }
  }

  /** Compares a command's outcome with the model, then follows the pump. */
  afterCommand(cmd: ModelCommand, alarms: AlarmView, accepted: boolean, firmwareModeAfter: string): string[] {
    const problems: string[] = [];
    const expected = this.expect(cmd, alarms);
    const after = modelMode(firmwareModeAfter);
    const name = cmd.type === 'program' ? `program(${cmd.variant})` : cmd.type;
    if (after === null) return [`${name} left the pump in ${firmwareModeAfter}, a mode the model does not know`];
    if (accepted !== expected.accepted) {
      problems.push(`${name} in ${this.mode} was ${accepted ? 'accepted' : 'refused'}; the model ${expected.accepted ? 'accepts' : 'refuses'} it`);
    }
    if (!expected.modes.includes(after)) problems.push(`${name} in ${this.mode} led to ${after}; the model expects ${expected.modes.join(' or ')}`);
    const unrecoverable: readonly AlarmCode[] = ['RESERVOIR_EMPTY', 'BATTERY_DEPLETED', 'BATTERY_LOW'];
    const recovered =
      cmd.type === 'resume' && this.mode === 'alarmStopped' && !accepted && !this.needsAck &&
      this.faultsActive.size === 0 && !this.faultsSeen.has('batteryDepletion') &&
      this.lastAckAtMs - Math.max(this.lastFaultClearedAtMs, this.lastStopAtMs) >= RECOVERY_ACK_AFTER_CLEAR_MS &&
      alarms.atMs - this.lastAckAtMs >= 2 * this.facts.controlPeriodMs &&
      alarms.stoppingCodes.every((c) => !unrecoverable.includes(c));
    if (recovered && alarms.stoppingCodes.length > 0) {
      const since = Math.max(this.lastFaultClearedAtMs, this.lastStopAtMs);
      problems.push(`resume refused ${((alarms.atMs - this.lastAckAtMs) / 1000).toFixed(3)} s after an acknowledge that came ${((this.lastAckAtMs - since) / 1000).toFixed(3)} s after the alarm stop and the last fault clear: ${alarms.stoppingCodes.join(', ')} still present (the pump cannot recover)`);
    }
    const before = this.mode;
    if (accepted) {
      if (cmd.type === 'start') this.connected = true;
      if (cmd.type === 'prime') this.primesSinceFill++;
      if (cmd.type === 'refill') {
        this.connected = false;
        this.primesSinceFill = 0;
      }
      if ((cmd.type === 'program' && after === 'ready') || (cmd.type === 'acknowledge' && before === 'confirm' && after === 'ready')) this.primesSinceFill = 0;
      if (cmd.type === 'acknowledge' && before === 'alarmStopped') this.needsAck = false;
      if (cmd.type === 'acknowledge') this.lastAckAtMs = alarms.atMs;
    }
    this.enter(after);
    return problems;
  }

  /**
   * Why an alarm raised now would be false, or null when it has a cause: an injected fault (any,
   * at any time before), a reservoir the gauge cannot tell from empty or drawn down by repeated
   * primes (reservoir alarms, and under-infusion from a dry reservoir), a battery really low, a
 * reminder of input pending in the mode it reminds of.
   */
  falseAlarm(code: AlarmCode, truth: { readonly reservoirUl: number; readonly batteryPercent: number }): string | null {
    if (this.faultsSeen.size > 0) return null;
    // A pending-input reminder's cause is the mode it reminds of (its 15 minutes: test/firmware).
    if ((code === 'PAUSED_TOO_LONG' && this.mode === 'paused') || (code === 'PRIMED_NOT_STARTED' && this.mode === 'primed')) return null;
    const reservoirLow = this.primesSinceFill > 1 || truth.reservoirUl < this.facts.reservoirAmbiguousBelowUl;
    // A reservoir run dry also shows as flow below the commanded strokes (UNDER_INFUSION), or none
    // at all (UPSTREAM_OCCLUSION: the head turns and draws nothing).
    if ((code === 'RESERVOIR_EMPTY' || code === 'RESERVOIR_LOW' || code === 'UNDER_INFUSION' || code === 'UPSTREAM_OCCLUSION') && reservoirLow) return null;
    if (code === 'BATTERY_LOW' && truth.batteryPercent <= 21) return null;
    if (code === 'BATTERY_DEPLETED' && truth.batteryPercent <= 6) return null;
    return `${code} raised with no fault injected (reservoir ${(truth.reservoirUl / 1000).toFixed(3)} mL, battery ${truth.batteryPercent.toFixed(1)} %): a false alarm`;
  }

  /** The run removed power; `nvIntact`: the state record in the NV store can be resumed from. */
  powerOff(nvIntact = true): void {
    this.mode = 'off';
    // Damage stays: the firmware never writes a fresh state over a store it found damaged.
    this.nvIntact = this.nvIntact && nvIntact;
  }

  onFault(fault: FaultName, active: boolean, atMs: number): void {
    if (active) {
      this.faultsSeen.add(fault);
      this.faultsActive.add(fault);
    } else if (this.faultsActive.delete(fault)) this.lastFaultClearedAtMs = atMs;
  }

  /** Checks the mode changes seen while time passed; `stoppingAlarmsAt(t)` lists the stopping alarms raised at t. */
  afterTime(changes: readonly ModeChange[], stoppingAlarmsAt: (atMs: number) => readonly AlarmCode[]): string[] {
    const problems: string[] = [];
    for (const change of changes) {
      const to = modelMode(change.mode);
      const at = `at ${(change.atMs / 1000).toFixed(3)} s`;
      if (to === null) {
        problems.push(`${at} the pump went to ${change.mode}, a mode the model does not know`);
        continue;
      }
      if (to === this.mode) continue;
      const from = this.mode;
      let ok: boolean;
      if (to === 'off') ok = true;
      else if (from === 'off') ok = to === 'selfTest';
      else if (from === 'selfTest' && !this.nvIntact) ok = to === 'failSafe';
      // The self-test fails a failed sensor, and a battery at or below 5 % (the model does not track
      // the charge: once a battery drain has been injected, a failed self-test is allowed).
      else if (from === 'selfTest') ok = to === this.rebootPoint || (to === 'failSafe' && (this.faultsActive.has('pressureDropout') || this.faultsSeen.has('batteryDepletion')));
      else if (to === 'primed') ok = from === 'priming';
      else if (to === 'complete') ok = from === 'running';
      else if (to === 'locked') ok = from === 'flushing';
      else if (to === 'alarmStopped') {
        const codes = stoppingAlarmsAt(change.atMs);
        ok = (THERAPY as readonly string[]).includes(from) && codes.length > 0;
        // Whether each alarm had a cause is judged for every alarm raised (`falseAlarm`).
      } else ok = false;
      const afterReboot = this.nvIntact ? this.rebootPoint : 'failSafe (the NV state record is gone)';
      if (!ok) problems.push(`${at} the pump went from ${from} to ${to} on its own; the model does not allow it${from === 'selfTest' ? ` (it expects ${afterReboot} after the reboot)` : ''}`);
      if (from === 'selfTest' && to !== 'failSafe') this.needsAck = to === 'alarmStopped';
      if (to === 'alarmStopped') this.lastStopAtMs = change.atMs;
      this.enter(to);
    }
    return problems;
  }
}
