/**
 * The result file of one campaign shard, and the merge of a set of them into the whole campaign.
 *
 * Owns: the file format (header and per-run results), what each campaign kind records as its
 * parameters and its runs, reading a file as hostile input, the checks a merge makes, and the
 * canonical digest of a campaign's result.
 * Promises:
 * - A file is refused (ScenarioError: exit 2, one line naming the file and the field) unless its
 *   header is well formed, its runs are exactly the runs `assignRuns` gives its shard for its
 *   campaign, parameters and shard count, and every run's result has its campaign's shape and
 *   belongs to that run (patient, case or seed drawn again from the parameters and compared).
 * - A merge is refused unless every file comes from the same campaign kind, parameters, package
 *   version, source hash and shard count, and every run index appears exactly once; the refusal
 *   names what is mismatched, duplicated or missing. The merged runs come back in run-index
 *   order, whatever order the files were given in.
 * - `resultDigest` is the SHA-256 of a campaign's printed JSON result without its execution
 *   fields (wall times, worker counts), keys sorted: the same for a campaign run whole or in shards.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ALARM_CODES } from '../../firmware/index.ts';
import { ScenarioError, readJsonFile } from '../scenario/jsonFile.ts';
import { BUILT_IN_PROFILE_NAMES } from '../scenario/device.ts';
import { MAX_COURSE_CYCLES } from '../scenario/course.ts';
import { cohortRunCosts, drawCohort } from './cohort.ts';
import type { CommandRun } from './commands.ts';
import { FRAME_KINDS, commandRunCost, commandRuns } from './commands.ts';
import type { DetectionTask } from './detection.ts';
import type { DetectionAxes } from './detection.ts';
import { PHYSIOLOGY_NAMES, detectionTaskCost, detectionTasks } from './detection.ts';
import { populationPatient } from './population.ts';
import { ACTIVITIES, RHYTHMS } from '../world/patient.ts';
import type { ShardSpec } from './shards.ts';
import { MAX_SHARDS, assignRuns } from './shards.ts';
import { storageRunSeed } from './storage.ts';

export const SHARD_FILE_FORMAT = 'pumpsim-shard';
export const SHARD_FILE_FORMAT_VERSION = 1;
export const CAMPAIGN_KINDS = ['cohort', 'detection', 'storage', 'commands', 'population'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];

/** One shard's file. `results[i]` is the result of run `runs.indices[i]`. */
export interface ShardFile {
  readonly format: typeof SHARD_FILE_FORMAT;
  readonly formatVersion: typeof SHARD_FILE_FORMAT_VERSION;
  readonly campaign: CampaignKind;
  /** Everything the campaign's runs depend on, seed included. */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly version: string;
  readonly sourceSha256: string;
  /** The command that runs the same campaign whole (for reports; not compared). */
  readonly command: string;
  readonly shard: ShardSpec;
  readonly runs: { readonly total: number; readonly indices: readonly number[] };
  /** How the shard ran (not compared, not in the digest). */
  readonly execution: { readonly wallMs: number; readonly workers: number };
  readonly results: readonly { readonly run: number; readonly result: unknown }[];
}

const intIn = (min: number, max: number): z.ZodNumber => z.number({ error: `must be an integer ${min}–${max}` }).int({ error: `must be an integer ${min}–${max}` }).min(min, { error: `must be an integer ${min}–${max}` }).max(max, { error: `must be an integer ${min}–${max}` });
const UINT32_MAX = 4_294_967_295;
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lower-case hex digits (SHA-256)' });
const label = z.string().max(200);
const alarmCode = z.enum(ALARM_CODES);
const finite = z.number();
const nonNegative = z.number().min(0);
const count = intIn(0, Number.MAX_SAFE_INTEGER);

