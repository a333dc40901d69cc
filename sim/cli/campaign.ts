/**
 * `pumpsim campaign <name>`: the long randomized campaigns (the command link, the flash store), one
 * subcommand each.
 *
 * Owns: the `campaign` parent command and the options and output of its subcommands (also for
 * `pumpsim merge`); the work is in sim/campaigns/; `--shard`/`--out` run and write one shard
 * (sim/cli/shard.ts).
 * Promises: each subcommand prints its result (one JSON object with `--json`, else a short
 * summary) and exits 1 when any check failed, naming the failing seeds and their replay commands.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { CommandCampaignResult, CommandRun } from '../campaigns/commands.ts';
import type { StorageCampaignReport, StorageRunResult, StorageRunTask } from '../campaigns/storage.ts';
import { formatStorageReport, runStorageTask, storageReport } from '../campaigns/storage.ts';
import { defaultWorkers, runPool } from '../campaigns/workers.ts';
import { commandCampaignResult, commandRuns, runCommandRun } from '../campaigns/commands.ts';
import { CheckFailed, InputError } from './exitCodes.ts';
import type { ShardFlags, ShardOutput } from './shard.ts';
import { checkOutFile, resolveShard, runsOf, shardSummary, withShardOptions, writeShardFile } from './shard.ts';
import { intOption } from './options.ts';

interface CommandsFlags extends ShardFlags {
  readonly frames: number;
  readonly seed: number;
  readonly json?: boolean;
  readonly readings: boolean;
}

function summaryText(r: CommandCampaignResult, wallSeconds: number): string {
  const reasons = Object.entries(r.refusedByReason).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines = [
    `frames ${r.frames} (seed ${r.seed}) in ${wallSeconds.toFixed(1)} s: accepted valid ${r.acceptedValid}; refused: ${reasons}`,
    `accepted forged ${r.acceptedForged}, tampered ${r.acceptedTampered}, replayed ${r.acceptedReplayed}, any hostile ${r.acceptedHostile}; crashes ${r.crashes}; state changes from refused frames ${r.stateChangesFromRefused}`,
    `modes: ${Object.entries(r.framesByMode).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `invalid readings ${r.invalidReadings} (not applicable ${r.readingsNotApplicable}): masked ${r.maskedReadings}, slowest fail-safe ${r.slowestFailsafeSeconds} s`,
    ...r.failures.map((f) => `FAIL ${f.what} — replay: ${f.replay}`),
    r.passed ? 'passed' : 'FAILED',
  ];
  return `${lines.join('\n')}\n`;
}

function commandsSubcommand(out: NodeJS.WritableStream): Command {
  return withShardOptions(new Command('commands')
    .description('Random valid, malformed, truncated, oversized, forged, tampered, replayed and reordered link frames in every mode, and invalid readings on every field in every mode.')
    .option('--frames <n>', 'frames to send', intOption('--frames', 0, 10_000_000), 100_000)
    .option('--seed <s>', 'campaign seed', intOption('--seed', 0, 0xffffffff), 1)
    .option('--json', 'print one JSON object')
    .option('--no-readings', 'frames only: skip the invalid readings'))
    .exitOverride()
    .action((flags: CommandsFlags) => {
      const shard = resolveShard(flags);
      checkOutFile(flags.out);
      const parameters = { frames: flags.frames, seed: flags.seed, readings: flags.readings };
      const all = commandRuns({ frames: flags.frames, seed: flags.seed, ...(flags.readings ? {} : { readingModes: [] }) });
      const indices = runsOf('commands', parameters, shard);
      const started = performance.now();
      const tallies = indices.map((k) => runCommandRun(all[k] as CommandRun));
      const wallSeconds = (performance.now() - started) / 1000;
      const output: ShardOutput = { kind: 'commands', parameters, command: commandsCommandLine(flags), spec: shard, indices, results: tallies, wallMs: wallSeconds * 1000, workers: 0 };
      if (flags.out !== undefined) writeShardFile(flags.out, output);
      if (shard !== null && flags.out !== undefined) {
        out.write(shardSummary(output, flags.out, flags.json === true));
        return;
      }
      writeCommandsOutputs(out, commandCampaignResult(flags.seed, tallies), wallSeconds, { json: flags.json });
    });
}

/** The command that runs this campaign whole. */
export function commandsCommandLine(flags: Pick<CommandsFlags, 'frames' | 'seed' | 'readings'>): string {
  return `npm run -s pumpsim -- campaign commands --frames ${flags.frames} --seed ${flags.seed}${flags.readings ? '' : ' --no-readings'}`;
}

