/**
 * A treatment course: cycles on a calendar, the clinician between them, the pump during them.
 *
 * Owns: turning a scenario with a `course` section into cycles — which are infused, held or
 * stopped, at which dose factor — running each infused cycle's pump, and the course summary.
 * Promises:
 * - The calendar is exact: cycle c starts on course day 1 + (c − 1)·cycleDays; each cycle's pump
 *   run starts at 00:00 of its day 1, so a time t into the run is course day
 *   startDay + ⌊t / 1 day⌋ (`calendar.ts`).
 * - Each infused cycle is one `Simulation` on its own virtual clock, booted from the NV store the
 *   previous cycle left, holding the reservoir the previous cycle left: the pump between cycles
 *   sits locked with its memory (the ambulatory pump is off the patient and switched off; its
 *   batteries and cassette are changed at the refill). Every control step of every pumped second
 *   runs at 1 Hz; days on which no pump is on are not simulated at all. The implanted pump stays
 *   on, locked, through its rest days, so those run at 1 Hz too.
 * - One device per course: the per-unit draws (stroke error, sensor offsets) come from the course
 *   seed; the patient's haemodynamics are drawn once per course; sensor and stroke noise are new
 *   each cycle (each cycle's run has its own seed, derived from the course seed and the cycle).
 * - The pump is reached only through the operator (`courseOperator.ts`) and its commands.
 * - The clinician (`clinician.ts`) decides between cycles, from forced events, the patient's
 *   draws (`adverseEvents: "stochastic"`) and what the pump logged; nothing clinical reaches the
 *   firmware except the next cycle's prescription.
 * - Scenario `faults` are placed in course time (`atHours` from course day 1 00:00) and handed to
 *   the cycle whose run covers them; faults on days without a pump run are not applied.
 *
 * Seam (catheter displacement): a displacement — forced, or drawn — is injected into the cycle's
 * run as the plant fault `displacement` (sim/world/faults.ts) from `atHours` for `correctionHours`, the
 * time until the radiological correction; the pump has to find it (CATHETER_DISPLACEMENT), the
 * nurse resumes once the tip is back, and the clinician records the correction at the visit.
 * `displacementFault` is the one place to change if the fault model changes.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import { ALARM_RULE_BY_CODE, HAI_FUDR_LIBRARY, bsaMostellerM2, planInfusion } from '../../firmware/index.ts';
import type { FaultSpec } from '../world/faults.ts';
import type { Composition } from '../world/plant/index.ts';
import type { DeviceProfile } from '../world/profile.ts';
import { SeededRandom, noiseKey, streamId, uniformFromKey } from '../world/rng.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { ScenarioError, deviceProfileOf, prescriptionInput } from '../scenario/scenario.ts';
import type { SimFlash } from '../world/devices/index.ts';
import { SIMULATED_SERIAL, Simulation, provisionedFlash } from '../run/simulation.ts';
import type { Telemetry } from '../run/telemetry.ts';
import { Programmer, pairedUnit } from '../world/programmer.ts';
import { DISPLACEMENT_CORRECTION_HOURS, PatientDraws } from './adverseEvents.ts';
import type { CalendarDay, DayKind, SurgicalPause, XeloxCycle } from './calendar.ts';
import { DAY_KINDS, MS_PER_DAY, chemotherapyStopCycleDay, courseCalendar, dayOf, lockCycleDay, xeloxForCycle } from './calendar.ts';
import type { AllocatedDisease } from './clinicalPath.ts';
import { DiseaseDraws, maintenanceRelockDays } from './clinicalPath.ts';
import type { ClinicalEvent, ClinicianState, CycleStatus, Decision } from './clinician.ts';
import { assessVisit, cycleStatus, initialClinicianState, occurrenceKey } from './clinician.ts';
import type { MismatchResponse } from './courseOperator.ts';
import { CourseCycleOperator } from './courseOperator.ts';
import type { RefillOutcome } from './refill.ts';
import type { RuleTable } from './rules.ts';
import { ctcaeV3AltAstGrade, loadRuleTable, matchRule } from './rules.ts';
import type { AdverseEventsMode, ClinicalEventInput, Course, RefillFault } from '../scenario/course.ts';
import { courseSchema } from '../scenario/course.ts';

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export interface CycleAlarm {
  readonly code: AlarmCode;
  readonly priority: string;
  /** Seconds after 00:00 of the cycle's day 1. */
  readonly atSeconds: number;
  readonly day: number;
}

export interface CycleEvent {
  readonly kind: string;
  readonly grade?: number;
  readonly code?: string;
  readonly origin: ClinicalEvent['origin'];
  readonly day: number;
  readonly occurrence: number;
  readonly procedure: string | null;
  readonly action: Decision['action'];
  readonly resumeDay: number | null;
  readonly doseFactorAfter: number;
  readonly stopReason: string | null;
  /** Index of the rule-table row applied (null: none matched). */
  readonly ruleRow: number | null;
}