const headerSchema = z.strictObject({
  format: z.literal(SHARD_FILE_FORMAT, { error: `must be "${SHARD_FILE_FORMAT}" (a file written by --out of a campaign command)` }),
  formatVersion: z.literal(SHARD_FILE_FORMAT_VERSION, { error: `must be ${SHARD_FILE_FORMAT_VERSION}` }),
  campaign: z.enum(CAMPAIGN_KINDS, { error: `must be one of ${CAMPAIGN_KINDS.join(', ')}` }),
  parameters: z.record(z.string(), z.unknown()),
  version: z.string().min(1).max(100),
  sourceSha256: sha256Hex,
  command: z.string().max(2000),
  shard: z.strictObject({ index: intIn(1, MAX_SHARDS), count: intIn(1, MAX_SHARDS) }),
  runs: z.strictObject({ total: intIn(0, 100_000_000), indices: z.array(intIn(0, 100_000_000)) }),
  execution: z.strictObject({ wallMs: nonNegative, workers: intIn(0, 1024) }),
  results: z.array(z.strictObject({ run: intIn(0, 100_000_000), result: z.unknown() })),
});

/** What a campaign kind knows about its runs, prepared once per parameter set. */
interface PreparedCampaign {
  /** Expected cost of each run; its length is the campaign's run count. */
  readonly costs: readonly number[];
  /** Null when `result` is a valid result of run k; else what is wrong with it. */
  check(k: number, result: unknown): string | null;
}

interface CampaignDefinition {
  readonly parameters: z.ZodType<Record<string, unknown>>;
  prepare(parameters: Record<string, unknown>): PreparedCampaign;
}

function problem(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue === undefined ? '' : issue.path.map(String).join('.');
  return `${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}`;
}

