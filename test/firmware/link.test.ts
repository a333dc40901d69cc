/**
 * The command link at the firmware's external entry (`Firmware.receiveFrame`): frames parsed
 * defensively, authenticated by the secure element, addressed, ordered, persisted before acting,
 * and the lock after repeated refusals. Every refusal must leave the pump and its therapy records
 * exactly as they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PumpCommand } from '../../firmware/index.ts';
import { Firmware, LINK_FRAME_MAX_BYTES, LINK_LOCK, NV_LAYOUT, SELF_TEST_DURATION_MS, parseLinkFrame, rekeyLink } from '../../firmware/index.ts';
import { xstateClock } from '../../sim/world/board.ts';
import { Programmer } from '../../sim/world/programmer.ts';
import { TEST_UNIT, fakeHal, therapyRecordBytes } from '../support/fakeHal.ts';
import { checkProperty } from '../support/fc.ts';
import { SEED_PRESCRIPTION } from '../support/prescription.ts';
import type { Pump } from '../support/pumps.ts';
import { alarmStoppedPump, bootedPump, infusingPump, readyPump } from '../support/pumps.ts';

/** Everything a refused frame must leave as it was. */
function pumpState(p: Pump): string {
  return JSON.stringify({ mode: p.fw.modeName, ledger: p.fw.ledger, alarms: p.fw.alarms.entries, plan: p.fw.plan, nv: therapyRecordBytes(p.hal.flash) });
}

/** The last command entry of the log (a lock's LINK_LOCKED notification may follow it). */
function lastLog(p: Pump): { code: string; detail?: string } {
  return p.hal.logEntries.filter((e) => e.kind === 'command').at(-1) as { code: string; detail?: string };
}

/** The internal events of the statechart and the control step: none may be sent by any frame. */
const INTERNAL_EVENTS: readonly Record<string, unknown>[] = [
  { type: 'phase.complete', phase: 'infuse' },
  { type: 'phase.begin', phase: 'prime' },
  { type: 'alarm.raised', code: 'OCCLUSION', driveAction: 'stopNow' },
  { type: 'alarm.cleared', code: 'MOTOR_STALL' },
  { type: 'selfTest.passed', resumePoint: 'ready', therapyPoint: 'none', connected: false, plan: { fudrMgPerMl: 49, infusionStrokes: 3618 } },
  { type: 'selfTest.failed' },
  { type: 'plan.accepted' },
  { type: 'plan.rejected' },
  { type: 'reservoir.refilled', volumeMl: 30 },
  { type: 'restart.lockout', code: 'MOTOR_STALL' },
  { type: 'notification', code: 'X' },
  { type: 'resumeAt' },
  { type: 'setResumePoint' },
  { type: 'setTherapyPoint' },
  { type: 'notify' },
  { type: 'canResumeInto' },
  { type: 'isPhase' },
];

const RECIPES: readonly [string, () => Pump][] = [
  ['idle', bootedPump],
  ['ready', readyPump],
  ['infusing', infusingPump],
  ['alarmStopped', alarmStoppedPump],
];

describe('the frame', () => {
  it('PUMP-LINK-AUTH a valid signed frame is accepted and logged as its command', () => {
    const p = readyPump();
    expect(p.send({ type: 'prime' })).toEqual({ accepted: true, mode: 'therapy.priming' });
    expect(p.hal.logEntries.some((e) => e.kind === 'command' && e.code === 'prime')).toBe(true);
  });

  it('PUMP-LINK-AUTH the parser refuses non-bytes, truncated, oversized and trailing-byte frames with a reason, never throwing', () => {
    const frame = new Programmer(TEST_UNIT).frame({ type: 'stop' });
    expect(parseLinkFrame(frame).ok).toBe(true);
    for (const input of [null, undefined, 'frame', [1, 2, 3], { length: 3 }, new Uint16Array(4)]) expect(parseLinkFrame(input)).toMatchObject({ ok: false, kind: 'malformed' });
    expect(parseLinkFrame(frame.slice(0, frame.length - 1))).toMatchObject({ ok: false, kind: 'truncated' });
    expect(parseLinkFrame(new Uint8Array(LINK_FRAME_MAX_BYTES + 1))).toMatchObject({ ok: false, kind: 'oversized' });
    const longer = new Uint8Array(frame.length + 1);
    longer.set(frame);
    expect(parseLinkFrame(longer)).toMatchObject({ ok: false, kind: 'malformed' });
  });

  it('PUMP-LINK-AUTH property: any change to a valid frame — a byte, a cut, an extension — is refused by the link with no state change', () => {
    const p = readyPump();
    checkProperty(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.constantFrom('flip', 'cut', 'extend'), (index, xor, how) => {
        const genuine = p.programmer.withCounter({ type: 'prime' }, p.programmer.lastCounter + 1);
        let bytes: Uint8Array;
        if (how === 'flip') {
          bytes = Uint8Array.from(genuine);
          bytes[index % bytes.length] = (bytes[index % bytes.length] as number) ^ xor;
        } else if (how === 'cut') bytes = genuine.slice(0, index % genuine.length);
        else {
          bytes = new Uint8Array(genuine.length + 1 + (index % 64));
          bytes.set(genuine);
        }
        const before = pumpState(p);
        const answer = p.fw.receiveFrame(bytes);
        return !answer.accepted && lastLog(p).code === 'LINK_REFUSED' && pumpState(p) === before;
      }),
      { seed: 15_001, numRuns: 150 },
    );
  });

  it('PUMP-LINK-AUTH property: random bytes never crash the pump and never change it', () => {
    const p = infusingPump();
    checkProperty(
      fc.property(fc.uint8Array({ maxLength: LINK_FRAME_MAX_BYTES + 40 }), fc.boolean(), (bytes, withMagic) => {
        if (withMagic && bytes.length >= 2) {
          bytes[0] = 0x4c;
          bytes[1] = 0x4b;
        }
        const before = pumpState(p);
        return !p.fw.receiveFrame(bytes).accepted && pumpState(p) === before;
      }),
      { seed: 15_002, numRuns: 150 },
    );
  });
});

