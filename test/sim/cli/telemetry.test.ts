/**
 * `pumpsim run --telemetry FILE --every N` and `--report FILE`: the files written and the refusals.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TELEMETRY_COLUMNS } from '../../../sim/run/telemetry.ts';
import { cli, expectInputError } from '../../support/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SHORT = path.join(ROOT, 'sim/scenarios/occlusion-line-gradual.json');
const dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-telemetry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run --telemetry and the --report options', () => {
  it('refuses an interval out of range, an unknown format, an unwritable file and --every alone, naming the option', async () => {
    for (const every of ['0', '86401', '2.5', 'ten']) expectInputError(await cli('run', '--telemetry', path.join(dir, 'x.csv'), '--every', every), /--every must be an integer 1–86400/);
    expectInputError(await cli('run', '--telemetry', path.join(dir, 'x.txt')), /--telemetry: the file name must end in \.csv or \.ndjson/);
    expectInputError(await cli('run', '--telemetry', path.join(dir, 'no-such-folder', 'x.csv')), /--telemetry: cannot write/);
    expectInputError(await cli('run', '--report', path.join(dir, 'x.pdf')), /--report: the file name must end in \.html/);
    expectInputError(await cli('run', '--every', '5'), /--every: sets the sampling of --telemetry or --report/);
    expectInputError(await cli('cohort', '--report', path.join(dir, 'x.pdf')), /--report: the file name must end in \.html/);
    expectInputError(await cli('detection', '--report', path.join(dir, 'x.pdf')), /--report: the file name must end in \.html/);
    expectInputError(await cli('detection', '--report', path.join(dir, 'no-such-folder', 'x.html')), /--report .*cannot write the file/);
  });

  it('writes the same rows as CSV and as NDJSON: the documented columns, ⌈T / every⌉ + 1 rows, the summary’s delivered volume last', async () => {
    const csvFile = path.join(dir, 'run.csv');
    const ndjsonFile = path.join(dir, 'run.ndjson');
    const a = await cli('run', '--scenario', SHORT, '--json', '--telemetry', csvFile, '--every', '30');
    const b = await cli('run', '--scenario', SHORT, '--json', '--telemetry', ndjsonFile, '--every', '30');
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const summary = JSON.parse(a.stdout) as { simulatedSeconds: number; delivered: { volumeMl: number } };
    const [header, ...lines] = readFileSync(csvFile, 'utf8').trimEnd().split('\n');
    expect(header?.split(',')).toEqual([...TELEMETRY_COLUMNS]);
    expect(lines).toHaveLength(Math.ceil(summary.simulatedSeconds / 30) + 1);
    const objects = readFileSync(ndjsonFile, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects).toHaveLength(lines.length);
    lines.forEach((line, i) => {
      const fromJson = TELEMETRY_COLUMNS.map((c) => (objects[i]?.[c] === null ? '' : String(objects[i]?.[c])));
      expect(line.split(',')).toEqual(fromJson);
    });
    const last = objects[objects.length - 1] as { deliveredTruthUl: number };
    expect(Number((last.deliveredTruthUl / 1000).toFixed(4))).toBe(summary.delivered.volumeMl);
  });

  it('writes a course’s cycles into one file with a cycle column, time restarting at each cycle', async () => {
    const course = JSON.parse(readFileSync(path.join(ROOT, 'sim/scenarios/course/ulcer-cycle2.json'), 'utf8')) as Record<string, unknown>;
    const scenario = path.join(dir, 'course.json');
    writeFileSync(scenario, JSON.stringify({ ...course, name: 'telemetry-course', course: { cycles: 2, cycleDays: 21 }, clinicalEvents: [] }));
    const file = path.join(dir, 'course.csv');
    const r = await cli('run', '--scenario', scenario, '--telemetry', file, '--every', '3600');
    expect(r.code, r.stderr).toBe(0);
    const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(header?.split(',')).toEqual(['cycle', ...TELEMETRY_COLUMNS]);
    const rows = lines.map((l) => l.split(','));
    const cycles = [...new Set(rows.map((row) => row[0]))];
    expect(cycles).toEqual(['1', '2']);
    for (const c of cycles) expect(rows.find((row) => row[0] === c)?.[1]).toBe('0');
  });
});
