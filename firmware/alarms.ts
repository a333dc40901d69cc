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
 * - Audio pause silences for at most `AUDIO_PAUSE_MS` (2 min, GIP 3.2.1), then the signal re-arms;
 *   a cancel pause re-arms it at once (Open PCA R6.5.0(16)).
 *   It silences the alarms of the priority it was pressed on and below: a condition of a higher
 *   priority raised during the pause ends it, so the new alarm sounds at once (IEC 60601-1-8).
 * - While any alarm whose action stops the drive is active or latched, delivery is inhibited.
 * - `alarmStep` returns the same state object when nothing changed; a quiet tick is recognised by
 *   comparing bit masks, without searching the entries.
 */
import type { AlarmPriority } from '../hal/index.ts';
import type { DetectorState } from './detectors/index.ts';
import { THRESHOLDS } from './detectors/thresholds.ts';

/** The detector groups alarm conditions read; each has a bit in a changed-inputs mask. */
export const ALARM_INPUT_GROUPS = ['arterial', 'flowVerdict', 'drive', 'reservoir', 'health'] as const;
export type AlarmInputGroup = (typeof ALARM_INPUT_GROUPS)[number];
export const ALARM_INPUT_BIT = Object.fromEntries(ALARM_INPUT_GROUPS.map((g, i) => [g, 1 << i])) as Readonly<Record<AlarmInputGroup, number>>;
export const ALL_ALARM_INPUTS = (1 << ALARM_INPUT_GROUPS.length) - 1;
const { arterial: ARTERIAL_BIT, flowVerdict: FLOW_VERDICT_BIT, drive: DRIVE_BIT, reservoir: RESERVOIR_BIT, health: HEALTH_BIT } = ALARM_INPUT_BIT;

/**
 * Bit mask (ALARM_INPUT_BIT) of the groups an alarm condition reads that differ between the two
 * states; 0 when none did, so the alarm table need not be evaluated. Detector groups are immutable
 * and replaced on change, so identity is the test; the trackers (`pressureTrack`, `flowTrack`,
 * `strokeCount`, `flow`) are no alarm input.
 */
export function changedAlarmInputs(before: DetectorState, after: DetectorState): number {
  return (
    (before.arterial !== after.arterial ? ARTERIAL_BIT : 0) |
    (before.flowVerdict !== after.flowVerdict ? FLOW_VERDICT_BIT : 0) |
    (before.drive !== after.drive ? DRIVE_BIT : 0) |
    (before.reservoir !== after.reservoir ? RESERVOIR_BIT : 0) |
    (before.health !== after.health ? HEALTH_BIT : 0)
  );
}

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
  'BATTERY_MONITOR_FAULT',
  'STORAGE_FAULT',
  'SECURITY_ALERT',
  'SYSTEM_FAULT',
  'AIR_IN_LINE',
  'UPSTREAM_OCCLUSION',
  'OVER_TEMPERATURE',
  'FREE_FLOW',
  'WATCHDOG',
  'PAUSED_TOO_LONG',
  'PRIMED_NOT_STARTED',
  'DRUG_LIBRARY_INVALID',
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
  /** The one detector group the condition reads: the table is re-evaluated row by row when it changes. */
  readonly reads: AlarmInputGroup;
  readonly condition: (d: DetectorState) => boolean;
  readonly requirement: string;
  readonly meaning: string;
}

const PRIORITY_RANK: Record<AlarmPriority, number> = { high: 3, medium: 2, low: 1 };

/**
 * One row of the table. The condition is written over its group alone (`when`), so the type
 * checker holds it to the group it declares it `reads`.
 */
function row<G extends AlarmInputGroup>(r: Omit<AlarmRule, 'reads' | 'condition'> & { readonly reads: G; readonly when: (group: DetectorState[G]) => boolean }): AlarmRule {
  const { when, reads, ...rest } = r;
  return { ...rest, reads, condition: (d) => when(d[reads]) };
}

