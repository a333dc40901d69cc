/**
 * The periodic control step: readings in, commands out, as one pure function.
 *
 * Owns: the per-period arithmetic — detectors, alarm evaluation, and how many strokes to run now.
 * Promises:
 * - Pure: `(state, settings, readings, nowMs) → { state, commands }`: the next state, and the
 *   period's commands (`strokes` for the drive, `events` for the statechart) beside it. Time is a
 *   parameter; commands are data. The runtime (runtime.ts) alone touches the HAL.
 * - Runs at its real period in simulated time in every mode; it is never skipped to go faster.
 * - Strokes are only commanded while the statechart allows delivery and no stopping alarm is
 *   present, and never more than the schedule owes (the cumulative target carries the remainder)
 *   nor more than the drive's maximum rate. What a stroke is credited with follows the measured
 *   back-pressure and temperature (strokeCredit.ts): the schedule owes nominal strokes of volume,
 *   and the step commands the strokes of the credit of the moment that bring the ledger there.
 * - Events for the statechart are emitted only when something meaningful happens (a phase done,
 *   an alarm raised or cleared): the chart holds modes, not ticks.
 */
import type { DeviceConfig, PressureReading } from '../hal/index.ts';
import type { AlarmCode, AlarmState, DriveAction } from './alarms.ts';
import { ALARM_RULE_BY_CODE, ALL_ALARM_INPUTS, NO_ALARMS, alarmPresent, alarmStep, changedAlarmInputs, deliveryInhibited } from './alarms.ts';
import type { DetectorConfig, DetectorReadings, DetectorState } from './detectors/index.ts';
import { INITIAL_DETECTORS, detectorConfig, plausiblePressure, recordStrokes, updateDetectors, withStrokesRelieved } from './detectors/index.ts';
import type { InfusionPlan } from './dosing.ts';
import { NL_PER_UL, scheduledStrokes } from './dosing.ts';
import type { Ledger, PhaseKind } from './ledger.ts';
import { addStrokes, phaseComplete, relieveStrokes, withPhaseElapsed } from './ledger.ts';
import { reliefStrokes } from './relief.ts';
import { creditedStrokeVolumeNl, smoothedBackPressureMmHg, strokesOwedAtCredit } from './strokeCredit.ts';

export type DeliveryMode = 'none' | Exclude<PhaseKind, 'none'>;

export interface ControlSettings {
  readonly config: DeviceConfig;
  readonly plan: InfusionPlan | null;
  /** What the statechart allows now; 'none' in every mode that must not move fluid. */
  readonly delivery: DeliveryMode;
  /** Needle in the port: the path reaches the artery, so arterial checks apply. */
  readonly connected: boolean;
  /** Needle out of the port while the prime runs: the detectors' line check applies. */
  readonly priming: boolean;
  /** No delivery allowed (every mode but priming, infusing and flushing): the free-flow check applies. */
  readonly idle: boolean;
  readonly detector: DetectorConfig;
}

export function makeControlSettings(config: DeviceConfig, plan: InfusionPlan | null, delivery: DeliveryMode, connected: boolean, previous?: ControlSettings): ControlSettings {
  const detector = previous !== undefined && previous.config === config ? previous.detector : detectorConfig(config);
  return { config, plan, delivery, connected, priming: delivery === 'prime' && !connected, idle: delivery === 'none', detector };
}

