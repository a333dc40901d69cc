/**
 * The alarm system, in IEC 60601-1-8 vocabulary.
 *
 * Owns: the declarative alarm table and the pure rules that turn condition values into the alarm
 * signal, latching, acknowledgement, audio pause and drive permission.
 * Promises:
 * - Each alarm is one row: condition (a pure predicate over the detectors' state), priority,
 *   latching, drive action, and the requirement it serves.
 * - The highest-priority active alarm owns the signal (earliest onset breaks ties); lower ones queue.
 * - A latched alarm clears only when acknowledged AND its condition is gone (GPCA).
 * - Audio pause silences for at most `AUDIO_PAUSE_MS` (2 min, GIP 3.2.1), then the signal re-arms.
 * - While any alarm whose action stops the drive is active or latched, delivery is inhibited.
 * - `alarmStep` returns the same state object when nothing changed; a quiet tick is recognised by
 *   comparing bit masks, without searching the entries.
 */
import type { AlarmPriority } from '../hal/index.ts';
import type { DetectorState } from './detectors.ts';
import { THRESHOLDS } from './detectors.ts';

export const ALARM_CODES = [
  'OCCLUSION',
  'CATHETER_DISPLACEMENT',
  'OVER_INFUSION',
  'UNDER_INFUSION',
  'MOTOR_STALL',
  'RESERVOIR_LOW',
  'RESERVOIR_EMPTY',
  'RESERVOIR_MISMATCH',
  'SENSOR_FAULT',
  'SENSOR_DEGRADED',
  'BATTERY_LOW',
  'BATTERY_DEPLETED',
  'REPEATED_ALARM',
] as const;
export type AlarmCode = (typeof ALARM_CODES)[number];

/**
 * stopNow: stop at once without finishing the stroke (GIP 1.6.2, Open PCA on occlusion).
 * finishStrokeThenStop: complete the stroke under way, then stop (Open PCA on empty reservoir).
 * continue: signal only; therapy continues (GIP 1.5.5 low reservoir).
 */
export type DriveAction = 'stopNow' | 'finishStrokeThenStop' | 'continue';

export interface AlarmRule {
  readonly code: AlarmCode;
  readonly priority: AlarmPriority;
  readonly latching: boolean;
  readonly driveAction: DriveAction;
  readonly condition: (d: DetectorState) => boolean;
  readonly requirement: string;
  readonly meaning: string;
}

const PRIORITY_RANK: Record<AlarmPriority, number> = { high: 3, medium: 2, low: 1 };

