/**
 * The nurse for one cycle of a course: refill, reprogram, prime, start, lock — through the
 * firmware's command interface only.
 *
 * Owns: the order and human delays of one cycle's steps, and what people do when the pump stops
 * on an alarm during a course (the patient is at home with an ambulatory pump, or has an
 * implanted one: it takes hours, not minutes, to come in).
 * Promises:
 * - The pump is reached only by `command(...)` (signed frames through the programmer) and the plant's physical actions
 *   (reservoir, needle, syringe), as `sim/world/operator.ts` promises.
 * - The cycle starts where the last one left the pump: locked (or stopped) with the last
 *   reservoir still in it; a new pump (first cycle) boots to idle. The nurse refills, then
 *   declares the refill (`refill`, the volume the pharmacy compounded), then programs.
 * - Ambulatory pump: the needle goes into the port before `start` and comes out after the lock,
 *   and the run ends there (the pump is taken off and switched off until the next cycle).
 *   Implanted pump: always connected; it stays on, locked, until the cycle's last second.
 * - If the infusion cannot be finished — an alarm that will not clear within
 *   `COURSE_ALARM_DELAYS_MS.giveUp`, an empty reservoir, a fourth alarm stop in the cycle, or the
 *   cycle's end coming — the nurse stops the pump, locks the catheter if the pump allows it, and
 *   takes the pump off. The nurse knows which alarm it is from the pump's display
 *   (`firmware().alarms`, what the annunciator shows); nothing else of the firmware is read.
 * - A refill mismatch is acted on at once: the nurse watches the display for
 *   `COURSE_ALARM_DELAYS_MS.watchAfterStart` after the start (the patient is still in the clinic)
 *   and, on `RESERVOIR_MISMATCH`, stops the infusion (`reactToMismatch` after seeing it),
 *   aspirates the reservoir and measures the aspirate. Then what the clinician's rule table says
 *   (`mismatchResponse`, from the row for deviceAlarm RESERVOIR_MISMATCH): resume — observe the
 *   patient for `observeMs`, refill correctly, declare, program, prime and start again — or not
 *   resume — lock the catheter and take the pump off (the visit then holds or stops HAI).
 */
import type { InfusionPlan, PrescriptionInput } from '../../firmware/index.ts';
import { HAI_FUDR_LIBRARY, planInfusion } from '../../firmware/index.ts';
import type { Operator, OperatorWorld } from '../world/operator.ts';
import { OPERATOR_DELAYS_MS, connectLockSyringe } from '../world/operator.ts';
import type { Composition } from '../world/plant/index.ts';
import type { RefillOutcome } from './refill.ts';
import { refillReservoir } from './refill.ts';
import type { RefillFault } from '../scenario/course.ts';

const MS_PER_HOUR = 3_600_000;

/** Course-scale delays of people responding to a pump that stopped on an alarm. */
export const COURSE_ALARM_DELAYS_MS = Object.freeze({
  /** The patient notices, calls and comes in; the nurse acknowledges and looks for the cause. */
  respond: 2 * MS_PER_HOUR,
  /** Between attempts to resume while the cause is still there. */
  retry: 1 * MS_PER_HOUR,
  /** After this long stopped, the cycle's infusion is abandoned. */
  giveUp: 48 * MS_PER_HOUR,
  /** Alarm stops in one cycle after which the nurse no longer resumes (the pump goes back for checks). */
  maxStops: 3,
  /** Before the end of the cycle, an unfinished infusion is stopped and the pump taken off. */
  cycleEndMargin: 6 * MS_PER_HOUR,
  /** After a start the nurse watches the pump's display this long, looking every `watchEvery` (default). */
  watchAfterStart: 15 * 60_000,
  watchEvery: 60_000,
  /** From seeing RESERVOIR_MISMATCH on the display to the stop command (default). */
  reactToMismatch: 60_000,
});

/** What the clinician's rule table says to do about a refill mismatch during the cycle. */
export interface MismatchResponse {
  /** Refill correctly and restart after the observation; false: the cycle's infusion ends there. */
  readonly resume: boolean;
  readonly observeMs: number;
}

