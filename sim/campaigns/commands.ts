/**
 * The command campaign: the link and the readings attacked as an adversary would, in every mode.
 *
 * Owns: generating hostile and valid frames and invalid readings, sending them to simulated pumps
 * brought to each mode through the clinician programmer, and judging every answer.
 * Promises:
 * - Frames: random valid commands, authentic frames with invalid or internal-event payloads,
 *   malformed (random bytes), truncated, oversized, forged (a key the unit does not hold),
 *   tampered (one byte changed), replayed and reordered frames, from seeded draws only: the same
 *   seed gives the same campaign. A hostile frame passes only if it is refused by the link
 *   (`LINK_REFUSED`), does not throw, and leaves mode, ledger, alarms, plan and every therapy
 *   record in flash as they were. An authentic frame whose payload is refused must leave them too.
 * - Readings: every field of every reading made NaN, ±Infinity, negative or out of range, in
 *   each mode (the encoder in the delivering ones, where strokes are read); each must raise its
 *   sensor's fail-safe (sim/world/faults.ts) within `READING_FAILSAFE_WITHIN_MS`; one that does not
 *   is masked. The encoder is read only for strokes (infusing) and the pressure check runs only
 *   with the needle in the port (infusing, paused); elsewhere those are not applicable, and so is a
 *   negated flow mean (inside the flow sensor's two-way range).
 * - Each pump is one batch with its own seed; a failing batch is reported with the command that
 *   replays it.
 * - The campaign is a list of runs (`commandRuns`: the batches, then each invalid reading), each
 *   pure in its description; the result is their tallies added up in run order
 *   (`commandCampaignResult`), so the runs can be split over shards.
 */
import type { AlarmCode, PumpCommand } from '../../firmware/index.ts';
import { LINK_FRAME_MAX_BYTES, LINK_LOCK, NV_LAYOUT, PUMP_COMMAND_TYPES } from '../../firmware/index.ts';
import type { InvalidValue } from '../world/devices/index.ts';
import { INVALID_VALUES } from '../world/devices/index.ts';
import type { InvalidReadingField, InvalidSensorName } from '../world/faults.ts';
import { INVALID_READING_FIELDS, expectedAlarms } from '../world/faults.ts';
import type { Operator } from '../world/operator.ts';
import { compoundReservoir } from '../world/operator.ts';
import { SeededRandom, streamId } from '../world/rng.ts';
import { defaultScenario, prescriptionInput } from '../scenario/scenario.ts';
import { Simulation } from '../run/simulation.ts';

export const FRAME_KINDS = ['valid', 'invalidPayload', 'malformed', 'truncated', 'oversized', 'forged', 'tampered', 'replayed', 'reordered'] as const;
export type FrameKind = (typeof FRAME_KINDS)[number];
/** The modes each batch starts in; random valid commands take it on from there. */
export const START_MODES = ['idle', 'ready', 'primed', 'infusing', 'paused', 'alarmStopped'] as const;
export type StartMode = (typeof START_MODES)[number];
/** Frames sent to one pump before the next is built. */
export const FRAMES_PER_BATCH = 250;
/** Time an invalid reading's fail-safe may take: the slowest sensor is read once a minute, and the alarm follows within a period. */
export const READING_FAILSAFE_WITHIN_MS = 3 * 60_000;
export const READING_MODES = ['idle', 'ready', 'infusing', 'paused'] as const;
export type ReadingMode = (typeof READING_MODES)[number];
/** Modes with the needle in the port, where the pressure check runs (docs/faults-and-detection.md). */
const CONNECTED_MODES: readonly ReadingMode[] = ['infusing', 'paused'];

export interface CommandCampaignOptions {
  readonly frames: number;
  readonly seed: number;
  /** The modes the invalid-readings part runs in (default: all of `READING_MODES`; empty: none). */
  readonly readingModes?: readonly ReadingMode[];
}

export interface CampaignFailure {
  readonly batchSeed: number;
  readonly what: string;
  readonly replay: string;
}

