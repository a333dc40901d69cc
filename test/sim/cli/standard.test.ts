/**
 * `pumpsim standard` (sim/cli/standard.ts): the JSON it prints, the balance files it writes, and
 * the figures recomputed from those files by an implementation written here, independently of
 * sim/bench/trumpet.ts (windows summed afresh, A from the first and last reading of the period);
 * and every bad option refused before anything runs. The one bench run is one profile with one
 * occlusion seed (about 4 s).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { EXIT_OK } from '../../../sim/cli/exitCodes.ts';
import { fileSafe } from '../../../sim/report/standard.ts';
import { cli, expectInputError } from '../../support/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
let json: Record<string, unknown>;

interface Trumpet { windowMin: number; epMaxPercent: number; epMinPercent: number }
interface Accuracy {
  profile: string; rate: string; method: string; rateUlPerHour: number; sampleIntervalMin: number;
  analysisStartMin: number; analysisEndMin: number; meanErrorPercent: number; trumpet: Trumpet[];
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-standard-'));
  const r = await cli('standard', '--profile', 'port-ambulatory', '--occlusion-seeds', '1', '--json', '--balance-csv', path.join(dir, 'csv'));
  expect(r.code, r.stderr).toBe(EXIT_OK);
  expect(r.stderr).toBe('');
  json = JSON.parse(r.stdout) as Record<string, unknown>;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The CSV's rows, checked for its header and two numeric columns. */
function readCsv(file: string): { t: number; v: number }[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  expect(header).toBe('timeS,volumeUl');
  return rows.map((row) => {
    const [t, v, extra] = row.split(',');
    expect(extra).toBeUndefined();
    return { t: Number(t), v: Number(v) };
  });
}

/** The standard's figures from the rows, written out without the bench's code. */
function recompute(rows: { t: number; v: number }[], e: Accuracy): { a: number; windows: Map<number, [number, number]> } {
  const sS = e.sampleIntervalMin * 60;
  const at = (tS: number): number => {
    const row = rows.find((r) => Math.abs(r.t - tS) < 1e-6);
    if (row === undefined) throw new Error(`no row at ${tS} s`);
    return row.v;
  };
  const from = e.analysisStartMin * 60;
  const to = e.analysisEndMin * 60;
  const n = Math.round((to - from) / sS);
  const r = e.rateUlPerHour;
  const ei: number[] = [];
  for (let i = 1; i <= n; i++) {
    const q = ((at(from + i * sS) - at(from + (i - 1) * sS)) / sS) * 3600;
    ei.push((100 * (q - r)) / r);
  }
  const a = (100 * ((at(to) - at(from)) / ((to - from) / 3600) - r)) / r;
  const windows = new Map<number, [number, number]>();
  for (const t of e.trumpet) {
    const k = Math.round(t.windowMin / e.sampleIntervalMin);
    let max = -Infinity;
    let min = Infinity;
    for (let j = 0; j + k <= n; j++) {
      let sum = 0;
      for (let i = j; i < j + k; i++) sum += ei[i] as number;
      max = Math.max(max, sum / k);
      min = Math.min(min, sum / k);
    }
    windows.set(t.windowMin, [max, min]);
  }
  return { a, windows };
}

