/**
 * Detectors: pure updates from one control period's readings to the evidence the alarm table reads.
 *
 * Owns: the detector state (one group per detector, each group's update in its family's module:
 * arterial.ts, flow.ts, drive.ts, reservoir.ts, health.ts; thresholds in thresholds.ts) and the
 * composition of one period's update.
 * Promises: `updateDetectors` is pure; it never looks at the plant, only at HAL readings, drive
 * feedback and the firmware's own ledger. Each reading's plausibility is judged once per period
 * here and passed on. A group that did not change is the same object as before, so a quiet control
 * period allocates only what moved, and alarms.ts can tell by identity which conditions may have
 * changed.
 */
import type { DetectorConfig, DetectorReadings } from '../readings.ts';
import type { PressureReading } from '../../hal/index.ts';
import type { Ledger } from '../ledger.ts';
import type { ArterialDetector } from './arterial.ts';
import * as arterialFamily from './arterial.ts';
import { ARTERIAL_DISCONNECTED, updateArterial } from './arterial.ts';
import type { DriveDetector, StrokeCount } from './drive.ts';
import { DRIVE_RESET, driveAfterStrokes, strokesAfter } from './drive.ts';
import type { FlowDetector, FlowVerdict } from './flow.ts';
import * as flowFamily from './flow.ts';
import { FLOW_IDLE, NO_FLOW_VERDICT, flowAfterStrokes, updateFlow, updateFlowVerdict } from './flow.ts';
import type { FlowTrack, HealthDetector, PressureTrack } from './health.ts';
import * as healthFamily from './health.ts';
import {
  PRESSURE_TRACK_START,
  plausibleFlow,
  pressureFaultMs,
  updateFlowTrack,
  updateHealth,
  updatePressureTrack,
  withPressureFault,
} from './health.ts';
import type { ReservoirDetector } from './reservoir.ts';
import * as reservoirFamily from './reservoir.ts';
import { reservoirFilledAt, updateReservoir } from './reservoir.ts';

// The window's plausibility and each family's at-rest predicates, bound once as this module's own
// constants: the steady-period shortcut below composes them (docs/performance.md).
const { plausiblePressure, pressureFaultAtRest, pressureTrackAtRest, slowHealthAtRest } = healthFamily;
const { arterialAtRest } = arterialFamily;
const { flowAtRest } = flowFamily;
const { reservoirAtRest } = reservoirFamily;

/**
 * Alarm conditions read every group except `pressureTrack`, `flowTrack`, `strokeCount` and `flow`
 * (the trackers), each condition one group (alarms.ts).
 */
export interface DetectorState {
  readonly pressureTrack: PressureTrack;
  readonly flowTrack: FlowTrack;
  readonly arterial: ArterialDetector;
  readonly flow: FlowDetector;
  readonly flowVerdict: FlowVerdict;
  readonly drive: DriveDetector;
  readonly strokeCount: StrokeCount;
  readonly reservoir: ReservoirDetector;
  readonly health: HealthDetector;
}

// Every detector group is built by one literal or one builder per group, never by spreading
// another object (docs/performance.md).
export const INITIAL_DETECTORS: DetectorState = {
  pressureTrack: PRESSURE_TRACK_START,
  flowTrack: { identicalCount: 0, lastUlPerHour: NaN },
  arterial: ARTERIAL_DISCONNECTED,
  flow: FLOW_IDLE,
  flowVerdict: NO_FLOW_VERDICT,
  drive: DRIVE_RESET,
  strokeCount: { strokesCompleted: 0 },
  reservoir: reservoirFilledAt(-1),
  health: { sensorFaultMs: 0, flowFaulty: false, gaugeFaulty: false, batteryMonitorFaulty: false, batteryPercent: 100, repeatedRestartLockout: false, storageFault: false, linkLocked: false, selfCheckFailed: false, airInLine: false, airSensorFaulty: false, overTemperature: false, temperatureFaulty: false, idleFlowReads: 0, watchdogReset: false, pausedTooLong: false, primedNotStarted: false, libraryInvalid: false },
};

/**
 * What a period's update reads besides the readings: the detectors themselves, the ledger, and the
 * last two pressure windows. The control state is one (no record is built for the call).
 */