/** Canonical JSON: keys sorted at every level, no white space. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function validated(schema: z.ZodType, value: unknown): string | null {
  const r = schema.safeParse(value);
  return r.success ? null : problem(r.error);
}

const patientSchema = z.strictObject({
  index: count,
  seed: intIn(0, UINT32_MAX),
  age: finite,
  sex: z.enum(['male', 'female']),
  ecog: count,
  primarySite: label,
  hepaticInvolvement: label,
  lobarInvolvement: label,
  lesions: label,
  cea: label,
  ldh: label,
  weightKg: finite,
  heightCm: finite,
  plannedCycles: count,
  expectedHaiCycles: count,
  resectable: z.boolean(),
  postoperative: z.enum(['xeloxHai', 'xelox', 'none']).nullable(),
});
const eventKinds = z.array(label).max(100);
const outcomeSchema = z.strictObject({
  patient: patientSchema,
  bsaM2: finite,
  cyclesPlanned: count,
  cyclesInfused: count,
  cyclesHeld: count,
  doseReduced: z.boolean(),
  held: z.boolean(),
  reducedAfter: eventKinds,
  heldAfter: eventKinds,
  stoppedReason: label.nullable(),
  displacement: z.boolean(),
  portInfection: z.boolean(),
  ulcerAtInfusedCycle: count.nullable(),
  hepatotoxicityMaxGrade: intIn(0, 5),
  epigastricPainGrade3to4: z.boolean(),
  alarms: z.partialRecord(alarmCode, intIn(1, Number.MAX_SAFE_INTEGER)),
  cyclesBeforeResection: count.nullable(),
  daysFromStopToSurgery: count.nullable(),
  postoperative: z.enum(['xeloxHai', 'xelox', 'none']).nullable(),
  postoperativeHai: z.boolean(),
  postoperativeHaiCycles: count,
  hepaticProgression: z.boolean(),
  fudrMg: finite,
  dexamethasoneMg: finite,
  controlSteps: count,
  wallMs: nonNegative,
});

const cohort: CampaignDefinition = {
  parameters: z.strictObject({
    patients: intIn(1, 1000),
    seed: intIn(0, UINT32_MAX),
    profile: z.enum(BUILT_IN_PROFILE_NAMES),
    maxCycles: intIn(1, MAX_COURSE_CYCLES).nullable(),
    executor: z.enum(['pump', 'nominal']),
    rulesSha256: sha256Hex.nullable(),
  }),
  prepare(p) {
    const patients = drawCohort(p['patients'] as number, p['seed'] as number, (p['maxCycles'] as number | null) ?? undefined);
    return {
      costs: cohortRunCosts(p['patients'] as number, p['seed'] as number, (p['maxCycles'] as number | null) ?? undefined),
      check(k, result) {
        const bad = validated(outcomeSchema, result);
        if (bad !== null) return bad;
        const drawn = canonicalJson(patients[k]);
        return canonicalJson((result as { patient: unknown }).patient) === drawn ? null : `patient: not patient ${k} of this cohort (expected ${drawn})`;
      },
    };
  },
};

const detectionCaseFields = { fault: label, rateUlPerHour: finite, complianceUlPerMmHg: finite, seed: intIn(0, UINT32_MAX), onsetHours: finite, physiology: label.optional(), device: label.optional() };
const faultResultSchema = z.strictObject({
  ...detectionCaseFields,
  detectedBy: alarmCode.nullable(),
  latencySeconds: finite.nullable(),
  expected: z.array(alarmCode).max(ALARM_CODES.length),
  maxUnintendedBolusUl: finite,
  otherAlarms: z.array(alarmCode).max(100_000),
  pulseBlind: z.literal(true).optional(),
});
const nominalResultSchema = z.strictObject({ seed: intIn(0, UINT32_MAX), alarms: z.array(alarmCode).max(100_000), episodes: count, fudrPercent: finite.nullable() });

const detection: CampaignDefinition = {
  parameters: z.strictObject({
    seedsPerCell: intIn(1, 1000),
    nominalCycles: intIn(0, 100_000),
    physiologies: z.array(z.enum(PHYSIOLOGY_NAMES as [string, ...string[]])).min(1).optional(),
    devices: z.array(z.enum(BUILT_IN_PROFILE_NAMES)).min(1).optional(),
  }),
  prepare(p) {
    const tasks: DetectionTask[] = detectionTasks(p['seedsPerCell'] as number, p['nominalCycles'] as number, detectionAxesOf(p));
    return {
      costs: tasks.map(detectionTaskCost),
      check(k, result) {
        const task = tasks[k] as DetectionTask;
        const bad = validated(task.type === 'fault' ? faultResultSchema : nominalResultSchema, result);
        if (bad !== null) return bad;
        const r = result as Record<string, unknown>;
        const own = task.type === 'fault' ? { fault: r['fault'], rateUlPerHour: r['rateUlPerHour'], complianceUlPerMmHg: r['complianceUlPerMmHg'], seed: r['seed'], onsetHours: r['onsetHours'], physiology: r['physiology'], device: r['device'] } : { seed: r['seed'] };
        return canonicalJson(own) === canonicalJson(task.c) ? null : `not run ${k} of this campaign (expected ${canonicalJson(task.c)})`;
      },
    };
  },
};

const storageResultSchema = z.strictObject({
  run: count,
  seed: intIn(0, UINT32_MAX),
  powerCuts: count,
  midWriteCuts: count,
  corruptionsInjected: count,
  corruptionsDetected: count,
  stoppedByStorageFault: z.boolean(),
  maxRepeatedStrokesPerCut: z.number().int(),
  maxLostStrokesPerCut: z.number().int(),
  deliveredDifferenceStrokes: finite,
  failures: z.array(z.string().max(2000)).max(10_000),
});

const storage: CampaignDefinition = {
  parameters: z.strictObject({ runs: intIn(1, 1_000_000), seed: intIn(0, UINT32_MAX) }),
  prepare(p) {
    const seed = p['seed'] as number;
    return {
      costs: new Array<number>(p['runs'] as number).fill(1),
      check(k, result) {
        const bad = validated(storageResultSchema, result);
        if (bad !== null) return bad;
        const r = result as { run: number; seed: number };
        return r.run === k && r.seed === storageRunSeed(seed, k) ? null : `not run ${k} of campaign seed ${seed} (expected run ${k}, seed ${storageRunSeed(seed, k)})`;
      },
    };
  },
};

const tallyCounts = z.record(label, count);
const commandTallySchema = z.strictObject({
  framesByKind: z.record(z.enum(FRAME_KINDS), count),
  framesByMode: tallyCounts,
  refusedByReason: tallyCounts,
  frames: count,
  acceptedValid: count,
  acceptedForged: count,
  acceptedTampered: count,
  acceptedReplayed: count,
  acceptedHostile: count,
  crashes: count,
  stateChangesFromRefused: count,
  invalidReadings: count,
  maskedReadings: count,
  readingsNotApplicable: count,
  slowestFailsafeMs: nonNegative,
  failures: z.array(z.strictObject({ batchSeed: intIn(0, UINT32_MAX), what: z.string().max(2000), replay: z.string().max(2000) })).max(20),
});

const commands: CampaignDefinition = {
  parameters: z.strictObject({ frames: intIn(0, 10_000_000), seed: intIn(0, UINT32_MAX), readings: z.boolean() }),
  prepare(p) {
    const runs: CommandRun[] = commandRuns({ frames: p['frames'] as number, seed: p['seed'] as number, ...(p['readings'] === true ? {} : { readingModes: [] }) });
    return {
      costs: runs.map(commandRunCost),
      check(k, result) {
        const bad = validated(commandTallySchema, result);
        if (bad !== null) return bad;
        const run = runs[k] as CommandRun;
        const t = result as { frames: number; invalidReadings: number; readingsNotApplicable: number };
        const fits = run.type === 'frames' ? t.frames === run.frames && t.invalidReadings + t.readingsNotApplicable === 0 : t.frames === 0 && t.invalidReadings + t.readingsNotApplicable === 1;
        return fits ? null : `not run ${k} of this campaign (${run.type === 'frames' ? `a batch of ${run.frames} frames` : `one invalid reading, ${run.sensor}.${run.field} = ${run.value} in ${run.mode}`})`;
      },
    };
  },
};

const populationPatientSchema = z.strictObject({
  index: count,
  seed: intIn(0, UINT32_MAX),
  heartRateBpm: finite,
  pulsePressureMmHg: finite,
  meanArterialPressureMmHg: finite,
  rhythm: z.enum(RHYTHMS),
  activity: z.enum(ACTIVITIES),
  lineComplianceUlPerMmHg: finite,
});
const populationResultSchema = z.strictObject({
  patient: populationPatientSchema,
  device: z.enum(BUILT_IN_PROFILE_NAMES),
  alarms: z.array(z.strictObject({ code: alarmCode, atSeconds: nonNegative })).max(100_000),
  episodes: count,
});

const population: CampaignDefinition = {
  parameters: z.strictObject({ cycles: intIn(1, 100_000), from: intIn(0, 1_000_000), device: z.enum(BUILT_IN_PROFILE_NAMES) }),
  prepare(p) {
    const from = p['from'] as number;
    return {
      // Every cycle is 14 days: equal costs, so the split is round-robin.
      costs: new Array<number>(p['cycles'] as number).fill(1),
      check(k, result) {
        const bad = validated(populationResultSchema, result);
        if (bad !== null) return bad;
        const r = result as { patient: unknown; device: string };
        const drawn = canonicalJson(populationPatient(from + k));
        if (r.device !== p['device']) return `device: not this campaign's (expected ${String(p['device'])})`;
        return canonicalJson(r.patient) === drawn ? null : `patient: not cycle ${from + k} of this population (expected ${drawn})`;
      },
    };
  },
};

export const CAMPAIGN_DEFINITIONS: Readonly<Record<CampaignKind, CampaignDefinition>> = Object.freeze({ cohort, detection, storage, commands, population });

const prepared = new Map<string, PreparedCampaign>();
const assignments = new Map<string, number[][]>();

/** The campaign prepared for its parameters (cached: a merge reads many files of one campaign). */
export function preparedCampaign(kind: CampaignKind, parameters: Record<string, unknown>): PreparedCampaign {
  const key = `${kind}:${canonicalJson(parameters)}`;
  let p = prepared.get(key);
  if (p === undefined) {
    p = CAMPAIGN_DEFINITIONS[kind].prepare(parameters);
    prepared.set(key, p);
  }
  return p;
}

