/**
 * `pumpsim` command line (sim/cli/main.ts): exit codes, one JSON object with --json, one-line errors.
 * Called in-process through `main(argv, out, err)` (test/support/cli.ts); one test spawns the real process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_OK } from '../../../sim/cli/exitCodes.ts';
import { DEFAULT_SCENARIO_INPUT } from '../../../sim/scenario/scenario.ts';
import { cli, expectInputError } from '../../support/cli.ts';
import { shortScenarioInput } from '../../support/simulation.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const REQUIRED_SUMMARY_KEYS = ['scenario', 'seed', 'simulatedSeconds', 'wallMs', 'controlSteps', 'prescription', 'delivered', 'firmwareBelief', 'alarms', 'finalState', 'faults'];
const REQUIRED_PRESCRIPTION_KEYS = ['bsaM2', 'fudrMgPerDay', 'dexamethasoneMgPerDay', 'fudrMgTotal', 'dexamethasoneMgTotal', 'heparinUnitsTotal', 'volumeMl', 'rateMlPerHour', 'infusionDays', 'doseFactor'];
const REQUIRED_DELIVERED_KEYS = ['volumeMl', 'fudrMg', 'dexamethasoneMg', 'heparinUnits'];

function expectSummaryShape(summary: Record<string, unknown>): void {
  for (const key of REQUIRED_SUMMARY_KEYS) expect(summary, key).toHaveProperty(key);
  for (const key of REQUIRED_PRESCRIPTION_KEYS) expect(typeof (summary['prescription'] as Record<string, unknown>)[key], `prescription.${key}`).toBe('number');
  for (const key of REQUIRED_DELIVERED_KEYS) expect(typeof (summary['delivered'] as Record<string, unknown>)[key], `delivered.${key}`).toBe('number');
  expect(typeof (summary['firmwareBelief'] as Record<string, unknown>)['deliveredVolumeMl']).toBe('number');
  expect(Array.isArray(summary['alarms'])).toBe(true);
  expect(Array.isArray(summary['faults'])).toBe(true);
  expect(typeof summary['finalState']).toBe('string');
}

let dir: string;
/** A 1-hour infusion, seed 4: ~4 000 simulated seconds, alarm-free. */
let shortFile: string;

/** Writes the default scenario JSON, changed by `edit`, and returns its path. */
function scenarioFile(name: string, edit: (s: Record<string, any>) => void, base: unknown = DEFAULT_SCENARIO_INPUT): string {
  const s = JSON.parse(JSON.stringify(base)) as Record<string, any>;
  edit(s);
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(s, null, 2));
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-cli-'));
  shortFile = scenarioFile('short', () => undefined, shortScenarioInput({ name: 'short-1h', seed: 4, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 }));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('pumpsim run --json', () => {
  it('PUMP-CLI prints exactly one JSON object with the summary keys on stdout and exits 0', async () => {
    const r = await cli('run', '--scenario', shortFile, '--json');
    expect(r.code, r.stderr).toBe(EXIT_OK);
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(typeof summary).toBe('object');
    expect(Array.isArray(summary)).toBe(false);
    expectSummaryShape(summary);
    expect(summary['scenario']).toBe('short-1h');
    expect(summary['seed']).toBe(4);
    expect(summary['finalState']).toBe('locked');
    expect(summary['alarms']).toEqual([]);
  });

  it('PUMP-CLI --seed overrides the scenario seed', async () => {
    const withSeed = JSON.parse((await cli('run', '--scenario', shortFile, '--json', '--seed', '6')).stdout) as Record<string, any>;
    const original = JSON.parse((await cli('run', '--scenario', shortFile, '--json')).stdout) as Record<string, any>;
    expect(withSeed['seed']).toBe(6);
    expect(withSeed['delivered']).not.toEqual(original['delivered']);
    const seed6File = scenarioFile('seed6', (s) => (s['seed'] = 6), shortScenarioInput({ name: 'short-1h', seed: 4, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 }));
    const fromFile = JSON.parse((await cli('run', '--scenario', seed6File, '--json')).stdout) as Record<string, any>;
    expect({ ...withSeed, wallMs: 0 }).toEqual({ ...fromFile, wallMs: 0 });
  });

  it('PUMP-CLI --device runs the scenario on another built-in profile, the scenario\'s device overrides kept, the same as naming it in the file', async () => {
    const input = shortScenarioInput({ name: 'short-1h', seed: 4, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 });
    const overridden = scenarioFile('overridden', (s) => (s['device'] = { profile: 'port-ambulatory', overrides: { lineComplianceUlPerMmHg: 0.5 } }), input);
    const onCoarse = JSON.parse((await cli('run', '--scenario', overridden, '--json', '--device', 'port-ambulatory-coarse')).stdout) as Record<string, any>;
    expect(onCoarse['profile']).toBe('port-ambulatory-coarse (overrides: lineComplianceUlPerMmHg)');
    const inFile = scenarioFile('coarse', (s) => (s['device'] = { profile: 'port-ambulatory-coarse', overrides: { lineComplianceUlPerMmHg: 0.5 } }), input);
    const fromFile = JSON.parse((await cli('run', '--scenario', inFile, '--json')).stdout) as Record<string, any>;
    expect({ ...onCoarse, wallMs: 0 }).toEqual({ ...fromFile, wallMs: 0 });
    expectInputError(await cli('run', '--scenario', shortFile, '--device', 'syringe'), /Allowed choices are port-ambulatory, implanted, implanted-40, port-ambulatory-coarse/);
  });

  it('PUMP-CLI without --json prints a human-readable report, not JSON', async () => {
    const r = await cli('run', '--scenario', shortFile);
    expect(r.code, r.stderr).toBe(EXIT_OK);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(() => JSON.parse(r.stdout)).toThrow();
  });

  it('PUMP-CLI a soft-limit dose (FUDR 0.25 mg/kg/day) runs when the scenario confirms soft limits', async () => {
    const file = scenarioFile('soft-confirmed', (s) => (s['prescription']['fudrMgPerKgPerDay'] = 0.25), shortScenarioInput({ seed: 4, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 }));
    const r = await cli('run', '--scenario', file, '--json');
    expect(r.code, r.stderr).toBe(EXIT_OK);
    const summary = JSON.parse(r.stdout) as Record<string, any>;
    expect(summary['prescription']['fudrMgPerDay']).toBeCloseTo(0.25 * 70, 6);
  });
});