export interface DetectorInput {
  readonly detectors: DetectorState;
  readonly ledger: Ledger;
  /** The last two windows the sensor answered with (null before the first). */
  readonly lastPressure: PressureReading | null;
  readonly previousPressure: PressureReading | null;
}

/**
 * Where the pump stands for the detectors. The control settings are one.
 * `connected`: needle in the port, so the path reaches the artery and arterial checks apply.
 */
export interface DetectorSettings {
  readonly detector: DetectorConfig;
  readonly connected: boolean;
  /** Needle out of the port with the prime running: the line check of arterial.ts applies. */
  readonly priming?: boolean;
  /** The statechart allows no delivery: flow now is flow the pump does not drive. */
  readonly idle?: boolean;
}

/**
 * One control period's update of every detector. Pure.
 * `infusing`: the drive is running the infusion schedule, so flow and reservoir checks apply.
 *
 * Most periods of a therapy are steady: no slow reading, and a plausible window with every pressure
 * group at rest and staying there. Each family says when its groups are at rest (`…AtRest`); such
 * a period changes no detector and is answered by those comparisons alone. Pressure groups at rest
 * stay as they are whatever the slow sensors read, and between the slow sensors' reads their groups
 * cannot move: each half is skipped on its own. The property in
 * test/firmware/detectors/index.test.ts holds every shortcut to the full update.
 */
export function updateDetectors(input: DetectorInput, settings: DetectorSettings, infusing: boolean, r: DetectorReadings): DetectorState {
  const d = input.detectors;
  const pressure = plausiblePressure(r.pressure, settings.detector);
  const atRest = pressure !== null && pressureGroupsAtRest(d, settings.detector, settings.connected, pressure, input.lastPressure);
  const settled = slowGroupsSettled(d, infusing, r);
  if (atRest && settled) return d;
  const pressured = atRest ? d : withPressureGroups(input, settings, r, pressure);
  return settled ? pressured : withSlowGroups(pressured, settings.detector, infusing, input.ledger, r, settings.idle === true);
}

/**
 * The pressure half of a steady period, for the plausible window `p`: the pressure track, the
 * arterial verdict and the pressure fault timer at rest and staying there.
 */
export function pressureGroupsAtRest(d: DetectorState, cfg: DetectorConfig, connected: boolean, p: PressureReading, last: PressureReading | null): boolean {
  return pressureFaultAtRest(d.health) && pressureTrackAtRest(d.pressureTrack, cfg, connected, p, last) && arterialAtRest(d.arterial, cfg, connected, p);
}

/**
 * The slow half of a steady period: no flow, gauge or battery reading (nine periods in ten for
 * flow, 59 in 60 for the gauge and the battery), with the flow window and the reservoir at rest.
 */
export function slowGroupsSettled(d: DetectorState, infusing: boolean, r: DetectorReadings): boolean {
  return slowHealthAtRest(r) && flowAtRest(d.flow, infusing, r.flow) && reservoirAtRest(d.reservoir, r.reservoir);
}

/**
 * The pressure groups and the pressure fault timer updated from the period's window (`pressure`:
 * the window if plausible, else null), the slow groups kept.
 */
export function withPressureGroups(input: DetectorInput, settings: DetectorSettings, r: DetectorReadings, pressure: PressureReading | null): DetectorState {
  const d = input.detectors;
  const cfg = settings.detector;
  const connected = settings.connected;
  const pressureTrack = updatePressureTrack(d.pressureTrack, cfg, connected, r.pressure, input.lastPressure, input.previousPressure);
  const lastBandMmHg = input.lastPressure === null ? 0 : input.lastPressure.cardiacAmplitudeMmHg;
  const arterial = updateArterial(d.arterial, cfg, connected, d.strokeCount.strokesCompleted, pressure, pressureTrack.suspect, settings.priming === true, lastBandMmHg);
  const health = withPressureFault(d.health, pressureFaultMs(d.health, cfg, connected, pressure, pressureTrack));
  if (pressureTrack === d.pressureTrack && arterial === d.arterial && health === d.health) return d;
  return { pressureTrack, flowTrack: d.flowTrack, arterial, flow: d.flow, flowVerdict: d.flowVerdict, drive: d.drive, strokeCount: d.strokeCount, reservoir: d.reservoir, health };
}