/** The alarm table. Priorities follow GPCA levels mapped to IEC 60601-1-8 (DOMAIN.md §3). */
export const ALARM_TABLE: readonly AlarmRule[] = Object.freeze([
  {
    code: 'OCCLUSION', priority: 'high', latching: true, driveAction: 'stopNow',
    condition: (d) => d.arterial.occlusionSuspected,
    requirement: 'GIP-1.10.3', meaning: 'Downstream occlusion: pressure does not relax after strokes, or exceeds the limit.',
  },
  {
    code: 'CATHETER_DISPLACEMENT', priority: 'high', latching: true, driveAction: 'stopNow',
    condition: (d) => d.arterial.lossOfArterialSignalMs >= THRESHOLDS.displacementConfirmMs,
    requirement: 'PUMP-DISPLACEMENT', meaning: 'Arterial back-pressure and cardiac pulsatility lost: tip out of the artery, needle out of the port, or disconnection.',
  },
  {
    code: 'OVER_INFUSION', priority: 'high', latching: true, driveAction: 'stopNow',
    condition: (d) => d.flowVerdict.overInfusion,
    requirement: 'GIP-1.2.2', meaning: 'Measured flow above 110 % of commanded for 15 minutes.',
  },
  {
    code: 'UNDER_INFUSION', priority: 'low', latching: false, driveAction: 'continue',
    condition: (d) => d.flowVerdict.underInfusion,
    requirement: 'GIP-1.2.3', meaning: 'Measured flow below 90 % of commanded for 15 minutes.',
  },
  {
    code: 'MOTOR_STALL', priority: 'high', latching: true, driveAction: 'stopNow',
    condition: (d) => d.drive.missedStrokes >= THRESHOLDS.stallMissedStrokes,
    requirement: 'GIP-1.6.2', meaning: 'Drive encoder reports commanded strokes that did not happen.',
  },
  {
    code: 'RESERVOIR_LOW', priority: 'medium', latching: false, driveAction: 'continue',
    condition: (d) => d.reservoir.shortfallUl > 0,
    requirement: 'GIP-1.5.5', meaning: 'The reservoir will run out before the programmed end.',
  },
  {
    code: 'RESERVOIR_EMPTY', priority: 'high', latching: true, driveAction: 'finishStrokeThenStop',
    condition: (d) => d.reservoir.emptyCount >= THRESHOLDS.reservoirEmptySamples,
    requirement: 'GIP-1.5.6', meaning: 'No deliverable volume left while the programme still owes strokes.',
  },
  {
    code: 'RESERVOIR_MISMATCH', priority: 'medium', latching: true, driveAction: 'continue',
    condition: (d) => d.reservoir.mismatchUl > THRESHOLDS.reservoirMismatchUl,
    requirement: 'OPCA-RESERVOIR-1ML', meaning: 'Reservoir gauge disagrees with the ledger by more than the gauge can explain.',
  },
  {
    code: 'SENSOR_FAULT', priority: 'high', latching: true, driveAction: 'stopNow',
    condition: (d) => d.health.sensorFaultMs >= THRESHOLDS.sensorFaultConfirmMs,
    requirement: 'PUMP-SENSOR-FAILSAFE', meaning: 'The pressure sensor is silent, out of range, stuck, noisy or impossible: occlusion and displacement can no longer be seen, so the drive stops.',
  },
  {
    code: 'SENSOR_DEGRADED', priority: 'medium', latching: true, driveAction: 'continue',
    condition: (d) => d.health.flowFaulty || d.health.gaugeFaulty,
    requirement: 'PUMP-SENSOR-FAILSAFE', meaning: 'The flow sensor or the reservoir gauge is silent or implausible: therapy continues, verified by the drive encoder and the ledger.',
  },
  {
    code: 'BATTERY_LOW', priority: 'low', latching: false, driveAction: 'continue',
    condition: (d) => d.health.batteryPercent <= THRESHOLDS.batteryLowPercent && d.health.batteryPercent > THRESHOLDS.batteryDepletedPercent,
    requirement: 'GIP-1.9.1', meaning: 'Battery low: replace soon; therapy continues.',
  },
  {
    code: 'BATTERY_DEPLETED', priority: 'high', latching: true, driveAction: 'finishStrokeThenStop',
    condition: (d) => d.health.batteryPercent <= THRESHOLDS.batteryDepletedPercent,
    requirement: 'GIP-1.9.2', meaning: 'Battery depleted: therapy stops before the supply fails.',
  },
  {
    code: 'REPEATED_ALARM', priority: 'high', latching: true, driveAction: 'stopNow',
    condition: (d) => d.health.repeatedRestartLockout,
    requirement: 'OPCA-EC23', meaning: 'The same alarm stopped and restarted the pump three times within 10 minutes.',
  },
] satisfies AlarmRule[]);

export const ALARM_RULE_BY_CODE: Readonly<Record<AlarmCode, AlarmRule>> = Object.freeze(
  Object.fromEntries(ALARM_TABLE.map((r) => [r.code, r])) as Record<AlarmCode, AlarmRule>,
);

/** GIP 3.2.1: an audio pause re-arms within 2 minutes. */
export const AUDIO_PAUSE_MS = 120_000;

export interface AlarmEntry {
  readonly code: AlarmCode;
  readonly onsetMs: number;
  /** Condition is true now. */
  readonly conditionActive: boolean;
  readonly acknowledged: boolean;
}

export interface AlarmState {
  /** Alarms whose condition is active, or latched and not yet cleared. Ordered by onset. */
  readonly entries: readonly AlarmEntry[];
  readonly audioPausedUntilMs: number;
  /** Bit i set: ALARM_TABLE[i] has an entry. Lets a quiet tick be recognised without a search. */
  readonly presentMask: number;
  /** Bit i set: ALARM_TABLE[i]'s entry has its condition active. */
  readonly activeMask: number;
}

export const NO_ALARMS: AlarmState = { entries: Object.freeze([]), audioPausedUntilMs: -1, presentMask: 0, activeMask: 0 };

export interface AlarmChange {
  readonly raised: readonly AlarmCode[];
  readonly cleared: readonly AlarmCode[];
}

