/**
 * Treatment courses with the pump running (issue 5, "Done means"): the seed protocol's calendar,
 * the clinician's rules between cycles, and what the pump does on each cycle.
 *
 * The worked example runs real 14-day cycles (4 pump runs, ~2 s). The properties use 1-day
 * infusions on 3–5-day cycles: every control step still runs at 1 Hz, at ~1/14 of the cost.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CourseRunSummary } from '../../../sim/course/courseRunner.ts';
import { calendarOf, runCourse } from '../../../sim/course/courseRunner.ts';
import { lockCycleDay } from '../../../sim/course/calendar.ts';
import { checkProperty } from '../../support/fc.ts';
import { SHORT_PRESCRIPTION, courseScenario } from './support.ts';

const DAY_S = 86_400;

describe('SEED-ULCER-HOLD a 6-cycle course with an ulcer forced at cycle 2 (seed protocol, 14-day infusions)', () => {
  let run: CourseRunSummary;

  beforeAll(() => {
    run = runCourse({ scenario: courseScenario({ course: { cycles: 6 }, clinicalEvents: [{ kind: 'ulcer', cycle: 2 }] }) });
  });

  it('infuses cycle 2, holds the cycles that start within one month of the ulcer, then infuses the rest', () => {
    const c = run.course.cycles;
    expect(c.map((r) => r.status)).toEqual(['infused', 'infused', 'held', 'held', 'infused', 'infused']);
    const ulcer = c[1]?.events.find((e) => e.kind === 'ulcer');
    expect(ulcer?.action).toBe('hold');
    // Visit on day 15 of cycle 2 (course day 36); held one month, to day 66.
    expect(ulcer?.day).toBe(36);
    expect(ulcer?.resumeDay).toBe(66);
    const held = c.filter((r) => r.status === 'held');
    expect(held.every((r) => r.startDay < 66 && r.fudrMg === 0 && r.pump === null)).toBe(true);
    expect((c[4]?.startDay ?? 0) >= 66).toBe(true);
    // The held cycles cover the month: from the visit to the next infused day 1 is at least 30 days.
    expect((c[4]?.startDay ?? 0) - (ulcer?.day ?? 0)).toBeGreaterThanOrEqual(30);
  });

  it('infuses at doseFactor 0.5 after the hold, FUDR and dexamethasone alike, about half of cycle 1', () => {
    const c = run.course.cycles;
    const first = c[0];
    expect(first).toBeDefined();
    if (first === undefined) return;
    for (const r of c.slice(4)) {
      expect(r.doseFactor).toBe(0.5);
      expect(r.fudrMgPlanned).toBeCloseTo(first.fudrMgPlanned * 0.5, 3);
      expect(r.dexamethasoneMgPlanned).toBeCloseTo(first.dexamethasoneMgPlanned * 0.5, 3);
      // Plant truth: the same device's ±2 % stroke error and ±1 % stroke noise around half.
      expect(Math.abs(r.fudrMg / first.fudrMg - 0.5)).toBeLessThan(0.01);
      expect(Math.abs(r.dexamethasoneMg / first.dexamethasoneMg - 0.5)).toBeLessThan(0.01);
    }
    expect(run.course.finalDoseFactor).toBe(0.5);
    expect(run.course.cyclesInfused).toBe(4);
    expect(run.course.stoppedReason).toBeNull();
  });

  it('delivers the seed dose in cycle 1: 147 mg FUDR programmed, the artery gets it within the ±2 % unit tolerance', () => {
    const first = run.course.cycles[0];
    expect(first?.fudrMgPlanned).toBe(147);
    expect(Math.abs((first?.fudrMg ?? 0) / 147 - 1)).toBeLessThan(0.03);
    expect(run.alarms).toEqual([]);
  });

  it('logs XELOX on every cycle from the patient BSA: oxaliplatin 130 mg/m² on day 1, capecitabine 1000 mg/m² twice daily days 1–14', () => {
    const x = run.course.cycles[0]?.xelox;
    expect(x?.oxaliplatinMg).toBeCloseTo(130 * 1.8181, 0);
    expect(x?.capecitabineMgPerDose).toBeCloseTo(1000 * 1.8181, 0);
    expect(x?.capecitabineDays).toEqual([1, 14]);
    const days = calendarOf(run);
    expect(days.filter((d) => d.events.some((e) => e.includes('oxaliplatin'))).map((d) => d.day)).toEqual([1, 22, 43, 64, 85, 106]);
  });
});

interface CourseCase {
  readonly seed: number;
  readonly cycles: number;
  readonly cycleDays: number;
  readonly ulcerCycle: number | null;
  readonly hepatotoxicity: { cycle: number; grade: number } | null;
}

const caseArbitrary: fc.Arbitrary<CourseCase> = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    cycles: fc.integer({ min: 2, max: 5 }),
    cycleDays: fc.integer({ min: 3, max: 6 }),
    ulcer: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    hepatotoxicity: fc.option(fc.record({ cycle: fc.integer({ min: 1, max: 5 }), grade: fc.integer({ min: 1, max: 4 }) }), { nil: null }),
  })
  .map((r) => ({
    seed: r.seed,
    cycles: r.cycles,
    cycleDays: r.cycleDays,
    ulcerCycle: r.ulcer === null ? null : Math.min(r.ulcer, r.cycles),
    hepatotoxicity: r.hepatotoxicity === null ? null : { cycle: Math.min(r.hepatotoxicity.cycle, r.cycles), grade: r.hepatotoxicity.grade },
  }));

function runCase(k: CourseCase): CourseRunSummary {
  const clinicalEvents = [
    ...(k.ulcerCycle === null ? [] : [{ kind: 'ulcer' as const, cycle: k.ulcerCycle }]),
    ...(k.hepatotoxicity === null ? [] : [{ kind: 'hepatotoxicity' as const, ...k.hepatotoxicity }]),
  ];
  return runCourse({
    scenario: courseScenario({ seed: k.seed, prescription: SHORT_PRESCRIPTION, course: { cycles: k.cycles, cycleDays: k.cycleDays }, clinicalEvents }),
  });
}

describe('course invariants over random courses (1-day infusions, the pump at 1 Hz)', () => {
  it('SEED-CALENDAR the calendar accounts for every day, no infusion on hold, rest or stopped days, a heparin lock after every infusion, XELOX day 1 on HAI day 1, and after an ulcer reduction doseFactor 0.5 for FUDR and dexamethasone', () => {
    checkProperty(
      fc.property(caseArbitrary, (k) => {
        const run = runCase(k);
        const c = run.course;
        const days = calendarOf(run);
        // Every day, once, in order, in exactly one cycle.
        expect(days.map((d) => d.day)).toEqual(Array.from({ length: k.cycles * k.cycleDays }, (_, i) => i + 1));
        const kinds = c.calendar;
        expect(kinds.infusion + kinds.lock + kinds.rest + kinds.held + kinds.stopped).toBe(kinds.days);
        expect(kinds.days).toBe(k.cycles * k.cycleDays);
        const lockDay = lockCycleDay(1);
        let fullFudr: number | null = null;
        let fullDex: number | null = null;
        let reducedByUlcer = false;
        for (const r of c.cycles) {
          const dayOfSeconds = (s: number | null | undefined): number => r.startDay + Math.floor((s ?? NaN) / DAY_S);
          if (r.status === 'infused') {
            const pump = r.pump;
            expect(pump).not.toBeNull();
            if (pump === null) continue;
            // Strokes only between the prime on day 1 and the lock on the lock day, none after.
            expect(dayOfSeconds(pump.primeStartSeconds)).toBe(r.startDay);
            expect(dayOfSeconds(pump.lockDoneSeconds)).toBeLessThanOrEqual(r.startDay + lockDay - 1);
            expect(pump.strokesAfterLock).toBe(0);
            // A heparin lock after every infusion.
            expect(r.infusionCompleted).toBe(true);
            expect(r.heparinLock).toBe(true);
            expect(pump.lockDoneSeconds ?? 0).toBeGreaterThan(pump.infusionCompleteSeconds ?? Infinity);
            // XELOX day 1 is HAI day 1.
            const day1 = days.find((d) => d.day === r.startDay);
            expect(day1?.events.some((e) => e.startsWith('XELOX: oxaliplatin'))).toBe(true);
            expect(day1?.events.some((e) => e.startsWith('HAI: refill'))).toBe(true);
            if (r.doseFactor === 1) {
              fullFudr ??= r.fudrMgPlanned;
              fullDex ??= r.dexamethasoneMgPlanned;
            }
            if (reducedByUlcer && k.hepatotoxicity === null) {
              expect(r.doseFactor).toBe(0.5);
              if (fullFudr !== null && fullDex !== null) {
                expect(r.fudrMgPlanned).toBeCloseTo(fullFudr / 2, 3);
                expect(r.dexamethasoneMgPlanned).toBeCloseTo(fullDex / 2, 3);
              }
            }
          } else {
            // Held and stopped cycles: no pump run, nothing delivered, every day held/stopped.
            expect(r.pump).toBeNull();
            expect(r.fudrMg).toBe(0);
            expect(days.filter((d) => d.cycle === r.cycle).every((d) => d.kind === r.status)).toBe(true);
          }
          if (r.events.some((e) => e.kind === 'ulcer' && e.action === 'hold')) reducedByUlcer = true;
        }
        // No infusion day outside an infused cycle.
        for (const d of days) {
          if (d.kind === 'infusion' || d.kind === 'lock') expect(c.cycles[d.cycle - 1]?.status).toBe('infused');
        }
      }),
      { seed: 5005, numRuns: 20 },
    );
  });
});

describe('catheter displacement during a cycle (the plant fault the pump must find)', () => {
  it('SEED-DISPLACEMENT the pump alarms CATHETER_DISPLACEMENT, the catheter is corrected radiologically, the infusion resumes and the course continues', () => {
    const run = runCourse({
      scenario: courseScenario({
        prescription: SHORT_PRESCRIPTION,
        course: { cycles: 2, cycleDays: 4 },
        clinicalEvents: [{ kind: 'catheterDisplacement', cycle: 1, atHours: 6, correctionHours: 4 }],
      }),
    });
    const [first, second] = run.course.cycles;
    expect(first?.alarms.map((a) => a.code)).toContain('CATHETER_DISPLACEMENT');
    const alarm = first?.alarms.find((a) => a.code === 'CATHETER_DISPLACEMENT');
    // Found within 5 minutes of the tip leaving the artery.
    expect((alarm?.atSeconds ?? Infinity) - 6 * 3600).toBeLessThan(300);
    expect(first?.events.map((e) => [e.kind, e.procedure, e.action])).toEqual([['catheterDisplacement', 'angiography and radiological correction of the catheter', 'continue']]);
    expect(first?.infusionCompleted).toBe(true);
    expect(first?.heparinLock).toBe(true);
    // Paused while displaced: the infusion ends later than a day after it started.
    expect((first?.pump?.infusionCompleteSeconds ?? 0) - (first?.pump?.infusionStartSeconds ?? 0)).toBeGreaterThan(DAY_S + 3 * 3600);
    expect(second?.status).toBe('infused');
    expect(second?.alarms).toEqual([]);
  });
});

describe('the implanted pump (SynchroMed II class) over a course', () => {
  let run: CourseRunSummary;

  beforeAll(() => {
    run = runCourse({
      scenario: courseScenario({
        prescription: { ...SHORT_PRESCRIPTION, reservoirVolumeMl: 20 },
        device: { profile: 'implanted' },
        course: { cycles: 2, cycleDays: 2, refillFaults: [{ kind: 'pocketFill', cycle: 2, fraction: 0.5 }] },
      }),
    });
  });

  it('stays on and locked through the rest days, its control step at 1 Hz, with no stroke after the lock', () => {
    const first = run.course.cycles[0];
    expect(first?.pump?.simulatedSeconds).toBe(2 * DAY_S);
    expect(first?.pump?.controlSteps).toBeGreaterThanOrEqual(2 * DAY_S - 2);
    expect(first?.pump?.finalState).toBe('locked');
    expect(first?.pump?.strokesAfterLock).toBe(0);
    expect(first?.heparinLock).toBe(true);
    expect(first?.alarms).toEqual([]);
  });

  it('FDA-RECALL-POCKET-FILL a pocket fill at the refill is found by reconciling the declared refill with the gauge: RESERVOIR_MISMATCH', () => {
    const second = run.course.cycles[1];
    expect(second?.pump?.refill).toMatchObject({ fault: 'pocketFill', declaredMl: 20, pocketMl: 10 });
    const mismatch = second?.alarms.find((a) => a.code === 'RESERVOIR_MISMATCH');
    expect(mismatch).toBeDefined();
    // Within two gauge samples of the refill.
    expect((mismatch?.atSeconds ?? Infinity) - (second?.pump?.primeStartSeconds ?? 0)).toBeLessThan(180);
  });
});

describe('a pocket fill acted on (implanted pump)', () => {
  let run: CourseRunSummary;

  beforeAll(() => {
    run = runCourse({
      scenario: courseScenario({
        prescription: { ...SHORT_PRESCRIPTION, reservoirVolumeMl: 20 },
        device: { profile: 'implanted' },
        course: { cycles: 3, cycleDays: 4, refillFaults: [{ kind: 'pocketFill', cycle: 2, fraction: 0.5 }] },
      }),
    });
  });

  it('FDA-RECALL-POCKET-FILL the nurse stops the infusion within 3 minutes of RESERVOIR_MISMATCH and aspirates; the pocket FUDR is reported in mg in the cycle and the course', () => {
    const second = run.course.cycles[1];
    const m = second?.pump?.refillMismatch;
    expect(m).not.toBeNull();
    expect(m?.alarmToActionSeconds ?? Infinity).toBeLessThanOrEqual(180);
    expect(m?.alarmToActionSeconds ?? -1).toBeGreaterThan(0);
    // Half of the 20 mL went into the pocket: about 10 mL is left to aspirate (minus a few minutes of infusion).
    expect(m?.aspiratedMl ?? 0).toBeGreaterThan(9);
    expect(m?.aspiratedMl ?? Infinity).toBeLessThanOrEqual(10);
    const pocketMg = second?.delivered.pocketFudrMg ?? 0;
    expect(second?.pump?.refill).toMatchObject({ fault: 'pocketFill', declaredMl: 20, pocketMl: 10 });
    // 10 of the 20 mL compounded for the cycle: a little more than half of the FUDR programmed (the programme leaves the reserve and the residual).
    const planned = second?.fudrMgPlanned ?? 0;
    expect(pocketMg).toBeGreaterThan(0.5 * planned);
    expect(pocketMg).toBeLessThan(0.65 * planned);
    expect(run.delivered.pocketFudrMg).toBeCloseTo(pocketMg, 6);
    expect(run.course.cycles[0]?.delivered.pocketFudrMg).toBe(0);
    const rec = run.course.refillMismatches;
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({ cycle: 2, fault: 'pocketFill', alarmToActionSeconds: m?.alarmToActionSeconds, resumed: true, action: 'continue' });
    expect(rec[0]?.procedure).toContain('aspirated');
  });

  it('FDA-RECALL-POCKET-FILL the clinician\'s row (observe 24 h, refill correctly, restart) is what follows: the infusion restarts a day later from a correct refill, completes and is locked; the next cycle runs normally', () => {
    const [, second, third] = run.course.cycles;
    const m = second?.pump?.refillMismatch;
    expect((m?.resumedSeconds ?? 0) - (m?.stopSeconds ?? Infinity)).toBeGreaterThanOrEqual(24 * 3600);
    expect(second?.infusionCompleted).toBe(true);
    expect(second?.heparinLock).toBe(true);
    expect(second?.events.map((e) => [e.kind, e.code, e.action])).toEqual([['deviceAlarm', 'RESERVOIR_MISMATCH', 'continue']]);
    expect(third?.status).toBe('infused');
    expect(third?.alarms).toEqual([]);
    expect(third?.infusionCompleted).toBe(true);
  });
});

describe('IMPLANTED-AIR air in the reservoir at a refill (implanted pump)', () => {
  it('is found at once as a refill mismatch; the nurse stops and aspirates, and after the observation the pump is refilled correctly, the infusion completes and the next cycle runs normally', () => {
    const run = runCourse({
      scenario: courseScenario({
        seed: 3,
        prescription: { ...SHORT_PRESCRIPTION, reservoirVolumeMl: 20 },
        device: { profile: 'implanted' },
        course: { cycles: 3, cycleDays: 3, refillFaults: [{ kind: 'airInReservoir', cycle: 2, airMl: 3 }] },
      }),
    });
    const [, second, third] = run.course.cycles;
    const codes = second?.alarms.map((a) => a.code) ?? [];
    expect(codes).toContain('RESERVOIR_MISMATCH');
    // Stopped before the reservoir could run dry.
    expect(codes).not.toContain('RESERVOIR_EMPTY');
    expect(second?.pump?.refillMismatch?.alarmToActionSeconds ?? Infinity).toBeLessThanOrEqual(180);
    // 17 mL of fluid, less the first minutes of infusion.
    expect(second?.pump?.refillMismatch?.aspiratedMl ?? 0).toBeGreaterThan(16);
    expect(second?.pump?.refillMismatch?.aspiratedMl ?? Infinity).toBeLessThanOrEqual(17);
    expect(second?.delivered.pocketFudrMg).toBe(0);
    expect(second?.infusionCompleted).toBe(true);
    expect(second?.heparinLock).toBe(true);
    expect(Math.abs((second?.fudrMg ?? 0) / (second?.fudrMgPlanned ?? 1) - 1)).toBeLessThan(0.05);
    expect(second?.events.map((e) => [e.kind, e.code, e.action])).toEqual([['deviceAlarm', 'RESERVOIR_MISMATCH', 'continue']]);
    expect(third?.status).toBe('infused');
    expect(third?.infusionCompleted).toBe(true);
    expect(third?.alarms).toEqual([]);
  });
});

interface SurgeryCase {
  readonly seed: number;
  readonly cycles: number;
  readonly cycleDays: number;
  readonly resectableCycle: number;
  readonly daysFromStopToSurgery: number;
  readonly recoveryDays: number;
  readonly relockIntervalDays: number;
  readonly postoperative: 'xeloxHai' | 'xelox' | 'none';
  readonly postoperativeHaiCycles: number;
  readonly ulcerCycle: number | null;
}

const surgeryArbitrary: fc.Arbitrary<SurgeryCase> = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    cycles: fc.integer({ min: 2, max: 6 }),
    cycleDays: fc.integer({ min: 3, max: 6 }),
    resectableCycle: fc.integer({ min: 1, max: 4 }),
    daysFromStopToSurgery: fc.integer({ min: 22, max: 40 }),
    recoveryDays: fc.integer({ min: 1, max: 40 }),
    relockIntervalDays: fc.integer({ min: 3, max: 30 }),
    postoperative: fc.constantFrom('xeloxHai' as const, 'xelox' as const, 'none' as const),
    postoperativeHaiCycles: fc.integer({ min: 1, max: 3 }),
    ulcer: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
  })
  .map((r) => ({ ...r, resectableCycle: Math.min(r.resectableCycle, r.cycles - 1), ulcerCycle: r.ulcer === null ? null : Math.min(r.ulcer, r.cycles) }));

function runSurgeryCase(k: SurgeryCase): CourseRunSummary {
  return runCourse({
    scenario: courseScenario({
      seed: k.seed,
      prescription: SHORT_PRESCRIPTION,
      course: { cycles: k.cycles, cycleDays: k.cycleDays, recoveryDays: k.recoveryDays, relockIntervalDays: k.relockIntervalDays },
      clinicalEvents: [
        { kind: 'resectable', cycle: k.resectableCycle, daysFromStopToSurgery: k.daysFromStopToSurgery, postoperative: k.postoperative, postoperativeHaiCycles: k.postoperativeHaiCycles },
        ...(k.ulcerCycle === null ? [] : [{ kind: 'ulcer' as const, cycle: k.ulcerCycle }]),
      ],
    }),
  });
}

describe('the surgical pause over random courses (1-day infusions, the pump at 1 Hz)', () => {
  it('SEED-RESECTION no infusion in the 21 days before an operation, a postoperative cycle only after the recovery interval, every calendar day accounted for, and the catheter re-locked at least every interval', () => {
    checkProperty(
      fc.property(surgeryArbitrary, (k) => {
        const run = runSurgeryCase(k);
        const c = run.course;
        const days = calendarOf(run);
        // Every day, once, in order; the kinds add up.
        expect(days.map((d) => d.day)).toEqual(Array.from({ length: days.length }, (_, i) => i + 1));
        expect(Object.entries(c.calendar).filter(([key]) => key !== 'days').reduce((s, [, v]) => s + v, 0)).toBe(c.calendar.days);
        expect(c.calendar.days).toBe(days.length);
        const r = c.resection;
        expect(r).not.toBeNull();
        if (r === null) return;
        expect(r.cyclesBeforeResection).toBe(k.resectableCycle);
        expect(r.surgeryDay - r.chemotherapyStopDay).toBe(r.daysFromStopToSurgery);
        expect(r.daysFromStopToSurgery).toBeGreaterThanOrEqual(22);
        expect(days.filter((d) => d.kind === 'surgery').map((d) => d.day)).toEqual([r.surgeryDay]);
        // No infusion, no lock and no XELOX in the 21 days before the operation; no pump stroke either.
        for (const d of days) {
          if (d.day >= r.surgeryDay - 21 && d.day < r.surgeryDay) {
            expect(['infusion', 'lock'].includes(d.kind), `day ${d.day} is ${d.kind}, operation on day ${r.surgeryDay}`).toBe(false);
            expect(d.events.some((e) => e.startsWith('XELOX'))).toBe(false);
          }
        }
        for (const cyc of c.cycles) {
          if (cyc.pump === null) continue;
          const lastPumpDay = cyc.startDay + Math.floor((cyc.pump.offSeconds ?? cyc.pump.lockDoneSeconds ?? cyc.pump.simulatedSeconds) / DAY_S);
          if (cyc.phase === 'initial') expect(lastPumpDay).toBeLessThan(r.surgeryDay - 21);
          else expect(cyc.startDay).toBeGreaterThan(r.surgeryDay);
        }
        // Postoperative cycles only after the recovery interval, and only with postoperative HAI.
        const post = c.cycles.filter((cyc) => cyc.phase === 'postoperative');
        if (r.postoperativeHai) {
          expect(r.postoperativeStartDay).toBe(r.surgeryDay + k.recoveryDays);
          for (const cyc of post) expect(cyc.startDay - r.surgeryDay).toBeGreaterThanOrEqual(k.recoveryDays);
          expect(c.haiCycles.postoperative).toBeLessThanOrEqual(k.postoperativeHaiCycles);
        } else {
          expect(post).toEqual([]);
          expect(days.at(-1)?.day).toBe(r.surgeryDay + k.recoveryDays - 1);
        }
        expect(c.haiCycles.total).toBe(c.cyclesInfused);
        // Flushes: implantation on day 0, each heparin lock, each maintenance re-lock; no gap longer than the interval without an infusion in it.
        const flushes = [0, ...c.cycles.filter((cyc) => cyc.heparinLock).map((cyc) => cyc.startDay + lockCycleDay(1) - 1), ...c.relockDays].sort((a, b) => a - b);
        const starts = c.cycles.filter((cyc) => cyc.status === 'infused').map((cyc) => cyc.startDay);
        for (let i = 1; i < flushes.length; i++) {
          const gap = (flushes[i] as number) - (flushes[i - 1] as number);
          const infusedBetween = starts.some((s) => s > (flushes[i - 1] as number) && s <= (flushes[i] as number));
          if (!infusedBetween) expect(gap).toBeLessThanOrEqual(k.relockIntervalDays);
        }
        for (const cyc of c.cycles) expect(cyc.daysSinceFlush).toBeLessThanOrEqual(k.relockIntervalDays);
      }),
      { seed: 2020, numRuns: 12 },
    );
  });
});

describe('a catheter that occluded while locked (thrombosis between cycles)', () => {
  it('PUMP-THROMBOSIS is blocked from the next cycle\'s start: the pump stops on an alarm within 15 minutes of the start, the angiography shows the occlusion and the clinician stops HAI as a serious catheter problem', () => {
    const run = runCourse({
      scenario: courseScenario({
        prescription: SHORT_PRESCRIPTION,
        course: { cycles: 3, cycleDays: 4 },
        clinicalEvents: [{ kind: 'catheterThrombosis', cycle: 2 }],
      }),
    });
    const [first, second, third] = run.course.cycles;
    expect(first?.catheterThrombosis).toBe(false);
    expect(first?.alarms).toEqual([]);
    expect(second?.catheterThrombosis).toBe(true);
    expect(second?.pump?.faults).toContainEqual({ kind: 'occlusion', atHours: 0, location: 'catheter', severity: 1 });
    // No pulse reaches the pump through a blocked catheter: the first stopping alarm is CATHETER_DISPLACEMENT or OCCLUSION.
    const alarm = second?.alarms.find((a) => a.code === 'OCCLUSION' || a.code === 'CATHETER_DISPLACEMENT');
    expect(alarm).toBeDefined();
    const start = second?.pump?.infusionStartSeconds ?? Infinity;
    expect((alarm?.atSeconds ?? Infinity) - start).toBeLessThan(15 * 60);
    expect(second?.infusionCompleted).toBe(false);
    expect(second?.fudrMg ?? Infinity).toBeLessThan(0.01 * (second?.fudrMgPlanned ?? 0));
    expect(second?.events.map((e) => [e.kind, e.procedure, e.action])).toEqual([['catheterOcclusion', 'angiography', 'stop']]);
    expect(third?.status).toBe('stopped');
  });

  it('PUMP-THROMBOSIS is drawn with the risk at 28 days: never at risk 0, always at risk 1', () => {
    const at = (riskAt28Days: number): boolean[] =>
      runCourse({ scenario: courseScenario({ prescription: SHORT_PRESCRIPTION, course: { cycles: 3, cycleDays: 4, catheterThrombosis: { riskAt28Days } } }), executor: 'nominal' }).course.cycles.map((r) => r.catheterThrombosis);
    expect(at(0)).toEqual([false, false, false]);
    expect(at(1)[0]).toBe(true);
  });
});
