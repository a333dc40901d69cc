/**
 * `pumpsim merge FILE…`: a campaign's shards put back together, printed as the campaign prints
 * itself when run whole.
 *
 * Owns: the command's options and output; the checks and the merge are sim/campaigns/shardFile.ts,
 * the table, JSON object, CSV and HTML report the campaign commands' own writers.
 * Promises:
 * - Exit 2, one line, nothing printed, when a file is unreadable, not JSON or not a shard file,
 *   or the set is not exactly the shards of one campaign (mismatched, duplicated or missing runs
 *   named), or `--csv`/`--report` is given for a campaign that has no such output.
 * - Otherwise it prints what the campaign command prints (with `--json`, one JSON object: the
 *   campaign's own, plus `merged`), then the SHA-256 digest of the canonical result
 *   (`resultDigest`), the same as the whole campaign's; the storage and command campaigns exit 1
 *   after printing when a check failed, as they do run whole.
 * - In the merged result the wall times are the shards' added up and `workers` the largest
 *   shard's pool.
 */
import { Command } from 'commander';
import type { PatientOutcome } from '../campaigns/cohort.ts';
import { cohortResult } from '../campaigns/cohort.ts';
import type { CommandRunTally } from '../campaigns/commands.ts';
import { commandCampaignResult } from '../campaigns/commands.ts';
import type { DetectionResult, NominalResult } from '../campaigns/detection.ts';
import { detectionReportOf, detectionTasks } from '../campaigns/detection.ts';
import type { MergedCampaign, ShardFile } from '../campaigns/shardFile.ts';
import { detectionAxesOf, mergeShardFiles, readShardFile, resultDigest } from '../campaigns/shardFile.ts';
import type { PopulationResult } from '../campaigns/population.ts';
import { populationReport } from '../campaigns/population.ts';
import type { StorageRunResult } from '../campaigns/storage.ts';
import { storageReport } from '../campaigns/storage.ts';
import { checkCohortOutputs, cohortJson, writeCohortOutputs } from './cohort.ts';
import { checkDetectionReport, writeDetectionOutputs } from './detection.ts';
import { writePopulationOutputs } from './population.ts';
import { commandsJson, writeCommandsOutputs, writeStorageOutputs } from './campaign.ts';
import { InputError } from './exitCodes.ts';

interface MergeFlags {
  readonly json?: boolean;
  readonly report?: string;
  readonly csv?: string;
}

/** The `merged` member of the JSON object and the digest line. */
function mergeNote(m: MergedCampaign, files: readonly string[], digest: string): { json: Record<string, unknown>; line: string } {
  return {
    json: { merged: { campaign: m.campaign, shards: m.shards, files, runs: m.results.length, sourceSha256: m.sourceSha256, version: m.version, digestSha256: digest } },
    line: `merged ${m.results.length} runs of campaign ${m.campaign} from ${m.shards} shard${m.shards === 1 ? '' : 's'}; digest sha256:${digest}`,
  };
}

export function mergeCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return new Command('merge')
    .description("Merge a campaign's shard files (written by --shard … --out): check that every run is there exactly once, from one campaign, seed and source; print the campaign's table or JSON and the digest of its result.")
    .argument('<files...>', 'the shard files, in any order')
    .option('--json', 'print exactly one JSON object (the campaign\'s own, plus "merged")')
    .option('--report <file.html>', 'also write the HTML report (cohort, detection)')
    .option('--csv <file>', 'also write one row per patient (cohort)')
    .exitOverride()
    .action((paths: string[], flags: MergeFlags) => {
      const files: { path: string; file: ShardFile }[] = paths.map((path) => ({ path, file: readShardFile(path) }));
      const m = mergeShardFiles(files);
      const has = { report: m.campaign === 'cohort' || m.campaign === 'detection', csv: m.campaign === 'cohort' };
      if (flags.report !== undefined && !has.report) throw new InputError(`--report: the ${m.campaign} campaign has no HTML report (cohort and detection have)`);
      if (flags.csv !== undefined && !has.csv) throw new InputError(`--csv: the ${m.campaign} campaign has no CSV (the cohort has)`);
      const p = m.parameters;
      switch (m.campaign) {
        case 'cohort': {
          checkCohortOutputs(flags);
          const outcomes = m.results as PatientOutcome[];
          const result = cohortResult({ seed: p['seed'] as number, profile: p['profile'] as string, workers: m.execution.workers, wallMs: m.execution.wallMs }, outcomes);
          const note = mergeNote(m, paths, resultDigest('cohort', cohortJson(result)));
          const how = `${p['executor'] === 'nominal' ? 'clinical layer only (no pump)' : `${result.controlSteps} control steps at 1 Hz`}, added up over ${m.shards} shard${m.shards === 1 ? '' : 's'}`;
          writeCohortOutputs(out, result, { ...flags, command: m.command, how, extraJson: note.json, extraLine: note.line });
          return;
        }
        case 'detection': {
          checkDetectionReport(flags.report);
          const axes = detectionAxesOf(p);
          const report = detectionReportOf(p['seedsPerCell'] as number, detectionTasks(p['seedsPerCell'] as number, p['nominalCycles'] as number, axes), m.results as (DetectionResult | NominalResult)[], axes);
          const note = mergeNote(m, paths, resultDigest('detection', report as unknown as Record<string, unknown>));
          writeDetectionOutputs(out, report, { json: flags.json, report: flags.report, command: m.command, extraJson: note.json, extraLine: note.line });
          return;
        }
        case 'storage': {
          const report = storageReport(p['seed'] as number, m.results as StorageRunResult[]);
          const note = mergeNote(m, paths, resultDigest('storage', report as unknown as Record<string, unknown>));
          writeStorageOutputs(out, report, { json: flags.json, extraJson: note.json, extraLine: note.line });
          return;
        }
        case 'population': {
          const report = populationReport(m.results as PopulationResult[], p['device'] as string);
          const note = mergeNote(m, paths, resultDigest('population', report as unknown as Record<string, unknown>));
          writePopulationOutputs(out, report, { json: flags.json, wallSeconds: Math.round(m.execution.wallMs / 1000), workers: m.execution.workers, extraJson: note.json, extraLine: note.line });
          return;
        }
        case 'commands': {
          const result = commandCampaignResult(p['seed'] as number, m.results as CommandRunTally[]);
          const wallSeconds = m.execution.wallMs / 1000;
          const note = mergeNote(m, paths, resultDigest('commands', commandsJson(result, wallSeconds)));
          writeCommandsOutputs(out, result, wallSeconds, { json: flags.json, extraJson: note.json, extraLine: note.line });
          return;
        }
      }
    });
}
