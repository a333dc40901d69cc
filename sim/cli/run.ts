/**
 * `pumpsim run`: simulate one scenario, or one course, and print its summary.
 *
 * Owns: the command's options (`--scenario`, `--seed`, `--device`, `--speed`, `--json`, `--report`,
 * `--telemetry`, `--every`) and refusing, before anything runs, a prescription the firmware's drug
 * library would refuse or an output it cannot write.
 * Promises: stdout holds the summary only (with `--json`, exactly one JSON object); a paced run
 * (`--speed` a factor, without `--json`) streams its live event trace to stderr; a course runs
 * unpaced.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { LogEntry } from '../../firmware/index.ts';
import { formatLogEntry, formatSummary } from '../report/run.ts';
import { formatCourse } from '../report/course.ts';
import { runReportHtml } from '../report/html/runReport.ts';
import type { CycleCharts } from '../report/html/courseReport.ts';
import { courseReportHtml, cycleCharts } from '../report/html/courseReport.ts';
import { TraceCollector } from '../report/html/traces.ts';
import { TelemetryFileWriter, telemetryFormatOf } from '../report/telemetryFile.ts';
import { packageVersion } from './version.ts';
import { Telemetry } from '../run/telemetry.ts';
import { runScenario } from '../run/simulation.ts';
import { runCourse } from '../course/courseRunner.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { defaultScenario, loadScenarioFile } from '../scenario/scenario.ts';
import { BUILT_IN_PROFILE_NAMES, resolveDevice } from '../scenario/device.ts';
import { prescriptionRefusal } from '../library/index.ts';
import { InputError } from './exitCodes.ts';
import { intOption } from './options.ts';

function parseSpeed(value: string): 'max' | number {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1e9) throw new InvalidArgumentError('--speed must be "max" or a factor > 0 and ≤ 1e9 (3600 = one simulated hour per wall second)');
  return n;
}

/** Refuses, before running, a prescription the firmware's drug library would refuse. */
export function checkPrescription(scenario: Scenario): void {
  const refusal = prescriptionRefusal(scenario);
  if (refusal !== null) throw new InputError(refusal.message);
}

interface RunFlags {
  readonly scenario?: string;
  readonly seed?: number;
  readonly device?: (typeof BUILT_IN_PROFILE_NAMES)[number];
  readonly speed: 'max' | number;
  readonly json?: boolean;
  readonly report?: string;
  readonly telemetry?: string;
  readonly every?: number;
}

const DEFAULT_EVERY_SECONDS = 10;
/**
 * A report alone samples every 60 s: its plots draw min/max buckets of about 800 s for 14 days, and
 * each sample keeps its interval's pressure extremes, so nothing shown is lost at the lower cost.
 */
const REPORT_EVERY_SECONDS = 60;

/** Opens the telemetry file the flags ask for (null: none), refusing a name or a folder it cannot write. */
function openTelemetry(flags: RunFlags, withCycle: boolean): TelemetryFileWriter | null {
  if (flags.telemetry === undefined) return null;
  const format = telemetryFormatOf(flags.telemetry);
  if (format === null) throw new InputError(`--telemetry: the file name must end in .csv or .ndjson, got "${flags.telemetry}"`);
  try {
    return new TelemetryFileWriter(flags.telemetry, format, withCycle);
  } catch (e) {
    throw new InputError(`--telemetry: cannot write "${flags.telemetry}": ${(e as Error).message}`);
  }
}

function writeReport(file: string, html: string): void {
  try {
    writeFileSync(file, html);
  } catch (e) {
    throw new InputError(`--report: cannot write "${file}": ${(e as Error).message}`);
  }
}

function checkOutputs(flags: RunFlags): void {
  if (flags.every !== undefined && flags.telemetry === undefined && flags.report === undefined) throw new InputError('--every: sets the sampling of --telemetry or --report (give one of them)');
  if (flags.report !== undefined && !/\.html?$/i.test(flags.report)) throw new InputError(`--report: the file name must end in .html, got "${flags.report}"`);
}

/**
 * The scenario on the built-in profile `--device` names instead of its own device; the overrides
 * its device section gives still apply (a sweep's compliance, say).
 */
function onDevice(scenario: Scenario, profile: RunFlags['device']): Scenario {
  if (profile === undefined) return scenario;
  const overrides = scenario.device.overrides;
  return { ...scenario, device: resolveDevice({ profile, ...(overrides !== undefined ? { overrides } : {}) }, process.cwd()) };
}

