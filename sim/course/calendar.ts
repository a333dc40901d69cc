/**
 * The course calendar: which day is what, and the systemic chemotherapy on it.
 *
 * Owns: cycle start days, the kind of every course day, and XELOX (oxaliplatin 130 mg/m² IV over
 * 2 h on day 1; capecitabine 1000 mg/m² twice daily on days 1–14; the seed protocol) with doses
 * from the patient's BSA. XELOX is logged, never delivered by the pump.
 * Promises:
 * - Every day 1..last belongs to exactly one cycle or to the surgical pause, and has exactly one
 *   kind; cycles before an operation start every `cycleDays` from day 1, postoperative cycles
 *   every `cycleDays` from the first postoperative day 1.
 * - Day 1 of an infused cycle is HAI day 1 and XELOX day 1.
 * - Day kinds come from the protocol: `infusion` days 1..⌈infusionDays⌉ of an infused cycle;
 *   `lock` the day after (the infusion's last minutes, the heparin lock, the pump taken off);
 *   `rest` the remaining days; `held` and `stopped` every day of a held or stopped cycle. After
 *   the cycle at which resection is decided: `preoperative` days (no chemotherapy, the pump
 *   locked) up to the `surgery` day, then `recovery` days up to the first postoperative cycle
 *   (or, with no postoperative HAI, for the recovery interval, after which the course ends).
 * - Maintenance re-locks (heparin flush of port and catheter, no infusion) are events on the days
 *   the runner gives (`relockDays`), whatever their kind.
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

export const DAY_KINDS = ['infusion', 'lock', 'rest', 'held', 'stopped', 'preoperative', 'surgery', 'recovery'] as const;
export type DayKind = (typeof DAY_KINDS)[number];

/** The days between the last cycle before an operation and the first one after it. */
export interface SurgicalPause {
  /** The cycle after which chemotherapy stopped. */
  readonly afterCycle: number;
  readonly surgeryDay: number;
  /** The first day after the pause (the first postoperative day 1, or the day after the course ends). */
  readonly endDay: number;
}

/**
 * The cycle day of the last chemotherapy of a cycle: the end of the HAI infusion (the lock day)
 * for an infused cycle, the last capecitabine day in any case, whichever is later.
 */
export function chemotherapyStopCycleDay(infused: boolean, infusionDays: number, cycleDays: number): number {
  const capecitabineLast = Math.min(XELOX.capecitabineDays, cycleDays);
  return infused ? Math.max(Math.min(lockCycleDay(infusionDays), cycleDays), capecitabineLast) : capecitabineLast;
}

export interface CalendarDay {
  readonly day: number;
  /** 0: a day of the surgical pause (its `cycleDay` counts from the pause's first day). */
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
export function courseCalendar(
  cycles: readonly CalendarCycle[],
  cycleDays: number,
  infusionDays: number,
  bsaM2: number,
  pause: SurgicalPause | null = null,
  relockDays: readonly number[] = [],
): CalendarDay[] {
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
    if (pause !== null && c.cycle === pause.afterCycle) {
      const first = c.startDay + cycleDays;
      for (let day = first; day < pause.endDay; day++) {
        const kind: DayKind = day < pause.surgeryDay ? 'preoperative' : day === pause.surgeryDay ? 'surgery' : 'recovery';
        const events = kind === 'surgery' ? ['operation: resection of the primary tumour and/or the liver metastases'] : [];
        days.push({ day, cycle: 0, cycleDay: 1 + day - first, kind, events });
      }
    }
  }
  const relocks = new Set(relockDays);
  return days.map((d) => (relocks.has(d.day) ? { ...d, events: [...d.events, 'HAI: port and catheter flushed and re-locked (heparin 2 mL 1000 IU/mL), maintenance'] } : d));
}
