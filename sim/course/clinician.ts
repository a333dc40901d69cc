/**
 * The clinician between cycles: applies the rule table to what a visit shows.
 *
 * Owns: the patient's treatment state across the course — dose factor in force, hold, stop,
 * how often each event has happened — and the decision for each event.
 * Promises:
 * - Pure: `assessVisit(state, table, events, day)` returns a new state and one decision per event;
 *   nothing here touches the pump. The course runner turns the state into each cycle's programme,
 *   which reaches the pump only through its command interface.
 * - The dose factor only goes down (each rule can only tighten, as in AndroidAPS's constraint
 *   chain); a hold only moves the resume day later; a stop is final.
 * - Events at one visit are handled in a fixed order (`EVENT_ORDER`), so the result does not
 *   depend on the order they were listed in.
 */
import type { RuleEvent, RuleRow, RuleTable } from './rules.ts';
import { matchRule } from './rules.ts';

/** An event as the clinician sees it at the visit. */
export interface ClinicalEvent {
  readonly kind: RuleEvent;
  readonly grade?: number;
  /** deviceAlarm: the alarm that ended the cycle's infusion early. */
  readonly code?: string;
  /** Where it came from: the scenario, the patient's draws, or the pump's own log. */
  readonly origin: 'forced' | 'stochastic' | 'pump';
}

export const EVENT_ORDER: readonly RuleEvent[] = [
  'epigastricPain',
  'ulcer',
  'catheterDisplacement',
  'deviceAlarm',
  'catheterOcclusion',
  'hepaticProgression',
  'portInfection',
  'hepatotoxicity',
  'resectable',
];

export interface ClinicianState {
  /** Applies to FUDR and dexamethasone alike, (0, 1]. */
  readonly doseFactor: number;
  /** First course day on which HAI may be given again (1: no hold so far). */
  readonly resumeDay: number;
  readonly stopped: { readonly reason: string; readonly day: number } | null;
  /** Occurrences so far, by `occurrenceKey`. */
  readonly counts: Readonly<Record<string, number>>;
  /** Visits at which the dose factor went down / a hold began. */
  readonly reductions: number;
  readonly holds: number;
  /** An ulcer has led to the 50 % reduction (a later ulcer is a recurrence). */
  readonly reducedAfterUlcer: boolean;
  /** The visit day at which resection was decided (null: not yet). */
  readonly resectionDay: number | null;
}

export function initialClinicianState(doseFactor = 1): ClinicianState {
  return { doseFactor, resumeDay: 1, stopped: null, counts: {}, reductions: 0, holds: 0, reducedAfterUlcer: false, resectionDay: null };
}

export interface Decision {
  readonly event: ClinicalEvent;
  readonly day: number;
  readonly occurrence: number;
  /** The rule applied (null: no row matched; the clinician continued unchanged). */
  readonly rule: RuleRow | null;
  readonly procedure: string | null;
  readonly action: 'continue' | 'hold' | 'stop' | 'resect';
  /** Hold: first day HAI may be given again. */
  readonly resumeDay: number | null;
  readonly doseFactorAfter: number;
  readonly stopReason: string | null;
}

export function occurrenceKey(e: { kind: RuleEvent; grade?: number; code?: string }): string {
  if (e.kind === 'hepatotoxicity' || e.kind === 'epigastricPain') return `${e.kind}:${e.grade ?? 0}`;
  if (e.kind === 'deviceAlarm') return `${e.kind}:${e.code ?? ''}`;
  return e.kind;
}

/** Handles every event of one visit on course day `day`. */
export function assessVisit(state: ClinicianState, table: RuleTable, events: readonly ClinicalEvent[], day: number): { state: ClinicianState; decisions: Decision[] } {
  const ordered = [...events].sort((a, b) => EVENT_ORDER.indexOf(a.kind) - EVENT_ORDER.indexOf(b.kind) || (a.grade ?? 0) - (b.grade ?? 0));
  let s = state;
  const decisions: Decision[] = [];
  for (const event of ordered) {
    const key = occurrenceKey(event);
    const occurrence = (s.counts[key] ?? 0) + 1;
    const counts = { ...s.counts, [key]: occurrence };
    // A stop ends HAI, not the treatment: XELOX goes on and the disease can still become resectable.
    if (s.stopped !== null && event.kind !== 'resectable') {
      decisions.push({ event, day, occurrence, rule: null, procedure: null, action: 'stop', resumeDay: null, doseFactorAfter: s.doseFactor, stopReason: s.stopped.reason });
      s = { ...s, counts };
      continue;
    }
    const rule = matchRule(table, { event: event.kind, occurrence, ...(event.grade !== undefined ? { grade: event.grade } : {}), ...(event.code !== undefined ? { code: event.code } : {}) });
    const action = rule?.action ?? 'continue';
    const doseFactorAfter = rule?.doseFactor !== undefined ? Math.min(s.doseFactor, rule.doseFactor) : s.doseFactor;
    const resumeDay = action === 'hold' ? Math.max(s.resumeDay, day + (rule?.holdDays ?? 0)) : s.resumeDay;
    const stopReason = action === 'stop' ? (rule?.stopReason ?? event.kind) : null;
    const stopped = stopReason === null ? s.stopped : { reason: stopReason, day };
    decisions.push({
      event, day, occurrence, rule,
      procedure: rule?.procedure ?? null,
      action,
      resumeDay: action === 'hold' ? resumeDay : null,
      doseFactorAfter,
      stopReason,
    });
    s = {
      doseFactor: doseFactorAfter,
      resumeDay,
      stopped,
      counts,
      reductions: s.reductions + (doseFactorAfter < s.doseFactor ? 1 : 0),
      holds: s.holds + (action === 'hold' && resumeDay > s.resumeDay && resumeDay > day ? 1 : 0),
      reducedAfterUlcer: s.reducedAfterUlcer || (event.kind === 'ulcer' && doseFactorAfter < 1),
      resectionDay: s.resectionDay ?? (action === 'resect' ? day : null),
    };
  }
  return { state: s, decisions };
}

export type CycleStatus = 'infused' | 'held' | 'stopped';

/** What the clinician does with a cycle that starts on `startDay`. */
export function cycleStatus(state: ClinicianState, startDay: number): CycleStatus {
  if (state.stopped !== null) return 'stopped';
  return startDay < state.resumeDay ? 'held' : 'infused';
}
