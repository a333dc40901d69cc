/**
 * The false-alarm campaign over a virtual population (sim/campaigns/population.ts): the draw covers
 * the envelope it promises, a cycle's scenario is an ordinary scenario, and a bounded population
 * (cycles 0–5: every rhythm × activity pair once) raises no alarm. The full campaign is
 * `npm run -s pumpsim -- population --cycles 1000` (docs/faults-and-detection.md).
 */
import { describe, expect, it } from 'vitest';
import { POPULATION_ENVELOPE, formatPopulationReport, populationPatient, populationReplayCommand, populationReport, populationScenario, runPopulationCase } from '../../../sim/campaigns/population.ts';
import { parseScenario } from '../../../sim/scenario/scenario.ts';
import { ACTIVITIES, RHYTHMS } from '../../../sim/world/patient.ts';

describe('the population', () => {
  it('PUMP-NO-FALSE-ALARM its patients lie inside the envelope, and every six consecutive cycles hold every rhythm × activity pair', () => {
    const e = POPULATION_ENVELOPE;
    const patients = Array.from({ length: 600 }, (_, i) => populationPatient(i));
    for (const p of patients) {
      expect(p.seed).toBe(70_000 + p.index);
      for (const [field, [lo, hi]] of Object.entries(e) as [keyof typeof e, readonly [number, number]][]) {
        expect(p[field], `${field} of cycle ${p.index}`).toBeGreaterThanOrEqual(lo);
        expect(p[field], `${field} of cycle ${p.index}`).toBeLessThanOrEqual(hi);
      }
    }
    for (let start = 0; start + 6 <= patients.length; start += 6) {
      const pairs = new Set(patients.slice(start, start + 6).map((p) => `${p.rhythm}/${p.activity}`));
      expect(pairs.size).toBe(RHYTHMS.length * ACTIVITIES.length);
    }
    // Spread across the envelope, not bunched: each field reaches its outer tenths.
    for (const [field, [lo, hi]] of Object.entries(e) as [keyof typeof e, readonly [number, number]][]) {
      const xs = patients.map((p) => p[field]);
      expect(Math.min(...xs), field).toBeLessThan(lo + (hi - lo) * 0.1);
      expect(Math.max(...xs), field).toBeGreaterThan(hi - (hi - lo) * 0.1);
    }
  });

  it('PUMP-PATIENT-WORLD a cycle is an ordinary scenario in the patient world, the patient and line compliance stated as they run', () => {
    const p = populationPatient(7);
    const s = parseScenario(populationScenario(7, 'port-ambulatory'));
    expect(s.world.physiology).toBe('patient');
    expect(s.patient).toMatchObject({ heartRateBpm: p.heartRateBpm, pulsePressureMmHg: p.pulsePressureMmHg, meanArterialPressureMmHg: p.meanArterialPressureMmHg, rhythm: p.rhythm, activity: p.activity });
    expect(s.device.parameters.lineComplianceUlPerMmHg).toBe(p.lineComplianceUlPerMmHg);
    expect(s.faults.length).toBeGreaterThan(0);
    expect(s.faults.every((f) => f.kind === 'arterialPressure')).toBe(true);
  });
});

describe('a bounded population (cycles 0–5, fixed seeds)', () => {
  it('PUMP-NO-FALSE-ALARM nominal 14-day cycles across the envelope raise no alarm', () => {
    const results = Array.from({ length: 6 }, (_, i) => runPopulationCase({ index: i, device: 'port-ambulatory' }));
    const report = populationReport(results, 'port-ambulatory');
    expect(report.cycles).toBe(6);
    expect(report.cyclesWithAlarm, formatPopulationReport(report)).toBe(0);
  });
});

describe('the population report', () => {
  it('PUMP-CLI lists every alarmed cycle with its patient and the command that reruns it alone, and counts cycles per code', () => {
    const patient = populationPatient(3);
    const alarmed = { patient, device: 'port-ambulatory', alarms: [{ code: 'OCCLUSION' as const, atSeconds: 10 }, { code: 'OCCLUSION' as const, atSeconds: 20 }], episodes: 4 };
    const quiet = { patient: populationPatient(4), device: 'port-ambulatory', alarms: [], episodes: 5 };
    const report = populationReport([quiet, alarmed], 'port-ambulatory');
    expect(report).toMatchObject({ cycles: 2, episodes: 9, cyclesWithAlarm: 1, cyclesByCode: { OCCLUSION: 1 } });
    const text = formatPopulationReport(report);
    expect(text).toContain(`cycle 3 seed ${patient.seed}: HR ${patient.heartRateBpm} bpm`);
    expect(text).toContain(`replay: ${populationReplayCommand(3, 'port-ambulatory')}`);
    expect(populationReplayCommand(3, 'port-ambulatory')).toBe('npm run -s pumpsim -- population --from 3 --cycles 1');
    expect(populationReplayCommand(3, 'implanted')).toBe('npm run -s pumpsim -- population --from 3 --cycles 1 --device implanted');
  });
});