async function run(flags: RunFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const scenario = onDevice(flags.scenario === undefined ? defaultScenario() : loadScenarioFile(flags.scenario), flags.device);
  checkPrescription(scenario);
  checkOutputs(flags);
  const everyMs = (flags.every ?? (flags.telemetry === undefined ? REPORT_EVERY_SECONDS : DEFAULT_EVERY_SECONDS)) * 1000;
  if (scenario.course !== undefined) {
    // A course runs unpaced: its pump runs are separate cycles on the course calendar.
    if (flags.speed !== 'max') throw new InputError('--speed: a course runs unpaced (allowed: max)');
    const writer = openTelemetry(flags, true);
    const sampled = writer !== null || flags.report !== undefined;
    const cycles = new Map<number, CycleCharts>();
    const telemetry = (cycle: number): Telemetry | undefined => {
      if (!sampled) return undefined;
      const t = new Telemetry(everyMs);
      const samples = new TraceCollector();
      const log: LogEntry[] = [];
      t.samples.subscribe({
        next: (sample) => {
          writer?.write(sample, cycle);
          if (flags.report !== undefined) samples.add(sample);
        },
        // A cycle's traces are decimated as its run ends, so the course holds one cycle's samples at a time.
        complete: () => {
          if (flags.report !== undefined) cycles.set(cycle, cycleCharts(cycle, samples, log));
        },
      });
      if (flags.report !== undefined) t.log.subscribe((e) => log.push(e));
      return t;
    };
    const course = runCourse({ scenario, ...(flags.seed !== undefined ? { seed: flags.seed } : {}), telemetry });
    writer?.close();
    if (flags.report !== undefined) writeReport(flags.report, courseReportHtml({ course, scenario, cycles, version: packageVersion() }));
    out.write(flags.json ? `${JSON.stringify(course)}\n` : `${formatCourse(course)}\n`);
    return;
  }
  // A paced run shows its event log live (RxJS telemetry) on stderr; stdout keeps the summary.
  const live = flags.speed !== 'max' && !flags.json;
  const writer = openTelemetry(flags, false);
  const sampled = writer !== null || flags.report !== undefined;
  const telemetry = live || sampled ? new Telemetry(sampled ? everyMs : null) : undefined;
  if (live) telemetry?.log.subscribe((e) => err.write(`${formatLogEntry(e)}\n`));
  const samples = new TraceCollector();
  const log: LogEntry[] = [];
  if (writer !== null) telemetry?.samples.subscribe((sample) => writer.write(sample));
  if (flags.report !== undefined) {
    telemetry?.samples.subscribe((sample) => samples.add(sample));
    telemetry?.log.subscribe((e) => log.push(e));
  }
  const summary = await runScenario({
    scenario,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    speed: flags.speed,
    ...(telemetry !== undefined ? { telemetry } : {}),
  });
  writer?.close();
  if (flags.report !== undefined) writeReport(flags.report, runReportHtml({ summary, scenario, log, samples, version: packageVersion() }));
  out.write(flags.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
}

export function runCommand(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Command {
  return new Command('run')
    .description('Simulate one scenario: the embedded default (one 14-day FUDR cycle and its heparin lock) or a scenario file.')
    .option('--scenario <file>', 'scenario JSON file (default: the embedded nominal-70kg scenario)')
    .option('--seed <n>', "override the scenario's seed (integer 0–4294967295)", intOption('--seed', 0, 4294967295))
    .addOption(new Option('--device <profile>', "run on this built-in device profile instead of the scenario's device (its device overrides still apply)").choices([...BUILT_IN_PROFILE_NAMES]))
    .addOption(
      new Option('--speed <max|factor>', 'simulated seconds per wall second; "max" runs unpaced; a factor (3600 = one simulated hour per wall second) also streams the live event trace to stderr, unless --json')
        .default('max')
        .argParser(parseSpeed),
    )
    .option('--json', 'print exactly one JSON object (the run summary) on stdout')
    .option('--report <file.html>', 'also write a self-contained HTML report with plots (docs/reports.md)')
    .option('--telemetry <file.csv|file.ndjson>', 'also write the time series, one row per sample (docs/reports.md)')
    .option('--every <seconds>', `sampling interval of --telemetry and --report in simulated seconds (integer 1–86400; default ${DEFAULT_EVERY_SECONDS}, ${REPORT_EVERY_SECONDS} for --report alone)`, intOption('--every', 1, 86400))
    .exitOverride()
    .action(async (flags: RunFlags) => run(flags, out, err));
}
