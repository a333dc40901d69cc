/**
 * `pumpsim population`: the false-alarm campaign over a virtual population (sim/campaigns/population.ts).
 *
 * Owns: the command's options and output. Promises: `--from i --cycles n` runs cycles i … i + n − 1,
 * so the replay command a report prints reruns one cycle alone; an unknown `--device` is refused
 * with the allowed names (exit 2) before any cycle runs; `--json` prints one JSON object;
 * `--shard`/`--out` run and write one shard (sim/cli/shard.ts), which `pumpsim merge` reads.
 */
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import type { PopulationCase, PopulationReport, PopulationResult } from '../campaigns/population.ts';
import { formatPopulationReport, populationReport, runPopulationCase } from '../campaigns/population.ts';
import { defaultWorkers, runPool } from '../campaigns/workers.ts';
import { BUILT_IN_PROFILE_NAMES } from '../scenario/device.ts';
import { intOption } from './options.ts';
import type { ShardFlags, ShardOutput } from './shard.ts';
import { checkOutFile, resolveShard, runsOf, shardSummary, withShardOptions, writeShardFile } from './shard.ts';

interface PopulationFlags extends ShardFlags {
  readonly cycles: number;
  readonly from: number;
  readonly device: string;
  readonly workers?: number;
  readonly json?: boolean;
}

/** A built-in profile name, or a refusal naming the allowed ones. */
export function profileNameOption(name: string): (value: string) => string {
  return (value) => {
    if (!(BUILT_IN_PROFILE_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`${name} must be one of: ${BUILT_IN_PROFILE_NAMES.join(', ')} (got "${value}")`);
    return value;
  };
}

export function populationCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return withShardOptions(new Command('population')
    .description('False alarms over a virtual population: nominal 14-day cycles in the patient world, patients drawn across the envelope (heart rate 35–180 bpm, pulse pressure 15–100 mmHg, mean arterial 60–130 mmHg, every rhythm and activity, line compliance 0.05–1 µL/mmHg) with arterial-pressure episodes.')
    .option('--cycles <n>', 'nominal 14-day cycles', intOption('--cycles', 1, 100000), 1000)
    .option('--from <i>', 'index of the first cycle (cycle i has seed 70000 + i)', intOption('--from', 0, 1000000), 0)
    .option('--device <profile>', `built-in device profile (${BUILT_IN_PROFILE_NAMES.join(', ')})`, profileNameOption('--device'), 'port-ambulatory')
    .option('--workers <n>', 'worker threads (default: one per core)', intOption('--workers', 1, 64))
    .option('--json', 'print one JSON object'))
    .exitOverride()
    .action(async (flags: PopulationFlags) => {
      const shard = resolveShard(flags);
      checkOutFile(flags.out);
      const parameters = { cycles: flags.cycles, from: flags.from, device: flags.device };
      const indices = runsOf('population', parameters, shard);
      const tasks: PopulationCase[] = indices.map((k) => ({ index: flags.from + k, device: flags.device }));
      const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: 'population [{bar}] {value}/{total} cycles  {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(tasks.length, 0);
      const started = performance.now();
      const workers = flags.workers ?? defaultWorkers();
      const results = await runPool<PopulationCase, PopulationResult>(new URL('../campaigns/populationWorker.ts', import.meta.url), tasks, runPopulationCase, { workers, onProgress: (done) => bar?.update(done) });
      bar?.stop();
      const wallMs = performance.now() - started;
      const output: ShardOutput = { kind: 'population', parameters, command: populationCommandLine(flags.cycles, flags.from, flags.device), spec: shard, indices, results, wallMs, workers };
      if (flags.out !== undefined) writeShardFile(flags.out, output);
      if (shard !== null && flags.out !== undefined) {
        out.write(shardSummary(output, flags.out, flags.json === true));
        return;
      }
      writePopulationOutputs(out, populationReport(results, flags.device), { json: flags.json, wallSeconds: Math.round(wallMs / 1000), workers });
    });
}

/** The command that runs this campaign whole. */
export function populationCommandLine(cycles: number, from: number, device: string): string {
  return `npm run -s pumpsim -- population --cycles ${cycles}${from === 0 ? '' : ` --from ${from}`}${device === 'port-ambulatory' ? '' : ` --device ${device}`}`;
}

/** Prints the report (text, or one JSON object with the wall time and workers) and any extra line or members. */
export function writePopulationOutputs(out: NodeJS.WritableStream, report: PopulationReport, o: { json?: boolean | undefined; wallSeconds: number; workers: number; extraJson?: Readonly<Record<string, unknown>>; extraLine?: string }): void {
  if (o.json) {
    out.write(`${JSON.stringify({ ...report, wallSeconds: o.wallSeconds, workers: o.workers, ...o.extraJson })}\n`);
    return;
  }
  out.write(`${formatPopulationReport(report)}\nWall time ${o.wallSeconds} s on ${o.workers} worker${o.workers === 1 ? '' : 's'}.\n${o.extraLine === undefined ? '' : `${o.extraLine}\n`}`);
}