export interface ControlState {
  readonly ledger: Ledger;
  readonly detectors: DetectorState;
  readonly alarms: AlarmState;
  /**
   * Schedule position of the phase under way. It moves every period, so it lives here rather than
   * in the ledger; the ledger takes a copy with every stroke batch (that is what NV holds). After a
   * reboot the schedule resumes from the copy, at most one stroke interval behind: no stroke is
   * repeated, the infusion is extended by that much.
   */
  readonly phaseElapsedMs: number;
  /**
   * The detector state the alarm table last judged. Detectors also change outside the step (drive
   * feedback, the restart lockout), so the next step compares against this, not against the
   * state it was handed.
   */
  readonly judgedDetectors: DetectorState | null;
  /** The last two trusted-or-not pressure readings, for the signal checks (null before the first). */
  readonly lastPressure: PressureReading | null;
  readonly previousPressure: PressureReading | null;
  /** Exponential mean of the valid pressure means, mmHg (null before the first): the back-pressure the credit follows. */
  readonly backPressureMmHg: number | null;
  /** The last valid temperature reading, °C (null before the first). */
  readonly deviceTemperatureC: number | null;
  /** What a confirmed stroke is credited with now, nL (strokeCredit.ts; 0 before a step judged it: nominal). */
  readonly strokeCreditNl: number;
}

/** What a control step commands now: strokes for the drive and events for the statechart. */
export interface ControlCommands {
  readonly strokes: number;
  /** Strokes to run the drive back (pressure relief after an occlusion, relief.ts); never with `strokes`. */
  readonly reliefStrokes: number;
  readonly events: readonly ControlEvent[];
}

/** A control step's result: the next state, and the period's commands beside it. */
export interface ControlOutput {
  readonly state: ControlState;
  readonly commands: ControlCommands;
}

/** The commands of most periods: no stroke owed, nothing to tell the statechart. */
const NO_COMMANDS: ControlCommands = { strokes: 0, reliefStrokes: 0, events: Object.freeze([]) };

/**
 * Control state resuming from a ledger (boot, or a new phase). `previous` hands on the
 * back-pressure and temperature the credit follows (a new phase of the same power-on); without
 * it the credit is nominal until the first readings.
 */
export function controlStateFor(ledger: Ledger, detectors: DetectorState = INITIAL_DETECTORS, alarms: AlarmState = NO_ALARMS, previous: ControlState | null = null): ControlState {
  return {
    ledger, detectors, alarms, phaseElapsedMs: ledger.phaseElapsedMs, judgedDetectors: null, lastPressure: null, previousPressure: null,
    backPressureMmHg: previous === null ? null : previous.backPressureMmHg,
    deviceTemperatureC: previous === null ? null : previous.deviceTemperatureC,
    strokeCreditNl: previous === null ? 0 : previous.strokeCreditNl,
  };
}

/** The control state with detectors and alarms replaced. */
export function withDetectorsAndAlarms(state: ControlState, detectors: DetectorState, alarms: AlarmState): ControlState {
  return withLedgerDetectorsAlarms(state, state.ledger, detectors, alarms);
}

/**
 * The control state with ledger, detectors and alarms given (and the schedule position, which a
 * relief sets back), the rest kept: every state but a step's own and a boot's is built here,
 * field by field, in the order those two use.
 */
function withLedgerDetectorsAlarms(state: ControlState, ledger: Ledger, detectors: DetectorState, alarms: AlarmState, phaseElapsedMs = state.phaseElapsedMs): ControlState {
  return {
    ledger,
    detectors,
    alarms,
    phaseElapsedMs,
    judgedDetectors: state.judgedDetectors,
    lastPressure: state.lastPressure,
    previousPressure: state.previousPressure,
    backPressureMmHg: state.backPressureMmHg,
    deviceTemperatureC: state.deviceTemperatureC,
    strokeCreditNl: state.strokeCreditNl,
  };
}

export type ControlEvent =
  | { readonly type: 'phase.complete'; readonly phase: Exclude<PhaseKind, 'none'> }
  | { readonly type: 'alarm.raised'; readonly code: AlarmCode; readonly driveAction: DriveAction }
  | { readonly type: 'alarm.cleared'; readonly code: AlarmCode };

export function strokeVolumeUl(config: DeviceConfig): number {
  return config.strokeVolumeNl / NL_PER_UL;
}