/** The slow groups updated from the period's flow, gauge and battery readings, the pressure groups kept. */
export function withSlowGroups(d: DetectorState, cfg: DetectorConfig, infusing: boolean, ledger: Ledger, r: DetectorReadings, idle = false): DetectorState {
  const flowReading = r.flow === null ? null : plausibleFlow(r.flow, cfg);
  const flow = updateFlow(d.flow, cfg, infusing, r.flow, flowReading);
  // The verdict is a function of the flow window (and of infusing, which an unchanged window
  // implies): while the window is the same object, so is the verdict — a completed block is judged
  // once, not again in every period until the next flow read.
  const flowVerdict = flow === d.flow ? d.flowVerdict : updateFlowVerdict(d.flowVerdict, flow, infusing);
  const reservoir = updateReservoir(d.reservoir, cfg, infusing, ledger, r.reservoir, flow);
  const flowTrack = updateFlowTrack(d.flowTrack, r.flow);
  const health = updateHealth(d.health, infusing, flowTrack, r, flowReading, idle);
  if (flowTrack === d.flowTrack && flow === d.flow && flowVerdict === d.flowVerdict && reservoir === d.reservoir && health === d.health) return d;
  return { pressureTrack: d.pressureTrack, flowTrack, arterial: d.arterial, flow, flowVerdict, drive: d.drive, strokeCount: d.strokeCount, reservoir, health };
}

/** Folds the drive's answer to a stroke command into the detectors. */
export function recordStrokes(d: DetectorState, commanded: number, completed: number, strokeVolumeUl: number): DetectorState {
  return {
    pressureTrack: d.pressureTrack,
    flowTrack: d.flowTrack,
    arterial: d.arterial,
    flow: flowAfterStrokes(d.flow, completed, strokeVolumeUl),
    flowVerdict: d.flowVerdict,
    drive: driveAfterStrokes(d.drive, commanded, completed),
    strokeCount: strokesAfter(d.strokeCount, completed),
    reservoir: d.reservoir,
    health: d.health,
  };
}

/**
 * Strokes a pressure relief ran back leave the stroke clock (and nothing else: they are neither
 * missed strokes nor flow the window expects), so the occlusion detector's rise since the pulse
 * was lost is judged against what the line still holds.
 */
export function withStrokesRelieved(d: DetectorState, strokes: number): DetectorState {
  if (strokes === 0) return d;
  return { pressureTrack: d.pressureTrack, flowTrack: d.flowTrack, arterial: d.arterial, flow: d.flow, flowVerdict: d.flowVerdict, drive: d.drive, strokeCount: strokesAfter(d.strokeCount, -strokes), reservoir: d.reservoir, health: d.health };
}

/** The detector state with the drive, reservoir and health groups given (the others kept). */
function withGroups(d: DetectorState, drive: DriveDetector, reservoir: ReservoirDetector, health: HealthDetector): DetectorState {
  return { pressureTrack: d.pressureTrack, flowTrack: d.flowTrack, arterial: d.arterial, flow: d.flow, flowVerdict: d.flowVerdict, drive, strokeCount: d.strokeCount, reservoir, health };
}

/**
 * Acknowledging a stall re-arms the drive check: the missed-stroke count restarts, so the alarm
 * clears and a resume re-tests the drive; a drive still stalled misses again and re-raises it
 * (three times in 10 minutes and Open PCA EC23 forces the stop).
 */
export function acknowledgeStall(d: DetectorState): DetectorState {
  return d.drive.missedStrokes === 0 ? d : withGroups(d, DRIVE_RESET, d.reservoir, d.health);
}

/** A new reservoir: its judgement starts over, and samples from before this instant are ignored. */
export function afterFill(d: DetectorState, atMs: number): DetectorState {
  return withGroups(d, d.drive, reservoirFilledAt(atMs), d.health);
}

