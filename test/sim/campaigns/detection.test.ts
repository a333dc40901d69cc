/**
 * Fault detection at the default profile (issue #3's "done means"), as properties over seeds and
 * onset times, plus the documented non-detections and the nominal false-alarm set.
 * Each case is an ordinary seeded simulation; the full grid is `npm run -s pumpsim -- detection`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALARM_RULE_BY_CODE } from '../../../firmware/index.ts';
import { PORT_AMBULATORY } from '../../../sim/scenario/device.ts';
import { cardiacBandGain } from '../../../hal/index.ts';
import { DETECTION_BOUNDS_S, DETECTION_PHYSIOLOGIES, GRID_COMPLIANCES_UL_PER_MMHG, GRID_RATES_UL_PER_HOUR, PHYSIOLOGY_FAULTS, detectionCases, patentPulseBandMmHg, physiologyFields, profileWithCompliance, pulseBlind, runDetectionCase, runNominalCase, scenarioForRate } from '../../../sim/campaigns/detection.ts';
import { Simulation } from '../../../sim/run/simulation.ts';
import { checkProperty } from '../../support/fc.ts';

const DEFAULT_RATE = GRID_RATES_UL_PER_HOUR.default;
const DEFAULT_COMPLIANCE = 0.3;

const onsetHours = fc.integer({ min: 2 * 60, max: 8 * 60 }).map((minutes) => minutes / 60);
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function detectedWithin(fault: string, expectedCode: string, numRuns: number, propertySeed: number): void {
  const bound = DETECTION_BOUNDS_S[fault];
  if (bound === undefined) throw new Error(`no bound for ${fault}`);
  checkProperty(
    fc.property(seed, onsetHours, (s, onset) => {
      const r = runDetectionCase({ fault, rateUlPerHour: DEFAULT_RATE, complianceUlPerMmHg: DEFAULT_COMPLIANCE, seed: s, onsetHours: onset });
      expect(r.otherAlarms, 'no alarm before the fault').toEqual([]);
      expect(r.detectedBy, fault).toBe(expectedCode);
      expect(r.latencySeconds as number).toBeLessThanOrEqual(bound);
    }),
    { seed: propertySeed, numRuns },
  );
}

describe('detection at the default profile (84 µL/h, C = 0.3 µL/mmHg), any seed and onset', () => {
  it('GIP-1.10.3 a complete occlusion in the catheter is alarmed as OCCLUSION within 15 minutes', () => {
    detectedWithin('occlusion catheter', 'OCCLUSION', 8, 31);
  });

  it('GIP-1.10.3 a complete occlusion at the line, needle or port is alarmed as OCCLUSION within 15 minutes', () => {
    for (const fault of ['occlusion line', 'occlusion needle', 'occlusion port']) detectedWithin(fault, 'OCCLUSION', 3, 32);
  });

  it('PUMP-DISPLACEMENT a tip displaced into tissue, a dislodged needle and a disconnection are alarmed within 5 minutes', () => {
    detectedWithin('displacement tissue', 'CATHETER_DISPLACEMENT', 5, 33);
    detectedWithin('needle dislodgement', 'CATHETER_DISPLACEMENT', 4, 34);
    detectedWithin('disconnection', 'CATHETER_DISPLACEMENT', 4, 35);
  });

  it('GIP-1.6.2 a motor stall is alarmed as MOTOR_STALL within 30 minutes', () => {
    detectedWithin('motor stall', 'MOTOR_STALL', 5, 36);
  });

  it('GIP-1.2.2 a 1.5× over-delivery is alarmed as OVER_INFUSION within 30 minutes', () => {
    detectedWithin('over-delivery 1.5×', 'OVER_INFUSION', 5, 37);
  });

  it('PUMP-SENSOR-FAILSAFE a stuck pressure sensor is alarmed as SENSOR_FAULT and stops the drive', () => {
    detectedWithin('pressure sensor stuck', 'SENSOR_FAULT', 3, 38);
    expect(ALARM_RULE_BY_CODE.SENSOR_FAULT.driveAction).toBe('stopNow');
  });

  it('GIP-1.10.1 a complete upstream occlusion (the reservoir side) is alarmed as UPSTREAM_OCCLUSION within 15 minutes', () => {
    detectedWithin('occlusion upstream', 'UPSTREAM_OCCLUSION', 3, 40);
  });

  it('GIP-1.9.1 a 100 µL bubble is alarmed as AIR_IN_LINE within 5 minutes', () => {
    detectedWithin('air in line 100 µL', 'AIR_IN_LINE', 3, 41);
  });

  it('GIP-1.2.2 a free flow of 500 µL/h beside the pump is alarmed as OVER_INFUSION within 30 minutes', () => {
    detectedWithin('free flow 500 µL/h', 'OVER_INFUSION', 3, 42);
  });

  it('GIP-7.1.2 a pump at 45 °C is alarmed as OVER_TEMPERATURE within 5 minutes', () => {
    detectedWithin('over-temperature 45 °C', 'OVER_TEMPERATURE', 3, 43);
  });

  it('GIP-1.10.1 a drive that turns while nothing moves (stroke factor 0) stops on UPSTREAM_OCCLUSION within 15 minutes', () => {
    detectedWithin('drive moves nothing', 'UPSTREAM_OCCLUSION', 3, 44);
  });

  it('GIP-3.5.1 a control task that hangs for 30 s is reset by the watchdog and raises WATCHDOG within 5 minutes', () => {
    detectedWithin('watchdog 30 s hang', 'WATCHDOG', 3, 45);
  });

  it('GIP-6.1.6 a bit of the drug library image that flips is found by the next periodic self-check: DRUG_LIBRARY_INVALID within 11 minutes', () => {
    detectedWithin('drug library bit flip', 'DRUG_LIBRARY_INVALID', 3, 46);
  });

  it('GIP-3.3.1 a program image that fails its CRC in operation is found by the next periodic self-check: SYSTEM_FAULT within 11 minutes', () => {
    detectedWithin('self-check ROM failure', 'SYSTEM_FAULT', 3, 47);
  });

  it('PUMP-EXTRAHEPATIC a tip in an extrahepatic branch raises no alarm (the pump cannot see it) and the plant accounts the drug that went there', () => {
    checkProperty(
      fc.property(seed, onsetHours, (s, onset) => {
        const r = runDetectionCase({ fault: 'displacement extrahepatic', rateUlPerHour: DEFAULT_RATE, complianceUlPerMmHg: DEFAULT_COMPLIANCE, seed: s, onsetHours: onset });
        expect(r.expected).toEqual([]);
        expect(r.detectedBy).toBeNull();
      }),
      { seed: 39, numRuns: 4 },
    );
    const scenario = scenarioForRate(DEFAULT_RATE, 5, [{ kind: 'displacement', to: 'extrahepatic', extrahepaticFraction: 0.4, atHours: 3 }], 'extrahepatic');
    const summary = new Simulation({ scenario, maxSimulatedMs: 6 * 3_600_000 }).runToEnd();
    expect(summary.alarms).toEqual([]);
    expect(summary.delivered.extrahepaticFudrMg).toBeGreaterThan(0);
  });

  it('GIP-1.10.7 the bolus released when an occlusion clears is at most 50 µL (GIP/ECRI allow 500 µL), at every rate and compliance', () => {
    for (const rate of Object.values(GRID_RATES_UL_PER_HOUR)) {
      for (const compliance of [0.05, 0.3, 1.0]) {
        const r = runDetectionCase({ fault: 'occlusion catheter', rateUlPerHour: rate, complianceUlPerMmHg: compliance, seed: 3, onsetHours: 3 });
        expect(r.detectedBy).toBe('OCCLUSION');
        expect(r.maxUnintendedBolusUl, `${rate} µL/h, C ${compliance}`).toBeLessThanOrEqual(50);
      }
    }
  });
});

describe('no delivery under a stopping alarm', () => {
  it('GIP-1.6.2 from the alarm until a resume, the drive makes no stroke', () => {
    for (const fault of ['occlusion catheter', 'displacement tissue', 'motor stall', 'pressure sensor stuck']) {
      const scenario = scenarioForRate(DEFAULT_RATE, 9, [{ ...faultSpec(fault), atHours: 3 }], fault);
      const sim = new Simulation({ scenario, maxSimulatedMs: 6 * 3_600_000 });
      const strokesAt: number[] = [];
      const drive = sim.devices.drive;
      const original = drive.stroke.bind(drive);
      drive.stroke = (count: number) => {
        strokesAt.push(sim.clock.nowMs());
        return original(count);
      };
      sim.runToEnd();
      const entries = sim.log.entries;
      const stoppedAt = entries.find((e) => e.kind === 'state' && e.code === 'alarmStopped')?.atMs;
      expect(stoppedAt, fault).toBeDefined();
      const resumedAt = entries.find((e) => e.kind === 'state' && e.code.startsWith('therapy') && e.atMs > (stoppedAt as number))?.atMs ?? Infinity;
      expect(strokesAt.filter((t) => t >= (stoppedAt as number) && t < resumedAt), fault).toEqual([]);
    }
  });
});

describe('upstream occlusion (the reservoir side blocked)', () => {
  it('GIP-1.10.1 a complete upstream occlusion is alarmed as UPSTREAM_OCCLUSION within 15 minutes at the lowest and highest rates, at C = 1 µL/mmHg; the same day without it raises no alarm', () => {
    for (const rate of [GRID_RATES_UL_PER_HOUR.lowest, GRID_RATES_UL_PER_HOUR.highest]) {
      for (const s of [3, 4]) {
        const faults = [{ kind: 'occlusion', location: 'upstream', severity: 1, atHours: 3, durationMinutes: 60 }] as const;
        const run = new Simulation({ scenario: scenarioForRate(rate, s, faults, 'upstream'), profile: profileWithCompliance(1.0), maxSimulatedMs: 5 * 3_600_000 }).runToEnd();
        expect(run.alarms.filter((a) => a.atSeconds < 3 * 3600), `rate ${rate} seed ${s}: no alarm before the fault`).toEqual([]);
        expect(run.faults[0]?.detectedBy, `rate ${rate} seed ${s}`).toBe('UPSTREAM_OCCLUSION');
        expect(run.faults[0]?.latencySeconds as number).toBeLessThanOrEqual(15 * 60);
        const nominal = new Simulation({ scenario: scenarioForRate(rate, s, [], 'nominal'), profile: profileWithCompliance(1.0) }).runToEnd();
        expect(nominal.alarms, `rate ${rate} seed ${s} nominal`).toEqual([]);
      }
    }
  });
});

describe('no false alarms', () => {
  it('PUMP-NO-FALSE-ALARM nominal 14-day cycles with exercise, hypertension and hypotension episodes raise no alarm', () => {
    for (const s of [50_000, 50_001, 50_002]) {
      const r = runNominalCase({ seed: s });
      expect(r.episodes).toBeGreaterThan(0);
      expect(r.alarms, `seed ${s}`).toEqual([]);
    }
  });
});

function faultSpec(name: string) {
  const specs = {
    'occlusion catheter': { kind: 'occlusion', location: 'catheter', severity: 1 },
    'displacement tissue': { kind: 'displacement', to: 'tissue', extrahepaticFraction: 1 },
    'motor stall': { kind: 'motorStall', mode: 'permanent', stallProbability: 1 },
    'pressure sensor stuck': { kind: 'sensor', sensor: 'pressure', mode: 'stuck' },
  } as const;
  return specs[name as keyof typeof specs];
}

describe('the physiology and device axes of the grid', () => {
  it('PUMP-PATIENT-WORLD without axes the grid is whole, its cases carrying no axis; with axes every pair runs the physiology faults at the default rate, the kind pair with the grid\'s own cases', () => {
    const plain = detectionCases({ seedsPerCell: 2 });
    expect(detectionCases({ seedsPerCell: 2, physiologies: ['kind'], devices: ['port-ambulatory'] })).toEqual(plain);
    expect(plain.every((c) => !('physiology' in c) && !('device' in c))).toBe(true);
    const both = detectionCases({ seedsPerCell: 2, physiologies: ['kind', 'tachycardia'], devices: ['port-ambulatory', 'implanted'] });
    expect(both).toHaveLength(4 * PHYSIOLOGY_FAULTS.length * GRID_COMPLIANCES_UL_PER_MMHG.length * 2);
    for (const c of both) {
      expect(PHYSIOLOGY_FAULTS).toContain(c.fault);
      expect(c.rateUlPerHour).toBe(DEFAULT_RATE);
    }
    const reference = both.filter((c) => c.physiology === undefined && c.device === undefined);
    expect(reference).toEqual(plain.filter((c) => PHYSIOLOGY_FAULTS.includes(c.fault) && c.rateUlPerHour === DEFAULT_RATE));
  });

  it('PUMP-PATIENT-WORLD each named physiology is a valid patient-world scenario; bradycardia draws 35–45 bpm per seed, the others state their fields', () => {
    for (const name of Object.keys(DETECTION_PHYSIOLOGIES)) {
      const s = scenarioForRate(DEFAULT_RATE, 5, [], name, 1, name);
      expect(s.world.physiology).toBe(DETECTION_PHYSIOLOGIES[name]?.world);
    }
    const rates = Array.from({ length: 50 }, (_, seed) => physiologyFields('bradycardia', seed).patient['heartRateBpm'] as number);
    for (const hr of rates) expect(hr >= 35 && hr <= 45, String(hr)).toBe(true);
    expect(new Set(rates).size).toBeGreaterThan(10);
    expect(physiologyFields('tachycardia', 1).patient).toMatchObject({ heartRateBpm: 150, rhythm: 'sinus', activity: 'bedRest' });
    expect(physiologyFields('pulse-pressure-15', 1).patient).toMatchObject({ pulsePressureMmHg: 15 });
    expect(physiologyFields('atrial-fibrillation', 1).patient).toMatchObject({ rhythm: 'atrialFibrillation' });
  });
});

describe('pulse blindness', () => {
  it('PUMP-PATIENT-WORLD the patent pulse is PP/2 through the catheter low-pass times the band gain: proportional to PP, falling with compliance and heart rate past the band', () => {
    checkProperty(
      fc.property(fc.double({ min: 0.01, max: 2, noNaN: true }), fc.double({ min: 30, max: 200, noNaN: true }), fc.double({ min: 10, max: 100, noNaN: true }), (c, hr, pp) => {
        const a = patentPulseBandMmHg(1, c, hr, pp);
        expect(patentPulseBandMmHg(1, 0, hr, pp)).toBeCloseTo((pp / 2) * cardiacBandGain(hr / 60), 12);
        expect(patentPulseBandMmHg(1, c, hr, 2 * pp)).toBeCloseTo(2 * a, 12);
        expect(patentPulseBandMmHg(1, c * 1.1, hr, pp)).toBeLessThan(a);
        expect(pulseBlind(a, PORT_AMBULATORY)).toBe(a < 0.8);
      }),
      { seed: 77, numRuns: 200 },
    );
  });
});
