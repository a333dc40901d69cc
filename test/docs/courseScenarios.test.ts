/**
 * The course blocks of docs/courses-and-cohort.md are generated from their sources and must not
 * drift; the example course scenarios load (and the short ones run through the clinician layer).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WRITE_COMMAND, blockFile, checkBlock } from '../../sim/tools/docBlocks.ts';
import { runCourse } from '../../sim/course/courseRunner.ts';
import { loadScenarioFile } from '../../sim/scenario/scenario.ts';

const DIR = path.join(import.meta.dirname, '../../sim/scenarios/course');

describe('course documentation (docs/courses-and-cohort.md)', () => {
  it(`shows the rule table and the calibration exactly as generated (fix: ${WRITE_COMMAND})`, () => {
    for (const name of ['course-rules', 'course-calibration'] as const) {
      const result = checkBlock(name);
      expect(result.ok, result.ok ? '' : result.message).toBe(true);
    }
  });

  it('documents the cohort command and shows a sample of its table', () => {
    const readme = readFileSync(blockFile('course-rules'), 'utf8');
    expect(readme).toContain('npm run -s pumpsim -- cohort --patients 54 --seed 1');
    expect(readme).toContain('HAI cycles received, median (range)');
  });
});

describe('example course scenarios (sim/scenarios/course/)', () => {
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
    it(`${file} loads and its calendar and clinician run (no pump)`, () => {
      const scenario = loadScenarioFile(path.join(DIR, file));
      expect(scenario.course).toBeDefined();
      const run = runCourse({ scenario, executor: 'nominal' });
      const c = run.course;
      // Every cycle on the calendar, plus the surgical pause when there is an operation.
      const pauseDays = c.resection === null ? 0 : c.resection.surgeryDay + c.resection.recoveryDays - (c.cycles.find((r) => r.cycle === c.resection?.cyclesBeforeResection)?.startDay ?? 0) - c.cycleDays;
      expect(c.calendar.days).toBe(c.cyclesOnCalendar * c.cycleDays + pauseDays);
      expect(c.cyclesOnCalendar).toBeLessThanOrEqual(scenario.course?.cycles ?? 0);
    });
  }
});