export function controlStep(state: ControlState, settings: ControlSettings, readings: DetectorReadings, nowMs: number): ControlOutput {
  const { config, delivery } = settings;
  const periodMs = config.controlPeriodMs;
  const ledger = state.ledger;
  const phaseActive = delivery !== 'none' && ledger.phaseKind === delivery && !phaseComplete(ledger);
  const detectors = updateDetectors(state, settings, phaseActive && delivery === 'infuse', readings);
  const pressure = readings.pressure;
  const judged = state.judgedDetectors;
  const changedInputs = judged === null ? ALL_ALARM_INPUTS : judged === detectors ? 0 : changedAlarmInputs(judged, detectors);
  const evaluated = changedInputs === 0 ? null : alarmStep(state.alarms, detectors, nowMs, changedInputs);
  const alarms = evaluated === null ? state.alarms : evaluated.state;

  let events: ControlEvent[] | null = null;
  if (evaluated !== null && evaluated.change !== null) {
    events = [];
    for (const code of evaluated.change.raised) events.push({ type: 'alarm.raised', code, driveAction: ALARM_RULE_BY_CODE[code].driveAction });
    for (const code of evaluated.change.cleared) events.push({ type: 'alarm.cleared', code });
  }

  // The credit follows the valid readings (the gate refuses a NaN or out-of-range window; an
  // unknown figure is the last valid one, or nominal before the first).
  const backPressureMmHg = pressure.ok ? smoothedBackPressureMmHg(state.backPressureMmHg, pressure.meanMmHg) : state.backPressureMmHg;
  const temperature = readings.temperature;
  const deviceTemperatureC = temperature !== undefined && temperature !== null && temperature.ok ? temperature.celsius : state.deviceTemperatureC;
  const strokeCreditNl = creditedStrokeVolumeNl(config, backPressureMmHg, deviceTemperatureC);

  let strokes = 0;
  let phaseElapsedMs = state.phaseElapsedMs;
  if (phaseActive && !deliveryInhibited(alarms)) {
    phaseElapsedMs = Math.min(phaseElapsedMs + periodMs, ledger.phaseDurationMs);
    // The schedule owes a stroke when floor(total·elapsed/duration) > delivered, i.e. when
    // total·elapsed ≥ (delivered + 1)·duration — integers below 2^53, so exact. Most periods owe
    // nothing; only the ones that do pay for the division. Inside, at least one stroke is owed (an
    // active phase has delivered < total, so a phase of no duration owes the rest at once).
    const nominalNl = config.strokeVolumeNl;
    if (strokeCreditNl === nominalNl && ledger.creditCarryNl === 0) {
      if (ledger.phaseTotalStrokes * phaseElapsedMs >= (ledger.phaseDeliveredStrokes + 1) * ledger.phaseDurationMs) {
        const owed = scheduledStrokes(ledger.phaseTotalStrokes, phaseElapsedMs, ledger.phaseDurationMs) - ledger.phaseDeliveredStrokes;
        strokes = Math.min(owed, Math.max(1, Math.floor((config.maxStrokesPerSecond * periodMs) / 1000)));
      }
    } else {
      // Off the nominal credit the schedule is kept in credited nanolitres (strokeCredit.ts). Most
      // periods owe nothing, which the scheduled volume in floating point already shows: only a
      // period within a part in 10⁹ of owing pays for the exact integer schedule.
      const creditedNl = ledger.phaseDeliveredStrokes * nominalNl + ledger.creditCarryNl;
      const mayOwe = phaseElapsedMs >= ledger.phaseDurationMs || ledger.phaseTotalStrokes * nominalNl * phaseElapsedMs >= (creditedNl + strokeCreditNl) * ledger.phaseDurationMs * (1 - 1e-9);
      const owed = mayOwe ? strokesOwedAtCredit(ledger.phaseTotalStrokes, creditedNl, phaseElapsedMs, ledger.phaseDurationMs, strokeCreditNl, nominalNl) : 0;
      if (owed > 0) strokes = Math.min(owed, Math.max(1, Math.floor((config.maxStrokesPerSecond * periodMs) / 1000)));
    }
  } else if (ledger.phaseKind === delivery && phaseComplete(ledger)) {
    // (A complete phase is never 'none', so neither is `delivery` here.)
    (events ??= []).push({ type: 'phase.complete', phase: ledger.phaseKind as Exclude<PhaseKind, 'none'> });
  }
  const relief = strokes > 0 || !alarmPresent(alarms, 'OCCLUSION') ? 0 : reliefFor(detectors, alarms, settings, readings.pressure, ledger);

  return {
    state: {
      ledger,
      detectors,
      alarms,
      phaseElapsedMs,
      judgedDetectors: detectors,
      lastPressure: pressure.ok ? pressure : state.lastPressure,
      previousPressure: pressure.ok ? state.lastPressure : state.previousPressure,
      backPressureMmHg,
      deviceTemperatureC,
      strokeCreditNl,
    },
    commands: strokes === 0 && relief === 0 && events === null ? NO_COMMANDS : { strokes, reliefStrokes: relief, events: events ?? NO_COMMANDS.events },
  };
}

