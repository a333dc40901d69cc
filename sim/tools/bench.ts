/**
 * `npm run bench`: speed of the simulator, measured in-process.
 *
 * Owns: the speed figures quoted in docs/performance.md (speed targets live here, never in timed
 * tests).
 * Promises: each case runs in a worker thread of its own, as each `pumpsim` process starts fresh,
 * so a case's figure does not depend on the cases measured before it; each case runs `--warmup`
 * times untimed (default 2), then `--runs` times (default 5), and the median wall time is reported
 * with the work done (control steps executed, simulated seconds), so a faster figure that skipped
 * control steps would show. The text names the runs and warm-up runs actually made. `--json`
 * prints one JSON object. An option out of its range exits 2 with one line naming it and the range.
 */
import { Command, CommanderError } from 'commander';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { defaultScenario } from '../scenario/scenario.ts';
import { course18Scenario, faultHeavyScenario, patientCycleScenario } from './benchScenarios.ts';
import { runScenarioSync } from '../run/simulation.ts';
import { runCohort } from '../campaigns/cohort.ts';
import { runCourse } from '../course/courseRunner.ts';
import { workerExecArgv } from '../campaigns/workers.ts';
import { intOption } from '../cli/options.ts';
import { packageVersion } from '../cli/version.ts';
import type { LogEntry } from '../../firmware/index.ts';
import { Telemetry } from '../run/telemetry.ts';
import { TraceCollector } from '../report/html/traces.ts';
import { runReportHtml } from '../report/html/runReport.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface CaseResult {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
  readonly warmups: number;
  readonly controlSteps: number;
  readonly simulatedSeconds: number;
  readonly nsPerControlStep: number;
  /** The report case: the HTML file's size. */
  readonly reportBytes?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function measure(runs: number, warmups: number, once: () => Work): CaseResult {
  for (let i = 0; i < warmups; i++) once();
  const times: number[] = [];
  let last: Work = { controlSteps: 0, simulatedSeconds: 0 };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = once();
    times.push(performance.now() - t0);
  }
  return result(times, warmups, last);
}

function result(times: readonly number[], warmups: number, last: Work): CaseResult {
  const medianMs = median([...times]);
  return {
    medianMs: Number(medianMs.toFixed(1)),
    minMs: Number(Math.min(...times).toFixed(1)),
    maxMs: Number(Math.max(...times).toFixed(1)),
    runs: times.length,
    warmups,
    controlSteps: last.controlSteps,
    simulatedSeconds: last.simulatedSeconds,
    nsPerControlStep: Number(((medianMs * 1e6) / last.controlSteps).toFixed(1)),
    ...(last.reportBytes !== undefined ? { reportBytes: last.reportBytes } : {}),
  };
}

interface Work {
  readonly controlSteps: number;
  readonly simulatedSeconds: number;
  readonly reportBytes?: number;
}

/** The timed cases; each builds its scenario once, outside the timing. */
const CASES = {
  cycle14d: (): (() => Work) => {
    const scenario = defaultScenario();
    return () => runScenarioSync({ scenario });
  },
  cycle14dPatient: (): (() => Work) => {
    const scenario = patientCycleScenario();
    return () => runScenarioSync({ scenario });
  },
  faultHeavy14d: (): (() => Work) => {
    const scenario = faultHeavyScenario();
    return () => runScenarioSync({ scenario });
  },
  /** `pumpsim run --report`: the default cycle sampled every 60 s (the report's default), its HTML report built and written to a file. */
  report14d: (): (() => Work) => {
    const scenario = defaultScenario();
    const dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-bench-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return () => {
      const telemetry = new Telemetry(60_000);
      const samples = new TraceCollector();
      const log: LogEntry[] = [];
      telemetry.samples.subscribe((sample) => samples.add(sample));
      telemetry.log.subscribe((e) => log.push(e));
      const summary = runScenarioSync({ scenario, telemetry });
      const html = runReportHtml({ summary, scenario, log, samples, version: packageVersion() });
      writeFileSync(path.join(dir, 'run.html'), html);
      return { controlSteps: summary.controlSteps, simulatedSeconds: summary.simulatedSeconds, reportBytes: Buffer.byteLength(html) };
    };
  },
  course18: (): (() => Work) => {
    const scenario = course18Scenario();
    return () => {
      const r = runCourse({ scenario });
      return { controlSteps: r.controlSteps, simulatedSeconds: r.course.cycles.reduce((s, c) => s + (c.pump?.simulatedSeconds ?? 0), 0) };
    };
  },
} as const;
type CaseName = keyof typeof CASES;

