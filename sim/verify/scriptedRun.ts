/**
 * A scripted run: one simulation driven step by step, watched by the invariant monitor and the
 * reference model.
 *
 * Owns: turning `Step`s into firmware commands, physical actions and clock time; the record of
 * what each step did; the event trace of the run.
 * Promises:
 * - Nobody acts on the pump but the steps: the operator only records mode changes.
 * - A command goes with the physical action a nurse does with it, and only when the pump took it:
 *   an accepted plan is compounded into the reservoir, an accepted start puts the needle in the
 *   port, an accepted flush connects the heparin-lock syringe, an accepted refill takes the
 *   needle out and fills a new reservoir.
 * - The same setup and steps give the same run, byte for byte (the simulator's promise); `wait` is
 *   recorded as the `advance` it resolved to, so a recorded run replays exactly.
 * - After every step the invariants (invariants.ts) and, unless disabled, the model (model.ts) are
 *   checked; their violations are collected, never thrown.
 *
 * Fault injection goes through `setFault`, the one place that knows how a fault is applied.
 */
import type { AlarmCode, CommandAnswer, InfusionPlan, PrescriptionInput } from '../../firmware/index.ts';
import { ALARM_RULE_BY_CODE, HAI_FUDR_LIBRARY, NV_LAYOUT, SELF_TEST_DURATION_MS, planInfusion } from '../../firmware/index.ts';
import type { LogEntry } from '../../firmware/index.ts';
import { compoundReservoir, connectLockSyringe } from '../world/operator.ts';
import type { Operator } from '../world/operator.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { deviceProfileOf, parseScenario, prescriptionInput } from '../scenario/scenario.ts';
import { Simulation } from '../run/simulation.ts';
import { Telemetry } from '../run/telemetry.ts';
import type { Violation } from './invariants.ts';
import type { KnownIssue } from './knownIssues.ts';
import { InvariantMonitor, formatViolation } from './invariants.ts';
import type { AlarmView, ModeChange, ModelCommand } from './model.ts';
import { PumpModel } from './model.ts';
import type { FaultName, Step } from './steps.ts';
import { describeStep, formatDuration, proceedFrom } from './steps.ts';

export interface ScriptSetup {
  /** The simulation seed (device errors, sensor noise, patient). */
  readonly seed: number;
  /** Programmed infusion length, days (drug-library hard range 1 h – 21 days). */
  readonly infusionDays: number;
  /** Reservoir fill, mL; it sets the rate (20–1000 µL/h). */
  readonly reservoirVolumeMl: number;
  /** Patient weight, kg (default 70; height 170 cm). */
  readonly weightKg?: number;
  /** FUDR dose, mg/kg/day (default 0.15, the seed protocol). */
  readonly fudrMgPerKgPerDay?: number;
}

/** One hour at about 611 µL/h (1.5 mL less 0.5 mL residual, 0.37 mL prime and 3 % reserve). */
export const DEFAULT_SETUP: ScriptSetup = Object.freeze({ seed: 1, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 });

export interface StepRecord {
  readonly index: number;
  readonly atMs: number;
  /** The step as it ran (`wait` resolved to `advance`). */
  readonly step: Step;
  readonly modeBefore: string;
  readonly modeAfter: string;
  readonly answer: CommandAnswer | null;
}

export interface ScriptedRunOptions {
  /** Check the reference model after every step (default true). */
  readonly model?: boolean;
  /** Known issues (knownIssues.ts) the checks let pass (default none). */
  readonly tolerated?: readonly KnownIssue[];
}

/** The setup's scenario: 70 kg, 170 cm, the seed protocol's doses unless given, confirmed soft limits. */
export function setupScenario(setup: ScriptSetup): Scenario {
  return parseScenario(
    {
      name: 'scripted',
      seed: setup.seed,
      patient: { weightKg: setup.weightKg ?? 70, heightCm: 170 },
      prescription: {
        fudrMgPerKgPerDay: setup.fudrMgPerKgPerDay ?? 0.15,
        dexamethasoneMgPerM2PerDay: 1,
        infusionDays: setup.infusionDays,
        doseFactor: 1,
        reservoirVolumeMl: setup.reservoirVolumeMl,
        confirmSoftLimits: true,
      },
      faults: [],
    },
    'scripted run setup',
  );
}

/** The operator of a scripted run: does nothing, hears every mode change. */
class RecordingOperator implements Operator {
  constructor(private readonly onChange: (mode: string, atMs: number) => void) {}

