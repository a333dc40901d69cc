/**
 * The patient world (sim/world/patient.ts): its beats, activity and band as the front-end sees
 * them, the scenario fields that choose it, and properties over random patients across the
 * envelope — nominal runs raise no alarm, complete occlusions are found within the bound.
 *
 * The property runs are bounded for `npm test` (a day's infusion, a few patients each); the
 * measured figures over more patients are in docs/faults-and-detection.md ("The patient world").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cardiacBandGain } from '../../../hal/index.ts';
import { Simulation } from '../../../sim/run/simulation.ts';
import { ScenarioError, parseScenario } from '../../../sim/scenario/scenario.ts';
import { ACTIVITIES, PatientPhysiology, RHYTHMS } from '../../../sim/world/patient.ts';
import type { Activity, Rhythm } from '../../../sim/world/patient.ts';
import { checkProperty } from '../../support/fc.ts';
import { fillMlForRate } from '../../support/simulation.ts';

const HOUR_MS = 3_600_000;
/** The bound a complete occlusion at 84 µL/h is held to in the patient world (measured worst 9.4 min over 60 patients). */
const OCCLUSION_BOUND_S = 15 * 60;

interface Patient {
  readonly seed: number;
  readonly heartRateBpm: number;
  readonly pulsePressureMmHg: number;
  readonly meanArterialPressureMmHg: number;
  readonly rhythm: Rhythm;
  readonly activity: Activity;
}

/** The envelope of the targets: heart rate 35–180, pulse pressure ≥ 15, mean 60–130 mmHg. */
const patientArb: fc.Arbitrary<Patient> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  heartRateBpm: fc.integer({ min: 35, max: 180 }),
  pulsePressureMmHg: fc.integer({ min: 15, max: 100 }),
  meanArterialPressureMmHg: fc.integer({ min: 60, max: 130 }),
  rhythm: fc.constantFrom(...RHYTHMS),
  activity: fc.constantFrom(...ACTIVITIES),
});

function scenarioJson(p: Patient, infusionDays: number, faults: unknown[] = []): Record<string, unknown> {
  const { seed, ...patient } = p;
  return {
    name: 'patient-property',
    seed,
    patient: { weightKg: 70, heightCm: 170, ...patient },
    world: { physiology: 'patient' },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays, doseFactor: 1, reservoirVolumeMl: fillMlForRate(infusionDays, 84.1), confirmSoftLimits: true },
    faults,
  };
}

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

describe('the patient world: properties across the envelope', () => {
  it('PUMP-NO-FALSE-ALARM nominal day-long infusions of random patients raise no alarm', () => {
    checkProperty(
      fc.property(patientArb, (p) => {
        const summary = new Simulation({ scenario: parseScenario(scenarioJson(p, 1)) }).runToEnd();
        expect(summary.alarms.map((a) => `${a.code} at ${a.atSeconds} s`), JSON.stringify(scenarioJson(p, 1))).toEqual([]);
        expect(summary.timeline.infusionCompleteSeconds).not.toBeNull();
      }),
      { seed: 160_301, numRuns: 6 },
    );
  });

  it(`PUMP-PATIENT-WORLD a complete occlusion at 84 µL/h anywhere downstream is OCCLUSION within ${OCCLUSION_BOUND_S / 60} min for random patients`, () => {
    checkProperty(
      fc.property(patientArb, fc.constantFrom('line', 'needle', 'port', 'catheter'), fc.integer({ min: 200, max: 2000 }), (p, location, onsetCentiHours) => {
        const atHours = onsetCentiHours / 100;
        const json = scenarioJson(p, 1, [{ kind: 'occlusion', atHours, location, severity: 1 }]);
        const summary = new Simulation({ scenario: parseScenario(json), maxSimulatedMs: Math.round(atHours * HOUR_MS + 2 * OCCLUSION_BOUND_S * 1000) }).runToEnd();
        const outcome = summary.faults[0];
        expect(summary.alarms.filter((a) => a.atSeconds < atHours * 3600), JSON.stringify(json)).toEqual([]);
        expect(outcome?.detectedBy, JSON.stringify(json)).toBe('OCCLUSION');
        expect(outcome?.latencySeconds as number, JSON.stringify(json)).toBeLessThanOrEqual(OCCLUSION_BOUND_S);
      }),
      { seed: 160_302, numRuns: 8 },
    );
  });
});
