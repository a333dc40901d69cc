/**
 * `pumpsim`: the command line, and the only process entry of the product.
 *
 * Owns: argument parsing, exit codes, and how summaries are printed.
 * Promises:
 * - exit 0: the simulation completed (alarms are results, not errors);
 * - exit 2: invalid input (arguments, scenario file, or a prescription the drug library refuses),
 *   with one line on stderr naming the field and the allowed range, and no stack trace;
 * - exit 1: an internal error.
 * - With `--json`, stdout is exactly one JSON object.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { HAI_FUDR_LIBRARY, planInfusion } from '../../firmware/index.ts';
import { detectionCommand } from './detection.ts';
import { formatLogEntry, formatSummary } from '../report/run.ts';
import { Telemetry } from '../run/telemetry.ts';
import { replayCommand } from './replay.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { ScenarioError, defaultScenario, deviceProfileOf, loadScenarioFile, prescriptionInput } from '../scenario/scenario.ts';
import { runScenario } from '../run/simulation.ts';
import { cohortCommand } from './cohort.ts';
import { runCourse } from '../course/courseRunner.ts';
import { formatCourse } from '../report/course.ts';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_INVALID_INPUT = 2;

/** Invalid input from the user: reported on one line, exit 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 4294967295) throw new InvalidArgumentError('--seed must be an integer 0–4294967295');
  return Number(value);
}

function parseSpeed(value: string): 'max' | number {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1e9) throw new InvalidArgumentError('--speed must be "max" or a factor > 0 and ≤ 1e9 (3600 = one simulated hour per wall second)');
  return n;
}

/** Refuses, before running, a prescription the firmware's drug library would refuse. */
export function checkPrescription(scenario: Scenario): void {
  const result = planInfusion(prescriptionInput(scenario), deviceProfileOf(scenario).firmwareConfig, HAI_FUDR_LIBRARY);
  if (!result.ok) {
    throw new InputError(`prescription refused by the drug library: ${result.findings.filter((f) => f.kind === 'hard').map((f) => f.message).join('; ')}`);
  }
  const soft = result.plan.softFindings;
  if (soft.length > 0 && !scenario.prescription.confirmSoftLimits) {
    throw new InputError(`prescription needs confirmation (set prescription.confirmSoftLimits to true): ${soft.map((f) => f.message).join('; ')}`);
  }
}

interface RunFlags {
  scenario?: string;
  seed?: number;
  speed: 'max' | number;
  json?: boolean;
}

async function runCommand(flags: RunFlags, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<void> {
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

export function buildProgram(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Command {
  const program = new Command('pumpsim')
    .description('Reference simulator for hepatic arterial infusion (HAI) pump firmware.')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });

  program
    .command('run')
    .description('Simulate one scenario: the embedded default (one 14-day FUDR cycle and its heparin lock) or a scenario file.')
    .option('--scenario <file>', 'scenario JSON file (default: the embedded nominal-70kg scenario)')
    .option('--seed <n>', "override the scenario's seed (integer 0–4294967295)", parseSeed)
    .addOption(new Option('--speed <max|factor>', 'simulated seconds per wall second; "max" runs unpaced').default('max').argParser(parseSpeed))
    .option('--json', 'print exactly one JSON object (the run summary) on stdout')
    .exitOverride()
    .action(async (flags: RunFlags) => runCommand(flags, out, err));

  program.addCommand(detectionCommand(out));
  program.addCommand(replayCommand(out));
  program.addCommand(cohortCommand(out, err));

  return program;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const program = buildProgram(out, err);
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed help or its one-line message.
      return e.exitCode === 0 ? EXIT_OK : EXIT_INVALID_INPUT;
    }
    if (e instanceof ScenarioError || e instanceof InputError) {
      err.write(`pumpsim: ${e.message}\n`);
      return EXIT_INVALID_INPUT;
    }
    err.write(`pumpsim: internal error: ${(e as Error).message}\n`);
    if (process.env['PUMPSIM_DEBUG']) err.write(`${(e as Error).stack ?? ''}\n`);
    return EXIT_INTERNAL;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
