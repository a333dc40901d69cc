/**
 * One simulated run: the world around the firmware, wired on one virtual clock.
 *
 * Owns: building the plant, devices and firmware from a scenario and a seed; the operator (the
 * nurse/clinician who programs, fills, primes, accesses the port, starts, flushes and de-accesses,
 * with human delays); pacing against the wall clock; the run summary (truth and belief side by side).
 * Promises:
 * - Everything that happens is an event on the `VirtualClock`; the same seed gives the same run at
 *   every speed factor (pacing only waits between events, it never changes them).
 * - The summary keeps the plant's truth (`delivered`) and the firmware's ledger (`firmwareBelief`)
 *   apart (rule 4).
 */
import { performance } from 'node:perf_hooks';
import type { Hal } from '../../hal/index.ts';
import type { AlarmCode, EventLogReadBack, Ledger, LogEntry } from '../../firmware/index.ts';
import { ALARM_RULE_BY_CODE, Firmware, THRESHOLDS, detectorConfig, HAI_FUDR_LIBRARY, NV_LAYOUT, creditedStrokeVolumeNl, ledgerFigures, newestLogSeq, planInfusion, provisionStore, readEventLog } from '../../firmware/index.ts';
import { VirtualClock } from '../world/clock.ts';
import { xstateClock } from '../world/board.ts';
import type { InvalidReading, SensorFault } from '../world/devices/index.ts';
import { SimAirSensor, SimAnnunciator, SimTemperatureSensor, SimDrive, SimEventLog, SimFlash, SimFlowSensor, SimMemoryTester, SimPowerMonitor, SimPressureSensor, SimRealTimeClock, SimReservoirGauge, SimSecureElement, SimWatchdog, SimDrugLibraryStore } from '../world/devices/index.ts';
import type { PumpCommand } from '../../firmware/index.ts';
import { Programmer, pairedUnit } from '../world/programmer.ts';
import type { LinkAttack } from '../world/faults.ts';
import { linkAttackFrame } from '../world/linkAttacks.ts';
import type { Composition, PatientArtery, PlantConditions } from '../world/plant/index.ts';
import { Plant, UnintendedBolus } from '../world/plant/index.ts';
import type { DeviceProfile } from '../world/profile.ts';
import { SeededRandom, noiseKey, streamId, uniformFromKey } from '../world/rng.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { RUN_SLACK_MS, deviceProfileOf, prescriptionInput } from '../scenario/scenario.ts';
import type { FaultOutcome, FaultWorld, InvalidSensorName, NvRecordName, SelfTestComponent, SensorName } from '../world/faults.ts';
import { faultOutcomes, scheduleFaults } from '../world/faults.ts';
import { PULSE_PRESSURE_DRAW_MMHG, PatientPhysiology } from '../world/patient.ts';
import { Telemetry } from './telemetry.ts';
import type { RemainingTimes } from './telemetry.ts';
import { TelemetrySampler } from './sampler.ts';
import type { Operator, OperatorWorld, Timeline } from '../world/operator.ts';
import { SingleCycleOperator } from '../world/operator.ts';

const BOLUS_SAMPLE_MS = 10_000;
const BOLUS_WINDOW_SAMPLES = 30;
/** The remaining times' error is sampled with every sixth bolus sample: once a minute. */
const REMAINING_EVERY_BOLUS_SAMPLES = 6;

export { RUN_SLACK_MS };

export interface RunOptions {
  readonly scenario: Scenario;
  /** Overrides the scenario's seed. */
  readonly seed?: number;
  readonly speed?: 'max' | number;
  readonly telemetry?: Telemetry;
  /** Ends the run after this much simulated time (for shortened runs). */
  readonly maxSimulatedMs?: number;
  /** Replaces the scenario's device profile (e.g. a line-compliance sweep); the firmware's nominal config stays the profile's. */
  readonly profile?: DeviceProfile;
  /** Who runs the pump; default: one cycle of the scenario's prescription. */
  readonly operator?: Operator;
  /** Simulated time after which the run ends; default: the programmed infusion plus one day. */
  readonly horizonMs?: number;
  /** Flash to boot from (a pump that kept its memory, e.g. between the cycles of a course); default: a newly provisioned pump's. */
  readonly nv?: SimFlash;
  /** Seed of the per-unit draws (unit stroke error, sensor offsets and gains, the link key); default: the run's seed. */
  readonly deviceSeed?: number;
  /** The clinician programmer paired with this unit (a course keeps one across its cycles); default: a new one for the unit `deviceSeed` makes. */
  readonly programmer?: Programmer;
}

export interface AlarmRecord {
  readonly code: AlarmCode;
  readonly priority: string;
  readonly atSeconds: number;
  /** When, by the pump's real-time clock (ISO 8601, UTC), as its log says (null: the clock did not answer at that boot). */
  readonly calendarTime: string | null;
}