export interface CampaignOutputs {
  readonly json?: boolean | undefined;
  readonly extraJson?: Readonly<Record<string, unknown>>;
  readonly extraLine?: string;
}

/** The JSON object `campaign commands --json` prints. */
export function commandsJson(result: CommandCampaignResult, wallSeconds: number): Record<string, unknown> {
  return { ...result, wallSeconds: Number(wallSeconds.toFixed(1)) };
}

/** Prints the command campaign's result; throws CheckFailed (exit 1) after it when a check failed. */
export function writeCommandsOutputs(out: NodeJS.WritableStream, result: CommandCampaignResult, wallSeconds: number, o: CampaignOutputs): void {
  out.write(o.json ? `${JSON.stringify({ ...commandsJson(result, wallSeconds), ...o.extraJson })}\n` : `${summaryText(result, wallSeconds)}${o.extraLine === undefined ? '' : `${o.extraLine}\n`}`);
  if (!result.passed) throw new CheckFailed(`campaign commands: ${result.failures.length} failure(s); replay: ${result.failures[0]?.replay ?? '-'}`);
}

interface StorageFlags extends ShardFlags {
  readonly runs: number;
  readonly seed: number;
  readonly run?: number;
  readonly workers?: number;
  readonly json?: boolean;
}

function storageCommand(out: NodeJS.WritableStream): Command {
  return withShardOptions(new Command('storage')
    .description('Short infusions under random power cuts (between and inside flash writes) and flash corruptions, each judged against the fault-free run of its seed: silent wrong doses, over-deliveries, crashes, strokes repeated or lost per cut.')
    .option('--runs <n>', 'runs', intOption('--runs', 1, 1_000_000), 1000)
    .option('--seed <n>', 'campaign seed', intOption('--seed', 0, 4_294_967_295), 1)
    .option('--run <k>', 'only run k (0-based) of the campaign: replays one failing run', intOption('--run', 0, 999_999))
    .option('--workers <n>', 'worker threads (default: one per core)', intOption('--workers', 1, 64))
    .option('--json', 'print one JSON object'))
    .exitOverride()
    .action(async (flags: StorageFlags) => {
      const shard = resolveShard(flags, [['--run', flags.run]]);
      if (flags.run !== undefined && flags.out !== undefined) throw new InputError('--run: a replay of one run writes no result file; give --out to a whole or sharded campaign');
      checkOutFile(flags.out);
      const parameters = { runs: flags.runs, seed: flags.seed };
      const indices = flags.run !== undefined ? [flags.run] : runsOf('storage', parameters, shard);
      const tasks: StorageRunTask[] = indices.map((run) => ({ campaignSeed: flags.seed, run }));
      const workers = tasks.length === 1 ? 1 : (flags.workers ?? defaultWorkers());
      const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: 'storage [{bar}] {value}/{total} runs  {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(tasks.length, 0);
      const started = performance.now();
      const results = await runPool<StorageRunTask, StorageRunResult>(new URL('../campaigns/storageWorker.ts', import.meta.url), tasks, runStorageTask, {
        workers,
        onProgress: (done) => bar?.update(done),
      });
      bar?.stop();
      const output: ShardOutput = { kind: 'storage', parameters, command: `npm run -s pumpsim -- campaign storage --runs ${flags.runs} --seed ${flags.seed}`, spec: shard, indices, results, wallMs: performance.now() - started, workers };
      if (flags.out !== undefined) writeShardFile(flags.out, output);
      if (shard !== null && flags.out !== undefined) {
        out.write(shardSummary(output, flags.out, flags.json === true));
        return;
      }
      writeStorageOutputs(out, storageReport(flags.seed, results), { json: flags.json });
    });
}

/** Prints the storage campaign's report; throws CheckFailed (exit 1) after it when a run failed. */
export function writeStorageOutputs(out: NodeJS.WritableStream, report: StorageCampaignReport, o: CampaignOutputs): void {
  out.write(o.json ? `${JSON.stringify({ ...report, ...o.extraJson })}\n` : `${formatStorageReport(report)}\n${o.extraLine === undefined ? '' : `${o.extraLine}\n`}`);
  if (report.failing.length > 0) throw new CheckFailed(`campaign storage: ${report.failing.length} failing run(s); replay: ${report.failing[0]?.replay ?? '-'}`);
}

/** The `campaign` command; each campaign registers as one subcommand here. */
export function campaignCommand(out: NodeJS.WritableStream = process.stdout): Command {
  const campaign = new Command('campaign').description('Long randomized campaigns with their own figures and failing seeds: see each subcommand.');
  for (const sub of [commandsSubcommand(out), storageCommand(out)]) campaign.addCommand(sub);
  return campaign;
}
