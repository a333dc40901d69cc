/**
 * `pumpsim run`: simulate one scenario, or one course, and print its summary.
 *
 * Owns: the command's options (`--scenario`, `--seed`, `--speed`, `--json`) and refusing, before
 * anything runs, a prescription the firmware's drug library would refuse.
 * Promises: stdout holds the summary only (with `--json`, exactly one JSON object); a paced run
 * (`--speed` a factor, without `--json`) streams its live event trace to stderr; a course runs
 * unpaced.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { formatLogEntry, formatSummary } from '../report/run.ts';
import { formatCourse } from '../report/course.ts';
import { Telemetry } from '../run/telemetry.ts';
import { runScenario } from '../run/simulation.ts';
import { runCourse } from '../course/courseRunner.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { defaultScenario, loadScenarioFile } from '../scenario/scenario.ts';
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
  readonly speed: 'max' | number;
  readonly json?: boolean;
}

async function run(flags: RunFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
  const scenario = flags.scenario === undefined ? defaultScenario() : loadScenarioFile(flags.scenario);
  checkPrescription(scenario);
  if (scenario.course !== undefined) {
    // A course runs unpaced: its pump runs are separate cycles on the course calendar.
    if (flags.speed !== 'max') throw new InputError('--speed: a course runs unpaced (allowed: max)');
    const course = runCourse({ scenario, ...(flags.seed !== undefined ? { seed: flags.seed } : {}) });
    out.write(flags.json ? `${JSON.stringify(course)}\n` : `${formatCourse(course)}\n`);
    return;
  }
  // A paced run shows its event log live (RxJS telemetry) on stderr; stdout keeps the summary.
  const telemetry = flags.speed !== 'max' && !flags.json ? new Telemetry() : undefined;
  telemetry?.log.subscribe((e) => err.write(`${formatLogEntry(e)}\n`));
  const summary = await runScenario({
    scenario,
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    speed: flags.speed,
    ...(telemetry !== undefined ? { telemetry } : {}),
  });
  out.write(flags.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
}

export function runCommand(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Command {
  return new Command('run')
    .description('Simulate one scenario: the embedded default (one 14-day FUDR cycle and its heparin lock) or a scenario file.')
    .option('--scenario <file>', 'scenario JSON file (default: the embedded nominal-70kg scenario)')
    .option('--seed <n>', "override the scenario's seed (integer 0–4294967295)", intOption('--seed', 0, 4294967295))
    .addOption(
      new Option('--speed <max|factor>', 'simulated seconds per wall second; "max" runs unpaced; a factor (3600 = one simulated hour per wall second) also streams the live event trace to stderr, unless --json')
        .default('max')
        .argParser(parseSpeed),
    )
    .option('--json', 'print exactly one JSON object (the run summary) on stdout')
    .exitOverride()
    .action(async (flags: RunFlags) => run(flags, out, err));
}
