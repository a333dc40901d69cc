/**
 * The firmware runtime: the thin layer that alone touches the HAL.
 *
 * Owns: boot and self-test, the periodic control task, executing stroke commands, persisting the
 * ledger and therapy record, driving the annunciator, the event log, and the command interface.
 * Promises:
 * - The control step runs every `controlPeriodMs` on the HAL clock, in every mode, and is never
 *   skipped; the statechart hears only meaningful events.
 * - After every stroke batch the ledger is written to the NV store before anything else happens,
 *   so a power loss at any instant loses at most the batch under way.
 * - On boot the ledger, plan and mode are restored from the NV store; an interrupted therapy
 *   resumes where the ledger says, and the restart is logged.
 * - Commands are the only way in; each gets an answer saying whether the current mode took it.
 */
import { createActor, type Actor, type ActorOptions, type AnyActorLogic, type SnapshotFrom } from 'xstate';
import type { Hal, HalError, LogEntry, StrokeFeedback } from '../hal/index.ts';
import type { AlarmState } from './alarms.ts';
import { ALARM_RULE_BY_CODE, acknowledgeAlarms, isAudible, pauseAudio, signalOwner } from './alarms.ts';
import type { CommandAnswer } from './commands.ts';
import { validateCommand } from './commands.ts';
import type { ControlEvent, ControlSettings, ControlState } from './controlStep.ts';
import { applyDriveFeedback, controlStateFor, controlStep, makeControlSettings, withDetectorsAndAlarms } from './controlStep.ts';
import type { DrugLibrary } from './drugLibrary.ts';
import { HAI_FUDR_LIBRARY } from './drugLibrary.ts';
import type { InfusionPlan } from './dosing.ts';
import { scheduledStrokes } from './dosing.ts';
import type { Ledger } from './ledger.ts';
import type { DetectorReadings } from './detectors/index.ts';
import { acknowledgeStall, afterFill, withRestartLockout } from './detectors/index.ts';
import { EMPTY_LEDGER, beginPhase, endPhase, ledgerFromRecord, ledgerToRecord, refillLedger } from './ledger.ts';
import type { PumpEmitted, PumpEvent, PumpMachine, ResumePoint, TherapyPoint } from './machine.ts';
import { deliveryFor, modeName, programOutcome, pumpMachine } from './machine.ts';
import { ReadingGate } from './readingChecks.ts';
import type { TherapyRecord } from './therapyRecord.ts';
import { NO_THERAPY, NV_KEY_THERAPY, therapyFromRecord, therapyToRecord } from './therapyRecord.ts';

/**
 * How often each sensor is read. Pressure every control period (the arterial checks need it);
 * the flow front-end integrates between reads, so reading it every 10 s loses nothing for the
 * 15-minute GIP windows; the reservoir gauge and battery only change once a minute.
 */
export const SENSOR_READ_PERIODS_MS = Object.freeze({ flow: 10_000, reservoir: 60_000, power: 60_000 });

/** Simulated duration of the power-on self-test (GIP 3.4.3 allows up to 70 s). */
export const SELF_TEST_DURATION_MS = 2_000;
export const NV_KEY_LEDGER = 'ledger';

export interface FirmwareObserver {
  /** Called after every mode change with the dotted mode name. */
  onMode?(mode: string, atMs: number): void;
  /** Called when the alarm set changes. */
  onAlarms?(alarms: AlarmState, atMs: number): void;
  /** Called after the ledger changes (every stroke batch). */
  onLedger?(ledger: Ledger, atMs: number): void;
}

/**
 * The timers XState's `after` delays run on. The board supplies them bound to the HAL clock
 * (sim/world/board.ts); without one XState would fall back to the host's timers, so it is required.
 */
export type StatechartClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

export interface FirmwareOptions {
  readonly statechartClock: StatechartClock;
  readonly library?: DrugLibrary;
  readonly observer?: FirmwareObserver;
}

export class Firmware {
  private readonly hal: Hal;
  private readonly actor: Actor<PumpMachine>;
  private readonly observer: FirmwareObserver;
  private control: ControlState;
  private settings: ControlSettings;
  private mode = '';
  private resumePoint: ResumePoint = 'none';
  private therapyPoint: TherapyPoint = 'none';
  private persistedConnected = false;
  private shownSignal = '';
  private periodicHandle = -1;
  private selfTestHandle = -1;
  private steps = 0;
  private ledgerUnreadable = false;
  private readonly flowEverySteps: number;
  private readonly slowEverySteps: number;
  /** Periods until the next flow read, and until the next gauge and battery read. */
  private stepsToFlowRead: number;
  private stepsToSlowRead: number;
  private running = false;
  /** Every reading passes here on its way in (readingChecks.ts); one per power-on. */
  private readonly gate: ReadingGate;

