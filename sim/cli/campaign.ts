/**
 * `pumpsim campaign <name>`: the long randomized campaigns (the command link, the flash store), one
 * subcommand each.
 *
 * Owns: the `campaign` parent command and the options and output of its subcommands; the work is
 * in sim/campaigns/.
 * Promises: each subcommand prints its result (one JSON object with `--json`, else a short
 * summary) and exits 1 when any check failed, naming the failing seeds and their replay commands.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { CommandCampaignResult } from '../campaigns/commands.ts';
import type { StorageRunResult, StorageRunTask } from '../campaigns/storage.ts';
import { formatStorageReport, runStorageTask, storageReport } from '../campaigns/storage.ts';
import { defaultWorkers, runPool } from '../campaigns/workers.ts';
import { runCommandCampaign } from '../campaigns/commands.ts';
import { CheckFailed } from './exitCodes.ts';
import { intOption } from './options.ts';

interface CommandsFlags {
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
  return new Command('commands')
    .description('Random valid, malformed, truncated, oversized, forged, tampered, replayed and reordered link frames in every mode, and invalid readings on every field in every mode.')
    .option('--frames <n>', 'frames to send', intOption('--frames', 0, 10_000_000), 100_000)
    .option('--seed <s>', 'campaign seed', intOption('--seed', 0, 0xffffffff), 1)
    .option('--json', 'print one JSON object')
    .option('--no-readings', 'frames only: skip the invalid readings')
    .exitOverride()
    .action((flags: CommandsFlags) => {
      const started = performance.now();
      const result = runCommandCampaign({ frames: flags.frames, seed: flags.seed, ...(flags.readings ? {} : { readingModes: [] }) });
      const wallSeconds = (performance.now() - started) / 1000;
      out.write(flags.json ? `${JSON.stringify({ ...result, wallSeconds: Number(wallSeconds.toFixed(1)) })}\n` : summaryText(result, wallSeconds));
      if (!result.passed) throw new CheckFailed(`campaign commands: ${result.failures.length} failure(s); replay: ${result.failures[0]?.replay ?? '-'}`);
    });
}

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
      if (report.failing.length > 0) throw new CheckFailed(`campaign storage: ${report.failing.length} failing run(s); replay: ${report.failing[0]?.replay ?? '-'}`);
    });
}

/** The `campaign` command; each campaign registers as one subcommand here. */
export function campaignCommand(out: NodeJS.WritableStream = process.stdout): Command {
  const campaign = new Command('campaign').description('Long randomized campaigns with their own figures and failing seeds: see each subcommand.');
  for (const sub of [commandsSubcommand(out), storageCommand(out)]) campaign.addCommand(sub);
  return campaign;
}
