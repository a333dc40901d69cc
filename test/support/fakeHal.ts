/**
 * A scripted HAL for unit tests of the firmware runtime: readings are whatever the test sets,
 * every read and every stroke command is counted; NV is a simulated flash (provisioned as a new
 * pump's unless one is given) and the log is what a probe on it transcribes.
 *
 * Owns: nothing of the plant. Promises: no randomness; readings carry the clock's time and a small
 * deterministic ripple (a live front-end); the drive reports full encoder counts unless `stalled`,
 * and the reservoir gauge reads the fill less what the drive moved;
 * a device in `failing` answers with an error. The secure element holds `TEST_UNIT`'s key.
 */
import type { AlarmSignal, DeviceConfig, Hal, HalError } from '../../hal/index.ts';
import { DONE, halError } from '../../hal/index.ts';
import type { LogEntry } from '../../firmware/index.ts';
import { HAI_FUDR_LIBRARY, NV_LAYOUT, encodeLibraryImage } from '../../firmware/index.ts';
import { DEFAULT_START_EPOCH_MS, SimEventLog, SimSecureElement, type SimFlash } from '../../sim/world/devices/index.ts';
import { SIMULATED_SERIAL, provisionedFlash } from '../../sim/run/simulation.ts';
import type { PairedUnit } from '../../sim/world/programmer.ts';
import { pairedUnit } from '../../sim/world/programmer.ts';
import { NOMINAL_PORT_CONFIG } from './deviceConfig.ts';
import { ManualClock } from './manualClock.ts';

export interface FakeHal extends Hal {
  readonly clock: ManualClock;
  /** Values the next reads return (a HalError makes that sensor fail). */
  pressure: Hal['pressure'];
  readonly set: {
    pressureMmHg: number;
    cardiacAmplitudeMmHg: number;
    flowUlPerHour: number;
    /** The reservoir as filled; the gauge reads it less what the drive has moved since. */
    reservoirMl: number;
    batteryPercent: number;
    failing: Set<'pressure' | 'flow' | 'reservoir' | 'power' | 'nv' | 'rom' | 'ram' | 'annunciator' | 'air' | 'temperature' | 'library'>;
    celsius: number;
    /** Air the next air read reports (then 0 again). */
    airUl: number;
    /** The real-time clock's crystal runs at this share of the device clock's rate (0: stopped). */
    rtcRate: number;
    stalled: boolean;
    /** The reset cause the watchdog reports to the next firmware booted on this HAL. */
    resetByWatchdog: boolean;
    /** The drug library image's bytes (the seed library at version 1 unless a test changes them). */
    libraryImage: Uint8Array;
  };
  readonly reads: { pressure: number; flow: number; reservoir: number; power: number; air: number; kicks: number };
  readonly strokeCommands: number[];
  /** Every retract (pressure relief) command, in order. */
  readonly retractCommands: number[];
  readonly flash: SimFlash;
  readonly logEntries: LogEntry[];
  readonly signals: (AlarmSignal | null)[];
}

/** The unit every scripted HAL is: the simulated serial, the link key seed 1 manufactures. */
export const TEST_UNIT: PairedUnit = pairedUnit(1, SIMULATED_SERIAL);

