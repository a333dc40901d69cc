/**
 * Invariants: the safety properties a verification run checks at every stroke batch and after
 * every step, each with a name and the requirement it serves.
 *
 * Owns: the checks, their tolerances, and the bookkeeping they need (phase running time, ledger
 * epochs, restart history). It watches the run from outside: the plant's truth, the drive calls
 * (by wrapping the simulated drive), the firmware's public state (mode, ledger, alarms), the
 * annunciator and the event log. It never changes what happens.
 * Promises: a check reports a `Violation` naming the invariant, the simulated time and what was
 * seen; it never throws. Tolerances are stated where they are defined and in docs/verification.md.
 *
 * Delivery bounds. The firmware credits its schedule one control period per control step spent in
 * a delivery mode, so each entry into delivery (start, resume, reboot) can credit up to one period
 * it did not spend delivering, and each exit can lose one; a power loss further loses the schedule
 * time since the last stroke batch (at most one stroke interval). Hence, with R the time spent in
 * the phase's delivery mode, E the number of entries into it, B the power losses, P the control
 * period and I the stroke interval of the phase:
 *   delivered ≤ scheduled(R + E·P) + 1 stroke                    (no over-delivery)
 *   delivered ≥ scheduled(R − E·P − B·I) − 1 stroke               (no lost delivery)
 */
import type { AlarmCode, InfusionPlan, Ledger } from '../../firmware/index.ts';
import { ALARM_RULE_BY_CODE, AUDIO_PAUSE_MS, HAI_FUDR_LIBRARY, MAX_STOPS_PER_CAUSE_PER_PROGRAMME, RESTART_LOCKOUT_COUNT, RESTART_LOCKOUT_WINDOW_MS, THRESHOLDS, scheduledStrokes } from '../../firmware/index.ts';
import type { HalResult, StrokeFeedback } from '../../hal/index.ts';
import type { LogEntry } from '../../firmware/index.ts';
import type { Totals } from '../world/plant/index.ts';
import type { KnownIssue } from './knownIssues.ts';
import type { Simulation } from '../run/simulation.ts';

export const INVARIANTS = Object.freeze({
  massBalance: { id: 'PUMP-MASS-BALANCE', statement: 'Filled = artery + extrahepatic + pocket + leaked + prime waste + discarded + remaining (reservoir, syringe, set, implant), for volume and every drug.' },
  noOverDelivery: { id: 'PUMP-NO-OVERDELIVERY', statement: 'Delivered ≤ prescribed profile at the time spent delivering + one stroke + one control period per entry into delivery; the truth per stroke within the mechanism tolerance.' },
  dailyLimit: { id: 'PUMP-LIB-DAILY', statement: 'FUDR leaving the pump in any 24 h never exceeds the drug library’s daily hard limit (times the mechanism tolerance, plus one stroke).' },
  noDeliveryWhenStopped: { id: 'PUMP-NO-DELIVERY-STOPPED', statement: 'The drive is commanded only in a delivery mode and never while a stopping alarm is present.' },
  stallStops: { id: 'GIP-1.6.2', statement: 'A stalled drive is not commanded again once the stall threshold of missed strokes is reached, until an acknowledge re-arms the check.' },
  ledger: { id: 'PUMP-LEDGER-TRUTH', statement: 'The ledger only grows, but for the strokes a pressure relief ran the drive back by (reset only by a new plan or refill), and stays within one stroke of the strokes the drive really made net of relief, each counted at the firmware\'s credit (in nominal strokes).' },
  noLostDelivery: { id: 'PUMP-LEDGER-RESUME', statement: 'Delivery lags the profile by at most one stroke plus one stroke interval per power loss; a finished phase ends within two control periods.' },
  alarmSignal: { id: 'PUMP-ALARM-PRIO', statement: 'The highest-priority present alarm (earliest onset among equals) owns the signal; no signal without an alarm.' },
  audioPause: { id: 'GIP-3.2.1', statement: 'An alarm signal is silent only within 2 minutes of an accepted audio pause: the pause re-arms within 2 minutes.' },
  pauseEscalation: { id: 'IEC-60601-1-8-PAUSE-ESCALATION', statement: 'An audio pause never silences an alarm of a higher priority than every alarm present when it was pressed, raised after the press.' },
  latching: { id: 'OPCA-LATCH', statement: 'A latched alarm clears only after an acknowledge since its onset.' },
  restartLockout: { id: 'OPCA-EC23', statement: 'The third alarm-stop→restart of the same alarm within 10 minutes is refused with a stop and the REPEATED_ALARM alarm.' },
  postOcclusionBolus: { id: 'GIP-1.10.7', statement: 'The volume stored behind an occlusion, released when it clears, is ≤ 0.5 mL.' },
  noReverse: { id: 'GIP-1.8.1', statement: 'The drive never delivers in reverse: stroke counts are whole and non-negative; it is run back only for a pressure relief (OCCLUSION present, at most the strokes of one control step); pumped volume falls, and the reservoir grows beyond its fills, only by what a relief drew back.' },
  eventLog: { id: 'GIP-4.1', statement: 'Every command and every mode change is in the event log with its time; the log survives a power loss.' },
  model: { id: 'PUMP-MODEL', statement: 'Commands are accepted or refused, and modes change, as the reference model says.' },
});