/** The pump's side of an infused cycle. */
export interface CyclePump {
  readonly seed: number;
  readonly controlSteps: number;
  readonly simulatedSeconds: number;
  readonly wallMs: number;
  readonly finalState: string;
  /** Seconds after 00:00 of day 1 (null: did not happen). */
  readonly primeStartSeconds: number | null;
  readonly infusionStartSeconds: number | null;
  readonly infusionCompleteSeconds: number | null;
  readonly lockDoneSeconds: number | null;
  readonly offSeconds: number | null;
  readonly refill: RefillOutcome | null;
  /** A refill mismatch the nurse acted on: seconds after day 1 00:00 of the alarm, the stop and the restart. */
  readonly refillMismatch: {
    readonly alarmSeconds: number;
    readonly stopSeconds: number;
    readonly alarmToActionSeconds: number;
    readonly aspiratedMl: number;
    readonly resumedSeconds: number | null;
  } | null;
  readonly refused: string | null;
  readonly faults: readonly FaultSpec[];
  /** Strokes the plant made after the lock was done (must be 0: the pump sits locked). */
  readonly strokesAfterLock: number;
  readonly firmwareBelief: { readonly fudrMg: number; readonly dexamethasoneMg: number };
}

export interface CycleRecord {
  readonly cycle: number;
  readonly startDay: number;
  readonly status: CycleStatus;
  /** Before any operation (`initial`) or after it (`postoperative`). */
  readonly phase: 'initial' | 'postoperative';
  /** Days from the catheter's last flush (heparin lock, re-lock, implantation on day 0) to day 1. */
  readonly daysSinceFlush: number;
  /** The catheter occluded in the locked stretch before this cycle (injected as the plant fault `occlusion`). */
  readonly catheterThrombosis: boolean;
  /** In force for this cycle (FUDR and dexamethasone alike). */
  readonly doseFactor: number;
  /** Plant truth at the catheter outlet into the hepatic artery (0 when not infused). */
  readonly fudrMg: number;
  readonly dexamethasoneMg: number;
  readonly heparinUnits: number;
  readonly extrahepaticFudrMg: number;
  /** The programme (after doseFactor); 0 when not infused. */
  readonly fudrMgPlanned: number;
  readonly dexamethasoneMgPlanned: number;
  readonly infusionCompleted: boolean;
  readonly heparinLock: boolean;
  readonly alarms: readonly CycleAlarm[];
  /** The visit at the end of the cycle's infusion, and what the clinician did. */
  readonly events: readonly CycleEvent[];
  /** Drug that reached the pocket around the port or pump (a pocket fill, a dislodged needle), plant truth. */
  readonly delivered: { readonly pocketFudrMg: number };
  readonly xelox: XeloxCycle;
  readonly pump: CyclePump | null;
}

/** A refill mismatch and what was done about it. */
export interface RefillMismatchRecord {
  readonly cycle: number;
  readonly day: number;
  readonly fault: RefillOutcome['fault'];
  readonly pocketFudrMg: number;
  /** From the RESERVOIR_MISMATCH alarm to the nurse's stop. */
  readonly alarmToActionSeconds: number | null;
  readonly aspiratedMl: number | null;
  readonly resumed: boolean;
  /** The clinician's decision at the visit (the rule table's row for deviceAlarm RESERVOIR_MISMATCH). */
  readonly procedure: string | null;
  readonly action: Decision['action'] | null;
}

/** The operation and what follows it. */
export interface ResectionRecord {
  readonly origin: 'forced' | 'stochastic';
  /** The last cycle before the operation, and so the number of cycles of treatment before it. */
  readonly cyclesBeforeResection: number;
  /** The visit at which the MDT found the disease resectable and the rule table said resect. */
  readonly decidedDay: number;
  /** The last day of chemotherapy (the end of HAI or the last capecitabine day, whichever is later). */
  readonly chemotherapyStopDay: number;
  readonly surgeryDay: number;
  readonly daysFromStopToSurgery: number;
  readonly recoveryDays: number;
  /** What was planned after the operation (the seed: 34/38 XELOX + HAI, 3 XELOX alone, 1 none). */
  readonly postoperative: 'xeloxHai' | 'xelox' | 'none';
  /** Postoperative HAI is given: planned XELOX + HAI and HAI not stopped before the operation. */
  readonly postoperativeHai: boolean;
  readonly postoperativeHaiCyclesPlanned: number;
  /** Day 1 of the first postoperative cycle (null: no postoperative HAI; the course ends after recovery). */
  readonly postoperativeStartDay: number | null;
}

export interface CourseSummary {
  /** The course limit: cycles on the calendar at most. */
  readonly cyclesPlanned: number;
  /** Cycles on the calendar (fewer than planned when the path ends the course). */
  readonly cyclesOnCalendar: number;
  readonly cyclesInfused: number;
  readonly cyclesHeld: number;
  readonly stoppedReason: string | null;
  readonly stoppedDay: number | null;
  readonly cycleDays: number;
  readonly infusionDays: number;
  readonly rules: string;
  readonly adverseEvents: AdverseEventsMode;
  readonly finalDoseFactor: number;
  readonly fudrMgTotal: number;
  readonly dexamethasoneMgTotal: number;
  readonly calendar: { readonly days: number } & Readonly<Record<DayKind, number>>;
  /** HAI cycles infused before and after the operation. */
  readonly haiCycles: { readonly initial: number; readonly postoperative: number; readonly total: number };
  /** Null: no operation. */
  readonly resection: ResectionRecord | null;
  /** Course days on which port and catheter were flushed and re-locked (maintenance, no infusion). */
  readonly relockDays: readonly number[];
  readonly relockIntervalDays: number;
  readonly refillMismatches: readonly RefillMismatchRecord[];
  readonly cycles: readonly CycleRecord[];
}

