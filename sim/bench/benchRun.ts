/**
 * One run on the virtual bench: the device programmed for a bench rate, a balance under the
 * catheter tip from the start of the infusion, and what the bench does to the outlet meanwhile.
 *
 * Owns: the programme for each bench rate (the fill and infusion time that give it, with the seed
 * protocol's mixture concentrations), the bench operator (the ordinary nurse of one cycle, who
 * also tares the balance when the infusion starts), and the three procedures: balance readings
 * over a span, the outlet closed and released (time to alarm, bolus), and a back-pressure held at
 * the outlet.
 * Promises: each run is an ordinary seeded run of the simulator (same firmware, same plant);
 * the balance only reads the plant (readings are clock observers); the outlet is changed only
 * through the plant's conditions on the clock, as a scenario's faults are. Same arguments, same
 * result.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import { ALARM_RULE_BY_CODE, HAI_FUDR_LIBRARY, planInfusion } from '../../firmware/index.ts';
import type { DeviceProfile } from '../world/profile.ts';
import type { Operator, OperatorWorld } from '../world/operator.ts';
import { SingleCycleOperator } from '../world/operator.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { ScenarioError, parseScenario, prescriptionInput } from '../scenario/scenario.ts';
import { Simulation } from '../run/simulation.ts';
import type { BalanceParameters } from './balance.ts';
import { Balance, DEFAULT_BALANCE } from './balance.ts';
import type { BalanceReading } from './trumpet.ts';
import type { BenchRate } from './methods.ts';
import { INTERMEDIATE_PROGRAMME } from './methods.ts';

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** The seed protocol's rate on port-ambulatory, µL/h: the mixture's concentrations are the protocol's at every bench rate. */
const PROTOCOL_RATE_UL_PER_HOUR = 84.1;
/** The nurse programs, primes and starts within minutes, plus the prime's own time; a bench whose infusion has not started an hour after that cannot go on. */
const START_MARGIN_MS = MS_PER_HOUR;
/** Balance readings are rounded to this many decimals of a microlitre (the CSV files hold exactly these). */
const READING_DECIMALS = 6;

export interface BenchProgramme {
  readonly rate: BenchRate;
  readonly scenario: Scenario;
}

/**
 * The programme that runs `profile` at `rate` for at least `infusionHours` (or as long as its
 * largest fill lasts at that rate): the minimum rate rounded up into the range, the maximum
 * rounded down, the intermediate the seed protocol's programme — or, on a device whose range
 * does not hold that programme's rate, the geometric middle of the range, √(min·max).
 */
export function benchProgramme(profile: DeviceProfile, rate: BenchRate, seed: number, infusionHours: number): BenchProgramme {
  const c = profile.firmwareConfig;
  const base = { name: `bench ${profile.name} ${rate}`, seed, patient: { weightKg: 70, heightCm: 170 } };
  const range = c.rateRangeUlPerHour;
  if (rate === 'intermediate') {
    const fillMl = Math.min(INTERMEDIATE_PROGRAMME.fillMaxMl, c.reservoirFillRangeMl.max);
    const scenario = benchScenario(profile, rate, {
      ...base,
      prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: INTERMEDIATE_PROGRAMME.infusionDays, doseFactor: 1, reservoirVolumeMl: fillMl, confirmSoftLimits: true },
    });
    if (planInfusion(prescriptionInput(scenario), c, HAI_FUDR_LIBRARY).ok) return { rate, scenario };
    return fixedRateProgramme(profile, rate, Math.sqrt(range.min * range.max), base, infusionHours);
  }
  return fixedRateProgramme(profile, rate, rate === 'minimum' ? range.min : range.max, base, infusionHours);
}