const NO_CODES: readonly AlarmCode[] = Object.freeze([]);
const STOPPING_MASK = ALARM_TABLE.reduce((m, r, i) => (r.driveAction === 'continue' ? m : m | (1 << i)), 0);
const BIT_BY_CODE: Readonly<Record<AlarmCode, number>> = Object.freeze(
  Object.fromEntries(ALARM_TABLE.map((r, i) => [r.code, 1 << i])) as Record<AlarmCode, number>,
);

function withMasks(entries: readonly AlarmEntry[], audioPausedUntilMs: number): AlarmState {
  let presentMask = 0;
  let activeMask = 0;
  for (const e of entries) {
    presentMask |= BIT_BY_CODE[e.code];
    if (e.conditionActive) activeMask |= BIT_BY_CODE[e.code];
  }
  return { entries, audioPausedUntilMs, presentMask, activeMask };
}

/** Bit mask of the rules whose condition holds for these detector values. */
export function conditionMask(detectors: DetectorState): number {
  let mask = 0;
  for (let i = 0; i < ALARM_TABLE.length; i++) if ((ALARM_TABLE[i] as AlarmRule).condition(detectors)) mask |= 1 << i;
  return mask;
}

/**
 * One evaluation of the table. New conditions raise an entry; an entry whose condition is gone is
 * removed at once if non-latching, or once acknowledged if latching.
 */
export function alarmStep(state: AlarmState, detectors: DetectorState, nowMs: number): { state: AlarmState; change: AlarmChange | null } {
  const mask = conditionMask(detectors);
  const raisedMask = mask & ~state.presentMask;
  if (raisedMask === 0 && (mask & state.presentMask) === state.activeMask) return { state, change: null };

  const entries: AlarmEntry[] = [];
  const cleared: AlarmCode[] = [];
  for (const entry of state.entries) {
    const rule = ALARM_RULE_BY_CODE[entry.code];
    const active = (mask & BIT_BY_CODE[entry.code]) !== 0;
    if (!active && (!rule.latching || entry.acknowledged)) {
      cleared.push(entry.code);
      continue;
    }
    entries.push(active === entry.conditionActive ? entry : { ...entry, conditionActive: active });
  }
  let raised: AlarmCode[] | null = null;
  for (let i = 0; i < ALARM_TABLE.length; i++) {
    if ((raisedMask & (1 << i)) === 0) continue;
    const code = (ALARM_TABLE[i] as AlarmRule).code;
    (raised ??= []).push(code);
    entries.push({ code, onsetMs: nowMs, conditionActive: true, acknowledged: false });
  }
  return {
    state: withMasks(entries, state.audioPausedUntilMs),
    change: { raised: raised ?? NO_CODES, cleared },
  };
}

/** Acknowledge every alarm present; latched ones whose condition is gone clear now. */
export function acknowledgeAlarms(state: AlarmState): { state: AlarmState; cleared: readonly AlarmCode[] } {
  const entries: AlarmEntry[] = [];
  const cleared: AlarmCode[] = [];
  for (const entry of state.entries) {
    if (!entry.conditionActive) cleared.push(entry.code);
    else entries.push(entry.acknowledged ? entry : { ...entry, acknowledged: true });
  }
  return { state: withMasks(entries, state.audioPausedUntilMs), cleared };
}

export function pauseAudio(state: AlarmState, nowMs: number): AlarmState {
  return { ...state, audioPausedUntilMs: nowMs + AUDIO_PAUSE_MS };
}


/** The alarm that owns the signal: highest priority, then earliest onset. */
export function signalOwner(state: AlarmState): AlarmEntry | null {
  let best: AlarmEntry | null = null;
  for (const e of state.entries) {
    if (best === null) { best = e; continue; }
    const a = PRIORITY_RANK[ALARM_RULE_BY_CODE[e.code].priority];
    const b = PRIORITY_RANK[ALARM_RULE_BY_CODE[best.code].priority];
    if (a > b || (a === b && e.onsetMs < best.onsetMs)) best = e;
  }
  return best;
}

export function isAudible(state: AlarmState, nowMs: number): boolean {
  return nowMs >= state.audioPausedUntilMs;
}

/** True while any present alarm's drive action stops delivery. */
export function deliveryInhibited(state: AlarmState): boolean {
  return (state.presentMask & STOPPING_MASK) !== 0;
}