  constructor(hal: Hal, options: FirmwareOptions) {
    this.hal = hal;
    const period = hal.config.controlPeriodMs;
    this.flowEverySteps = Math.max(1, Math.round(SENSOR_READ_PERIODS_MS.flow / period));
    this.slowEverySteps = Math.max(1, Math.round(SENSOR_READ_PERIODS_MS.reservoir / period));
    this.stepsToFlowRead = this.flowEverySteps;
    this.stepsToSlowRead = this.slowEverySteps;
    this.observer = options.observer ?? {};
    this.gate = new ReadingGate(hal.config, (sensor, problem) => this.log('notification', 'READING_INVALID', `${sensor}: ${problem}`));
    this.control = controlStateFor(this.restoreLedger());
    this.settings = makeControlSettings(hal.config, null, 'none', false);
    this.actor = createActor(pumpMachine, {
      input: { config: hal.config, library: options.library ?? HAI_FUDR_LIBRARY },
      clock: options.statechartClock,
    });
    this.actor.on('*', (emitted) => this.onEmitted(emitted));
    this.actor.subscribe((snapshot) => this.onSnapshot(snapshot));
  }

  /** Powers the firmware on: starts the statechart, the self-test and the control task. */
  boot(): void {
    if (this.running) throw new Error('Firmware.boot called twice');
    this.running = true;
    this.log('restart', 'BOOT');
    this.actor.start();
    // The annunciator may still show what the previous power-on left; a boot starts from silence.
    this.shownSignal = 'boot';
    this.updateAnnunciator(this.hal.clock.nowMs());
    this.periodicHandle = this.hal.clock.startPeriodic(this.hal.config.controlPeriodMs, () => this.tick());
    this.selfTestHandle = this.hal.clock.setTimer(() => this.finishSelfTest(), SELF_TEST_DURATION_MS);
  }

  /** Power removed: every timer stops; nothing is written (the store already holds the last batch). */
  powerOff(): void {
    if (!this.running) return;
    this.running = false;
    this.hal.clock.clearTimer(this.periodicHandle);
    this.hal.clock.clearTimer(this.selfTestHandle);
    this.actor.stop();
  }

  /**
   * A command from outside. `input` is whatever arrived; it is validated first (commands.ts), and
   * a refusal changes nothing: it is logged with its reason and answered `accepted: false`.
   */
  command(input: unknown): CommandAnswer {
    const atMs = this.hal.clock.nowMs();
    if (!this.running) return { accepted: false, mode: 'off', reason: 'the pump is off' };
    const checked = validateCommand(input, this.hal.config);
    if (!checked.ok) {
      this.log('command', 'REFUSED', checked.reason);
      return { accepted: false, mode: this.mode, reason: checked.reason };
    }
    const cmd = checked.command;
    this.log('command', cmd.type);
    if (cmd.type === 'acknowledge') this.acknowledge(atMs);
    if (cmd.type === 'audioPause') {
      // An audio pause acts on a signal that is sounding; with no alarm it is refused and changes nothing.
      if (this.control.alarms.entries.length === 0) return { accepted: false, mode: this.mode, reason: 'no alarm to silence' };
      this.control = withDetectorsAndAlarms(this.control, this.control.detectors, pauseAudio(this.control.alarms, atMs));
      this.updateAnnunciator(atMs);
      return { accepted: true, mode: this.mode };
    }
    const event = { ...cmd, atMs } as PumpEvent;
    const snapshot = this.actor.getSnapshot();
    if (!snapshot.can(event)) {
      const handled = cmd.type === 'acknowledge';
      return { accepted: handled, mode: this.mode, ...(handled ? {} : { reason: `${cmd.type} is not accepted in mode ${this.mode}` }) };
    }
    this.actor.send(event);
    if (cmd.type !== 'program') return { accepted: true, mode: this.mode };
    const after = this.actor.getSnapshot();
    const outcome = programOutcome(after);
    const findings = after.context.findings.map((f) => f.message).join('; ');
    if (outcome === 'rejected') return { accepted: false, mode: this.mode, reason: findings };
    if (outcome === 'needsConfirmation') return { accepted: true, mode: this.mode, reason: `needs confirmation: ${findings}` };
    return { accepted: true, mode: this.mode };
  }

  get modeName(): string {
    return this.mode;
  }

  get ledger(): Ledger {
    return this.control.ledger;
  }

  get alarms(): AlarmState {
    return this.control.alarms;
  }

  get plan(): InfusionPlan | null {
    return this.settings.plan;
  }

  get controlSteps(): number {
    return this.steps;
  }