/** What the nurse did about a refill mismatch (ms after the cycle's day 1 began). */
export interface MismatchAction {
  readonly seenMs: number;
  readonly stopMs: number;
  /** What came out of the reservoir at the aspiration. */
  readonly aspiratedMl: number;
  /** The restart after the correct refill (−1: not restarted). */
  resumedMs: number;
}

/** Times of the cycle's steps (ms after the cycle's day 1 began; −1: did not happen). */
export interface CycleTimes {
  refillMs: number;
  primeMs: number;
  infusionStartMs: number;
  infusionCompleteMs: number;
  lockDoneMs: number;
  offMs: number;
  abandonedMs: number;
}

export interface CourseCycleOperatorOptions {
  readonly prescription: PrescriptionInput;
  readonly confirmSoftLimits: boolean;
  /** The reservoir the pump was left with after the last cycle (null: a new pump, empty). */
  readonly leftover: { readonly volumeUl: number; readonly composition: Composition } | null;
  readonly refillFault: RefillFault | null;
  /** The cycle's length; the nurse finishes before it ends. */
  readonly cycleMs: number;
  readonly mismatchResponse: MismatchResponse;
}

type Step = 'start' | 'refilled' | 'programmed' | 'therapy' | 'mismatch' | 'locking' | 'locked' | 'abandoning' | 'off';

export class CourseCycleOperator implements Operator {
  readonly times: CycleTimes = { refillMs: -1, primeMs: -1, infusionStartMs: -1, infusionCompleteMs: -1, lockDoneMs: -1, offMs: -1, abandonedMs: -1 };
  refill: RefillOutcome | null = null;
  /** The refill mismatch acted on (null: none seen). */
  mismatch: MismatchAction | null = null;
  /** Why the pump refused the programme, when it did. */
  refused: string | null = null;
  /** The plant's stroke count when the lock was done (−1: not yet). */
  strokesAtLock = -1;
  private step: Step = 'start';
  private booted = false;
  private alarmSinceMs = -1;
  private alarmPending = false;
  private alarmStops = 0;
  private implanted = false;

  constructor(private readonly options: CourseCycleOperatorOptions) {}

  onMode(world: OperatorWorld, mode: string, atMs: number): void {
    if (!this.booted) this.powerOn(world);
    const { clock } = world;
    if (mode.startsWith('therapy')) {
      if (this.step === 'programmed') this.step = 'therapy';
      this.alarmSinceMs = -1;
    }
    switch (mode) {
      case 'idle':
      case 'locked':
      case 'stopped':
        if (this.step === 'start') {
          this.step = 'refilled';
          clock.setTimer(() => this.refillAndDeclare(world), OPERATOR_DELAYS_MS.program);
        } else if (mode === 'locked' && this.step === 'locking') {
          this.step = 'locked';
          this.times.lockDoneMs = atMs;
          this.strokesAtLock = world.plant.strokesDelivered;
          world.timeline.lockDoneMs = atMs;
          clock.setTimer(() => this.takeOff(world), OPERATOR_DELAYS_MS.deaccess);
        } else if (mode === 'stopped' && (this.step === 'therapy' || this.step === 'abandoning')) {
          this.lockAfterStop(world);
        }
        break;
      case 'ready':
        if (this.step === 'programmed') clock.setTimer(() => this.send(world, 'prime'), OPERATOR_DELAYS_MS.prime);
        break;
      case 'therapy.priming':
        if (this.times.primeMs < 0) this.times.primeMs = atMs;
        break;
      case 'primed':
        clock.setTimer(() => {
          if (!this.implanted && !world.plant.isAccessed) world.plant.accessPort();
          if (this.send(world, 'start')) {
            if (this.times.infusionStartMs < 0) {
              this.times.infusionStartMs = clock.nowMs();
              world.timeline.infusionStartMs = clock.nowMs();
            } else if (this.mismatch !== null && this.mismatch.resumedMs < 0) this.mismatch.resumedMs = clock.nowMs();
            this.watch(world, clock.nowMs() + COURSE_ALARM_DELAYS_MS.watchAfterStart);
          }
        }, OPERATOR_DELAYS_MS.start);
        break;
      case 'infusionComplete':
        this.times.infusionCompleteMs = atMs;
        world.timeline.infusionCompleteMs = atMs;
        clock.setTimer(() => this.lock(world), OPERATOR_DELAYS_MS.flush);
        break;
      case 'alarmStopped':
        if (this.alarmSinceMs < 0) {
          this.alarmSinceMs = atMs;
          this.alarmStops++;
        }
        // What the pump's display shows: an empty reservoir cannot be resumed without a refill,
        // which the protocol does not do mid-cycle; a pump that keeps stopping goes back for checks.
        if (this.alarmStops > COURSE_ALARM_DELAYS_MS.maxStops || world.firmware().alarms.entries.some((e) => e.code === 'RESERVOIR_EMPTY')) {
          clock.setTimer(() => this.abandon(world), COURSE_ALARM_DELAYS_MS.respond);
          break;
        }
        this.respondToAlarm(world, COURSE_ALARM_DELAYS_MS.respond);
        break;
      case 'failSafe':
        this.abandon(world);
        break;
    }
  }

