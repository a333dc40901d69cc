/**
 * `pumpsim replay <file>`: rerun a recorded counterexample, deterministically, and say what it finds.
 *
 * Owns: the counterexample / regression file format, reading and writing it, turning a file into
 * a scripted run, and the `replay` command of the CLI.
 * Promises:
 * - A file holds everything the run needs (setup, steps as they ran, the known issues its checks
 *   tolerate), so a replay is byte-for-byte the run that failed; replay runs it twice and says so
 *   if the two event traces differ.
 * - Like `run`, exit 0 means the replay completed — whether it found a violation is its result,
 *   printed last (`Violations:` or `No invariant violated.`; with `--json`, one JSON object);
 *   exit 2: the file is unreadable or invalid; exit 1: an internal error.
 * - `--save <name>` copies a counterexample into test/regressions/<name>.json, where the
 *   regression test runs it with every `npm test`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { ScenarioError, readJsonFile } from '../scenario/jsonFile.ts';
import type { Violation } from '../verify/invariants.ts';
import type { KnownIssue } from '../verify/knownIssues.ts';
import { KNOWN_ISSUE_NAMES } from '../verify/knownIssues.ts';
import { formatViolation } from '../verify/invariants.ts';
import type { ScriptSetup } from '../verify/scriptedRun.ts';
import { ScriptedRun, describeRecords, eventTrace } from '../verify/scriptedRun.ts';
import type { Step } from '../verify/steps.ts';
import { stepSchema } from '../verify/steps.ts';

/** Where committed regression cases live, relative to the repository root. */
export const REGRESSIONS_DIR = path.join('test', 'regressions');
/** Where failing properties write their counterexamples (not committed). */
export const COUNTEREXAMPLES_DIR = path.join('reports', 'counterexamples');

/**
 * open: the case still fails (a known bug); the regression test requires it to keep failing the
 * same invariant, so a fix shows up and the file is flipped to `fixed` in the same change.
 * fixed: the case must run clean.
 */
export type RegressionStatus = 'open' | 'fixed';

export interface CounterexampleFile {
  readonly name: string;
  readonly status: RegressionStatus;
  /** The property that found it and how to regenerate it with fast-check. */
  readonly foundBy: { readonly test: string; readonly seed: number | null; readonly path: string | null; readonly replayPath?: string | null };
  readonly setup: ScriptSetup;
  /** Known issues the checks let pass (the model-based tests tolerate the open ones). */
  readonly tolerated: readonly KnownIssue[];
  readonly steps: readonly Step[];
  /** The first violation found when it was recorded, as printed. */
  readonly violation: string | null;
  readonly note?: string;
}

const fileSchema = z.strictObject({
  name: z.string().min(1).max(200),
  status: z.enum(['open', 'fixed']),
  foundBy: z.strictObject({
    test: z.string(),
    seed: z.number().int().nullable(),
    path: z.string().nullable(),
    replayPath: z.string().nullable().optional(),
  }),
  setup: z.strictObject({
    seed: z.number().int().min(0).max(4294967295),
    infusionDays: z.number().positive(),
    reservoirVolumeMl: z.number().positive(),
    weightKg: z.number().positive().optional(),
    fudrMgPerKgPerDay: z.number().positive().optional(),
  }),
  tolerated: z.array(z.string().refine((name) => KNOWN_ISSUE_NAMES.includes(name), { error: 'is not an open known issue (sim/verify/knownIssues.ts)' })),
  steps: z.array(stepSchema).max(10_000),
  violation: z.string().nullable(),
  note: z.string().optional(),
});

export function parseCounterexample(json: unknown, source: string): CounterexampleFile {
  const result = fileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined ? '' : issue.path.map(String).join('.');
    throw new ScenarioError(`${source}: not a counterexample file: ${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`);
  }
  return result.data as CounterexampleFile;
}

export function loadCounterexample(file: string): CounterexampleFile {
  return parseCounterexample(readJsonFile(file, 'counterexample file'), file);
}

