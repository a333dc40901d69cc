/**
 * The times a clinician reads: how long the reservoir lasts at the programmed rate, and how long
 * the battery lasts until it stops therapy.
 *
 * Owns: the battery trend (the times the whole-percent reading stepped down) and the two
 * estimates, from the firmware's own belief only (the ledger, the plan, the battery readings).
 * Promises: pure; null where the figure cannot be known yet (no plan; fewer than two battery
 * steps seen in this power-on).
 * - Reservoir (GIP 1.5.2): minutes = (fill − primed − infused − residual) / programmed rate. Its
 *   error is the ledger's: a unit whose strokes move a fraction e more than nominal empties its
 *   reservoir e·T sooner than a forecast of T says (docs/requirements.md, GIP-1.5.2).
 * - Battery (GIP 5.1.2–5.1.6, Open PCA R7.3.0(3)): the reading is whole percent, so one reading
 *   says little about the drain; the rate is averaged over the last `BATTERY_STEPS_KEPT` steps
 *   (k steps of 1 % over the time between the first and the last), and the charge at the last
 *   step is exact (the reading fell to p as the charge crossed p + 1). Minutes until
 *   BATTERY_DEPLETED (reading at or below the depleted threshold D): (p − D) / rate − time since
 *   the last step.
 */
import type { DeviceConfig, PowerReading } from '../hal/index.ts';
import type { InfusionPlan } from './dosing.ts';
import { NL_PER_UL } from './dosing.ts';
import type { Ledger } from './ledger.ts';

/** Steps of the battery reading the rate is averaged over (8 steps of 1 %). */
export const BATTERY_STEPS_KEPT = 8;

const MS_PER_MINUTE = 60_000;

export interface BatteryStep {
  readonly atMs: number;
  readonly percent: number;
}

export interface BatteryTrend {
  /** The reading last seen (NaN: none yet). */
  readonly lastPercent: number;
  /** The newest steps down, oldest first: when the reading first showed each new value. */
  readonly steps: readonly BatteryStep[];
}

export const NO_BATTERY_TREND: BatteryTrend = Object.freeze({ lastPercent: NaN, steps: Object.freeze([]) });

/** The trend after a valid reading: the same object unless the reading stepped down. */
export function updateBatteryTrend(t: BatteryTrend, r: PowerReading): BatteryTrend {
  const p = r.batteryPercent;
  if (p === t.lastPercent) return t;
  // The first reading, or one that rose (a new cell): no step to learn from, a new trend.
  if (Number.isNaN(t.lastPercent) || p > t.lastPercent) return { lastPercent: p, steps: [] };
  const steps = [...t.steps, { atMs: r.atMs, percent: p }];
  return { lastPercent: p, steps: steps.length > BATTERY_STEPS_KEPT ? steps.slice(steps.length - BATTERY_STEPS_KEPT) : steps };
}

/** Minutes until the battery reading reaches `depletedPercent`; null until two steps are seen. */
export function batteryRemainingMinutes(t: BatteryTrend, nowMs: number, depletedPercent: number): number | null {
  const first = t.steps[0];
  const last = t.steps.at(-1);
  if (first === undefined || last === undefined || last === first) return null;
  if (last.percent <= depletedPercent) return 0;
  const percentPerMs = (first.percent - last.percent) / (last.atMs - first.atMs);
  if (!(percentPerMs > 0)) return null;
  return Math.max(0, ((last.percent - depletedPercent) / percentPerMs - (nowMs - last.atMs)) / MS_PER_MINUTE);
}

/** Minutes the reservoir lasts at the programmed rate, by the ledger; null without a plan. */
export function reservoirRemainingMinutes(ledger: Ledger, plan: InfusionPlan | null, config: DeviceConfig): number | null {
  if (plan === null || !(plan.rateUlPerHour > 0)) return null;
  const usedUl = ((ledger.primeStrokes + ledger.infusionStrokes) * config.strokeVolumeNl) / NL_PER_UL;
  const usableUl = Math.max(0, ledger.reservoirFillUl - usedUl - config.reservoirResidualUl);
  return (usableUl / plan.rateUlPerHour) * 60;
}