export interface RunSummary {
  readonly scenario: string;
  readonly seed: number;
  readonly profile: string;
  readonly simulatedSeconds: number;
  readonly wallMs: number;
  readonly controlSteps: number;
  readonly clockEvents: number;
  readonly prescription: {
    readonly bsaM2: number;
    readonly fudrMgPerDay: number;
    readonly dexamethasoneMgPerDay: number;
    readonly fudrMgTotal: number;
    readonly dexamethasoneMgTotal: number;
    readonly heparinUnitsTotal: number;
    readonly volumeMl: number;
    readonly rateMlPerHour: number;
    readonly infusionDays: number;
    readonly doseFactor: number;
    readonly reservoirFillMl: number;
    readonly fudrMgPerMl: number;
    readonly dexamethasoneMgPerMl: number;
    readonly heparinUnitsPerMl: number;
  } | null;
  readonly delivered: {
    readonly volumeMl: number;
    readonly fudrMg: number;
    readonly dexamethasoneMg: number;
    readonly heparinUnits: number;
    readonly extrahepaticFudrMg: number;
    readonly leakedVolumeMl: number;
    readonly maxUnintendedBolusUl: number;
    readonly pocketVolumeMl: number;
    readonly primeWasteMl: number;
    readonly heparinLockInPathUnits: number;
    readonly fudrPercentOfPrescription: number | null;
    readonly dexamethasonePercentOfPrescription: number | null;
  };
  readonly firmwareBelief: {
    readonly deliveredVolumeMl: number;
    readonly infusedVolumeMl: number;
    readonly primedVolumeMl: number;
    readonly flushedVolumeMl: number;
    readonly fudrMg: number;
    readonly dexamethasoneMg: number;
    readonly heparinUnits: number;
    readonly strokes: number;
    readonly reservoirRemainingMl: number;
  };
  readonly alarms: readonly AlarmRecord[];
  readonly notifications: readonly { readonly code: string; readonly atSeconds: number; readonly calendarTime: string | null }[];
  readonly timeline: {
    readonly infusionStartSeconds: number | null;
    readonly infusionCompleteSeconds: number | null;
    readonly lockDoneSeconds: number | null;
  };
  readonly finalState: string;
  readonly faults: readonly FaultOutcome[];
  readonly storage: StorageSummary;
  /** The times the pump displays at the run's end (firmware/remaining.ts); null where it cannot know yet. */
  readonly remaining: RemainingTimes;
  /** The truth beside them: the plant's reservoir and the battery model at the drain of the moment. */
  readonly remainingTruth: RemainingTimes;
  /**
   * The largest |display − truth| while infusing, sampled once a minute, minutes (null: never both
   * known while infusing).
   */
  readonly remainingError: { readonly reservoirMaxAbsMinutes: number | null; readonly batteryMaxAbsMinutes: number | null };
}


/** What the NV store did: the flash's own counts, and what the firmware's log says it found. */
export interface StorageSummary {
  readonly writes: number;
  readonly bytesWritten: number;
  readonly failedWrites: number;
  readonly tornWrites: number;
  /** Erases of the most-erased slot over the run. */
  readonly maxSlotErases: number;
  /** Storage faults the scenario applied (bit flips, torn writes, stale records, erasures, cuts inside a write). */
  readonly corruptionsInjected: number;
  /** Damage the firmware reported: STORAGE_RECOVERED, STORAGE_REPAIRED and STORAGE_DAMAGE entries. */
  readonly corruptionsDetected: number;
  /** Damage it recovered from or repaired. */
  readonly recoveries: number;
  /** The device's event log as read back from flash. */
  readonly eventLog: { readonly entries: number; readonly dropped: number; readonly corrupt: number; readonly missing: number; readonly capacity: number };
}

/** Serial number given to a pump the simulator provisions. */
export const SIMULATED_SERIAL = 'PUMPSIM-0001';

/** A newly manufactured pump's flash: provisioned with its device record and first records. */
export function provisionedFlash(serialNumber = SIMULATED_SERIAL): SimFlash {
  const flash = new SimFlash();
  const done = provisionStore(flash, { serialNumber });
  if (!done.ok) throw new Error(`provisioning failed: ${done.detail}`);
  return flash;
}

const round = (x: number, digits = 6): number => Number(x.toFixed(digits));

/**
 * One power cut as the storage campaign judges it: the strokes the ledger held in RAM when the
 * power went (every one of them made), and the strokes it held after the next boot. Fewer after:
 * that many strokes will be made again; more: that many will never be made.
 */
export interface PowerCut {
  readonly atMs: number;
  /** The power failed inside a flash write. */
  readonly insideWrite: boolean;
  /** The mode the pump was in (in fail-safe its ledger is no belief, and nothing is delivered). */
  readonly modeBefore: string;
  readonly strokesBefore: number;
  strokesAfter: number | null;
}

function ledgerStrokes(l: Ledger): number {
  return l.primeStrokes + l.infusionStrokes + l.flushStrokes;
}

