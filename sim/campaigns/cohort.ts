/**
 * A virtual cohort shaped like the seed's Table 1, each patient through a full course.
 *
 * Owns: drawing patients, running their courses (worker threads, `cohortWorker.ts`), and the
 * results table in the shape of the seed's results, beside the seed's own figures (as text:
 * sim/report/cohort.ts).
 * Promises:
 * - Reproducible: patient i of cohort seed s is the same patient with the same course whatever
 *   the number of workers or the order they finish in (per-patient seeds are counter-based).
 * - Table 1 shape: each categorical characteristic is allocated in the seed's proportions
 *   (largest remainder; exactly the seed's counts for 54 patients) and shuffled with the cohort
 *   seed, independently of the others. Age follows a piecewise-linear quantile function through
 *   the seed's median and range (32, 62, 78) with quartiles 55 and 69 (default). Weight and height
 *   are not in the seed: drawn by sex from normal distributions of adult Chinese patients, stated
 *   in `BODY`, clipped inside the drug library's soft limits (defaults).
 * - Course length per patient: the clinical path's (sim/course/clinicalPath.ts: resection after
 *   cycles 2–7, postoperative HAI, or hepatic progression), within a course limit of 18 cycles.
 *   Who converts (38/54) and what follows the operation (34/3/1 of 38) are allocated like Table 1:
 *   exactly the seed's counts for 54 patients, shuffled with the cohort seed.
 * Every patient gets the seed protocol (FUDR 0.15 mg/kg/day, dexamethasone 1 mg/m²/day, 14-day
 * infusion of a 30 mL reservoir, 21-day cycles) and `adverseEvents: "stochastic"`.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { AlarmCode } from '../../firmware/index.ts';
import { SeededRandom, noiseKey, piecewiseLinearQuantile, streamId, uniformFromKey } from '../world/rng.ts';
import { workerExecArgv } from './workers.ts';
import type { CohortPatient, CohortTask } from './cohortTask.ts';
import { runCohortTask } from './cohortTask.ts';
import { COURSE_LIMIT_CYCLES, DiseaseDraws, POSTOPERATIVE, RESECTION, SEED_PATIENTS } from '../course/clinicalPath.ts';
import type { PostoperativePlan } from '../course/clinicalPath.ts';
import type { CourseRunSummary } from '../course/courseRunner.ts';

/** Table 1 (n = 54) of Int J Clin Exp Med 2015;8(1):1000-1008. */
export const TABLE_1 = Object.freeze({
  sex: { male: 29, female: 25 },
  ecog: { '0': 21, '1': 24, '2': 9 },
  primarySite: { 'right colon': 13, 'left/sigmoid colon': 19, rectum: 22 },
  hepaticInvolvement: { '<25%': 10, '25-50%': 17, '>50%': 27 },
  lobarInvolvement: { bilobar: 38, unilobar: 16 },
  lesions: { '<=5': 8, '6-10': 18, '>=11': 28 },
  cea: { '<=200 ng/mL': 29, '>200 ng/mL': 25 },
  ldh: { normal: 16, abnormal: 38 },
  age: { min: 32, median: 62, max: 78 },
});

/** Age quantile function knots (p, years): the seed's min, median, max; quartiles are defaults. */
export const AGE_QUANTILES: readonly (readonly [number, number])[] = [[0, 32], [0.25, 55], [0.5, 62], [0.75, 69], [1, 78]];

/** Body size by sex (defaults: adult Chinese means and SDs; the seed reports neither). */
export const BODY = Object.freeze({
  male: { heightCm: { mean: 169, sd: 6, min: 150, max: 190 }, weightKg: { mean: 65, sd: 10, min: 42, max: 100 } },
  female: { heightCm: { mean: 158, sd: 5.5, min: 142, max: 178 }, weightKg: { mean: 56, sd: 8.5, min: 38, max: 90 } },
});

