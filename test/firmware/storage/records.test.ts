/**
 * The stored records' payloads, field by field: every record reads back as written, and a payload
 * whose length, enumeration, flag or number is not one the encoder writes is refused with a reason
 * naming the field — never decoded into a state, a plan, a safety record or a link counter that no
 * write left.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALARM_CODES } from '../../../firmware/alarms.ts';
import type { AlarmCode } from '../../../firmware/alarms.ts';
import type { Ledger, PhaseKind } from '../../../firmware/ledger.ts';
import { RESUME_POINTS, THERAPY_POINTS } from '../../../firmware/machine.ts';
import type { StoredSafety, StoredState } from '../../../firmware/storage/records.ts';
import {
  NO_SAFETY, decodeDevice, decodeLink, decodePlan, decodeSafety, decodeState, encodeDevice, encodeLink, encodePlan, encodeSafety, encodeState,
} from '../../../firmware/storage/records.ts';
import { checkProperty } from '../../support/fc.ts';
import { SEED_PRESCRIPTION } from '../../support/prescription.ts';

const DAY_MS = 86_400_000;
const MAX_STORED_MS = 366 * DAY_MS;
const MAX_STORED_FILL_UL = 1_000_000;

/** A state some run could have written: an infusion two thirds done. */
const STATE: StoredState = {
  planId: 3,
  ledger: {
    primeStrokes: 700, infusionStrokes: 2000, flushStrokes: 0, phaseKind: 'infuse', phaseTotalStrokes: 3000,
    phaseDurationMs: 14 * DAY_MS, phaseElapsedMs: 9 * DAY_MS, phaseDeliveredStrokes: 2000, reservoirFillUl: 30_000, creditCarryNl: 0,
  },
  resumePoint: 'infusing',
  therapyPoint: 'infusing',
  connected: true,
};

/** `STATE` with some ledger fields replaced, encoded as the store writes it (a copy of the bytes). */
function stateBytes(ledger: Partial<Ledger> = {}, rest: Partial<StoredState> = {}): Uint8Array {
  return encodeState({ ...STATE, ...rest, ledger: { ...STATE.ledger, ...ledger } }).slice();
}

function refusalOf(decoded: { ok: boolean; reason?: string }): string {
  expect(decoded.ok).toBe(false);
  return decoded.reason as string;
}

const stateArb: fc.Arbitrary<StoredState> = fc
  .record({
    planId: fc.integer({ min: 0, max: 0xffffffff }),
    primeStrokes: fc.integer({ min: 0, max: 100_000 }),
    infusionStrokes: fc.integer({ min: 0, max: 100_000 }),
    flushStrokes: fc.integer({ min: 0, max: 100_000 }),
    phaseKind: fc.constantFrom<PhaseKind>('none', 'prime', 'infuse', 'flush'),
    total: fc.integer({ min: 0, max: 200_000 }),
    deliveredShare: fc.double({ min: 0, max: 1, noNaN: true }),
    durationMs: fc.double({ min: 0, max: MAX_STORED_MS, noNaN: true }),
    elapsedShare: fc.double({ min: 0, max: 1, noNaN: true }),
    reservoirFillUl: fc.double({ min: 0, max: MAX_STORED_FILL_UL, noNaN: true }),
    creditCarryNl: fc.integer({ min: 0, max: 9_999 }),
    resumePoint: fc.constantFrom(...RESUME_POINTS),
    therapyPoint: fc.constantFrom(...THERAPY_POINTS),
    connected: fc.boolean(),
  })
  .map((x): StoredState => {
    const counted = { none: 0, prime: x.primeStrokes, infuse: x.infusionStrokes, flush: x.flushStrokes }[x.phaseKind];
    const idle = x.phaseKind === 'none';
    const delivered = idle ? 0 : Math.floor(Math.min(x.total, counted) * x.deliveredShare);
    const durationMs = idle ? 0 : x.durationMs;
    return {
      planId: x.planId,
      ledger: {
        primeStrokes: x.primeStrokes, infusionStrokes: x.infusionStrokes, flushStrokes: x.flushStrokes, phaseKind: x.phaseKind,
        phaseTotalStrokes: idle ? 0 : x.total, phaseDeliveredStrokes: delivered, phaseDurationMs: durationMs,
        phaseElapsedMs: Math.min(durationMs, durationMs * x.elapsedShare), reservoirFillUl: x.reservoirFillUl, creditCarryNl: idle ? 0 : x.creditCarryNl,
      },
      resumePoint: x.resumePoint,
      therapyPoint: x.therapyPoint,
      connected: x.connected,
    };
  });