  /**
   * Strokes the programme has scheduled so far for the patient (infusion and flush; the prime goes
   * to waste): the programmed profile that reports compare deliveries against.
   */
  get scheduledPatientStrokes(): number {
    const l = this.control.ledger;
    const done = l.infusionStrokes + l.flushStrokes;
    if (l.phaseKind !== 'infuse' && l.phaseKind !== 'flush') return done;
    return done - l.phaseDeliveredStrokes + scheduledStrokes(l.phaseTotalStrokes, this.control.phaseElapsedMs, l.phaseDurationMs);
  }

  get snapshot(): SnapshotFrom<PumpMachine> {
    return this.actor.getSnapshot();
  }

  /** One control period: read, decide (pure), act, persist. */
  private tick(): void {
    const hal = this.hal;
    const nowMs = hal.clock.nowMs();
    this.steps++;
    const gate = this.gate;
    const pressure = gate.pressure(hal.pressure.read(), nowMs);
    // Countdowns to each slow sensor's next read.
    const flowDue = --this.stepsToFlowRead === 0;
    if (flowDue) this.stepsToFlowRead = this.flowEverySteps;
    const flow = flowDue ? gate.flow(hal.flow.read(), nowMs) : null;
    const slow = --this.stepsToSlowRead === 0;
    if (slow) this.stepsToSlowRead = this.slowEverySteps;
    const reservoir = slow ? gate.reservoir(hal.reservoir.read(), nowMs) : null;
    const power = slow ? gate.power(hal.power.read(), nowMs) : null;
    // A fresh record each period, built after the last read: the detectors hold on to none of it.
    const readings: DetectorReadings = { pressure, flow, reservoir, power };
    const { state, commands } = controlStep(this.control, this.settings, readings, nowMs);
    const alarmsBefore = this.control.alarms;
    this.control = state;
    if (commands.strokes > 0) this.runStrokes(commands.strokes, nowMs);
    if (commands.events.length > 0) this.dispatch(commands.events, nowMs);
    if (this.control.alarms !== alarmsBefore || this.shownSignal !== '') this.updateAnnunciator(nowMs);
  }

  private runStrokes(strokes: number, nowMs: number): void {
    const feedback: StrokeFeedback | HalError = this.hal.drive.stroke(strokes);
    const counts = this.gate.encoderCounts(feedback, strokes, nowMs);
    this.control = applyDriveFeedback(this.control, this.hal.config, strokes, counts);
    this.persistLedger();
    this.observer.onLedger?.(this.control.ledger, nowMs);
  }

  private dispatch(events: readonly ControlEvent[], atMs: number): void {
    for (const e of events) {
      if (e.type === 'alarm.raised') this.log('alarm', e.code, ALARM_RULE_BY_CODE[e.code].priority);
      if (e.type === 'alarm.cleared') this.log('alarmCleared', e.code);
      this.actor.send({ ...e, atMs } as PumpEvent);
    }
    this.observer.onAlarms?.(this.control.alarms, atMs);
  }

  private acknowledge(atMs: number): void {
    const { state, cleared } = acknowledgeAlarms(this.control.alarms);
    this.control = withDetectorsAndAlarms(this.control, acknowledgeStall(withRestartLockout(this.control.detectors, false)), state);
    for (const code of cleared) {
      this.log('alarmCleared', code, 'acknowledged');
      this.actor.send({ type: 'alarm.cleared', code, atMs });
    }
    this.observer.onAlarms?.(this.control.alarms, atMs);
    this.updateAnnunciator(atMs);
  }

  private updateAnnunciator(nowMs: number): void {
    const owner = signalOwner(this.control.alarms);
    const audible = owner !== null && isAudible(this.control.alarms, nowMs);
    const key = owner === null ? '' : `${owner.code}/${audible ? 'a' : 's'}`;
    if (key === this.shownSignal) return;
    this.shownSignal = key;
    this.hal.annunciator.show(owner === null ? null : { code: owner.code, priority: ALARM_RULE_BY_CODE[owner.code].priority, audible });
  }

  private finishSelfTest(): void {
    const hal = this.hal;
    const atMs = hal.clock.nowMs();
    const failures: string[] = [];
    const checks: [string, { ok: boolean }][] = [
      ['pressure', hal.pressure.read()],
      ['flow', hal.flow.read()],
      ['reservoir', hal.reservoir.read()],
      ['power', hal.power.read()],
      ['nv', hal.nv.read(NV_KEY_THERAPY)],
    ];
    for (const [name, result] of checks) if (!result.ok) failures.push(name);
    if (failures.length > 0) {
      this.log('notification', 'SELF_TEST_FAILED', failures.join(','));
      this.actor.send({ type: 'selfTest.failed', reason: failures.join(','), atMs });
      return;
    }
    const therapy = this.restoreTherapy();
    // A therapy under way cannot resume on a ledger that was lost or corrupted: it would forget
    // what was delivered. Fail safe; only a new programme (after service) may deliver again.
    if (this.ledgerUnreadable && therapy.resumePoint !== 'none' && therapy.resumePoint !== 'locked') {
      this.log('notification', 'SELF_TEST_FAILED', 'ledger record unreadable');
      this.actor.send({ type: 'selfTest.failed', reason: 'ledger', atMs });
      return;
    }
    if (therapy.resumePoint !== 'none') this.log('restart', 'THERAPY_RESTORED', therapy.resumePoint);
    this.actor.send({ type: 'selfTest.passed', resumePoint: therapy.resumePoint, plan: therapy.plan, therapyPoint: therapy.therapyPoint, connected: therapy.connected, atMs });
  }

