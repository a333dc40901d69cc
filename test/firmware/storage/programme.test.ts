/**
 * The stored programme at boot is as trusted as a new one: its shape and ranges, the drug
 * library's hard limits and its unconfirmed soft limits each refuse it with the reason, and an
 * accepted one is the plan a `program` command with the same prescription makes.
 */
import { describe, expect, it } from 'vitest';
import { planInfusion } from '../../../firmware/dosing.ts';
import { HAI_FUDR_LIBRARY } from '../../../firmware/drugLibrary.ts';
import { planFromStore } from '../../../firmware/storage/programme.ts';
import { NOMINAL_PORT_CONFIG } from '../../support/deviceConfig.ts';
import { SEED_PRESCRIPTION, prescription } from '../../support/prescription.ts';

const config = NOMINAL_PORT_CONFIG;
const library = HAI_FUDR_LIBRARY;

describe('the stored programme at boot', () => {
  it('PUMP-STORAGE a valid stored programme is the plan the same prescription makes as a command, with its confirmation', () => {
    const planned = planInfusion(SEED_PRESCRIPTION, config, library);
    expect(planned.ok).toBe(true);
    for (const confirmSoftLimits of [false, true]) {
      const fromStore = planFromStore({ prescription: { ...SEED_PRESCRIPTION, patient: { ...SEED_PRESCRIPTION.patient } }, confirmSoftLimits }, config, library);
      expect(fromStore).toEqual({ ok: true, plan: planned.ok ? planned.plan : null, programme: { prescription: SEED_PRESCRIPTION, confirmSoftLimits } });
    }
  });

  it('PUMP-STORAGE a stored programme of the wrong shape or outside physical ranges is refused naming the field', () => {
    expect(planFromStore({ prescription: { ...SEED_PRESCRIPTION, patient: { weightKg: NaN, heightCm: 170 } }, confirmSoftLimits: false }, config, library)).toEqual({
      ok: false,
      reason: 'stored programme refused: prescription.patient.weightKg: prescription.patient.weightKg = NaN must be a finite number (allowed > 0 and ≤ 500 kg)',
    });
    expect(planFromStore({ prescription: null, confirmSoftLimits: true }, config, library)).toMatchObject({ ok: false, reason: expect.stringMatching(/^stored programme refused: prescription: /) });
  });

  it('PUMP-STORAGE a stored programme beyond a hard limit is refused with the library’s findings, confirmed or not', () => {
    const rx = prescription({ fudrMgPerKgPerDay: 0.5, heparinUnitsPerMl: 2000 });
    const planned = planInfusion(rx, config, library);
    expect(planned.ok).toBe(false);
    const messages = planned.ok ? [] : planned.findings.map((f) => f.message);
    expect(messages.length).toBeGreaterThan(1);
    for (const confirmSoftLimits of [false, true]) {
      expect(planFromStore({ prescription: rx, confirmSoftLimits }, config, library)).toEqual({ ok: false, reason: `stored programme refused: ${messages.join('; ')}` });
    }
  });

  it('PUMP-STORAGE a stored programme outside a soft limit boots only if its soft limits were confirmed', () => {
    const rx = prescription({ patient: { weightKg: 160, heightCm: 180 } });
    expect(planFromStore({ prescription: rx, confirmSoftLimits: false }, config, library)).toEqual({ ok: false, reason: 'stored programme refused: its soft limits were never confirmed' });
    expect(planFromStore({ prescription: rx, confirmSoftLimits: true }, config, library)).toMatchObject({ ok: true, programme: { prescription: rx, confirmSoftLimits: true } });
  });
});