describe('the state record', () => {
  it('PUMP-STORAGE any state a run can write reads back exactly as written', () => {
    checkProperty(
      fc.property(stateArb, (s) => {
        expect(decodeState(encodeState(s).slice())).toEqual({ ok: true, value: s });
      }),
      { seed: 16, numRuns: 200 },
    );
  });

  it('PUMP-STORAGE a payload one byte short or one byte long is refused as not the layout', () => {
    const bytes = stateBytes();
    expect(bytes.length).toBe(56);
    for (const wrong of [bytes.subarray(0, 55), Uint8Array.from([...bytes, 0]), new Uint8Array(0)]) {
      expect(refusalOf(decodeState(wrong))).toBe(`state payload is ${wrong.length} bytes, not the layout's`);
    }
  });

  it('PUMP-STORAGE an unknown phase, resume point or therapy point, or a connected flag other than 0 or 1, is refused naming the field', () => {
    const patched = (offset: number, value: number): Uint8Array => {
      const bytes = stateBytes();
      bytes[offset] = value;
      return bytes;
    };
    expect(refusalOf(decodeState(patched(16, 4)))).toBe('state.phaseKind is not a known phase');
    expect(refusalOf(decodeState(patched(17, RESUME_POINTS.length)))).toBe('state.resumePoint is not a known resume point');
    expect(refusalOf(decodeState(patched(18, THERAPY_POINTS.length)))).toBe('state.therapyPoint is not a known therapy point');
    expect(refusalOf(decodeState(patched(19, 2)))).toBe('state.connected = 2 is neither 0 nor 1');
    expect(decodeState(patched(19, 0))).toMatchObject({ ok: true, value: { connected: false } });
    expect(decodeState(patched(19, 1))).toMatchObject({ ok: true, value: { connected: true } });
    expect(decodeState(patched(18, THERAPY_POINTS.length - 1))).toMatchObject({ ok: true, value: { therapyPoint: THERAPY_POINTS.at(-1) } });
    expect(decodeState(patched(17, RESUME_POINTS.length - 1))).toMatchObject({ ok: true, value: { resumePoint: RESUME_POINTS.at(-1) } });
  });

  it('PUMP-STORAGE a duration, an elapsed time or a fill that is not finite, negative or beyond its bound is refused naming the field; the bounds themselves are kept', () => {
    for (const v of [NaN, Infinity, -Infinity, -1e-9, MAX_STORED_MS + 1]) {
      expect(refusalOf(decodeState(stateBytes({ phaseDurationMs: v, phaseElapsedMs: 0 })))).toBe(`state.phaseDurationMs = ${v} is outside 0–${MAX_STORED_MS} ms`);
      expect(refusalOf(decodeState(stateBytes({ phaseElapsedMs: v })))).toBe(`state.phaseElapsedMs = ${v} is outside 0–${MAX_STORED_MS} ms`);
    }
    for (const v of [NaN, Infinity, -Infinity, -1e-9, MAX_STORED_FILL_UL + 1e-6]) {
      expect(refusalOf(decodeState(stateBytes({ reservoirFillUl: v })))).toBe(`state.reservoirFillUl = ${v} is outside 0–${MAX_STORED_FILL_UL} µL`);
    }
    for (const ledger of [{ phaseDurationMs: MAX_STORED_MS, phaseElapsedMs: MAX_STORED_MS }, { phaseElapsedMs: 0 }, { reservoirFillUl: 0 }, { reservoirFillUl: MAX_STORED_FILL_UL }]) {
      expect(decodeState(stateBytes(ledger))).toEqual({ ok: true, value: { ...STATE, ledger: { ...STATE.ledger, ...ledger } } });
    }
  });

  it('PUMP-STORAGE a phase delivered beyond its total or its counted strokes, or elapsed beyond its duration, is refused; equal is kept', () => {
    expect(refusalOf(decodeState(stateBytes({ phaseDeliveredStrokes: 3001, infusionStrokes: 5000 })))).toBe("state.phaseDeliveredStrokes = 3001 exceeds the phase's 3000");
    expect(decodeState(stateBytes({ phaseDeliveredStrokes: 3000, infusionStrokes: 3000 })).ok).toBe(true);
    expect(refusalOf(decodeState(stateBytes({ phaseElapsedMs: 14 * DAY_MS + 1 })))).toBe(`state.phaseElapsedMs = ${14 * DAY_MS + 1} exceeds the phase's ${14 * DAY_MS} ms`);
    expect(decodeState(stateBytes({ phaseElapsedMs: 14 * DAY_MS })).ok).toBe(true);
    // Each phase is held to its own counter, and only to its own.
    const counters = { prime: 'primeStrokes', infuse: 'infusionStrokes', flush: 'flushStrokes' } as const;
    for (const [phase, counter] of Object.entries(counters) as [Exclude<PhaseKind, 'none'>, keyof Ledger][]) {
      const others = { primeStrokes: 5000, infusionStrokes: 5000, flushStrokes: 5000 };
      const over = stateBytes({ ...others, phaseKind: phase, phaseDeliveredStrokes: 100, [counter]: 99 });
      expect(refusalOf(decodeState(over)), phase).toBe(`state.phaseDeliveredStrokes = 100 exceeds the ${phase} strokes counted (99)`);
      expect(decodeState(stateBytes({ primeStrokes: 0, infusionStrokes: 0, flushStrokes: 0, phaseKind: phase, phaseDeliveredStrokes: 100, [counter]: 100 })).ok, phase).toBe(true);
    }
  });

  it('PUMP-STORAGE with no phase under way, any phase figure set is refused', () => {
    const idle = { phaseKind: 'none' as const, phaseTotalStrokes: 0, phaseDeliveredStrokes: 0, phaseDurationMs: 0, phaseElapsedMs: 0 };
    expect(decodeState(stateBytes(idle)).ok).toBe(true);
    for (const set of [{ phaseTotalStrokes: 1 }, { phaseTotalStrokes: 1, phaseDeliveredStrokes: 1 }, { phaseDurationMs: 1 }, { phaseDurationMs: 1, phaseElapsedMs: 1 }]) {
      expect(refusalOf(decodeState(stateBytes({ ...idle, ...set }))), JSON.stringify(set)).toBe('state: no phase under way, yet phase figures are set');
    }
  });
});