  onMode(_world: unknown, mode: string, atMs: number): void {
    this.onChange(mode, atMs);
  }
}

export class ScriptedRun {
  readonly setup: ScriptSetup;
  readonly sim: Simulation;
  readonly monitor: InvariantMonitor;
  readonly model: PumpModel | null;
  readonly records: StepRecord[] = [];
  readonly modeChanges: ModeChange[] = [];
  /** A `wait` step is under way: the next mode change ends the clock's run (`stopRun`). */
  private waitingForModeChange = false;
  readonly telemetry = new Telemetry();
  readonly ledgerMilestones: { atMs: number; infusedFraction: number }[] = [];
  readonly activeFaults = new Set<FaultName>();
  private readonly prescription: PrescriptionInput;
  private readonly setupPlan: InfusionPlan;
  private poweredOff = false;
  /** An nvCorruption was injected: the state record is erased at the next power loss. */
  private stateRecordCorrupted = false;
  /** An occlusion was active at some step end while the needle was out of the port (a simulator issue, knownIssues.ts). */
  private occlusionWhileUnaccessed = false;

  constructor(setup: ScriptSetup = DEFAULT_SETUP, options: ScriptedRunOptions = {}) {
    this.setup = setup;
    const scenario = setupScenario(setup);
    this.prescription = prescriptionInput(scenario);
    const profile = deviceProfileOf(scenario);
    const planned = planInfusion(this.prescription, profile.firmwareConfig, HAI_FUDR_LIBRARY);
    if (!planned.ok) throw new Error(`scripted run setup refused by the drug library: ${planned.findings.map((f) => f.message).join('; ')}`);
    this.setupPlan = planned.plan;
    const config = profile.firmwareConfig;
    this.model =
      options.model === false
        ? null
        : new PumpModel({
            needsConfirmation: planned.plan.softFindings.length > 0,
            reservoirAmbiguousBelowUl: config.reservoirResidualUl + config.reservoirGaugeAccuracyMl * 1000,
            controlPeriodMs: config.controlPeriodMs,
            tolerated: options.tolerated ?? [],
          });
    this.telemetry.ledger.subscribe((m) => this.ledgerMilestones.push({ atMs: m.atMs, infusedFraction: m.infusedFraction }));
    let monitor: InvariantMonitor | null = null;
    let simulation: Simulation | null = null;
    this.sim = simulation = new Simulation({
      scenario,
      operator: new RecordingOperator((mode, atMs) => {
        // The first mode (selfTest) is reported while the simulation is still being built.
        this.modeChanges.push({ atMs, mode });
        if (this.waitingForModeChange) simulation?.clock.stopRun();
        if (simulation !== null) this.truthAt.set(atMs, this.truthNow());
        monitor?.onMode(mode, atMs);
      }),
      telemetry: this.telemetry,
    });
    this.monitor = new InvariantMonitor(this.sim, options.tolerated ?? []);
    monitor = this.monitor;
    this.monitor.onMode(this.sim.firmware.modeName, this.sim.clock.nowMs());
  }

  get nowMs(): number {
    return this.sim.clock.nowMs();
  }

  get mode(): string {
    return this.poweredOff ? 'off' : this.sim.firmware.modeName;
  }

