/**
 * The firmware runtime: the thin layer that alone touches the HAL.
 *
 * Owns: boot and self-test, the periodic control task, executing stroke commands, keeping the NV
 * records current (storage/store.ts), driving the annunciator, the event log, and the command
 * interface.
 * Promises:
 * - The control step runs every `controlPeriodMs` on the HAL clock, in every mode, and is never
 *   skipped; the statechart hears only meaningful events.
 * - Strokes run one at a time, and after each the state record (ledger and mode) is written before
 *   the next: a power loss at any instant, even inside a write, repeats or loses at most one stroke.
 * - Records are written in dependency order — programme, safety, state — so the state never names
 *   a programme that is not in flash. A write that fails raises STORAGE_FAULT (the drive stops) and
 *   is retried every period until it succeeds.
 * - On boot the ledger, programme, mode, latched alarms and the restart lockout's history are
 *   restored from NV; the programme passes the checks a new one would, and the ledger must agree
 *   with it. Damage that cannot be recovered stops the pump with STORAGE_FAULT and says what was
 *   found; damage recovered from is logged. Never a fresh pump, never a crash.
 * - Every `SCRUB_PERIOD_MS` the newest copy of each record is read back; one that changed in flash
 *   is written again and the repair logged.
 * - The power-on self-test checks the sensors, the store, ROM and RAM, the real-time clock against
 *   the device clock, the annunciator and the battery; ROM, RAM, clock and annunciator are checked
 *   again every `SCRUB_PERIOD_MS`. A failure raises SYSTEM_FAULT for the rest of the power-on (a
 *   failed self-test also ends in fail-safe: no therapy starts).
 * - Commands are the only way in; each gets an answer saying whether the current mode took it.
 *   From outside they arrive as link frames (`receiveFrame`): the frame is admitted by the link
 *   guard (link/link.ts: tag, device, counter), its payload validated (`validateCommand`), its
 *   counter written to flash, and only then is the command acted on. Every refusal is logged
 *   with its reason and changes nothing but the guard's refusal count. `command` is the same
 *   path from the validated payload on, for unit tests of the command interface.
 */
import { createActor, type Actor, type ActorOptions, type AnyActorLogic, type SnapshotFrom } from 'xstate';
import type { Hal, HalError, RtcReading, StrokeFeedback } from '../hal/index.ts';
import type { AlarmState } from './alarms.ts';
import { ALARM_RULE_BY_CODE, acknowledgeAlarms, alarmStateWith, cancelAudioPause, isAudible, pauseAudio, signalOwner } from './alarms.ts';
import type { CommandAnswer, PumpCommand } from './commands.ts';
import { validateCommand } from './commands.ts';
import type { ControlEvent, ControlSettings, ControlState } from './controlStep.ts';
import { applyDriveFeedback, applyReliefFeedback, controlStateFor, controlStep, makeControlSettings, withDetectorsAndAlarms } from './controlStep.ts';
import type { DrugLibrary } from './drugLibrary.ts';
import type { LibraryImageCheck } from './libraryImage.ts';
import { REFUSE_ALL_LIBRARY, decodeLibraryImage, libraryImageIntact } from './libraryImage.ts';
import type { InfusionPlan } from './dosing.ts';
import { scheduledStrokes } from './dosing.ts';
import type { Ledger } from './ledger.ts';
import type { DetectorReadings } from './detectors/index.ts';
import { INITIAL_DETECTORS, THRESHOLDS, acknowledgeStall, afterFill, withLinkLocked, withRestartLockout, withSelfCheckFailed, withLibraryInvalid, withReminders, withStorageFault, withWatchdogReset } from './detectors/index.ts';
import { LinkGuard } from './link/link.ts';
import { beginPhase, endPhase, refillLedger } from './ledger.ts';
import type { Programme, PumpEmitted, PumpEvent, PumpMachine, RestartRecord, ResumePoint, TherapyPoint } from './machine.ts';
import { REMINDER_CODES, deliveryFor, modeName, programOutcome, pumpMachine } from './machine.ts';
import { ReadingGate } from './readingChecks.ts';
import { isoFromEpochMs } from './calendar.ts';
import type { BatteryTrend } from './remaining.ts';
import { NO_BATTERY_TREND, batteryRemainingMinutes, reservoirRemainingMinutes, updateBatteryTrend } from './remaining.ts';
import type { LogEntry } from './storage/eventLog.ts';
import { NvEventLog } from './storage/eventLog.ts';
import { planFromStore } from './storage/programme.ts';
import type { StoredSafety } from './storage/records.ts';
import type { BootImage } from './storage/store.ts';
import { PumpStore } from './storage/store.ts';

/**
 * How often each sensor is read. Pressure every control period (the arterial checks need it);
 * the flow front-end integrates between reads, so reading it every 10 s loses nothing for the
 * 15-minute GIP windows; the reservoir gauge and battery only change once a minute.
 */