describe('the plan record', () => {
  const rx = SEED_PRESCRIPTION;

  it('PUMP-STORAGE a programme reads back as entered: the patient’s optional height and BSA only when given, the soft-limit confirmation', () => {
    const patients = [{ weightKg: 70, heightCm: 170 }, { weightKg: 70, bsaM2: 1.8 }, { weightKg: 70, heightCm: 170, bsaM2: 1.8 }, { weightKg: 70 }];
    for (const patient of patients) {
      for (const confirmSoftLimits of [false, true]) {
        const prescription = { ...rx, patient };
        const decoded = decodePlan(encodePlan({ planId: 7, prescription, confirmSoftLimits }));
        expect(decoded).toStrictEqual({ ok: true, value: { planId: 7, prescription, confirmSoftLimits } });
      }
    }
  });

  it('PUMP-STORAGE a plan with planId 0, unknown flag bits or the wrong length is refused', () => {
    expect(refusalOf(decodePlan(encodePlan({ planId: 0, prescription: rx, confirmSoftLimits: false })))).toBe('plan.planId is 0, which names no programme');
    const bytes = encodePlan({ planId: 1, prescription: rx, confirmSoftLimits: false });
    for (const bit of [8, 16, 128]) {
      const flagged = bytes.slice();
      flagged[4] = (flagged[4] as number) | bit;
      expect(refusalOf(decodePlan(flagged))).toBe(`plan flags 0x${(flagged[4] as number).toString(16)} hold unknown bits`);
    }
    for (const wrong of [bytes.subarray(0, bytes.length - 1), Uint8Array.from([...bytes, 0])]) {
      expect(refusalOf(decodePlan(wrong))).toBe(`plan payload is ${wrong.length} bytes, not the layout's`);
    }
  });
});

