/**
 * The alarm table's rules (IEC 60601-1-8 vocabulary, GPCA latching, GIP 3.2.1 audio pause) as
 * examples, and a property over random condition/acknowledge/time sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlarmCode, AlarmState } from '../../firmware/alarms.ts';
import {
  ALARM_CODES,
  ALARM_INPUT_BIT,
  ALARM_INPUT_GROUPS,
  ALARM_RULE_BY_CODE,
  ALARM_TABLE,
  ALL_ALARM_INPUTS,
  AUDIO_PAUSE_MS,
  NO_ALARMS,
  acknowledgeAlarms,
  alarmStep,
  cancelAudioPause,
  changedAlarmInputs,
  conditionMask,
  deliveryInhibited,
  isAudible,
  pauseAudio,
  signalOwner,
} from '../../firmware/alarms.ts';
import type { DetectorState } from '../../firmware/detectors/index.ts';
import { INITIAL_DETECTORS } from '../../firmware/detectors/index.ts';
import { THRESHOLDS } from '../../firmware/detectors/thresholds.ts';
import { checkProperty } from '../support/fc.ts';

/** The detector evidence that makes each alarm's condition true (and, alone, no other). */
const CONDITION_ON: Record<AlarmCode, (d: DetectorState) => DetectorState> = {
  OCCLUSION: (d) => ({ ...d, arterial: { ...d.arterial, occlusionSuspected: true } }),
  CATHETER_DISPLACEMENT: (d) => ({ ...d, arterial: { ...d.arterial, lossOfArterialSignalMs: THRESHOLDS.displacementConfirmMs } }),
  OVER_INFUSION: (d) => ({ ...d, flowVerdict: { ...d.flowVerdict, overInfusion: true } }),
  UNDER_INFUSION: (d) => ({ ...d, flowVerdict: { ...d.flowVerdict, underInfusion: true } }),
  MOTOR_STALL: (d) => ({ ...d, drive: { ...d.drive, missedStrokes: THRESHOLDS.stallMissedStrokes } }),
  RESERVOIR_LOW: (d) => ({ ...d, reservoir: { ...d.reservoir, shortfallUl: 1 } }),
  RESERVOIR_EMPTY: (d) => ({ ...d, reservoir: { ...d.reservoir, emptyCount: THRESHOLDS.reservoirEmptySamples } }),
  RESERVOIR_MISMATCH: (d) => ({ ...d, reservoir: { ...d.reservoir, mismatchUl: THRESHOLDS.reservoirMismatchUl + 1 } }),
  SENSOR_FAULT: (d) => ({ ...d, health: { ...d.health, sensorFaultMs: THRESHOLDS.sensorFaultConfirmMs } }),
  SENSOR_DEGRADED: (d) => ({ ...d, health: { ...d.health, flowFaulty: true } }),
  BATTERY_LOW: (d) => ({ ...d, health: { ...d.health, batteryPercent: THRESHOLDS.batteryLowPercent } }),
  BATTERY_DEPLETED: (d) => ({ ...d, health: { ...d.health, batteryPercent: THRESHOLDS.batteryDepletedPercent } }),
  REPEATED_ALARM: (d) => ({ ...d, health: { ...d.health, repeatedRestartLockout: true } }),
  BATTERY_MONITOR_FAULT: (d) => ({ ...d, health: { ...d.health, batteryMonitorFaulty: true } }),
  STORAGE_FAULT: (d) => ({ ...d, health: { ...d.health, storageFault: true } }),
  SECURITY_ALERT: (d) => ({ ...d, health: { ...d.health, linkLocked: true } }),
  SYSTEM_FAULT: (d) => ({ ...d, health: { ...d.health, selfCheckFailed: true } }),
  AIR_IN_LINE: (d) => ({ ...d, health: { ...d.health, airInLine: true } }),
  FREE_FLOW: (d) => ({ ...d, health: { ...d.health, idleFlowReads: THRESHOLDS.freeFlowReads } }),
  WATCHDOG: (d) => ({ ...d, health: { ...d.health, watchdogReset: true } }),
  PAUSED_TOO_LONG: (d) => ({ ...d, health: { ...d.health, pausedTooLong: true } }),
  PRIMED_NOT_STARTED: (d) => ({ ...d, health: { ...d.health, primedNotStarted: true } }),
  DRUG_LIBRARY_INVALID: (d) => ({ ...d, health: { ...d.health, libraryInvalid: true } }),
  OVER_TEMPERATURE: (d) => ({ ...d, health: { ...d.health, overTemperature: true } }),
  UPSTREAM_OCCLUSION: (d) => ({ ...d, flowVerdict: { ...d.flowVerdict, noFlow: true } }),
};

