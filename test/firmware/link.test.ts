/**
 * The command link at the firmware's external entry (`Firmware.receiveFrame`): frames parsed
 * defensively, authenticated by the secure element, addressed, ordered, persisted before acting,
 * and the lock after repeated refusals. Every refusal must leave the pump and its therapy records
 * exactly as they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PumpCommand } from '../../firmware/index.ts';
import { Firmware, LINK_FRAME_MAX_BYTES, LINK_LOCK, NV_LAYOUT, SELF_TEST_DURATION_MS, encodeLinkFrameBody, parseLinkFrame, rekeyLink, withTag } from '../../firmware/index.ts';
import type { LinkFrameFields } from '../../firmware/index.ts';
import { LINK_REFUSALS, LinkGuard } from '../../firmware/link/link.ts';
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

/** A frame's bytes with a tag of 16 bytes of `tagByte` (the parser does not authenticate). */
function framed(f: Partial<LinkFrameFields> = {}, tagByte = 0xee): Uint8Array {
  return withTag(encodeLinkFrameBody({ keyId: 1, counter: 1, deviceId: 'PUMP-1', payload: '{"type":"stop"}', ...f }), new Uint8Array(16).fill(tagByte));
}

/** `bytes` with byte `at` set to `value`. */
function patched(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] = value;
  return out;
}

