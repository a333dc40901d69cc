/**
 * The times a clinician reads (firmware/remaining.ts): the battery's minutes from the steps of its
 * whole-percent reading, and the reservoir's minutes from the ledger.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../support/fc.ts';
import type { BatteryTrend } from '../../firmware/remaining.ts';
import { BATTERY_STEPS_KEPT, NO_BATTERY_TREND, batteryRemainingMinutes, reservoirRemainingMinutes, updateBatteryTrend } from '../../firmware/remaining.ts';
import { HAI_FUDR_LIBRARY, THRESHOLDS, planInfusion } from '../../firmware/index.ts';
import { makeLedger, refillLedger } from '../../firmware/ledger.ts';
import { NOMINAL_PORT_CONFIG } from '../support/deviceConfig.ts';
import { SEED_PRESCRIPTION } from '../support/prescription.ts';

const D = THRESHOLDS.batteryDepletedPercent;
const MINUTE_MS = 60_000;

/** A cell draining linearly from `startPercent` at `percentPerHour`, read once a minute as whole percent. */
function drained(startPercent: number, percentPerHour: number, minutes: number): { trend: BatteryTrend; chargeNow: number } {
  let trend = NO_BATTERY_TREND;
  let charge = startPercent;
  for (let m = 0; m <= minutes; m++) {
    charge = startPercent - (percentPerHour * m) / 60;
    trend = updateBatteryTrend(trend, { ok: true, atMs: m * MINUTE_MS, batteryPercent: Math.max(0, Math.floor(charge)), externalPower: false });
  }
  return { trend, chargeNow: charge };
}

describe('battery time remaining (GIP-5.1.2)', () => {
  it('GIP-5.1.2 unknown until the reading has stepped twice; then the averaged drain gives the minutes until the reading reaches the depleted threshold', () => {
    expect(batteryRemainingMinutes(NO_BATTERY_TREND, 0, D)).toBeNull();
    // 1 %/h from 80.5 %: the first step at 30 min, the second at 90 min.
    expect(batteryRemainingMinutes(drained(80.5, 1, 80).trend, 80 * MINUTE_MS, D)).toBeNull();
    const { trend, chargeNow } = drained(80.5, 1, 120);
    const truth = (chargeNow - (D + 1)) * 60;
    expect(Math.abs((batteryRemainingMinutes(trend, 120 * MINUTE_MS, D) as number) - truth)).toBeLessThanOrEqual(1 + 1e-9);
    // Only the newest steps are kept: the average follows a drain that changed.
    expect(drained(99.5, 1, 30 * 60).trend.steps.length).toBe(BATTERY_STEPS_KEPT);
    // A reading that rises (a new cell) starts a new trend; at the threshold the answer is 0.
    const fresh = updateBatteryTrend(trend, { ok: true, atMs: 121 * MINUTE_MS, batteryPercent: 100, externalPower: false });
    expect(batteryRemainingMinutes(fresh, 121 * MINUTE_MS, D)).toBeNull();
    expect(batteryRemainingMinutes(drained(D + 3.5, 1, 240).trend, 240 * MINUTE_MS, D)).toBe(0);
  });

  it('GIP-5.1.2 for any steady drain the estimate is within a minute plus the remaining time × one reading interval / the time its steps span', () => {
    checkProperty(
      fc.property(fc.double({ min: 0.05, max: 5, noNaN: true }), fc.double({ min: 40, max: 100, noNaN: true }), fc.double({ min: 0.2, max: 1, noNaN: true }), (percentPerHour, start, share) => {
        const minutes = Math.floor((((start - D - 2) * share) / percentPerHour) * 60);
        const { trend, chargeNow } = drained(start, percentPerHour, minutes);
        const shown = batteryRemainingMinutes(trend, minutes * MINUTE_MS, D);
        if (trend.steps.length < 2) {
          expect(shown).toBeNull();
          return;
        }
        const truth = Math.max(0, ((chargeNow - (D + 1)) / percentPerHour) * 60);
        const spanMinutes = ((trend.steps.at(-1)?.atMs as number) - (trend.steps[0]?.atMs as number)) / MINUTE_MS;
        expect(Math.abs((shown as number) - truth)).toBeLessThanOrEqual(1 + (truth * 1) / spanMinutes + 1e-6);
      }),
      { seed: 0xba77_e4e5, numRuns: 150 },
    );
  });
});

describe('reservoir time remaining (GIP-1.5.2)', () => {
  it('GIP-1.5.2 minutes at the programmed rate of what the ledger leaves above the residual; none without a plan', () => {
    const planned = planInfusion(SEED_PRESCRIPTION, NOMINAL_PORT_CONFIG, HAI_FUDR_LIBRARY);
    if (!planned.ok) throw new Error('the seed prescription is refused');
    const plan = planned.plan;
    const fill = refillLedger(plan.reservoirFillMl);
    expect(reservoirRemainingMinutes(fill, null, NOMINAL_PORT_CONFIG)).toBeNull();
    const strokeUl = NOMINAL_PORT_CONFIG.strokeVolumeNl / 1000;
    const usable = plan.reservoirFillMl * 1000 - NOMINAL_PORT_CONFIG.reservoirResidualUl;
    expect(reservoirRemainingMinutes(fill, plan, NOMINAL_PORT_CONFIG)).toBeCloseTo((usable / plan.rateUlPerHour) * 60, 9);
    const used = makeLedger({ ...fill, primeStrokes: 370, infusionStrokes: 1000, flushStrokes: 2000 });
    // The flush draws from the lock syringe, not the reservoir: it does not count.
    expect(reservoirRemainingMinutes(used, plan, NOMINAL_PORT_CONFIG)).toBeCloseTo(((usable - 1370 * strokeUl) / plan.rateUlPerHour) * 60, 9);
    const drained = makeLedger({ ...fill, infusionStrokes: plan.reservoirFillMl * 1000 });
    expect(reservoirRemainingMinutes(drained, plan, NOMINAL_PORT_CONFIG)).toBe(0);
  });
});