export interface CourseRunSummary {
  readonly scenario: string;
  readonly seed: number;
  readonly profile: string;
  readonly mode: 'course';
  readonly simulatedDays: number;
  readonly wallMs: number;
  readonly controlSteps: number;
  readonly patient: { readonly weightKg: number; readonly bsaM2: number; readonly meanArterialPressureMmHg: number; readonly heartRateBpm: number };
  readonly delivered: { readonly fudrMg: number; readonly dexamethasoneMg: number; readonly heparinUnits: number; readonly extrahepaticFudrMg: number; readonly pocketFudrMg: number };
  readonly alarms: readonly (CycleAlarm & { readonly cycle: number })[];
  readonly course: CourseSummary;
}

/** What one infused cycle asks of the pump. */
export interface CycleRequest {
  readonly cycle: number;
  readonly startDay: number;
  readonly doseFactor: number;
  readonly faults: readonly FaultSpec[];
  readonly refillFault: RefillFault | null;
  /** What the rule table says about a refill mismatch, should the pump find one. */
  readonly mismatchResponse: MismatchResponse;
}

export interface CycleResult {
  readonly fudrMg: number;
  readonly dexamethasoneMg: number;
  readonly heparinUnits: number;
  readonly extrahepaticFudrMg: number;
  readonly pocketFudrMg: number;
  readonly fudrMgPlanned: number;
  readonly dexamethasoneMgPlanned: number;
  readonly infusionCompleted: boolean;
  readonly heparinLock: boolean;
  readonly alarms: readonly CycleAlarm[];
  /** The stopping alarm under way when the infusion was abandoned (null: completed, or no alarm). */
  readonly abandonedOn: AlarmCode | null;
  readonly pump: CyclePump | null;
}

/** Runs (or stands in for) the pump for one infused cycle. */
export interface CycleExecutor {
  run(request: CycleRequest): CycleResult;
}

export interface CourseOptions {
  readonly scenario: Scenario;
  readonly seed?: number;
  /** Default: `scenario.course.rules`, else the default table. */
  readonly rules?: RuleTable;
  readonly adverseEvents?: AdverseEventsMode;
  /** Who converts and what follows the operation, as a cohort allocates it (default: drawn). */
  readonly disease?: AllocatedDisease;
  /** Overrides `course.cycles`, the course limit. */
  readonly cycles?: number;
  /**
   * `pump` (default): every infused cycle runs the firmware against the plant at 1 Hz.
   * `nominal`: no pump; each infused cycle delivers exactly its programme (calendar and clinician
   * only, for fast statistics such as the adverse-event calibration).
   */
  readonly executor?: 'pump' | 'nominal';
  readonly onCycle?: (record: CycleRecord) => void;
  /** Telemetry for each infused cycle's pump run (samples, log), asked for as the cycle starts. */
  readonly telemetry?: (cycle: number) => Telemetry | undefined;
}

/** Seed of cycle c's run, from the course seed (counter-based, rng.ts). */
export function cycleSeed(seed: number, cycle: number): number {
  return Math.floor(uniformFromKey(noiseKey(seed, streamId('course.cycle')), cycle) * 4294967296) >>> 0;
}

/** The catheter displacement of a cycle as the plant fault that models it (see the seam above). */
export function displacementFault(atHours: number, correctionHours: number, to: 'tissue' | 'extrahepatic'): FaultSpec {
  return { kind: 'displacement', atHours, durationMinutes: correctionHours * 60, to, extrahepaticFraction: 1 };
}

/**
 * The nurse's response to a refill mismatch, from the rule table's row for deviceAlarm
 * RESERVOIR_MISMATCH at the occurrence it would be: `continue` resumes after `observeHours`
 * (the cycle's infusion goes on from a correct refill); `hold` or `stop` ends the cycle's infusion.
 * No row: resume at once.
 */
export function mismatchResponse(table: RuleTable, state: ClinicianState): MismatchResponse {
  const occurrence = (state.counts[occurrenceKey({ kind: 'deviceAlarm', code: 'RESERVOIR_MISMATCH' })] ?? 0) + 1;
  const row = state.stopped === null ? matchRule(table, { event: 'deviceAlarm', code: 'RESERVOIR_MISMATCH', occurrence }) : null;
  if (row === null) return { resume: state.stopped === null, observeMs: 0 };
  return { resume: row.action === 'continue', observeMs: (row.observeHours ?? 0) * 3_600_000 };
}