export function fakeHal(config: DeviceConfig = NOMINAL_PORT_CONFIG, flash: SimFlash = provisionedFlash(), clock = new ManualClock()): FakeHal {
  const set: FakeHal['set'] = { pressureMmHg: 0, cardiacAmplitudeMmHg: 0, flowUlPerHour: 0, reservoirMl: 30, batteryPercent: 100, failing: new Set(), stalled: false, rtcRate: 1, airUl: 0, celsius: 32, resetByWatchdog: false, libraryImage: encodeLibraryImage(HAI_FUDR_LIBRARY, 1) };
  const reads = { pressure: 0, flow: 0, reservoir: 0, power: 0, air: 0, kicks: 0 };
  let airAtMs = 0;
  let movedUl = 0;
  const strokeCommands: number[] = [];
  const retractCommands: number[] = [];
  const logEntries = new SimEventLog(flash).entries;
  const signals: (AlarmSignal | null)[] = [];
  const failure = (what: string): HalError => halError('disconnected', `${what} failing (test)`);
  return {
    clock,
    config,
    secureElement: new SimSecureElement(new Map([[TEST_UNIT.keyId, TEST_UNIT.key]])),
    set,
    reads,
    strokeCommands,
    retractCommands,
    flash,
    logEntries,
    signals,
    pressure: {
      read() {
        reads.pressure++;
        if (set.failing.has('pressure')) return failure('pressure');
        // A small deterministic ripple, so that the stuck-sensor check sees a live front-end.
        const m = set.pressureMmHg + ((reads.pressure % 5) - 2) * 0.2;
        const a = set.cardiacAmplitudeMmHg;
        return { ok: true, atMs: clock.nowMs(), windowMs: config.controlPeriodMs, sampleCount: 50, meanMmHg: m, minMmHg: m - a, maxMmHg: m + a, cardiacAmplitudeMmHg: a };
      },
    },
    flow: {
      read() {
        reads.flow++;
        if (set.failing.has('flow')) return failure('flow');
        return { ok: true, atMs: clock.nowMs(), windowMs: 10_000, meanFlowUlPerHour: set.flowUlPerHour + ((reads.flow % 3) - 1) * 0.5 };
      },
    },
    reservoir: {
      read() {
        reads.reservoir++;
        if (set.failing.has('reservoir')) return failure('reservoir');
        return { ok: true, atMs: clock.nowMs(), volumeMl: set.reservoirMl - movedUl / 1000 };
      },
    },
    power: {
      read() {
        reads.power++;
        if (set.failing.has('power')) return failure('power');
        return { ok: true, atMs: clock.nowMs(), batteryPercent: set.batteryPercent, externalPower: false };
      },
    },
    air: {
      read() {
        reads.air++;
        if (set.failing.has('air')) return failure('air');
        const now = clock.nowMs();
        const airUl = set.airUl;
        set.airUl = 0;
        const r = { ok: true as const, atMs: now, windowMs: Math.max(1, now - airAtMs), airUl };
        airAtMs = now;
        return r;
      },
    },
    temperature: {
      read() {
        if (set.failing.has('temperature')) return failure('temperature');
        return { ok: true, atMs: clock.nowMs(), celsius: set.celsius };
      },
    },
    drive: {
      stroke(count) {
        strokeCommands.push(count);
        if (!set.stalled) movedUl += (count * config.strokeVolumeNl) / 1000;
        return { ok: true, atMs: clock.nowMs(), strokesCommanded: count, encoderCounts: set.stalled ? 0 : count * config.encoderCountsPerStroke };
      },
      retract(count) {
        retractCommands.push(count);
        if (!set.stalled) movedUl -= (count * config.strokeVolumeNl) / 1000;
        return { ok: true, atMs: clock.nowMs(), strokesCommanded: count, encoderCounts: set.stalled ? 0 : count * config.encoderCountsPerStroke };
      },
    },
    nv: {
      slotCount: flash.slotCount,
      slotBytes: flash.slotBytes,
      read(slot, into) {
        if (set.failing.has('nv')) return failure('nv');
        return flash.read(slot, into);
      },
      write(slot, bytes) {
        return flash.write(slot, bytes);
      },
    },
    annunciator: {
      show(signal) {
        signals.push(signal);
      },
      test() {
        return set.failing.has('annunciator') ? failure('annunciator') : DONE;
      },
    },
    memory: {
      check(region) {
        return set.failing.has(region) ? failure(region) : { ok: true, atMs: clock.nowMs(), region };
      },
    },
    rtc: {
      read() {
        return { ok: true, atMs: clock.nowMs(), epochMs: DEFAULT_START_EPOCH_MS + Math.round(clock.nowMs() * set.rtcRate) };
      },
    },
    drugLibrary: {
      read() {
        return set.failing.has('library') ? failure('library') : { ok: true, atMs: clock.nowMs(), bytes: Uint8Array.from(set.libraryImage) };
      },
    },
    watchdog: {
      timeoutMs: 3_000,
      kick() {
        reads.kicks++;
      },
      resetByWatchdog() {
        return set.resetByWatchdog;
      },
    },
  };
}

/** The bytes of every therapy record (device, state, plan, safety, link): all of flash but the event log. */
export function therapyRecordBytes(flash: SimFlash): string {
  const into = new Uint8Array(flash.slotBytes);
  const hex: string[] = [];
  for (let slot = 0; slot < NV_LAYOUT.log.firstSlot; slot++) {
    flash.read(slot, into);
    hex.push(Buffer.from(into).toString('hex'));
  }
  return hex.join('');
}