/** The run indices of every shard of the campaign split `count` ways. */
export function campaignShards(kind: CampaignKind, parameters: Record<string, unknown>, count: number): number[][] {
  const key = `${kind}:${canonicalJson(parameters)}:${count}`;
  let a = assignments.get(key);
  if (a === undefined) {
    a = assignRuns(preparedCampaign(kind, parameters).costs, count);
    assignments.set(key, a);
  }
  return a;
}

/** The file's text: the header, then one run per line (reviewable, and diffable between shards). */
export function shardFileText(file: ShardFile): string {
  const { results, ...head } = file;
  // The run indices on one line: a shard of a large campaign holds thousands.
  const marker = '"runs.indices"';
  const header = JSON.stringify({ ...head, runs: { total: head.runs.total, indices: JSON.parse(marker) as string } }, null, 2)
    .replace(/\n}$/, '')
    .replace(marker, JSON.stringify(head.runs.indices));
  const lines = results.map((r) => `    ${JSON.stringify(r)}`).join(',\n');
  return `${header},\n  "results": [${results.length === 0 ? '' : `\n${lines}\n  `}]\n}\n`;
}

const listed = (xs: readonly number[], max = 10): string => `${xs.slice(0, max).join(', ')}${xs.length > max ? `, … (${xs.length} in all)` : ''}`;

