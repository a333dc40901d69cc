/**
 * Properties over scripted runs: fast-check arbitraries of steps and command sequences, and a
 * runner that turns any failure into a replayable counterexample file.
 *
 * `checkScripted` wraps `fc.assert` like `checkProperty` (fc.ts): a fixed seed from the test, a
 * bounded run count, `FC_SEED` / `FC_PATH` / `FC_REPLAY_PATH` in the environment to rerun one
 * case. When a property fails it reruns the shrunk case once more, writes it to
 * `reports/counterexamples/<test>-seed<seed>.json` with the steps as they ran, and fails with:
 * the violations, the numbered steps, the fast-check seed/path, the vitest rerun command, and
 * `npm run -s pumpsim -- replay <file>` (add `--save <name>` to commit it under test/regressions/).
 */
import path from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { COUNTEREXAMPLES_DIR, slug, writeCounterexample } from '../../sim/replay.ts';
import type { CounterexampleFile } from '../../sim/replay.ts';
import type { KnownIssue } from '../../sim/verify/knownIssues.ts';
import { OPEN_ISSUES } from '../../sim/verify/knownIssues.ts';
import type { Violation } from '../../sim/verify/invariants.ts';
import { formatViolation } from '../../sim/verify/invariants.ts';
import type { ScriptSetup } from '../../sim/verify/scriptedRun.ts';
import { ScriptedRun, describeRecords } from '../../sim/verify/scriptedRun.ts';
import type { FaultName, Step } from '../../sim/verify/steps.ts';
import { FAULT_NAMES, describeStep } from '../../sim/verify/steps.ts';
import { MAX_RUNS, replayHint } from './fc.ts';


/** The setups model-based runs draw from: a 1-hour infusion (tiny reservoir) and a 6-hour one. */
export const SETUPS: readonly Omit<ScriptSetup, 'seed'>[] = [
  { infusionDays: 1 / 24, reservoirVolumeMl: 1.5 },
  { infusionDays: 0.25, reservoirVolumeMl: 4.6 },
];

export const setupArb: fc.Arbitrary<ScriptSetup> = fc
  .tuple(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(...SETUPS))
  .map(([seed, s]) => ({ seed, ...s }));

const faultArb: fc.Arbitrary<FaultName> = fc.constantFrom(...FAULT_NAMES);

/** Durations that matter: inside one control period, a few periods, minutes, hours. */
export const durationArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
  { weight: 3, arbitrary: fc.integer({ min: 2_000, max: 120_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 120_000, max: 3_600_000 }) },
);

/** Any step, weighted towards what moves a therapy forward. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Step>({ do: 'proceed' }) },
  { weight: 3, arbitrary: fc.constantFrom<Step>({ do: 'program', variant: 'confirmed' }, { do: 'program', variant: 'confirmed' }, { do: 'program', variant: 'unconfirmed' }, { do: 'program', variant: 'refused' }) },
  { weight: 3, arbitrary: fc.constant<Step>({ do: 'prime' }) },
  { weight: 3, arbitrary: fc.constant<Step>({ do: 'start' }) },
  { weight: 2, arbitrary: fc.constant<Step>({ do: 'pause' }) },
  { weight: 3, arbitrary: fc.constant<Step>({ do: 'resume' }) },
  { weight: 3, arbitrary: fc.constant<Step>({ do: 'acknowledge' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ do: 'audioPause' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ do: 'stop' }) },
  { weight: 2, arbitrary: fc.constant<Step>({ do: 'flush' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ do: 'refill' }) },
  { weight: 6, arbitrary: durationArb.map((ms): Step => ({ do: 'advance', ms })) },
  { weight: 4, arbitrary: fc.constant<Step>({ do: 'wait', maxMs: 8 * 3_600_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 600_000 }).map((offMs): Step => ({ do: 'powerCycle', offMs })) },
  { weight: 1, arbitrary: faultArb.map((fault): Step => ({ do: 'inject', fault })) },
  { weight: 1, arbitrary: faultArb.map((fault): Step => ({ do: 'clear', fault })) },
);

/** A violation found by a scripted run, with the run for the report. */
export class ScriptViolation extends Error {
  /** Violations as printed (the error keeps no reference to the run: reporters serialise errors whole). */
  readonly violations: readonly string[];

  constructor(violations: readonly Violation[], run: ScriptedRun) {
    super(`${violations.map(formatViolation).join('\n')}\n\nSteps as they ran:\n${describeRecords(run.records)}`);
    this.name = 'ScriptViolation';
    this.violations = violations.map(formatViolation);
  }
}

/** One fast-check command: a step applied to the scripted run, which checks the invariants and the model. */
export class StepCommand implements fc.Command<object, ScriptedRun> {
  /** What the step resolved to when it last ran (`wait` → `advance`). */
  private ran: Step | null = null;

  constructor(readonly step: Step) {}

  check(): boolean {
    return true;
  }

  run(_model: object, real: ScriptedRun): void {
    const found = real.apply(this.step);
    this.ran = real.records[real.records.length - 1]?.step ?? null;
    if (found.length > 0) throw new ScriptViolation(found, real);
  }

  toString(): string {
    const ran = this.ran;
    if (ran === null || ran === this.step) return describeStep(this.step);
    return `${describeStep(this.step)}→${describeStep(ran)}`;
  }
}

export const commandsArb = (maxCommands: number, replayPath?: string): fc.Arbitrary<Iterable<fc.Command<object, ScriptedRun>>> =>
  fc.commands([stepArb.map((s) => new StepCommand(s))], { maxCommands, size: 'max', ...(replayPath !== undefined && replayPath !== '' ? { replayPath } : {}) });

