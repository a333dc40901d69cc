/**
 * The operator: the nurse or clinician around the pump, as a strategy the simulation calls.
 *
 * Owns: what people do and when — fill the reservoir as the pump's plan asks, program, prime,
 * put the needle in the port, start, connect the heparin-lock syringe and flush, take the needle
 * out — each after a human delay, all on the virtual clock.
 * Promises: the operator acts only through the clinician programmer (`OperatorWorld.command`,
 * signed link frames, sim/world/programmer.ts) and the plant's physical actions (fill, access,
 * syringe); it never reaches into firmware state.
 */
import type { CommandAnswer, Firmware, InfusionPlan, PrescriptionInput, PumpCommand } from '../../firmware/index.ts';
import type { VirtualClock } from './clock.ts';
import type { Plant } from './plant/index.ts';
import type { DeviceProfile } from './profile.ts';

/** Human delays of the operator between steps, ms. */
export const OPERATOR_DELAYS_MS = Object.freeze({
  program: 5_000,
  prime: 10_000,
  /** Needle into the port and start, after the prime is seen complete. */
  start: 30_000,
  /** Lock syringe connected and flush started, after "infusion complete". */
  flush: 60_000,
  /** Needle out, after "lock done". */
  deaccess: 60_000,
  /** Time to come to an alarming pump, acknowledge it and look for the cause. */
  respondToAlarm: 5 * 60_000,
  /** Between attempts to resume while the cause is still there. */
  retryResume: 10 * 60_000,
});

/** Attempts to resume a pump stopped on an alarm before the operator stops the therapy. */
export const OPERATOR_MAX_RESUME_ATTEMPTS = 24;

export interface Timeline {
  infusionStartMs: number;
  infusionCompleteMs: number;
  lockDoneMs: number;
}

/** What an operator can reach. */
export interface OperatorWorld {
  readonly clock: VirtualClock;
  readonly plant: Plant;
  readonly profile: DeviceProfile;
  readonly timeline: Timeline;
  /** What the pump shows (mode, plan, alarms); commands go through `command`, never through it. */
  firmware(): Firmware;
  /** Sends `cmd` to the pump as a signed frame through the unit's clinician programmer. */
  command(cmd: PumpCommand): CommandAnswer;
  /** Ends the run. */
  finish(): void;
}

export interface Operator {
  /** Called on every mode change the pump shows. */
  onMode(world: OperatorWorld, mode: string, atMs: number): void;
}

/** Fills the reservoir with the mixture the accepted plan asks for (the pharmacy's job). */
export function compoundReservoir(plant: Plant, plan: InfusionPlan): void {
  plant.fillReservoir(plan.reservoirFillMl * 1000, {
    fudrMgPerUl: plan.fudrMgPerMl / 1000,
    dexamethasoneMgPerUl: plan.dexamethasoneMgPerMl / 1000,
    heparinUnitsPerUl: plan.heparinUnitsPerMl / 1000,
  });
}

/** Draws up the heparin lock (with the profile's overfill) and connects it to the set. */
export function connectLockSyringe(plant: Plant, profile: DeviceProfile, plan: InfusionPlan): void {
  const lockUl = plan.heparinLockVolumeMl * 1000 * (1 + profile.reservoir.lockSyringeOverfillFraction);
  plant.connectLockSyringe(lockUl, { fudrMgPerUl: 0, dexamethasoneMgPerUl: 0, heparinUnitsPerUl: plan.heparinLockUnitsPerMl / 1000 });
}

/**
 * The response to an alarm stop: come to the pump, acknowledge, try to resume; while the cause is
 * still there the pump refuses, so acknowledge and try again later; after
 * `OPERATOR_MAX_RESUME_ATTEMPTS` the therapy is stopped and the run ends. Alarms that do not stop
 * the drive are acknowledged (silenced) once seen.
 */
export class AlarmResponder {
  private attempts = 0;
  private pending = false;

  onMode(world: OperatorWorld, mode: string): void {
    if (mode !== 'alarmStopped') {
      if (!mode.startsWith('therapy')) return;
      this.attempts = 0;
      return;
    }
    this.schedule(world, OPERATOR_DELAYS_MS.respondToAlarm);
  }