/** Validates a parsed shard file; `source` names it in a refusal. */
export function parseShardFile(json: unknown, source: string): ShardFile {
  const head = headerSchema.safeParse(json);
  if (!head.success) throw new ScenarioError(`${source}: not a pumpsim shard file: ${problem(head.error)}`);
  const f = head.data;
  const params = CAMPAIGN_DEFINITIONS[f.campaign].parameters.safeParse(f.parameters);
  if (!params.success) throw new ScenarioError(`${source}: parameters of a ${f.campaign} campaign: ${problem(params.error)}`);
  if (f.shard.index > f.shard.count) throw new ScenarioError(`${source}: shard.index must be an integer 1–${f.shard.count} (shard.count), got ${f.shard.index}`);
  const campaign = preparedCampaign(f.campaign, f.parameters);
  if (f.runs.total !== campaign.costs.length) throw new ScenarioError(`${source}: runs.total is ${f.runs.total}, but a ${f.campaign} campaign with these parameters has ${campaign.costs.length} runs`);
  const expected = campaignShards(f.campaign, f.parameters, f.shard.count)[f.shard.index - 1] as number[];
  if (canonicalJson(f.runs.indices) !== canonicalJson(expected)) {
    throw new ScenarioError(`${source}: runs.indices are not shard ${f.shard.index}/${f.shard.count}'s runs (expected ${expected.length} runs: ${listed(expected)}; the file lists ${f.runs.indices.length}: ${listed(f.runs.indices)})`);
  }
  if (f.results.length !== f.runs.indices.length) throw new ScenarioError(`${source}: results holds ${f.results.length} runs, runs.indices ${f.runs.indices.length}`);
  f.results.forEach((r, i) => {
    const k = f.runs.indices[i] as number;
    if (r.run !== k) throw new ScenarioError(`${source}: results[${i}].run must be ${k} (runs.indices[${i}]), got ${r.run}`);
    const bad = campaign.check(k, r.result);
    if (bad !== null) throw new ScenarioError(`${source}: results[${i}] (run ${k}): ${bad}`);
  });
  return f as ShardFile;
}

export function readShardFile(path: string): ShardFile {
  return parseShardFile(readJsonFile(path, 'shard file'), path);
}

/** A whole campaign put back together from its shards. */
export interface MergedCampaign {
  readonly campaign: CampaignKind;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly version: string;
  readonly sourceSha256: string;
  readonly command: string;
  readonly shards: number;
  /** Every run's result, in run-index order. */
  readonly results: readonly unknown[];
  /** The shards' wall times added up, and the largest worker pool among them. */
  readonly execution: { readonly wallMs: number; readonly workers: number };
}