/**
 * Two cases timed alternately in one worker (a, b, a, b, …), so load on the machine falls on both
 * alike; their ratio is the ratio of the two medians. The report's overhead pairs the plain
 * default cycle with the same run and its report; the patient world's cost pairs the default cycle
 * in the kind world with the same cycle in the patient world.
 */
function measureAlternately(a: () => Work, b: () => Work, runs: number, warmups: number): [CaseResult, CaseResult] {
  for (let i = 0; i < warmups; i++) {
    a();
    b();
  }
  const aTimes: number[] = [];
  const bTimes: number[] = [];
  let aWork: Work = { controlSteps: 0, simulatedSeconds: 0 };
  let bWork: Work = aWork;
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    aWork = a();
    aTimes.push(performance.now() - t0);
    t0 = performance.now();
    bWork = b();
    bTimes.push(performance.now() - t0);
  }
  return [result(aTimes, warmups, aWork), result(bTimes, warmups, bWork)];
}

function measurePaired(runs: number, warmups: number): { plain: CaseResult; report: CaseResult } {
  const [plain, report] = measureAlternately(CASES.cycle14d(), CASES.report14d(), runs, warmups);
  return { plain, report };
}

function measureWorlds(runs: number, warmups: number): { kind: CaseResult; patient: CaseResult } {
  const [kind, patient] = measureAlternately(CASES.cycle14d(), CASES.cycle14dPatient(), runs, warmups);
  return { kind, patient };
}