/** A catheter occluded by thrombus while locked: complete, from the cycle's start, not clearing. */
export function thrombosisFault(): FaultSpec {
  return { kind: 'occlusion', atHours: 0, location: 'catheter', severity: 1 };
}

function courseOf(scenario: Scenario): Course {
  return scenario.course ?? courseSchema.parse({});
}


export function bsaOf(scenario: Scenario): number {
  const p = scenario.patient;
  return p.bsaM2 ?? bsaMostellerM2(p.heightCm as number, p.weightKg);
}

/** The patient's haemodynamics for the whole course: the scenario's, else drawn once from the course seed. */
function patientArtery(scenario: Scenario, seed: number, profile: DeviceProfile): { meanArterialPressureMmHg: number; heartRateBpm: number } {
  const draws = new SeededRandom(seed, streamId('course.patient'));
  const a = profile.artery;
  const mean = draws.uniform(a.meanRangeMmHg[0], a.meanRangeMmHg[1]);
  const rate = draws.uniform(a.heartRateRangeBpm[0], a.heartRateRangeBpm[1]);
  return {
    meanArterialPressureMmHg: scenario.patient.meanArterialPressureMmHg ?? round(mean, 2),
    heartRateBpm: scenario.patient.heartRateBpm ?? round(rate, 2),
  };
}

/** Cycles run by the firmware against the plant, one `Simulation` per infused cycle. */
export class PumpCycleExecutor implements CycleExecutor {
  private readonly nv: SimFlash = provisionedFlash();
  /** The unit's clinician programmer: one for the whole course, so its counter runs on across cycles. */
  private readonly programmer: Programmer;
  /** What the reservoir held when the last cycle's run ended: the pump keeps it until the next refill. */
  private leftover: { volumeUl: number; composition: Composition } | null = null;
  private readonly cycleMs: number;

  constructor(
    private readonly scenario: Scenario,
    private readonly seed: number,
    private readonly artery: { meanArterialPressureMmHg: number; heartRateBpm: number },
    cycleDays: number,
    private readonly telemetry?: (cycle: number) => Telemetry | undefined,
  ) {
    this.cycleMs = cycleDays * MS_PER_DAY;
    this.programmer = new Programmer(pairedUnit(seed, SIMULATED_SERIAL));
  }

  run(request: CycleRequest): CycleResult {
    const base = this.scenario;
    const scenario: Scenario = {
      ...base,
      name: `${base.name} cycle ${request.cycle}`,
      // The pump's real-time clock runs on through the course: the cycle starts on its course day.
      startDate: new Date(Date.parse(base.startDate) + (request.startDay - 1) * MS_PER_DAY).toISOString(),
      patient: { ...base.patient, ...this.artery },
      prescription: { ...base.prescription, doseFactor: request.doseFactor },
      faults: [...request.faults],
      course: undefined,
      clinicalEvents: [],
      adverseEvents: 'none',
    };
    const operator = new CourseCycleOperator({
      prescription: prescriptionInput(scenario),
      confirmSoftLimits: scenario.prescription.confirmSoftLimits,
      leftover: this.leftover,
      refillFault: request.refillFault,
      cycleMs: this.cycleMs,
      mismatchResponse: request.mismatchResponse,
    });
    const seed = cycleSeed(this.seed, request.cycle);
    const telemetry = this.telemetry?.(request.cycle);
    const sim = new Simulation({ scenario, seed, deviceSeed: this.seed, nv: this.nv, programmer: this.programmer, operator, horizonMs: this.cycleMs, ...(telemetry !== undefined ? { telemetry } : {}) });
    const summary = sim.runToEnd();
    telemetry?.complete();
    if (operator.refused !== null) {
      throw new ScenarioError(
        `cycle ${request.cycle}: the pump refused the programme at dose factor ${request.doseFactor}: ${operator.refused}` +
          (operator.refused.includes('soft limit') ? ' (set prescription.confirmSoftLimits to true to confirm it)' : ''),
      );
    }
    const left = sim.plant.remaining().reservoir;
    this.leftover =
      left.volumeUl > 0
        ? { volumeUl: left.volumeUl, composition: { fudrMgPerUl: left.fudrMg / left.volumeUl, dexamethasoneMgPerUl: left.dexamethasoneMg / left.volumeUl, heparinUnitsPerUl: left.heparinUnits / left.volumeUl } }
        : null;
    const t = operator.times;
    const seconds = (ms: number): number | null => (ms < 0 ? null : ms / 1000);
    const alarms: CycleAlarm[] = summary.alarms.map((a) => ({ code: a.code, priority: a.priority, atSeconds: a.atSeconds, day: dayOf(request.startDay, a.atSeconds * 1000) }));
    const abandonedOn = t.abandonedMs < 0 ? null : (lastStoppingAlarmBefore(summary.alarms, t.abandonedMs / 1000) ?? null);
    const plan = summary.prescription;
    const mismatchAlarm = summary.alarms.find((a) => a.code === 'RESERVOIR_MISMATCH');
    const m = operator.mismatch;
    return {
      pocketFudrMg: sim.plant.toPocket.fudrMg,
      fudrMg: summary.delivered.fudrMg,
      dexamethasoneMg: summary.delivered.dexamethasoneMg,
      heparinUnits: summary.delivered.heparinUnits,
      extrahepaticFudrMg: summary.delivered.extrahepaticFudrMg,
      fudrMgPlanned: plan?.fudrMgTotal ?? 0,
      dexamethasoneMgPlanned: plan?.dexamethasoneMgTotal ?? 0,
      infusionCompleted: t.infusionCompleteMs >= 0,
      heparinLock: t.lockDoneMs >= 0,
      alarms,
      abandonedOn,
      pump: {
        seed,
        controlSteps: summary.controlSteps,
        simulatedSeconds: summary.simulatedSeconds,
        wallMs: summary.wallMs,
        finalState: summary.finalState,
        primeStartSeconds: seconds(t.primeMs),
        infusionStartSeconds: seconds(t.infusionStartMs),
        infusionCompleteSeconds: seconds(t.infusionCompleteMs),
        lockDoneSeconds: seconds(t.lockDoneMs),
        offSeconds: seconds(t.offMs),
        refill: operator.refill,
        refillMismatch:
          m === null || mismatchAlarm === undefined
            ? null
            : { alarmSeconds: mismatchAlarm.atSeconds, stopSeconds: m.stopMs / 1000, alarmToActionSeconds: round(m.stopMs / 1000 - mismatchAlarm.atSeconds, 3), aspiratedMl: round(m.aspiratedMl), resumedSeconds: m.resumedMs < 0 ? null : m.resumedMs / 1000 },
        refused: operator.refused,
        faults: request.faults,
        strokesAfterLock: operator.strokesAtLock < 0 ? 0 : sim.plant.strokesDelivered - operator.strokesAtLock,
        firmwareBelief: { fudrMg: summary.firmwareBelief.fudrMg, dexamethasoneMg: summary.firmwareBelief.dexamethasoneMg },
      },
    };
  }
}