/** The campaign's totals: what its runs counted, the slowest fail-safe in seconds, and the verdict. */
export interface CommandCampaignResult extends Omit<CommandRunTally, 'slowestFailsafeMs'> {
  readonly seed: number;
  readonly slowestFailsafeSeconds: number;
  readonly passed: boolean;
}

/** Who runs the pump in a campaign: nobody; the campaign sends every command itself. */
const NOBODY: Operator = { onMode: () => undefined };

const HORIZON_MS = 400 * 86_400_000;

/** A pump brought to `mode` through the programmer, as a nurse would. */
function pumpIn(mode: StartMode | (typeof READING_MODES)[number], seed: number): Simulation {
  const scenario = defaultScenario();
  const sim = new Simulation({ scenario, seed, operator: NOBODY, horizonMs: HORIZON_MS });
  const send = (cmd: PumpCommand): boolean => sim.programmer.send(sim.firmware, cmd).accepted;
  const run = (ms: number): void => sim.clock.runUntil(sim.clock.nowMs() + ms);
  run(5_000);
  if (mode === 'idle') return sim;
  send({ type: 'program', prescription: prescriptionInput(scenario), confirmSoftLimits: scenario.prescription.confirmSoftLimits });
  const plan = sim.firmware.plan;
  if (plan !== null) compoundReservoir(sim.plant, plan);
  if (mode === 'ready') return sim;
  send({ type: 'prime' });
  for (let i = 0; i < 60 && sim.firmware.modeName !== 'primed'; i++) run(10_000);
  if (mode === 'primed') return sim;
  sim.plant.accessPort();
  send({ type: 'start' });
  run(10 * 60_000);
  if (mode === 'infusing') return sim;
  if (mode === 'paused') {
    send({ type: 'pause' });
    return sim;
  }
  sim.setConditions({ stallProbability: 1 });
  for (let i = 0; i < 60 && sim.firmware.modeName !== 'alarmStopped'; i++) run(10_000);
  sim.setConditions({ stallProbability: 0 });
  return sim;
}

/** What a refused frame must leave as it was. */
function fingerprint(sim: Simulation): string {
  const fw = sim.firmware;
  const l = fw.ledger;
  const alarms = fw.alarms.entries.map((e) => `${e.code}${e.conditionActive ? 1 : 0}${e.acknowledged ? 1 : 0}`).join(',');
  const therapyWrites = sim.nv.erasesIn(0, NV_LAYOUT.log.firstSlot);
  return `${fw.modeName}|${l.primeStrokes},${l.infusionStrokes},${l.flushStrokes},${l.phaseKind}|${alarms}|${fw.plan === null ? '-' : fw.plan.infusionStrokes}|${therapyWrites}`;
}

/** Payloads an authentic frame may carry that the pump must refuse: internal events and malformed commands. */
function invalidPayload(r: SeededRandom): unknown {
  const internal = ['phase.complete', 'phase.begin', 'alarm.raised', 'alarm.cleared', 'selfTest.passed', 'selfTest.failed', 'plan.accepted', 'plan.rejected', 'reservoir.refilled', 'restart.lockout', 'notification', 'resumeAt', 'setResumePoint', 'setTherapyPoint'];
  const shapes: unknown[] = [
    { type: pick(r, internal), phase: 'infuse', code: 'MOTOR_STALL' },
    { type: 'selfTest.passed', resumePoint: 'ready', plan: { fudrMgPerMl: 49 } },
    { type: 'refill', volumeMl: pick(r, [NaN, -5, 1e9, 'abc', null, 0]) },
    { type: 'program', prescription: pick(r, [null, {}, '14', [], { patient: null }]) },
    { type: 'start', extra: 1 },
    { type: pick(r, ['', 'START', 'toString', '__proto__', 'constructor']) },
    pick(r, [null, 42, 'start', [], true]),
    // JSON carries `__proto__` as an own field, which the validator refuses as unknown.
    JSON.parse('{"type":"pause","__proto__":{"type":"stop"}}') as unknown,
  ];
  return pick(r, shapes);
}

