/**
 * `pumpsim`: the command line, and the only process entry of the product.
 *
 * Owns: the program (its commands, one file each: run.ts, detection.ts, population.ts, replay.ts, cohort.ts,
 * campaign.ts, merge.ts, standard.ts),
 * `--version`, and turning what a command throws into an exit code.
 * Promises:
 * - exit 0: the job completed (alarms are results, not errors);
 * - exit 2: invalid input (arguments, scenario file, or a prescription the drug library refuses),
 *   with one line on stderr naming the field and the allowed range, and no stack trace;
 * - exit 1: an internal error.
 * - With `--json`, stdout is exactly one JSON object.
 */
import { Command, CommanderError } from 'commander';
import { ScenarioError } from '../scenario/scenario.ts';
import { CheckFailed, EXIT_INTERNAL, EXIT_INVALID_INPUT, EXIT_OK, InputError } from './exitCodes.ts';
import { runCommand } from './run.ts';
import { detectionCommand } from './detection.ts';
import { populationCommand } from './population.ts';
import { replayCommand } from './replay.ts';
import { cohortCommand } from './cohort.ts';
import { campaignCommand } from './campaign.ts';
import { mergeCommand } from './merge.ts';
import { standardCommand } from './standard.ts';

import { packageVersion } from './version.ts';

export { packageVersion };

export function buildProgram(out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Command {
  const program = new Command('pumpsim')
    .description('Reference simulator for hepatic arterial infusion (HAI) pump firmware.')
    .version(packageVersion(), '-V, --version', 'print the version of pumpsim (package.json)')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  // Each command, and each subcommand of `campaign`, prints its help and errors where the program does.
  const inherit = (command: Command, parent: Command): Command => {
    command.copyInheritedSettings(parent);
    for (const sub of command.commands) inherit(sub, command);
    return command;
  };
  for (const command of [runCommand(out, err), detectionCommand(out), populationCommand(out), replayCommand(out), cohortCommand(out, err), campaignCommand(out), mergeCommand(out), standardCommand(out)]) {
    program.addCommand(inherit(command, program));
  }
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
      // Commander has already printed help, the version or its one-line message.
      return e.exitCode === 0 ? EXIT_OK : EXIT_INVALID_INPUT;
    }
    if (e instanceof CheckFailed) {
      err.write(`pumpsim: ${e.message}\n`);
      return EXIT_INTERNAL;
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