function lastStoppingAlarmBefore(alarms: readonly { code: AlarmCode; atSeconds: number }[], atSeconds: number): AlarmCode | undefined {
  let found: AlarmCode | undefined;
  for (const a of alarms) if (a.atSeconds <= atSeconds && ALARM_RULE_BY_CODE[a.code]?.driveAction !== 'continue') found = a.code;
  return found;
}

/** No pump: each infused cycle delivers exactly its programme (for statistics over many patients). */
export class NominalCycleExecutor implements CycleExecutor {
  constructor(
    private readonly scenario: Scenario,
    private readonly profile: DeviceProfile,
  ) {}

  run(request: CycleRequest): CycleResult {
    const rx = { ...prescriptionInput(this.scenario), doseFactor: request.doseFactor };
    const planned = planInfusion(rx, this.profile.firmwareConfig, HAI_FUDR_LIBRARY);
    const fudr = planned.ok ? planned.plan.fudrMgTotal : 0;
    const dex = planned.ok ? planned.plan.dexamethasoneMgTotal : 0;
    return {
      fudrMg: fudr, dexamethasoneMg: dex, heparinUnits: planned.ok ? planned.plan.heparinUnitsTotal : 0, extrahepaticFudrMg: 0, pocketFudrMg: 0,
      fudrMgPlanned: fudr, dexamethasoneMgPlanned: dex,
      infusionCompleted: planned.ok, heparinLock: planned.ok, alarms: [], abandonedOn: null, pump: null,
    };
  }
}

/** Scenario faults in course time, shifted into the run of the cycle that covers them. */
function faultsForCycle(faults: readonly FaultSpec[], startDay: number, cycleDays: number): FaultSpec[] {
  const fromHours = (startDay - 1) * 24;
  const toHours = fromHours + cycleDays * 24;
  return faults.filter((f) => f.atHours >= fromHours && f.atHours < toHours).map((f) => ({ ...f, atHours: f.atHours - fromHours }));
}

/** A forced event the visit assesses (`resectable` and `catheterThrombosis` act on the path and the plant instead). */
type VisitEventInput = Exclude<ClinicalEventInput, { kind: 'resectable' | 'catheterThrombosis' }>;

function isVisitEvent(e: ClinicalEventInput): e is VisitEventInput {
  return e.kind !== 'resectable' && e.kind !== 'catheterThrombosis';
}

function toClinical(e: VisitEventInput): ClinicalEvent {
  switch (e.kind) {
    case 'hepatotoxicity':
      return { kind: 'hepatotoxicity', grade: e.grade ?? ctcaeV3AltAstGrade(e.altAstTimesUln ?? 0), origin: 'forced' };
    case 'epigastricPain':
      return { kind: 'epigastricPain', grade: e.grade, origin: 'forced' };
    default:
      return { kind: e.kind, origin: 'forced' };
  }
}

/** A resectable finding at a visit, and what the operation that may follow looks like. */
interface ResectableFinding {
  readonly origin: 'forced' | 'stochastic';
  readonly daysFromStopToSurgery: number;
  readonly postoperative: ResectionRecord['postoperative'];
  readonly postoperativeHaiCycles: number;
}

