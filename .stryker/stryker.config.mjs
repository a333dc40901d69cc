/**
 * StrykerJS configuration for mutation testing of firmware/ (`npm run test:mutation`, which runs
 * it once per firmware file through .stryker/run.mjs). Node 20: StrykerJS 9.x (10 needs Node 22).
 *
 * MUTATE_FILE (set by run.mjs) selects the one file a run mutates; its reports and incremental
 * record go to reports/mutation/<file>/, so a campaign can be resumed file by file and a change
 * reruns only the mutants it touches. Without MUTATE_FILE, every firmware file in one run.
 * MUTATE_FILE may name a line range (Stryker's `file:start-end`) to split a large file.
 */
import path from 'node:path';

const file = process.env.MUTATE_FILE;
// A file's reports are named by its path under firmware/ (firmware/detectors/flow.ts: detectors.flow),
// so firmware/detectors/index.ts and another folder's index.ts do not share one. A line range
// ("firmware/detectors/index.ts:1-120") splits a large file across runs; each part keeps its own
// reports (reports/mutation/detectors.index.1-120/).
const [filePath, lines] = (file ?? '').split(':');
const name = path.relative('firmware', filePath).replace(/\.ts$/, '').split(path.sep).join('.');
const tag = file ? `${name}${lines ? `.${lines}` : ''}` : 'all';
const out = `reports/mutation/${tag}`;

export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: '.stryker/vitest.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: file ? [file] : ['firmware/**/*.ts', '!firmware/index.ts'],
  coverageAnalysis: 'perTest',
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 60_000,
  dryRunTimeoutMinutes: 30,
  timeoutFactor: 2,
  tempDirName: `.stryker-tmp/${tag}`,
  cleanTempDir: true,
  incremental: true,
  incrementalFile: `${out}/stryker-incremental.json`,
  ignorePatterns: ['reports', '.stryker-tmp', 'coverage', '*.log', '.bench-exp'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${out}/mutation.html` },
  jsonReporter: { fileName: `${out}/mutation.json` },
  thresholds: { high: 90, low: 80, break: null },
};