function validCommand(r: SeededRandom, sim: Simulation): PumpCommand {
  const type = pick(r, PUMP_COMMAND_TYPES);
  if (type === 'program') return { type, prescription: prescriptionInput(sim.scenario), confirmSoftLimits: r.next() < 0.5 };
  if (type === 'refill') return { type, volumeMl: 30 };
  return { type };
}

function pick<T>(r: SeededRandom, xs: readonly T[]): T {
  return xs[Math.floor(r.next() * xs.length)] as T;
}

function randomBytes(r: SeededRandom, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.nextUint32() & 0xff;
  return b;
}

class Tally {
  readonly framesByKind = Object.fromEntries(FRAME_KINDS.map((k) => [k, 0])) as Record<FrameKind, number>;
  readonly framesByMode: Record<string, number> = {};
  readonly refusedByReason: Record<string, number> = {};
  frames = 0;
  acceptedValid = 0;
  acceptedForged = 0;
  acceptedTampered = 0;
  acceptedReplayed = 0;
  acceptedHostile = 0;
  crashes = 0;
  stateChangesFromRefused = 0;
  invalidReadings = 0;
  maskedReadings = 0;
  readingsNotApplicable = 0;
  slowestFailsafeMs = 0;
  readonly failures: CampaignFailure[] = [];
}

function replayCommand(frames: number, seed: number): string {
  return `npm run -s pumpsim -- campaign commands --frames ${frames} --seed ${seed} --json`;
}

