/**
 * `pumpsim detection`: runs the detection grid and the nominal false-alarm set, prints the table.
 *
 * Owns: the command's options and output (also for `pumpsim merge`); the work is
 * sim/campaigns/detection.ts, spread over workers, and the text sim/report/detection.ts;
 * `--shard`/`--out` run and write one shard (sim/cli/shard.ts).
 * Promises: `--doc [file]` (default docs/faults-and-detection.md) also writes the table between the
 * file's `<!-- detection:begin -->` and `<!-- detection:end -->` markers — or, when
 * `--physiologies`/`--devices` name more than the default kind world on port-ambulatory, between
 * `<!-- detection-physiology:begin -->` and `<!-- detection-physiology:end -->`; a file that is
 * missing, not writable or without the markers is refused (exit 2, one line) before any case runs.
 * An unknown physiology or device is refused with the allowed names (exit 2).
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import type { DetectionAxes, DetectionReport, DetectionResult, DetectionTask, NominalResult } from '../campaigns/detection.ts';
import { DEFAULT_DEVICE, DEFAULT_PHYSIOLOGY, PHYSIOLOGY_NAMES, detectionReportOf, detectionTasks, runDetectionTask } from '../campaigns/detection.ts';
import { BUILT_IN_PROFILE_NAMES } from '../scenario/device.ts';
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
/** The block of a campaign with a physiology or device axis. */
export const PHYSIOLOGY_BLOCK = 'detection-physiology';

/**
 * A comma-separated list of names from `allowed` (`all`: every one), each once, in the order
 * given; anything else refused with the allowed names.
 */
export function namesOption(name: string, allowed: readonly string[]): (value: string) => string[] {
  return (value) => {
    if (value === 'all') return [...allowed];
    const names = value.split(',').map((v) => v.trim());
    for (const n of names) {
      if (!allowed.includes(n)) throw new InvalidArgumentError(`${name}: unknown name "${n}" (allowed: ${allowed.join(', ')}, or all)`);
    }
    if (new Set(names).size !== names.length) throw new InvalidArgumentError(`${name}: a name is given twice (allowed: ${allowed.join(', ')}, or all)`);
    return names;
  };
}

/** The axes as the campaign's parameters hold them: absent when they are the default. */
export function axesOf(physiologies: readonly string[] | undefined, devices: readonly string[] | undefined): DetectionAxes {
  const p = physiologies ?? [DEFAULT_PHYSIOLOGY];
  const d = devices ?? [DEFAULT_DEVICE];
  return {
    ...(p.length === 1 && p[0] === DEFAULT_PHYSIOLOGY ? {} : { physiologies: p }),
    ...(d.length === 1 && d[0] === DEFAULT_DEVICE ? {} : { devices: d }),
  };
}

/** Refuses, with one line naming the file and what is wrong, a file the table cannot be written into. */
export function checkDetectionDoc(file: string, block = BLOCK): void {
  const { begin, end } = blockMarkers(block);
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
  if (findBlock(readFileSync(file, 'utf8'), block) === null) {
    throw new InputError(`--doc ${file}: no ${begin} … ${end} block (both markers, once each, in that order)`);
  }
}

interface DetectionFlags extends ShardFlags {
  readonly seeds: number;
  readonly nominal: number;
  readonly physiologies?: string[];
  readonly devices?: string[];
  readonly workers?: number;
  readonly json?: boolean;
  readonly doc?: string | boolean;
  readonly report?: string;
}

export function detectionCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return withShardOptions(new Command('detection')
    .description('Detection performance: every fault kind × rate (lowest, default, highest) × line compliance (0.05, 0.3, 1.0 µL/mmHg) × seeds, and false alarms over nominal 14-day cycles with arterial-pressure episodes. With --physiologies or --devices: the faults the pressure signal decides, at the default rate, per physiology and device.')
    .option('--seeds <n>', 'seeds (and onset times) per grid cell', intOption('--seeds', 1, 1000), 20)
    .option('--nominal <n>', 'nominal 14-day cycles for the false-alarm count (0: none; the population campaign counts false alarms in the patient world)', intOption('--nominal', 0, 100000), 200)
    .option('--physiologies <names>', `physiology axis, comma-separated or all (${PHYSIOLOGY_NAMES.join(', ')}; default kind); past kind, the faults the pressure signal decides at the default rate`, namesOption('--physiologies', PHYSIOLOGY_NAMES))
    .option('--devices <profiles>', `device axis, comma-separated built-in profiles or all (${BUILT_IN_PROFILE_NAMES.join(', ')}; default port-ambulatory)`, namesOption('--devices', BUILT_IN_PROFILE_NAMES))
    .option('--workers <n>', 'worker threads (default: one per core)', intOption('--workers', 1, 64))
    .option('--json', 'print one JSON object')
    .option('--report <file.html>', 'also write an HTML report: detection and latency per cell and the false alarms, as plots (docs/reports.md)')
    .option('--doc [file]', `also write the table into FILE (default ${DETECTION_DOC}) between the ${blockMarkers(BLOCK).begin} and ${blockMarkers(BLOCK).end} markers`))
    .exitOverride()
    .action(async (flags: DetectionFlags) => {
      const shard = resolveShard(flags, [['--doc', flags.doc], ['--report', flags.report]]);
      const doc = flags.doc === undefined ? undefined : typeof flags.doc === 'string' ? flags.doc : DETECTION_DOC;
      const axes = axesOf(flags.physiologies, flags.devices);
      const block = Object.keys(axes).length === 0 ? BLOCK : PHYSIOLOGY_BLOCK;
      if (doc !== undefined) checkDetectionDoc(doc, block);
      checkDetectionReport(flags.report);
      checkOutFile(flags.out);
      const parameters = { seedsPerCell: flags.seeds, nominalCycles: flags.nominal, ...axes };
      const all = detectionTasks(flags.seeds, flags.nominal, axes);
      const command = detectionCommandLine(flags.seeds, flags.nominal, axes);
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
      const output: ShardOutput = { kind: 'detection', parameters, command, spec: shard, indices, results, wallMs: performance.now() - started, workers };
      if (flags.out !== undefined) writeShardFile(flags.out, output);
      if (shard !== null && flags.out !== undefined) {
        out.write(shardSummary(output, flags.out, flags.json === true));
        return;
      }
      const report = detectionReportOf(flags.seeds, all, results, axes);
      writeDetectionOutputs(out, report, { json: flags.json, report: flags.report, command });
      if (doc !== undefined) {
        const docCommand = `${command} --doc${doc === DETECTION_DOC ? '' : ` ${doc}`}`;
        writeBlock(doc, block, `\nGenerated by \`${docCommand}\` (${new Date().toISOString().slice(0, 10)}).\n\n${formatReport(report)}\n`);
      }
    });
}

/** The command that runs this campaign whole. */
export function detectionCommandLine(seeds: number, nominal: number, axes: DetectionAxes = {}): string {
  // A list of every name, in the option's order, is written `all`.
  const list = (names: readonly string[], every: readonly string[]): string => (names.join(',') === every.join(',') ? 'all' : names.join(','));
  const p = axes.physiologies === undefined ? '' : ` --physiologies ${list(axes.physiologies, PHYSIOLOGY_NAMES)}`;
  const d = axes.devices === undefined ? '' : ` --devices ${list(axes.devices, BUILT_IN_PROFILE_NAMES)}`;
  return `npm run -s pumpsim -- detection --seeds ${seeds} --nominal ${nominal}${p}${d}`;
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