export type InvariantName = keyof typeof INVARIANTS;

export interface Violation {
  readonly invariant: InvariantName;
  readonly atMs: number;
  readonly message: string;
}

export function formatViolation(v: Violation): string {
  return `[${v.invariant} ${INVARIANTS[v.invariant].id}] t=${(v.atMs / 1000).toFixed(3)} s: ${v.message}`;
}

/** GIP 1.10.7: post-occlusion bolus limit. */
export const POST_OCCLUSION_BOLUS_LIMIT_UL = 500;
/** Relative tolerance of floating-point sums in the mass balance. */
const BALANCE_RELATIVE_TOLERANCE = 1e-9;

type PhaseKind = 'prime' | 'infuse' | 'flush';
const PHASE_MODE: Readonly<Record<PhaseKind, string>> = { prime: 'therapy.priming', infuse: 'therapy.infusing.running', flush: 'therapy.flushing' };
const DELIVERY_MODES = new Set(Object.values(PHASE_MODE));
const QUANTITIES = ['volumeUl', 'fudrMg', 'dexamethasoneMg', 'heparinUnits'] as const;

interface PhaseWatch {
  readonly kind: PhaseKind;
  readonly totalStrokes: number;
  readonly durationMs: number;
  /** The drive's strokes when the phase began, in nominal strokes of the firmware's credit (`creditedStrokes`). */
  readonly plantStrokesAtStart: number;
  /** Strokes a pressure relief ran the drive back by in this phase: the schedule owes them again. */
  relievedStrokes: number;
  runningMs: number;
  entries: number;
  powerLosses: number;
  /** When the current stay in the phase's mode began (null when not in it). */
  enteredAtMs: number | null;
  stalled: boolean;
  lastStrokeAtMs: number;
}

function accounted(sim: Simulation): Record<(typeof QUANTITIES)[number], number> {
  const p = sim.plant;
  const r = p.remaining();
  const parts: Totals[] = [p.toArtery, p.toExtrahepatic, p.toPocket, p.leaked, p.primeWaste, p.discarded, r.reservoir, r.lockSyringe, r.set, r.implant];
  const out = { volumeUl: 0, fudrMg: 0, dexamethasoneMg: 0, heparinUnits: 0 };
  for (const q of QUANTITIES) out[q] = parts.reduce((s, t) => s + t[q], 0) - p.filled[q];
  return out;
}

function ledgerTotal(l: Ledger): number {
  return l.primeStrokes + l.infusionStrokes + l.flushStrokes;
}

function outletFudrMg(sim: Simulation): number {
  const p = sim.plant;
  return p.toArtery.fudrMg + p.toExtrahepatic.fudrMg + p.toPocket.fudrMg + p.leaked.fudrMg;
}

/** The rank a signal owner must have: priority first, then the earliest onset. */
const PRIORITY_RANK = { high: 3, medium: 2, low: 1 } as const;

function ownerOf(entries: readonly { code: AlarmCode; onsetMs: number }[]): AlarmCode | null {
  const rank = PRIORITY_RANK;
  let best: { code: AlarmCode; onsetMs: number } | null = null;
  for (const e of entries) {
    if (best === null) best = e;
    else {
      const a = rank[ALARM_RULE_BY_CODE[e.code].priority];
      const b = rank[ALARM_RULE_BY_CODE[best.code].priority];
      if (a > b || (a === b && e.onsetMs < best.onsetMs)) best = e;
    }
  }
  return best === null ? null : best.code;
}