export class Simulation implements FaultWorld {
  readonly clock = new VirtualClock();
  readonly scenario: Scenario;
  readonly seed: number;
  readonly profile: DeviceProfile;
  readonly plant: Plant;
  readonly log: SimEventLog;
  readonly nv: SimFlash;
  /** Storage faults applied so far (FaultWorld counts them). */
  corruptionsInjected = 0;
  /** Every power cut, with the ledger's strokes before it (in RAM) and as restored at the next boot. */
  readonly powerCuts: PowerCut[] = [];
  /** Where storage faults land (bit positions, torn shares): their own stream of the run's seed. */
  private readonly nvFaultDraws: SeededRandom;
  /** The newest entry of the device's log before this run: the run's own entries follow it. */
  private readonly logSeqAtStart: number;
  readonly telemetry: Telemetry | undefined;
  readonly hal: Hal;
  readonly devices: {
    pressure: SimPressureSensor;
    flow: SimFlowSensor;
    reservoir: SimReservoirGauge;
    power: SimPowerMonitor;
    drive: SimDrive;
    annunciator: SimAnnunciator;
    memory: SimMemoryTester;
    rtc: SimRealTimeClock;
    air: SimAirSensor;
    temperature: SimTemperatureSensor;
    watchdog: SimWatchdog;
    drugLibrary: SimDrugLibraryStore;
  };
  firmware: Firmware;
  private readonly horizonMs: number;
  private done = false;
  readonly timeline: Timeline = { infusionStartMs: -1, infusionCompleteMs: -1, lockDoneMs: -1 };
  private readonly operator: Operator;
  private readonly world: OperatorWorld;
  private lastMilestone = 0;
  private stepsBeforeReboots = 0;
  private pendingBoot: { atMs: number; handle: number } | null = null;
  /** The next boot follows a watchdog reset (the reset cause the firmware reads). */
  private nextBootByWatchdog = false;
  private readonly bolus = new UnintendedBolus(BOLUS_WINDOW_SAMPLES);
  /** The schedule's progress, counted only forward (see `sampleBolus`), and its last value, µL. */
  private scheduledForwardUl = 0;
  private lastScheduledUl = 0;
  /** Largest |display − truth| of the remaining times while infusing (-1: none yet). */
  private reservoirErrorMaxMin = -1;
  private bolusSamples = 0;
  private batteryErrorMaxMin = -1;
  private wallMs = 0;
  private readonly sampler: TelemetrySampler | null = null;
  /** The clinician programmer every command of the run goes through. */
  readonly programmer: Programmer;
  /** The adversary's own draws (its key, the byte it alters). */
  private readonly attackerDraws: SeededRandom;

