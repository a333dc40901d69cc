/**
 * The course part of the scenario format: `course`, `clinicalEvents`, `adverseEvents`.
 *
 * Owns: the JSON a user writes to run a treatment course (cycles of the seed protocol) instead of
 * one infusion, and its validation messages (field name and allowed range, one line each).
 * Promises: a course section that loads is well-formed; cross-field checks (an event's cycle
 * within the course, a cycle longer than the infusion) are made by `courseProblems`, which
 * names the field too. Nothing here runs anything.
 */
import { z } from 'zod';
import { int, num } from './fields.ts';

/** The seed's longest course (Int J Clin Exp Med 2015;8(1):1000: total HAI cycles 3–18), doubled. */
export const MAX_COURSE_CYCLES = 36;

/**
 * Refill hazards of the implanted pump (docs/domain.md §5), applied by the nurse's refill at the start
 * of `cycle`. They change the world, never the firmware: the firmware must find them by comparing
 * the declared refill volume with its reservoir gauge (RESERVOIR_MISMATCH).
 */
export const refillFaultSchema = z.discriminatedUnion(
  'kind',
  [
    /** Part of the injection goes into the pocket around the pump instead of the reservoir. */
    z.strictObject({ kind: z.literal('pocketFill'), cycle: int('cycle', 1, MAX_COURSE_CYCLES), fraction: num('fraction', 0, 1).default(1) }),
    /** The old contents were not all aspirated: `residualMl` stays and mixes with the new fill. */
    z.strictObject({ kind: z.literal('wrongResidual'), cycle: int('cycle', 1, MAX_COURSE_CYCLES), residualMl: num('residualMl', 0, 40, 'mL') }),
    /** `airMl` of the declared fill is air: that much less fluid (and drug) in the reservoir. */
    z.strictObject({ kind: z.literal('airInReservoir'), cycle: int('cycle', 1, MAX_COURSE_CYCLES), airMl: num('airMl', 0, 40, 'mL') }),
  ],
  { error: 'kind must be one of: pocketFill, wrongResidual, airInReservoir' },
);
export type RefillFault = z.output<typeof refillFaultSchema>;

export const courseSchema = z.strictObject({
  /** Cycles on the calendar (infused, held or stopped). */
  cycles: int('course.cycles', 1, MAX_COURSE_CYCLES).default(6),
  /** Days from one cycle's day 1 to the next's; the seed's cycle is 3 weeks. */
  cycleDays: int('course.cycleDays', 2, 90, 'days').default(21),
  /** A rule-table JSON file replacing the default (`sim/course/rules.default.json`). */
  rules: z.string({ error: 'course.rules must be a file path' }).min(1, { error: 'course.rules must be a file path' }).optional(),
  refillFaults: z.array(refillFaultSchema, { error: 'course.refillFaults must be an array' }).default([]),
  /** Days from an operation to the first postoperative cycle's day 1 (default, sim/course/clinicalPath.ts). */
  recoveryDays: int('course.recoveryDays', 1, 180, 'days').default(28),
  /** Days without a flush after which port and catheter are flushed and re-locked (default). */
  relockIntervalDays: int('course.relockIntervalDays', 1, 90, 'days').default(28),
  /**
   * Risk that the catheter occludes (thrombosis) over 28 days since its last flush; it grows with
   * the square of the time since the flush. Drawn before each infused cycle from the course seed;
   * an occluded catheter is the plant fault `occlusion` at the catheter from the cycle's start.
   */
  catheterThrombosis: z.strictObject({ riskAt28Days: num('course.catheterThrombosis.riskAt28Days', 0, 1).default(0) }).default({ riskAt28Days: 0 }),
});
export type Course = z.output<typeof courseSchema>;

const cycleField = int('cycle', 1, MAX_COURSE_CYCLES);

/**
 * Clinical events forced at a cycle. Each is assessed at the cycle's end-of-infusion visit and
 * handled by the rule table, as if it had happened during that cycle.
 */