/** Checks that `files` are the complete set of shards of one campaign and merges them. */
export function mergeShardFiles(files: readonly { readonly path: string; readonly file: ShardFile }[]): MergedCampaign {
  const first = files[0];
  if (first === undefined) throw new ScenarioError('merge: no shard files given');
  const same: readonly [string, (f: ShardFile) => unknown][] = [
    ['campaign', (f) => f.campaign],
    ['parameters', (f) => canonicalJson(f.parameters)],
    ['version', (f) => f.version],
    ['sourceSha256', (f) => f.sourceSha256],
    ['shard.count', (f) => f.shard.count],
  ];
  for (const { path, file } of files.slice(1)) {
    for (const [field, of] of same) {
      if (of(file) !== of(first.file)) {
        throw new ScenarioError(`merge: ${path}: ${field} ${String(of(file))} differs from ${first.path}'s ${String(of(first.file))} (every shard must come from the same campaign, parameters, seed, version and source)`);
      }
    }
  }
  const { campaign, parameters, shard } = first.file;
  const byShard = new Map<number, string>();
  for (const { path, file } of files) {
    const other = byShard.get(file.shard.index);
    if (other !== undefined) throw new ScenarioError(`merge: shard ${file.shard.index}/${shard.count} given twice (${other}, ${path}): runs ${listed(file.runs.indices)} duplicated`);
    byShard.set(file.shard.index, path);
  }
  const total = first.file.runs.total;
  const results = new Array<unknown>(total);
  const seen = new Array<string | undefined>(total).fill(undefined);
  for (const { path, file } of files) {
    file.runs.indices.forEach((k, i) => {
      const other = seen[k];
      if (other !== undefined) throw new ScenarioError(`merge: run ${k} appears twice (${other}, ${path})`);
      seen[k] = path;
      results[k] = (file.results[i] as { result: unknown }).result;
    });
  }
  const missingShards = Array.from({ length: shard.count }, (_, s) => s + 1).filter((s) => !byShard.has(s));
  const missingRuns: number[] = [];
  for (let k = 0; k < total; k++) if (seen[k] === undefined) missingRuns.push(k);
  if (missingShards.length > 0 || missingRuns.length > 0) {
    throw new ScenarioError(`merge: missing shard(s) ${missingShards.map((s) => `${s}/${shard.count}`).join(', ')}: ${missingRuns.length} of ${total} runs in no file (runs ${listed(missingRuns)})`);
  }
  return {
    campaign,
    parameters,
    version: first.file.version,
    sourceSha256: first.file.sourceSha256,
    command: first.file.command,
    shards: shard.count,
    results,
    execution: {
      wallMs: files.map((f) => f.file.execution.wallMs).sort((a, b) => a - b).reduce((a, b) => a + b, 0),
      workers: Math.max(...files.map((f) => f.file.execution.workers)),
    },
  };
}

/** The fields of a campaign's printed JSON that say how it ran, not what it found. */
const EXECUTION_FIELDS: Readonly<Record<CampaignKind, readonly string[]>> = Object.freeze({ cohort: ['wallMs', 'workers'], detection: [], storage: [], commands: ['wallSeconds'], population: ['wallSeconds', 'workers'] });

/** A campaign's printed JSON without its execution fields (and without the merge's own `merged`). */
export function withoutExecution(kind: CampaignKind, json: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...json };
  for (const f of [...EXECUTION_FIELDS[kind], 'merged']) delete copy[f];
  if (kind === 'cohort' && Array.isArray(copy['outcomes'])) {
    copy['outcomes'] = (copy['outcomes'] as Record<string, unknown>[]).map((o) => {
      const { wallMs: _wallMs, ...rest } = o;
      return rest;
    });
  }
  return copy;
}

/** SHA-256 (hex) of the canonical form of a campaign's printed JSON result. */
export function resultDigest(kind: CampaignKind, json: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonicalJson(withoutExecution(kind, json))).digest('hex');
}

/** The physiology and device axes a detection campaign's parameters hold (absent: the default). */
export function detectionAxesOf(p: Record<string, unknown>): DetectionAxes {
  return {
    ...(p['physiologies'] !== undefined ? { physiologies: p['physiologies'] as string[] } : {}),
    ...(p['devices'] !== undefined ? { devices: p['devices'] as string[] } : {}),
  };
}