/** Stable, reviewable JSON: one step per line. */
export function formatCounterexample(c: CounterexampleFile): string {
  const { steps, ...rest } = c;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  const lines = steps.map((s) => `    ${JSON.stringify(s)}`).join(',\n');
  return `${head},\n  "steps": [\n${lines}\n  ]\n}\n`;
}

export function writeCounterexample(file: string, c: CounterexampleFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, formatCounterexample(c));
}

/** File name part from free text: lower case, dashes. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'counterexample';
}

/** Copies a counterexample into test/regressions/<name>.json (the helper behind `replay --save`). */
export function saveRegression(c: CounterexampleFile, name: string, rootDir = process.cwd()): string {
  const file = path.join(rootDir, REGRESSIONS_DIR, `${slug(name)}.json`);
  writeCounterexample(file, { ...c, name });
  return file;
}

export interface ReplayResult {
  readonly run: ScriptedRun;
  readonly violations: readonly Violation[];
  /** The second run's event trace equals the first's. */
  readonly deterministic: boolean;
}

/** Runs a counterexample's steps (stopping at the first step that finds a violation), twice. */
export function replay(c: CounterexampleFile): ReplayResult {
  const once = (): { run: ScriptedRun; violations: Violation[] } => {
    const run = new ScriptedRun(c.setup, { tolerated: c.tolerated });
    return { run, violations: run.run(c.steps) };
  };
  const first = once();
  const second = once();
  const deterministic = eventTrace(first.run).join('\n') === eventTrace(second.run).join('\n');
  return { run: first.run, violations: first.violations, deterministic };
}

interface ReplayFlags {
  trace?: boolean;
  save?: string;
  json?: boolean;
}

export function replayCommand(out: NodeJS.WritableStream = process.stdout): Command {
  return new Command('replay')
    .description('Rerun a counterexample or regression file (steps against the firmware in the simulator) and check every invariant after each step.')
    .argument('<file>', 'counterexample JSON (written by a failing property, or under test/regressions/)')
    .option('--trace', 'print the event trace (modes, commands, alarms, ledger milestones) as well')
    .option('--save <name>', 'copy the file into test/regressions/<name>.json, to be run by npm test')
    .option('--json', 'print exactly one JSON object: {name, status, reproduced, deterministic, violations, steps}')
    .exitOverride()
    .action((file: string, flags: ReplayFlags) => {
      const c = loadCounterexample(file);
      const result = replay(c);
      const saved = flags.save === undefined ? null : saveRegression(c, flags.save);
      if (flags.json) {
        const summary = {
          name: c.name, status: c.status, reproduced: result.violations.length > 0, deterministic: result.deterministic,
          violations: result.violations.map(formatViolation), steps: result.run.records.length, saved,
        };
        out.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const lines = [
        `${c.name} (${c.status}); setup: seed ${c.setup.seed}, ${c.setup.infusionDays} d, ${c.setup.reservoirVolumeMl} mL${c.setup.weightKg === undefined ? '' : `, ${c.setup.weightKg} kg`}${c.setup.fudrMgPerKgPerDay === undefined ? '' : `, FUDR ${c.setup.fudrMgPerKgPerDay} mg/kg/day`}; ${c.steps.length} steps`,
        describeRecords(result.run.records),
        '',
      ];
      if (flags.trace) lines.push('Event trace:', ...eventTrace(result.run), '');
      lines.push(result.deterministic ? 'Deterministic: a second run gave the same event trace.' : 'NOT DETERMINISTIC: a second run gave a different event trace.');
      lines.push(result.violations.length === 0 ? 'No invariant violated.' : `Violations:\n${result.violations.map((v) => `  ${formatViolation(v)}`).join('\n')}`);
      if (saved !== null) lines.push(`Saved as ${saved}`);
      out.write(`${lines.join('\n')}\n`);
    });
}