/** The alarm table. Priorities follow GPCA levels mapped to IEC 60601-1-8 (docs/domain.md §3). */
export const ALARM_TABLE: readonly AlarmRule[] = Object.freeze([
  row({
    code: 'OCCLUSION', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'arterial', when: (a) => a.occlusionSuspected,
    requirement: 'GIP-1.10.3', meaning: 'Downstream occlusion: pressure does not relax after strokes, or exceeds the limit.',
  }),
  row({
    code: 'CATHETER_DISPLACEMENT', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'arterial', when: (a) => a.lossOfArterialSignalMs >= THRESHOLDS.displacementConfirmMs,
    requirement: 'PUMP-DISPLACEMENT', meaning: 'Arterial back-pressure and cardiac pulsatility lost: tip out of the artery, needle out of the port, or disconnection.',
  }),
  row({
    code: 'OVER_INFUSION', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'flowVerdict', when: (v) => v.overInfusion,
    requirement: 'GIP-1.2.2', meaning: 'Measured flow above 110 % of commanded for 15 minutes.',
  }),
  row({
    code: 'UNDER_INFUSION', priority: 'low', latching: false, driveAction: 'continue',
    reads: 'flowVerdict', when: (v) => v.underInfusion,
    requirement: 'GIP-1.2.3', meaning: 'Measured flow below 90 % of commanded for 15 minutes.',
  }),
  row({
    code: 'MOTOR_STALL', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'drive', when: (dr) => dr.missedStrokes >= THRESHOLDS.stallMissedStrokes,
    requirement: 'GIP-1.6.2', meaning: 'Drive encoder reports commanded strokes that did not happen.',
  }),
  row({
    code: 'RESERVOIR_LOW', priority: 'medium', latching: false, driveAction: 'continue',
    reads: 'reservoir', when: (r) => r.shortfallUl > 0 || r.lowVolume,
    requirement: 'GIP-1.5.5', meaning: 'The reservoir will run out before the programmed end, or holds 0.5 mL or less that the drive can reach.',
  }),
  row({
    code: 'RESERVOIR_EMPTY', priority: 'high', latching: true, driveAction: 'finishStrokeThenStop',
    reads: 'reservoir', when: (r) => r.emptyCount >= THRESHOLDS.reservoirEmptySamples,
    requirement: 'GIP-1.5.6', meaning: 'No deliverable volume left while the programme still owes strokes.',
  }),
  row({
    code: 'RESERVOIR_MISMATCH', priority: 'medium', latching: true, driveAction: 'continue',
    reads: 'reservoir', when: (r) => r.mismatchUl > THRESHOLDS.reservoirMismatchUl,
    requirement: 'OPCA-RESERVOIR-1ML', meaning: 'Reservoir gauge disagrees with the ledger by more than the gauge can explain.',
  }),
  row({
    code: 'SENSOR_FAULT', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.sensorFaultMs >= THRESHOLDS.sensorFaultConfirmMs,
    requirement: 'PUMP-SENSOR-FAILSAFE', meaning: 'The pressure sensor is silent, out of range, stuck, noisy or impossible: occlusion and displacement can no longer be seen, so the drive stops.',
  }),
  row({
    code: 'SENSOR_DEGRADED', priority: 'medium', latching: true, driveAction: 'continue',
    reads: 'health', when: (h) => h.flowFaulty || h.gaugeFaulty || h.airSensorFaulty || h.temperatureFaulty,
    requirement: 'PUMP-SENSOR-FAILSAFE', meaning: 'The flow sensor, the reservoir gauge, the air-in-line detector or the temperature sensor is silent or implausible: therapy continues, verified by the drive encoder and the ledger (air cannot be seen: the pump needs service).',
  }),
  row({
    code: 'BATTERY_LOW', priority: 'low', latching: false, driveAction: 'continue',
    reads: 'health', when: (h) => h.batteryPercent <= THRESHOLDS.batteryLowPercent && h.batteryPercent > THRESHOLDS.batteryDepletedPercent,
    requirement: 'GIP-5.1.4', meaning: 'Battery low: replace soon; therapy continues.',
  }),
  row({
    code: 'BATTERY_DEPLETED', priority: 'high', latching: true, driveAction: 'finishStrokeThenStop',
    reads: 'health', when: (h) => h.batteryPercent <= THRESHOLDS.batteryDepletedPercent,
    requirement: 'GIP-5.1.6', meaning: 'Battery depleted: therapy stops before the supply fails.',
  }),
  row({
    code: 'REPEATED_ALARM', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.repeatedRestartLockout,
    requirement: 'OPCA-EC23', meaning: 'The same alarm stopped and restarted the pump three times within 10 minutes, or stopped it for the fifth time in one programme: the cause persists, the pump stays stopped.',
  }),
  row({
    code: 'BATTERY_MONITOR_FAULT', priority: 'medium', latching: true, driveAction: 'continue',
    reads: 'health', when: (h) => h.batteryMonitorFaulty,
    requirement: 'PUMP-READING-VALID', meaning: 'The battery monitor is silent or its reading is invalid: the charge is unknown, so BATTERY_LOW and BATTERY_DEPLETED cannot warn; therapy continues, the pump needs service.',
  }),
  row({
    code: 'STORAGE_FAULT', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.storageFault,
    requirement: 'PUMP-STORAGE', meaning: 'The NV store is damaged beyond recovery, or a record cannot be written: what was delivered could be forgotten, so the drive stops.',
  }),
  row({
    // Medium: someone is sending frames the pump refuses — an attack or a faulty programmer — and a
    // person must look soon, but delivery is right (every refused frame changed nothing), so the
    // drive continues; stopping it would hand an attacker a way to interrupt therapy.
    code: 'SECURITY_ALERT', priority: 'medium', latching: true, driveAction: 'continue',
    reads: 'health', when: (h) => h.linkLocked,
    requirement: 'PUMP-LINK-AUTH', meaning: 'Repeated refused frames on the command link (forged, tampered, replayed, malformed or for another device): the link is locked for 15 minutes, even valid frames are refused; therapy continues.',
  }),
  row({
    // A technical alarm (GPCA: hardware error, level 4): the firmware cannot trust its program,
    // memory, clock or signal, so it neither starts nor continues therapy in this power-on.
    code: 'SYSTEM_FAULT', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.selfCheckFailed,
    requirement: 'GIP-3.4.5', meaning: 'The power-on self-test or a periodic self-check failed (program image or RAM, clock, annunciator; a battery too low to start at boot): the drive stops and stays stopped until the pump is serviced.',
  }),
  row({
    // GPCA level 3 (air): air reaching the hepatic artery is an embolus; the drive stops at once.
    code: 'AIR_IN_LINE', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.airInLine,
    requirement: 'GIP-1.9.1', meaning: 'A bubble of 50 µL or more passed the air-in-line detector while infusing: the drive stops at once.',
  }),
  row({
    code: 'UPSTREAM_OCCLUSION', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'flowVerdict', when: (v) => v.noFlow,
    requirement: 'GIP-1.10.1', meaning: 'The drive turns (the encoder confirms its strokes) but the outlet flow sensor measures under 35 % of them over 10 minutes: the reservoir side is blocked, or the source is dry.',
  }),
  row({
    code: 'OVER_TEMPERATURE', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.overTemperature,
    requirement: 'GIP-7.1.2', meaning: 'The device is above its operating temperature (40 °C): the drive and electronics are outside their specification, so the drive stops.',
  }),
  row({
    // High: the pump has lost control of the dose (GIP 1.2.2 free flow); the drive is held, and a
    // person must clamp the line.
    code: 'FREE_FLOW', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.idleFlowReads >= THRESHOLDS.freeFlowReads,
    requirement: 'GIP-1.2.2-FREE-FLOW', meaning: 'Flow the pump does not drive: the flow sensor measures flow for 2 minutes while the pump delivers nothing (a siphon, a failed valve). Clamp the line.',
  }),
  row({
    // High (GPCA watchdog, level 4): the software stopped and was reset, and a person must know.
    // Therapy continues: a hung control task commands no stroke (the drive moves only when told),
    // and the boot restored the therapy from the store, which holds every stroke made. A second
    // reset before this one is acknowledged fails the self-test (SYSTEM_FAULT, fail-safe).
    code: 'WATCHDOG', priority: 'high', latching: true, driveAction: 'continue',
    reads: 'health', when: (h) => h.watchdogReset,
    requirement: 'GIP-3.5.1', meaning: 'The control task stopped kicking the watchdog and the processor was reset: therapy resumed from the store; acknowledge. A second reset before the acknowledgement stops the pump (fail-safe).',
  }),
  row({
    // Low (GPCA: paused too long): input is pending, nothing is wrong with the pump; therapy
    // waits for the person, so the alarm only reminds, and goes as soon as they act.
    code: 'PAUSED_TOO_LONG', priority: 'low', latching: false, driveAction: 'continue',
    reads: 'health', when: (h) => h.pausedTooLong,
    requirement: 'GIP-2.2.1', meaning: 'The infusion has been paused for 15 minutes: resume it or stop it.',
  }),
  row({
    code: 'PRIMED_NOT_STARTED', priority: 'low', latching: false, driveAction: 'continue',
    reads: 'health', when: (h) => h.primedNotStarted,
    requirement: 'GIP-2.2.2', meaning: 'The set has been primed for 15 minutes and the infusion has not been started: start it or stop.',
  }),
  row({
    // High, stop (GPCA level 4, Open PCA EC19): the limits every programme is checked against can
    // no longer be trusted, so no therapy starts or continues in this power-on.
    code: 'DRUG_LIBRARY_INVALID', priority: 'high', latching: true, driveAction: 'stopNow',
    reads: 'health', when: (h) => h.libraryInvalid,
    requirement: 'GIP-6.1.6', meaning: 'The drug library image failed its check (header, length, CRC or a band): therapy is refused and the drive stops until a valid library is loaded and the pump restarted.',
  }),
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
  /**
   * Rank (PRIORITY_RANK) of the highest-priority alarm present when audio was paused; 0 without a
   * pause. A raised alarm ranked above it ends the pause.
   */
  readonly audioPausedRank: number;
  /** Bit i set: ALARM_TABLE[i] has an entry. Lets a quiet tick be recognised without a search. */
  readonly presentMask: number;
  /** Bit i set: ALARM_TABLE[i]'s entry has its condition active. */
  readonly activeMask: number;
}

export const NO_ALARMS: AlarmState = { entries: Object.freeze([]), audioPausedUntilMs: -1, audioPausedRank: 0, presentMask: 0, activeMask: 0 };

export interface AlarmChange {
  readonly raised: readonly AlarmCode[];
  readonly cleared: readonly AlarmCode[];
}

const NO_CODES: readonly AlarmCode[] = Object.freeze([]);
const STOPPING_MASK = ALARM_TABLE.reduce((m, r, i) => (r.driveAction === 'continue' ? m : m | (1 << i)), 0);
const BIT_BY_CODE: Readonly<Record<AlarmCode, number>> = Object.freeze(
  Object.fromEntries(ALARM_TABLE.map((r, i) => [r.code, 1 << i])) as Record<AlarmCode, number>,
);

function withMasks(entries: readonly AlarmEntry[], audioPausedUntilMs: number, audioPausedRank: number): AlarmState {
  let presentMask = 0;
  let activeMask = 0;
  for (const e of entries) {
    presentMask |= BIT_BY_CODE[e.code];
    if (e.conditionActive) activeMask |= BIT_BY_CODE[e.code];
  }
  return { entries, audioPausedUntilMs, audioPausedRank, presentMask, activeMask };
}

/** An alarm state holding these entries, ordered by onset (a boot restoring the latched alarms NV kept). */
export function alarmStateWith(entries: readonly AlarmEntry[]): AlarmState {
  return withMasks([...entries].sort((x, y) => x.onsetMs - y.onsetMs), -1, 0);
}

/** Bit i: the ALARM_INPUT_BIT of the group ALARM_TABLE[i] reads. */
const RULE_INPUT_BITS: readonly number[] = ALARM_TABLE.map((r) => ALARM_INPUT_BIT[r.reads]);

/**
 * Bit mask of the rules whose condition holds for these detector values. Only the rules reading a
 * group in `changedInputs` are evaluated; the others keep their bit from `previousMask` (the mask
 * of the last evaluation, which `AlarmState.activeMask` is).
 */
export function conditionMask(detectors: DetectorState, changedInputs: number = ALL_ALARM_INPUTS, previousMask = 0): number {
  let mask = 0;
  for (let i = 0; i < ALARM_TABLE.length; i++) {
    const bit = 1 << i;
    if (((RULE_INPUT_BITS[i] as number) & changedInputs) === 0) mask |= previousMask & bit;
    else if ((ALARM_TABLE[i] as AlarmRule).condition(detectors)) mask |= bit;
  }
  return mask;
}

/**
 * One evaluation of the table. New conditions raise an entry; an entry whose condition is gone is
 * removed at once if non-latching, or once acknowledged if latching. `changedInputs` (bits of
 * ALARM_INPUT_BIT) names the groups that changed since the evaluation that produced `state`; rows
 * reading other groups keep their last value. Every group by default.
 */
export function alarmStep(state: AlarmState, detectors: DetectorState, nowMs: number, changedInputs: number = ALL_ALARM_INPUTS): { state: AlarmState; change: AlarmChange | null } {
  const mask = conditionMask(detectors, changedInputs, state.activeMask);
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
  let raisedRank = 0;
  for (let i = 0; i < ALARM_TABLE.length; i++) {
    if ((raisedMask & (1 << i)) === 0) continue;
    const rule = ALARM_TABLE[i] as AlarmRule;
    (raised ??= []).push(rule.code);
    raisedRank = Math.max(raisedRank, PRIORITY_RANK[rule.priority]);
    entries.push({ code: rule.code, onsetMs: nowMs, conditionActive: true, acknowledged: false });
  }
  // A pause silences what it was pressed on: a higher condition raised during it sounds at once.
  const pauseEnds = raisedRank > state.audioPausedRank && nowMs < state.audioPausedUntilMs;
  return {
    state: pauseEnds ? withMasks(entries, -1, 0) : withMasks(entries, state.audioPausedUntilMs, state.audioPausedRank),
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
  return { state: withMasks(entries, state.audioPausedUntilMs, state.audioPausedRank), cleared };
}

/** Silences the signal for `AUDIO_PAUSE_MS`, for the alarms of the highest priority present and below. */
export function pauseAudio(state: AlarmState, nowMs: number): AlarmState {
  let rank = 0;
  for (const e of state.entries) rank = Math.max(rank, PRIORITY_RANK[ALARM_RULE_BY_CODE[e.code].priority]);
  return { ...state, audioPausedUntilMs: nowMs + AUDIO_PAUSE_MS, audioPausedRank: rank };
}

/** Ends an audio pause at once (Open PCA R6.5.0(16), cancel pause): the signal is audible again. */
export function cancelAudioPause(state: AlarmState): AlarmState {
  return state.audioPausedUntilMs < 0 && state.audioPausedRank === 0 ? state : { ...state, audioPausedUntilMs: -1, audioPausedRank: 0 };
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

/** True while `code` has an entry (its condition active, or latched and not yet cleared). */
export function alarmPresent(state: AlarmState, code: AlarmCode): boolean {
  return (state.presentMask & BIT_BY_CODE[code]) !== 0;
}
