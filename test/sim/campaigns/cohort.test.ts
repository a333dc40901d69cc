/**
 * The virtual cohort: patients shaped like the seed's Table 1, the results table, the CLI.
 * Pump runs here are few and capped at one 14-day cycle per patient (`maxCycles: 1`).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TABLE_1, allocate, cohortTable, drawCohort, runCohort } from '../../../sim/campaigns/cohort.ts';
import { cohortCsv, formatCohortTable } from '../../../sim/report/cohort.ts';
import { main } from '../../../sim/cli/main.ts';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('COHORT-TABLE1 patients shaped like Table 1', () => {
  it('has exactly the seed\'s counts for 54 patients: sex, ECOG, primary site, hepatic involvement, lobes, lesions, CEA, LDH', () => {
    const cohort = drawCohort(54, 1);
    const tally = (f: (p: (typeof cohort)[number]) => string | number): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const p of cohort) out[String(f(p))] = (out[String(f(p))] ?? 0) + 1;
      return out;
    };
    expect(tally((p) => p.sex)).toEqual(TABLE_1.sex);
    expect(tally((p) => p.ecog)).toEqual(TABLE_1.ecog);
    expect(tally((p) => p.primarySite)).toEqual(TABLE_1.primarySite);
    expect(tally((p) => p.hepaticInvolvement)).toEqual(TABLE_1.hepaticInvolvement);
    expect(tally((p) => p.lobarInvolvement)).toEqual(TABLE_1.lobarInvolvement);
    expect(tally((p) => p.lesions)).toEqual(TABLE_1.lesions);
    expect(tally((p) => p.cea)).toEqual(TABLE_1.cea);
    expect(tally((p) => p.ldh)).toEqual(TABLE_1.ldh);
  });

  it('has the seed\'s age median and range (62, 32–78), and weights and heights inside the drug library\'s soft limits', () => {
    const cohort = drawCohort(54, 1);
    const ages = cohort.map((p) => p.age).sort((a, b) => a - b);
    expect(Math.min(...ages)).toBe(32);
    expect(Math.max(...ages)).toBe(78);
    expect(((ages[26] ?? 0) + (ages[27] ?? 0)) / 2).toBeCloseTo(62, 0);
    for (const p of cohort) {
      expect(p.weightKg).toBeGreaterThanOrEqual(35);
      expect(p.heightCm).toBeGreaterThanOrEqual(140);
      expect(p.plannedCycles).toBeGreaterThanOrEqual(3);
      expect(p.plannedCycles).toBeLessThanOrEqual(18);
    }
  });

  it('allocates other cohort sizes in the same proportions (largest remainder)', () => {
    expect(Object.fromEntries(allocate(TABLE_1.ecog, 100))).toEqual({ '0': 39, '1': 44, '2': 17 });
    expect([...allocate(TABLE_1.sex, 7).values()].reduce((s, c) => s + c, 0)).toBe(7);
  });

  it('is the same cohort for the same seed, and another for another seed', () => {
    expect(drawCohort(20, 7)).toEqual(drawCohort(20, 7));
    expect(drawCohort(20, 8)).not.toEqual(drawCohort(20, 7));
  });
});

describe('COHORT-RUN running the cohort', () => {
  it('gives the same outcomes in worker threads as in-process (2 patients, one 14-day cycle each)', async () => {
    const inProcess = await runCohort({ patients: 2, seed: 3, maxCycles: 1, workers: 0 });
    const workers = await runCohort({ patients: 2, seed: 3, maxCycles: 1, workers: 2 });
    expect(workers.workers).toBe(2);
    const strip = (r: typeof inProcess): unknown => r.outcomes.map(({ wallMs: _w, ...o }) => o);
    expect(strip(workers)).toEqual(strip(inProcess));
    expect(inProcess.outcomes.every((o) => o.cyclesInfused === 1 && o.fudrMg > 0)).toBe(true);
  });

  it('prints a table in the shape of the seed\'s results, beside the seed\'s figures, and a CSV row per patient', async () => {
    const r = await runCohort({ patients: 30, seed: 2, workers: 0, executor: 'nominal' });
    const text = formatCohortTable(r.table);
    for (const label of ['Converted to resectable and resected', 'cycles before resection, median (range)', 'days from stop of chemotherapy to resection', 'postoperative XELOX + HAI', 'HAI cycles received, median (range)', 'Patients with dose reduction', 'Patients with HAI held', 'Patients with HAI stopped', 'Catheter displacement', 'Port-site infection', 'GI ulceration', 'ALT/AST grade 3', 'Epigastric pain grade 3–4', 'FUDR to the hepatic artery per patient', 'Device alarms by code']) {
      expect(text).toContain(label);
    }
    expect(text).toContain('9 (3–18)');
    const csv = cohortCsv(r.outcomes).trim().split('\n');
    expect(csv).toHaveLength(31);
    expect(csv[0]).toMatch(/^patient,seed,age,sex,ecog,/);
    expect(cohortTable(r.outcomes)).toEqual(r.table);
  });
});

describe('pumpsim cohort (CLI)', () => {
  it('refuses bad options with one line naming the option and its range, exit 2', async () => {
    const out = sink();
    const err = sink();
    expect(await main(['cohort', '--patients', '0'], out.stream, err.stream)).toBe(2);
    expect(err.text().trim().split('\n')).toHaveLength(1);
    expect(err.text()).toContain('--patients must be an integer 1–1000');
    expect(await main(['cohort', '--rules', '/nonexistent.json'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toContain('cannot read rule table /nonexistent.json');
  });

  it('with --json prints exactly one JSON object, and --csv writes the rows', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-cohort-'));
    const csv = path.join(dir, 'cohort.csv');
    const out = sink();
    const err = sink();
    expect(await main(['cohort', '--patients', '12', '--seed', '4', '--clinical-only', '--workers', '0', '--json', '--csv', csv], out.stream, err.stream)).toBe(0);
    const json = JSON.parse(out.text()) as { patients: number; table: { rows: unknown[] }; outcomes: { cyclesBeforeResection: number | null }[]; resectedPatients: number; cyclesBeforeResection: unknown; daysFromStopToSurgery: unknown; postoperativeHaiPatients: number };
    expect(json.patients).toBe(12);
    // The clinical path's figures at the top level, from the patients' own outcomes.
    const resected = json.outcomes.filter((o) => o.cyclesBeforeResection !== null);
    expect(json.resectedPatients).toBe(resected.length);
    expect(json.resectedPatients).toBeGreaterThan(0);
    expect(json.cyclesBeforeResection).toMatchObject({ median: expect.any(Number), min: expect.any(Number), max: expect.any(Number) });
    expect(json.daysFromStopToSurgery).toMatchObject({ median: expect.any(Number), min: expect.any(Number), max: expect.any(Number) });
    expect(json.postoperativeHaiPatients).toBeLessThanOrEqual(json.resectedPatients);
    expect(json.outcomes).toHaveLength(12);
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(13);
    expect(err.text()).toBe('');
  });
});

describe('pumpsim run with a course scenario (CLI)', () => {
  it('prints the course summary as one JSON object with --json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-course-'));
    const file = path.join(dir, 'course.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'short course', seed: 3, patient: { weightKg: 70, heightCm: 170 },
        prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 1, doseFactor: 1, reservoirVolumeMl: 3 },
        course: { cycles: 2, cycleDays: 3 },
      }),
    );
    const out = sink();
    const err = sink();
    expect(await main(['run', '--scenario', file, '--json'], out.stream, err.stream)).toBe(0);
    const summary = JSON.parse(out.text()) as { mode: string; course: { cyclesPlanned: number; cyclesInfused: number; stoppedReason: null; cycles: { status: string }[] } };
    expect(summary.mode).toBe('course');
    expect(summary.course).toMatchObject({ cyclesPlanned: 2, cyclesInfused: 2, stoppedReason: null });
    expect(await main(['run', '--scenario', file, '--speed', '3600'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toContain('--speed: a course runs unpaced (allowed: max)');
  });
});