const alarmCodeArb = fc.constantFrom(...ALARM_CODES);
const timeArb = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e12, noNaN: true }));
const safetyArb: fc.Arbitrary<StoredSafety> = fc.record({
  latched: fc.array(fc.record({ code: alarmCodeArb, onsetMs: timeArb, conditionActive: fc.boolean(), acknowledged: fc.boolean() }), { maxLength: 32 }),
  stoppedBy: fc.option(alarmCodeArb, { nil: null }),
  restarts: fc.array(fc.record({ code: alarmCodeArb, atMs: timeArb }), { maxLength: 32 }),
  restartLockout: fc.boolean(),
});

describe('the safety record', () => {
  it('PUMP-STORAGE latched alarms, their acknowledgement, the stopping alarm, the restarts and the lockout read back as written', () => {
    checkProperty(
      fc.property(safetyArb, (s) => {
        expect(decodeSafety(encodeSafety(s))).toEqual({ ok: true, value: s });
      }),
      { seed: 17, numRuns: 200 },
    );
    expect(decodeSafety(encodeSafety(NO_SAFETY))).toEqual({ ok: true, value: NO_SAFETY });
  });

  it('PUMP-STORAGE more than 32 restarts or latched alarms keep the newest restarts and the first alarms', () => {
    const restarts = Array.from({ length: 40 }, (_, i) => ({ code: 'OCCLUSION' as AlarmCode, atMs: i }));
    const latched = Array.from({ length: 40 }, (_, i) => ({ code: 'MOTOR_STALL' as AlarmCode, onsetMs: i, conditionActive: false, acknowledged: true }));
    const decoded = decodeSafety(encodeSafety({ ...NO_SAFETY, restarts, latched }));
    expect(decoded).toEqual({ ok: true, value: { ...NO_SAFETY, restarts: restarts.slice(-32), latched: latched.slice(0, 32) } });
  });

  /** The safety payload built byte by byte: flags, stoppedBy, restarts, latched (u8 code, f64 time[, u8 bits]). */
  function safetyPayload(parts: { flags?: number; stoppedBy?: number; restarts?: [number, number][]; latched?: [number, number, number][]; trailing?: number[]; restartCount?: number; latchedCount?: number }): Uint8Array {
    const out: number[] = [parts.flags ?? 0, parts.stoppedBy ?? 255];
    const f64 = (v: number): number[] => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, true);
      return [...b];
    };
    const restarts = parts.restarts ?? [];
    out.push(parts.restartCount ?? restarts.length);
    for (const [code, atMs] of restarts) out.push(code, ...f64(atMs));
    const latched = parts.latched ?? [];
    out.push(parts.latchedCount ?? latched.length);
    for (const [code, onsetMs, bits] of latched) out.push(code, ...f64(onsetMs), bits);
    out.push(...(parts.trailing ?? []));
    return Uint8Array.from(out);
  }

  it('PUMP-STORAGE unknown flag bits, an unknown alarm code, a bad time, too many entries or a trailing byte are refused naming the field', () => {
    const last = ALARM_CODES.length - 1;
    expect(decodeSafety(safetyPayload({ flags: 1, stoppedBy: last, restarts: [[last, 0]], latched: [[last, 0, 3]] }))).toEqual({
      ok: true,
      value: { restartLockout: true, stoppedBy: ALARM_CODES[last], restarts: [{ code: ALARM_CODES[last], atMs: 0 }], latched: [{ code: ALARM_CODES[last], onsetMs: 0, conditionActive: true, acknowledged: true }] },
    });
    expect(decodeSafety(safetyPayload({ latched: [[0, 5, 1], [0, 6, 2]] }))).toMatchObject({
      ok: true,
      value: { latched: [{ conditionActive: true, acknowledged: false }, { conditionActive: false, acknowledged: true }] },
    });
    expect(refusalOf(decodeSafety(safetyPayload({ flags: 2 })))).toBe('safety flags 0x2 hold unknown bits');
    expect(refusalOf(decodeSafety(safetyPayload({ stoppedBy: ALARM_CODES.length })))).toBe(`safety.stoppedBy = ${ALARM_CODES.length} is not an alarm code`);
    for (const [code, atMs] of [[ALARM_CODES.length, 0], [0, -1], [0, NaN], [0, Infinity]] as [number, number][]) {
      expect(refusalOf(decodeSafety(safetyPayload({ restarts: [[0, 1], [code, atMs]] })))).toBe('safety.restarts[1] is not an alarm code and time');
    }
    for (const [code, onsetMs, bits] of [[ALARM_CODES.length, 0, 0], [0, -1, 0], [0, NaN, 0], [0, Infinity, 0], [0, 0, 4]] as [number, number, number][]) {
      expect(refusalOf(decodeSafety(safetyPayload({ latched: [[0, 1, 0], [code, onsetMs, bits]] })))).toBe('safety.latched[1] is not an alarm code, onset and flags');
    }
    expect(refusalOf(decodeSafety(safetyPayload({ restartCount: 33 })))).toBe('safety.restarts holds 33 entries, more than 32');
    expect(refusalOf(decodeSafety(safetyPayload({ latchedCount: 33 })))).toBe('safety.latched holds 33 entries, more than 32');
    const trailing = safetyPayload({ trailing: [0] });
    expect(refusalOf(decodeSafety(trailing))).toBe(`safety payload is ${trailing.length} bytes, not the layout's`);
    expect(refusalOf(decodeSafety(new Uint8Array(0)))).toBe("safety payload is 0 bytes, not the layout's");
  });
});

