/**
 * `npm run bench`: speed of the simulator, measured in-process.
 *
 * Owns: the speed figures quoted in docs and closing notes (rule 7: speed targets live here, never
 * in timed tests).
 * Promises: each case runs once to warm up, then `--runs` times (default 5); the median wall time
 * is reported with the work done (control steps executed, simulated seconds), so a faster figure
 * that skipped control steps would show. `--json` prints one JSON object.
 */
import { Command } from 'commander';
import { performance } from 'node:perf_hooks';
import { defaultScenario } from './scenario.ts';
import { runScenarioSync } from './simulation.ts';

interface CaseResult {
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly runs: number;
  readonly controlSteps: number;
  readonly simulatedSeconds: number;
  readonly nsPerControlStep: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function measure(runs: number, once: () => { controlSteps: number; simulatedSeconds: number }): CaseResult {
  once();
  const times: number[] = [];
  let last = { controlSteps: 0, simulatedSeconds: 0 };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = once();
    times.push(performance.now() - t0);
  }
  const medianMs = median(times);
  return {
    medianMs: Number(medianMs.toFixed(1)),
    minMs: Number(Math.min(...times).toFixed(1)),
    maxMs: Number(Math.max(...times).toFixed(1)),
    runs,
    controlSteps: last.controlSteps,
    simulatedSeconds: last.simulatedSeconds,
    nsPerControlStep: Number(((medianMs * 1e6) / last.controlSteps).toFixed(1)),
  };
}

const program = new Command('bench')
  .description('Measure the simulator: the default 14-day cycle, median of N runs after a warm-up.')
  .option('--runs <n>', 'measured runs per case (at least 5)', '5')
  .option('--json', 'print one JSON object')
  .action((opts: { runs: string; json?: boolean }) => {
    const runs = Math.max(5, Number.parseInt(opts.runs, 10) || 5);
    const scenario = defaultScenario();
    const cycle14d = measure(runs, () => runScenarioSync({ scenario }));
    const result = { cycle14d };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    console.log(`default 14-day cycle (${scenario.name}): median ${cycle14d.medianMs} ms over ${runs} runs (min ${cycle14d.minMs}, max ${cycle14d.maxMs})`);
    console.log(`  ${cycle14d.controlSteps} control steps over ${cycle14d.simulatedSeconds} simulated s: ${cycle14d.nsPerControlStep} ns per step`);
  });

program.parse();
