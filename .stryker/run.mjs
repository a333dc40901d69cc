/**
 * `npm run test:mutation [-- firmware/x.ts ...]`: mutation testing of firmware/, one Stryker run
 * per file (all firmware files by default), then the score over every file that has a report.
 *
 * Owns: the campaign and the recorded score. Promises: each file's results land in
 * reports/mutation/<file>/ (HTML report, JSON report, incremental record), so an interrupted
 * campaign resumes at the file it stopped in, and a rerun after a change retests only the mutants
 * the change touched. The score is Stryker's: detected (killed + timed out) over detected plus
 * undetected (survived + no coverage), over all files together.
 * `--score` prints the score of the reports already there without running anything;
 * A file argument may carry a line range, `firmware/detectors/index.ts:1-120`, to split a large file
 * into runs that can go in parallel; their reports add up to one row.
 * `--survivors` also lists every surviving mutant (file:line, mutator, replacement); `--force`
 * retests every mutant of the files named instead of reusing earlier results.
 * `--tests a.test.ts,b.test.ts` runs only those test files against the mutants. A mutant a
 * narrowed run does not kill might be killed by a test left out, so its score is a lower bound:
 * it makes a file that nearly every test reaches (the store's framing, the reading checks)
 * affordable to score, at the price of that bound.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const listSurvivors = args.includes('--survivors');
const scoreOnly = args.includes('--score') || listSurvivors;
const testsAt = args.indexOf('--tests');
const tests = testsAt >= 0 ? args[testsAt + 1] : undefined;
if (testsAt >= 0 && (tests === undefined || tests.startsWith('--'))) {
  console.error('test:mutation: --tests needs a comma-separated list of test files (test/firmware/x.test.ts,...)');
  process.exit(2);
}
for (const t of tests ? tests.split(',') : []) {
  if (!fs.existsSync(t)) {
    console.error(`test:mutation: --tests: no such test file: ${t}`);
    process.exit(2);
  }
}
const given = args.filter((a, i) => !a.startsWith('--') && !(testsAt >= 0 && i === testsAt + 1));
// Passed on to Stryker: `--force` retests every mutant (Stryker's incremental mode reuses a
// survivor's result when no test it knew of changed, which misses new tests of static mutants).
const passOn = args.filter((a) => a === '--force');
// Every firmware module, in subfolders too (firmware/detectors/), but not the public index.
const files =
  given.length > 0
    ? given
    : fs
        .readdirSync('firmware', { recursive: true })
        .map((f) => String(f).split(path.sep).join('/'))
        .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
        .sort()
        .map((f) => `firmware/${f}`);

if (!scoreOnly) {
  for (const file of files) {
    if (!fs.existsSync(file.split(':')[0])) {
      console.error(`test:mutation: no such file: ${file} (expected a path under firmware/)`);
      process.exit(2);
    }
    console.log(`\n== mutation testing ${file}`);
    const run = spawnSync('npx', ['stryker', 'run', '.stryker/stryker.config.mjs', ...passOn], { stdio: 'inherit', env: { ...process.env, MUTATE_FILE: file, ...(tests ? { MUTATION_TESTS: tests } : {}) } });
    if (run.status !== 0) {
      console.error(`test:mutation: Stryker failed on ${file} (exit ${run.status})`);
      process.exit(1);
    }
  }
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const byFile = new Map();
for (const dir of fs.existsSync('reports/mutation') ? fs.readdirSync('reports/mutation').sort() : []) {
  const report = path.join('reports/mutation', dir, 'mutation.json');
  if (dir === 'all' || !fs.existsSync(report)) continue;
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  // A part run on a line range ("detectors.index.1-120") counts only the mutants in its range: its
  // report can also carry results Stryker's incremental record kept from outside it.
  const range = /\.(\d+)-(\d+)$/.exec(dir);
  const inRange = (m) => range === null || (m.location.start.line >= Number(range[1]) && m.location.start.line <= Number(range[2]));
  for (const [file, all] of Object.entries(json.files)) {
    const result = { ...all, mutants: all.mutants.filter(inRange) };
    const count = (set) => result.mutants.filter((m) => set.has(m.status)).length;
    if (listSurvivors) {
      for (const m of result.mutants.filter((x) => UNDETECTED.has(x.status))) {
        console.log(`${file}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
      }
    }
    // A file split by line ranges over several runs adds up to one row.
    const row = byFile.get(file) ?? { file, mutants: 0, detected: 0, undetected: 0, survived: 0, noCoverage: 0 };
    row.mutants += result.mutants.length;
    row.detected += count(DETECTED);
    row.undetected += count(UNDETECTED);
    row.survived += count(new Set(['Survived']));
    row.noCoverage += count(new Set(['NoCoverage']));
    byFile.set(file, row);
  }
}
const rows = [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
if (rows.length === 0) {
  console.log('No mutation reports yet (reports/mutation/<file>/mutation.json).');
  process.exit(0);
}
const pct = (d, u) => (d + u === 0 ? 'n/a' : `${((100 * d) / (d + u)).toFixed(1)} %`);
console.log('\n| file | mutants | killed or timed out | survived | no coverage | score |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.file} | ${r.mutants} | ${r.detected} | ${r.survived} | ${r.noCoverage} | ${pct(r.detected, r.undetected)} |`);
const sum = (k) => rows.reduce((s, r) => s + r[k], 0);
console.log(`| **all (${rows.length} files)** | ${sum('mutants')} | ${sum('detected')} | ${sum('survived')} | ${sum('noCoverage')} | **${pct(sum('detected'), sum('undetected'))}** |`);
