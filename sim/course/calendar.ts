/**
 * The course calendar: which day is what, and the systemic chemotherapy on it.
 *
 * Owns: cycle start days, the kind of every course day, and XELOX (oxaliplatin 130 mg/m² IV over
 * 2 h on day 1; capecitabine 1000 mg/m² twice daily on days 1–14; the seed protocol) with doses
 * from the patient's BSA. XELOX is logged, never delivered by the pump.
 * Promises:
 * - Every day 1..cycles·cycleDays belongs to exactly one cycle and has exactly one kind.
 * - Day 1 of an infused cycle is HAI day 1 and XELOX day 1.
 * - Day kinds come from the protocol: `infusion` days 1..⌈infusionDays⌉ of an infused cycle;
 *   `lock` the day after (the infusion's last minutes, the heparin lock, the pump taken off);
 *   `rest` the remaining days; `held` and `stopped` every day of a held or stopped cycle.
 * XELOX goes on whatever happens to HAI (the seed adjusts HAI, not XELOX, for HAI toxicities; XELOX
 * dose adjustments are out of scope and logged at 100 %).
 */
import type { CycleStatus } from './clinician.ts';

export const MS_PER_DAY = 86_400_000;

export const XELOX = Object.freeze({
  oxaliplatinMgPerM2: 130,
  oxaliplatinInfusionHours: 2,
  capecitabineMgPerM2PerDose: 1000,
  capecitabineDosesPerDay: 2,
  capecitabineDays: 14,
});

export interface XeloxCycle {
  readonly oxaliplatinMg: number;
  readonly oxaliplatinDay: 1;
  readonly capecitabineMgPerDose: number;
  readonly capecitabineDosesPerDay: number;
  /** First and last cycle day of capecitabine (days 1–14, fewer when the cycle is shorter). */
  readonly capecitabineDays: readonly [number, number];
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function xeloxForCycle(bsaM2: number, cycleDays: number): XeloxCycle {
  return {
    oxaliplatinMg: round1(XELOX.oxaliplatinMgPerM2 * bsaM2),
    oxaliplatinDay: 1,
    capecitabineMgPerDose: round1(XELOX.capecitabineMgPerM2PerDose * bsaM2),
    capecitabineDosesPerDay: XELOX.capecitabineDosesPerDay,
    capecitabineDays: [1, Math.min(XELOX.capecitabineDays, cycleDays)],
  };
}

/** Course day (1-based) of cycle `cycle`'s day 1. */
export function cycleStartDay(cycle: number, cycleDays: number): number {
  return 1 + (cycle - 1) * cycleDays;
}

/** Course day of a time `atMs` after the start of the cycle that begins on `startDay`. */
export function dayOf(startDay: number, atMs: number): number {
  return startDay + Math.floor(atMs / MS_PER_DAY);
}

/** The cycle day on which the end-of-infusion visit happens (the `lock` day). */
export function lockCycleDay(infusionDays: number): number {
  return Math.ceil(infusionDays - 1e-9) + 1;
}

export type DayKind = 'infusion' | 'lock' | 'rest' | 'held' | 'stopped';

export interface CalendarDay {
  readonly day: number;
  readonly cycle: number;
  readonly cycleDay: number;
  readonly kind: DayKind;
  /** What happens that day, in words (XELOX doses, HAI steps, visits). */
  readonly events: readonly string[];
}

export interface CalendarCycle {
  readonly cycle: number;
  readonly startDay: number;
  readonly status: CycleStatus;
  readonly fudrMgPlanned?: number;
  readonly visit?: readonly string[];
}

/** Every day of the course, in order. */
export function courseCalendar(cycles: readonly CalendarCycle[], cycleDays: number, infusionDays: number, bsaM2: number): CalendarDay[] {
  const days: CalendarDay[] = [];
  const lockDay = lockCycleDay(infusionDays);
  const xelox = xeloxForCycle(bsaM2, cycleDays);
  for (const c of cycles) {
    for (let cycleDay = 1; cycleDay <= cycleDays; cycleDay++) {
      const events: string[] = [];
      if (cycleDay === 1) events.push(`XELOX: oxaliplatin ${xelox.oxaliplatinMg} mg IV over ${XELOX.oxaliplatinInfusionHours} h`);
      if (cycleDay >= xelox.capecitabineDays[0] && cycleDay <= xelox.capecitabineDays[1]) events.push(`XELOX: capecitabine ${xelox.capecitabineMgPerDose} mg twice daily`);
      let kind: DayKind;
      if (c.status === 'held') kind = 'held';
      else if (c.status === 'stopped') kind = 'stopped';
      else if (cycleDay < lockDay) kind = 'infusion';
      else if (cycleDay === lockDay) kind = 'lock';
      else kind = 'rest';
      if (c.status === 'infused' && cycleDay === 1) events.push(`HAI: refill, program, prime, start${c.fudrMgPlanned !== undefined ? ` (FUDR ${c.fudrMgPlanned} mg over ${infusionDays} d)` : ''}`);
      if (kind === 'lock') events.push('HAI: end of infusion, heparin lock, pump off');
      if (cycleDay === lockDay && c.visit !== undefined) events.push(...c.visit);
      days.push({ day: c.startDay + cycleDay - 1, cycle: c.cycle, cycleDay, kind, events });
    }
  }
  return days;
}
