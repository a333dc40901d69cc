/**
 * Arbitraries and helpers for scripted runs, free of the test runner so the soak script can use
 * them: setups, steps and fast-check command sequences over the step vocabulary
 * (sim/verify/steps.ts), and writing a failing case as a replayable counterexample file.
 */
import path from 'node:path';
import fc from 'fast-check';
import { COUNTEREXAMPLES_DIR, slug, writeCounterexample } from '../../sim/cli/replay.ts';
import type { CounterexampleFile } from '../../sim/cli/replay.ts';
import type { KnownIssue } from '../../sim/verify/knownIssues.ts';
import type { Violation } from '../../sim/verify/invariants.ts';
import { formatViolation } from '../../sim/verify/invariants.ts';
import type { ScriptSetup } from '../../sim/verify/scriptedRun.ts';
import { ScriptedRun, describeRecords } from '../../sim/verify/scriptedRun.ts';
import type { FaultName, Step } from '../../sim/verify/steps.ts';
import { FAULT_NAMES, describeStep } from '../../sim/verify/steps.ts';

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
  { weight: 1, arbitrary: fc.constant<Step>({ do: 'cancelPause' }) },
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


export interface ScriptedCase {
  readonly setup: ScriptSetup;
  readonly steps: readonly Step[];
}

/** Runs a case's steps in a fresh run and returns the steps as they ran and the first violations. */
export function rerun(c: ScriptedCase, tolerated: readonly KnownIssue[] = []): { run: ScriptedRun; violations: Violation[] } {
  const run = new ScriptedRun(c.setup, { tolerated });
  return { run, violations: run.run(c.steps) };
}


export interface FailureRecord {
  /** fast-check's seed, shrink path and (for command sequences) replay path. */
  readonly seed: number;
  readonly path: string | null;
  readonly replayPath: string | null;
}

/**
 * Reruns a failing case, writes it to `<dir>/<name>-seed<seed>.json` with the steps as they ran,
 * and returns the file and the lines a failure report prints (replay and save commands).
 */
export function recordCounterexample(
  c: ScriptedCase, failure: FailureRecord, name: string, foundBy: string, tolerated: readonly KnownIssue[], dir: string = COUNTEREXAMPLES_DIR,
): { file: string; lines: string[]; violations: Violation[] } {
  const again = rerun(c, tolerated);
  const file = path.join(dir, `${slug(name)}-seed${failure.seed}.json`);
  const record: CounterexampleFile = {
    name: `${name} (seed ${failure.seed})`,
    status: 'open',
    foundBy: { test: foundBy, seed: failure.seed, path: failure.path, replayPath: failure.replayPath },
    setup: c.setup,
    tolerated,
    steps: again.run.records.map((r) => r.step),
    violation: again.violations[0] === undefined ? null : formatViolation(again.violations[0]),
  };
  writeCounterexample(file, record);
  const lines = [
    `Replay the counterexample: npm run -s pumpsim -- replay ${file}`,
    `Keep it as a regression:  npm run -s pumpsim -- replay ${file} --save <name>`,
  ];
  if (again.violations.length === 0) lines.push('NOTE: the rerun of the shrunk case found no violation (the failure is in the predicate, not an invariant).');
  return { file, lines, violations: again.violations };
}

/** `replayPath="…"` as fast-check prints it in a commands counterexample, or null. */
export function replayPathOf(counterexample: unknown): string | null {
  return /replayPath="([^"]*)"/.exec(String(counterexample))?.[1] ?? null;
}

/** The model-based property: a random setup and command sequence run with the invariants and the model checked after every step. */
export function modelBasedArbitrary(maxCommands: number, replayPath?: string): fc.Arbitrary<[ScriptSetup, Iterable<fc.Command<object, ScriptedRun>>]> {
  return fc.tuple(setupArb, commandsArb(maxCommands, replayPath));
}

export function runModelBased([setup, cmds]: [ScriptSetup, Iterable<fc.Command<object, ScriptedRun>>], tolerated: readonly KnownIssue[]): void {
  fc.modelRun(() => ({ model: {}, real: new ScriptedRun(setup, { tolerated }) }), cmds);
}