/** Detectors with the given conditions on. BATTERY_DEPLETED wins over BATTERY_LOW (one battery). */
function detectors(...on: readonly AlarmCode[]): DetectorState {
  let d: DetectorState = INITIAL_DETECTORS;
  for (const code of ALARM_CODES) if (on.includes(code) && !(code === 'BATTERY_LOW' && on.includes('BATTERY_DEPLETED'))) d = CONDITION_ON[code](d);
  return d;
}

/** The masks `AlarmState` keeps beside its entries, recomputed from the entries. */
function masksOf(state: AlarmState): { presentMask: number; activeMask: number } {
  let presentMask = 0;
  let activeMask = 0;
  for (const e of state.entries) {
    const bit = 1 << ALARM_TABLE.findIndex((r) => r.code === e.code);
    presentMask |= bit;
    if (e.conditionActive) activeMask |= bit;
  }
  return { presentMask, activeMask };
}

/** Runs `alarmStep` and returns the new state. */
function step(state: AlarmState, d: DetectorState, nowMs: number): AlarmState {
  return alarmStep(state, d, nowMs).state;
}

function codes(state: AlarmState): AlarmCode[] {
  return state.entries.map((e) => e.code);
}

const LATCHING = ALARM_TABLE.filter((r) => r.latching).map((r) => r.code);
const NON_LATCHING = ALARM_TABLE.filter((r) => !r.latching).map((r) => r.code);

describe('the test helper', () => {
  it('PUMP-ALARM-TABLE each condition override raises exactly its own alarm', () => {
    for (const code of ALARM_CODES) {
      const { change } = alarmStep(NO_ALARMS, detectors(code), 0);
      expect(change?.raised, code).toEqual([code]);
    }
    expect(alarmStep(NO_ALARMS, INITIAL_DETECTORS, 0).change).toBeNull();
  });
});