  constructor(private readonly options: RunOptions) {
    const scenario = options.scenario;
    this.scenario = scenario;
    this.seed = options.seed ?? scenario.seed;
    this.nv = options.nv ?? provisionedFlash();
    this.nvFaultDraws = new SeededRandom(this.seed, streamId('nv-faults'));
    this.logSeqAtStart = newestLogSeq(this.nv);
    this.telemetry = options.telemetry;
    const profile = options.profile ?? deviceProfileOf(scenario);
    this.profile = profile;

    const deviceSeed = options.deviceSeed ?? this.seed;
    const draws = new SeededRandom(deviceSeed, streamId('device'));
    const unit = pairedUnit(deviceSeed, SIMULATED_SERIAL);
    this.programmer = options.programmer ?? new Programmer(unit);
    this.attackerDraws = new SeededRandom(this.seed, streamId('linkAttacker'));
    const patientDraws = new SeededRandom(this.seed, streamId('patient'));
    const a = profile.artery;
    const patientWorld = scenario.world.physiology === 'patient';
    const meanMmHg = scenario.patient.meanArterialPressureMmHg ?? patientDraws.uniform(a.meanRangeMmHg[0], a.meanRangeMmHg[1]);
    const heartRateBpm = scenario.patient.heartRateBpm ?? patientDraws.uniform(a.heartRateRangeBpm[0], a.heartRateRangeBpm[1]);
    const artery: PatientArtery = {
      meanMmHg,
      pulsePressureMmHg: scenario.patient.pulsePressureMmHg ?? (patientWorld ? patientDraws.fork('pulsePressure').uniform(...PULSE_PRESSURE_DRAW_MMHG) : a.pulsePressureMmHg),
      heartRateBpm,
      diurnalAmplitudeMmHg: a.diurnalAmplitudeMmHg,
      diurnalPhaseRad: patientDraws.uniform(0, 2 * Math.PI),
      tissuePressureMmHg: a.tissuePressureMmHg,
    };
    const unitError = draws.uniform(-profile.mechanism.unitErrorFraction, profile.mechanism.unitErrorFraction);
    const strokeKey = noiseKey(this.seed, streamId('stroke'));
    const seed = this.seed;
    const previousLock: Composition = { fudrMgPerUl: 0, dexamethasoneMgPerUl: 0, heparinUnitsPerUl: scenario.prescription.heparinLockUnitsPerMl / 1000 };
    const stallKey = noiseKey(this.seed, streamId('stall'));
    this.plant = new Plant(profile, artery, unitError, (i) => 2 * uniformFromKey(strokeKey, i) - 1, previousLock, (i) => uniformFromKey(stallKey, i));

    const clock = this.clock;
    const telemetry = this.telemetry;
    this.log = new SimEventLog(this.nv, telemetry ? (e) => telemetry.log.next(e) : undefined);
    this.devices = {
      pressure: new SimPressureSensor(
        this.plant,
        clock,
        seed,
        profile.sensors.pressure,
        draws.fork('pressure'),
        patientWorld
          ? new PatientPhysiology(this.seed, {
              rhythm: scenario.patient.rhythm ?? 'sinus',
              activity: scenario.patient.activity ?? 'ambulatory',
              heartRateBpm: artery.heartRateBpm,
              pulsePressureMmHg: artery.pulsePressureMmHg,
            })
          : null,
      ),
      flow: new SimFlowSensor(this.plant, clock, seed, profile.sensors.flow, draws.fork('flow')),
      reservoir: new SimReservoirGauge(this.plant, clock, seed, profile.sensors.reservoir, draws.fork('reservoir')),
      power: new SimPowerMonitor(this.plant, clock, profile.battery),
      drive: new SimDrive(this.plant, clock, profile.mechanism.encoderCountsPerStroke),
      annunciator: new SimAnnunciator(),
      memory: new SimMemoryTester(clock),
      rtc: new SimRealTimeClock(clock, Date.parse(scenario.startDate)),
      air: new SimAirSensor(this.plant, clock),
      temperature: new SimTemperatureSensor(clock, this.plant),
      // On expiry the processor resets: the firmware stops and boots again at once from its store.
      watchdog: new SimWatchdog(clock, () => {
        this.nextBootByWatchdog = true;
        this.powerCycle(0);
      }),
      drugLibrary: new SimDrugLibraryStore(clock),
    };
    const everyMs = telemetry?.sampleEveryMs ?? null;
    const sampler =
      telemetry === undefined || everyMs === null
        ? null
        : new TelemetrySampler(
            {
              clock,
              plant: this.plant,
              strokeVolumeNl: profile.firmwareConfig.strokeVolumeNl,
              firmware: () => this.firmware,
              powered: () => this.pendingBoot === null,
              batteryPercent: () => this.devices.power.batteryPercent(),
              remaining: () => ({ shown: this.remainingDisplayed(), truth: this.remainingTruth() }),
            },
            everyMs,
            (sample) => telemetry.samples.next(sample),
          );
    this.sampler = sampler;
    const d = this.devices;
    this.hal = {
      // The firmware's control task runs on the watchdog's view of the clock, which can hang it.
      clock: this.devices.watchdog.taskClock(),
      // Sampled, the firmware's readings pass the sampler on their way (the sensor is read once, as unsampled).
      pressure: sampler === null ? d.pressure : { read: () => observed(d.pressure.read(), (r) => sampler.onPressure(r)) },
      flow: sampler === null ? d.flow : { read: () => observed(d.flow.read(), (r) => sampler.onFlow(r)) },
      reservoir: sampler === null ? d.reservoir : { read: () => observed(d.reservoir.read(), (r) => sampler.onReservoir(r)) },
      power: this.devices.power,
      air: this.devices.air,
      temperature: this.devices.temperature,
      drive: this.devices.drive,
      nv: this.nv,
      annunciator: this.devices.annunciator,
      config: profile.firmwareConfig,
      secureElement: new SimSecureElement(new Map([[unit.keyId, unit.key]])),
      memory: this.devices.memory,
      rtc: this.devices.rtc,
      watchdog: this.devices.watchdog,
      drugLibrary: this.devices.drugLibrary,
    };
    const planned = planInfusion(prescriptionInput(scenario), profile.firmwareConfig, HAI_FUDR_LIBRARY);
    const durationMs = planned.ok ? planned.plan.durationMs : 0;
    this.horizonMs = options.maxSimulatedMs ?? options.horizonMs ?? durationMs + RUN_SLACK_MS;
    this.operator = options.operator ?? new SingleCycleOperator(prescriptionInput(scenario), scenario.prescription.confirmSoftLimits);
    const sim = this;
    this.world = {
      clock,
      plant: this.plant,
      profile,
      timeline: this.timeline,
      firmware: () => sim.firmware,
      command: (cmd: PumpCommand) => {
        const answer = sim.programmer.send(sim.firmware, cmd);
        // Power that fails inside a flash write while the pump acts on a frame takes the radio with
        // it: whatever the firmware went on to decide in RAM, no answer left the pump.
        return sim.nv.powered ? answer : { accepted: false, mode: answer.mode, reason: 'no answer: the pump lost power while acting on the command' };
      },
      finish: () => {
        sim.done = true;
        clock.stopRun();
      },
    };
    this.firmware = this.bootFirmware();
    sampler?.start();
    scheduleFaults(scenario.faults, this);
    clock.startPeriodic(BOLUS_SAMPLE_MS, () => this.sampleBolus());
  }

  // --- FaultWorld: what the scenario's faults act on (sim/world/faults.ts) -------------------

  nowMs(): number {
    return this.clock.nowMs();
  }

  at(atMs: number, action: () => void): void {
    this.clock.at(atMs, () => {
      this.plant.advanceTo(this.clock.nowMs());
      action();
    });
  }

  setConditions(patch: Partial<PlantConditions>): void {
    this.plant.setConditions(patch);
  }

  baselineArterialMeanMmHg(): number {
    return this.plant.artery.meanMmHg;
  }

  setSensorFault(sensor: SensorName, fault: SensorFault | null): void {
    this.devices[sensor].setFault(fault);
  }

