/**
 * `pumpsim cohort`: the virtual cohort from the command line.
 *
 * Owns: the command's options, the progress bar (on a terminal only, on stderr), and printing the
 * table, the JSON object or the CSV file (also for `pumpsim merge`); `--shard`/`--out` run and
 * write one shard (sim/cli/shard.ts).
 * Promises: invalid options exit 2 with one line naming the option and its allowed range; with
 * `--json` stdout is exactly one JSON object.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { intOption } from './options.ts';
import { BUILT_IN_PROFILE_NAMES } from '../scenario/device.ts';
import { ScenarioError } from '../scenario/scenario.ts';
import { MAX_COURSE_CYCLES } from '../scenario/course.ts';
import type { CohortOptions, CohortResult } from '../campaigns/cohort.ts';
import { cohortResult, defaultWorkers, runCohortPatients } from '../campaigns/cohort.ts';
import type { ShardFlags, ShardOutput } from './shard.ts';
import { checkOutFile, resolveShard, runsOf, shardSummary, withShardOptions, writeShardFile } from './shard.ts';
import { cohortCsv, formatCohortTable } from '../report/cohort.ts';
import { loadRuleTable } from '../course/rules.ts';
import { cohortReportHtml } from '../report/html/cohortReport.ts';
import { packageVersion } from './version.ts';

interface CohortFlags extends ShardFlags {
  patients: number;
  seed: number;
  json?: boolean;
  csv?: string;
  workers?: number;
  maxCycles?: number;
  profile: string;
  rules?: string;
  clinicalOnly?: boolean;
  report?: string;
}

export function cohortCommand(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Command {
  return withShardOptions(new Command('cohort')
    .description("Run a virtual cohort shaped like the seed's Table 1 through full courses with stochastic adverse events; print a table in the shape of the seed's results.")
    .addOption(new Option('--patients <n>', 'number of patients (integer 1–1000)').default(54).argParser(intOption('--patients', 1, 1000)))
    .addOption(new Option('--seed <n>', 'cohort seed (integer 0–4294967295)').default(1).argParser(intOption('--seed', 0, 4294967295)))
    .option('--json', 'print exactly one JSON object (table and per-patient outcomes) on stdout')
    .option('--csv <file>', 'also write one row per patient to FILE')
    .option('--workers <n>', `worker threads (integer 0–64; 0 runs in-process; default: the machine's cores, ${defaultWorkers()})`, intOption('--workers', 0, 64))
    .option('--max-cycles <n>', `cap each patient's planned course (integer 1–${MAX_COURSE_CYCLES}; for quick looks)`, intOption('--max-cycles', 1, MAX_COURSE_CYCLES))
    .addOption(new Option('--profile <name>', 'device profile').choices([...BUILT_IN_PROFILE_NAMES]).default('port-ambulatory'))
    .option('--rules <file>', 'rule-table JSON replacing the default (sim/course/rules.default.json)')
    .option('--report <file.html>', 'also write an HTML report: the distributions as plots beside the seed (docs/reports.md)')
    .option('--clinical-only', 'no pump: calendar and clinician only, each cycle delivers its programme exactly (fast; no device alarms)'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) })
    .action(async (flags: CohortFlags) => {
      const shard = resolveShard(flags, [['--csv', flags.csv], ['--report', flags.report]]);
      let rulesSha256: string | null = null;
      if (flags.rules !== undefined) {
        // An invalid rule table is refused before any run; a shard records the table it ran by its hash.
        loadRuleTable(flags.rules);
        rulesSha256 = createHash('sha256').update(readFileSync(flags.rules)).digest('hex');
      }
      checkCohortOutputs(flags);
      checkOutFile(flags.out);
      const parameters = { patients: flags.patients, seed: flags.seed, profile: flags.profile, maxCycles: flags.maxCycles ?? null, executor: flags.clinicalOnly ? 'nominal' : 'pump', rulesSha256 };
      const indices = runsOf('cohort', parameters, shard);
      const tty = (err as NodeJS.WriteStream).isTTY === true;
      let bar: { update(n: number): void; stop(): void } | null = null;
      if (tty) {
        const { SingleBar, Presets } = await import('cli-progress');
        const b = new SingleBar({ stream: err as NodeJS.WriteStream, format: 'cohort [{bar}] {value}/{total} patients | {duration_formatted}', hideCursor: true }, Presets.shades_classic);
        b.start(indices.length, 0);
        bar = b;
      }
      const options: CohortOptions = {
        patients: flags.patients,
        seed: flags.seed,
        profile: flags.profile,
        ...(flags.rules !== undefined ? { rulesPath: flags.rules } : {}),
        ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
        ...(flags.maxCycles !== undefined ? { maxCycles: flags.maxCycles } : {}),
        executor: flags.clinicalOnly ? 'nominal' : 'pump',
        onPatient: (done) => bar?.update(done),
      };
      let runs;
      try {
        runs = await runCohortPatients(options, shard === null ? undefined : indices);
      } finally {
        bar?.stop();
      }
      const command = cohortCommandLine(flags);
      const output: ShardOutput = { kind: 'cohort', parameters, command, spec: shard, indices, results: runs.outcomes, wallMs: runs.wallMs, workers: runs.workers };
      if (flags.out !== undefined) writeShardFile(flags.out, output);
      if (shard !== null && flags.out !== undefined) {
        out.write(shardSummary(output, flags.out, flags.json === true));
        return;
      }
      const result = cohortResult({ seed: flags.seed, profile: flags.profile, workers: runs.workers, wallMs: runs.wallMs }, runs.outcomes);
      const how = flags.clinicalOnly ? 'clinical layer only (no pump)' : `${result.workers === 0 ? 'in-process' : `${result.workers} worker threads`}, ${result.controlSteps} control steps at 1 Hz`;
      writeCohortOutputs(out, result, { ...flags, command, how });
    });
}

/** The command that runs this cohort whole. */
export function cohortCommandLine(flags: Pick<CohortFlags, 'patients' | 'seed' | 'profile' | 'maxCycles' | 'clinicalOnly' | 'rules'>): string {
  return `npm run -s pumpsim -- cohort --patients ${flags.patients} --seed ${flags.seed} --profile ${flags.profile}${flags.maxCycles !== undefined ? ` --max-cycles ${flags.maxCycles}` : ''}${flags.clinicalOnly ? ' --clinical-only' : ''}${flags.rules !== undefined ? ` --rules ${flags.rules}` : ''}`;
}