export class InvariantMonitor {
  readonly violations: Violation[] = [];
  private readonly sim: Simulation;
  private readonly periodMs: number;
  private readonly strokeUl: number;
  private readonly maxPerStep: number;
  private readonly truthPerStrokeMaxUl: number;
  /** Accounted − filled at the start (the plant may start with fluid it did not count as filled). */
  private readonly imbalance0: Record<(typeof QUANTITIES)[number], number>;
  private mode = 'selfTest';
  private powered = true;
  private phase: PhaseWatch | null = null;
  private epochPlantStrokes = 0;
  /**
   * The drive's confirmed strokes, each as the firmware credits it, in strokes of nominal volume
   * (firmware/strokeCredit.ts): the drive's own count while the credit is nominal.
   */
  private creditedStrokes = 0;
  /** A stroke was credited other than nominal since the epoch: each phase may then drop less than one stroke's credit at its end. */
  private offNominalCredit = false;
  private phasesSinceEpoch = 0;
  private epochPumpedUl = 0;
  private lastLedger: Ledger;
  private logIndex = 0;
  private readonly latched = new Map<AlarmCode, { acknowledged: boolean }>();
  private missedInRow = 0;
  private audioPausedAtMs: number | null = null;
  /** Rank of the highest-priority alarm present at the last accepted audio pause. */
  private audioPausedRank = 0;
  private stoppedBy: AlarmCode | null = null;
  private restarts: { code: AlarmCode; atMs: number }[] = [];
  private lockoutAtMs: number | null = null;
  private readonly fudrSamples: { atMs: number; mg: number }[] = [];
  private lastPumpedUl = 0;
  private lastRetractedUl = 0;
  private lastRetractions = 0;
  private lastReservoirUl = 0;
  private lastFilledUl = 0;
  private lastLogLength = 0;
  /** A plan was accepted or the reservoir refilled since the last check: the ledger restarts. */
  private newEpoch = false;
  /** Violations already returned by `afterStep`. */
  private reported = 0;
  /** The open known issues this monitor lets pass (a check that tolerates one names it). */
  readonly tolerated: readonly KnownIssue[];

  constructor(sim: Simulation, tolerated: readonly KnownIssue[] = []) {
    this.sim = sim;
    this.tolerated = tolerated;
    const config = sim.profile.firmwareConfig;
    this.periodMs = config.controlPeriodMs;
    this.strokeUl = config.strokeVolumeNl / 1000;
    this.maxPerStep = Math.max(1, Math.floor((config.maxStrokesPerSecond * config.controlPeriodMs) / 1000));
    const m = sim.profile.mechanism;
    this.truthPerStrokeMaxUl = m.strokeVolumeUl * (1 + m.unitErrorFraction) * (1 + m.strokeErrorFraction);
    this.imbalance0 = accounted(sim);
    this.lastLedger = sim.firmware.ledger;
    this.creditedStrokes = sim.plant.strokesDelivered;
    this.epochPlantStrokes = this.creditedStrokes - ledgerTotal(this.lastLedger);
    this.epochPumpedUl = sim.plant.cumulativePumpedUl;
    this.lastPumpedUl = sim.plant.cumulativePumpedUl;
    this.lastReservoirUl = sim.plant.reservoirVolumeUl;
    this.lastFilledUl = sim.plant.filled.volumeUl;
    this.wrapDrive();
  }

  private fail(invariant: InvariantName, message: string): void {
    this.failAt(invariant, this.sim.clock.nowMs(), message);
  }

  private wrapDrive(): void {
    const drive = this.sim.devices.drive;
    const stroke = drive.stroke.bind(drive);
    drive.stroke = (count: number): HalResult<StrokeFeedback> => {
      this.beforeStrokes(count);
      const madeBefore = this.sim.plant.strokesDelivered;
      const result = stroke(count);
      this.creditStrokes(this.sim.plant.strokesDelivered - madeBefore);
      this.afterStrokes(count, result);
      return result;
    };
    const retract = drive.retract.bind(drive);
    drive.retract = (count: number): HalResult<StrokeFeedback> => {
      this.beforeRetract(count);
      const result = retract(count);
      this.afterRetract(count, result);
      return result;
    };
  }

  // --- Events from the run -------------------------------------------------------------------

  /** A mode change the firmware reported (or 'off' when the run removes power). */
  onMode(mode: string, atMs: number): void {
    const ph = this.phase;
    if (ph !== null) {
      const phaseMode = PHASE_MODE[ph.kind];
      if (ph.enteredAtMs !== null && mode !== phaseMode) {
        ph.runningMs += atMs - ph.enteredAtMs;
        ph.enteredAtMs = null;
      } else if (ph.enteredAtMs === null && mode === phaseMode) {
        ph.enteredAtMs = atMs;
        ph.entries++;
      }
    }
    if (mode === 'alarmStopped' && (this.mode.startsWith('therapy.'))) this.stoppedBy = this.firstStoppingAlarmAt(atMs);
    if (mode === 'off') {
      this.powered = false;
      if (ph !== null) ph.powerLosses++;
    } else if (mode === 'selfTest') {
      this.powered = true;
      // The restart history and the alarm that stopped the drive are kept in flash (EC23 holds
      // across reboots, docs/storage.md): a reboot clears neither.
      this.missedInRow = 0;
      this.latched.clear();
    }
    this.mode = mode;
  }