describe('the device and link records', () => {
  it('PUMP-STORAGE the serial number reads back (cut at 32 bytes); an empty, malformed or overlong serial payload is refused', () => {
    expect(decodeDevice(encodeDevice({ serialNumber: 'PUMPSIM-0001' }))).toEqual({ ok: true, value: { serialNumber: 'PUMPSIM-0001' } });
    expect(decodeDevice(encodeDevice({ serialNumber: 'S'.repeat(40) }))).toEqual({ ok: true, value: { serialNumber: 'S'.repeat(32) } });
    const refused = 'device.serialNumber is not a stored serial number';
    for (const payload of [encodeDevice({ serialNumber: '' }), Uint8Array.from([2, 0xc3, 0x28]), Uint8Array.from([...encodeDevice({ serialNumber: 'A' }), 0]), Uint8Array.from([5, 65])]) {
      expect(refusalOf(decodeDevice(payload))).toBe(refused);
    }
  });

  it('PUMP-STORAGE the link record reads back for key ids 1–254; key id 0 or 255, or the wrong length, is refused', () => {
    for (const keyId of [1, 254]) expect(decodeLink(encodeLink({ keyId, lastCounter: 0xfffffffe }))).toEqual({ ok: true, value: { keyId, lastCounter: 0xfffffffe } });
    for (const keyId of [0, 255]) expect(refusalOf(decodeLink(encodeLink({ keyId, lastCounter: 1 })))).toBe(`link.keyId = ${keyId} is outside 1–254`);
    const bytes = encodeLink({ keyId: 1, lastCounter: 1 });
    expect(bytes.length).toBe(5);
    for (const wrong of [bytes.subarray(0, 4), Uint8Array.from([...bytes, 0])]) expect(refusalOf(decodeLink(wrong))).toBe(`link payload is ${wrong.length} bytes, not the layout's`);
  });
});