  /** Runs one step, then checks; returns the violations it found. */
  apply(step: Step): Violation[] {
    if (step.do === 'proceed') return this.apply(proceedFrom(this.mode, this.alarmView().stoppingAlarm));
    const startMs = this.nowMs;
    const modeBefore = this.mode;
    const changesBefore = this.modeChanges.length;
    const logBefore = this.sim.log.entries.length;
    let answer: CommandAnswer | null = null;
    let ran: Step = step;
    const modelProblems: string[] = [];
    switch (step.do) {
      case 'advance':
        this.sim.clock.runUntil(startMs + step.ms);
        break;
      case 'wait': {
        const target = startMs + step.maxMs;
        this.waitingForModeChange = true;
        this.sim.clock.runUntil(target);
        this.waitingForModeChange = false;
        // Events due at the same instant as the change run too, so `advance` replays this exactly.
        this.sim.clock.runUntil(this.nowMs);
        ran = { do: 'advance', ms: this.nowMs - startMs };
        break;
      }
      case 'powerCycle':
        this.sim.powerCycle(step.offMs);
        this.poweredOff = true;
        this.monitor.onMode('off', startMs);
        // A corruption injected earlier strikes while the pump is off: every copy of the state record is gone.
        const nvIntact = !this.stateRecordCorrupted;
        if (this.stateRecordCorrupted) this.sim.nv.erase(NV_LAYOUT.state);
        this.stateRecordCorrupted = false;
        if (!nvIntact) this.monitor.onLedgerLost();
        this.model?.powerOff(nvIntact);
        this.sim.clock.runUntil(startMs + step.offMs);
        this.poweredOff = false;
        this.sim.clock.runUntil(startMs + step.offMs + SELF_TEST_DURATION_MS);
        break;
      case 'inject':
      case 'clear':
        if (step.do === 'inject' && step.fault === 'occlusion' && !this.activeFaults.has('occlusion')) this.occlusionWhileUnaccessed = !this.sim.plant.isAccessed;
        if (step.do === 'clear') this.monitor.onFaultCleared(step.fault, this.occlusionWhileUnaccessed);
        this.setFault(step.fault, step.do === 'inject');
        this.model?.onFault(step.fault, step.do === 'inject', startMs);
        break;
      default: {
        const alarms = this.alarmView();
        const cmd: ModelCommand = step.do === 'program' ? { type: 'program', variant: step.variant } : { type: step.do };
        answer = this.command(cmd);
        this.monitor.onCommand(cmd.type, answer.accepted, modeBefore, this.mode);
        if (this.model !== null) modelProblems.push(...this.model.afterCommand(cmd, alarms, answer.accepted, this.mode));
      }
    }
    if (this.model !== null && (step.do === 'advance' || step.do === 'wait' || step.do === 'powerCycle')) {
      const changes = this.modeChanges.slice(changesBefore);
      const raised = this.sim.log.entries.slice(logBefore);
      const stoppingAt = (atMs: number): AlarmCode[] =>
        raised.filter((e) => e.kind === 'alarm' && e.atMs === atMs && ALARM_RULE_BY_CODE[e.code as AlarmCode]?.driveAction !== 'continue').map((e) => e.code as AlarmCode);
      modelProblems.push(...this.model.afterTime(changes, stoppingAt));
    }
    if (this.model !== null) {
      for (const e of this.sim.log.entries.slice(logBefore)) {
        if (e.kind !== 'alarm') continue;
        const problem = this.model.falseAlarm(e.code as AlarmCode, this.truthAt.get(e.atMs) ?? this.truthNow());
        if (problem !== null) modelProblems.push(`at ${(e.atMs / 1000).toFixed(3)} s ${problem}`);
      }
    }
    this.truthAt.clear();
    this.records.push({ index: this.records.length, atMs: startMs, step: ran, modeBefore, modeAfter: this.mode, answer });
    const command = answer === null ? null : step.do;
    this.monitor.checkLogged(modeBefore === 'off' ? null : command, this.modeChanges.slice(changesBefore));
    if (this.activeFaults.has('occlusion') && !this.sim.plant.isAccessed) this.occlusionWhileUnaccessed = true;
    const found = this.monitor.afterStep();
    const now = this.nowMs;
    const modelViolations: Violation[] = modelProblems.map((message) => ({ invariant: 'model', atMs: now, message }));
    this.modelViolations.push(...modelViolations);
    return [...found, ...modelViolations];
  }

  /** Runs steps until the first one that finds a violation; returns all violations found by then. */
  run(steps: readonly Step[]): Violation[] {
    for (const step of steps) {
      const found = this.apply(step);
      if (found.length > 0) return found;
    }
    return [];
  }

  private readonly modelViolations: Violation[] = [];
  /** Reservoir and battery truth at the instants of mode changes during the step (an alarm stop is one). */
  private readonly truthAt = new Map<number, { reservoirUl: number; batteryPercent: number }>();

  private truthNow(): { reservoirUl: number; batteryPercent: number } {
    return { reservoirUl: this.sim.plant.reservoirVolumeUl, batteryPercent: this.sim.devices.power.batteryPercent() };
  }

  /** Every violation found so far (invariants, then the model). */
  get violations(): readonly Violation[] {
    return [...this.monitor.violations, ...this.modelViolations];
  }

  private alarmView(): AlarmView {
    const entries = this.sim.firmware.alarms.entries;
    const stoppingCodes = entries.filter((e) => ALARM_RULE_BY_CODE[e.code].driveAction !== 'continue').map((e) => e.code);
    const audioPaused = this.nowMs < this.sim.firmware.alarms.audioPausedUntilMs;
    return { anyAlarm: entries.length > 0, audioPaused, stoppingAlarm: stoppingCodes.length > 0, stoppingCodes, atMs: this.nowMs };
  }