/** The relief owed this period (relief.ts), from a window the detectors found plausible and trust. */
function reliefFor(detectors: DetectorState, alarms: AlarmState, settings: ControlSettings, reading: DetectorReadings['pressure'], ledger: Ledger): number {
  const pressure = detectors.pressureTrack.suspect ? null : plausiblePressure(reading, settings.detector);
  return reliefStrokes(
    {
      detectors,
      alarms,
      connected: settings.connected,
      pressure,
      phaseDeliveredStrokes: ledger.phaseKind === 'none' ? 0 : ledger.phaseDeliveredStrokes,
      lineComplianceUlPerMmHg: settings.config.lineComplianceUlPerMmHg,
      maxStrokesPerStep: Math.max(1, Math.floor((settings.config.maxStrokesPerSecond * settings.config.controlPeriodMs) / 1000)),
    },
    settings.detector,
  );
}

/**
 * Folds the drive's feedback to a relief into ledger and detectors: the strokes the encoder saw
 * run back leave the ledger (relieveStrokes) and the occlusion detector's stroke clock, so the
 * rise it judges and the next relief's bound follow what the line still holds.
 */
export function applyReliefFeedback(state: ControlState, config: DeviceConfig, commanded: number, encoderCounts: number): ControlState {
  const completed = Math.min(commanded, Math.floor(encoderCounts / config.encoderCountsPerStroke));
  if (completed === 0) return state;
  const ledger = relieveStrokes(withPhaseElapsed(state.ledger, state.phaseElapsedMs), completed);
  const taken = state.ledger.phaseDeliveredStrokes - ledger.phaseDeliveredStrokes;
  return withLedgerDetectorsAlarms(state, ledger, withStrokesRelieved(state.detectors, taken), state.alarms, ledger.phaseElapsedMs);
}

/**
 * Folds the drive's feedback into ledger and detectors. Strokes count only when the encoder saw
 * them, each at the credit of the step that commanded them, in the ledger and in the flow check's
 * commanded volume alike; the ledger takes the schedule position with them (this is the record NV
 * keeps).
 */
export function applyDriveFeedback(state: ControlState, config: DeviceConfig, commanded: number, encoderCounts: number): ControlState {
  const completed = Math.min(commanded, Math.floor(encoderCounts / config.encoderCountsPerStroke));
  // 0: no step has judged the credit yet (a state built without one), nominal.
  const creditNl = state.strokeCreditNl > 0 ? state.strokeCreditNl : config.strokeVolumeNl;
  return withLedgerDetectorsAlarms(
    state,
    withPhaseElapsed(addStrokes(state.ledger, completed, creditNl, config.strokeVolumeNl), state.phaseElapsedMs),
    recordStrokes(state.detectors, commanded, completed, creditNl === config.strokeVolumeNl ? strokeVolumeUl(config) : creditNl / NL_PER_UL),
    state.alarms,
  );
}
