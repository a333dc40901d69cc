/**
 * Device files and overrides (sim/scenario/device.ts): the built-in profiles are device files of the
 * same format, every parameter is range-checked naming the field, and the firmware's belief follows
 * the device (the stroke volume it is told is the file's).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_DEVICES, DEVICE_PARAMETERS, deviceProblems, parseDeviceFile } from '../../../sim/scenario/device.ts';
import { ScenarioError, deviceProfileOf, loadScenarioFile, parseScenario } from '../../../sim/scenario/scenario.ts';
import { runScenario } from '../../../sim/run/simulation.ts';
import { shortScenarioInput } from '../../support/simulation.ts';
import { cli, expectInputError } from '../../support/cli.ts';

const PROFILES_DIR = fileURLToPath(new URL('../../../sim/world/devices/profiles/', import.meta.url));
const PORT = BUILT_IN_DEVICES['port-ambulatory']!;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-device-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(value, null, 2));
  return file;
}

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ScenarioError) return e.message;
    throw e;
  }
  throw new Error('expected a ScenarioError');
}

describe('PUMP-DEVICE-FILE the built-in profiles are device files', () => {
  it('PUMP-DEVICE-FILE every file under sim/world/devices/profiles/ validates and is a built-in profile of its name', () => {
    const files = readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(['implanted-40.json', 'implanted.json', 'port-ambulatory-coarse.json', 'port-ambulatory.json']);
    for (const f of files) {
      const p = parseDeviceFile(JSON.parse(readFileSync(path.join(PROFILES_DIR, f), 'utf8')), f);
      expect(p.name).toBe(f.replace(/\.json$/, ''));
      expect(BUILT_IN_DEVICES[p.name]).toEqual(p);
    }
  });

  it('PUMP-DEVICE-FILE the firmware is told the file’s stroke volume, compliance, residual and gauge period (one parameter each)', () => {
    const s = parseScenario({ ...shortScenarioInput(), device: { profile: 'implanted', overrides: { lineComplianceUlPerMmHg: 0.25, reservoirResidualUl: 800 } } });
    const profile = deviceProfileOf(s);
    expect(profile.firmwareConfig.strokeVolumeNl).toBe(500);
    expect(profile.mechanism.strokeVolumeUl).toBe(0.5);
    expect(profile.firmwareConfig.lineComplianceUlPerMmHg).toBe(0.25);
    expect(profile.path.lineComplianceUlPerMmHg).toBe(0.25);
    expect(profile.firmwareConfig.reservoirResidualUl).toBe(800);
    expect(profile.reservoir.residualUl).toBe(800);
    expect(profile.firmwareConfig.reservoirGaugePeriodMs).toBe(profile.sensors.reservoir.periodMs);
    expect(profile.name).toBe('implanted (overrides: reservoirResidualUl, lineComplianceUlPerMmHg)');
  });
});

describe('PUMP-DEVICE-RANGE every parameter is range-checked, naming the field and the allowed range', () => {
  it('PUMP-DEVICE-RANGE each numeric parameter just outside its range is refused in a device file and as an override', () => {
    for (const [name, spec] of Object.entries(DEVICE_PARAMETERS)) {
      for (const bad of [spec.min - Math.max(1, Math.abs(spec.min)), spec.max + Math.max(1, Math.abs(spec.max))]) {
        expect(errorOf(() => parseDeviceFile({ ...PORT, [name]: bad }, 'my-pump.json'))).toMatch(new RegExp(`^my-pump\\.json: ${name} is (below|above) the allowed range \\(allowed ${spec.min}–${spec.max}`));
        const scenario = { ...shortScenarioInput(), device: { overrides: { [name]: bad } } };
        expect(errorOf(() => parseScenario(scenario))).toMatch(new RegExp(`device\\.overrides\\.${name} is (below|above) the allowed range \\(allowed ${spec.min}–${spec.max}`));
      }
    }
  });

  it('PUMP-DEVICE-RANGE a missing parameter, a string, an unknown parameter and a fraction of a nanolitre are refused', () => {
    const { strokeVolumeUl: _dropped, ...missing } = PORT;
    expect(errorOf(() => parseDeviceFile(missing, 'f.json'))).toMatch(/f\.json: strokeVolumeUl: is required/);
    expect(errorOf(() => parseDeviceFile({ ...PORT, strokeVolumeUl: '1' }, 'f.json'))).toMatch(/strokeVolumeUl must be a number \(allowed 0\.05–10 µL\)/);
    expect(errorOf(() => parseDeviceFile({ ...PORT, colour: 'blue' }, 'f.json'))).toMatch(/colour: unknown field/);
    expect(errorOf(() => parseScenario({ ...shortScenarioInput(), device: { overrides: { strokeVolume: 1 } } }))).toMatch(/device\.overrides\.strokeVolume: unknown field/);
    expect(errorOf(() => parseScenario({ ...shortScenarioInput(), device: { overrides: { strokeVolumeUl: 0.5004 } } }))).toMatch(/device\.overrides\.strokeVolumeUl must be a multiple of 0\.001 µL/);
    expect(errorOf(() => parseScenario({ ...shortScenarioInput(), device: { overrides: { encoderCountsPerStroke: 6.5 } } }))).toMatch(/device\.overrides\.encoderCountsPerStroke must be a whole number/);
  });

  it('PUMP-DEVICE-RANGE cross-field checks: ranges, the drive against its prime and flush rates, the reserve against the unit tolerance', () => {
    expect(deviceProblems(PORT)).toEqual([]);
    expect(deviceProblems({ ...PORT, rateMinUlPerHour: 2000 })).toEqual(['rateMinUlPerHour = 2000 must be below rateMaxUlPerHour = 1000']);
    // 0.5 µL at 20 strokes/s moves 36 mL/h: the 60 mL/h prime is out of reach.
    expect(errorOf(() => parseScenario({ ...shortScenarioInput(), device: { overrides: { strokeVolumeUl: 0.5 } } }))).toMatch(
      /device\.overrides: primeRateUlPerHour = 60000 is faster than the drive \(allowed ≤ maxStrokesPerSecond × strokeVolumeUl × 3600 = 36000 µL\/h\); flushRateUlPerHour = 60000/,
    );
    expect(errorOf(() => parseDeviceFile({ ...PORT, reservoirReserveFraction: 0.01 }, 'f.json'))).toMatch(/reservoirReserveFraction = 0\.01 does not cover the unit tolerance \(allowed ≥ strokeVolumeUnitErrorFraction = 0\.02/);
    expect(errorOf(() => parseDeviceFile({ ...PORT, arterialMeanMmHg: 120 }, 'f.json'))).toMatch(/arterialMeanMmHg = 120 must lie within arterialMeanMinMmHg–arterialMeanMaxMmHg/);
  });

  it('PUMP-DEVICE-RANGE profile and file together, a device file that is missing, and a refill fault on an external pump are refused', () => {
    expect(errorOf(() => parseScenario({ ...shortScenarioInput(), device: { profile: 'implanted', file: 'x.json' } }))).toMatch(/device: give profile or file, not both/);
    expect(errorOf(() => parseScenario({ ...shortScenarioInput(), device: { file: 'no-such-pump.json' } }, 'scenario', { baseDir: dir }))).toMatch(/cannot read device file .*no-such-pump\.json: ENOENT/);
    const external = write('external.json', { ...PORT, name: 'my-external', $schema: 'device.schema.json' });
    const refill = { ...shortScenarioInput({ infusionDays: 14 }), course: { cycles: 1, cycleDays: 21, refillFaults: [{ kind: 'pocketFill', cycle: 1 }] }, device: { file: external } };
    expect(errorOf(() => parseScenario(refill))).toMatch(/course\.refillFaults: refills through a septum happen only with an implanted pump .*got external, device my-external/);
  });
});

describe('PUMP-DEVICE-FILE the engineer’s own device in a scenario', () => {
  it('PUMP-DEVICE-FILE "device": { "file" } is read relative to the scenario file, and its errors name the file and the field', () => {
    // Relative to the scenario file, not to the working directory (the repository root here).
    mkdirSync(path.join(dir, 'devices'), { recursive: true });
    write('devices/my-pump.json', { ...PORT, name: 'my-pump', strokeVolumeUl: 2 });
    const scenarioFile = write('with-file.json', { ...shortScenarioInput(), device: { file: 'devices/my-pump.json' } });
    const s = loadScenarioFile(scenarioFile);
    expect(s.device.file).toBe('devices/my-pump.json');
    expect(s.device.parameters.name).toBe('my-pump');
    expect(deviceProfileOf(s).firmwareConfig.strokeVolumeNl).toBe(2000);
    write('bad-pump.json', { ...PORT, lineComplianceUlPerMmHg: 50 });
    const badFile = write('with-bad-file.json', { ...shortScenarioInput(), device: { file: 'bad-pump.json' } });
    expect(errorOf(() => loadScenarioFile(badFile))).toMatch(/bad-pump\.json: lineComplianceUlPerMmHg is above the allowed range \(allowed 0\.01–10 µL\/mmHg\)/);
  });

  it('PUMP-DEVICE-STROKES a device with strokeVolumeUl 0.5 doubles the strokes of the same programme; delivery stays right', async () => {
    const input = shortScenarioInput({ name: 'strokes', seed: 3, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 });
    const half = write('half-ul.json', { ...PORT, name: 'half-ul', strokeVolumeUl: 0.5, maxStrokesPerSecond: 40 });
    const nominal = await runScenario({ scenario: parseScenario(input) });
    const small = await runScenario({ scenario: parseScenario({ ...input, device: { file: half } }) });
    expect(nominal.firmwareBelief.strokes).toBeGreaterThan(1000);
    expect(small.firmwareBelief.strokes).toBe(2 * nominal.firmwareBelief.strokes);
    expect(small.firmwareBelief.deliveredVolumeMl).toBeCloseTo(nominal.firmwareBelief.deliveredVolumeMl, 6);
    expect(small.profile).toBe('half-ul');
    expect(small.finalState).toBe(nominal.finalState);
  });

  it('PUMP-CLI an override outside its range exits 2, naming it and its range', async () => {
    const file = write('override-out.json', { ...shortScenarioInput(), device: { profile: 'port-ambulatory', overrides: { lineComplianceUlPerMmHg: 20 } } });
    expectInputError(await cli('run', '--scenario', file, '--json'), /device\.overrides\.lineComplianceUlPerMmHg is above the allowed range \(allowed 0\.01–10 µL\/mmHg\)/);
  });
});