describe('signal ownership (IEC 60601-1-8: priority, then onset)', () => {
  it('PUMP-ALARM-PRIO the highest-priority present alarm owns the signal whatever the onset order', () => {
    let s = step(NO_ALARMS, detectors('UNDER_INFUSION'), 1000); // low
    expect(signalOwner(s)?.code).toBe('UNDER_INFUSION');
    s = step(s, detectors('UNDER_INFUSION', 'RESERVOIR_LOW'), 2000); // medium
    expect(signalOwner(s)?.code).toBe('RESERVOIR_LOW');
    s = step(s, detectors('UNDER_INFUSION', 'RESERVOIR_LOW', 'OCCLUSION'), 3000); // high
    expect(signalOwner(s)?.code).toBe('OCCLUSION');
    expect(codes(s)).toEqual(['UNDER_INFUSION', 'RESERVOIR_LOW', 'OCCLUSION']);
  });

  it('PUMP-ALARM-PRIO between alarms of equal priority the earliest onset owns the signal', () => {
    let s = step(NO_ALARMS, detectors('MOTOR_STALL'), 1000);
    s = step(s, detectors('MOTOR_STALL', 'OCCLUSION'), 2000);
    expect(signalOwner(s)?.code).toBe('MOTOR_STALL');
    // The table order of the codes does not matter: reverse onsets, reverse owner.
    let t = step(NO_ALARMS, detectors('OCCLUSION'), 1000);
    t = step(t, detectors('OCCLUSION', 'MOTOR_STALL'), 2000);
    expect(signalOwner(t)?.code).toBe('OCCLUSION');
  });

  it('PUMP-ALARM-PRIO the next alarm in line takes the signal when the owner clears', () => {
    let s = step(NO_ALARMS, detectors('RESERVOIR_LOW'), 1000);
    s = step(s, detectors('RESERVOIR_LOW', 'BATTERY_LOW'), 2000);
    s = step(s, detectors('RESERVOIR_LOW', 'BATTERY_LOW', 'UNDER_INFUSION'), 3000);
    expect(signalOwner(s)?.code).toBe('RESERVOIR_LOW');
    s = step(s, detectors('BATTERY_LOW', 'UNDER_INFUSION'), 4000);
    expect(signalOwner(s)?.code).toBe('BATTERY_LOW');
    expect(signalOwner(NO_ALARMS)).toBeNull();
  });

  it('PUMP-ALARM-PRIO the owner is the maximum of (priority, −onset) over every random set of alarms', () => {
    const rank = { high: 3, medium: 2, low: 1 } as const;
    checkProperty(
      fc.property(fc.uniqueArray(fc.constantFrom(...ALARM_CODES), { minLength: 1 }), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 12, maxLength: 12 }), (present, onsets) => {
        // Raise each alarm at its own instant, keeping the earlier ones on.
        const order = present.map((code, i) => ({ code, atMs: (onsets[i] ?? 0) * 1000 })).sort((a, b) => a.atMs - b.atMs);
        let s = NO_ALARMS;
        const on: AlarmCode[] = [];
        for (const { code, atMs } of order) {
          on.push(code);
          s = step(s, detectors(...on), atMs);
        }
        const owner = signalOwner(s);
        expect(owner).not.toBeNull();
        if (owner === null) return;
        for (const e of s.entries) {
          const a = rank[ALARM_RULE_BY_CODE[e.code].priority];
          const b = rank[ALARM_RULE_BY_CODE[owner.code].priority];
          expect(a > b || (a === b && e.onsetMs < owner.onsetMs), `${e.code} should not outrank ${owner.code}`).toBe(false);
        }
      }),
      { seed: 0x0a1a_0001, numRuns: 150 },
    );
  });
});

