/**
 * `node --import ./sim/tools/loader/register.mjs sim/tools/worldCost.ts [runs]`: the CPU time of
 * the default 14-day cycle in the kind world and in the patient world, run alternately in one
 * process (kind, patient, kind, …) so the host's load falls on both alike; prints the medians and
 * their ratio (docs/performance.md, "The patient world's cost"). CPU time, not wall time, so a
 * busy host's waiting is not counted; pin it to one core with `taskset -c 1`.
 */
import { runScenarioSync } from '../run/simulation.ts';
import { defaultScenario } from '../scenario/scenario.ts';
import { patientCycleScenario } from './benchScenarios.ts';

const runs = Number(process.argv[2] ?? '7');
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) {
  console.error('usage: worldCost.ts [runs, integer 1–1000]');
  process.exit(2);
}
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
for (let i = 0; i < runs; i++) {
  kindMs.push(cpuMs(() => runScenarioSync({ scenario: kind })));
  patientMs.push(cpuMs(() => runScenarioSync({ scenario: patient })));
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const k = median(kindMs);
const p = median(patientMs);
console.log(`default 14-day cycle, CPU time, median of ${runs}: kind ${k.toFixed(0)} ms, patient ${p.toFixed(0)} ms, ratio ${(p / k).toFixed(2)}`);