  /** A delivery phase began (prime, start or flush was accepted). */
  onPhaseBegin(kind: PhaseKind, plan: InfusionPlan): void {
    const [totalStrokes, durationMs] =
      kind === 'prime' ? [plan.primingStrokes, plan.primingDurationMs] : kind === 'infuse' ? [plan.infusionStrokes, plan.durationMs] : [plan.flushStrokes, plan.flushDurationMs];
    const now = this.sim.clock.nowMs();
    this.phasesSinceEpoch++;
    this.phase = {
      kind, totalStrokes, durationMs, plantStrokesAtStart: this.creditedStrokes,
      runningMs: 0, entries: 1, powerLosses: 0, enteredAtMs: now, stalled: false, lastStrokeAtMs: now, relievedStrokes: 0,
    };
  }

  /** A command and its answer; `modeBefore` is the mode the pump was in when it got it. */
  onCommand(type: string, accepted: boolean, modeBefore: string, modeAfter: string): void {
    const now = this.sim.clock.nowMs();
    if (type === 'audioPause' && accepted) {
      this.audioPausedAtMs = now;
      this.audioPausedRank = Math.max(0, ...this.sim.firmware.alarms.entries.map((e) => PRIORITY_RANK[ALARM_RULE_BY_CODE[e.code].priority]));
    }
    // A cancelled pause ends now: from here a silent signal is a violation (Open PCA R6.5.0(16)).
    if (type === 'cancelPause' && accepted) this.audioPausedAtMs = null;
    // An acknowledge re-arms the drive check: a resume may re-test a stalled drive.
    if (type === 'acknowledge') this.missedInRow = 0;
    if (type === 'resume' && accepted && modeBefore === 'alarmStopped') this.checkRestart(modeAfter, now);
  }

  /**
   * The NV ledger record was corrupt at a power loss: the firmware cannot know what it delivered,
   * so its ledger starts over (it must then not deliver: the model expects fail-safe).
   */
  onLedgerLost(): void {
    this.newEpoch = true;
  }

  /** The run is about to clear a fault; `whileUnaccessed`: it was active while the needle was out of the port. */
  onFaultCleared(fault: string, whileUnaccessed = false): void {
    if (fault !== 'occlusion') return;
    void whileUnaccessed;
    this.sim.plant.advanceTo(this.sim.clock.nowMs());
    const storedUl = this.sim.plant.storedVolumeUl;
    if (storedUl > POST_OCCLUSION_BOLUS_LIMIT_UL) {
      this.fail('postOcclusionBolus', `${storedUl.toFixed(1)} µL stored behind the occlusion would be released as a bolus (limit ${POST_OCCLUSION_BOLUS_LIMIT_UL} µL)`);
    }
  }

  // --- At every drive call ------------------------------------------------------------------