describe('latching (GPCA): a latched alarm clears only when acknowledged AND its condition is gone', () => {
  it('PUMP-ALARM-LATCH condition gone first, then acknowledge: it stays until the acknowledge', () => {
    let s = step(NO_ALARMS, detectors('OCCLUSION'), 1000);
    const r = alarmStep(s, INITIAL_DETECTORS, 2000);
    s = r.state;
    expect(r.change?.cleared).toEqual([]);
    expect(s.entries).toEqual([{ code: 'OCCLUSION', onsetMs: 1000, conditionActive: false, acknowledged: false }]);
    expect(deliveryInhibited(s)).toBe(true);
    // Time alone does not clear it.
    expect(step(s, INITIAL_DETECTORS, 10 * 3_600_000)).toBe(s);
    const ack = acknowledgeAlarms(s);
    expect(ack.cleared).toEqual(['OCCLUSION']);
    expect(ack.state.entries).toEqual([]);
    expect(deliveryInhibited(ack.state)).toBe(false);
  });

  it('PUMP-ALARM-LATCH acknowledge first, then condition gone: it stays until the condition goes', () => {
    let s = step(NO_ALARMS, detectors('MOTOR_STALL'), 1000);
    const ack = acknowledgeAlarms(s);
    expect(ack.cleared).toEqual([]);
    s = ack.state;
    expect(s.entries).toEqual([{ code: 'MOTOR_STALL', onsetMs: 1000, conditionActive: true, acknowledged: true }]);
    expect(deliveryInhibited(s)).toBe(true);
    expect(step(s, detectors('MOTOR_STALL'), 5000)).toBe(s);
    const r = alarmStep(s, INITIAL_DETECTORS, 6000);
    expect(r.change).toEqual({ raised: [], cleared: ['MOTOR_STALL'] });
    expect(r.state.entries).toEqual([]);
  });

  it('PUMP-ALARM-LATCH an acknowledgement does not carry over to the next occurrence of the condition', () => {
    let s = step(NO_ALARMS, detectors('OCCLUSION'), 1000);
    s = acknowledgeAlarms(s).state;
    s = step(s, INITIAL_DETECTORS, 2000); // cleared: acknowledged and gone
    s = step(s, detectors('OCCLUSION'), 3000); // a new occurrence
    expect(s.entries).toEqual([{ code: 'OCCLUSION', onsetMs: 3000, conditionActive: true, acknowledged: false }]);
    s = step(s, INITIAL_DETECTORS, 4000);
    expect(codes(s)).toEqual(['OCCLUSION']);
  });

  it('PUMP-ALARM-LATCH every latching row of the table behaves so', () => {
    for (const code of LATCHING) {
      let s = step(NO_ALARMS, detectors(code), 0);
      s = step(s, INITIAL_DETECTORS, 1000);
      expect(codes(s), code).toEqual([code]);
      expect(acknowledgeAlarms(s).state.entries, code).toEqual([]);
    }
  });

  it('PUMP-ALARM-NONLATCH a non-latching alarm clears as soon as its condition goes, without an acknowledge', () => {
    for (const code of NON_LATCHING) {
      const s = step(NO_ALARMS, detectors(code), 0);
      const r = alarmStep(s, INITIAL_DETECTORS, 1000);
      expect(r.change, code).toEqual({ raised: [], cleared: [code] });
      expect(r.state.entries, code).toEqual([]);
    }
  });

  it('PUMP-ALARM-NONLATCH acknowledging a non-latching alarm whose condition persists keeps it present', () => {
    const s = acknowledgeAlarms(step(NO_ALARMS, detectors('RESERVOIR_LOW'), 0)).state;
    expect(codes(s)).toEqual(['RESERVOIR_LOW']);
  });
});

describe('audio pause (GIP-3.2.1)', () => {
  it('GIP-3.2.1 audio pause silences the signal for at most 120 s, then it is audible again', () => {
    expect(AUDIO_PAUSE_MS).toBeLessThanOrEqual(120_000);
    const s = step(NO_ALARMS, detectors('OCCLUSION'), 0);
    expect(isAudible(s, 5000)).toBe(true);
    const paused = pauseAudio(s, 5000);
    expect(isAudible(paused, 5000)).toBe(false);
    expect(isAudible(paused, 5000 + AUDIO_PAUSE_MS - 1)).toBe(false);
    expect(isAudible(paused, 5000 + 120_000)).toBe(true);
    expect(isAudible(paused, 5000 + 3_600_000)).toBe(true);
  });

  it('GIP-3.2.1 audio pause keeps the alarms (the visual signal stays) and survives alarm steps', () => {
    let s = pauseAudio(step(NO_ALARMS, detectors('OCCLUSION'), 0), 1000);
    expect(codes(s)).toEqual(['OCCLUSION']);
    s = step(s, detectors('OCCLUSION', 'MOTOR_STALL'), 2000);
    expect(isAudible(s, 2000)).toBe(false);
    expect(isAudible(s, 121_000)).toBe(true);
  });

  it('GIP-3.2.1 a second audio pause re-arms 120 s from the second press, not longer', () => {
    const s = step(NO_ALARMS, detectors('OCCLUSION'), 0);
    const again = pauseAudio(pauseAudio(s, 0), 100_000);
    expect(isAudible(again, 219_999)).toBe(false);
    expect(isAudible(again, 220_000)).toBe(true);
  });
});