export const SENSOR_READ_PERIODS_MS = Object.freeze({ flow: 10_000, reservoir: 60_000, power: 60_000 });

/** Simulated duration of the power-on self-test (GIP 3.4.3 allows up to 70 s). */
export const SELF_TEST_DURATION_MS = 2_000;
/** How often the newest copy of every record is read back and checked against what was written. */
export const SCRUB_PERIOD_MS = 10 * 60_000;
/**
 * The real-time clock and the device clock must agree over an interval to this share of it, plus
 * one RTC tick (GIP 3.3: clock check). Two crystals of ±100 ppm differ by 2e-4 at worst; a 1 %
 * band catches a stopped or runaway crystal and never a healthy pair.
 */
export const CLOCK_AGREEMENT_FRACTION = 0.01;
export const CLOCK_AGREEMENT_SLACK_MS = 10;

/** The phase each running resume point must have under way in the ledger. */
const PHASE_OF_RESUME_POINT: Partial<Record<ResumePoint, Ledger['phaseKind']>> = { priming: 'prime', infusing: 'infuse', paused: 'infuse', flushing: 'flush' };

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
  /** A relief ran since the last flow read: that read's window is set aside. */
  private reliefSinceFlowRead = false;
  private shownSignal = '';
  private periodicHandle = -1;
  private selfTestHandle = -1;
  private steps = 0;
  private readonly flowEverySteps: number;
  private readonly slowEverySteps: number;
  private readonly scrubEverySteps: number;
  /** Periods until the next flow read, until the next gauge and battery read, and until the next scrub. */
  private stepsToFlowRead: number;
  private stepsToSlowRead: number;
  private stepsToScrub: number;
  private running = false;
  /** Every reading passes here on its way in (readingChecks.ts); one per power-on. */
  private readonly gate: ReadingGate;
  private readonly library: DrugLibrary;
  /** The drug library image as checked at boot: its version and CRC, or what failed. */
  private readonly libraryCheck: LibraryImageCheck;
  private readonly store: PumpStore;
  private readonly eventLog: NvEventLog;
  /** What boot found in NV; consumed by the self-test. */
  private readonly image: BootImage;
  /** The programme the state record names. */
  private planId: number;
  private programme: Programme | null = null;
  /** Records changed in RAM and not yet in flash (written programme → safety → state). */
  private dirty = { plan: false, safety: false, state: false };
  /** Damage found at boot: the storage fault holds for this whole power-on. */
  private storageDamaged = false;
  private stoppedBy: BootImage['safety']['stoppedBy'] = null;
  private restarts: readonly RestartRecord[] = [];
  /** Admits link frames; `linkLocked` mirrors its lock for the control task's one check per period. */
  private readonly link: LinkGuard;
  private linkLocked = false;
  /** The last real-time clock reading the clock check compares against (null: none yet, or the clock failed to answer). */
  private rtcMark: RtcReading | null = null;
  /** Calendar time less device time, from the real-time clock at boot (null: it did not answer). */
  private calendarOffsetMs: number | null = null;
  /** The battery readings' steps this power-on, for the battery time remaining. */
  private batteryTrend: BatteryTrend = NO_BATTERY_TREND;
  /** This power-on follows a watchdog reset (the reset-cause register, read once at boot). */
  private readonly watchdogReset: boolean;
  /** NV kept a WATCHDOG alarm nobody acknowledged: the reset before this power-on was not seen yet. */
  private readonly watchdogUnacknowledgedAtBoot: boolean;

  constructor(hal: Hal, options: FirmwareOptions) {
    this.hal = hal;
    const period = hal.config.controlPeriodMs;
    this.flowEverySteps = Math.max(1, Math.round(SENSOR_READ_PERIODS_MS.flow / period));
    this.slowEverySteps = Math.max(1, Math.round(SENSOR_READ_PERIODS_MS.reservoir / period));
    this.scrubEverySteps = Math.max(1, Math.round(SCRUB_PERIOD_MS / period));
    this.stepsToFlowRead = this.flowEverySteps;
    this.stepsToSlowRead = this.slowEverySteps;
    this.stepsToScrub = this.scrubEverySteps;
    this.observer = options.observer ?? {};
    this.gate = new ReadingGate(hal.config, (sensor, problem) => this.log('notification', 'READING_INVALID', `${sensor}: ${problem}`));
    // The drug library is the image in its store, checked whole (GIP 6.1.6); an image that fails
    // leaves a library that passes nothing, and the self-test fails.
    const image = hal.drugLibrary.read();
    this.libraryCheck = image.ok ? decodeLibraryImage(image.bytes) : { ok: false, reason: `the store does not answer (${image.detail})` };
    this.library = this.libraryCheck.ok ? this.libraryCheck.library : REFUSE_ALL_LIBRARY;
    this.store = new PumpStore(hal.nv);
    this.eventLog = new NvEventLog(hal.nv);
    this.image = this.store.load();
    if (this.store.geometryProblem() === null) this.eventLog.scan();
    this.planId = this.image.state.planId;
    this.link = new LinkGuard(hal.secureElement, this.image.device?.serialNumber ?? null, this.image.link);
    const safety = this.image.safety;
    this.stoppedBy = safety.stoppedBy;
    this.restarts = safety.restarts;
    this.storageDamaged = this.image.damage.length > 0;
    this.watchdogReset = hal.watchdog.resetByWatchdog();
    const detectors = withWatchdogReset(withStorageFault(withRestartLockout(INITIAL_DETECTORS, safety.restartLockout), this.storageDamaged), this.watchdogReset);
    const latched = safety.latched.filter((a) => ALARM_RULE_BY_CODE[a.code].latching);
    this.watchdogUnacknowledgedAtBoot = latched.some((a) => a.code === 'WATCHDOG' && !a.acknowledged);
    this.control = controlStateFor(this.image.state.ledger, detectors, latched.length === 0 ? undefined : alarmStateWith(latched));
    this.settings = makeControlSettings(hal.config, null, 'none', false);
    this.actor = createActor(pumpMachine, {
      input: { config: hal.config, library: this.library },
      clock: options.statechartClock,
    });
    this.actor.on('*', (emitted) => this.onEmitted(emitted));
    this.actor.subscribe((snapshot) => this.onSnapshot(snapshot));
  }

  /** Powers the firmware on: starts the statechart, the self-test and the control task. */
  boot(): void {
    if (this.running) throw new Error('Firmware.boot called twice');
    this.running = true;
    // The boot entry carries the calendar time (GIP 4.1.3): every later entry of this power-on is
    // that time plus its own device-clock offset from it, as a service tool reads the log.
    this.rtcMark = this.readRtc();
    this.calendarOffsetMs = this.rtcMark === null ? null : this.rtcMark.epochMs - this.rtcMark.atMs;
    if (this.rtcMark === null) this.log('restart', 'BOOT');
    else this.log('restart', 'BOOT', isoFromEpochMs(this.rtcMark.epochMs));
    if (this.watchdogReset) this.log('restart', 'WATCHDOG_RESET', `no kick within ${this.hal.watchdog.timeoutMs} ms`);
    const lib = this.libraryCheck;
    // The library in use, by version and CRC (GIP 6.1.6): a change shows as a new version at a boot.
    // An image that failed is named by the self-test's SELF_TEST_FAILED entry.
    if (lib.ok) this.log('notification', 'DRUG_LIBRARY', `${lib.library.name} version ${lib.version} CRC ${lib.crc.toString(16).padStart(8, '0')}`);
    for (const finding of this.image.findings) this.log('notification', 'STORAGE_RECOVERED', finding);
    for (const damage of this.image.damage) this.log('notification', 'STORAGE_DAMAGE', damage);
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
   * A frame from the command link: the only entry from outside. Admitted by the link guard, its
   * payload parsed and validated, its counter written to flash, then acted on; a refusal at any
   * step is logged (`LINK_REFUSED` or `REFUSED`) with its reason and changes nothing.
   */
  receiveFrame(bytes: unknown): CommandAnswer {
    if (!this.running) return { accepted: false, mode: 'off', reason: 'the pump is off' };
    const atMs = this.hal.clock.nowMs();
    const admitted = this.link.admit(bytes, atMs);
    if (!admitted.ok) {
      this.log('command', 'LINK_REFUSED', `${admitted.refusal}: ${admitted.reason}`);
      if (this.link.locked && !this.linkLocked) this.setLinkLocked(true);
      return { accepted: false, mode: this.mode, reason: admitted.reason };
    }
    let payload: unknown;
    try {
      payload = JSON.parse(admitted.frame.payload);
    } catch {
      const reason = 'the payload is not JSON';
      this.log('command', 'REFUSED', reason);
      return { accepted: false, mode: this.mode, reason };
    }
    const checked = validateCommand(payload, this.hal.config);
    if (!checked.ok) {
      this.log('command', 'REFUSED', checked.reason);
      return { accepted: false, mode: this.mode, reason: checked.reason };
    }
    // The counter is in flash before the command acts: a replay after a power cut finds it there.
    if (!this.store.writeLink(this.link.linkAfter(admitted.frame)).ok) {
      const reason = 'the link counter cannot be stored';
      this.log('command', 'LINK_REFUSED', reason);
      // A flash that cannot be written is a storage fault whatever the record: raised now; the
      // next period writes the state again, and its success clears the condition.
      this.dirty.state = true;
      if (!this.control.detectors.health.storageFault) {
        this.control = withDetectorsAndAlarms(this.control, withStorageFault(this.control.detectors, true), this.control.alarms);
        this.log('notification', 'STORAGE_WRITE_FAILED', 'link record');
      }
      return { accepted: false, mode: this.mode, reason };
    }
    this.link.accepted(admitted.frame);
    return this.execute(checked.command, atMs);
  }

  /**
   * A command payload, validated (commands.ts) and acted on: `receiveFrame` from its validation
   * on, without the link. A refusal changes nothing: it is logged with its reason and answered
   * `accepted: false`.
   */
  command(input: unknown): CommandAnswer {
    if (!this.running) return { accepted: false, mode: 'off', reason: 'the pump is off' };
    const checked = validateCommand(input, this.hal.config);
    if (!checked.ok) {
      this.log('command', 'REFUSED', checked.reason);
      return { accepted: false, mode: this.mode, reason: checked.reason };
    }
    return this.execute(checked.command, this.hal.clock.nowMs());
  }

  private execute(cmd: PumpCommand, atMs: number): CommandAnswer {
    this.log('command', cmd.type);
    if (cmd.type === 'acknowledge') this.acknowledge(atMs);
    if (cmd.type === 'audioPause') {
      // An audio pause acts on a signal that is sounding; with no alarm it is refused and changes nothing.
      if (this.control.alarms.entries.length === 0) return { accepted: false, mode: this.mode, reason: 'no alarm to silence' };
      this.control = withDetectorsAndAlarms(this.control, this.control.detectors, pauseAudio(this.control.alarms, atMs));
      this.updateAnnunciator(atMs);
      return { accepted: true, mode: this.mode };
    }
    if (cmd.type === 'cancelPause') {
      // Open PCA R6.5.0(16): the pause ends now and the signal sounds again; without a pause there is nothing to cancel.
      if (!(atMs < this.control.alarms.audioPausedUntilMs)) return { accepted: false, mode: this.mode, reason: 'no audio pause to cancel' };
      this.control = withDetectorsAndAlarms(this.control, this.control.detectors, cancelAudioPause(this.control.alarms));
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

  /** Powered and running (between `boot` and `powerOff`). */
  get powered(): boolean {
    return this.running;
  }

  /** The link lock starts (SECURITY_ALERT raised at the next period) or ends (the alarm's condition clears). */
  private setLinkLocked(locked: boolean): void {
    this.linkLocked = locked;
    this.control = withDetectorsAndAlarms(this.control, withLinkLocked(this.control.detectors, locked), this.control.alarms);
    this.log('notification', locked ? 'LINK_LOCKED' : 'LINK_UNLOCKED');
  }

  get modeName(): string {
    return this.mode;
  }

  get ledger(): Ledger {
    return this.control.ledger;
  }

  /** What a confirmed stroke is credited with now, nL (firmware/strokeCredit.ts; nominal before the first step). */
  get strokeCreditNl(): number {
    return this.control.strokeCreditNl > 0 ? this.control.strokeCreditNl : this.hal.config.strokeVolumeNl;
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

  /**
   * The times the pump displays (firmware/remaining.ts): minutes the reservoir lasts at the
   * programmed rate, by the ledger, and minutes until the battery stops therapy, from the averaged
   * battery steps; null where not known yet.
   */
  remaining(): { readonly reservoirRemainingMinutes: number | null; readonly batteryRemainingMinutes: number | null } {
    const nowMs = this.hal.clock.nowMs();
    return {
      reservoirRemainingMinutes: reservoirRemainingMinutes(this.control.ledger, this.settings.plan, this.hal.config),
      batteryRemainingMinutes: batteryRemainingMinutes(this.batteryTrend, nowMs, THRESHOLDS.batteryDepletedPercent),
    };
  }

  /** The calendar time (ISO 8601, UTC) of a device-clock instant of this power-on, by the real-time clock at boot; null if it did not answer. */
  calendarTimeOf(atMs: number): string | null {
    return this.calendarOffsetMs === null ? null : isoFromEpochMs(atMs + this.calendarOffsetMs);
  }

  get snapshot(): SnapshotFrom<PumpMachine> {
    return this.actor.getSnapshot();
  }

  /** One control period: read, decide (pure), act, persist. */
  private tick(): void {
    const hal = this.hal;
    const nowMs = hal.clock.nowMs();
    this.steps++;
    if (this.linkLocked && this.link.expireLock(nowMs)) this.setLinkLocked(false);
    const gate = this.gate;
    const pressure = gate.pressure(hal.pressure.read(), nowMs);
    // Countdowns to each slow sensor's next read.
    const flowDue = --this.stepsToFlowRead === 0;
    if (flowDue) this.stepsToFlowRead = this.flowEverySteps;
    // A flow window that spans a relief measured the retraction, not flow to or from the patient:
    // it is read (the sensor's window restarts) and set aside.
    const flowRead = flowDue ? gate.flow(hal.flow.read(), nowMs) : null;
    const flow = flowRead !== null && this.reliefSinceFlowRead ? null : flowRead;
    if (flowDue) this.reliefSinceFlowRead = false;
    const air = flowDue ? gate.air(hal.air.read(), nowMs) : null;
    const slow = --this.stepsToSlowRead === 0;
    if (slow) this.stepsToSlowRead = this.slowEverySteps;
    const reservoir = slow ? gate.reservoir(hal.reservoir.read(), nowMs) : null;
    const power = slow ? gate.power(hal.power.read(), nowMs) : null;
    const temperature = slow ? gate.temperature(hal.temperature.read(), nowMs) : null;
    if (power !== null && power.ok) this.batteryTrend = updateBatteryTrend(this.batteryTrend, power);
    // A fresh record each period, built after the last read: the detectors hold on to none of it.
    const readings: DetectorReadings = { pressure, flow, reservoir, power, air, temperature };
    const { state, commands } = controlStep(this.control, this.settings, readings, nowMs);
    const alarmsBefore = this.control.alarms;
    this.control = state;
    if (this.control.alarms !== alarmsBefore && latchedChanged(alarmsBefore, this.control.alarms)) this.dirty.safety = true;
    if (--this.stepsToScrub === 0) {
      this.stepsToScrub = this.scrubEverySteps;
      this.scrub();
      this.periodicSelfCheck();
    }
    if (this.dirty.plan || this.dirty.safety || this.dirty.state) this.flushStore();
    if (commands.strokes > 0) this.runStrokes(commands.strokes, nowMs);
    if (commands.reliefStrokes > 0) this.runRelief(commands.reliefStrokes, nowMs);
    if (commands.events.length > 0) this.dispatch(commands.events, nowMs);
    if (this.control.alarms !== alarmsBefore || this.shownSignal !== '') this.updateAnnunciator(nowMs);
    // Last, so a period that does not run to its end does not kick (GIP 3.5.x).
    hal.watchdog.kick();
  }

  /**
   * One stroke at a time, each written to NV before the next. A stroke the encoder did not see
   * ends the batch (the drive check judges it next period), and so does a write that failed.
   */
  private runStrokes(strokes: number, nowMs: number): void {
    for (let i = 0; i < strokes; i++) {
      const feedback: StrokeFeedback | HalError = this.hal.drive.stroke(1);
      const counts = this.gate.encoderCounts(feedback, 1, nowMs);
      this.control = applyDriveFeedback(this.control, this.hal.config, 1, counts);
      this.dirty.state = true;
      const kept = this.flushStore();
      this.observer.onLedger?.(this.control.ledger, nowMs);
      if (!kept || counts < this.hal.config.encoderCountsPerStroke) break;
    }
  }

  /**
   * Runs the drive back for a pressure relief (relief.ts): one command, the strokes the encoder saw
   * leave the ledger, written to NV at once, and the relief logged with its volume.
   */
  private runRelief(strokes: number, nowMs: number): void {
    const feedback: StrokeFeedback | HalError = this.hal.drive.retract(strokes);
    const counts = this.gate.encoderCounts(feedback, strokes, nowMs);
    const before = this.control.ledger.phaseDeliveredStrokes;
    this.control = applyReliefFeedback(this.control, this.hal.config, strokes, counts);
    const relieved = before - this.control.ledger.phaseDeliveredStrokes;
    this.reliefSinceFlowRead = true;
    if (relieved === 0) return;
    this.dirty.state = true;
    this.flushStore();
    this.observer.onLedger?.(this.control.ledger, nowMs);
    this.log('notification', 'PRESSURE_RELIEVED', `${(relieved * this.hal.config.strokeVolumeNl) / 1000} µL`);
  }

  private dispatch(events: readonly ControlEvent[], atMs: number): void {
    if (this.dirty.safety) this.flushStore();
    for (const e of events) {
      if (e.type === 'alarm.raised') this.log('alarm', e.code, ALARM_RULE_BY_CODE[e.code].priority);
      if (e.type === 'alarm.cleared') this.log('alarmCleared', e.code);
      this.actor.send({ ...e, atMs } as PumpEvent);
    }
    this.observer.onAlarms?.(this.control.alarms, atMs);
  }

  private acknowledge(atMs: number): void {
    const { state, cleared } = acknowledgeAlarms(this.control.alarms);
    this.control = withDetectorsAndAlarms(this.control, withWatchdogReset(acknowledgeStall(withRestartLockout(this.control.detectors, false)), false), state);
    this.dirty.safety = true;
    this.flushStore();
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
    const power = hal.power.read();
    const checks: [string, { ok: boolean }][] = [
      ['pressure', hal.pressure.read()],
      ['flow', hal.flow.read()],
      ['reservoir', hal.reservoir.read()],
      ['power', power],
      ['air', hal.air.read()],
      ['temperature', hal.temperature.read()],
      ['nv', this.store.selfTest()],
    ];
    for (const [name, result] of checks) if (!result.ok) failures.push(name);
    // GIP 3.4.4: a battery that cannot carry a therapy fails the test, whatever NV says.
    if (power.ok && !(power.batteryPercent > THRESHOLDS.batteryDepletedPercent)) failures.push(`battery ${power.batteryPercent} %`);
    failures.push(...this.selfChecks());
    if (!this.libraryCheck.ok) {
      failures.push(`drugLibrary: ${this.libraryCheck.reason}`);
      this.control = withDetectorsAndAlarms(this.control, withLibraryInvalid(this.control.detectors), this.control.alarms);
    }
    // A second watchdog reset before the first WATCHDOG was acknowledged: the fault recurs, and
    // resuming again would only hang again; stop (fail-safe) rather than reset in a loop.
    if (this.watchdogReset && this.watchdogUnacknowledgedAtBoot) failures.push('watchdog: reset again before the last reset was acknowledged');
    if (failures.length > 0) {
      this.log('notification', 'SELF_TEST_FAILED', failures.join(','));
      // The library's failure has its own alarm (DRUG_LIBRARY_INVALID); any other is the processor's.
      if (this.libraryCheck.ok || failures.length > 1) this.raiseSystemFault();
      this.actor.send({ type: 'selfTest.failed', reason: failures.join(','), atMs });
      return;
    }
    const restored = this.restoreTherapy();
    if (!restored.ok) {
      // What was delivered, or what was programmed, cannot be known: stop, say so, deliver nothing.
      this.storageDamaged = true;
      this.control = withDetectorsAndAlarms(this.control, withStorageFault(this.control.detectors, true), this.control.alarms);
      this.log('notification', 'SELF_TEST_FAILED', `storage: ${restored.reason}`);
      this.actor.send({ type: 'selfTest.failed', reason: 'storage', atMs });
      return;
    }
    const state = this.image.state;
    this.programme = restored.programme;
    if (state.resumePoint !== 'none') this.log('restart', 'THERAPY_RESTORED', state.resumePoint);
    this.actor.send({
      type: 'selfTest.passed',
      resumePoint: state.resumePoint,
      plan: restored.plan,
      programme: restored.programme,
      therapyPoint: state.therapyPoint,
      connected: state.connected,
      stoppedBy: this.stoppedBy,
      restarts: this.restarts,
      atMs,
    });
    // Latched alarms kept through the power loss stop the drive again, whatever mode was recorded.
    for (const entry of this.control.alarms.entries) {
      const rule = ALARM_RULE_BY_CODE[entry.code];
      if (rule.driveAction !== 'continue') this.actor.send({ type: 'alarm.raised', code: entry.code, driveAction: rule.driveAction, atMs });
    }
  }

  /**
   * The checks of the processor itself, at boot and every `SCRUB_PERIOD_MS` (GIP 3.3.1–3.3.4,
   * 3.4.4): program image CRC, RAM, the real-time clock against the device clock since the last
   * check, and the annunciator's tone and light. The names of those that failed.
   */
  private selfChecks(): string[] {
    const hal = this.hal;
    const failures: string[] = [];
    if (!hal.memory.check('rom').ok) failures.push('rom');
    if (!hal.memory.check('ram').ok) failures.push('ram');
    const before = this.rtcMark;
    const now = this.readRtc();
    this.rtcMark = now;
    if (now === null || (before !== null && !clocksAgree(before, now))) failures.push('clock');
    if (!hal.annunciator.test().ok) failures.push('annunciator');
    return failures;
  }

  /** A periodic self-check: a failure raises SYSTEM_FAULT (the drive stops) for the rest of the power-on. */
  private periodicSelfCheck(): void {
    this.checkLibraryImage();
    if (this.control.detectors.health.selfCheckFailed) return;
    const failures = this.selfChecks();
    if (failures.length === 0) return;
    this.log('notification', 'SELF_CHECK_FAILED', failures.join(','));
    this.raiseSystemFault();
  }

  /** The library image read again against the CRC it had at boot: a change in flash raises DRUG_LIBRARY_INVALID for the power-on. */
  private checkLibraryImage(): void {
    const lib = this.libraryCheck;
    if (!lib.ok || this.control.detectors.health.libraryInvalid) return;
    const image = this.hal.drugLibrary.read();
    if (image.ok && libraryImageIntact(image.bytes, lib.crc)) return;
    this.log('notification', 'SELF_CHECK_FAILED', image.ok ? 'drugLibrary: the image no longer matches its CRC' : `drugLibrary: the store does not answer (${image.detail})`);
    this.control = withDetectorsAndAlarms(this.control, withLibraryInvalid(this.control.detectors), this.control.alarms);
  }

  /** SYSTEM_FAULT's condition holds from now to the end of the power-on; the next period raises it. */
  private raiseSystemFault(): void {
    this.control = withDetectorsAndAlarms(this.control, withSelfCheckFailed(this.control.detectors), this.control.alarms);
  }

  private readRtc(): RtcReading | null {
    const r = this.hal.rtc.read();
    return r.ok && Number.isFinite(r.epochMs) && Number.isFinite(r.atMs) ? r : null;
  }

  /**
   * The stored therapy, checked as a whole: the boot image undamaged, the programme valid as a new
   * one would be, and the ledger in agreement with it (the phase under way is the plan's, no count
   * beyond the plan's).
   */
  private restoreTherapy(): { ok: true; plan: InfusionPlan | null; programme: Programme | null } | { ok: false; reason: string } {
    const image = this.image;
    if (image.damage.length > 0) return { ok: false, reason: image.damage.join('; ') };
    const { ledger, resumePoint } = image.state;
    let plan: InfusionPlan | null = null;
    let programme: Programme | null = null;
    if (image.plan !== null) {
      const planned = planFromStore(image.plan, this.hal.config, this.library);
      if (!planned.ok) {
        if (resumePoint !== 'none' && resumePoint !== 'locked') return planned;
        this.log('notification', 'STORAGE_RECOVERED', `${planned.reason}; no therapy was under way, the programme is dropped`);
      } else {
        plan = planned.plan;
        programme = planned.programme;
      }
    }
    const phase = PHASE_OF_RESUME_POINT[resumePoint];
    if (phase !== undefined && plan === null) return { ok: false, reason: `the state record resumes ${resumePoint} without a programme` };
    if (phase !== undefined && ledger.phaseKind !== phase) return { ok: false, reason: `the state record resumes ${resumePoint} with the ledger in phase ${ledger.phaseKind}` };
    if (plan !== null && ledger.phaseKind !== 'none') {
      const expected = { prime: [plan.primingStrokes, plan.primingDurationMs], infuse: [plan.infusionStrokes, plan.durationMs], flush: [plan.flushStrokes, plan.flushDurationMs] }[ledger.phaseKind];
      if (ledger.phaseTotalStrokes !== expected[0] || ledger.phaseDurationMs !== expected[1]) {
        return { ok: false, reason: `the ledger's ${ledger.phaseKind} phase (${ledger.phaseTotalStrokes} strokes in ${ledger.phaseDurationMs} ms) is not the programme's (${expected[0]} in ${expected[1]} ms)` };
      }
    }
    if (plan !== null && (ledger.infusionStrokes > plan.infusionStrokes || ledger.flushStrokes > plan.flushStrokes)) {
      return { ok: false, reason: `the ledger counts more strokes than the programme has (infusion ${ledger.infusionStrokes}/${plan.infusionStrokes}, flush ${ledger.flushStrokes}/${plan.flushStrokes})` };
    }
    return { ok: true, plan, programme };
  }

  private onSnapshot(snapshot: SnapshotFrom<PumpMachine>): void {
    const mode = modeName(snapshot.value);
    const ctx = snapshot.context;
    const delivery = deliveryFor(snapshot);
    const connected = ctx.connected;
    if (delivery !== this.settings.delivery || connected !== this.settings.connected || ctx.plan !== this.settings.plan) {
      this.settings = makeControlSettings(this.hal.config, ctx.plan, delivery, connected, this.settings);
    }
    // Until the self-test hands the stored restart history to the statechart, its context holds
    // none: mirroring it then would write an empty history over the stored one (EC23 lost).
    if (!snapshot.matches('selfTest') && (ctx.stoppedBy !== this.stoppedBy || ctx.restarts !== this.restarts)) {
      this.stoppedBy = ctx.stoppedBy;
      this.restarts = ctx.restarts;
      this.dirty.safety = true;
    }
    if (ctx.resumePoint !== this.resumePoint || ctx.therapyPoint !== this.therapyPoint || ctx.connected !== this.persistedConnected) {
      this.resumePoint = ctx.resumePoint;
      this.therapyPoint = ctx.therapyPoint;
      this.persistedConnected = ctx.connected;
      this.dirty.state = true;
    }
    if (this.dirty.safety || this.dirty.state) this.flushStore();
    if (mode !== this.mode) {
      // A reminder goes with the mode it reminds of: the person acted.
      const h = this.control.detectors.health;
      if ((h.pausedTooLong && mode !== 'therapy.infusing.paused') || (h.primedNotStarted && mode !== 'primed')) {
        this.control = withDetectorsAndAlarms(this.control, withReminders(this.control.detectors, h.pausedTooLong && mode === 'therapy.infusing.paused', h.primedNotStarted && mode === 'primed'), this.control.alarms);
      }
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
        this.control = controlStateFor(beginPhase(endPhase(this.control.ledger), e.phase, plan), this.control.detectors, this.control.alarms, this.control);
        this.dirty.state = true;
        this.flushStore();
        break;
      }
      case 'plan.accepted':
        this.programme = e.programme;
        this.dirty.plan = true;
        this.control = controlStateFor(refillLedger(e.plan.reservoirFillMl), afterFill(this.control.detectors, atMs), this.control.alarms, this.control);
        this.dirty.state = true;
        this.flushStore();
        this.log('notification', 'PLAN_ACCEPTED', `${e.plan.rateUlPerHour.toFixed(2)} µL/h for ${e.plan.infusionDays} d`);
        break;
      case 'plan.rejected':
        this.log('notification', 'PLAN_REJECTED', e.findings.map((f) => f.message).join('; '));
        break;
      case 'reservoir.refilled':
        this.control = controlStateFor(refillLedger(e.volumeMl), afterFill(this.control.detectors, atMs), this.control.alarms, this.control);
        this.dirty.state = true;
        this.flushStore();
        this.log('notification', 'RESERVOIR_REFILLED', `${e.volumeMl} mL`);
        break;
      case 'restart.lockout':
        this.control = withDetectorsAndAlarms(this.control, withRestartLockout(this.control.detectors, true), this.control.alarms);
        this.dirty.safety = true;
        this.flushStore();
        this.log('notification', 'RESTART_LOCKOUT', e.code);
        break;
      case 'notification':
        // A pending-input reminder is an alarm condition (its alarm entry is the log's record of it).
        if (e.code === REMINDER_CODES.paused || e.code === REMINDER_CODES.primed) {
          const h = this.control.detectors.health;
          const detectors = withReminders(this.control.detectors, h.pausedTooLong || e.code === REMINDER_CODES.paused, h.primedNotStarted || e.code === REMINDER_CODES.primed);
          this.control = withDetectorsAndAlarms(this.control, detectors, this.control.alarms);
          break;
        }
        this.log('notification', e.code, e.detail);
        break;
    }
  }

  /**
   * Writes the records changed in RAM, programme first, then safety, then state, stopping at the
   * first that fails. A failure raises the storage fault (the drive stops); the next period tries
   * again, and success clears the condition (the latched alarm waits for an acknowledgement).
   * True when everything is in flash.
   */
  private flushStore(): boolean {
    const dirty = this.dirty;
    let failed = false;
    if (dirty.plan) {
      const written = this.programme === null ? null : this.store.writePlan(this.programme);
      if (written !== null && written.ok) this.planId = written.planId;
      failed = written !== null && !written.ok;
      dirty.plan = failed;
    }
    if (!failed && dirty.safety) {
      failed = !this.store.writeSafety(this.safetyRecord()).ok;
      dirty.safety = failed;
    }
    if (!failed && dirty.state) {
      failed = !this.store.writeState({ planId: this.planId, ledger: this.control.ledger, resumePoint: this.resumePoint, therapyPoint: this.therapyPoint, connected: this.persistedConnected }).ok;
      dirty.state = failed;
    }
    const faulty = failed || this.storageDamaged;
    if (faulty !== this.control.detectors.health.storageFault) {
      this.control = withDetectorsAndAlarms(this.control, withStorageFault(this.control.detectors, faulty), this.control.alarms);
      if (failed) this.log('notification', 'STORAGE_WRITE_FAILED');
    }
    return !failed;
  }

  private safetyRecord(): StoredSafety {
    return {
      latched: this.control.alarms.entries.filter((e) => ALARM_RULE_BY_CODE[e.code].latching),
      stoppedBy: this.stoppedBy,
      restarts: this.restarts,
      restartLockout: this.control.detectors.health.repeatedRestartLockout,
    };
  }

  /** Reads the newest copies back; a changed one is written again, and the repair logged. */
  private scrub(): void {
    const { repaired, failed } = this.store.scrub();
    for (const line of repaired) this.log('notification', 'STORAGE_REPAIRED', line);
    for (const line of failed) this.log('notification', 'STORAGE_WRITE_FAILED', line);
    if (failed.length > 0) {
      // What flash holds is not what the pump believes, and cannot be put right: stop until it can.
      this.dirty = { plan: this.programme !== null, safety: true, state: true };
      this.control = withDetectorsAndAlarms(this.control, withStorageFault(this.control.detectors, true), this.control.alarms);
    }
  }

  private log(kind: LogEntry['kind'], code: string, detail?: string): void {
    const entry: LogEntry = detail === undefined ? { atMs: this.hal.clock.nowMs(), kind, code } : { atMs: this.hal.clock.nowMs(), kind, code, detail };
    this.eventLog.append(entry);
  }
}

/** The real-time clock moved as the device clock did between two readings, to `CLOCK_AGREEMENT_FRACTION`. */
function clocksAgree(before: RtcReading, after: RtcReading): boolean {
  const deviceMs = after.atMs - before.atMs;
  const rtcMs = after.epochMs - before.epochMs;
  return Math.abs(rtcMs - deviceMs) <= CLOCK_AGREEMENT_FRACTION * deviceMs + CLOCK_AGREEMENT_SLACK_MS;
}

/** True when the latched alarms present, or their acknowledgement or condition, differ. */
function latchedChanged(before: AlarmState, after: AlarmState): boolean {
  const key = (s: AlarmState): string =>
    s.entries
      .filter((e) => ALARM_RULE_BY_CODE[e.code].latching)
      .map((e) => `${e.code}@${e.onsetMs}:${e.conditionActive ? 1 : 0}${e.acknowledged ? 1 : 0}`)
      .join(',');
  return key(before) !== key(after);
}
