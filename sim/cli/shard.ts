/**
 * The shard options every campaign command takes: `--shard i/n`, `--shards n` (the index from
 * `JOB_COMPLETION_INDEX`, as a Kubernetes Indexed Job sets it) and `--out FILE`.
 *
 * Owns: the options, resolving which shard this process is, and writing its result file
 * (sim/campaigns/shardFile.ts) and its one-line summary.
 * Promises: a bad shard spec, `--shard` with `--shards`, `JOB_COMPLETION_INDEX` missing, not an
 * integer or out of range, an option a shard cannot honour, or an `--out` file that cannot be
 * written are refused with exit 2 and one line naming the option or variable and the allowed
 * range, before any run starts. Without `--shard`/`--shards`, `--out` writes the whole campaign
 * as shard 1/1, which `pumpsim merge` reads like any other.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CampaignKind, ShardFile } from '../campaigns/shardFile.ts';
import { SHARD_FILE_FORMAT, SHARD_FILE_FORMAT_VERSION, campaignShards, shardFileText } from '../campaigns/shardFile.ts';
import type { ShardSpec } from '../campaigns/shards.ts';
import { MAX_SHARDS } from '../campaigns/shards.ts';
import { sourceSha256 } from '../campaigns/sourceHash.ts';
import { InputError } from './exitCodes.ts';
import { intOption, shardOption } from './options.ts';
import { packageVersion } from './version.ts';

/** The environment variable a Kubernetes Indexed Job gives each pod its 0-based index in. */
export const JOB_INDEX_VARIABLE = 'JOB_COMPLETION_INDEX';

export interface ShardFlags {
  readonly shard?: ShardSpec;
  readonly shards?: number;
  readonly out?: string;
}

/** Adds `--shard`, `--shards` and `--out` to a campaign command. */
export function withShardOptions(command: Command): Command {
  return command
    .addOption(new Option('--shard <i/n>', `run only shard i of n (1-based, n ≤ ${MAX_SHARDS}) and write it to --out`).argParser(shardOption(MAX_SHARDS)))
    .addOption(new Option('--shards <n>', `run the shard ${JOB_INDEX_VARIABLE} names (0-based) of n (integer 1–${MAX_SHARDS}) and write it to --out`).argParser(intOption('--shards', 1, MAX_SHARDS)))
    .option('--out <file>', 'write the result file pumpsim merge reads (the whole campaign when no shard is given)');
}

/**
 * This process's shard, or null when the whole campaign runs. `refused` lists the options given
 * that a shard cannot honour (their output is the merge's).
 */
export function resolveShard(flags: ShardFlags, refused: readonly (readonly [string, unknown])[] = [], env: NodeJS.ProcessEnv = process.env): ShardSpec | null {
  if (flags.shard !== undefined && flags.shards !== undefined) throw new InputError('--shard and --shards: give one (--shard i/n names the shard; --shards n takes it from JOB_COMPLETION_INDEX)');
  let spec: ShardSpec | null = flags.shard ?? null;
  if (flags.shards !== undefined) {
    const n = flags.shards;
    const raw = env[JOB_INDEX_VARIABLE];
    if (raw === undefined) throw new InputError(`--shards ${n}: ${JOB_INDEX_VARIABLE} must be set to the shard's 0-based index, an integer 0–${n - 1}`);
    if (!/^\d+$/.test(raw) || Number(raw) > n - 1) throw new InputError(`${JOB_INDEX_VARIABLE} must be an integer 0–${n - 1} (the 0-based shard index for --shards ${n}), got "${raw}"`);
    spec = { index: Number(raw) + 1, count: n };
  }
  if (spec === null) return null;
  if (flags.out === undefined) throw new InputError(`--shard ${spec.index}/${spec.count}: --out FILE is required (the shard's result file, for pumpsim merge)`);
  for (const [option, value] of refused) {
    if (value !== undefined && value !== false) throw new InputError(`${option}: a shard writes only its result file; give ${option} to pumpsim merge`);
  }
  return spec;
}

/** Refuses, before any run, an `--out` file that cannot be written. */
export function checkOutFile(out: string | undefined): void {
  if (out === undefined) return;
  try {
    writeFileSync(out, '');
  } catch (e) {
    throw new InputError(`--out ${out}: cannot write the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The run indices this process runs: its shard's, or all of them. */
export function runsOf(kind: CampaignKind, parameters: Record<string, unknown>, spec: ShardSpec | null): number[] {
  const shards = campaignShards(kind, parameters, spec?.count ?? 1);
  return shards[(spec?.index ?? 1) - 1] as number[];
}

export interface ShardOutput {
  readonly kind: CampaignKind;
  readonly parameters: Record<string, unknown>;
  readonly command: string;
  readonly spec: ShardSpec | null;
  readonly indices: readonly number[];
  readonly results: readonly unknown[];
  readonly wallMs: number;
  readonly workers: number;
}

/** Writes the result file. */
export function writeShardFile(out: string, o: ShardOutput): void {
  const spec = o.spec ?? { index: 1, count: 1 };
  const file: ShardFile = {
    format: SHARD_FILE_FORMAT,
    formatVersion: SHARD_FILE_FORMAT_VERSION,
    campaign: o.kind,
    parameters: o.parameters,
    version: packageVersion(),
    sourceSha256: sourceSha256(),
    command: o.command,
    shard: spec,
    runs: { total: campaignShards(o.kind, o.parameters, 1)[0]?.length ?? 0, indices: o.indices },
    execution: { wallMs: Math.round(o.wallMs), workers: o.workers },
    results: o.indices.map((run, i) => ({ run, result: o.results[i] })),
  };
  writeFileSync(out, shardFileText(file));
}

/** What a shard prints: one line, or one JSON object with `--json`. */
export function shardSummary(o: ShardOutput, out: string, json: boolean): string {
  const spec = o.spec ?? { index: 1, count: 1 };
  if (json) return `${JSON.stringify({ campaign: o.kind, shard: spec, runs: o.indices.length, out, wallMs: Math.round(o.wallMs) })}\n`;
  return `pumpsim ${o.kind}: shard ${spec.index}/${spec.count}, ${o.indices.length} runs in ${Math.round(o.wallMs)} ms, written to ${out} (merge with: pumpsim merge FILE…)\n`;
}