  private beforeStrokes(count: number): void {
    const fw = this.sim.firmware;
    const mode = fw.modeName;
    if (!Number.isInteger(count) || count < 0) this.fail('noReverse', `drive commanded ${count} strokes`);
    if (count <= 0) return;
    if (!DELIVERY_MODES.has(mode)) this.fail('noDeliveryWhenStopped', `${count} stroke(s) commanded in mode ${mode}`);
    const stopping = fw.alarms.entries.filter((e) => ALARM_RULE_BY_CODE[e.code].driveAction !== 'continue').map((e) => e.code);
    if (stopping.length > 0) this.fail('noDeliveryWhenStopped', `${count} stroke(s) commanded while the stopping alarm(s) ${stopping.join(', ')} are present`);
    if (count > this.maxPerStep) this.fail('noOverDelivery', `${count} strokes in one control step (maximum ${this.maxPerStep})`);
    if (this.missedInRow >= THRESHOLDS.stallMissedStrokes) {
      this.fail('stallStops', `drive commanded again after ${this.missedInRow} strokes in a row were missed (stall threshold ${THRESHOLDS.stallMissedStrokes})`);
    }
    const ph = this.phase;
    if (ph === null) {
      this.fail('noDeliveryWhenStopped', `${count} stroke(s) commanded with no phase begun`);
      return;
    }
    if (PHASE_MODE[ph.kind] !== mode) this.fail('noDeliveryWhenStopped', `strokes commanded in ${mode} while the phase under way is ${ph.kind}`);
    const now = this.sim.clock.nowMs();
    const running = ph.runningMs + (ph.enteredAtMs === null ? 0 : now - ph.enteredAtMs);
    const allowed = scheduledStrokes(ph.totalStrokes, running + ph.entries * this.periodMs, ph.durationMs) + 1;
    // The credit in nominal strokes before the last of these strokes: each stroke is commanded only
    // while the credit is short of what the schedule owes (with a nominal credit, the strokes
    // counted before the last one, delivered + count − 1).
    const nominalNl = this.sim.profile.firmwareConfig.strokeVolumeNl;
    const creditNl = fw.strokeCreditNl;
    const creditedBeforeLast = fw.ledger.phaseDeliveredStrokes + (fw.ledger.creditCarryNl + (count - 1) * creditNl) / nominalNl;
    const commandedTotal = creditedBeforeLast + 1;
    if (!(creditedBeforeLast < allowed)) {
      this.fail('noOverDelivery', `${ph.kind}: ${commandedTotal} strokes commanded after ${(running / 1000).toFixed(3)} s delivering (${ph.entries} entries); the profile allows ${allowed}`);
    }
    if (!(creditedBeforeLast < ph.totalStrokes)) this.fail('noOverDelivery', `${ph.kind}: ${commandedTotal} strokes commanded, the phase has ${ph.totalStrokes}`);
  }

  /** The drive made `made` strokes: each counts as the firmware credits it (the truth's count, the firmware's unit). */
  private creditStrokes(made: number): void {
    if (made <= 0) return;
    const nominalNl = this.sim.profile.firmwareConfig.strokeVolumeNl;
    const creditNl = this.sim.firmware.strokeCreditNl;
    if (creditNl !== nominalNl) this.offNominalCredit = true;
    this.creditedStrokes += creditNl === nominalNl ? made : (made * creditNl) / nominalNl;
  }

  /** The drive is run back only for a pressure relief: OCCLUSION present, the needle in the port, no stroke owed. */
  private beforeRetract(count: number): void {
    if (!Number.isInteger(count) || count < 0) this.fail('noReverse', `drive run back ${count} strokes`);
    if (count <= 0) return;
    const fw = this.sim.firmware;
    if (!fw.alarms.entries.some((e) => e.code === 'OCCLUSION')) this.fail('noReverse', `drive run back ${count} strokes with no OCCLUSION present`);
    if (count > this.maxPerStep) this.fail('noReverse', `drive run back ${count} strokes in one control step (maximum ${this.maxPerStep})`);
  }

  private afterRetract(count: number, result: HalResult<StrokeFeedback>): void {
    if (count <= 0) return;
    const cps = this.sim.profile.firmwareConfig.encoderCountsPerStroke;
    const completed = result.ok ? Math.min(count, Math.floor(result.encoderCounts / cps)) : 0;
    if (this.phase !== null) this.phase.relievedStrokes += completed;
    // The firmware takes relieved strokes back as nominal strokes (ledger.ts `relieveStrokes`).
    this.creditedStrokes -= completed;
  }

  private afterStrokes(count: number, result: HalResult<StrokeFeedback>): void {
    if (count <= 0) return;
    const cps = this.sim.profile.firmwareConfig.encoderCountsPerStroke;
    const completed = result.ok ? Math.min(count, Math.floor(result.encoderCounts / cps)) : 0;
    const missed = count - completed;
    if (missed > 0) {
      this.missedInRow += missed;
      if (this.phase !== null) this.phase.stalled = true;
    } else if (completed > 0) this.missedInRow = 0;
    if (this.phase !== null) this.phase.lastStrokeAtMs = this.sim.clock.nowMs();
  }

  // --- After every step ---------------------------------------------------------------------

  /** Runs every after-step check; returns the violations found since the previous call (during the step and now). */
  afterStep(): Violation[] {
    const before = this.reported;
    this.checkMassBalance();
    this.scanLog();
    if (this.powered) {
      this.checkLedger();
      this.checkPhaseProgress();
      this.checkSignal();
    }
    this.checkDailyLimit();
    this.checkLockoutAlarm();
    this.checkNoReverse();
    this.reported = this.violations.length;
    return this.violations.slice(before);
  }