describe('authenticated frames that must still be refused', () => {
  for (const [mode, recipe] of RECIPES) {
    it(`PUMP-COMMAND-VALID every internal event type in a validly signed frame is refused in ${mode}, with no state change and no counter consumed`, () => {
      const p = recipe();
      for (const event of INTERNAL_EVENTS) {
        const before = pumpState(p);
        const answer = p.fw.receiveFrame(p.programmer.frame(event));
        expect(answer.accepted, event['type'] as string).toBe(false);
        expect(lastLog(p).code).toBe('REFUSED');
        expect(pumpState(p)).toBe(before);
      }
    });
  }

  it('PUMP-COMMAND-VALID malformed payload shapes in signed frames are refused with the field named', () => {
    const p = bootedPump();
    for (const payload of [null, 7, 'start', [], {}, { type: 'program', prescription: null }, { type: 'refill', volumeMl: 'abc' }, { type: 'start', extra: true }]) {
      const before = pumpState(p);
      expect(p.fw.receiveFrame(p.programmer.frame(payload)).accepted).toBe(false);
      expect(pumpState(p)).toBe(before);
    }
  });
});

describe('attacks', () => {
  const attacks: [string, (p: Pump) => Uint8Array, string][] = [
    ['forged (another key)', (p) => p.programmer.forged({ type: 'stop' }, new Uint8Array(32).fill(7)), 'badTag'],
    ['tampered (one byte)', (p) => p.programmer.tampered({ type: 'stop' }, 20, 0x01), 'badTag'],
    ['for another device', (p) => p.programmer.forDevice({ type: 'stop' }, 'PUMPSIM-0002'), 'wrongDevice'],
    ['replayed', (p) => p.programmer.sentFrame('start') as Uint8Array, 'staleCounter'],
    ['with a rolled-back counter', (p) => p.programmer.withCounter({ type: 'stop' }, 1), 'staleCounter'],
  ];
  for (const [name, frame, refusal] of attacks) {
    it(`PUMP-LINK-AUTH a frame ${name} is refused (${refusal}), logged, and changes nothing`, () => {
      const p = infusingPump();
      const before = pumpState(p);
      const answer = p.fw.receiveFrame(frame(p));
      expect(answer.accepted).toBe(false);
      expect(lastLog(p)).toMatchObject({ code: 'LINK_REFUSED' });
      expect(lastLog(p).detail?.startsWith(`${refusal}:`)).toBe(true);
      expect(pumpState(p)).toBe(before);
      expect(p.send({ type: 'pause' }).accepted).toBe(true);
    });
  }

  it('PUMP-LINK-AUTH the counter is in flash before the command acts: after a power cycle the replay of a completed programme is refused', () => {
    const first = readyPump();
    const prime = first.programmer.frame({ type: 'prime' });
    expect(first.fw.receiveFrame(prime).accepted).toBe(true);
    first.fw.powerOff();
    const again = bootedPump(fakeHal(undefined, first.hal.flash, first.hal.clock), first.programmer);
    const before = pumpState(again);
    expect(again.fw.receiveFrame(prime).accepted).toBe(false);
    expect(lastLog(again).detail?.startsWith('staleCounter:')).toBe(true);
    expect(pumpState(again)).toBe(before);
  });

  it(`PUMP-LINK-AUTH ${LINK_LOCK.refusals} refusals within ${LINK_LOCK.windowMs / 60_000} min raise SECURITY_ALERT and lock the link for ${LINK_LOCK.lockMs / 60_000} min; therapy continues`, () => {
    const p = infusingPump();
    const key = new Uint8Array(32).fill(9);
    for (let i = 0; i < LINK_LOCK.refusals - 1; i++) {
      p.fw.receiveFrame(p.programmer.forged({ type: 'stop' }, key));
      p.hal.clock.advance(60_000);
    }
    p.hal.clock.advance(1_000);
    expect(p.fw.alarms.entries.map((e) => e.code)).not.toContain('SECURITY_ALERT');
    p.fw.receiveFrame(p.programmer.forged({ type: 'stop' }, key));
    p.hal.clock.advance(1_000);
    expect(p.fw.alarms.entries.map((e) => e.code)).toContain('SECURITY_ALERT');
    expect(p.fw.modeName).toBe('therapy.infusing.running');
    expect(p.send({ type: 'pause' })).toMatchObject({ accepted: false });
    expect(lastLog(p).detail?.startsWith('locked:')).toBe(true);
    p.hal.clock.advance(LINK_LOCK.lockMs);
    expect(p.send({ type: 'acknowledge' }).accepted).toBe(true);
    p.hal.clock.advance(1_000);
    expect(p.fw.alarms.entries.map((e) => e.code)).not.toContain('SECURITY_ALERT');
    expect(p.send({ type: 'pause' }).accepted).toBe(true);
  });

  it('PUMP-LINK-AUTH refusals spread wider than the window do not lock the link', () => {
    const p = infusingPump();
    for (let i = 0; i < 3 * LINK_LOCK.refusals; i++) {
      p.fw.receiveFrame(new Uint8Array([1, 2, 3]));
      p.hal.clock.advance(LINK_LOCK.windowMs / (LINK_LOCK.refusals - 1) + 1_000);
    }
    expect(p.fw.alarms.entries.map((e) => e.code)).not.toContain('SECURITY_ALERT');
    expect(p.send({ type: 'pause' }).accepted).toBe(true);
  });
});