/** Sets or clears the Open PCA EC23 restart lockout flag. */
export function withRestartLockout(d: DetectorState, lockedOut: boolean): DetectorState {
  if (d.health.repeatedRestartLockout === lockedOut) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: lockedOut, storageFault: h.storageFault, linkLocked: h.linkLocked, selfCheckFailed: h.selfCheckFailed, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: h.libraryInvalid });
}

/** Sets or clears the storage fault: damage found at boot, or a record that cannot be written. */
export function withStorageFault(d: DetectorState, faulty: boolean): DetectorState {
  if (d.health.storageFault === faulty) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: faulty, linkLocked: h.linkLocked, selfCheckFailed: h.selfCheckFailed, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: h.libraryInvalid });
}

/** Sets the self-check failure (SYSTEM_FAULT): a failed power-on self-test or periodic self-check. */
export function withSelfCheckFailed(d: DetectorState): DetectorState {
  if (d.health.selfCheckFailed) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: h.storageFault, linkLocked: h.linkLocked, selfCheckFailed: true, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: h.libraryInvalid });
}

/** Sets or clears the watchdog reset's condition (WATCHDOG): set at a boot after a reset, cleared by an acknowledgement. */
export function withWatchdogReset(d: DetectorState, reset: boolean): DetectorState {
  if (d.health.watchdogReset === reset) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: h.storageFault, linkLocked: h.linkLocked, selfCheckFailed: h.selfCheckFailed, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: reset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: h.libraryInvalid });
}

/** Sets the drug library's failure (DRUG_LIBRARY_INVALID) for the rest of the power-on. */
export function withLibraryInvalid(d: DetectorState): DetectorState {
  if (d.health.libraryInvalid) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: h.storageFault, linkLocked: h.linkLocked, selfCheckFailed: h.selfCheckFailed, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: true });
}

/** Sets or clears the pending-input reminders (PAUSED_TOO_LONG, PRIMED_NOT_STARTED). */
export function withReminders(d: DetectorState, pausedTooLong: boolean, primedNotStarted: boolean): DetectorState {
  if (d.health.pausedTooLong === pausedTooLong && d.health.primedNotStarted === primedNotStarted) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: h.storageFault, linkLocked: h.linkLocked, selfCheckFailed: h.selfCheckFailed, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong, primedNotStarted, libraryInvalid: h.libraryInvalid });
}

/** Sets or clears the command link's lock (SECURITY_ALERT while it holds). */
export function withLinkLocked(d: DetectorState, locked: boolean): DetectorState {
  if (d.health.linkLocked === locked) return d;
  const h = d.health;
  return withGroups(d, d.drive, d.reservoir, { sensorFaultMs: h.sensorFaultMs, flowFaulty: h.flowFaulty, gaugeFaulty: h.gaugeFaulty, batteryMonitorFaulty: h.batteryMonitorFaulty, batteryPercent: h.batteryPercent, repeatedRestartLockout: h.repeatedRestartLockout, storageFault: h.storageFault, linkLocked: locked, selfCheckFailed: h.selfCheckFailed, airInLine: h.airInLine, airSensorFaulty: h.airSensorFaulty, overTemperature: h.overTemperature, temperatureFaulty: h.temperatureFaulty, idleFlowReads: h.idleFlowReads, watchdogReset: h.watchdogReset, pausedTooLong: h.pausedTooLong, primedNotStarted: h.primedNotStarted, libraryInvalid: h.libraryInvalid });
}

export type { ArterialDetector } from './arterial.ts';
export { updateArterial } from './arterial.ts';
export type { DriveDetector, StrokeCount } from './drive.ts';
export type { FlowDetector, FlowVerdict } from './flow.ts';
export { updateFlow, updateFlowVerdict } from './flow.ts';
export type { FlowTrack, HealthDetector, PressureTrack } from './health.ts';
export { plausibleFlow, plausiblePressure, pressureFaultMs, updateFlowTrack, updateHealth, updatePressureTrack } from './health.ts';
export type { DetectorConfig, DetectorReadings } from '../readings.ts';
export { detectorConfig } from '../readings.ts';
export type { ReservoirDetector } from './reservoir.ts';
export { updateReservoir } from './reservoir.ts';
export { THRESHOLDS } from './thresholds.ts';