  setInvalidReading(sensor: InvalidSensorName, invalid: InvalidReading | null): void {
    const d = this.devices;
    const device = sensor === 'encoder' ? d.drive : sensor === 'battery' ? d.power : d[sensor];
    device.setInvalid(invalid);
  }

  setBatteryDrain(percentPerHour: number): void {
    this.devices.power.setExtraDrain(percentPerHour);
  }

  setComponentFailed(component: SelfTestComponent, failed: boolean): void {
    const d = this.devices;
    if (component === 'rom' || component === 'ram') d.memory.setDamaged(component, failed);
    else if (component === 'clock') d.rtc.setStopped(failed);
    else if (component === 'annunciator') d.annunciator.speakerOpen = failed;
    else d.power.setFlat(failed);
  }

  setDeviceCelsius(celsius: number | null): void {
    this.plant.setDeviceCelsius(celsius);
  }

  corruptDrugLibrary(): void {
    this.devices.drugLibrary.corrupt(this.nvFaultDraws.next());
  }

  hangControlTask(durationMs: number): void {
    if (this.pendingBoot === null) this.devices.watchdog.hang(durationMs);
  }

  injectAir(volumeUl: number): void {
    this.devices.air.inject(volumeUl);
  }

  sendLinkAttack(attack: LinkAttack): void {
    const frame = linkAttackFrame(attack, this.programmer, this.attackerDraws);
    if (frame !== null) this.firmware.receiveFrame(frame);
  }

  /**
   * Unintended bolus: volume leaving the catheter above the programmed profile (the firmware's
   * schedule of infusion and flush strokes at nominal volume), in any 5-minute window, sampled
   * every 10 s. The schedule is counted only forward: a pressure relief sets it back by what it drew
   * back into the pump (volume that never reached the patient), and a new plan starts it from zero;
   * neither is volume leaving the catheter.
   */
  private sampleBolus(): void {
    const plant = this.plant;
    plant.advanceTo(this.clock.nowMs());
    plant.flushPending();
    const outletUl = plant.toArtery.volumeUl + plant.toExtrahepatic.volumeUl + plant.toPocket.volumeUl + plant.leaked.volumeUl;
    // The firmware's schedule survives reboots (it is restored from NV), so the profile is continuous.
    const scheduledUl = ((this.firmware.scheduledPatientStrokes * this.profile.firmwareConfig.strokeVolumeNl) / 1000);
    if (scheduledUl > this.lastScheduledUl) this.scheduledForwardUl += scheduledUl - this.lastScheduledUl;
    this.lastScheduledUl = scheduledUl;
    this.bolus.sample(outletUl, this.scheduledForwardUl);
    // Once a minute (every sixth bolus sample): the errors move slowly, and the look costs per call.
    if (++this.bolusSamples % REMAINING_EVERY_BOLUS_SAMPLES === 0 && this.pendingBoot === null && this.firmware.modeName === 'therapy.infusing.running') this.sampleRemainingError();
  }

  /**
   * The truth beside the firmware's remaining times: the plant's usable reservoir at the
   * programme's stroke rate (in strokes the firmware's characteristic credits at the true back-pressure and temperature) and the mechanism's stroke volume of the moment; the battery model's
   * minutes until the charge falls below the depleted threshold + 1 % (where the whole-percent
   * reading reaches the threshold), strokes counted while infusing.
   */
  remainingTruth(): RemainingTimes {
    const plan = this.firmware.plan;
    // The drive's stroke rate: the programme's rate in strokes of what the firmware's characteristic
    // credits at the true back-pressure and temperature (firmware/strokeCredit.ts), so the truth
    // does not follow the firmware's estimate while it settles.
    const nowMs = this.clock.nowMs();
    const strokeUl = creditedStrokeVolumeNl(this.profile.firmwareConfig, this.plant.referencePressureMmHg(nowMs), this.plant.deviceCelsius) / 1000;
    const strokesPerHour = plan === null ? 0 : plan.rateUlPerHour / strokeUl;
    const usableUl = Math.max(0, this.plant.reservoirVolumeUl - this.profile.reservoir.residualUl);
    const trueUlPerHour = strokesPerHour * this.plant.meanStrokeVolumeUl;
    const infusing = this.pendingBoot === null && this.firmware.modeName === 'therapy.infusing.running';
    const battery = this.devices.power.minutesUntilPercent(THRESHOLDS.batteryDepletedPercent + 1, infusing ? strokesPerHour : 0);
    return {
      reservoirRemainingMinutes: plan === null || !(trueUlPerHour > 0) ? null : (usableUl / trueUlPerHour) * 60,
      batteryRemainingMinutes: Number.isFinite(battery) ? battery : null,
    };
  }

  /** What the firmware displays now (nothing while it is off). */
  remainingDisplayed(): RemainingTimes {
    return this.pendingBoot === null ? this.firmware.remaining() : { reservoirRemainingMinutes: null, batteryRemainingMinutes: null };
  }