  private checkMassBalance(): void {
    const now = accounted(this.sim);
    for (const q of QUANTITIES) {
      const drift = now[q] - this.imbalance0[q];
      const scale = Math.max(1, Math.abs(this.sim.plant.filled[q]));
      if (Math.abs(drift) > BALANCE_RELATIVE_TOLERANCE * scale) {
        this.fail('massBalance', `${q}: accounted − filled moved by ${drift.toExponential(3)} (filled ${this.sim.plant.filled[q].toFixed(6)})`);
      }
    }
  }

  /** Reads new log entries: epochs (plan accepted, refill), latching, acknowledges. */
  private scanLog(): void {
    const entries = this.sim.log.entries;
    for (; this.logIndex < entries.length; this.logIndex++) {
      const e = entries[this.logIndex] as LogEntry;
      if (e.kind === 'notification' && (e.code === 'PLAN_ACCEPTED' || e.code === 'RESERVOIR_REFILLED')) this.newEpoch = true;
      if (e.kind === 'notification' && e.code === 'PLAN_ACCEPTED') this.restarts = [];
      if (e.kind === 'alarm') {
        const code = e.code as AlarmCode;
        if (ALARM_RULE_BY_CODE[code]?.latching) this.latched.set(code, { acknowledged: false });
      } else if (e.kind === 'command' && e.code === 'acknowledge') {
        for (const l of this.latched.values()) l.acknowledged = true;
      } else if (e.kind === 'alarmCleared') {
        const code = e.code as AlarmCode;
        const l = this.latched.get(code);
        if (l !== undefined) {
          if (!l.acknowledged) this.failAt('latching', e.atMs, `latched alarm ${code} cleared without an acknowledge since its onset`);
          this.latched.delete(code);
        }
      }
    }
  }

  private failAt(invariant: InvariantName, atMs: number, message: string): void {
    this.violations.push({ invariant, atMs, message });
  }

  private checkLedger(): void {
    const ledger = this.sim.firmware.ledger;
    const last = this.lastLedger;
    const plant = this.sim.plant;
    if (this.newEpoch) {
      this.newEpoch = false;
      this.epochPlantStrokes = this.creditedStrokes - ledgerTotal(ledger);
      this.offNominalCredit = false;
      this.phasesSinceEpoch = 0;
      this.epochPumpedUl = plant.cumulativePumpedUl - ledgerTotal(ledger) * this.strokeUl;
    } else {
      // A relief takes back what it ran the drive back by, and no more.
      const relieved = plant.strokesRetracted - this.lastRetractions;
      for (const k of ['primeStrokes', 'infusionStrokes', 'flushStrokes'] as const) {
        if (ledger[k] < last[k] - relieved) this.fail('ledger', `${k} went back from ${last[k]} to ${ledger[k]} without a new plan or refill (${relieved} strokes relieved)`);
      }
    }
    this.lastLedger = ledger;
    this.lastRetractions = plant.strokesRetracted;
    const truth = this.creditedStrokes - this.epochPlantStrokes;
    const belief = ledgerTotal(ledger);
    // Off-nominal credit: each phase's last stroke may overshoot what the phase owes by less than one stroke, which the ledger does not count.
    const tolerance = this.offNominalCredit ? 1 + this.phasesSinceEpoch : 1;
    if (Math.abs(truth - belief) > tolerance) this.fail('ledger', `the ledger holds ${belief} strokes, the drive made ${Number(truth.toFixed(3))} (in nominal strokes of the firmware's credit)`);
    const pumpedUl = plant.cumulativePumpedUl - this.epochPumpedUl;
    const maxUl = (belief + 1) * this.truthPerStrokeMaxUl;
    if (pumpedUl > maxUl + 1e-9) this.fail('noOverDelivery', `the drive moved ${pumpedUl.toFixed(3)} µL for ${belief} strokes (at most ${maxUl.toFixed(3)} µL within the mechanism tolerance)`);
  }