describe('the link record', () => {
  function bootOn(flash: Pump['hal']['flash']): Pump {
    const hal = fakeHal(undefined, flash);
    const fw = new Firmware(hal, { statechartClock: xstateClock(hal.clock) });
    fw.boot();
    hal.clock.advance(SELF_TEST_DURATION_MS);
    const programmer = new Programmer(TEST_UNIT);
    return { hal, fw, programmer, send: (cmd: PumpCommand) => programmer.send(fw, cmd) };
  }

  it('PUMP-STORAGE a frame whose counter cannot be written to flash is refused, and the flash that failed raises STORAGE_FAULT until a write succeeds', () => {
    const p = bootedPump();
    p.hal.flash.setWritesFailing(true);
    const refused = p.send({ type: 'program', prescription: SEED_PRESCRIPTION });
    expect(refused).toMatchObject({ accepted: false, mode: 'idle', reason: 'the link counter cannot be stored' });
    expect(p.fw.plan).toBeNull();
    p.hal.clock.advance(1_000);
    expect(p.fw.alarms.entries.map((e) => e.code)).toEqual(['STORAGE_FAULT']);
    expect(p.fw.ledger.infusionStrokes).toBe(0);
    p.hal.flash.setWritesFailing(false);
    // The next period writes the state again; the period after it sees the condition gone.
    p.hal.clock.advance(2_000);
    expect(p.hal.logEntries.filter((e) => e.code === 'STORAGE_WRITE_FAILED').map((e) => e.detail)).toEqual(['link record']);
    expect(p.send({ type: 'acknowledge' }).accepted).toBe(true);
    expect(p.fw.alarms.entries).toEqual([]);
    expect(p.send({ type: 'program', prescription: SEED_PRESCRIPTION })).toEqual({ accepted: true, mode: 'ready' });
  });

  it('PUMP-STORAGE a damaged link record is damage (STORAGE_FAULT), never a counter back at 0: every frame is refused until the device is re-keyed', () => {
    const p = readyPump();
    p.fw.powerOff();
    p.hal.flash.erase(NV_LAYOUT.link);
    const damaged = bootOn(p.hal.flash);
    expect(damaged.fw.alarms.entries.map((e) => e.code)).toContain('STORAGE_FAULT');
    expect(damaged.send({ type: 'stop' }).accepted).toBe(false);
    expect(lastLog(damaged).detail?.startsWith('noLink:')).toBe(true);
    damaged.fw.powerOff();
    expect(rekeyLink(p.hal.flash, TEST_UNIT.keyId).ok).toBe(true);
    const rekeyed = bootOn(p.hal.flash);
    expect(rekeyed.hal.logEntries.some((e) => e.code === 'LINK_REFUSED')).toBe(false);
    expect(rekeyed.send({ type: 'acknowledge' }).accepted).toBe(true);
  });
});