  private schedule(world: OperatorWorld, delayMs: number): void {
    if (this.pending) return;
    this.pending = true;
    world.clock.setTimer(() => {
      this.pending = false;
      const fw = world.firmware();
      if (fw.modeName !== 'alarmStopped') return;
      world.command({ type: 'acknowledge' });
      if (world.command({ type: 'resume' }).accepted) return;
      this.attempts++;
      if (this.attempts >= OPERATOR_MAX_RESUME_ATTEMPTS) {
        world.command({ type: 'stop' });
        world.finish();
        return;
      }
      this.schedule(world, OPERATOR_DELAYS_MS.retryResume);
    }, delayMs);
  }
}

/** One cycle: program, fill, prime, access, start, flush and lock, de-access, done. */
export class SingleCycleOperator implements Operator {
  private readonly responder = new AlarmResponder();
  private programmingAttempts = 0;

  constructor(
    private readonly prescription: PrescriptionInput,
    private readonly confirmSoftLimits: boolean,
  ) {}

  onMode(world: OperatorWorld, mode: string, atMs: number): void {
    const { clock, plant, timeline } = world;
    this.responder.onMode(world, mode);
    switch (mode) {
      case 'idle':
        // Idle before the infusion started — first boot, or a reboot that kept no programme under
        // way — is programmed (again); idle after it is a stop, and stays so.
        if (world.firmware().plan === null || timeline.infusionStartMs < 0) clock.setTimer(() => this.program(world), OPERATOR_DELAYS_MS.program);
        break;
      case 'ready':
        clock.setTimer(() => world.command({ type: 'prime' }), OPERATOR_DELAYS_MS.prime);
        break;
      case 'primed':
        clock.setTimer(() => {
          // A pump that went dark meanwhile is not connected to the patient; its boot calls again.
          if (!world.firmware().powered) return;
          plant.accessPort();
          // A pump that goes dark as start is pressed was not seen to start: the nurse waits for it.
          if (world.command({ type: 'start' }).accepted && world.firmware().powered && timeline.infusionStartMs < 0) timeline.infusionStartMs = clock.nowMs();
        }, OPERATOR_DELAYS_MS.start);
        break;
      case 'infusionComplete':
        timeline.infusionCompleteMs = atMs;
        clock.setTimer(() => {
          const plan = world.firmware().plan;
          if (plan === null || !world.firmware().powered) return;
          connectLockSyringe(plant, world.profile, plan);
          world.command({ type: 'flush' });
        }, OPERATOR_DELAYS_MS.flush);
        break;
      case 'locked':
        timeline.lockDoneMs = atMs;
        clock.setTimer(() => {
          // An ambulatory set is taken off with its needle; an implanted pump has nothing to take off.
          if (world.profile.placement !== 'implanted') plant.deaccessPort();
          world.finish();
        }, OPERATOR_DELAYS_MS.deaccess);
        break;
    }
  }

  private program(world: OperatorWorld): void {
    // A pump that lost its power meanwhile is programmed when it is back in idle (onMode again).
    if (!world.firmware().powered) return;
    // Programmed again after a reboot, it will prime again: the needle comes out of the port first.
    if (world.plant.isAccessed && world.profile.placement !== 'implanted') world.plant.deaccessPort();
    const answer = world.command({ type: 'program', prescription: this.prescription, confirmSoftLimits: this.confirmSoftLimits });
    const plan = world.firmware().plan;
    if (!answer.accepted || plan === null) {
      world.clock.setTimer(() => this.afterRefusal(world), OPERATOR_DELAYS_MS.program);
      return;
    }
    this.programmingAttempts = 0;
    compoundReservoir(world.plant, plan);
  }

  /**
   * A refused programme, looked at again: a pump that is alarming (its flash could not be
   * written, say) is acknowledged and programmed again later, up to `OPERATOR_MAX_RESUME_ATTEMPTS`
   * times; a programme refused by a quiet pump is the prescription's own refusal, and the run ends.
   */
  private afterRefusal(world: OperatorWorld): void {
    const fw = world.firmware();
    if (!fw.powered || fw.modeName !== 'idle') return;
    if (fw.alarms.entries.length === 0 || ++this.programmingAttempts >= OPERATOR_MAX_RESUME_ATTEMPTS) {
      world.finish();
      return;
    }
    world.command({ type: 'acknowledge' });
    world.clock.setTimer(() => this.program(world), OPERATOR_DELAYS_MS.retryResume);
  }
}