  /** The nurse looks at the display every minute until `untilMs`. */
  private watch(world: OperatorWorld, untilMs: number): void {
    world.clock.setTimer(() => {
      if (this.step !== 'therapy' || this.mismatch !== null) return;
      if (world.firmware().alarms.entries.some((e) => e.code === 'RESERVOIR_MISMATCH')) {
        this.actOnMismatch(world);
        return;
      }
      if (world.clock.nowMs() + COURSE_ALARM_DELAYS_MS.watchEvery <= untilMs) this.watch(world, untilMs);
    }, COURSE_ALARM_DELAYS_MS.watchEvery);
  }

  /** Stop, aspirate and measure; then resume after the observation, or lock and take the pump off. */
  private actOnMismatch(world: OperatorWorld): void {
    const seenMs = world.clock.nowMs();
    this.step = 'mismatch';
    world.clock.setTimer(() => {
      if (this.step !== 'mismatch') return;
      this.send(world, 'stop');
      const aspiratedMl = world.plant.reservoirVolumeUl / 1000;
      this.mismatch = { seenMs, stopMs: world.clock.nowMs(), aspiratedMl, resumedMs: -1 };
      world.plant.fillReservoir(0, { fudrMgPerUl: 0, dexamethasoneMgPerUl: 0, heparinUnitsPerUl: 0 });
      const response = this.options.mismatchResponse;
      if (response.resume) {
        world.clock.setTimer(() => {
          if (this.step !== 'mismatch') return;
          this.send(world, 'acknowledge');
          this.refillAndDeclare(world, null);
        }, response.observeMs);
      } else {
        this.step = 'abandoning';
        if (this.times.abandonedMs < 0) this.times.abandonedMs = world.clock.nowMs();
        this.lockAfterStop(world);
      }
    }, COURSE_ALARM_DELAYS_MS.reactToMismatch);
  }

  /** t = 0: the pump comes back with what it held; the implanted one was never disconnected. */
  private powerOn(world: OperatorWorld): void {
    this.booted = true;
    this.implanted = world.profile.placement === 'implanted';
    const leftover = this.options.leftover;
    if (leftover !== null && leftover.volumeUl > 0) world.plant.fillReservoir(leftover.volumeUl, leftover.composition);
    if (this.implanted) world.plant.accessPort();
    world.clock.setTimer(() => this.atCycleEnd(world), Math.max(0, this.options.cycleMs - COURSE_ALARM_DELAYS_MS.cycleEndMargin));
  }

  private send(world: OperatorWorld, type: 'prime' | 'start' | 'flush' | 'stop' | 'acknowledge' | 'resume'): boolean {
    return world.command({ type }).accepted;
  }

