/**
 * The README's course blocks are generated from their sources and must not drift; the example
 * course scenarios load (and the short ones run through the clinician layer).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { README_PATH, WRITE_COMMAND, withBlocks } from '../../../sim/tools/docBlocks.ts';
import { runCourse } from '../../../sim/course/courseRunner.ts';
import { loadScenarioFile } from '../../../sim/scenario/scenario.ts';

const DIR = path.join(import.meta.dirname, '../../../sim/scenarios/course');

describe('README course documentation', () => {
  it(`shows the rule table and the calibration exactly as generated (fix: ${WRITE_COMMAND})`, () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(withBlocks(readme) === readme, `README course blocks are stale; run ${WRITE_COMMAND}`).toBe(true);
  });

  it('documents the cohort command and shows a sample of its table', () => {
    const readme = readFileSync(README_PATH, 'utf8');
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
      expect(run.course.calendar.days).toBe((scenario.course?.cycles ?? 0) * (scenario.course?.cycleDays ?? 0));
    });
  }
});