/** One pump, `count` frames. */
function frameBatch(batchSeed: number, count: number, t: Tally): void {
  const r = new SeededRandom(batchSeed, streamId('commandCampaign'));
  const sim = pumpIn(pick(r, START_MODES), batchSeed);
  const programmer = sim.programmer;
  const fw = (): Simulation['firmware'] => sim.firmware;
  const sent: Uint8Array[] = [];
  let lockedOut = false;
  let held: { frame: Uint8Array; laterTaken: boolean } | null = null;
  const fail = (what: string): void => {
    if (t.failures.length < 20) t.failures.push({ batchSeed, what, replay: replayCommand(FRAMES_PER_BATCH, batchSeed) });
  };
  for (let i = 0; i < count; i++) {
    // Time passes between frames; after a lock, until it ends; now and then long enough for the refusal window to empty.
    const pauseMs = lockedOut ? LINK_LOCK.lockMs : r.next() < 0.03 ? LINK_LOCK.windowMs : Math.floor(r.next() * 5_000);
    sim.clock.runUntil(sim.clock.nowMs() + pauseMs);
    lockedOut = false;
    const kind = pick(r, FRAME_KINDS);
    let frame: Uint8Array;
    let payload: unknown = null;
    let authentic = kind === 'valid' || kind === 'invalidPayload';
    switch (kind) {
      case 'valid':
        payload = validCommand(r, sim);
        frame = programmer.frame(payload);
        break;
      case 'invalidPayload':
        payload = invalidPayload(r);
        frame = programmer.frame(payload);
        break;
      case 'malformed': {
        frame = randomBytes(r, Math.floor(r.next() * 600));
        if (r.next() < 0.5 && frame.length > 2) {
          frame[0] = 0x4c;
          frame[1] = 0x4b;
        }
        break;
      }
      case 'truncated': {
        const whole = programmer.withCounter(validCommand(r, sim), programmer.lastCounter + 1);
        frame = whole.slice(0, Math.floor(r.next() * whole.length));
        break;
      }
      case 'oversized': {
        const whole = programmer.withCounter(validCommand(r, sim), programmer.lastCounter + 1);
        frame = new Uint8Array(Math.max(whole.length + 1, LINK_FRAME_MAX_BYTES + 1 + Math.floor(r.next() * 4096)));
        frame.set(whole);
        break;
      }
      case 'forged':
        frame = programmer.forged(validCommand(r, sim), randomBytes(r, 32));
        break;
      case 'tampered':
        frame = programmer.tampered(validCommand(r, sim), r.nextUint32(), 1 + (r.nextUint32() % 255));
        break;
      case 'replayed':
        if (sent.length === 0) {
          // A replay needs a frame the pump took: send one (an audio pause changes nothing without an alarm).
          const first = programmer.frame({ type: 'audioPause' });
          if (fw().receiveFrame(first).mode !== 'off') sent.push(first);
        }
        frame = sent.length === 0 ? programmer.withCounter({ type: 'stop' }, 1) : pick(r, sent);
        break;
      case 'reordered':
        // Two frames signed in order, the later delivered first: once it is taken, the earlier is stale.
        if (held === null) {
          held = { frame: programmer.frame(validCommand(r, sim)), laterTaken: false };
          frame = programmer.frame(validCommand(r, sim));
          authentic = true;
        } else {
          frame = held.frame;
          authentic = !held.laterTaken;
          held = null;
        }
        break;
    }
    const mode = fw().modeName;
    t.framesByMode[mode] = (t.framesByMode[mode] ?? 0) + 1;
    t.framesByKind[kind]++;
    t.frames++;
    const before = fingerprint(sim);
    const logBefore = sim.log.entries.length;
    let answer;
    try {
      answer = fw().receiveFrame(frame);
    } catch (err) {
      t.crashes++;
      fail(`${kind} frame in ${mode} threw: ${String(err)}`);
      continue;
    }
    const logged = sim.log.entries.slice(logBefore);
    const refusal = logged.find((e) => e.code === 'LINK_REFUSED' || e.code === 'REFUSED');
    if (refusal !== undefined) {
      const reason = refusal.code === 'REFUSED' ? 'invalidCommand' : (refusal.detail ?? '').split(':')[0] as string;
      lockedOut = reason === 'locked';
      t.refusedByReason[reason] = (t.refusedByReason[reason] ?? 0) + 1;
    } else if (!answer.accepted) {
      t.refusedByReason.notInMode = (t.refusedByReason.notInMode ?? 0) + 1;
    }
    if (authentic && refusal === undefined) sent.push(frame);
    if (kind === 'reordered' && held !== null && held.frame !== frame) held.laterTaken = refusal === undefined;
    if (kind === 'valid' && answer.accepted) {
      t.acceptedValid++;
      const plan = fw().plan;
      if ((payload as PumpCommand).type === 'program' && plan !== null) compoundReservoir(sim.plant, plan);
      if ((payload as PumpCommand).type === 'prime' && !sim.plant.isAccessed) sim.plant.accessPort();
    }
    const hostile = !authentic;
    if (hostile && answer.accepted) {
      t.acceptedHostile++;
      if (kind === 'forged') t.acceptedForged++;
      if (kind === 'tampered') t.acceptedTampered++;
      if (kind === 'replayed' || kind === 'reordered') t.acceptedReplayed++;
      fail(`${kind} frame accepted in ${mode}`);
    }
    if (hostile && (refusal === undefined || refusal.code !== 'LINK_REFUSED')) fail(`${kind} frame in ${mode} not refused by the link`);
    const refused = hostile || kind === 'invalidPayload';
    if (refused && fingerprint(sim) !== before) {
      t.stateChangesFromRefused++;
      fail(`${kind} frame in ${mode} changed the pump: ${before} → ${fingerprint(sim)}`);
    }
  }
}

/** One run of the campaign: a batch of frames to one pump, or one invalid reading in one mode. */
export type CommandRun =
  | { readonly type: 'frames'; readonly batchSeed: number; readonly frames: number }
  | { readonly type: 'reading'; readonly seed: number; readonly mode: ReadingMode; readonly sensor: InvalidSensorName; readonly field: InvalidReadingField; readonly value: InvalidValue };