  /** The pharmacy compounds from the prescription, the nurse refills and declares the volume, then programs. */
  private refillAndDeclare(world: OperatorWorld, fault: RefillFault | null = this.options.refillFault): void {
    const fw = world.firmware();
    const planned = planInfusion(this.options.prescription, world.profile.firmwareConfig, HAI_FUDR_LIBRARY);
    if (!planned.ok) {
      this.refused = planned.findings.map((f) => f.message).join('; ');
      this.takeOff(world);
      return;
    }
    if (!['idle', 'locked', 'stopped'].includes(fw.modeName)) this.send(world, 'stop');
    const outcome = refillReservoir(world.plant, planned.plan, fault);
    this.refill ??= outcome;
    if (this.times.refillMs < 0) this.times.refillMs = world.clock.nowMs();
    world.command({ type: 'refill', volumeMl: planned.plan.reservoirFillMl });
    world.clock.setTimer(() => this.program(world, planned.plan), OPERATOR_DELAYS_MS.program);
  }

  private program(world: OperatorWorld, compounded: InfusionPlan): void {
    const fw = world.firmware();
    this.step = 'programmed';
    const answer = world.command({ type: 'program', prescription: this.options.prescription, confirmSoftLimits: this.options.confirmSoftLimits });
    const plan = fw.plan;
    if (!answer.accepted || plan === null || fw.modeName !== 'ready') {
      this.refused = answer.reason ?? `the pump stayed in ${fw.modeName}`;
      this.takeOff(world);
      return;
    }
    // The nurse checks the pump's plan against the label of what the pharmacy compounded.
    if (Math.abs(plan.fudrMgPerMl - compounded.fudrMgPerMl) > 1e-9 || plan.reservoirFillMl !== compounded.reservoirFillMl) {
      this.refused = 'the programmed plan does not match the compounded reservoir';
      this.takeOff(world);
    }
  }

  private lock(world: OperatorWorld): void {
    const plan = world.firmware().plan;
    if (plan === null || (this.step !== 'therapy' && this.step !== 'abandoning')) return;
    connectLockSyringe(world.plant, world.profile, plan);
    this.step = 'locking';
    if (!this.send(world, 'flush')) this.takeOff(world);
  }

  /** After a stop: lock the catheter if the pump allows it, else take the pump off. */
  private lockAfterStop(world: OperatorWorld): void {
    world.clock.setTimer(() => {
      if (world.firmware().modeName !== 'stopped') return;
      this.step = 'abandoning';
      // Silence and clear what can be cleared first: a latched stopping alarm would refuse the flush.
      this.send(world, 'acknowledge');
      this.lock(world);
    }, OPERATOR_DELAYS_MS.flush);
  }

  private respondToAlarm(world: OperatorWorld, delayMs: number): void {
    if (this.alarmPending) return;
    this.alarmPending = true;
    world.clock.setTimer(() => {
      this.alarmPending = false;
      const fw = world.firmware();
      if (fw.modeName !== 'alarmStopped' || this.step === 'off') return;
      this.send(world, 'acknowledge');
      if (this.send(world, 'resume')) return;
      if (world.clock.nowMs() - this.alarmSinceMs >= COURSE_ALARM_DELAYS_MS.giveUp) {
        this.abandon(world);
        return;
      }
      this.respondToAlarm(world, COURSE_ALARM_DELAYS_MS.retry);
    }, delayMs);
  }

  private atCycleEnd(world: OperatorWorld): void {
    if (this.step === 'locked' || this.step === 'off') return;
    this.abandon(world);
  }

  /** The infusion will not be finished: stop; `stopped` then leads to the lock or to taking the pump off. */
  private abandon(world: OperatorWorld): void {
    if (this.times.abandonedMs < 0) this.times.abandonedMs = world.clock.nowMs();
    this.step = 'abandoning';
    const fw = world.firmware();
    if (fw.modeName === 'stopped') this.lockAfterStop(world);
    else if (!this.send(world, 'stop')) this.takeOff(world);
  }

  /** Ambulatory: needle out, pump off — the run ends. Implanted: nothing to take off. */
  private takeOff(world: OperatorWorld): void {
    if (this.step === 'off') return;
    this.step = 'off';
    this.times.offMs = world.clock.nowMs();
    if (this.implanted) return;
    if (world.plant.isAccessed) world.plant.deaccessPort();
    world.finish();
  }
}