/** Measures one case in a worker thread of its own (see the header). */
function measureIsolated(name: CaseName | 'reportPaired' | 'worldsPaired', runs: number, warmups: number): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { benchCase: name, runs, warmups }, execArgv: workerExecArgv() });
    worker.once('message', (result: CaseResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bench case ${name}: worker exited with code ${code}`));
    });
  });
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const program = new Command('bench')
  .description('Measure the simulator on six cases (the default 14-day cycle, the same in the patient world, the same with its HTML report, a fault-heavy cycle, an 18-cycle course, a 54-patient cohort): median wall time of N runs after warm-up runs, with the control steps each executed.')
  .option('--runs <n>', 'measured runs per case (integer 1–1000)', intOption('--runs', 1, 1000), 5)
  .option('--warmup <n>', 'untimed runs per case before measuring (integer 0–100)', intOption('--warmup', 0, 100), 2)
  .option('--json', 'print one JSON object')
  .option('--no-course', 'skip the course cases (course18, cohort54)')
  .exitOverride()
  .action(async (opts: { runs: number; warmup: number; json?: boolean; course: boolean }) => {
    const { runs, warmup: warmups } = opts;
    const scenario = defaultScenario();
    const cycle14d = await measureIsolated('cycle14d', runs, warmups);
    const paired = (await measureIsolated('reportPaired', runs, warmups)) as unknown as { plain: CaseResult; report: CaseResult };
    const report14d = paired.report;
    const reportOverheadPercent = Number(((100 * (report14d.medianMs - paired.plain.medianMs)) / paired.plain.medianMs).toFixed(1));
    const reportMb = Number(((report14d.reportBytes ?? 0) / 1e6).toFixed(2));
    const worlds = (await measureIsolated('worldsPaired', runs, warmups)) as unknown as { kind: CaseResult; patient: CaseResult };
    const cycle14dPatient = { ...worlds.patient, pairedKindMedianMs: worlds.kind.medianMs, ratioToKind: Number((worlds.patient.medianMs / worlds.kind.medianMs).toFixed(2)) };
    const faultHeavy14d = await measureIsolated('faultHeavy14d', runs, warmups);
    const courseCases = opts.course ? await courseBench(runs, warmups) : null;
    const result = { cycle14d, cycle14dPatient, report14d: { ...report14d, reportMb, overheadPercent: reportOverheadPercent, pairedPlainMedianMs: paired.plain.medianMs }, faultHeavy14d, ...(courseCases ?? {}) };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const line = (label: string, c: CaseResult): void => {
      console.log(`${label}: median ${c.medianMs} ms over ${plural(c.runs, 'run')} after ${plural(c.warmups, 'warm-up run')} (min ${c.minMs}, max ${c.maxMs})`);
      console.log(`  ${c.controlSteps} control steps over ${c.simulatedSeconds} simulated s: ${c.nsPerControlStep} ns per step`);
    };
    line(`default 14-day cycle (${scenario.name})`, cycle14d);
    line('the same cycle with --report (sampled every 60 s, HTML written)', report14d);
    console.log(`  report ${reportMb} MB; wall time ${reportOverheadPercent >= 0 ? '+' : ''}${reportOverheadPercent} % over the plain run timed alternately with it (median ${paired.plain.medianMs} ms) (limit: 5 MB, +20 %)`);
    line('the same cycle in the patient world (ambulatory, sinus rhythm)', cycle14dPatient);
    console.log(`  ${cycle14dPatient.ratioToKind} x the kind world's cycle timed alternately with it (median ${worlds.kind.medianMs} ms) (target: ≤ 1.5 x)`);
    line('fault-heavy 14-day cycle (occlusions, displacement, sensor dropout, power loss, pressure episodes)', faultHeavy14d);
    if (courseCases !== null) {
      line('18-cycle course (the seed maximum; 18 pump runs of 14 days, rest days off)', courseCases.course18);
      const c = courseCases.cohort54;
      console.log(`cohort of ${c.patients} patients (one timed run, ${c.workers} worker threads): ${c.wallMs} ms; ${c.cyclesInfused} infused cycles, ${c.controlSteps} control steps`);
    }
  });

/**
 * Course cases: an 18-cycle course of the default scenario (the seed's maximum, no adverse
 * events), median of `runs`; and the 54-patient cohort (seed 1, stochastic adverse events, worker
 * threads on every core), timed once.
 */
async function courseBench(runs: number, warmups: number): Promise<{
  course18: CaseResult & { readonly cycles: number; readonly courseDays: number };
  cohort54: { readonly wallMs: number; readonly patients: number; readonly workers: number; readonly cyclesInfused: number; readonly controlSteps: number; readonly nsPerControlStepPerWorker: number };
}> {
  const course18 = await measureIsolated('course18', runs, warmups);
  const cohort = await runCohort({ patients: 54, seed: 1 });
  const cyclesInfused = cohort.outcomes.reduce((s, o) => s + o.cyclesInfused, 0);
  return {
    course18: { ...course18, cycles: 18, courseDays: 18 * 21 },
    cohort54: {
      wallMs: cohort.wallMs,
      patients: cohort.patients,
      workers: cohort.workers,
      cyclesInfused,
      controlSteps: cohort.controlSteps,
      nsPerControlStepPerWorker: Number(((cohort.wallMs * 1e6 * cohort.workers) / cohort.controlSteps).toFixed(1)),
    },
  };
}

if (isMainThread) {
  try {
    await program.parseAsync();
  } catch (e) {
    // Commander has printed help or its one-line message; anything else is a real failure.
    if (!(e instanceof CommanderError)) throw e;
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  }
} else {
  const { benchCase, runs, warmups } = workerData as { benchCase: CaseName | 'reportPaired' | 'worldsPaired'; runs: number; warmups: number };
  parentPort?.postMessage(
    benchCase === 'reportPaired' ? measurePaired(runs, warmups) : benchCase === 'worldsPaired' ? measureWorlds(runs, warmups) : measure(runs, warmups, CASES[benchCase]()),
  );
}