/**
 * The campaign's runs in index order: the frame batches (batch k's seed is the k-th draw of the
 * campaign seed's batch stream), then every invalid reading, mode by mode, sensor by sensor,
 * field by field, value by value.
 */
export function commandRuns(options: CommandCampaignOptions): CommandRun[] {
  const runs: CommandRun[] = [];
  const seeds = new SeededRandom(options.seed, streamId('commandCampaignBatches'));
  for (let left = options.frames; left > 0; left -= FRAMES_PER_BATCH) runs.push({ type: 'frames', batchSeed: seeds.nextUint32(), frames: Math.min(FRAMES_PER_BATCH, left) });
  const sensors = Object.keys(INVALID_READING_FIELDS) as InvalidSensorName[];
  for (const mode of options.readingModes ?? READING_MODES) {
    for (const sensor of sensors) {
      for (const field of INVALID_READING_FIELDS[sensor]) {
        for (const value of INVALID_VALUES as readonly InvalidValue[]) runs.push({ type: 'reading', seed: options.seed, mode, sensor, field, value });
      }
    }
  }
  return runs;
}

/**
 * A run's expected cost, for splitting the campaign into shards, in frames: an invalid reading
 * costs about nine frames (one pump brought to its mode and watched for three minutes), one that
 * is not applicable nothing.
 */
export function commandRunCost(run: CommandRun): number {
  if (run.type === 'frames') return run.frames;
  return readingApplies(run.mode, run.sensor, run.field, run.value) ? 9 : 0;
}

/** What one run (or the whole campaign) counted. */
export interface CommandRunTally {
  readonly framesByKind: Readonly<Record<FrameKind, number>>;
  readonly framesByMode: Readonly<Record<string, number>>;
  readonly refusedByReason: Readonly<Record<string, number>>;
  readonly frames: number;
  readonly acceptedValid: number;
  readonly acceptedForged: number;
  readonly acceptedTampered: number;
  readonly acceptedReplayed: number;
  readonly acceptedHostile: number;
  readonly crashes: number;
  readonly stateChangesFromRefused: number;
  readonly invalidReadings: number;
  readonly maskedReadings: number;
  readonly readingsNotApplicable: number;
  readonly slowestFailsafeMs: number;
  /** The first 20 failures. */
  readonly failures: readonly CampaignFailure[];
}

function tallyOf(t: Tally): CommandRunTally {
  return {
    framesByKind: { ...t.framesByKind },
    framesByMode: { ...t.framesByMode },
    refusedByReason: { ...t.refusedByReason },
    frames: t.frames,
    acceptedValid: t.acceptedValid,
    acceptedForged: t.acceptedForged,
    acceptedTampered: t.acceptedTampered,
    acceptedReplayed: t.acceptedReplayed,
    acceptedHostile: t.acceptedHostile,
    crashes: t.crashes,
    stateChangesFromRefused: t.stateChangesFromRefused,
    invalidReadings: t.invalidReadings,
    maskedReadings: t.maskedReadings,
    readingsNotApplicable: t.readingsNotApplicable,
    slowestFailsafeMs: t.slowestFailsafeMs,
    failures: [...t.failures],
  };
}

/** Runs one run. Pure in its argument. */
export function runCommandRun(run: CommandRun): CommandRunTally {
  const t = new Tally();
  if (run.type === 'frames') frameBatch(run.batchSeed, run.frames, t);
  else readingCase(run.seed, run.mode, run.sensor, run.field, run.value, t);
  return tallyOf(t);
}

/**
 * The encoder answers only for strokes; the pressure check runs only with the needle in the port;
 * the flow sensor measures both ways (its range starts at −500 µL/h), so a negated flow near zero
 * is a valid reading, not an invalid one.
 */
function readingApplies(mode: ReadingMode, sensor: InvalidSensorName, field: InvalidReadingField, value: InvalidValue): boolean {
  const inRange = sensor === 'flow' && field === 'meanFlowUlPerHour' && value === 'negative';
  return !((sensor === 'encoder' && mode !== 'infusing') || (sensor === 'pressure' && !CONNECTED_MODES.includes(mode)) || inRange);
}