  private sampleRemainingError(): void {
    const shown = this.firmware.remaining();
    const truth = this.remainingTruth();
    if (shown.reservoirRemainingMinutes !== null && truth.reservoirRemainingMinutes !== null) {
      this.reservoirErrorMaxMin = Math.max(this.reservoirErrorMaxMin, Math.abs(shown.reservoirRemainingMinutes - truth.reservoirRemainingMinutes));
    }
    if (shown.batteryRemainingMinutes !== null && truth.batteryRemainingMinutes !== null) {
      this.batteryErrorMaxMin = Math.max(this.batteryErrorMaxMin, Math.abs(shown.batteryRemainingMinutes - truth.batteryRemainingMinutes));
    }
  }

  private bootFirmware(): Firmware {
    this.nv.powered = true;
    this.devices.drive.powered = true;
    this.devices.annunciator.powered = true;
    this.devices.watchdog.powerOn(this.nextBootByWatchdog);
    this.nextBootByWatchdog = false;
    const firmware = new Firmware(this.hal, {
      statechartClock: xstateClock(this.clock),
      observer: {
        onMode: (mode, atMs) => this.operator.onMode(this.world, mode, atMs),
        onLedger: (ledger, atMs) => {
          const plan = this.firmware.plan;
          if (plan === null || this.telemetry === undefined) return;
          const fraction = ledger.infusionStrokes / plan.infusionStrokes;
          if (fraction >= this.lastMilestone + 0.1 - 1e-9) {
            this.lastMilestone = Math.floor(fraction * 10) / 10;
            this.telemetry.ledger.next({ atMs, infusedFraction: this.lastMilestone, infusedVolumeMl: ledgerFigures(ledger, plan, this.profile.firmwareConfig.strokeVolumeNl).infusedVolumeMl });
          }
        },
      },
    });
    this.firmware = firmware;
    firmware.boot();
    return firmware;
  }

  get finished(): boolean {
    return this.done || this.clock.nowMs() >= this.horizonMs;
  }

  /** Runs to the end as fast as possible. */
  runToEnd(): RunSummary {
    const wallStart = performance.now();
    if (!this.done) this.clock.runUntil(this.horizonMs);
    this.wallMs += performance.now() - wallStart;
    return this.finalSummary();
  }

  /** The summary, then the sampler's last row (taken after the summary settled the plant). */
  private finalSummary(): RunSummary {
    const summary = this.summary();
    this.sampler?.finish();
    return summary;
  }

  /** Runs paced: `speed` simulated ms per wall ms ('max' = unpaced). */
  async run(speed: 'max' | number = this.options.speed ?? 'max'): Promise<RunSummary> {
    if (speed === 'max') return this.runToEnd();
    const wallStart = performance.now();
    const simStart = this.clock.nowMs();
    while (!this.finished) {
      const target = Math.min(this.horizonMs, simStart + Math.floor((performance.now() - wallStart) * speed));
      this.clock.runUntil(target);
      if (this.finished) break;
      const nextEventMs = this.clock.peekMs();
      const waitWallMs = Math.min(50, Math.max(1, (Math.min(nextEventMs, this.horizonMs) - simStart) / speed - (performance.now() - wallStart)));
      await new Promise((resolve) => setTimeout(resolve, waitWallMs));
    }
    this.wallMs += performance.now() - wallStart;
    return this.finalSummary();
  }

  /** Removes power from the firmware for `durationMs`, then boots it again from its NV store. */
  powerCycle(durationMs: number, insideWrite = false): void {
    const bootAtMs = this.clock.nowMs() + durationMs;
    let cut: PowerCut | null = null;
    if (this.pendingBoot !== null) {
      // Already off: a second outage only lengthens the first.
      if (bootAtMs <= this.pendingBoot.atMs) return;
      this.clock.clearTimer(this.pendingBoot.handle);
    } else {
      this.stepsBeforeReboots += this.firmware.controlSteps;
      cut = { atMs: this.clock.nowMs(), insideWrite, modeBefore: this.firmware.modeName, strokesBefore: ledgerStrokes(this.firmware.ledger), strokesAfter: null };
      this.powerCuts.push(cut);
      this.firmware.powerOff();
      this.devices.watchdog.powerOff();
    }
    const open = cut ?? this.powerCuts.at(-1) ?? null;
    const handle = this.clock.at(bootAtMs, () => {
      this.pendingBoot = null;
      this.firmware = this.bootFirmware();
      if (open !== null) open.strokesAfter = ledgerStrokes(this.firmware.ledger);
    });
    this.pendingBoot = { atMs: bootAtMs, handle };
  }

  /**
   * Power fails inside the next flash write, after a random share of its bytes: from that instant
   * the drive, the annunciator and the flash are dead; the firmware is off at once and boots again
   * after `durationMs`.
   */
  cutPowerInsideNextWrite(durationMs: number): void {
    this.nv.tearNextWrite(null, this.nvFaultDraws.next(), () => {
      this.corruptionsInjected++;
      this.devices.drive.powered = false;
      this.devices.annunciator.powered = false;
      this.clock.at(this.clock.nowMs(), () => this.powerCycle(durationMs, true));
    });
  }

  flipNvBits(record: NvRecordName, bits: number): void {
    this.nv.flipBits(NV_LAYOUT[record], bits, () => this.nvFaultDraws.next());
    this.corruptionsInjected++;
  }

