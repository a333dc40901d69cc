/**
 * Attacks on the command link, as an adversary with a radio (and no key) would make them.
 *
 * Owns: building the frame of each link-attack fault kind (sim/world/faults.ts).
 * Promises: only the programmer's public frames and the adversary's own seeded draws are used;
 * an attacker never holds the unit's key, except where the fault is about the pump's other checks
 * (`wrongDevice`, `counterRollback`: a correctly signed frame, as a faulty or cloned programmer
 * would send). Null when there is nothing to attack with (a replay before any frame was sent).
 */
import type { LinkAttack } from './faults.ts';
import type { Programmer } from './programmer.ts';
import type { SeededRandom } from './rng.ts';

export function linkAttackFrame(attack: LinkAttack, programmer: Programmer, draws: SeededRandom): Uint8Array | null {
  const payload = { type: attack.command };
  switch (attack.kind) {
    case 'forgedCommand': {
      const key = new Uint8Array(32);
      for (let i = 0; i < key.length; i++) key[i] = draws.nextUint32() & 0xff;
      return programmer.forged(payload, key);
    }
    case 'replayedCommand':
      return programmer.sentFrame(attack.command) ?? programmer.sentFrame();
    case 'tamperedCommand':
      return programmer.tampered(payload, draws.nextUint32(), 1 + (draws.nextUint32() % 255));
    case 'wrongDevice':
      return programmer.forDevice(payload, `${programmer.unit.deviceId}-OTHER`);
    case 'counterRollback': {
      const last = programmer.lastCounter;
      return last === 0 ? null : programmer.withCounter(payload, 1 + (draws.nextUint32() % last));
    }
  }
}