  private checkPhaseProgress(): void {
    const ph = this.phase;
    if (ph === null) return;
    const now = this.sim.clock.nowMs();
    const fw = this.sim.firmware;
    const delivered = this.creditedStrokes - ph.plantStrokesAtStart;
    const running = ph.runningMs + (ph.enteredAtMs === null ? 0 : now - ph.enteredAtMs);
    const allowedTruth = scheduledStrokes(ph.totalStrokes, running + ph.entries * this.periodMs, ph.durationMs) + 1;
    if (delivered > allowedTruth) this.fail('noOverDelivery', `${ph.kind}: the drive made ${delivered} strokes after ${(running / 1000).toFixed(3)} s delivering; the profile allows ${allowedTruth}`);
    if (ph.stalled) return;
    const intervalMs = ph.durationMs / ph.totalStrokes;
    const creditMs = running - ph.entries * this.periodMs - ph.powerLosses * intervalMs;
    // The ledger is behind the schedule by less than one stroke of the firmware's credit (one nominal stroke at a credit up to nominal).
    const owed = scheduledStrokes(ph.totalStrokes, creditMs, ph.durationMs) - Math.ceil(fw.strokeCreditNl / this.sim.profile.firmwareConfig.strokeVolumeNl) - ph.relievedStrokes;
    const ledgerPhase = fw.ledger.phaseKind === ph.kind ? fw.ledger.phaseDeliveredStrokes : null;
    if (ledgerPhase !== null && ledgerPhase < owed) {
      this.fail('noLostDelivery', `${ph.kind}: ${ledgerPhase} strokes after ${(running / 1000).toFixed(3)} s delivering (${ph.entries} entries, ${ph.powerLosses} power losses); at least ${owed} are due`);
    }
    if (ledgerPhase !== null && ledgerPhase >= ph.totalStrokes && fw.modeName === PHASE_MODE[ph.kind] && now - ph.lastStrokeAtMs > 2 * this.periodMs) {
      this.fail('noLostDelivery', `${ph.kind}: all ${ph.totalStrokes} strokes done ${((now - ph.lastStrokeAtMs) / 1000).toFixed(3)} s ago, still in ${fw.modeName}`);
    }
  }

  private checkSignal(): void {
    const fw = this.sim.firmware;
    // The annunciator is updated by the control step; right after boot it has not run yet.
    if (fw.controlSteps === 0) return;
    const shown = this.sim.devices.annunciator.current;
    const entries = fw.alarms.entries;
    const owner = ownerOf(entries);
    if (owner === null) {
      if (shown !== null) this.fail('alarmSignal', `signal ${shown.code} shown with no alarm present`);
      return;
    }
    if (shown === null) {
      this.fail('alarmSignal', `no signal shown while ${entries.map((e) => e.code).join(', ')} are present`);
      return;
    }
    if (shown.code !== owner) this.fail('alarmSignal', `signal shows ${shown.code} (${shown.priority}); ${owner} (${ALARM_RULE_BY_CODE[owner].priority}) should own it`);
    const now = this.sim.clock.nowMs();
    const pausedAt = this.audioPausedAtMs;
    if (!shown.audible && (pausedAt === null || now >= pausedAt + AUDIO_PAUSE_MS + this.periodMs)) {
      this.fail('audioPause', pausedAt === null ? 'signal silent with no audio pause' : `signal still silent ${((now - pausedAt) / 1000).toFixed(3)} s after the audio pause (re-arm within ${AUDIO_PAUSE_MS / 1000} s)`);
    }
    if (!shown.audible && pausedAt !== null) {
      const newer = entries.find((e) => e.onsetMs > pausedAt && PRIORITY_RANK[ALARM_RULE_BY_CODE[e.code].priority] > this.audioPausedRank);
      if (newer !== undefined) this.fail('pauseEscalation', `${newer.code} (${ALARM_RULE_BY_CODE[newer.code].priority}) raised ${((newer.onsetMs - pausedAt) / 1000).toFixed(3)} s into an audio pause of lower alarms is silent`);
    }
  }

  private checkDailyLimit(): void {
    const now = this.sim.clock.nowMs();
    const mg = outletFudrMg(this.sim);
    const samples = this.fudrSamples;
    samples.push({ atMs: now, mg });
    while (samples.length > 1 && (samples[0] as { atMs: number }).atMs < now - 86_400_000) samples.shift();
    const first = samples[0] as { atMs: number; mg: number };
    const hardMg = HAI_FUDR_LIBRARY.fudrMgPerDay.hard.max;
    const plan = this.sim.firmware.plan;
    const strokeMg = plan === null ? 0 : this.truthPerStrokeMaxUl * (plan.fudrMgPerMl / 1000);
    const limitMg = (hardMg * this.truthPerStrokeMaxUl) / this.strokeUl + strokeMg;
    if (mg - first.mg > limitMg) this.fail('dailyLimit', `${(mg - first.mg).toFixed(4)} mg FUDR left the pump within 24 h (hard limit ${hardMg} mg/day, ${limitMg.toFixed(4)} mg with the mechanism tolerance)`);
  }

