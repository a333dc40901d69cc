/**
 * `pumpsim detection`: runs the detection grid and the nominal false-alarm set, prints the table.
 *
 * Owns: the command's options and output (also for `pumpsim merge`); the work is
 * sim/campaigns/detection.ts, spread over workers, and the text sim/report/detection.ts;
 * `--shard`/`--out` run and write one shard (sim/cli/shard.ts).
 * Promises: `--doc [file]` (default docs/faults-and-detection.md) also writes the table between the
 * file's `<!-- detection:begin -->` and `<!-- detection:end -->` markers; a file that is missing,
 * not writable or without the markers is refused (exit 2, one line) before any case runs.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { DetectionReport, DetectionResult, DetectionTask, NominalResult } from '../campaigns/detection.ts';
import { detectionReportOf, detectionTasks, runDetectionTask } from '../campaigns/detection.ts';
import type { ShardFlags, ShardOutput } from './shard.ts';
import { checkOutFile, resolveShard, runsOf, shardSummary, withShardOptions, writeShardFile } from './shard.ts';
import { defaultWorkers, runPool } from '../campaigns/workers.ts';
import { formatReport } from '../report/detection.ts';
import { detectionReportHtml } from '../report/html/detectionReport.ts';
import { packageVersion } from './version.ts';
import { writeFileSync } from 'node:fs';
import { blockMarkers, findBlock, writeBlock } from '../report/markdownBlocks.ts';
import { InputError } from './exitCodes.ts';
import { intOption } from './options.ts';

/** Where the detection table lives unless `--doc` names another file. */
export const DETECTION_DOC = 'docs/faults-and-detection.md';
const BLOCK = 'detection';

/** Refuses, with one line naming the file and what is wrong, a file the table cannot be written into. */
export function checkDetectionDoc(file: string): void {
  const { begin, end } = blockMarkers(BLOCK);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch (e) {
    throw new InputError(`--doc ${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!isFile) throw new InputError(`--doc ${file}: not a file`);
  try {
    accessSync(file, constants.W_OK);
  } catch (e) {
    throw new InputError(`--doc ${file}: the file is not writable (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (findBlock(readFileSync(file, 'utf8'), BLOCK) === null) {
    throw new InputError(`--doc ${file}: no ${begin} … ${end} block (both markers, once each, in that order)`);
  }
}

interface DetectionFlags extends ShardFlags {
  readonly seeds: number;
  readonly nominal: number;
  readonly workers?: number;
  readonly json?: boolean;
  readonly doc?: string | boolean;
  readonly report?: string;
}

export function detectionCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return withShardOptions(new Command('detection')
    .description('Detection performance: every fault kind × rate (lowest, default, highest) × line compliance (0.05, 0.3, 1.0 µL/mmHg) × seeds, and false alarms over nominal 14-day cycles with arterial-pressure episodes.')
    .option('--seeds <n>', 'seeds (and onset times) per grid cell', intOption('--seeds', 1, 1000), 20)
    .option('--nominal <n>', 'nominal 14-day cycles for the false-alarm count', intOption('--nominal', 1, 100000), 200)
    .option('--workers <n>', 'worker threads (default: one per core)', intOption('--workers', 1, 64))
    .option('--json', 'print one JSON object')
    .option('--report <file.html>', 'also write an HTML report: detection and latency per cell and the false alarms, as plots (docs/reports.md)')
    .option('--doc [file]', `also write the table into FILE (default ${DETECTION_DOC}) between the ${blockMarkers(BLOCK).begin} and ${blockMarkers(BLOCK).end} markers`))
    .exitOverride()
    .action(async (flags: DetectionFlags) => {
      const shard = resolveShard(flags, [['--doc', flags.doc], ['--report', flags.report]]);
      const doc = flags.doc === undefined ? undefined : typeof flags.doc === 'string' ? flags.doc : DETECTION_DOC;
      if (doc !== undefined) checkDetectionDoc(doc);
      checkDetectionReport(flags.report);
      checkOutFile(flags.out);
      const parameters = { seedsPerCell: flags.seeds, nominalCycles: flags.nominal };
      const all = detectionTasks(flags.seeds, flags.nominal);
      const indices = runsOf('detection', parameters, shard);
      const tasks = indices.map((k) => all[k] as DetectionTask);
      const workers = flags.workers ?? defaultWorkers();
      const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: 'detection [{bar}] {value}/{total} runs  {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(tasks.length, 0);
      const started = performance.now();
      const results = await runPool<DetectionTask, DetectionResult | NominalResult>(
        new URL('../campaigns/detectionWorker.ts', import.meta.url),
        tasks,
        runDetectionTask,
        { workers, onProgress: (done) => bar?.update(done) },
      );
      bar?.stop();
      const output: ShardOutput = { kind: 'detection', parameters, command: detectionCommandLine(flags.seeds, flags.nominal), spec: shard, indices, results, wallMs: performance.now() - started, workers };
      if (flags.out !== undefined) writeShardFile(flags.out, output);
      if (shard !== null && flags.out !== undefined) {
        out.write(shardSummary(output, flags.out, flags.json === true));
        return;
      }
      const report = detectionReportOf(flags.seeds, all, results);
      writeDetectionOutputs(out, report, { json: flags.json, report: flags.report, command: detectionCommandLine(flags.seeds, flags.nominal) });
      if (doc !== undefined) {
        const command = `${detectionCommandLine(flags.seeds, flags.nominal)} --doc${doc === DETECTION_DOC ? '' : ` ${doc}`}`;
        writeBlock(doc, BLOCK, `\nGenerated by \`${command}\` (${new Date().toISOString().slice(0, 10)}).\n\n${formatReport(report)}\n`);
      }
    });
}

/** The command that runs this campaign whole. */
export function detectionCommandLine(seeds: number, nominal: number): string {
  return `npm run -s pumpsim -- detection --seeds ${seeds} --nominal ${nominal}`;
}

/** Refuses, before any run, an HTML report file that cannot be written. */
export function checkDetectionReport(file: string | undefined): void {
  if (file === undefined) return;
  if (!/\.html?$/i.test(file)) throw new InputError(`--report: the file name must end in .html, got "${file}"`);
  try {
    writeFileSync(file, '');
  } catch (e) {
    throw new InputError(`--report ${file}: cannot write the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export interface DetectionOutputs {
  readonly json?: boolean | undefined;
  readonly report?: string | undefined;
  readonly command: string;
  readonly extraJson?: Readonly<Record<string, unknown>>;
  readonly extraLine?: string;
}

/** Prints the report (table or one JSON object) and writes its HTML report. */
export function writeDetectionOutputs(out: NodeJS.WritableStream, report: DetectionReport, o: DetectionOutputs): void {
  out.write(o.json ? `${JSON.stringify({ ...report, ...o.extraJson })}\n` : `${formatReport(report)}\n${o.extraLine === undefined ? '' : `${o.extraLine}\n`}`);
  if (o.report !== undefined) writeFileSync(o.report, detectionReportHtml(report, packageVersion(), o.command));
}