/** Counts for n patients in the proportions of `counts` (largest remainder, ties by listed order). */
export function allocate(counts: Readonly<Record<string, number>>, n: number): Map<string, number> {
  const entries = Object.entries(counts);
  const total = entries.reduce((s, [, c]) => s + c, 0);
  const exact = entries.map(([k, c]) => ({ k, q: (c * n) / total }));
  const out = new Map(exact.map(({ k, q }) => [k, Math.floor(q)]));
  let left = n - [...out.values()].reduce((s, c) => s + c, 0);
  const byRemainder = [...exact].sort((a, b) => b.q - Math.floor(b.q) - (a.q - Math.floor(a.q)));
  for (const { k } of byRemainder) {
    if (left <= 0) break;
    out.set(k, (out.get(k) ?? 0) + 1);
    left--;
  }
  return out;
}

function shuffled<T>(items: T[], rng: SeededRandom): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

function column(counts: Readonly<Record<string, number>>, n: number, rng: SeededRandom): string[] {
  const values: string[] = [];
  for (const [k, c] of allocate(counts, n)) for (let i = 0; i < c; i++) values.push(k);
  return shuffled(values, rng);
}

const clip = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Seed of patient i of a cohort (counter-based). */
export function patientSeed(cohortSeed: number, index: number): number {
  return Math.floor(uniformFromKey(noiseKey(cohortSeed, streamId('cohort.patient')), index) * 4294967296) >>> 0;
}

/** The cohort's patients. `maxCycles` caps each planned course (quick looks, tests). */
export function drawCohort(n: number, cohortSeed: number, maxCycles = Infinity): CohortPatient[] {
  const rng = (name: string): SeededRandom => new SeededRandom(cohortSeed, streamId(`cohort.${name}`));
  const sex = column(TABLE_1.sex, n, rng('sex'));
  const ecog = column(TABLE_1.ecog, n, rng('ecog'));
  const site = column(TABLE_1.primarySite, n, rng('site'));
  const involvement = column(TABLE_1.hepaticInvolvement, n, rng('involvement'));
  const lobar = column(TABLE_1.lobarInvolvement, n, rng('lobar'));
  const lesions = column(TABLE_1.lesions, n, rng('lesions'));
  const cea = column(TABLE_1.cea, n, rng('cea'));
  const ldh = column(TABLE_1.ldh, n, rng('ldh'));
  const resectable = column({ yes: RESECTION.resected, no: SEED_PATIENTS - RESECTION.resected }, n, rng('resectable'));
  const converters = resectable.filter((r) => r === 'yes').length;
  const postoperative = column(POSTOPERATIVE, converters, rng('postoperative'));
  const ageRng = rng('age');
  const agePositions = shuffled(Array.from({ length: n }, (_, i) => (n === 1 ? 0.5 : i / (n - 1))), ageRng);
  const patients: CohortPatient[] = [];
  let converter = 0;
  for (let i = 0; i < n; i++) {
    const seed = patientSeed(cohortSeed, i);
    const own = new SeededRandom(seed, streamId('cohort.body'));
    const s = (sex[i] ?? 'male') as 'male' | 'female';
    const body = BODY[s];
    const heightCm = Math.round(clip(own.normal(body.heightCm.mean, body.heightCm.sd), body.heightCm.min, body.heightCm.max));
    const weightKg = Math.round(clip(own.normal(body.weightKg.mean, body.weightKg.sd), body.weightKg.min, body.weightKg.max) * 10) / 10;
    const converts = resectable[i] === 'yes';
    const disease = { resectable: converts, postoperative: converts ? ((postoperative[converter++] ?? 'xeloxHai') as PostoperativePlan) : null };
    patients.push({
      index: i,
      seed,
      age: Math.round(piecewiseLinearQuantile(AGE_QUANTILES, agePositions[i] ?? 0.5)),
      sex: s,
      ecog: Number(ecog[i]),
      primarySite: site[i] ?? '',
      hepaticInvolvement: involvement[i] ?? '',
      lobarInvolvement: lobar[i] ?? '',
      lesions: lesions[i] ?? '',
      cea: cea[i] ?? '',
      ldh: ldh[i] ?? '',
      weightKg,
      heightCm,
      plannedCycles: Math.min(maxCycles, COURSE_LIMIT_CYCLES),
      expectedHaiCycles: new DiseaseDraws(seed).expectedHaiCycles(Math.min(maxCycles, COURSE_LIMIT_CYCLES), disease),
      ...disease,
    });
  }
  return patients;
}