  private command(cmd: ModelCommand): CommandAnswer {
    const sim = this.sim;
    const fw = sim.firmware;
    const plant = sim.plant;
    plant.advanceTo(this.nowMs);
    const accepted = (): number => sim.log.entries.filter((e) => e.kind === 'notification' && e.code === 'PLAN_ACCEPTED').length;
    const plansBefore = accepted();
    let answer: CommandAnswer;
    switch (cmd.type) {
      case 'program': {
        const prescription = cmd.variant === 'refused' ? { ...this.prescription, fudrMgPerKgPerDay: 0.5 } : this.prescription;
        answer = sim.programmer.send(fw, { type: 'program', prescription, confirmSoftLimits: cmd.variant === 'confirmed' });
        break;
      }
      case 'refill': {
        const plan = fw.plan ?? this.setupPlan;
        answer = sim.programmer.send(fw, { type: 'refill', volumeMl: plan.reservoirFillMl });
        if (answer.accepted) {
          if (plant.isAccessed) plant.deaccessPort();
          compoundReservoir(plant, plan);
        }
        break;
      }
      default:
        answer = sim.programmer.send(fw, { type: cmd.type });
    }
    if (accepted() > plansBefore && fw.plan !== null) compoundReservoir(plant, fw.plan);
    const plan = fw.plan;
    if (answer.accepted && plan !== null) {
      const mode = fw.modeName;
      if (cmd.type === 'start' && mode === 'therapy.infusing.running') {
        if (!plant.isAccessed) plant.accessPort();
        this.monitor.onPhaseBegin('infuse', plan);
      }
      if (cmd.type === 'prime' && mode === 'therapy.priming') this.monitor.onPhaseBegin('prime', plan);
      if (cmd.type === 'flush' && mode === 'therapy.flushing') {
        connectLockSyringe(plant, sim.profile, plan);
        this.monitor.onPhaseBegin('flush', plan);
      }
    }
    return answer;
  }

  /** The one place that knows how a fault changes the world (see steps.ts for the list). */
  private setFault(fault: FaultName, on: boolean): void {
    const sim = this.sim;
    const now = this.nowMs;
    sim.plant.advanceTo(now);
    if (on) this.activeFaults.add(fault);
    else this.activeFaults.delete(fault);
    switch (fault) {
      case 'occlusion':
        sim.plant.setConditions({ occlusion: on ? { location: 'catheter', severity: 1 } : null });
        break;
      case 'displacement':
        sim.plant.setConditions({ tip: on ? 'tissue' : 'artery' });
        break;
      case 'motorStall':
        sim.plant.setConditions({ stallProbability: on ? 1 : 0 });
        break;
      case 'batteryDepletion':
        sim.devices.power.setExtraDrain(on ? 500 : 0);
        break;
      case 'pressureDropout':
        sim.devices.pressure.setFault(on ? { mode: 'dropout', magnitude: 0, sinceMs: now } : null);
        break;
      case 'nvCorruption':
        if (on) this.stateRecordCorrupted = true;
        break;
    }
  }
}


/** The steps as they ran, one line each, numbered. */
export function describeRecords(records: readonly StepRecord[]): string {
  return records
    .map((r) => {
      const answer = r.answer === null ? '' : r.answer.accepted ? ' → accepted' : ` → refused${r.answer.reason ? ` (${r.answer.reason})` : ''}`;
      return `${String(r.index + 1).padStart(3)}. t=${formatDuration(r.atMs).padEnd(14)} ${describeStep(r.step)}${answer}; ${r.modeBefore} → ${r.modeAfter}`;
    })
    .join('\n');
}

/**
 * The event trace of a run: every log entry (mode changes, commands, alarms, clears,
 * notifications, restarts) and every 10 % ledger milestone, with simulated times. Two runs with
 * equal traces did the same thing.
 */
export function eventTrace(run: ScriptedRun): string[] {
  const lines: { atMs: number; order: number; text: string }[] = [];
  run.sim.log.entries.forEach((e: LogEntry, i) => lines.push({ atMs: e.atMs, order: i, text: `${e.kind.padEnd(12)} ${e.code}${e.detail === undefined ? '' : ` ${e.detail}`}` }));
  run.ledgerMilestones.forEach((m, i) => lines.push({ atMs: m.atMs, order: 1e9 + i, text: `${'ledger'.padEnd(12)} infused ${Math.round(m.infusedFraction * 100)} %` }));
  lines.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  return lines.map((l) => `${(l.atMs / 1000).toFixed(3).padStart(12)} s  ${l.text}`);
}

export { formatViolation };
