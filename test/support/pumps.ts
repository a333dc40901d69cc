/**
 * Pumps on a scripted HAL (fakeHal.ts) brought to a mode through valid commands, for the tests that
 * attack the firmware's boundaries: commands, readings.
 *
 * Owns: nothing but the recipes. Promises: each recipe reaches its mode by the documented command
 * sequence; readings look like a catheter in the hepatic artery and flow as commanded.
 */
import { Firmware, SELF_TEST_DURATION_MS } from '../../firmware/index.ts';
import type { FakeHal } from './fakeHal.ts';
import { fakeHal } from './fakeHal.ts';
import { SEED_PRESCRIPTION } from './prescription.ts';
import { xstateClock } from '../../sim/world/board.ts';

export interface Pump {
  readonly hal: FakeHal;
  readonly fw: Firmware;
}

export function bootedPump(hal: FakeHal = fakeHal()): Pump {
  const fw = new Firmware(hal, { statechartClock: xstateClock(hal.clock) });
  fw.boot();
  hal.clock.advance(SELF_TEST_DURATION_MS);
  return { hal, fw };
}

/** Programmed with the seed prescription: `ready`. */
export function readyPump(): Pump {
  const p = bootedPump();
  p.fw.command({ type: 'program', prescription: SEED_PRESCRIPTION });
  return p;
}

/** Primed, connected and infusing for half an hour with arterial pressure and the flow commanded. */
export function infusingPump(): Pump {
  const p = readyPump();
  p.hal.set.pressureMmHg = 90;
  p.hal.set.cardiacAmplitudeMmHg = 12;
  p.fw.command({ type: 'prime' });
  p.hal.clock.advance(60_000);
  p.hal.set.flowUlPerHour = p.fw.plan?.rateUlPerHour ?? 0;
  p.fw.command({ type: 'start' });
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