  private checkNoReverse(): void {
    const p = this.sim.plant;
    const drawnBackUl = p.retractedVolumeUl - this.lastRetractedUl;
    if (p.cumulativePumpedUl < this.lastPumpedUl - drawnBackUl - 1e-9) {
      this.fail('noReverse', `pumped volume went back from ${this.lastPumpedUl.toFixed(3)} to ${p.cumulativePumpedUl.toFixed(3)} µL (${drawnBackUl.toFixed(3)} µL drawn back by a relief)`);
    }
    const filledUl = p.filled.volumeUl - this.lastFilledUl;
    if (p.reservoirVolumeUl > this.lastReservoirUl + filledUl + drawnBackUl + 1e-9) {
      this.fail('noReverse', `the reservoir grew from ${this.lastReservoirUl.toFixed(3)} to ${p.reservoirVolumeUl.toFixed(3)} µL with ${filledUl.toFixed(3)} µL filled and ${drawnBackUl.toFixed(3)} µL drawn back`);
    }
    this.lastPumpedUl = p.cumulativePumpedUl;
    this.lastRetractedUl = p.retractedVolumeUl;
    this.lastReservoirUl = p.reservoirVolumeUl;
    this.lastFilledUl = p.filled.volumeUl;
  }

  /** GIP 4.1: the command just given, and the mode changes since the last step, are in the log with their times. */
  checkLogged(command: string | null, modeChanges: readonly { readonly atMs: number; readonly mode: string }[]): void {
    const entries = this.sim.log.entries;
    if (entries.length < this.lastLogLength) this.fail('eventLog', `the event log shrank from ${this.lastLogLength} to ${entries.length} entries`);
    const fresh = entries.slice(this.lastLogLength);
    this.lastLogLength = entries.length;
    const now = this.sim.clock.nowMs();
    if (command !== null && !fresh.some((e) => e.kind === 'command' && e.code === command && e.atMs === now)) {
      this.fail('eventLog', `command ${command} at ${(now / 1000).toFixed(3)} s is not in the event log`);
    }
    for (const change of modeChanges) {
      if (change.mode === 'off') continue;
      if (!fresh.some((e) => e.kind === 'state' && e.code === change.mode && e.atMs === change.atMs)) {
        this.fail('eventLog', `mode ${change.mode} at ${(change.atMs / 1000).toFixed(3)} s is not in the event log`);
      }
    }
  }

  // --- Restart lockout (Open PCA EC23) ------------------------------------------------------

  private firstStoppingAlarmAt(atMs: number): AlarmCode | null {
    const raised = this.sim.log.entries.filter((e) => e.kind === 'alarm' && e.atMs === atMs && ALARM_RULE_BY_CODE[e.code as AlarmCode]?.driveAction !== 'continue');
    return raised.length === 0 ? null : (raised[0] as LogEntry).code as AlarmCode;
  }

  private checkRestart(modeAfter: string, now: number): void {
    const code = this.stoppedBy;
    this.stoppedBy = null;
    if (code === null) return;
    const recent = this.restarts.filter((r) => r.code === code && now - r.atMs < RESTART_LOCKOUT_WINDOW_MS).length;
    const inProgramme = this.restarts.filter((r) => r.code === code).length;
    const mustLockOut = recent + 1 >= RESTART_LOCKOUT_COUNT || inProgramme + 1 >= MAX_STOPS_PER_CAUSE_PER_PROGRAMME;
    if (mustLockOut && modeAfter !== 'stopped') {
      this.fail('restartLockout', `restart ${recent + 1} of ${code} within 10 min (stop ${inProgramme + 1} of the programme) went to ${modeAfter}; it must stop the pump`);
    }
    if (!mustLockOut && modeAfter === 'stopped') {
      this.fail('restartLockout', `restart ${recent + 1} of ${code} within 10 min (stop ${inProgramme + 1} of the programme) was locked out (only the ${RESTART_LOCKOUT_COUNT}rd in 10 min or the ${MAX_STOPS_PER_CAUSE_PER_PROGRAMME}th of a programme is)`);
    }
    if (modeAfter === 'stopped') this.lockoutAtMs = now;
    // Every restart of the programme is kept (a new plan starts the count again, scanLog).
    this.restarts = [...this.restarts, { code, atMs: now }];
  }

  private checkLockoutAlarm(): void {
    const at = this.lockoutAtMs;
    if (at === null || this.sim.clock.nowMs() < at + 2 * this.periodMs || !this.powered) return;
    this.lockoutAtMs = null;
    const raised = this.sim.log.entries.some((e) => e.kind === 'alarm' && e.code === 'REPEATED_ALARM' && e.atMs >= at);
    if (!raised) this.fail('restartLockout', `restart lockout at ${(at / 1000).toFixed(3)} s raised no REPEATED_ALARM`);
  }
}