describe('audio pause and a newer, higher condition (IEC-60601-1-8-PAUSE-ESCALATION)', () => {
  const RANK = { high: 3, medium: 2, low: 1 } as const;
  const rankOf = (code: AlarmCode): number => RANK[ALARM_RULE_BY_CODE[code].priority];

  it('IEC-60601-1-8-PAUSE-ESCALATION a high alarm raised during the pause of a low one sounds at once', () => {
    const paused = pauseAudio(step(NO_ALARMS, detectors('UNDER_INFUSION'), 0), 1000);
    expect(isAudible(paused, 2000)).toBe(false);
    const s = step(paused, detectors('UNDER_INFUSION', 'OCCLUSION'), 2000);
    expect(signalOwner(s)?.code).toBe('OCCLUSION');
    expect(isAudible(s, 2000)).toBe(true);
  });

  it('IEC-60601-1-8-PAUSE-ESCALATION an alarm of the paused priority or lower stays silent until the pause runs out', () => {
    const paused = pauseAudio(step(NO_ALARMS, detectors('RESERVOIR_LOW'), 0), 1000);
    const same = step(paused, detectors('RESERVOIR_LOW', 'SENSOR_DEGRADED'), 2000); // medium
    expect(isAudible(same, 2000)).toBe(false);
    const lower = step(same, detectors('RESERVOIR_LOW', 'SENSOR_DEGRADED', 'BATTERY_LOW'), 3000); // low
    expect(isAudible(lower, 3000)).toBe(false);
    expect(isAudible(lower, 1000 + AUDIO_PAUSE_MS)).toBe(true);
  });

  it('IEC-60601-1-8-PAUSE-ESCALATION a pause never silences a newer condition of higher priority than every alarm present at the press', () => {
    const codeArb = fc.constantFrom(...ALARM_CODES);
    const action = fc.oneof(
      fc.record({ kind: fc.constant('conditions' as const), on: fc.subarray([...ALARM_CODES]) }),
      fc.record({ kind: fc.constant('pause' as const) }),
      fc.record({ kind: fc.constant('acknowledge' as const) }),
      fc.record({ kind: fc.constant('raise' as const), code: codeArb }),
    );
    checkProperty(
      fc.property(fc.array(fc.tuple(action, fc.integer({ min: 0, max: 60_000 })), { minLength: 1, maxLength: 40 }), (actions) => {
        let s = NO_ALARMS;
        let on: AlarmCode[] = [];
        let nowMs = 0;
        let pressedAtMs = -1;
        let pressedRank = 0;
        for (const [a, dtMs] of actions) {
          nowMs += dtMs;
          if (a.kind === 'pause') {
            if (s.entries.length === 0) continue;
            pressedAtMs = nowMs;
            pressedRank = Math.max(...s.entries.map((e) => rankOf(e.code)));
            s = pauseAudio(s, nowMs);
            continue;
          }
          if (a.kind === 'acknowledge') s = acknowledgeAlarms(s).state;
          else {
            on = a.kind === 'conditions' ? [...a.on] : on.includes(a.code) ? on : [...on, a.code];
            s = step(s, detectors(...on), nowMs);
          }
          const newer = s.entries.find((e) => pressedAtMs >= 0 && e.onsetMs > pressedAtMs && rankOf(e.code) > pressedRank);
          if (newer !== undefined) expect(isAudible(s, nowMs), `${newer.code} raised at ${newer.onsetMs} ms, pause pressed at ${pressedAtMs} ms`).toBe(true);
        }
      }),
      { seed: 0x0a0d_1e5c, numRuns: 200 },
    );
  });
});

describe('cancel pause (OPCA-R6.5.0-16)', () => {
  it('OPCA-R6.5.0-16 whatever alarms are present and whenever the pause was pressed, a cancel makes the signal audible at once and changes nothing else', () => {
    checkProperty(
      fc.property(fc.subarray([...ALARM_CODES], { minLength: 1 }), fc.integer({ min: 0, max: 10 * AUDIO_PAUSE_MS }), fc.integer({ min: 0, max: 2 * AUDIO_PAUSE_MS }), (on, pressedAtMs, afterMs) => {
        const present = step(NO_ALARMS, detectors(...on), 0);
        const paused = pauseAudio(present, pressedAtMs);
        const cancelled = cancelAudioPause(paused);
        expect(isAudible(cancelled, pressedAtMs + afterMs)).toBe(true);
        expect(cancelled.entries).toBe(paused.entries);
        expect(signalOwner(cancelled)).toBe(signalOwner(paused));
        // Without a pause there is nothing to cancel: the same state comes back.
        expect(cancelAudioPause(present)).toBe(present);
      }),
      { seed: 0x0ca2_ce15, numRuns: 200 },
    );
  });
});