function fixedRateProgramme(profile: DeviceProfile, rate: BenchRate, rateUlPerHour: number, base: { name: string; seed: number; patient: { weightKg: number; heightCm: number } }, infusionHours: number): BenchProgramme {
  const c = profile.firmwareConfig;
  const strokeUl = c.strokeVolumeNl / 1000;
  const primingUl = Math.ceil(c.primingVolumeUl / strokeUl - 1e-9) * strokeUl;
  const fillFor = (volumeUl: number): number => c.reservoirResidualUl + primingUl + volumeUl / (1 - c.reservoirReserveFraction);
  let durationMs = Math.round(infusionHours * MS_PER_HOUR);
  // Whole microlitres: rounded down at the maximum, up (one more) elsewhere, so the strokes stay within the range.
  let fillUl = rate === 'maximum' ? Math.floor(fillFor((rateUlPerHour * durationMs) / MS_PER_HOUR)) : Math.ceil(fillFor((rateUlPerHour * durationMs) / MS_PER_HOUR)) + 1;
  const strokesOf = (ul: number): number => Math.floor(((ul - c.reservoirResidualUl - primingUl) * (1 - c.reservoirReserveFraction)) / strokeUl + 1e-9);
  if (fillUl > c.reservoirFillRangeMl.max * 1000) {
    // The largest fill, over the time its strokes take at the rate (rounded up: never faster than the maximum).
    fillUl = Math.floor(c.reservoirFillRangeMl.max * 1000);
    durationMs = Math.ceil(((strokesOf(fillUl) * strokeUl) / rateUlPerHour) * MS_PER_HOUR) + 1;
  }
  if (fillUl < c.reservoirFillRangeMl.min * 1000) {
    // The smallest fill, over the time its strokes take at the rate (rounded down: never slower than the minimum).
    fillUl = Math.ceil(c.reservoirFillRangeMl.min * 1000);
    durationMs = Math.floor(((strokesOf(fillUl) * strokeUl) / rateUlPerHour) * MS_PER_HOUR);
  }
  const scale = rateUlPerHour / PROTOCOL_RATE_UL_PER_HOUR;
  const scenario = benchScenario(profile, rate, {
    ...base,
    prescription: {
      fudrMgPerKgPerDay: 0.15 * Math.min(1, scale),
      dexamethasoneMgPerM2PerDay: Math.min(1, scale),
      infusionDays: durationMs / MS_PER_DAY,
      doseFactor: 1,
      reservoirVolumeMl: fillUl / 1000,
      confirmSoftLimits: true,
    },
  });
  return programmable(profile, { rate, scenario });
}

/** The programme's scenario; a value the scenario format refuses is the bench failing to program the rate. */
function benchScenario(profile: DeviceProfile, rate: BenchRate, input: Parameters<typeof parseScenario>[0]): Scenario {
  try {
    return parseScenario(input, 'programme');
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    throw new ScenarioError(`device ${profile.name}: the bench cannot program its ${rate} rate: ${e.message.replace(/^programme: /, '')}`);
  }
}

/**
 * The programme, if the firmware's drug library accepts it on this device; otherwise a refusal
 * naming the device, the rate and each limit (a device file whose rates its own reservoir cannot
 * reach within the library's infusion days, say).
 */
function programmable(profile: DeviceProfile, programme: BenchProgramme): BenchProgramme {
  const plan = planInfusion(prescriptionInput(programme.scenario), profile.firmwareConfig, HAI_FUDR_LIBRARY);
  if (plan.ok) return programme;
  const hard = plan.findings.filter((f) => f.kind === 'hard').map((f) => f.message);
  throw new ScenarioError(`device ${profile.name}: the bench cannot program its ${programme.rate} rate: ${hard.join('; ')}`);
}

/** The nurse of one cycle, with a hook when the infusion starts running the first time. */
class BenchOperator implements Operator {
  private readonly nurse: SingleCycleOperator;
  private started = false;

  constructor(
    scenario: Scenario,
    private readonly onStart: (world: OperatorWorld, atMs: number) => void,
    private readonly onAlarmStop: (world: OperatorWorld, atMs: number) => void = () => {},
  ) {
    this.nurse = new SingleCycleOperator(prescriptionInput(scenario), scenario.prescription.confirmSoftLimits);
  }

  onMode(world: OperatorWorld, mode: string, atMs: number): void {
    this.nurse.onMode(world, mode, atMs);
    if (!this.started && mode === 'therapy.infusing.running') {
      this.started = true;
      this.onStart(world, atMs);
    }
    if (mode === 'alarmStopped') this.onAlarmStop(world, atMs);
  }
}

export interface BalanceRun {
  /** The programmed rate (the firmware's plan), µL/h. */
  readonly rateUlPerHour: number;
  /** How long the programmed infusion lasts, min. */
  readonly infusionMin: number;
  /** Readings every `everyMin` from the tare (t = 0, the start of the infusion) to the end of the span. */
  readonly readings: readonly BalanceReading[];
  /** Alarms raised after the start, with their time from it. */
  readonly alarms: readonly { readonly code: AlarmCode; readonly atS: number }[];
}