/** Runs a whole course. Throws `ScenarioError` for an unusable rule table or prescription. */
export function runCourse(options: CourseOptions): CourseRunSummary {
  const scenario = options.scenario;
  const course = courseOf(scenario);
  const seed = options.seed ?? scenario.seed;
  const table = options.rules ?? loadRuleTable(course.rules);
  const mode = options.adverseEvents ?? scenario.adverseEvents;
  const cyclesPlanned = options.cycles ?? course.cycles;
  const profile = deviceProfileOf(scenario);
  const bsaM2 = bsaOf(scenario);
  const infusionDays = scenario.prescription.infusionDays;
  const cycleDays = course.cycleDays;
  const artery = patientArtery(scenario, seed, profile);
  const executor: CycleExecutor = options.executor === 'nominal' ? new NominalCycleExecutor(scenario, profile) : new PumpCycleExecutor(scenario, seed, artery, cycleDays, options.telemetry);
  const draws = new PatientDraws(seed);
  const disease = new DiseaseDraws(seed);
  // The patient's disease (stochastic mode): the cycle after which it is resectable, else null.
  const conversionCycle = mode === 'stochastic' ? disease.conversionCycle(options.disease?.resectable) : null;
  const visitCycleDay = lockCycleDay(infusionDays);
  const infusionHours = infusionDays * 24;
  const xelox = xeloxForCycle(bsaM2, cycleDays);
  const thrombosisRisk = course.catheterThrombosis.riskAt28Days;

  let state: ClinicianState = initialClinicianState(scenario.prescription.doseFactor);
  let infusedIndex = 0;
  let postoperativeInfused = 0;
  let startDay = 1;
  // The catheter is implanted and heparin-locked the day before HAI day 1 (the seed).
  let lastFlushDay = 0;
  let progressed = false;
  let resectable: ResectableFinding | null = null;
  let resection: ResectionRecord | null = null;
  let pause: SurgicalPause | null = null;
  let endDay: number | null = null;
  const relockDays: number[] = [];
  const relockUntil = (day: number): void => {
    const due = maintenanceRelockDays(lastFlushDay, day, course.relockIntervalDays);
    relockDays.push(...due);
    if (due.length > 0) lastFlushDay = due[due.length - 1] as number;
  };
  const records: CycleRecord[] = [];
  for (let cycle = 1; cycle <= cyclesPlanned; cycle++) {
    relockUntil(startDay);
    const phase: CycleRecord['phase'] = resection === null ? 'initial' : 'postoperative';
    const status = cycleStatus(state, startDay);
    const doseFactor = state.doseFactor;
    const forced = scenario.clinicalEvents.filter((e) => e.cycle === cycle);
    const events: ClinicalEvent[] = [];
    const daysSinceFlush = startDay - lastFlushDay;
    let thrombosed = false;
    let result: CycleResult | null = null;
    if (status === 'infused') {
      infusedIndex++;
      if (phase === 'postoperative') postoperativeInfused++;
      const faults = faultsForCycle(scenario.faults, startDay, cycleDays);
      // A catheter that occluded while locked: blocked from the start, for the prime and the start to find.
      thrombosed = forced.some((e) => e.kind === 'catheterThrombosis') || disease.thrombosis(cycle, daysSinceFlush, thrombosisRisk);
      if (thrombosed) faults.push(thrombosisFault());
      let displaced = false;
      for (const e of forced) {
        if (e.kind !== 'catheterDisplacement') continue;
        faults.push(displacementFault(e.atHours, e.correctionHours, e.to));
        displaced = true;
      }
      const drawn = mode === 'stochastic' ? draws.displacement(cycle, infusionHours) : null;
      if (drawn !== null) {
        faults.push(displacementFault(drawn.atHours, DISPLACEMENT_CORRECTION_HOURS, 'tissue'));
        events.push({ kind: 'catheterDisplacement', origin: 'stochastic' });
        displaced = true;
      }
      const refillFault = course.refillFaults.find((f) => f.cycle === cycle) ?? null;
      result = executor.run({ cycle, startDay, doseFactor, faults, refillFault, mismatchResponse: mismatchResponse(table, state) });
      if (result.heparinLock) lastFlushDay = startDay + visitCycleDay - 1;
      if (mode === 'stochastic') {
        const extrahepaticFraction = result.fudrMgPlanned > 0 ? result.extrahepaticFudrMg / result.fudrMgPlanned : 0;
        for (const d of draws.afterInfusion(cycle, infusedIndex, extrahepaticFraction, state.reducedAfterUlcer)) {
          events.push({ kind: d.kind, ...(d.grade !== undefined ? { grade: d.grade } : {}), origin: 'stochastic' });
        }
      }
      // A thrombosed catheter the pump alarmed on: the angiography that follows shows the occlusion.
      const thrombosisFound = thrombosed && result.alarms.some((a) => ALARM_RULE_BY_CODE[a.code]?.driveAction !== 'continue');
      if (thrombosisFound) events.push({ kind: 'catheterOcclusion', origin: forced.some((e) => e.kind === 'catheterThrombosis') ? 'forced' : 'stochastic' });
      else if (!displaced && result.alarms.some((a) => a.code === 'CATHETER_DISPLACEMENT')) events.push({ kind: 'deviceAlarm', code: 'CATHETER_DISPLACEMENT', origin: 'pump' });
      // A refill mismatch is always the clinician's (the nurse stopped the infusion for it).
      if (result.alarms.some((a) => a.code === 'RESERVOIR_MISMATCH')) events.push({ kind: 'deviceAlarm', code: 'RESERVOIR_MISMATCH', origin: 'pump' });
      if (!thrombosisFound && !result.infusionCompleted && result.abandonedOn !== null && !(displaced && result.abandonedOn === 'CATHETER_DISPLACEMENT')) {
        if (!events.some((e) => e.kind === 'deviceAlarm' && e.code === result?.abandonedOn)) events.push({ kind: 'deviceAlarm', code: result.abandonedOn, origin: 'pump' });
      }
    }
    events.push(...forced.filter(isVisitEvent).map(toClinical));
    // The restaging after each cycle before an operation: resectable (forced, or the patient's
    // disease converting), or, for disease that never converts, hepatic progression.
    if (phase === 'initial') {
      const forcedResectable = forced.find((e) => e.kind === 'resectable');
      if (resectable === null && forcedResectable !== undefined) {
        resectable = { origin: 'forced', daysFromStopToSurgery: forcedResectable.daysFromStopToSurgery, postoperative: forcedResectable.postoperative, postoperativeHaiCycles: forcedResectable.postoperativeHaiCycles };
      }
      if (resectable === null && conversionCycle !== null && cycle >= conversionCycle) {
        resectable = { origin: 'stochastic', daysFromStopToSurgery: disease.daysFromStopToSurgery(), postoperative: options.disease?.postoperative ?? disease.postoperative(), postoperativeHaiCycles: disease.postoperativeHaiCycles() };
      }
      if (resectable !== null) events.push({ kind: 'resectable', origin: resectable.origin });
      if (mode === 'stochastic' && conversionCycle === null && !progressed && disease.progression(cycle)) {
        progressed = true;
        events.push({ kind: 'hepaticProgression', origin: 'stochastic' });
      }
    }
    const visitDay = startDay + visitCycleDay - 1;
    const before = state;
    const visit = assessVisit(before, table, events, visitDay);
    state = visit.state;
    const record: CycleRecord = {
      cycle,
      startDay,
      status,
      phase,
      daysSinceFlush,
      catheterThrombosis: thrombosed,
      doseFactor,
      fudrMg: round(result?.fudrMg ?? 0),
      dexamethasoneMg: round(result?.dexamethasoneMg ?? 0),
      heparinUnits: round(result?.heparinUnits ?? 0, 2),
      extrahepaticFudrMg: round(result?.extrahepaticFudrMg ?? 0),
      fudrMgPlanned: round(result?.fudrMgPlanned ?? 0),
      dexamethasoneMgPlanned: round(result?.dexamethasoneMgPlanned ?? 0),
      infusionCompleted: result?.infusionCompleted ?? false,
      heparinLock: result?.heparinLock ?? false,
      alarms: result?.alarms ?? [],
      delivered: { pocketFudrMg: round(result?.pocketFudrMg ?? 0) },
      events: visit.decisions.map((d) => ({
        kind: d.event.kind,
        ...(d.event.grade !== undefined ? { grade: d.event.grade } : {}),
        ...(d.event.code !== undefined ? { code: d.event.code } : {}),
        origin: d.event.origin,
        day: d.day,
        occurrence: d.occurrence,
        procedure: d.procedure,
        action: d.action,
        resumeDay: d.resumeDay,
        doseFactorAfter: d.doseFactorAfter,
        stopReason: d.stopReason,
        ruleRow: d.rule === null ? null : table.rows.indexOf(d.rule),
      })),
      xelox,
      pump: result?.pump ?? null,
    };
    records.push(record);
    options.onCycle?.(record);
    startDay += cycleDays;
    if (resection === null && resectable !== null && visit.decisions.some((d) => d.action === 'resect')) {
      // Chemotherapy stops with this cycle; the operation at least 3 weeks later, after the cycle's end.
      const chemotherapyStopDay = startDay - cycleDays - 1 + chemotherapyStopCycleDay(status === 'infused', infusionDays, cycleDays);
      const surgeryDay = Math.max(chemotherapyStopDay + resectable.daysFromStopToSurgery, startDay);
      const postoperativeHai = resectable.postoperative === 'xeloxHai' && state.stopped === null;
      const next = surgeryDay + course.recoveryDays;
      resection = {
        origin: resectable.origin,
        cyclesBeforeResection: cycle,
        decidedDay: visitDay,
        chemotherapyStopDay,
        surgeryDay,
        daysFromStopToSurgery: surgeryDay - chemotherapyStopDay,
        recoveryDays: course.recoveryDays,
        postoperative: resectable.postoperative,
        postoperativeHai,
        postoperativeHaiCyclesPlanned: postoperativeHai ? resectable.postoperativeHaiCycles : 0,
        postoperativeStartDay: postoperativeHai ? next : null,
      };
      pause = { afterCycle: cycle, surgeryDay, endDay: next };
      startDay = next;
      if (!postoperativeHai) {
        endDay = next - 1;
        break;
      }
    }
    if (resection !== null && phase === 'postoperative' && postoperativeInfused >= resection.postoperativeHaiCyclesPlanned) break;
  }
  relockUntil((endDay ?? startDay - 1) + 1);

  const days = courseCalendar(records, cycleDays, infusionDays, bsaM2, pause, relockDays);
  const count = (kind: DayKind): number => days.filter((d) => d.kind === kind).length;
  const sum = (f: (r: CycleRecord) => number): number => records.reduce((s, r) => s + f(r), 0);
  const infused = (phase: CycleRecord['phase']): number => records.filter((r) => r.status === 'infused' && r.phase === phase).length;
  const summary: CourseSummary = {
    cyclesPlanned,
    cyclesOnCalendar: records.length,
    cyclesInfused: records.filter((r) => r.status === 'infused').length,
    cyclesHeld: records.filter((r) => r.status === 'held').length,
    stoppedReason: state.stopped?.reason ?? null,
    stoppedDay: state.stopped?.day ?? null,
    cycleDays,
    infusionDays,
    rules: table.name,
    adverseEvents: mode,
    finalDoseFactor: state.doseFactor,
    fudrMgTotal: round(sum((r) => r.fudrMg)),
    dexamethasoneMgTotal: round(sum((r) => r.dexamethasoneMg)),
    calendar: { days: days.length, ...(Object.fromEntries(DAY_KINDS.map((k) => [k, count(k)])) as Record<DayKind, number>) },
    haiCycles: { initial: infused('initial'), postoperative: infused('postoperative'), total: infused('initial') + infused('postoperative') },
    resection,
    relockDays: relockDays.filter((d) => d <= days.length),
    relockIntervalDays: course.relockIntervalDays,
    refillMismatches: records.flatMap((r): RefillMismatchRecord[] => {
      const alarm = r.alarms.find((a) => a.code === 'RESERVOIR_MISMATCH');
      if (alarm === undefined) return [];
      const m = r.pump?.refillMismatch ?? null;
      const decision = r.events.find((e) => e.kind === 'deviceAlarm' && e.code === 'RESERVOIR_MISMATCH');
      return [{
        cycle: r.cycle,
        day: alarm.day,
        fault: r.pump?.refill?.fault ?? null,
        pocketFudrMg: r.delivered.pocketFudrMg,
        alarmToActionSeconds: m?.alarmToActionSeconds ?? null,
        aspiratedMl: m?.aspiratedMl ?? null,
        resumed: m?.resumedSeconds !== null && m?.resumedSeconds !== undefined,
        procedure: decision?.procedure ?? null,
        action: decision?.action ?? null,
      }];
    }),
    cycles: records,
  };
  return {
    scenario: scenario.name,
    seed,
    profile: profile.name,
    mode: 'course',
    simulatedDays: days.length,
    wallMs: round(sum((r) => r.pump?.wallMs ?? 0), 1),
    controlSteps: sum((r) => r.pump?.controlSteps ?? 0),
    patient: { weightKg: scenario.patient.weightKg, bsaM2: round(bsaM2), ...artery },
    delivered: {
      fudrMg: summary.fudrMgTotal,
      dexamethasoneMg: summary.dexamethasoneMgTotal,
      heparinUnits: round(sum((r) => r.heparinUnits), 2),
      extrahepaticFudrMg: round(sum((r) => r.extrahepaticFudrMg)),
      pocketFudrMg: round(sum((r) => r.delivered.pocketFudrMg)),
    },
    alarms: records.flatMap((r) => r.alarms.map((a) => ({ ...a, cycle: r.cycle }))),
    course: summary,
  };
}

/** The course's days (for the calendar properties and the `--calendar` view). */
export function calendarOf(summary: CourseRunSummary): CalendarDay[] {
  const c = summary.course;
  return courseCalendar(
    c.cycles.map((r) => ({
      cycle: r.cycle,
      startDay: r.startDay,
      status: r.status,
      fudrMgPlanned: r.fudrMgPlanned,
      visit: r.events.map((e) => `visit: ${e.kind}${e.grade !== undefined ? ` grade ${e.grade}` : ''}${e.code !== undefined ? ` ${e.code}` : ''} → ${e.procedure ? `${e.procedure}; ` : ''}${e.action}${e.action === 'hold' && e.resumeDay !== null ? ` until day ${e.resumeDay}` : ''}`),
    })),
    c.cycleDays,
    c.infusionDays,
    summary.patient.bsaM2,
    c.resection === null ? null : { afterCycle: c.resection.cyclesBeforeResection, surgeryDay: c.resection.surgeryDay, endDay: c.resection.surgeryDay + c.resection.recoveryDays },
    c.relockDays,
  );
}