/** One field of one reading made invalid in one mode: the fail-safe must follow. */
function readingCase(seed: number, mode: ReadingMode, sensor: InvalidSensorName, field: InvalidReadingField, value: InvalidValue, t: Tally): void {
  if (!readingApplies(mode, sensor, field, value)) {
    t.readingsNotApplicable++;
    return;
  }
  t.invalidReadings++;
  const sim = pumpIn(mode, seed);
  const expected: readonly AlarmCode[] = expectedAlarms({ kind: 'sensor', atHours: 0, sensor, mode: 'invalid', value, field });
  const onsetMs = sim.clock.nowMs();
  sim.setInvalidReading(sensor, { field, value });
  let caughtMs = -1;
  for (let waited = 0; waited <= READING_FAILSAFE_WITHIN_MS && caughtMs < 0; waited += 5_000) {
    sim.clock.runUntil(onsetMs + waited);
    if (sim.firmware.alarms.entries.some((e) => expected.includes(e.code))) caughtMs = sim.clock.nowMs() - onsetMs;
  }
  if (caughtMs < 0) {
    t.maskedReadings++;
    if (t.failures.length < 20) t.failures.push({ batchSeed: seed, what: `${sensor}.${field} = ${value} in ${mode}: no ${expected.join('/')} within ${READING_FAILSAFE_WITHIN_MS / 1000} s`, replay: replayCommand(0, seed) });
  } else t.slowestFailsafeMs = Math.max(t.slowestFailsafeMs, caughtMs);
}

function addInto(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * The campaign's result from every run's tally, in run-index order: counts add up, records keep
 * the order their keys first appear in, the failures are the first 20 in run order.
 */
export function commandCampaignResult(seed: number, tallies: readonly CommandRunTally[]): CommandCampaignResult {
  const framesByKind = Object.fromEntries(FRAME_KINDS.map((k) => [k, 0])) as Record<FrameKind, number>;
  const framesByMode: Record<string, number> = {};
  const refusedByReason: Record<string, number> = {};
  const failures: CampaignFailure[] = [];
  const sum = (f: (t: CommandRunTally) => number): number => tallies.reduce((acc, t) => acc + f(t), 0);
  let slowestFailsafeMs = 0;
  for (const t of tallies) {
    addInto(framesByKind, t.framesByKind);
    addInto(framesByMode, t.framesByMode);
    addInto(refusedByReason, t.refusedByReason);
    for (const f of t.failures) if (failures.length < 20) failures.push(f);
    slowestFailsafeMs = Math.max(slowestFailsafeMs, t.slowestFailsafeMs);
  }
  const crashes = sum((t) => t.crashes);
  const acceptedHostile = sum((t) => t.acceptedHostile);
  const stateChangesFromRefused = sum((t) => t.stateChangesFromRefused);
  const maskedReadings = sum((t) => t.maskedReadings);
  return {
    seed,
    frames: sum((t) => t.frames),
    framesByKind,
    framesByMode,
    acceptedValid: sum((t) => t.acceptedValid),
    refusedByReason,
    acceptedForged: sum((t) => t.acceptedForged),
    acceptedTampered: sum((t) => t.acceptedTampered),
    acceptedReplayed: sum((t) => t.acceptedReplayed),
    acceptedHostile,
    crashes,
    stateChangesFromRefused,
    invalidReadings: sum((t) => t.invalidReadings),
    maskedReadings,
    readingsNotApplicable: sum((t) => t.readingsNotApplicable),
    slowestFailsafeSeconds: slowestFailsafeMs / 1000,
    failures,
    passed: crashes === 0 && acceptedHostile === 0 && stateChangesFromRefused === 0 && maskedReadings === 0 && failures.length === 0,
  };
}

export function runCommandCampaign(options: CommandCampaignOptions): CommandCampaignResult {
  return commandCampaignResult(options.seed, commandRuns(options).map(runCommandRun));
}