export interface BalanceRunOptions {
  readonly profile: DeviceProfile;
  readonly programme: BenchProgramme;
  readonly everyMin: number;
  /** Readings up to this long after the start (capped at the programmed infusion). */
  readonly spanMin: number;
  readonly balance?: BalanceParameters;
  /** Mean pressure held at the outlet from the start, mmHg (default: the patient's own artery). */
  readonly backPressureMmHg?: number;
  /** The device's temperature from the start of the infusion, °C (default: the profile's working temperature). */
  readonly deviceCelsius?: number;
}

const roundReading = (v: number): number => Number(v.toFixed(READING_DECIMALS));

function startedSimulation(profile: DeviceProfile, programme: BenchProgramme, onStart: (sim: Simulation, atMs: number) => void, onAlarmStop?: (sim: Simulation, atMs: number) => void): { sim: Simulation; startMs: () => number } {
  let startMs = -1;
  let sim: Simulation | null = null;
  const operator = new BenchOperator(
    programme.scenario,
    (_world, atMs) => {
      startMs = atMs;
      onStart(sim as Simulation, atMs);
    },
    onAlarmStop === undefined ? undefined : (_world, atMs) => onAlarmStop(sim as Simulation, atMs),
  );
  sim = new Simulation({ scenario: programme.scenario, profile, operator });
  const c = profile.firmwareConfig;
  const deadlineMs = START_MARGIN_MS + Math.ceil((c.primingVolumeUl / c.primeRateUlPerHour) * MS_PER_HOUR);
  sim.clock.runUntil(deadlineMs);
  if (startMs < 0) {
    const alarms = sim.log.entries.filter((e) => e.kind === 'alarm').map((e) => e.code);
    throw new Error(`bench ${programme.scenario.name}: the infusion did not start within ${Number((deadlineMs / MS_PER_HOUR).toFixed(3))} h (mode ${sim.firmware.modeName}${alarms.length > 0 ? `, alarms ${alarms.join(', ')}` : ''})`);
  }
  return { sim, startMs: () => startMs };
}

function alarmsAfter(sim: Simulation, startMs: number): { code: AlarmCode; atS: number }[] {
  return sim.log.entries.filter((e) => e.kind === 'alarm' && e.atMs >= startMs).map((e) => ({ code: e.code as AlarmCode, atS: (e.atMs - startMs) / 1000 }));
}

/** Runs the programme with the balance read every `everyMin` from the start of the infusion. */
export function runWithBalance(o: BalanceRunOptions): BalanceRun {
  const readings: BalanceReading[] = [];
  const everyMs = Math.round(o.everyMin * 60_000);
  let spanMs = 0;
  let infusionMs = 0;
  const { sim, startMs } = startedSimulation(o.profile, o.programme, (s, atMs) => {
    const plan = s.firmware.plan;
    infusionMs = plan === null ? 0 : plan.durationMs;
    spanMs = Math.min(Math.round(o.spanMin * 60_000), Math.floor(infusionMs / everyMs) * everyMs);
    const backPressureMmHg = o.backPressureMmHg;
    if (backPressureMmHg !== undefined) s.at(atMs, () => s.setConditions({ arterialOffsetMmHg: backPressureMmHg - s.baselineArterialMeanMmHg() }));
    const deviceCelsius = o.deviceCelsius;
    if (deviceCelsius !== undefined) s.at(atMs, () => s.setDeviceCelsius(deviceCelsius));
    const balance = new Balance(s.plant, atMs, o.balance ?? DEFAULT_BALANCE);
    readings.push({ timeS: 0, volumeUl: roundReading(balance.readUl(atMs)) });
    let taken = 0;
    const handle = s.clock.startObserving(everyMs, () => {
      taken++;
      readings.push({ timeS: (taken * everyMs) / 1000, volumeUl: roundReading(balance.readUl(s.clock.nowMs())) });
      if (taken * everyMs >= spanMs) s.clock.clearTimer(handle);
    });
  });
  // A nurse who gives up on an alarming pump ends the run; the balance goes on reading to the end of the span.
  while (sim.clock.nowMs() < startMs() + spanMs) sim.clock.runUntil(startMs() + spanMs);
  const plan = sim.firmware.plan;
  if (plan === null) throw new Error(`bench ${o.programme.scenario.name}: no plan`);
  return { rateUlPerHour: plan.rateUlPerHour, infusionMin: infusionMs / 60_000, readings, alarms: alarmsAfter(sim, startMs()) };
}

