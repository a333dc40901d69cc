/**
 * `pumpsim population`: the false-alarm campaign over a virtual population (sim/campaigns/population.ts).
 *
 * Owns: the command's options and output. Promises: `--from i --cycles n` runs cycles i … i + n − 1,
 * so the replay command a report prints reruns one cycle alone; an unknown `--device` is refused
 * with the allowed names (exit 2) before any cycle runs; `--json` prints one JSON object.
 */
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import type { PopulationCase, PopulationResult } from '../campaigns/population.ts';
import { formatPopulationReport, populationReport, runPopulationCase } from '../campaigns/population.ts';
import { defaultWorkers, runPool } from '../campaigns/workers.ts';
import { BUILT_IN_PROFILE_NAMES } from '../scenario/device.ts';
import { intOption } from './options.ts';

interface PopulationFlags {
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
  return new Command('population')
    .description('False alarms over a virtual population: nominal 14-day cycles in the patient world, patients drawn across the envelope (heart rate 35–180 bpm, pulse pressure 15–100 mmHg, mean arterial 60–130 mmHg, every rhythm and activity, line compliance 0.05–1 µL/mmHg) with arterial-pressure episodes.')
    .option('--cycles <n>', 'nominal 14-day cycles', intOption('--cycles', 1, 100000), 1000)
    .option('--from <i>', 'index of the first cycle (cycle i has seed 70000 + i)', intOption('--from', 0, 1000000), 0)
    .option('--device <profile>', `built-in device profile (${BUILT_IN_PROFILE_NAMES.join(', ')})`, profileNameOption('--device'), 'port-ambulatory')
    .option('--workers <n>', 'worker threads (default: one per core)', intOption('--workers', 1, 64))
    .option('--json', 'print one JSON object')
    .exitOverride()
    .action(async (flags: PopulationFlags) => {
      const tasks: PopulationCase[] = Array.from({ length: flags.cycles }, (_, i) => ({ index: flags.from + i, device: flags.device }));
      const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: 'population [{bar}] {value}/{total} cycles  {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(tasks.length, 0);
      const started = performance.now();
      const workers = flags.workers ?? defaultWorkers();
      const results = await runPool<PopulationCase, PopulationResult>(new URL('../campaigns/populationWorker.ts', import.meta.url), tasks, runPopulationCase, { workers, onProgress: (done) => bar?.update(done) });
      bar?.stop();
      const wallS = (performance.now() - started) / 1000;
      const report = populationReport(results, flags.device);
      out.write(flags.json ? `${JSON.stringify({ ...report, wallSeconds: Math.round(wallS), workers })}\n` : `${formatPopulationReport(report)}\n`);
      if (!flags.json && process.stderr.isTTY) process.stderr.write(`${tasks.length} cycles in ${wallS.toFixed(0)} s on ${workers} worker(s)\n`);
    });
}
