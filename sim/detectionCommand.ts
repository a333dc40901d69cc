/**
 * `pumpsim detection`: runs the detection grid and the nominal false-alarm set, prints the table.
 *
 * Owns: the command's options and output; the work is detection.ts, spread over workers.
 */
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import type { DetectionResult, NominalResult } from './detection.ts';
import { buildReport, detectionCases, formatReport, runDetectionCase, runNominalCase } from './detection.ts';
import type { DetectionTask } from './detectionWorker.ts';
import { defaultWorkers, runPool } from './workers.ts';

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${name} must be an integer 1–${max}`);
    return n;
  };
}

export function detectionCommand(out: NodeJS.WritableStream): Command {
  return new Command('detection')
    .description('Detection performance: every fault kind × rate (lowest, default, highest) × line compliance (0.05, 0.3, 1.0 µL/mmHg) × seeds, and false alarms over nominal 14-day cycles with arterial-pressure episodes.')
    .option('--seeds <n>', 'seeds (and onset times) per grid cell', positiveInt('--seeds', 1000), 20)
    .option('--nominal <n>', 'nominal 14-day cycles for the false-alarm count', positiveInt('--nominal', 100000), 200)
    .option('--workers <n>', 'worker threads (default: one per core)', positiveInt('--workers', 64))
    .option('--json', 'print one JSON object')
    .exitOverride()
    .action(async (flags: { seeds: number; nominal: number; workers?: number; json?: boolean }) => {
      const cases = detectionCases({ seedsPerCell: flags.seeds });
      const tasks: DetectionTask[] = [
        ...cases.map((c) => ({ type: 'fault' as const, c })),
        ...Array.from({ length: flags.nominal }, (_, i) => ({ type: 'nominal' as const, c: { seed: 50_000 + i } })),
      ];
      const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: 'detection [{bar}] {value}/{total} runs  {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(tasks.length, 0);
      const results = await runPool<DetectionTask, DetectionResult | NominalResult>(
        new URL('./detectionWorker.ts', import.meta.url),
        tasks,
        (t) => (t.type === 'fault' ? runDetectionCase(t.c) : runNominalCase(t.c)),
        { workers: flags.workers ?? defaultWorkers(), onProgress: (done) => bar?.update(done) },
      );
      bar?.stop();
      const faultResults = results.slice(0, cases.length) as DetectionResult[];
      const nominalResults = results.slice(cases.length) as NominalResult[];
      const report = buildReport(faultResults, nominalResults, flags.seeds);
      out.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
    });
}