  private onSnapshot(snapshot: SnapshotFrom<PumpMachine>): void {
    const mode = modeName(snapshot.value);
    const ctx = snapshot.context;
    const delivery = deliveryFor(snapshot);
    const connected = ctx.connected;
    if (delivery !== this.settings.delivery || connected !== this.settings.connected || ctx.plan !== this.settings.plan) {
      this.settings = makeControlSettings(this.hal.config, ctx.plan, delivery, connected, this.settings);
    }
    if (ctx.resumePoint !== this.resumePoint || ctx.therapyPoint !== this.therapyPoint || ctx.connected !== this.persistedConnected) {
      this.resumePoint = ctx.resumePoint;
      this.therapyPoint = ctx.therapyPoint;
      this.persistedConnected = ctx.connected;
      this.persistTherapy(ctx.plan);
    }
    if (mode !== this.mode) {
      this.mode = mode;
      const atMs = this.hal.clock.nowMs();
      this.log('state', mode);
      this.observer.onMode?.(mode, atMs);
    }
  }

  private onEmitted(emitted: { type: string } & Record<string, unknown>): void {
    const e = emitted as PumpEmitted;
    const atMs = this.hal.clock.nowMs();
    switch (e.type) {
      case 'phase.begin': {
        const plan = this.actor.getSnapshot().context.plan;
        if (plan === null) throw new Error('phase.begin without a plan');
        this.control = controlStateFor(beginPhase(endPhase(this.control.ledger), e.phase, plan), this.control.detectors, this.control.alarms);
        this.persistLedger();
        break;
      }
      case 'plan.accepted':
        this.control = controlStateFor(refillLedger(e.plan.reservoirFillMl), afterFill(this.control.detectors, atMs), this.control.alarms);
        this.persistLedger();
        this.log('notification', 'PLAN_ACCEPTED', `${e.plan.rateUlPerHour.toFixed(2)} µL/h for ${e.plan.infusionDays} d`);
        break;
      case 'plan.rejected':
        this.log('notification', 'PLAN_REJECTED', e.findings.map((f) => f.message).join('; '));
        break;
      case 'reservoir.refilled':
        this.control = controlStateFor(refillLedger(e.volumeMl), afterFill(this.control.detectors, atMs), this.control.alarms);
        this.persistLedger();
        this.log('notification', 'RESERVOIR_REFILLED', `${e.volumeMl} mL`);
        break;
      case 'restart.lockout':
        this.control = withDetectorsAndAlarms(this.control, withRestartLockout(this.control.detectors, true), this.control.alarms);
        this.log('notification', 'RESTART_LOCKOUT', e.code);
        break;
      case 'notification':
        this.log('notification', e.code, e.detail);
        break;
    }
  }

  private restoreLedger(): Ledger {
    const read = this.hal.nv.read(NV_KEY_LEDGER);
    if (!read.ok) {
      this.ledgerUnreadable = true;
      return EMPTY_LEDGER;
    }
    if (read.record === null) return EMPTY_LEDGER;
    const ledger = ledgerFromRecord(read.record);
    if (ledger === null) this.ledgerUnreadable = true;
    return ledger ?? EMPTY_LEDGER;
  }

  private restoreTherapy(): TherapyRecord {
    const read = this.hal.nv.read(NV_KEY_THERAPY);
    return read.ok ? therapyFromRecord(read.record) : NO_THERAPY;
  }

  private persistLedger(): void {
    this.hal.nv.write(NV_KEY_LEDGER, ledgerToRecord(this.control.ledger));
  }

  private persistTherapy(plan: InfusionPlan | null): void {
    this.hal.nv.write(NV_KEY_THERAPY, therapyToRecord({ resumePoint: this.resumePoint, therapyPoint: this.therapyPoint, connected: this.persistedConnected, plan }));
  }

  private log(kind: LogEntry['kind'], code: string, detail?: string): void {
    const entry: LogEntry = detail === undefined ? { atMs: this.hal.clock.nowMs(), kind, code } : { atMs: this.hal.clock.nowMs(), kind, code, detail };
    this.hal.log.append(entry);
  }
}