describe('the frame parser, field by field', () => {
  it('PUMP-LINK-AUTH a frame parses into its fields, the signed bytes before the tag and the tag, at the edges of every range', () => {
    const cases: LinkFrameFields[] = [
      { keyId: 1, counter: 1, deviceId: 'D', payload: '1' },
      { keyId: 254, counter: 0xffffffff, deviceId: 'é'.repeat(16), payload: 'x'.repeat(512) },
      { keyId: 7, counter: 0x80000001, deviceId: 'PUMPSIM-0001', payload: '{"type":"prime","n":"€"}' },
    ];
    for (const fields of cases) {
      const body = encodeLinkFrameBody(fields);
      const tag = Uint8Array.from({ length: 16 }, (_, i) => i);
      const bytes = withTag(body, tag);
      expect(bytes.length).toBe(body.length + 16);
      expect(parseLinkFrame(bytes)).toEqual({ ok: true, frame: { ...fields, signed: body, tag } });
    }
    // The layout: magic "LK", version 1, key id, counter (little-endian), device id length and bytes, payload length (little-endian) and bytes.
    expect([...encodeLinkFrameBody({ keyId: 3, counter: 0x01020304, deviceId: 'AB', payload: 'x'.repeat(258) }).subarray(0, 15)]).toEqual([0x4c, 0x4b, 1, 3, 4, 3, 2, 1, 2, 0x41, 0x42, 2, 1, 0x78, 0x78]);
    expect(framed({}).length).toBeLessThanOrEqual(LINK_FRAME_MAX_BYTES);
    expect(framed({ deviceId: 'd'.repeat(32), payload: 'p'.repeat(512) }).length).toBe(LINK_FRAME_MAX_BYTES);
  });

  it('PUMP-LINK-AUTH each field out of its range is refused with its kind and a reason naming the field and the range', () => {
    const ok = framed();
    const idAt = 9;
    const payloadLengthAt = idAt + 'PUMP-1'.length;
    const refusals: [string, unknown, string, string][] = [
      ['a string', 'frame', 'malformed', 'the frame is not a byte array'],
      ['one byte too many', new Uint8Array(LINK_FRAME_MAX_BYTES + 1), 'oversized', `the frame is ${LINK_FRAME_MAX_BYTES + 1} bytes, longer than the ${LINK_FRAME_MAX_BYTES} the layout allows`],
      ['shorter than the header', ok.subarray(0, 8), 'truncated', 'the frame is 8 bytes, shorter than its 9-byte header'],
      ['another magic', patched(ok, 1, 0x4a), 'malformed', "magic 0x4a4c is not a link frame's (0x4b4c)"],
      ['another magic, low byte', patched(ok, 0, 0x4d), 'malformed', "magic 0x4b4d is not a link frame's (0x4b4c)"],
      ['version 2', patched(ok, 2, 2), 'malformed', 'frame version 2, expected 1'],
      ['key id 0', patched(ok, 3, 0), 'malformed', 'key id 0 is outside 1–254'],
      ['key id 255', patched(ok, 3, 255), 'malformed', 'key id 255 is outside 1–254'],
      ['counter 0', framed({ counter: 0 }), 'malformed', 'counter 0 is never sent (counters start at 1)'],
      ['a device id of 0 bytes', patched(ok, 8, 0), 'malformed', 'device id length 0 is outside 1–32'],
      ['a device id of 33 bytes', patched(ok, 8, 33), 'malformed', 'device id length 33 is outside 1–32'],
      ['just the header', ok.subarray(0, 9), 'truncated', 'the frame ends inside its device id or payload length (9 bytes)'],
      ['the end inside the payload length', ok.subarray(0, payloadLengthAt + 1), 'truncated', `the frame ends inside its device id or payload length (${payloadLengthAt + 1} bytes)`],
      ['the end after the payload length', ok.subarray(0, payloadLengthAt + 2), 'truncated', `the frame is ${payloadLengthAt + 2} bytes, shorter than the ${ok.length} its lengths say`],
      ['a payload of 0 bytes', patched(patched(ok, payloadLengthAt, 0), payloadLengthAt + 1, 0), 'malformed', 'payload length 0 is outside 1–512'],
      ['a payload of 513 bytes', patched(patched(ok, payloadLengthAt, 1), payloadLengthAt + 1, 2), 'malformed', 'payload length 513 is outside 1–512'],
      ['one byte short', ok.subarray(0, ok.length - 1), 'truncated', `the frame is ${ok.length - 1} bytes, shorter than the ${ok.length} its lengths say`],
      ['two bytes long', withTag(ok, new Uint8Array(2)), 'malformed', `the frame is ${ok.length + 2} bytes, 2 more than its lengths say`],
      ['a device id that is not UTF-8', patched(ok, idAt, 0xc3), 'malformed', 'the device id is not UTF-8'],
      ['a payload that is not UTF-8', patched(ok, payloadLengthAt + 2, 0xff), 'malformed', 'the payload is not UTF-8'],
    ];
    for (const [what, input, kind, reason] of refusals) expect(parseLinkFrame(input), what).toEqual({ ok: false, kind, reason });
    // The ranges' own edges parse.
    expect(parseLinkFrame(patched(ok, 3, 254))).toMatchObject({ ok: true, frame: { keyId: 254 } });
    expect(parseLinkFrame(framed({ deviceId: 'd'.repeat(32) }))).toMatchObject({ ok: true, frame: { deviceId: 'd'.repeat(32) } });
  });

  it('PUMP-LINK-AUTH a programmer asking for a key id, a counter or a payload outside the layout is told so (its own error, never the pump’s input)', () => {
    const base: LinkFrameFields = { keyId: 1, counter: 1, deviceId: 'D', payload: 'p' };
    expect(() => encodeLinkFrameBody({ ...base, keyId: 0 })).not.toThrow();
    expect(() => encodeLinkFrameBody({ ...base, keyId: 255, counter: 0xffffffff })).not.toThrow();
    expect(() => encodeLinkFrameBody({ ...base, counter: 0 })).not.toThrow();
    expect(() => encodeLinkFrameBody({ ...base, payload: 'p'.repeat(512) })).not.toThrow();
    for (const keyId of [-1, 256, 1.5, NaN]) expect(() => encodeLinkFrameBody({ ...base, keyId })).toThrow(`key id ${keyId} is not a byte`);
    for (const counter of [-1, 2 ** 32, 0.5, NaN]) expect(() => encodeLinkFrameBody({ ...base, counter })).toThrow(`counter ${counter} is not a u32`);
    expect(() => encodeLinkFrameBody({ ...base, payload: 'p'.repeat(513) })).toThrow('payload of 513 bytes is longer than 512');
    expect(() => encodeLinkFrameBody({ ...base, payload: '€'.repeat(171) })).toThrow('payload of 513 bytes is longer than 512');
  });
});

