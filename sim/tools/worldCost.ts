/**
 * `node --import ./sim/tools/loader/register.mjs sim/tools/worldCost.ts [runs] [--against DIR]`:
 * the CPU time of the default 14-day cycle in the kind world and in the patient world, run
 * alternately in one process (kind, patient, kind, …) so the host's load falls on both alike;
 * prints the medians and their ratio (docs/performance.md, "The patient world's cost"). CPU time,
 * not wall time, so a busy host's waiting is not counted; pin it to one core with `taskset -c 1`.
 * `--against DIR`: also the patient cycle of the checkout at DIR (`git worktree add DIR <commit>`,
 * with its node_modules), run in the same alternation, and the change between the two: a change
 * measured side by side with the code before it.
 */
import { runScenarioSync } from '../run/simulation.ts';
import { defaultScenario } from '../scenario/scenario.ts';
import { patientCycleScenario } from './benchScenarios.ts';

const args = process.argv.slice(2);
const againstAt = args.indexOf('--against');
const againstDir = againstAt >= 0 ? args[againstAt + 1] : undefined;
if (againstAt >= 0) args.splice(againstAt, 2);
const runs = Number(args[0] ?? '7');
if (!Number.isInteger(runs) || runs < 1 || runs > 1000 || (againstAt >= 0 && againstDir === undefined)) {
  console.error('usage: worldCost.ts [runs, integer 1–1000] [--against DIR]');
  process.exit(2);
}
/** The other checkout's own simulator and patient cycle (its modules, its compiled code). */
const other =
  againstDir === undefined
    ? null
    : {
        run: (await import(`${againstDir}/sim/run/simulation.ts`)).runScenarioSync as typeof runScenarioSync,
        scenario: (await import(`${againstDir}/sim/tools/benchScenarios.ts`)).patientCycleScenario() as ReturnType<typeof patientCycleScenario>,
      };
const kind = defaultScenario();
const patient = patientCycleScenario();
const cpuMs = (run: () => void): number => {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const kindMs: number[] = [];
const patientMs: number[] = [];
const otherMs: number[] = [];
for (let i = 0; i < runs; i++) {
  kindMs.push(cpuMs(() => runScenarioSync({ scenario: kind })));
  patientMs.push(cpuMs(() => runScenarioSync({ scenario: patient })));
  if (other !== null) otherMs.push(cpuMs(() => other.run({ scenario: other.scenario })));
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const k = median(kindMs);
const p = median(patientMs);
console.log(`default 14-day cycle, CPU time, median of ${runs}: kind ${k.toFixed(0)} ms, patient ${p.toFixed(0)} ms, ratio ${(p / k).toFixed(2)}`);
if (other !== null) {
  const o = median(otherMs);
  console.log(`patient cycle at ${againstDir}: ${o.toFixed(0)} ms; here ${(100 * (p / o - 1)).toFixed(1)} % against it`);
}
