/**
 * `pumpsim campaign <kind>`: the long randomized campaigns, one subcommand each.
 *
 * Owns: the campaign subcommands' options and output; the work is in sim/campaigns/, spread over
 * workers.
 * Promises: `--json` prints one object; a campaign that found any failure exits 1 after printing
 * every failing run with the command that replays it.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { StorageRunResult, StorageRunTask } from '../campaigns/storage.ts';
import { formatStorageReport, runStorageTask, storageReport } from '../campaigns/storage.ts';
import { defaultWorkers, runPool } from '../campaigns/workers.ts';
import { intOption } from './options.ts';

interface StorageFlags {
  readonly runs: number;
  readonly seed: number;
  readonly run?: number;
  readonly workers?: number;
  readonly json?: boolean;
}

function storageCommand(out: NodeJS.WritableStream): Command {
  return new Command('storage')
    .description('Short infusions under random power cuts (between and inside flash writes) and flash corruptions, each judged against the fault-free run of its seed: silent wrong doses, over-deliveries, crashes, strokes repeated or lost per cut.')
    .option('--runs <n>', 'runs', intOption('--runs', 1, 1_000_000), 1000)
    .option('--seed <n>', 'campaign seed', intOption('--seed', 0, 4_294_967_295), 1)
    .option('--run <k>', 'only run k (0-based) of the campaign: replays one failing run', intOption('--run', 0, 999_999))
    .option('--workers <n>', 'worker threads (default: one per core)', intOption('--workers', 1, 64))
    .option('--json', 'print one JSON object')
    .exitOverride()
    .action(async (flags: StorageFlags) => {
      const indices = flags.run !== undefined ? [flags.run] : Array.from({ length: flags.runs }, (_, k) => k);
      const tasks: StorageRunTask[] = indices.map((run) => ({ campaignSeed: flags.seed, run }));
      const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: 'storage [{bar}] {value}/{total} runs  {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(tasks.length, 0);
      const results = await runPool<StorageRunTask, StorageRunResult>(new URL('../campaigns/storageWorker.ts', import.meta.url), tasks, runStorageTask, {
        workers: tasks.length === 1 ? 1 : (flags.workers ?? defaultWorkers()),
        onProgress: (done) => bar?.update(done),
      });
      bar?.stop();
      const report = storageReport(flags.seed, results);
      out.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatStorageReport(report)}\n`);
      if (report.failing.length > 0) process.exitCode = 1;
    });
}

export function campaignCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return new Command('campaign').description('Long randomized campaigns with their own figures and failing seeds.').addCommand(storageCommand(out));
}