describe('pumpsim standard --json --balance-csv', () => {
  it('IEC-60601-2-24-TRUMPET one accuracy entry per rate and method with the issue’s fields, one CSV file each named <profile>-<rate>-<method>.csv', () => {
    const accuracy = json['accuracy'] as Accuracy[];
    expect(accuracy.map((a) => `${a.rate}-${a.method}`)).toEqual(['minimum-stroke', 'minimum-ambulatory', 'intermediate-stroke', 'intermediate-ambulatory', 'maximum-stroke', 'maximum-ambulatory']);
    for (const a of accuracy) {
      for (const key of ['profile', 'rate', 'method', 'rateUlPerHour', 'sampleIntervalMin', 'analysisStartMin', 'analysisEndMin', 'meanErrorPercent', 'trumpet']) expect(a).toHaveProperty(key);
      expect(a.sampleIntervalMin).toBe(a.method === 'stroke' ? 0.5 : 15);
      expect(a.trumpet.map((t) => t.windowMin)).toEqual(a.method === 'stroke' ? [2, 5, 11, 19, 31] : [15, 60, 150, 330, 570, 930]);
    }
    expect(readdirSync(path.join(dir, 'csv')).sort()).toEqual(accuracy.map((a) => `port-ambulatory-${a.rate}-${a.method}.csv`).sort());
  });

  it('IEC-60601-2-24-TRUMPET Ep(max), Ep(min) and A recomputed from the CSV files by an independent implementation agree to 0.01 percentage points', () => {
    for (const e of json['accuracy'] as Accuracy[]) {
      const rows = readCsv(path.join(dir, 'csv', `${e.profile}-${e.rate}-${e.method}.csv`));
      const { a, windows } = recompute(rows, e);
      expect(Math.abs(a - e.meanErrorPercent), `${e.rate} ${e.method} A`).toBeLessThan(0.01);
      for (const t of e.trumpet) {
        const [max, min] = windows.get(t.windowMin) as [number, number];
        expect(Math.abs(max - t.epMaxPercent), `${e.rate} ${e.method} ${t.windowMin} min Ep(max)`).toBeLessThan(0.01);
        expect(Math.abs(min - t.epMinPercent), `${e.rate} ${e.method} ${t.windowMin} min Ep(min)`).toBeLessThan(0.01);
      }
    }
  });

  it('IEC-60601-2-24-OCCLUSION one occlusion entry per rate (minimum, intermediate) with the median and worst time to the high-priority alarm and the bolus', () => {
    const occlusion = json['occlusion'] as Record<string, unknown>[];
    expect(occlusion.map((o) => o['rate'])).toEqual(['minimum', 'intermediate']);
    for (const o of occlusion) {
      for (const key of ['rate', 'rateUlPerHour', 'thresholdMmHg', 'timeToAlarmS', 'worstTimeToAlarmS', 'bolusUl']) expect(o).toHaveProperty(key);
      expect(o['thresholdMmHg']).toBeNull();
      expect(o['alarms']).toEqual(['OCCLUSION']);
      expect(o['timeToAlarmS'] as number).toBeGreaterThan(0);
      // The stored volume of a blocked line is C·ΔP: a few microlitres, never a dose.
      expect(o['bolusUl'] as number).toBeGreaterThan(0);
      expect(o['bolusUl'] as number).toBeLessThan(50);
    }
  });
});

describe('the balance files’ names', () => {
  it('IEC-60601-2-24-TRUMPET a device file’s name becomes a file-name part: letters, digits, dot, underscore and hyphen kept, anything else a hyphen', () => {
    expect(fileSafe('port-ambulatory')).toBe('port-ambulatory');
    expect(fileSafe('my pump (v2)/rev.3')).toBe('my-pump-v2-rev.3');
    expect(fileSafe('../../etc')).toBe('..-..-etc');
  });
});

describe('pumpsim standard refuses bad options before running (exit 2, one line naming the option and the range)', () => {
  it('PUMP-CLI an unknown profile, out-of-range seeds and balance parameters, and --profile with --device', async () => {
    expectInputError(await cli('standard', '--profile', 'syringe'), /--profile must be one of: port-ambulatory, implanted, implanted-40, port-ambulatory-coarse/);
    expectInputError(await cli('standard', '--seed', '-1'), /--seed must be an integer 0–4294967295/);
    expectInputError(await cli('standard', '--occlusion-seeds', '0'), /--occlusion-seeds must be an integer 1–50/);
    expectInputError(await cli('standard', '--occlusion-seeds', '51'), /--occlusion-seeds must be an integer 1–50/);
    expectInputError(await cli('standard', '--balance-resolution-mg', '0'), /--balance-resolution-mg must be a number 0.0001–10 mg/);
    expectInputError(await cli('standard', '--balance-resolution-mg', '1e-3'), /--balance-resolution-mg must be a number 0.0001–10 mg/);
    expectInputError(await cli('standard', '--evaporation-mg-per-hour', 'NaN'), /--evaporation-mg-per-hour must be a number 0–100 mg\/h/);
    expectInputError(await cli('standard', '--density-g-per-ml', '3'), /--density-g-per-ml must be a number 0.5–2 g\/mL/);
    expectInputError(await cli('standard', '--profile', 'implanted', '--device', 'x.json'), /--profile and --device: give one of them, not both/);
  });

  it('PUMP-CLI a device file that does not load, a report that is not .html, a CSV directory that is a file', async () => {
    expectInputError(await cli('standard', '--device', path.join(dir, 'no-such.json')), /no-such\.json/);
    const bad = path.join(dir, 'bad-device.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', description: '', placement: 'external' }));
    expectInputError(await cli('standard', '--device', bad), /strokeVolumeUl: is required/);
    // A valid device whose lowest rate its smallest fill cannot reach within the drug library's 21 days.
    const slow = path.join(dir, 'slow-device.json');
    const implanted = JSON.parse(readFileSync(path.join(ROOT, 'sim/world/devices/profiles/implanted.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(slow, JSON.stringify({ ...implanted, $schema: undefined, name: 'slow pump', rateMinUlPerHour: 0.1 }));
    expectInputError(await cli('standard', '--device', slow), /^pumpsim: device slow pump: the bench cannot program its minimum rate: .*infusionDays/);
    expectInputError(await cli('standard', '--report', path.join(dir, 'r.txt')), /--report: the file name must end in \.html/);
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expectInputError(await cli('standard', '--balance-csv', file), /--balance-csv .*a-file: cannot write files in the directory/);
  });
});