/** Refuses, before any run, a --report or --csv file that cannot be written. */
export function checkCohortOutputs(flags: { readonly report?: string | undefined; readonly csv?: string | undefined }): void {
  for (const [option, file] of [['--report', flags.report]] as const) {
    if (file === undefined) continue;
    if (!/\.html?$/i.test(file)) throw new ScenarioError(`${option}: the file name must end in .html, got "${file}"`);
    try {
      writeFileSync(file, '');
    } catch (e) {
      throw new ScenarioError(`${option} ${file}: cannot write the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (flags.csv !== undefined) {
    try {
      writeFileSync(flags.csv, '');
    } catch (e) {
      throw new ScenarioError(`--csv ${flags.csv}: cannot write the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}

export interface CohortOutputs {
  readonly json?: boolean | undefined;
  readonly csv?: string | undefined;
  readonly report?: string | undefined;
  /** The command the report names. */
  readonly command: string;
  /** How it ran, for the last line of the table. */
  readonly how: string;
  /** Added to the JSON object (the merge's `merged`). */
  readonly extraJson?: Readonly<Record<string, unknown>>;
  /** Printed after the table. */
  readonly extraLine?: string;
}

/** Prints a cohort's table or JSON object and writes its CSV and HTML report. */
export function writeCohortOutputs(out: NodeJS.WritableStream, result: CohortResult, o: CohortOutputs): void {
  if (o.csv !== undefined) writeFileSync(o.csv, cohortCsv(result.outcomes));
  if (o.report !== undefined) {
    writeFileSync(o.report, cohortReportHtml({ table: result.table, outcomes: result.outcomes, patients: result.patients, seed: result.seed, profile: result.profile, version: packageVersion(), command: o.command }));
  }
  if (o.json) {
    out.write(`${JSON.stringify({ ...cohortJson(result), ...o.extraJson })}\n`);
    return;
  }
  out.write(`pumpsim cohort — ${result.patients} patients shaped like Table 1, seed ${result.seed}, device ${result.profile}, stochastic adverse events\n\n`);
  out.write(`${formatCohortTable(result.table)}\n\n`);
  out.write(`${result.wallMs} ms wall time (${o.how})${o.csv !== undefined ? `; per-patient rows in ${o.csv}` : ''}\n`);
  if (o.extraLine !== undefined) out.write(`${o.extraLine}\n`);
}

/** The JSON object `cohort --json` prints. */
export function cohortJson(result: CohortResult): Record<string, unknown> {
  const { outcomes, ...rest } = result;
  return { ...rest, ...result.table.resection, outcomes: outcomes.map((o) => ({ ...o, patient: { ...o.patient } })) };
}