export const clinicalEventSchema = z.discriminatedUnion(
  'kind',
  [
    /** GI ulcer or gastro-duodenitis, documented at endoscopy. */
    z.strictObject({ kind: z.literal('ulcer'), cycle: cycleField }),
    z.strictObject({ kind: z.literal('epigastricPain'), cycle: cycleField, grade: int('grade', 1, 4).default(3) }),
    /**
     * The catheter tip leaves the hepatic artery during the cycle's infusion, `atHours` after the
     * cycle's day 1 starts (default: day 4), and is corrected radiologically `correctionHours`
     * later. Injected as the plant fault `displacement` so the pump has to find it.
     */
    z.strictObject({
      kind: z.literal('catheterDisplacement'),
      cycle: cycleField,
      to: z.enum(['tissue', 'extrahepatic'], { error: 'to must be one of: tissue, extrahepatic' }).default('tissue'),
      atHours: num('atHours', 0, 24 * 90, 'h').default(72),
      correctionHours: num('correctionHours', 0, 24 * 30, 'h').default(24),
    }),
    /**
     * ALT/AST elevation: the CTCAE v3.0 `grade`, or the peak ALT/AST as a multiple of the upper
     * limit of normal (`altAstTimesUln`), which `ctcaeV3AltAstGrade` grades. Exactly one.
     */
    z
      .strictObject({ kind: z.literal('hepatotoxicity'), cycle: cycleField, grade: int('grade', 1, 4).optional(), altAstTimesUln: num('altAstTimesUln', 1, 1000, '× ULN').optional() })
      .refine((e) => (e.grade === undefined) !== (e.altAstTimesUln === undefined), { error: 'hepatotoxicity needs exactly one of grade (1–4) or altAstTimesUln (1–1000 × ULN)' }),
    z.strictObject({ kind: z.literal('portInfection'), cycle: cycleField }),
    z.strictObject({ kind: z.literal('catheterOcclusion'), cycle: cycleField }),
    z.strictObject({ kind: z.literal('hepaticProgression'), cycle: cycleField }),
    /**
     * The catheter occluded by thrombus while locked before `cycle`: blocked from the cycle's start
     * (the plant fault `occlusion` at the catheter), for the pump to find at the prime or start.
     */
    z.strictObject({ kind: z.literal('catheterThrombosis'), cycle: cycleField }),
    /**
     * The disease is resectable at the assessment after `cycle` (and at every later one): the rule
     * table decides (default: resect). The operation is `daysFromStopToSurgery` after the stop of
     * chemotherapy; `postoperative` treatment follows after the recovery interval.
     */
    z.strictObject({
      kind: z.literal('resectable'),
      cycle: cycleField,
      daysFromStopToSurgery: int('daysFromStopToSurgery', 22, 120, 'days').default(26),
      postoperative: z.enum(['xeloxHai', 'xelox', 'none'], { error: 'postoperative must be one of: xeloxHai, xelox, none' }).default('xeloxHai'),
      postoperativeHaiCycles: int('postoperativeHaiCycles', 1, MAX_COURSE_CYCLES).default(6),
    }),
  ],
  { error: 'kind must be one of: ulcer, epigastricPain, catheterDisplacement, hepatotoxicity, portInfection, catheterOcclusion, hepaticProgression, catheterThrombosis, resectable' },
);
export type ClinicalEventInput = z.output<typeof clinicalEventSchema>;
export type ClinicalEventKind = ClinicalEventInput['kind'];

export const clinicalEventsSchema = z.array(clinicalEventSchema, { error: 'clinicalEvents must be an array' }).default([]);

export const adverseEventsSchema = z
  .enum(['none', 'stochastic'], { error: 'adverseEvents must be one of: none, stochastic' })
  .default('none');
export type AdverseEventsMode = z.output<typeof adverseEventsSchema>;

/** What `courseProblems` needs to see of a scenario. */
export interface CourseScenarioView {
  readonly course?: Course | undefined;
  readonly clinicalEvents?: readonly ClinicalEventInput[];
  readonly prescription: { readonly infusionDays: number };
}

/** Cross-field checks; returns one message per problem, each naming the field and the allowed range. */
export function courseProblems(s: CourseScenarioView): string[] {
  const problems: string[] = [];
  const course = s.course;
  const events = s.clinicalEvents ?? [];
  if (course === undefined) {
    if (events.length > 0) problems.push('clinicalEvents: need a course section (events are placed on course cycles)');
    return problems;
  }
  // A cycle count the field check refused has its own message; the checks against it would only
  // repeat it with a range that means nothing.
  const cyclesValid = Number.isInteger(course.cycles) && course.cycles >= 1 && course.cycles <= MAX_COURSE_CYCLES;
  const minCycleDays = Math.ceil(s.prescription.infusionDays) + 1;
  if (course.cycleDays < minCycleDays) {
    problems.push(`course.cycleDays = ${course.cycleDays} leaves no day for the heparin lock after a ${s.prescription.infusionDays}-day infusion (allowed ${minCycleDays}–90 days)`);
  }
  events.forEach((e, i) => {
    if (cyclesValid && e.cycle > course.cycles) problems.push(`clinicalEvents[${i}].cycle = ${e.cycle} is after the last cycle (allowed 1–${course.cycles})`);
    if (e.kind === 'catheterDisplacement' && e.atHours >= course.cycleDays * 24) {
      problems.push(`clinicalEvents[${i}].atHours = ${e.atHours} is after the cycle ends (allowed 0–${course.cycleDays * 24 - 1} h)`);
    }
  });
  course.refillFaults.forEach((f, i) => {
    if (cyclesValid && f.cycle > course.cycles) problems.push(`course.refillFaults[${i}].cycle = ${f.cycle} is after the last cycle (allowed 1–${course.cycles})`);
  });
  return problems;
}