describe('pumpsim invalid input: exit 2, one line on stderr, no stack trace', () => {
  it('PUMP-CLI a file that is not JSON', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{ "name": ');
    expectInputError(await cli('run', '--scenario', file, '--json'), /not valid JSON/);
  });

  it('PUMP-CLI a key given twice in one object is refused, naming the key and where it is', async () => {
    const file = path.join(dir, 'duplicate.json');
    writeFileSync(file, JSON.stringify(DEFAULT_SCENARIO_INPUT).replace('"weightKg":70', '"weightKg":700,"weightKg":70'));
    expectInputError(await cli('run', '--scenario', file, '--json'), /duplicate key "weightKg" in patient/);
  });

  it('PUMP-CLI a fault after the end of the run is refused, naming the field and the run\'s length', async () => {
    const file = scenarioFile('late-fault', (s) => (s['faults'] = [{ kind: 'occlusion', atHours: 1000 }]));
    expectInputError(await cli('run', '--scenario', file, '--json'), /faults\[0\]\.atHours = 1000 is at or after the end of the run \(the run lasts 360 h: the 14-day infusion \+ 24 h/);
  });

  it('PUMP-CLI more faults than the documented maximum are refused', async () => {
    const file = scenarioFile('too-many', (s) => (s['faults'] = Array.from({ length: 100_001 }, (_, i) => ({ kind: 'powerLoss', atHours: 1 + i * 0.003, durationMinutes: 0.05 }))));
    expectInputError(await cli('run', '--scenario', file, '--json'), /faults holds more than 100000 faults/);
  });

  it('PUMP-CLI an unknown field', async () => {
    expectInputError(await cli('run', '--scenario', scenarioFile('unknown', (s) => (s['patient']['age'] = 62)), '--json'), /patient\.age: unknown field/);
  });

  it('PUMP-CLI a negative weight', async () => {
    expectInputError(await cli('run', '--scenario', scenarioFile('negative', (s) => (s['patient']['weightKg'] = -70)), '--json'), /patient\.weightKg.*allowed > 0 and ≤ 500 kg/);
  });

  it('PUMP-CLI a dose above the hard limit (FUDR 0.5 mg/kg/day)', async () => {
    const file = scenarioFile('hard', (s) => (s['prescription']['fudrMgPerKgPerDay'] = 0.5));
    expectInputError(await cli('run', '--scenario', file, '--json'), /prescription\.fudrMgPerKgPerDay = 0\.5 is outside the hard limit > 0 and ≤ 0\.3 mg\/kg\/day/);
  });

  for (const doseFactor of [0, 1.5]) {
    it(`PUMP-CLI doseFactor ${doseFactor} (allowed > 0 and ≤ 1)`, async () => {
      const file = scenarioFile(`doseFactor-${doseFactor}`, (s) => (s['prescription']['doseFactor'] = doseFactor));
      expectInputError(await cli('run', '--scenario', file, '--json'), /prescription\.doseFactor = [\d.]+ is outside the hard limit > 0 and ≤ 1/);
    });
  }

  for (const infusionDays of [0, 30]) {
    it(`PUMP-CLI infusionDays ${infusionDays} (allowed 1 h to 21 days)`, async () => {
      const file = scenarioFile(`days-${infusionDays}`, (s) => (s['prescription']['infusionDays'] = infusionDays));
      expectInputError(await cli('run', '--scenario', file, '--json'), /prescription\.infusionDays = \d+ is outside the hard limit 0\.0416667–21 days/);
    });
  }

  it('PUMP-CLI a reservoir too small for the programme (3 mL over 14 days) names the smallest fill', async () => {
    const file = scenarioFile('small-reservoir', (s) => (s['prescription']['reservoirVolumeMl'] = 3));
    const r = await cli('run', '--scenario', file, '--json');
    expectInputError(r, /prescription\.reservoirVolumeMl = 3 is too small.*below the pump minimum 20 µL\/h; allowed [\d.]+–100 mL/);
    // The smallest fill named is the one that gives 20 µL/h: residual + priming + 20 µL/h × 336 h / 0.97.
    const smallest = Number(/allowed ([\d.]+)–100 mL/.exec(r.stderr)?.[1]);
    expect(smallest).toBeCloseTo((500 + 370 + (20 * 336) / 0.97) / 1000, 3);
  });

  it('PUMP-CLI a soft-limit dose (FUDR 0.25 mg/kg/day) without confirmSoftLimits asks for the confirmation', async () => {
    const file = scenarioFile('soft', (s) => (s['prescription']['fudrMgPerKgPerDay'] = 0.25));
    expectInputError(await cli('run', '--scenario', file, '--json'), /needs confirmation \(set prescription\.confirmSoftLimits to true\).*fudrMgPerKgPerDay = 0\.25 is outside the soft limit 0\.05–0\.2 mg\/kg\/day/);
  });

  it('PUMP-CLI a missing scenario file', async () => {
    expectInputError(await cli('run', '--scenario', path.join(dir, 'no-such-file.json'), '--json'), /cannot read scenario file .*no-such-file\.json: ENOENT/);
  });

  it('PUMP-CLI --speed fast (allowed "max" or a factor)', async () => {
    expectInputError(await cli('run', '--speed', 'fast'), /--speed must be "max" or a factor > 0 and ≤ 1e9/);
  });

  it('PUMP-CLI --seed that is not an integer', async () => {
    expectInputError(await cli('run', '--seed', '1.5'), /--seed must be an integer 0–4294967295/);
  });

  it('PUMP-CLI an unknown option or command', async () => {
    expectInputError(await cli('run', '--bogus'), /unknown option '--bogus'/);
    expectInputError(await cli('bogus'), /unknown command 'bogus'/);
  });
});

describe('pumpsim --help', () => {
  it('PUMP-CLI run --help prints the run usage and its options, exit 0', async () => {
    const r = await cli('run', '--help');
    expect(r.code).toBe(EXIT_OK);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: pumpsim run \[options\]/);
    for (const option of ['--scenario <file>', '--seed <n>', '--speed <max|factor>', '--json']) expect(r.stdout).toContain(option);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('a factor (3600 = one simulated hour per wall second) also streams the live event trace to stderr, unless --json');
  });

  it('PUMP-CLI --help prints the program usage and its commands, exit 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(EXIT_OK);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: pumpsim \[options\] \[command\]/);
    expect(r.stdout).toMatch(/\brun \[options\]/);
  });
});