describe('drive permission', () => {
  it('GIP-1.6.2 deliveryInhibited is true iff a present alarm’s drive action is not continue', () => {
    checkProperty(
      fc.property(fc.subarray([...ALARM_CODES]), fc.boolean(), (on, conditionGone) => {
        let s = step(NO_ALARMS, detectors(...on), 0);
        if (conditionGone) s = step(s, INITIAL_DETECTORS, 1000); // latched ones stay, the rest clear
        const expected = s.entries.some((e) => ALARM_RULE_BY_CODE[e.code].driveAction !== 'continue');
        expect(deliveryInhibited(s)).toBe(expected);
      }),
      { seed: 0x0d21_0e00, numRuns: 200 },
    );
  });

  it('GIP-1.5.5 low reservoir, under-infusion and low battery alone do not inhibit delivery; empty reservoir does', () => {
    expect(deliveryInhibited(step(NO_ALARMS, detectors('RESERVOIR_LOW', 'UNDER_INFUSION', 'BATTERY_LOW'), 0))).toBe(false);
    expect(deliveryInhibited(step(NO_ALARMS, detectors('RESERVOIR_EMPTY'), 0))).toBe(true);
    expect(deliveryInhibited(NO_ALARMS)).toBe(false);
  });
});

describe('alarmStep allocation', () => {
  it('PUMP-ALARM-QUIET alarmStep returns the identical state object when nothing changed', () => {
    const r0 = alarmStep(NO_ALARMS, INITIAL_DETECTORS, 0);
    expect(r0.state).toBe(NO_ALARMS);
    expect(r0.change).toBeNull();
    const s = step(NO_ALARMS, detectors('OCCLUSION', 'RESERVOIR_LOW'), 0);
    const r1 = alarmStep(s, detectors('OCCLUSION', 'RESERVOIR_LOW'), 60_000);
    expect(r1.state).toBe(s);
    expect(r1.change).toBeNull();
    const gone = step(s, detectors('RESERVOIR_LOW'), 61_000);
    const r2 = alarmStep(gone, detectors('RESERVOIR_LOW'), 62_000);
    expect(r2.state).toBe(gone);
    // Evidence that changes without changing any condition changes nothing either.
    const low = detectors('RESERVOIR_LOW');
    const r3 = alarmStep(gone, { ...low, reservoir: { ...low.reservoir, shortfallUl: 5000 }, arterial: { ...low.arterial, pulsePresent: true } }, 63_000);
    expect(r3.state).toBe(gone);
  });
});

type Op =
  | { readonly kind: 'conditions'; readonly on: readonly AlarmCode[] }
  | { readonly kind: 'acknowledge' }
  | { readonly kind: 'advance'; readonly ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.subarray([...ALARM_CODES], { maxLength: 4 }).map((on): Op => ({ kind: 'conditions', on })) },
  { weight: 2, arbitrary: fc.constant<Op>({ kind: 'acknowledge' }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 300_000 }).map((ms): Op => ({ kind: 'advance', ms })) },
);

