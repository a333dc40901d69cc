/**
 * Pumps on a scripted HAL (fakeHal.ts) brought to a mode through valid commands, for the tests that
 * attack the firmware's boundaries: commands, readings.
 *
 * Owns: nothing but the recipes. Promises: each recipe reaches its mode by the documented command
 * sequence, sent as signed frames through the unit's programmer (`send`); readings look like a
 * catheter in the hepatic artery and flow as commanded.
 */
import type { CommandAnswer, PumpCommand } from '../../firmware/index.ts';
import { Firmware, SELF_TEST_DURATION_MS } from '../../firmware/index.ts';
import { Programmer } from '../../sim/world/programmer.ts';
import type { FakeHal } from './fakeHal.ts';
import { TEST_UNIT, fakeHal } from './fakeHal.ts';
import { SEED_PRESCRIPTION } from './prescription.ts';
import { xstateClock } from '../../sim/world/board.ts';

export interface Pump {
  readonly hal: FakeHal;
  readonly fw: Firmware;
  readonly programmer: Programmer;
  /** `cmd` as a signed frame through the programmer. */
  send(cmd: PumpCommand): CommandAnswer;
}

export function bootedPump(hal: FakeHal = fakeHal(), programmer = new Programmer(TEST_UNIT)): Pump {
  const fw = new Firmware(hal, { statechartClock: xstateClock(hal.clock) });
  fw.boot();
  hal.clock.advance(SELF_TEST_DURATION_MS);
  return { hal, fw, programmer, send: (cmd) => programmer.send(fw, cmd) };
}

/** Programmed with the seed prescription: `ready`. */
export function readyPump(): Pump {
  const p = bootedPump();
  p.send({ type: 'program', prescription: SEED_PRESCRIPTION });
  return p;
}

/** Primed, connected and infusing for half an hour with arterial pressure and the flow commanded. */
export function infusingPump(): Pump {
  const p = readyPump();
  p.hal.set.pressureMmHg = 90;
  p.hal.set.cardiacAmplitudeMmHg = 12;
  p.send({ type: 'prime' });
  p.hal.clock.advance(60_000);
  p.hal.set.flowUlPerHour = p.fw.plan?.rateUlPerHour ?? 0;
  p.send({ type: 'start' });
  p.hal.clock.advance(1_800_000);
  return p;
}

/** Infusing, then the drive stalls for an hour: MOTOR_STALL, `alarmStopped`. */
export function alarmStoppedPump(): Pump {
  const p = infusingPump();
  p.hal.set.stalled = true;
  p.hal.clock.advance(3_600_000);
  return p;
}