  tearNextNvWrite(record: NvRecordName): void {
    // Torn with the power on: the firmware believes the write done.
    this.nv.tearNextWrite(NV_LAYOUT[record], this.nvFaultDraws.next());
    this.corruptionsInjected++;
  }

  keepNvHistory(record: NvRecordName, ageWrites: number): void {
    this.nv.keepHistory(NV_LAYOUT[record], ageWrites);
  }

  revertNvRecord(record: NvRecordName, ageWrites: number): void {
    if (this.nv.revert(NV_LAYOUT[record], ageWrites)) this.corruptionsInjected++;
  }

  eraseNv(record: NvRecordName | 'all'): void {
    this.nv.erase(record === 'all' ? null : NV_LAYOUT[record]);
    this.corruptionsInjected++;
  }

  setNvWritesFailing(failing: boolean): void {
    this.nv.setWritesFailing(failing);
  }

  get controlSteps(): number {
    return this.stepsBeforeReboots + (this.pendingBoot === null ? this.firmware.controlSteps : 0);
  }

  summary(): RunSummary {
    const plant = this.plant;
    plant.advanceTo(this.clock.nowMs());
    plant.flushPending();
    const plan = this.firmware.plan;
    const belief = ledgerFigures(this.firmware.ledger, plan, this.profile.firmwareConfig.strokeVolumeNl, this.profile.firmwareConfig.primedSetVolumeUl);
    const remaining = plant.remaining();
    // Alarms and fault outcomes come from the probe's transcript of every entry the firmware wrote
    // this run (complete, even when the ring has overwritten old entries); notifications from the
    // device's own log read back from flash, as a service tool would see it.
    const deviceLog = readEventLog(this.nv);
    const transcript = this.log.entries;
    const transcriptTimes = logCalendarTimes(transcript);
    const alarmIndices = transcript.flatMap((e: LogEntry, i) => (e.kind === 'alarm' ? [i] : []));
    const alarmTimesMs = alarmIndices.map((i) => (transcript[i] as LogEntry).atMs);
    const alarms: AlarmRecord[] = alarmIndices.map((i) => {
      const e = transcript[i] as LogEntry;
      return { code: e.code as AlarmCode, priority: ALARM_RULE_BY_CODE[e.code as AlarmCode]?.priority ?? 'high', atSeconds: e.atMs / 1000, calendarTime: transcriptTimes[i] ?? null };
    });
    const runEntries = deviceLog.entries.filter((e) => e.seq > this.logSeqAtStart);
    const runTimes = logCalendarTimes(runEntries);
    const notifications = runEntries.flatMap((e, i) => (e.kind === 'notification' ? [{ code: e.code, atSeconds: e.atMs / 1000, calendarTime: runTimes[i] ?? null }] : []));
    const seconds = (ms: number): number | null => (ms < 0 ? null : ms / 1000);
    const toArtery = plant.toArtery;
    return {
      scenario: this.scenario.name,
      seed: this.seed,
      profile: this.profile.name,
      simulatedSeconds: this.clock.nowMs() / 1000,
      wallMs: round(this.wallMs, 1),
      controlSteps: this.controlSteps,
      clockEvents: this.clock.eventsExecuted,
      prescription:
        plan === null
          ? null
          : {
              bsaM2: round(plan.bsaM2, 4),
              fudrMgPerDay: round(plan.fudrMgPerDay, 4),
              dexamethasoneMgPerDay: round(plan.dexamethasoneMgPerDay, 4),
              fudrMgTotal: round(plan.fudrMgTotal, 4),
              dexamethasoneMgTotal: round(plan.dexamethasoneMgTotal, 4),
              heparinUnitsTotal: round(plan.heparinUnitsTotal, 2),
              volumeMl: round(plan.infusionVolumeUl / 1000, 4),
              rateMlPerHour: round(plan.rateUlPerHour / 1000, 6),
              infusionDays: plan.infusionDays,
              doseFactor: plan.doseFactor,
              reservoirFillMl: plan.reservoirFillMl,
              fudrMgPerMl: round(plan.fudrMgPerMl, 6),
              dexamethasoneMgPerMl: round(plan.dexamethasoneMgPerMl, 6),
              heparinUnitsPerMl: plan.heparinUnitsPerMl,
            },
      delivered: {
        volumeMl: round(toArtery.volumeUl / 1000, 4),
        fudrMg: round(toArtery.fudrMg, 4),
        dexamethasoneMg: round(toArtery.dexamethasoneMg, 4),
        heparinUnits: round(toArtery.heparinUnits, 2),
        extrahepaticFudrMg: round(plant.toExtrahepatic.fudrMg, 4),
        leakedVolumeMl: round(plant.leaked.volumeUl / 1000, 4),
        maxUnintendedBolusUl: round(this.bolus.maxUl, 3),
        pocketVolumeMl: round(plant.toPocket.volumeUl / 1000, 4),
        primeWasteMl: round(plant.primeWaste.volumeUl / 1000, 4),
        heparinLockInPathUnits: round(remaining.implant.heparinUnits, 2),
        fudrPercentOfPrescription: plan === null ? null : round((100 * toArtery.fudrMg) / plan.fudrMgTotal, 3),
        dexamethasonePercentOfPrescription: plan === null || plan.dexamethasoneMgTotal === 0 ? null : round((100 * toArtery.dexamethasoneMg) / plan.dexamethasoneMgTotal, 3),
      },
      firmwareBelief: {
        deliveredVolumeMl: round(belief.deliveredVolumeMl, 4),
        infusedVolumeMl: round(belief.infusedVolumeMl, 4),
        primedVolumeMl: round(belief.primedVolumeMl, 4),
        flushedVolumeMl: round(belief.flushedVolumeMl, 4),
        fudrMg: round(belief.fudrMg, 4),
        dexamethasoneMg: round(belief.dexamethasoneMg, 4),
        heparinUnits: round(belief.heparinUnits, 2),
        strokes: belief.strokes,
        reservoirRemainingMl: round(belief.reservoirRemainingMl, 4),
      },
      alarms,
      notifications,
      timeline: {
        infusionStartSeconds: seconds(this.timeline.infusionStartMs),
        infusionCompleteSeconds: seconds(this.timeline.infusionCompleteMs),
        lockDoneSeconds: seconds(this.timeline.lockDoneMs),
      },
      finalState: this.firmware.modeName,
      faults: faultOutcomes(
        this.scenario.faults,
        alarms.map((a, i) => ({ code: a.code, atMs: alarmTimesMs[i] as number })),
        this.clock.nowMs(),
        undefined,
        plan === null
          ? undefined
          : {
              rateUlPerHour: plan.rateUlPerHour,
              path: this.profile.path,
              heartRateBpm: this.plant.artery.heartRateBpm,
              pulsePressureMmHg: this.plant.artery.pulsePressureMmHg,
              meanArterialPressureMmHg: this.plant.artery.meanMmHg,
              infusionEndHours: (this.timeline.infusionStartMs >= 0 ? this.timeline.infusionStartMs / 3_600_000 : 0) + plan.infusionDays * 24,
              pulsePresentMmHg: detectorConfig(this.profile.firmwareConfig).pressure.pulsePresentMmHg,
            },
      ),
      storage: this.storageSummary(deviceLog),
      remaining: roundedTimes(this.remainingDisplayed()),
      remainingTruth: roundedTimes(this.remainingTruth()),
      remainingError: {
        reservoirMaxAbsMinutes: this.reservoirErrorMaxMin < 0 ? null : round(this.reservoirErrorMaxMin, 2),
        batteryMaxAbsMinutes: this.batteryErrorMaxMin < 0 ? null : round(this.batteryErrorMaxMin, 2),
      },
    };
  }