describe('property: latching under random sequences', () => {
  it('OPCA-LATCH no latched alarm is ever cleared without an acknowledge after its onset, nor while its condition holds', () => {
    checkProperty(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        let s = NO_ALARMS;
        let d = INITIAL_DETECTORS;
        let nowMs = 0;
        /** Onset of each present alarm and whether an acknowledge happened since. */
        const ackedSinceOnset = new Map<AlarmCode, boolean>();
        for (const op of ops) {
          const before = s;
          let cleared: readonly AlarmCode[] = [];
          if (op.kind === 'acknowledge') {
            for (const e of s.entries) ackedSinceOnset.set(e.code, true);
            const r = acknowledgeAlarms(s);
            s = r.state;
            cleared = r.cleared;
          } else {
            if (op.kind === 'advance') nowMs += op.ms;
            else d = detectors(...op.on);
            const r = alarmStep(s, d, nowMs);
            s = r.state;
            cleared = r.change?.cleared ?? [];
            for (const code of r.change?.raised ?? []) ackedSinceOnset.set(code, false);
          }
          const present = new Set(codes(s));
          for (const e of before.entries) {
            if (present.has(e.code)) continue;
            expect(cleared, `${e.code} left without being reported cleared`).toContain(e.code);
            if (ALARM_RULE_BY_CODE[e.code].latching) {
              expect(ackedSinceOnset.get(e.code), `${e.code} (onset ${e.onsetMs}) cleared without an acknowledge`).toBe(true);
            }
            expect(ALARM_RULE_BY_CODE[e.code].condition(d), `${e.code} cleared while its condition holds`).toBe(false);
            ackedSinceOnset.delete(e.code);
          }
          // Every alarm whose condition holds is present, and entries are unique and ordered by onset.
          for (const rule of ALARM_TABLE) if (rule.condition(d) && op.kind !== 'acknowledge') expect(present.has(rule.code), rule.code).toBe(true);
          expect(present.size).toBe(s.entries.length);
          for (let i = 1; i < s.entries.length; i++) expect((s.entries[i - 1]?.onsetMs ?? 0) <= (s.entries[i]?.onsetMs ?? 0)).toBe(true);
          expect(deliveryInhibited(s)).toBe(s.entries.some((e) => ALARM_RULE_BY_CODE[e.code].driveAction !== 'continue'));
          expect({ presentMask: s.presentMask, activeMask: s.activeMask }).toEqual(masksOf(s));
        }
      }),
      { seed: 0x6bca_1a7c, numRuns: 200 },
    );
  });
});

describe('the table as declared and as documented', () => {
  it('PUMP-ALARM-PRIO the owner is chosen by priority, then onset, whatever order the entries are kept in', () => {
    const entry = (code: AlarmCode, onsetMs: number) => ({ code, onsetMs, conditionActive: true, acknowledged: false });
    const state = (...entries: ReturnType<typeof entry>[]): AlarmState => ({ ...NO_ALARMS, entries });
    expect(signalOwner(state(entry('OCCLUSION', 2000), entry('MOTOR_STALL', 1000)))?.code).toBe('MOTOR_STALL');
    expect(signalOwner(state(entry('MOTOR_STALL', 1000), entry('OCCLUSION', 2000)))?.code).toBe('MOTOR_STALL');
    expect(signalOwner(state(entry('UNDER_INFUSION', 0), entry('OCCLUSION', 5000)))?.code).toBe('OCCLUSION');
    expect(signalOwner(state(entry('OCCLUSION', 5000), entry('UNDER_INFUSION', 0)))?.code).toBe('OCCLUSION');
  });

  it('OPCA-RESERVOIR-1ML a gauge disagreeing by exactly the mismatch limit is within it; beyond it is alarmed', () => {
    const at = (mismatchUl: number): DetectorState => ({ ...INITIAL_DETECTORS, reservoir: { ...INITIAL_DETECTORS.reservoir, mismatchUl } });
    expect(codes(step(NO_ALARMS, at(THRESHOLDS.reservoirMismatchUl), 1000))).toEqual([]);
    expect(codes(step(NO_ALARMS, at(THRESHOLDS.reservoirMismatchUl + 0.1), 1000))).toEqual(['RESERVOIR_MISMATCH']);
  });

  it('GIP-3.2.1 an alarm raised at the first instant of a run sounds at once', () => {
    const s = step(NO_ALARMS, detectors('OCCLUSION'), 0);
    expect(isAudible(s, 0)).toBe(true);
  });
});