describe('the link guard on its own', () => {
  const DEVICE = 'PUMP-1';
  /** A secure element that verifies a tag of 16 bytes of 0xee under key ids 1–9. */
  const element = { verifyTag: (keyId: number, _message: Uint8Array, tag: Uint8Array): boolean => keyId < 10 && tag.length === 16 && tag.every((b) => b === 0xee) };
  const guard = (link: { keyId: number; lastCounter: number } | null = { keyId: 2, lastCounter: 10 }, deviceId: string | null = DEVICE): LinkGuard => new LinkGuard(element, deviceId, link);
  const refusalOf = (g: LinkGuard, input: unknown, nowMs = 0): string => {
    const a = g.admit(input, nowMs);
    return a.ok ? 'admitted' : a.refusal;
  };

  it('PUMP-LINK-AUTH checks in order: parse, link record, tag, device, key id, counter; the first that fails names the refusal', () => {
    const forged = (f: Partial<LinkFrameFields>): Uint8Array => framed({ keyId: 2, counter: 11, deviceId: DEVICE, ...f }, 0x11);
    const genuine = (f: Partial<LinkFrameFields>): Uint8Array => framed({ keyId: 2, counter: 11, deviceId: DEVICE, ...f });
    expect(refusalOf(guard(), new Uint8Array(3))).toBe('truncated');
    expect(guard(null).admit(genuine({}), 0)).toEqual({ ok: false, refusal: 'noLink', reason: 'the link record or the device identity is damaged: every frame is refused until the device is re-keyed' });
    expect(refusalOf(guard(undefined, null), genuine({}))).toBe('noLink');
    expect(refusalOf(guard(), forged({ deviceId: 'OTHER', counter: 1, keyId: 1 }))).toBe('badTag');
    expect(refusalOf(guard(), genuine({ deviceId: 'OTHER', counter: 1, keyId: 1 }))).toBe('wrongDevice');
    expect(refusalOf(guard(), genuine({ counter: 1, keyId: 1 }))).toBe('retiredKey');
    expect(refusalOf(guard(), genuine({ counter: 10 }))).toBe('staleCounter');
    expect(refusalOf(guard(), genuine({ counter: 11 }))).toBe('admitted');
    // A newer key is accepted (rotation), with any counter above the last.
    expect(refusalOf(guard(), genuine({ keyId: 3, counter: 11 }))).toBe('admitted');
    expect(guard().admit(genuine({ deviceId: 'X'.repeat(32) }), 0)).toMatchObject({ ok: false, refusal: 'wrongDevice', reason: `the frame is addressed to another device ("${'X'.repeat(32)}")` });
    expect(guard().admit(genuine({ keyId: 1 }), 0)).toMatchObject({ reason: 'key 1 is retired (key 2 is in use)' });
    expect(guard().admit(genuine({ counter: 9 }), 0)).toMatchObject({ reason: 'counter 9 is not above the last accepted 10 (replayed or reordered)' });
    expect(guard().admit(forged({}), 0)).toMatchObject({ reason: 'the tag does not verify under key 2 (forged or altered)' });
  });

  it('PUMP-LINK-AUTH the published list of refusals is exactly the refusals the guard gives', () => {
    const seen = new Set<string>();
    const inputs: unknown[] = ['x', new Uint8Array(LINK_FRAME_MAX_BYTES + 1), new Uint8Array(3), framed({ keyId: 2, counter: 11, deviceId: DEVICE }, 0x11), framed({ keyId: 2, counter: 11, deviceId: 'OTHER' }), framed({ keyId: 1, counter: 11, deviceId: DEVICE }), framed({ keyId: 2, counter: 1, deviceId: DEVICE })];
    for (const input of inputs) seen.add(refusalOf(guard(), input, 0));
    seen.add(refusalOf(guard(null), framed({ keyId: 2, counter: 11, deviceId: DEVICE }), 0));
    const g = guard();
    for (let i = 0; i < LINK_LOCK.refusals; i++) g.admit('x', 0);
    seen.add(refusalOf(g, framed({ keyId: 2, counter: 11, deviceId: DEVICE }), 0));
    expect([...seen].sort()).toEqual([...LINK_REFUSALS].sort());
  });

  it('PUMP-LINK-AUTH an accepted frame’s counter is the last accepted from then on, and the state to store is its key id and counter', () => {
    const g = guard();
    const admitted = g.admit(framed({ keyId: 3, counter: 20, deviceId: DEVICE }), 0);
    expect(admitted.ok).toBe(true);
    if (!admitted.ok) return;
    expect(g.linkAfter(admitted.frame)).toEqual({ keyId: 3, lastCounter: 20 });
    // Admitted but not yet accepted (its counter not yet in flash): a frame under the old state still passes.
    expect(refusalOf(g, framed({ keyId: 2, counter: 11, deviceId: DEVICE }))).toBe('admitted');
    g.accepted(admitted.frame);
    expect(refusalOf(g, framed({ keyId: 3, counter: 20, deviceId: DEVICE }))).toBe('staleCounter');
    expect(refusalOf(g, framed({ keyId: 2, counter: 21, deviceId: DEVICE }))).toBe('retiredKey');
    expect(refusalOf(g, framed({ keyId: 3, counter: 21, deviceId: DEVICE }))).toBe('admitted');
  });

  it(`PUMP-LINK-AUTH the ${LINK_LOCK.refusals}th refusal within ${LINK_LOCK.windowMs / 60_000} min locks the link for ${LINK_LOCK.lockMs / 60_000} min, to the millisecond; refusals while locked do not extend it`, () => {
    const junk = new Uint8Array(3);
    const good = (counter: number): Uint8Array => framed({ keyId: 2, counter, deviceId: DEVICE });
    for (const [spanMs, locks] of [[LINK_LOCK.windowMs, true], [LINK_LOCK.windowMs + 1, false]] as const) {
      const g = guard();
      for (let i = 0; i < LINK_LOCK.refusals; i++) {
        expect(g.locked).toBe(false);
        g.admit(junk, (spanMs * i) / (LINK_LOCK.refusals - 1));
      }
      expect(g.locked, `${LINK_LOCK.refusals} refusals over ${spanMs} ms`).toBe(locks);
    }
    const g = guard();
    for (let i = 0; i < LINK_LOCK.refusals; i++) g.admit(junk, 1000 * i);
    const lockedAtMs = 1000 * (LINK_LOCK.refusals - 1);
    const until = lockedAtMs + LINK_LOCK.lockMs;
    expect(g.admit(good(11), lockedAtMs + 1)).toEqual({ ok: false, refusal: 'locked', reason: `the link is locked after repeated refused frames until ${Math.round(until / 1000)} s` });
    for (let i = 0; i < 10; i++) g.admit(junk, lockedAtMs + 2 + i);
    expect(g.expireLock(until - 1)).toBe(false);
    expect(g.locked).toBe(true);
    expect(g.expireLock(until)).toBe(true);
    expect(g.expireLock(until)).toBe(false);
    expect(g.locked).toBe(false);
    expect(refusalOf(g, good(11), until)).toBe('admitted');
    // The refusals before the lock are forgotten: it takes a full count again.
    for (let i = 0; i < LINK_LOCK.refusals - 1; i++) g.admit(junk, until + i);
    expect(g.locked).toBe(false);
    g.admit(junk, until + LINK_LOCK.refusals);
    expect(g.locked).toBe(true);
    expect(guard().expireLock(0)).toBe(false);
  });

  it('PUMP-LINK-AUTH only the latest refusals count: old ones slide out of the window', () => {
    const g = guard();
    const junk = new Uint8Array(3);
    // Ten refusals three minutes apart: any five span twelve minutes, more than the window.
    for (let i = 0; i < 10; i++) g.admit(junk, i * 180_000);
    expect(g.locked).toBe(false);
    // Then four quick ones: with the last slow one they make five within the window.
    for (let i = 0; i < 4; i++) g.admit(junk, 9 * 180_000 + 1000 * (i + 1));
    expect(g.locked).toBe(true);
  });
});