  private storageSummary(deviceLog: EventLogReadBack): StorageSummary {
    const stats = this.nv.stats;
    const count = (...codes: string[]): number => this.log.entries.filter((e) => e.kind === 'notification' && codes.includes(e.code)).length;
    return {
      writes: stats.writes,
      bytesWritten: stats.bytesWritten,
      failedWrites: stats.failedWrites,
      tornWrites: stats.tornWrites,
      maxSlotErases: stats.maxSlotErases,
      corruptionsInjected: this.corruptionsInjected,
      corruptionsDetected: count('STORAGE_RECOVERED', 'STORAGE_REPAIRED', 'STORAGE_DAMAGE'),
      recoveries: count('STORAGE_RECOVERED', 'STORAGE_REPAIRED'),
      eventLog: { entries: deviceLog.entries.length, dropped: deviceLog.dropped, corrupt: deviceLog.corrupt, missing: deviceLog.missing, capacity: deviceLog.capacity },
    };
  }
}

/**
 * Each entry's calendar time as a service tool reads the log: the calendar time the last BOOT entry
 * carries (its detail, from the real-time clock) plus the device-clock time since it; null before
 * a BOOT that carries one.
 */
export function logCalendarTimes(entries: readonly LogEntry[]): (string | null)[] {
  let offsetMs: number | null = null;
  return entries.map((e) => {
    if (e.kind === 'restart' && e.code === 'BOOT') {
      const bootMs = e.detail === undefined ? NaN : Date.parse(e.detail);
      offsetMs = Number.isFinite(bootMs) ? bootMs - e.atMs : null;
    }
    return offsetMs === null ? null : new Date(e.atMs + offsetMs).toISOString();
  });
}

function roundedTimes(t: RemainingTimes): RemainingTimes {
  const r = (x: number | null): number | null => (x === null ? null : round(x, 2));
  return { reservoirRemainingMinutes: r(t.reservoirRemainingMinutes), batteryRemainingMinutes: r(t.batteryRemainingMinutes) };
}

function observed<T>(reading: T, see: (reading: T) => void): T {
  see(reading);
  return reading;
}

/** Convenience: build and run a scenario. */
export async function runScenario(options: RunOptions): Promise<RunSummary> {
  const sim = new Simulation(options);
  const summary = await sim.run(options.speed ?? 'max');
  options.telemetry?.complete();
  return summary;
}

export function runScenarioSync(options: Omit<RunOptions, 'speed'>): RunSummary {
  const sim = new Simulation(options);
  return sim.runToEnd();
}