describe('pumpsim --version', () => {
  it('PUMP-CLI --version prints the version package.json states, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r.code).toBe(EXIT_OK);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe('pumpsim run --speed (paced)', () => {
  it('PUMP-CLI a paced run streams its event trace to stderr and keeps stdout for the summary; with --json, stderr stays empty', async () => {
    const paced = await cli('run', '--scenario', shortFile, '--speed', '1e9');
    expect(paced.code, paced.stderr).toBe(EXIT_OK);
    expect(paced.stderr.trimEnd().split('\n').length).toBeGreaterThan(1);
    const withoutWallTime = (text: string): string => text.replace(/ in [\d.,]+ ms wall time/, '');
    expect(withoutWallTime(paced.stdout)).toBe(withoutWallTime((await cli('run', '--scenario', shortFile)).stdout));
    const json = await cli('run', '--scenario', shortFile, '--speed', '1e9', '--json');
    expect(json.code, json.stderr).toBe(EXIT_OK);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toHaveProperty('scenario', 'short-1h');
  });
});

describe('pumpsim as a process', () => {
  it('PUMP-CLI `npm run -s pumpsim -- run --scenario <file> --json` (the README\'s command, through sim/tools/loader/) exits 0 and prints one JSON object', async () => {
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', '-s', 'pumpsim', '--', 'run', '--scenario', shortFile, '--json'], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    // execFile rejects on a non-zero exit code, so reaching here means exit 0.
    expect(stderr).toBe('');
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expectSummaryShape(summary);
    expect(summary['finalState']).toBe('locked');
  });
});