export interface OcclusionRun {
  readonly rateUlPerHour: number;
  /** From closing the outlet to the first high-priority alarm, s; null when none came within the observation. */
  readonly timeToAlarmS: number | null;
  readonly alarm: AlarmCode | null;
  /** Volume collected after the outlet was released (less what the drive pumped meanwhile), µL. */
  readonly bolusUl: number | null;
}

export interface OcclusionRunOptions {
  readonly profile: DeviceProfile;
  readonly programme: BenchProgramme;
  /** The outlet is closed this long after the start of the infusion, plus `strokePhase` of one stroke period (at most an hour). */
  readonly closeAfterMin: number;
  /** In [0, 1): where in the drive's stroke period the outlet closes. */
  readonly strokePhase: number;
  /** How long after closing the bench waits for the alarm. */
  readonly observeMin: number;
  /** How long the bolus is collected after the release. */
  readonly collectS: number;
  readonly balance?: BalanceParameters;
}

/**
 * The occlusion procedure: the outlet (the catheter tip) closed completely after stabilisation;
 * at the first high-priority alarm the outlet is released and what comes out is collected.
 */
export function runOcclusion(o: OcclusionRunOptions): OcclusionRun {
  let closedMs = -1;
  let alarmMs = -1;
  let alarm: AlarmCode | null = null;
  let bolusUl: number | null = null;
  let balance: Balance | null = null;
  const { sim, startMs } = startedSimulation(
    o.profile,
    o.programme,
    (s, atMs) => {
      balance = new Balance(s.plant, atMs, o.balance ?? DEFAULT_BALANCE);
      const rateUlPerHour = s.firmware.plan?.rateUlPerHour ?? 0;
      const strokePeriodMs = rateUlPerHour > 0 ? Math.min(MS_PER_HOUR, (s.profile.firmwareConfig.strokeVolumeNl / 1000 / rateUlPerHour) * MS_PER_HOUR) : 0;
      s.at(atMs + Math.round(o.closeAfterMin * 60_000 + o.strokePhase * strokePeriodMs), () => {
        closedMs = s.clock.nowMs();
        s.setConditions({ occlusion: { location: 'catheter', severity: 1 } });
      });
    },
    (s, atMs) => {
      if (closedMs < 0 || alarmMs >= 0) return;
      const high = s.log.entries.find((e) => e.kind === 'alarm' && e.atMs >= closedMs && ALARM_RULE_BY_CODE[e.code as AlarmCode]?.priority === 'high');
      if (high === undefined) return;
      alarmMs = high.atMs;
      alarm = high.code as AlarmCode;
      // Released as the alarm sounds; collected while the pump stands stopped.
      s.at(atMs, () => {
        s.setConditions({ occlusion: null });
        const b = balance as Balance;
        const releasedMs = s.clock.nowMs();
        const before = b.readUl(releasedMs);
        const pumpedBefore = s.plant.cumulativePumpedUl;
        s.at(releasedMs + Math.round(o.collectS * 1000), () => {
          bolusUl = b.readUl(s.clock.nowMs()) - before - (s.plant.cumulativePumpedUl - pumpedBefore);
          s.clock.stopRun();
        });
      });
    },
  );
  sim.clock.runUntil(startMs() + Math.round((o.closeAfterMin + o.observeMin) * 60_000) + MS_PER_HOUR + Math.round(o.collectS * 1000));
  const plan = sim.firmware.plan;
  const inTime = alarmMs >= 0 && alarmMs - closedMs <= o.observeMin * 60_000;
  return {
    rateUlPerHour: plan?.rateUlPerHour ?? 0,
    timeToAlarmS: inTime ? (alarmMs - closedMs) / 1000 : null,
    alarm: inTime ? alarm : null,
    bolusUl: inTime && bolusUl !== null ? Math.max(0, bolusUl) : null,
  };
}
