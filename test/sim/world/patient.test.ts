/**
 * The patient world (sim/world/patient.ts): its beats, activity and band as the front-end sees
 * them, and the scenario fields that choose it.
 */
import { describe, expect, it } from 'vitest';
import { cardiacBandGain } from '../../../hal/index.ts';
import { ScenarioError, parseScenario } from '../../../sim/scenario/scenario.ts';
import { PatientPhysiology } from '../../../sim/world/patient.ts';

const HOUR_MS = 3_600_000;

describe('the patient world: scenario fields', () => {
  const base = { name: 'p', seed: 1, prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 } };

  it('PUMP-PATIENT-WORLD the kind world is the default; the patient world and its fields are taken as given', () => {
    expect(parseScenario({ ...base, patient: { weightKg: 70, heightCm: 170 } }).world.physiology).toBe('kind');
    const s = parseScenario({ ...base, patient: { weightKg: 70, heightCm: 170, pulsePressureMmHg: 80, rhythm: 'atrialFibrillation', activity: 'bedRest' }, world: { physiology: 'patient' } });
    expect(s.world.physiology).toBe('patient');
    expect(s.patient).toMatchObject({ pulsePressureMmHg: 80, rhythm: 'atrialFibrillation', activity: 'bedRest' });
  });

  it('PUMP-PATIENT-WORLD a field out of range or unknown is refused, naming the field and what is allowed', () => {
    const refused = (patient: Record<string, unknown>, world?: unknown): string => {
      try {
        parseScenario({ ...base, patient: { weightKg: 70, heightCm: 170, ...patient }, ...(world === undefined ? {} : { world }) });
      } catch (e) {
        if (e instanceof ScenarioError) return e.message;
        throw e;
      }
      throw new Error('accepted');
    };
    expect(refused({ pulsePressureMmHg: 9 })).toMatch(/patient\.pulsePressureMmHg is below the allowed range \(allowed 10–100 mmHg\)/);
    expect(refused({ pulsePressureMmHg: 101 })).toMatch(/patient\.pulsePressureMmHg is above the allowed range/);
    expect(refused({ rhythm: 'flutter' }, { physiology: 'patient' })).toMatch(/patient\.rhythm must be one of: sinus, atrialFibrillation, ectopics/);
    expect(refused({ activity: 'running' }, { physiology: 'patient' })).toMatch(/patient\.activity must be one of: bedRest, ambulatory/);
    expect(refused({}, { physiology: 'dreamy' })).toMatch(/world\.physiology must be one of: kind, patient/);
    expect(refused({ rhythm: 'sinus' })).toMatch(/patient\.rhythm applies only in the patient world/);
    expect(refused({ activity: 'bedRest' }, { physiology: 'kind' })).toMatch(/patient\.activity applies only in the patient world/);
  });
});

describe('the patient world: what the front-end sees', () => {
  it('PUMP-PATIENT-WORLD the same seed gives the same windows, however the window is cut', () => {
    const settings = { rhythm: 'atrialFibrillation', activity: 'ambulatory', heartRateBpm: 80, pulsePressureMmHg: 40 } as const;
    const a = new PatientPhysiology(5, settings);
    const b = new PatientPhysiology(5, settings);
    const c = new PatientPhysiology(6, settings);
    let differs = false;
    for (let t = 0; t < 600_000; t += 1000) {
      const wa = { ...a.window(t, t + 1000, 0.3, true, true) };
      const wb = { ...b.window(t, t + 1000, 0.3, true, true) };
      expect(wb).toEqual(wa);
      if (c.window(t, t + 1000, 0.3, true, true).bandAmplitudeMmHg !== wa.bandAmplitudeMmHg) differs = true;
    }
    expect(differs).toBe(true);
  });

  it('PUMP-PATIENT-WORLD the band is applied: a beat at f Hz reports its amplitude × cardiacBandGain(f); cut off from the artery, no pulse', () => {
    const p = new PatientPhysiology(1, { rhythm: 'sinus', activity: 'bedRest', heartRateBpm: 60, pulsePressureMmHg: 40 });
    let band = 0;
    const windows = 600;
    for (let t = 0; t < windows * 1000; t += 1000) band += p.window(t, t + 1000, 0, true, true).bandAmplitudeMmHg;
    // 60 bpm with SDNN ≤ 50 ms and 3 % RSA: the band's gain at ~1 Hz, within a few per cent.
    expect(band / windows).toBeGreaterThan(20 * cardiacBandGain(1) * 0.95);
    expect(band / windows).toBeLessThan(20 * cardiacBandGain(1) * 1.05);
    const blocked = p.window(windows * 1000, windows * 1000 + 1000, Infinity, false, true);
    expect(blocked.bandAmplitudeMmHg).toBe(0);
    expect(blocked.pulseMeanMmHg).toBe(0);
  });

  it('PUMP-PATIENT-WORLD an ambulatory day walks: walking artefact inside the band with the artery cut off, and posture steps the head', () => {
    const p = new PatientPhysiology(2, { rhythm: 'sinus', activity: 'ambulatory', heartRateBpm: 70, pulsePressureMmHg: 40 });
    let walking = 0;
    const heads = new Set<number>();
    for (let t = 0; t < 15 * HOUR_MS; t += 1000) {
      const w = p.window(t, t + 1000, Infinity, false, true);
      if (w.bandAmplitudeMmHg > 0) walking++;
      heads.add(Math.round(w.slowMeanMmHg));
    }
    expect(walking).toBeGreaterThan(10 * 60);
    expect(heads.size).toBeGreaterThan(5);
    // Bed rest never walks.
    const rest = new PatientPhysiology(2, { rhythm: 'sinus', activity: 'bedRest', heartRateBpm: 70, pulsePressureMmHg: 40 });
    for (let t = 0; t < 15 * HOUR_MS; t += 10_000) expect(rest.window(t, t + 1000, Infinity, false, true).bandAmplitudeMmHg).toBe(0);
  });
});
