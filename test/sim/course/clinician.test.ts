/**
 * The clinician layer without the pump: the rule table (data, replaceable), CTCAE v3.0 grading,
 * and the decisions of the seed protocol, as examples a reviewer reads.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClinicalEvent } from '../../../sim/course/clinician.ts';
import { assessVisit, cycleStatus, initialClinicianState } from '../../../sim/course/clinician.ts';
import { runCourse } from '../../../sim/course/courseRunner.ts';
import { ctcaeV3AltAstGrade, loadRuleTable, matchRule, parseRuleTable, ruleTableMarkdown } from '../../../sim/course/rules.ts';
import { parseScenario } from '../../../sim/scenario/scenario.ts';
import { courseScenario } from './support.ts';

const table = loadRuleTable();
const ev = (kind: ClinicalEvent['kind'], extra: Partial<ClinicalEvent> = {}): ClinicalEvent => ({ kind, origin: 'forced', ...extra });

describe('the default rule table (sim/course/rules.default.json)', () => {
  it('says where every row comes from: the seed, or a default that names its source', () => {
    for (const row of table.rows) expect(row.source).toMatch(/^(seed|default)/);
  });

  it('CTCAE-v3 grades ALT/AST by the v3.0 bands: >ULN–2.5, >2.5–5.0, >5.0–20.0, >20.0 × ULN', () => {
    expect([1, 1.01, 2.5, 2.51, 5, 5.01, 20, 20.01].map(ctcaeV3AltAstGrade)).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('takes the first matching row: an ulcer is a hold the first time and a stop from the second', () => {
    expect(matchRule(table, { event: 'ulcer', occurrence: 1 })).toMatchObject({ action: 'hold', holdDays: 30, doseFactor: 0.5 });
    expect(matchRule(table, { event: 'ulcer', occurrence: 2 })).toMatchObject({ action: 'stop' });
    expect(matchRule(table, { event: 'deviceAlarm', code: 'MOTOR_STALL', occurrence: 1 })).toMatchObject({ action: 'continue', procedure: 'pump checked and replaced' });
  });

  it('refuses a malformed table with one line naming the field', () => {
    expect(() => parseRuleTable({ name: 'x', rows: [{ event: 'ulcer', action: 'hold', source: 'seed' }] }, 'rules.json')).toThrow(/rules\.json: rows\[0\]: a hold row needs holdDays/);
    expect(() => parseRuleTable({ name: 'x', rows: [{ event: 'ulcer', action: 'continue', doseFactor: 2, source: 'seed' }] }, 'rules.json')).toThrow(/rows\[0\]\.doseFactor: doseFactor must be a number \(allowed > 0 and ≤ 1\)/);
  });

  it('prints as the Markdown table docs/courses-and-cohort.md shows', () => {
    const md = ruleTableMarkdown(table);
    expect(md.split('\n')).toHaveLength(table.rows.length + 2);
    expect(md).toContain('| ulcer | occurrence 1 | — | hold 30 d, dose factor ≤ 0.5 |');
  });
});

describe('decisions at a visit (seed protocol)', () => {
  it('SEED-ULCER an ulcer holds HAI for one month and halves FUDR and dexamethasone; a recurrence stops HAI for good', () => {
    const first = assessVisit(initialClinicianState(), table, [ev('epigastricPain', { grade: 3 }), ev('ulcer')], 36);
    expect(first.decisions.map((d) => [d.event.kind, d.procedure, d.action])).toEqual([
      ['epigastricPain', 'upper GI endoscopy', 'continue'],
      ['ulcer', null, 'hold'],
    ]);
    expect(first.state).toMatchObject({ doseFactor: 0.5, resumeDay: 66, stopped: null, reducedAfterUlcer: true });
    expect([43, 64, 85].map((d) => cycleStatus(first.state, d))).toEqual(['held', 'held', 'infused']);
    const again = assessVisit(first.state, table, [ev('ulcer')], 99);
    expect(again.state.stopped).toEqual({ reason: 'GI ulcer recurred after dose reduction', day: 99 });
    expect(cycleStatus(again.state, 106)).toBe('stopped');
  });

  it('SEED-DISPLACEMENT a displaced catheter is corrected radiologically and HAI continues at the same dose', () => {
    const v = assessVisit(initialClinicianState(), table, [ev('catheterDisplacement')], 15);
    expect(v.decisions[0]).toMatchObject({ procedure: 'angiography and radiological correction of the catheter', action: 'continue' });
    expect(v.state).toMatchObject({ doseFactor: 1, resumeDay: 1, stopped: null });
  });

  it('HEPATOTOXICITY grade 3 holds the next cycle and reduces to 75 %, the second time to 50 %, the third stops; grade 1 changes nothing', () => {
    let s = assessVisit(initialClinicianState(), table, [ev('hepatotoxicity', { grade: 1 })], 15).state;
    expect(s).toMatchObject({ doseFactor: 1, resumeDay: 1 });
    s = assessVisit(s, table, [ev('hepatotoxicity', { grade: 3 })], 36).state;
    expect(s).toMatchObject({ doseFactor: 0.75, resumeDay: 50 });
    expect(cycleStatus(s, 43)).toBe('held');
    s = assessVisit(s, table, [ev('hepatotoxicity', { grade: 3 })], 78).state;
    expect(s.doseFactor).toBe(0.5);
    s = assessVisit(s, table, [ev('hepatotoxicity', { grade: 3 })], 120).state;
    expect(s.stopped?.reason).toMatch(/grade 3 hepatotoxicity, 3rd appearance/);
  });

  it('a reduction never raises the dose factor back: an ulcer after a 50 % hepatotoxicity reduction keeps 0.5', () => {
    let s = { ...initialClinicianState(), doseFactor: 0.5 };
    s = assessVisit(s, table, [ev('ulcer')], 36).state;
    expect(s.doseFactor).toBe(0.5);
  });

  it('handles the events of one visit in a fixed order, whatever order they were listed in', () => {
    const a = assessVisit(initialClinicianState(), table, [ev('hepatotoxicity', { grade: 3 }), ev('ulcer'), ev('portInfection')], 15);
    const b = assessVisit(initialClinicianState(), table, [ev('portInfection'), ev('ulcer'), ev('hepatotoxicity', { grade: 3 })], 15);
    expect(a).toEqual(b);
  });
});

describe('a rule table replaced by a file', () => {
  it('applies the file: a table that stops HAI at the first ulcer stops the course there', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-rules-'));
    const file = path.join(dir, 'strict.json');
    writeFileSync(file, JSON.stringify({ name: 'strict', rows: [{ event: 'ulcer', action: 'stop', stopReason: 'any ulcer', source: 'default: test table' }] }));
    const run = runCourse({ scenario: courseScenario({ course: { cycles: 4, rules: file }, clinicalEvents: [{ kind: 'ulcer', cycle: 2 }] }), executor: 'nominal' });
    expect(run.course.rules).toBe('strict');
    expect(run.course.cycles.map((c) => c.status)).toEqual(['infused', 'infused', 'stopped', 'stopped']);
    expect(run.course.stoppedReason).toBe('any ulcer');
  });

  it('SEED-RESECTION hooks a user\'s own criteria: a resectable row that says continue the first time gives one more cycle before the operation', () => {
    const own = parseRuleTable(
      { name: 'one more cycle', rows: [{ event: 'resectable', occurrence: 1, action: 'continue', source: 'default: test table' }, { event: 'resectable', action: 'resect', source: 'default: test table' }] },
      'own.json',
    );
    const scenario = courseScenario({ course: { cycles: 8 }, clinicalEvents: [{ kind: 'resectable', cycle: 3, postoperativeHaiCycles: 2 }] });
    const seedRun = runCourse({ scenario, executor: 'nominal' });
    const ownRun = runCourse({ scenario, rules: own, executor: 'nominal' });
    expect(seedRun.course.resection?.cyclesBeforeResection).toBe(3);
    expect(ownRun.course.resection?.cyclesBeforeResection).toBe(4);
    expect(ownRun.course.cycles[2]?.events.map((e) => [e.kind, e.action])).toEqual([['resectable', 'continue']]);
    expect(ownRun.course.haiCycles).toEqual({ initial: 4, postoperative: 2, total: 6 });
    expect(() => parseRuleTable({ name: 'x', rows: [{ event: 'ulcer', action: 'resect', source: 'seed' }] }, 'rules.json')).toThrow(/rows\[0\]: action resect is for event resectable/);
  });

  it('refuses a course whose rule file is missing, naming it', () => {
    expect(() => runCourse({ scenario: courseScenario({ course: { cycles: 2, rules: '/nonexistent/rules.json' } }), executor: 'nominal' })).toThrow(/cannot read rule table \/nonexistent\/rules\.json: ENOENT/);
  });
});

describe('the course part of the scenario format', () => {
  const base = { name: 'x', seed: 1, patient: { weightKg: 70, heightCm: 170 }, prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 } };

  it('defaults to 6 cycles of 21 days, no forced events, adverse events none, 28 days of recovery and between re-locks, no thrombosis risk', () => {
    const s = parseScenario({ ...base, course: {} });
    expect(s.course).toEqual({ cycles: 6, cycleDays: 21, refillFaults: [], recoveryDays: 28, relockIntervalDays: 28, catheterThrombosis: { riskAt28Days: 0 } });
    expect(s.clinicalEvents).toEqual([]);
    expect(s.adverseEvents).toBe('none');
  });

  it('refuses bad input with the field and the allowed range', () => {
    expect(() => parseScenario({ ...base, course: { cycles: 40 } })).toThrow(/course\.cycles is above the allowed range \(allowed 1–36\)/);
    expect(() => parseScenario({ ...base, course: { cycleDays: 14 } })).toThrow(/course\.cycleDays = 14 leaves no day for the heparin lock after a 14-day infusion \(allowed 15–90 days\)/);
    expect(() => parseScenario({ ...base, course: { cycles: 3 }, clinicalEvents: [{ kind: 'ulcer', cycle: 4 }] })).toThrow(/clinicalEvents\[0\]\.cycle = 4 is after the last cycle \(allowed 1–3\)/);
    expect(() => parseScenario({ ...base, course: {}, clinicalEvents: [{ kind: 'rash', cycle: 1 }] })).toThrow(/kind must be one of: ulcer, epigastricPain/);
    expect(() => parseScenario({ ...base, course: {}, clinicalEvents: [{ kind: 'hepatotoxicity', cycle: 1 }] })).toThrow(/exactly one of grade \(1–4\) or altAstTimesUln/);
    expect(() => parseScenario({ ...base, adverseEvents: 'some' })).toThrow(/adverseEvents must be one of: none, stochastic/);
    expect(() => parseScenario({ ...base, course: { refillFaults: [{ kind: 'pocketFill', cycle: 1 }] } })).toThrow(/course\.refillFaults: refills through a septum happen only with an implanted pump/);
  });

  it('grades a forced hepatotoxicity given as ALT/AST × ULN by CTCAE v3.0', () => {
    const run = runCourse({ scenario: courseScenario({ course: { cycles: 2 }, clinicalEvents: [{ kind: 'hepatotoxicity', cycle: 1, altAstTimesUln: 6 }] }), executor: 'nominal' });
    expect(run.course.cycles[0]?.events[0]).toMatchObject({ kind: 'hepatotoxicity', grade: 3, action: 'hold', doseFactorAfter: 0.75 });
    expect(run.course.cycles[1]?.status).toBe('held');
  });
});
