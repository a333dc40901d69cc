/**
 * `pumpsim detection`: runs the detection grid and the nominal false-alarm set, prints the table.
 *
 * Owns: the command's options and output; the work is sim/campaigns/detection.ts, spread over
 * workers, and the text sim/report/detection.ts.
 * Promises: `--doc [file]` (default docs/faults-and-detection.md) also writes the table between the
 * file's `<!-- detection:begin -->` and `<!-- detection:end -->` markers; a file that is missing,
 * not writable or without the markers is refused (exit 2, one line) before any case runs.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { DetectionResult, DetectionTask, NominalResult } from '../campaigns/detection.ts';
import { buildReport, detectionCases, runDetectionTask } from '../campaigns/detection.ts';
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

interface DetectionFlags {
  readonly seeds: number;
  readonly nominal: number;
  readonly workers?: number;
  readonly json?: boolean;
  readonly doc?: string | boolean;
  readonly report?: string;
}

export function detectionCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return new Command('detection')
    .description('Detection performance: every fault kind × rate (lowest, default, highest) × line compliance (0.05, 0.3, 1.0 µL/mmHg) × seeds, and false alarms over nominal 14-day cycles with arterial-pressure episodes.')
    .option('--seeds <n>', 'seeds (and onset times) per grid cell', intOption('--seeds', 1, 1000), 20)
    .option('--nominal <n>', 'nominal 14-day cycles for the false-alarm count', intOption('--nominal', 1, 100000), 200)
    .option('--workers <n>', 'worker threads (default: one per core)', intOption('--workers', 1, 64))
    .option('--json', 'print one JSON object')
    .option('--report <file.html>', 'also write an HTML report: detection and latency per cell and the false alarms, as plots (docs/reports.md)')
    .option('--doc [file]', `also write the table into FILE (default ${DETECTION_DOC}) between the ${blockMarkers(BLOCK).begin} and ${blockMarkers(BLOCK).end} markers`)
    .exitOverride()
    .action(async (flags: DetectionFlags) => {
      const doc = flags.doc === undefined ? undefined : typeof flags.doc === 'string' ? flags.doc : DETECTION_DOC;
      if (doc !== undefined) checkDetectionDoc(doc);
      if (flags.report !== undefined) {
        if (!/\.html?$/i.test(flags.report)) throw new InputError(`--report: the file name must end in .html, got "${flags.report}"`);
        try {
          writeFileSync(flags.report, '');
        } catch (e) {
          throw new InputError(`--report ${flags.report}: cannot write the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      }
      const cases = detectionCases({ seedsPerCell: flags.seeds });
      const tasks: DetectionTask[] = [
        ...cases.map((c) => ({ type: 'fault' as const, c })),
        ...Array.from({ length: flags.nominal }, (_, i) => ({ type: 'nominal' as const, c: { seed: 50_000 + i } })),
      ];
      const bar = process.stderr.isTTY && !flags.json ? new cliProgress.SingleBar({ format: 'detection [{bar}] {value}/{total} runs  {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(tasks.length, 0);
      const results = await runPool<DetectionTask, DetectionResult | NominalResult>(
        new URL('../campaigns/detectionWorker.ts', import.meta.url),
        tasks,
        runDetectionTask,
        { workers: flags.workers ?? defaultWorkers(), onProgress: (done) => bar?.update(done) },
      );
      bar?.stop();
      const faultResults = results.slice(0, cases.length) as DetectionResult[];
      const nominalResults = results.slice(cases.length) as NominalResult[];
      const report = buildReport(faultResults, nominalResults, flags.seeds);
      out.write(flags.json ? `${JSON.stringify(report)}\n` : `${formatReport(report)}\n`);
      if (flags.report !== undefined) writeFileSync(flags.report, detectionReportHtml(report, packageVersion(), `npm run -s pumpsim -- detection --seeds ${flags.seeds} --nominal ${flags.nominal}`));
      if (doc !== undefined) {
        const command = `npm run -s pumpsim -- detection --seeds ${flags.seeds} --nominal ${flags.nominal} --doc${doc === DETECTION_DOC ? '' : ` ${doc}`}`;
        writeBlock(doc, BLOCK, `\nGenerated by \`${command}\` (${new Date().toISOString().slice(0, 10)}).\n\n${formatReport(report)}\n`);
      }
    });
}