/** The steps of a fast-check commands value that ran, in order. */
export function stepsOf(cmds: Iterable<fc.Command<object, ScriptedRun>>): Step[] {
  const out: Step[] = [];
  for (const c of cmds as Iterable<{ hasRan?: boolean; cmd?: StepCommand } & fc.Command<object, ScriptedRun>>) {
    const inner = (c.cmd ?? c) as StepCommand;
    if (c.hasRan === false) continue;
    out.push(inner.step);
  }
  return out;
}

export interface ScriptedCase {
  readonly setup: ScriptSetup;
  readonly steps: readonly Step[];
}

export interface ScriptedPropertyOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Known issues the checks let pass (default none; the model-based property: every open one). */
  readonly tolerated?: readonly KnownIssue[];
  /** Where the counterexample goes (default reports/counterexamples). */
  readonly outDir?: string;
}

function currentTest(): { file: string; name: string; pattern: string | undefined } {
  const state = expect.getState();
  const file = state.testPath === undefined ? '<test file>' : path.relative(process.cwd(), state.testPath);
  const name = state.currentTestName ?? 'property';
  const pattern = state.currentTestName?.split(' > ').join(' ').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { file, name, pattern };
}

/** Runs a case's steps in a fresh run and returns the steps as they ran and the first violations. */
export function rerun(c: ScriptedCase, tolerated: readonly KnownIssue[] = []): { run: ScriptedRun; violations: Violation[] } {
  const run = new ScriptedRun(c.setup, { tolerated });
  return { run, violations: run.run(c.steps) };
}

/**
 * Asserts a property whose values are scripted cases (`toCase`). `predicate` should throw (a
 * `ScriptViolation` or an assertion) on failure; the counterexample file holds the case's steps.
 */
export function checkScripted<T>(arb: fc.Arbitrary<T>, toCase: (value: T) => ScriptedCase, predicate: (value: T) => void, options: ScriptedPropertyOptions): void {
  if (options.numRuns > MAX_RUNS) throw new Error(`checkScripted: numRuns ${options.numRuns} exceeds ${MAX_RUNS}`);
  const envSeed = process.env['FC_SEED'];
  const envPath = process.env['FC_PATH'];
  const seed = envSeed !== undefined && envSeed !== '' ? Number(envSeed) : options.seed;
  if (!Number.isInteger(seed)) throw new Error(`checkScripted: FC_SEED=${envSeed} is not an integer`);
  const replaying = envPath !== undefined && envPath !== '';
  const test = currentTest();
  fc.assert(fc.property(arb, (value) => predicate(value)), {
    seed,
    numRuns: options.numRuns,
    ...(replaying ? { path: envPath, endOnFailure: true } : {}),
    reporter: (details) => {
      if (!details.failed) return;
      const value = (details.counterexample as [T] | null)?.[0];
      let fileNote = '';
      if (value !== undefined) {
        const c = toCase(value);
        const again = rerun(c, options.tolerated ?? []);
        const replayPath = /replayPath="([^"]*)"/.exec(String(details.counterexample))?.[1] ?? null;
        const file = path.join(options.outDir ?? COUNTEREXAMPLES_DIR, `${slug(test.name)}-seed${details.seed}.json`);
        const record: CounterexampleFile = {
          name: `${test.name} (seed ${details.seed})`,
          status: 'open',
          foundBy: { test: `${test.file} › ${test.name}`, seed: details.seed, path: details.counterexamplePath, replayPath },
          setup: c.setup,
          tolerated: options.tolerated ?? [],
          steps: again.run.records.map((r) => r.step),
          violation: again.violations[0] === undefined ? null : formatViolation(again.violations[0]),
        };
        writeCounterexample(file, record);
        const fcReplay = replayPath === null ? '' : ` FC_REPLAY_PATH='${replayPath}'`;
        fileNote =
          `Replay the counterexample: npm run -s pumpsim -- replay ${file}\n` +
          `Keep it as a regression:  npm run -s pumpsim -- replay ${file} --save <name>\n` +
          `Rerun the property:       ${`${fcReplay} ${replayHint(details.seed, details.counterexamplePath, test.file, test.pattern)}`.trim()}\n` +
          (again.violations.length === 0 ? 'NOTE: the rerun of the shrunk case found no violation (the failure is in the predicate, not an invariant).\n' : '');
      }
      const error = new Error(`Property failed: seed ${details.seed}, path ${details.counterexamplePath ?? '(none)'}\n${fileNote}\n${fc.defaultReportMessage(details) ?? ''}`);
      if (details.errorInstance instanceof Error) error.cause = details.errorInstance;
      throw error;
    },
  });
}

/** The model-based property: a random setup and command sequence, invariants and model after every step. */
export function checkModelBased(options: ScriptedPropertyOptions & { readonly maxCommands: number }): void {
  const replayPath = process.env['FC_REPLAY_PATH'];
  const tolerated = options.tolerated ?? OPEN_ISSUES;
  const arb = fc.tuple(setupArb, commandsArb(options.maxCommands, replayPath));
  checkScripted(
    arb,
    ([setup, cmds]) => ({ setup, steps: stepsOf(cmds) }),
    ([setup, cmds]) => fc.modelRun(() => ({ model: {}, real: new ScriptedRun(setup, { tolerated }) }), cmds),
    { ...options, tolerated },
  );
}