/** What happened to one patient, for the table. */
export interface PatientOutcome {
  readonly patient: CohortPatient;
  readonly bsaM2: number;
  readonly cyclesPlanned: number;
  readonly cyclesInfused: number;
  readonly cyclesHeld: number;
  readonly doseReduced: boolean;
  readonly held: boolean;
  /** Event kinds behind the reductions / the held cycles. */
  readonly reducedAfter: readonly string[];
  readonly heldAfter: readonly string[];
  readonly stoppedReason: string | null;
  readonly displacement: boolean;
  readonly portInfection: boolean;
  /** Infused cycle (1-based count) at the first ulcer; null: none. */
  readonly ulcerAtInfusedCycle: number | null;
  readonly hepatotoxicityMaxGrade: number;
  readonly epigastricPainGrade3to4: boolean;
  readonly alarms: Readonly<Partial<Record<AlarmCode, number>>>;
  /** Null: not resected. */
  readonly cyclesBeforeResection: number | null;
  readonly daysFromStopToSurgery: number | null;
  readonly postoperative: 'xeloxHai' | 'xelox' | 'none' | null;
  readonly postoperativeHai: boolean;
  readonly postoperativeHaiCycles: number;
  readonly hepaticProgression: boolean;
  readonly fudrMg: number;
  readonly dexamethasoneMg: number;
  readonly controlSteps: number;
  readonly wallMs: number;
}

export function outcomeOf(patient: CohortPatient, s: CourseRunSummary): PatientOutcome {
  const c = s.course;
  let infused = 0;
  let ulcerAt: number | null = null;
  let hepatotoxicityMaxGrade = 0;
  let pain = false;
  let displacement = false;
  let portInfection = false;
  const alarms: Partial<Record<AlarmCode, number>> = {};
  const reducedAfter = new Set<string>();
  const heldAfter = new Set<string>();
  c.cycles.forEach((r, i) => {
    let factor = r.doseFactor;
    for (const e of r.events) {
      if (e.doseFactorAfter < factor) reducedAfter.add(e.kind);
      factor = e.doseFactorAfter;
      const next = c.cycles[i + 1];
      if (e.action === 'hold' && e.resumeDay !== null && next !== undefined && next.status === 'held' && e.resumeDay > next.startDay) heldAfter.add(e.kind);
    }
  });
  for (const r of c.cycles) {
    if (r.status === 'infused') infused++;
    for (const a of r.alarms) alarms[a.code] = (alarms[a.code] ?? 0) + 1;
    for (const e of r.events) {
      if (e.kind === 'ulcer' && ulcerAt === null) ulcerAt = infused;
      if (e.kind === 'hepatotoxicity') hepatotoxicityMaxGrade = Math.max(hepatotoxicityMaxGrade, e.grade ?? 0);
      if (e.kind === 'epigastricPain' && (e.grade ?? 0) >= 3) pain = true;
      if (e.kind === 'catheterDisplacement' || (e.kind === 'deviceAlarm' && e.code === 'CATHETER_DISPLACEMENT')) displacement = true;
      if (e.kind === 'portInfection') portInfection = true;
    }
  }
  return {
    patient,
    bsaM2: s.patient.bsaM2,
    cyclesPlanned: c.cyclesPlanned,
    cyclesInfused: c.cyclesInfused,
    cyclesHeld: c.cyclesHeld,
    doseReduced: c.cycles.some((r) => r.doseFactor < 1) || c.finalDoseFactor < 1,
    held: c.cyclesHeld > 0,
    reducedAfter: [...reducedAfter],
    heldAfter: [...heldAfter],
    stoppedReason: c.stoppedReason,
    displacement,
    portInfection,
    ulcerAtInfusedCycle: ulcerAt,
    hepatotoxicityMaxGrade,
    epigastricPainGrade3to4: pain,
    alarms,
    cyclesBeforeResection: c.resection?.cyclesBeforeResection ?? null,
    daysFromStopToSurgery: c.resection?.daysFromStopToSurgery ?? null,
    postoperative: c.resection?.postoperative ?? null,
    postoperativeHai: c.haiCycles.postoperative > 0,
    postoperativeHaiCycles: c.haiCycles.postoperative,
    hepaticProgression: c.cycles.some((r) => r.events.some((e) => e.kind === 'hepaticProgression')),
    fudrMg: c.fudrMgTotal,
    dexamethasoneMg: c.dexamethasoneMgTotal,
    controlSteps: s.controlSteps,
    wallMs: s.wallMs,
  };
}