describe('evaluating only the rows whose detector group changed', () => {
  it('PUMP-ALARM-QUIET changedAlarmInputs names exactly the alarm-input groups that were replaced; trackers are not alarm inputs', () => {
    const d = INITIAL_DETECTORS;
    expect(changedAlarmInputs(d, d)).toBe(0);
    expect(changedAlarmInputs(d, { ...d })).toBe(0);
    for (const group of ALARM_INPUT_GROUPS) {
      expect(changedAlarmInputs(d, { ...d, [group]: { ...d[group] } }), group).toBe(ALARM_INPUT_BIT[group]);
    }
    expect(changedAlarmInputs(d, { ...d, pressureTrack: { ...d.pressureTrack }, flowTrack: { ...d.flowTrack }, flow: { ...d.flow } })).toBe(0);
    expect(changedAlarmInputs(d, { ...d, arterial: { ...d.arterial }, health: { ...d.health } })).toBe(ALARM_INPUT_BIT.arterial | ALARM_INPUT_BIT.health);
    expect(ALL_ALARM_INPUTS).toBe(ALARM_INPUT_GROUPS.reduce((m, g) => m | ALARM_INPUT_BIT[g], 0));
  });

  it('PUMP-ALARM-QUIET a row whose group did not change keeps its last value; a row whose group changed is evaluated again', () => {
    const raised = alarmStep(NO_ALARMS, detectors('OCCLUSION', 'BATTERY_LOW'), 1000).state;
    // Nothing marked changed: the table is not consulted, even though these detectors say "no alarm".
    expect(conditionMask(INITIAL_DETECTORS, 0, raised.activeMask)).toBe(raised.activeMask);
    // Only health marked changed: BATTERY_LOW is re-read (gone), OCCLUSION keeps its bit.
    const healthOnly = conditionMask(INITIAL_DETECTORS, ALARM_INPUT_BIT.health, raised.activeMask);
    expect(codesOfMask(healthOnly)).toEqual(['OCCLUSION']);
    expect(codesOfMask(conditionMask(INITIAL_DETECTORS))).toEqual([]);
  });

  it('PUMP-ALARM-QUIET over random sequences, the incremental evaluation the control step makes equals evaluating the whole table', () => {
    checkProperty(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        let full = NO_ALARMS;
        let incremental = NO_ALARMS;
        let d = INITIAL_DETECTORS;
        let judged: DetectorState | null = null;
        let nowMs = 0;
        for (const op of ops) {
          if (op.kind === 'acknowledge') {
            full = acknowledgeAlarms(full).state;
            incremental = acknowledgeAlarms(incremental).state;
            continue;
          }
          if (op.kind === 'advance') nowMs += op.ms;
          else d = keepUnchangedGroups(d, detectors(...op.on));
          const a = alarmStep(full, d, nowMs);
          const changed = judged === null ? ALL_ALARM_INPUTS : changedAlarmInputs(judged, d);
          const b = changed === 0 ? { state: incremental, change: null } : alarmStep(incremental, d, nowMs, changed);
          judged = d;
          expect(b.change).toEqual(a.change);
          expect(b.state).toEqual(a.state);
          full = a.state;
          incremental = b.state;
        }
      }),
      { seed: 0x51de_0a11, numRuns: 200 },
    );
  });
});

/** `next`, with every group whose content equals `previous`'s kept as `previous`'s object — as the detectors do. */
function keepUnchangedGroups(previous: DetectorState, next: DetectorState): DetectorState {
  const out: Record<string, unknown> = { ...next };
  for (const key of Object.keys(next) as (keyof DetectorState)[]) {
    if (JSON.stringify(previous[key]) === JSON.stringify(next[key])) out[key] = previous[key];
  }
  return out as unknown as DetectorState;
}

function codesOfMask(mask: number): AlarmCode[] {
  return ALARM_TABLE.filter((_, i) => (mask & (1 << i)) !== 0).map((r) => r.code);
}
