/**
 * The library: pumpsim from another project's code (`import { simulate, parseScenario } from 'pumpsim'`).
 *
 * Owns: the public API of the package (what `dist/pumpsim.js` exports; docs/library.md) and the
 * refusal of a prescription the firmware's drug library refuses, as a typed error that the CLI
 * shares (`prescriptionRefusal`).
 * Promises: `simulate` returns the same summary object as `pumpsim run --json` for the same
 * scenario and seed; it never returns the summary of a run whose prescription was refused (the
 * pump would sit idle with nothing delivered): it throws `PrescriptionRefusedError` naming the
 * field, the value and the limit. Invalid input throws `ScenarioError` naming the field and the
 * allowed range.
 */
import type { LimitFinding } from '../../firmware/index.ts';
import { HAI_FUDR_LIBRARY, planInfusion } from '../../firmware/index.ts';
import type { ParseOptions, Scenario, ScenarioInput } from '../scenario/scenario.ts';
import { ScenarioError, defaultScenario, deviceProfileOf, parseScenario as parseScenarioInput, prescriptionInput } from '../scenario/scenario.ts';
import type { RunSummary } from '../run/simulation.ts';
import { runScenarioSync } from '../run/simulation.ts';
import type { CourseRunSummary } from '../course/courseRunner.ts';
import { runCourse } from '../course/courseRunner.ts';

export type { CourseRunSummary, LimitFinding, ParseOptions, RunSummary, Scenario, ScenarioInput };
export type { DeviceParameters } from '../world/profile.ts';
export { BUILT_IN_DEVICES, DEVICE_PARAMETERS, parseDeviceFile } from '../scenario/device.ts';
export { ScenarioError, defaultScenario };

/**
 * The drug library refused the prescription (a hard limit), or it needs the clinician's
 * confirmation of a soft limit that the scenario does not give (`prescription.confirmSoftLimits`).
 * `field`, `value`, `limit` and `unit` are those of the first finding; `findings` has every one.
 */
export class PrescriptionRefusedError extends Error {
  override readonly name = 'PrescriptionRefusedError';
  readonly kind: 'hard' | 'soft';
  readonly field: string;
  readonly value: number;
  readonly limit: { readonly min: number; readonly max: number };
  readonly unit: string;
  readonly findings: readonly LimitFinding[];

  constructor(message: string, kind: 'hard' | 'soft', findings: readonly LimitFinding[]) {
    super(message);
    const first = findings[0] as LimitFinding;
    this.kind = kind;
    this.field = first.field;
    this.value = first.value;
    this.limit = { min: first.allowed.min, max: first.allowed.max };
    this.unit = first.unit;
    this.findings = findings;
  }
}

/** Why the firmware's drug library would refuse the scenario's prescription, or null when it accepts it. */
export function prescriptionRefusal(scenario: Scenario): PrescriptionRefusedError | null {
  const result = planInfusion(prescriptionInput(scenario), deviceProfileOf(scenario).firmwareConfig, HAI_FUDR_LIBRARY);
  if (!result.ok) {
    const hard = result.findings.filter((f) => f.kind === 'hard');
    return new PrescriptionRefusedError(`prescription refused by the drug library: ${hard.map((f) => f.message).join('; ')}`, 'hard', hard);
  }
  const soft = result.plan.softFindings;
  if (soft.length > 0 && !scenario.prescription.confirmSoftLimits) {
    return new PrescriptionRefusedError(`prescription needs confirmation (set prescription.confirmSoftLimits to true): ${soft.map((f) => f.message).join('; ')}`, 'soft', soft);
  }
  return null;
}

export interface SimulateOptions {
  /** Replaces the scenario's seed (as `pumpsim run --seed`). */
  readonly seed?: number;
  /** Where a relative `device.file` of a raw scenario is found (default: the working directory). */
  readonly baseDir?: string;
}

/** The scenarios `parseScenario` returned (frozen, so still as validated): `simulate` takes them as they are. */
const parsedScenarios = new WeakSet<object>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Validates a scenario as written (parsed JSON) and resolves its device; throws `ScenarioError`
 * naming each field and its allowed range. `source` names the input in the message. The result is
 * frozen: a changed copy goes through `parseScenario` (or `simulate`) again.
 */
export function parseScenario(json: unknown, source = 'scenario', options: ParseOptions = {}): Scenario {
  const s = deepFreeze(parseScenarioInput(json, source, options));
  parsedScenarios.add(s);
  return s;
}

function parsed(scenario: ScenarioInput | Scenario, options: SimulateOptions): Scenario {
  if (typeof scenario === 'object' && scenario !== null && parsedScenarios.has(scenario)) return scenario as Scenario;
  return parseScenario(scenario, 'scenario', options.baseDir !== undefined ? { baseDir: options.baseDir } : {});
}

function accepted(scenario: ScenarioInput | Scenario, options: SimulateOptions): Scenario {
  const s = parsed(scenario, options);
  const refusal = prescriptionRefusal(s);
  if (refusal !== null) throw refusal;
  const seed = options.seed;
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed <= 4294967295)) {
    throw new ScenarioError(`options.seed = ${String(seed)} must be a whole number (allowed 0–4294967295)`);
  }
  return s;
}

/**
 * One infusion, run to its end at full speed: the summary `pumpsim run --json` prints. Takes a
 * scenario as written (JSON input, validated here) or as `parseScenario` returned it. A scenario
 * with a `course` section runs with `simulateCourse`.
 */
export function simulate(scenario: ScenarioInput | Scenario, options: SimulateOptions = {}): RunSummary {
  const s = accepted(scenario, options);
  if (s.course !== undefined) throw new ScenarioError('scenario: it has a course section; run it with simulateCourse');
  return runScenarioSync({ scenario: s, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
}

/** A treatment course (a scenario with a `course` section): the summary `pumpsim run --json` prints for it. */
export function simulateCourse(scenario: ScenarioInput | Scenario, options: SimulateOptions = {}): CourseRunSummary {
  const s = accepted(scenario, options);
  if (s.course === undefined) throw new ScenarioError('scenario: it has no course section; run it with simulate');
  return runCourse({ scenario: s, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
}