export interface Row {
  readonly label: string;
  readonly simulated: string;
  readonly seed: string;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const fmt = (x: number, digits = 0): string => (Number.isInteger(x) && digits === 0 ? String(x) : x.toFixed(digits));
const medianRange = (xs: readonly number[], digits = 0): string =>
  xs.length === 0 ? '—' : `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
const share = (k: number, n: number): string => `${k} (${n === 0 ? '—' : ((100 * k) / n).toFixed(1)} %)`;

/** Median and range of a list (null when it is empty). */
export interface MedianRange {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function medianRangeOf(xs: readonly number[]): MedianRange | null {
  return xs.length === 0 ? null : { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/** The clinical path's figures of a cohort (`cohort --json` carries them at the top level). */
export interface ResectionFigures {
  readonly resectedPatients: number;
  readonly cyclesBeforeResection: MedianRange | null;
  readonly daysFromStopToSurgery: MedianRange | null;
  /** Resected patients who received HAI after the operation (the seed: 34 of 38, with XELOX). */
  readonly postoperativeHaiPatients: number;
  readonly postoperativeXeloxOnlyPatients: number;
  readonly postoperativeNonePatients: number;
  readonly haiCycles: MedianRange | null;
}

export function resectionFigures(outcomes: readonly PatientOutcome[]): ResectionFigures {
  const resected = outcomes.filter((o) => o.cyclesBeforeResection !== null);
  return {
    resectedPatients: resected.length,
    cyclesBeforeResection: medianRangeOf(resected.map((o) => o.cyclesBeforeResection as number)),
    daysFromStopToSurgery: medianRangeOf(resected.map((o) => o.daysFromStopToSurgery as number)),
    postoperativeHaiPatients: resected.filter((o) => o.postoperativeHai).length,
    postoperativeXeloxOnlyPatients: resected.filter((o) => !o.postoperativeHai && o.postoperative !== 'none').length,
    postoperativeNonePatients: resected.filter((o) => o.postoperative === 'none').length,
    haiCycles: medianRangeOf(outcomes.map((o) => o.cyclesInfused)),
  };
}

export interface CohortTable {
  readonly rows: readonly Row[];
  readonly resection: ResectionFigures;
  readonly alarms: readonly { readonly code: AlarmCode; readonly alarms: number; readonly patients: number }[];
}

/** The results table: simulated beside the seed's figures (n = 54). */
export function cohortTable(outcomes: readonly PatientOutcome[]): CohortTable {
  const n = outcomes.length;
  const count = (f: (o: PatientOutcome) => boolean): number => outcomes.filter(f).length;
  const ulcerCycles = outcomes.flatMap((o) => (o.ulcerAtInfusedCycle === null ? [] : [o.ulcerAtInfusedCycle]));
  const resection = resectionFigures(outcomes);
  const resected = outcomes.filter((o) => o.cyclesBeforeResection !== null);
  const rows: Row[] = [
    { label: 'Patients', simulated: String(n), seed: '54' },
    { label: 'Converted to resectable and resected', simulated: share(resection.resectedPatients, n), seed: '38 (70.4 %)' },
    { label: '  cycles before resection, median (range)', simulated: medianRange(resected.map((o) => o.cyclesBeforeResection as number)), seed: '4 (2–7)' },
    { label: '  days from stop of chemotherapy to resection, median (range)', simulated: medianRange(resected.map((o) => o.daysFromStopToSurgery as number)), seed: '26 (22–33)' },
    { label: '  postoperative XELOX + HAI', simulated: String(resection.postoperativeHaiPatients), seed: '34' },
    { label: '  postoperative XELOX alone (or HAI stopped before)', simulated: String(resection.postoperativeXeloxOnlyPatients), seed: '3' },
    { label: '  no postoperative chemotherapy', simulated: String(resection.postoperativeNonePatients), seed: '1' },
    { label: 'Unresectable, HAI stopped at hepatic progression', simulated: share(count((o) => o.hepaticProgression), n), seed: '16 unresectable, to second-line' },
    { label: 'HAI cycles received, median (range)', simulated: medianRange(outcomes.map((o) => o.cyclesInfused)), seed: '9 (3–18)' },
    { label: 'Patients with dose reduction (FUDR and dexamethasone)', simulated: share(count((o) => o.doseReduced), n), seed: 'not reported in total' },
    { label: '  after ulceration (50 %)', simulated: share(count((o) => o.reducedAfter.includes('ulcer')), n), seed: '4 (7.4 %)' },
    { label: '  after hepatotoxicity', simulated: share(count((o) => o.reducedAfter.includes('hepatotoxicity')), n), seed: 'not reported' },
    { label: 'Patients with HAI held', simulated: share(count((o) => o.held), n), seed: 'not reported in total' },
    { label: '  after ulceration (1 month)', simulated: share(count((o) => o.heldAfter.includes('ulcer')), n), seed: '4 (7.4 %)' },
    { label: '  after hepatotoxicity', simulated: share(count((o) => o.heldAfter.includes('hepatotoxicity')), n), seed: 'not reported' },
    { label: 'Patients with HAI stopped for toxicity or the catheter', simulated: share(count((o) => o.stoppedReason !== null && !o.hepaticProgression), n), seed: '1 (1.9 %), ulcer recurred' },
    { label: 'Catheter displacement (corrected, continued)', simulated: share(count((o) => o.displacement), n), seed: '2 (3.7 %)' },
    { label: 'Port-site infection (debridement)', simulated: share(count((o) => o.portInfection), n), seed: '4 (7.4 %)' },
    { label: 'GI ulceration', simulated: share(ulcerCycles.length, n), seed: '4 (7.4 %)' },
    { label: '  at infused cycle, median (range)', simulated: medianRange(ulcerCycles), seed: '5 (3–7)' },
    { label: 'ALT/AST elevation, any grade', simulated: share(count((o) => o.hepatotoxicityMaxGrade >= 1), n), seed: '36 (66.7 %)' },
    { label: 'ALT/AST grade 3', simulated: share(count((o) => o.hepatotoxicityMaxGrade >= 3), n), seed: '11 (20.4 %)' },
    { label: 'Epigastric pain grade 3–4', simulated: share(count((o) => o.epigastricPainGrade3to4), n), seed: '8 (14.8 %)' },
    { label: 'Patients with any device alarm', simulated: share(count((o) => Object.keys(o.alarms).length > 0), n), seed: 'not reported' },
    { label: 'FUDR to the hepatic artery per patient, mg, median (range)', simulated: medianRange(outcomes.map((o) => o.fudrMg)), seed: 'not reported' },
  ];
  const codes = new Map<AlarmCode, { alarms: number; patients: number }>();
  for (const o of outcomes) {
    for (const [code, k] of Object.entries(o.alarms) as [AlarmCode, number][]) {
      const c = codes.get(code) ?? { alarms: 0, patients: 0 };
      codes.set(code, { alarms: c.alarms + k, patients: c.patients + 1 });
    }
  }
  return { rows, resection, alarms: [...codes].sort((a, b) => b[1].alarms - a[1].alarms).map(([code, c]) => ({ code, ...c })) };
}

export const WORKER_PATH = fileURLToPath(new URL('./cohortWorker.ts', import.meta.url));

export interface CohortOptions {
  readonly patients: number;
  readonly seed: number;
  readonly profile?: string;
  readonly rulesPath?: string;
  /** Worker threads; 0 runs in this thread. Default: the machine's cores. */
  readonly workers?: number;
  readonly maxCycles?: number;
  readonly executor?: 'pump' | 'nominal';
  readonly onPatient?: (done: number, total: number) => void;
}

export interface CohortResult {
  readonly patients: number;
  readonly seed: number;
  readonly profile: string;
  readonly workers: number;
  readonly wallMs: number;
  readonly controlSteps: number;
  readonly outcomes: readonly PatientOutcome[];
  readonly table: CohortTable;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** What running some of a cohort's patients gives: their outcomes, in the order asked for. */
export interface CohortRuns {
  readonly outcomes: readonly PatientOutcome[];
  readonly workers: number;
  readonly wallMs: number;
}

/**
 * Runs the courses of the patients at `indices` (default: all) of the cohort `options` describes,
 * across worker threads unless `workers` is 0. Patient k is the same whichever others run beside it.
 */
export async function runCohortPatients(options: CohortOptions, indices?: readonly number[]): Promise<CohortRuns> {
  const t0 = performance.now();
  const profile = options.profile ?? 'port-ambulatory';
  const executor = options.executor ?? 'pump';
  const cohort = drawCohort(options.patients, options.seed, options.maxCycles);
  const patients = indices === undefined ? cohort : indices.map((k) => cohort[k] as CohortPatient);
  const tasks: CohortTask[] = patients.map((patient) => ({ patient, profile, executor, ...(options.rulesPath !== undefined ? { rulesPath: options.rulesPath } : {}) }));
  const workers = Math.max(0, Math.min(options.workers ?? defaultWorkers(), tasks.length));
  let done = 0;
  const finished = (s: CourseRunSummary): CourseRunSummary => {
    done++;
    options.onPatient?.(done, tasks.length);
    return s;
  };
  let summaries: CourseRunSummary[];
  if (workers === 0) {
    summaries = [];
    for (const task of tasks) summaries.push(finished(runCohortTask(task)));
  } else {
    const { Piscina } = await import('piscina');
    const pool = new Piscina({ filename: WORKER_PATH, execArgv: workerExecArgv(), minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
    try {
      // Longest courses first, so two workers finish together; results keep the patients' order.
      const order = tasks.map((_, i) => i).sort((a, b) => (patients[b]?.expectedHaiCycles ?? 0) - (patients[a]?.expectedHaiCycles ?? 0) || a - b);
      const results = new Array<CourseRunSummary>(tasks.length);
      await Promise.all(order.map((i) => (pool.run(tasks[i]) as Promise<CourseRunSummary>).then((s) => (results[i] = finished(s)))));
      summaries = results;
    } finally {
      await pool.destroy();
    }
  }
  const outcomes = summaries.map((s, i) => outcomeOf(patients[i] as CohortPatient, s));
  return { outcomes, workers, wallMs: Math.round(performance.now() - t0) };
}

/** The expected cost of each patient of a cohort, for splitting it into shards: the HAI cycles the clinical path gives. */
export function cohortRunCosts(patients: number, seed: number, maxCycles?: number): number[] {
  return drawCohort(patients, seed, maxCycles).map((p) => p.expectedHaiCycles);
}

/** A cohort's result from all its patients' outcomes, in patient order. */
export function cohortResult(head: { readonly seed: number; readonly profile: string; readonly workers: number; readonly wallMs: number }, outcomes: readonly PatientOutcome[]): CohortResult {
  return {
    patients: outcomes.length,
    seed: head.seed,
    profile: head.profile,
    workers: head.workers,
    wallMs: head.wallMs,
    controlSteps: outcomes.reduce((s, o) => s + o.controlSteps, 0),
    outcomes,
    table: cohortTable(outcomes),
  };
}

/** Runs every patient's course (across worker threads unless `workers` is 0) and builds the table. */
export async function runCohort(options: CohortOptions): Promise<CohortResult> {
  const runs = await runCohortPatients(options);
  return cohortResult({ seed: options.seed, profile: options.profile ?? 'port-ambulatory', workers: runs.workers, wallMs: runs.wallMs }, runs.outcomes);
}
