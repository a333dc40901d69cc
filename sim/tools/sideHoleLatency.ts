/**
 * `npx tsx sim/tools/sideHoleLatency.ts`: time to OCCLUSION of a complete catheter occlusion in a
 * side-hole catheter, against the share of the pulse its wall passes — the figures of
 * docs/faults-and-detection.md (the `occlusion` with `wallPulseFraction` row).
 *
 * Owns: the runs (the default 14-day programme, 84 µL/h, kind world; seeds 1…n, each with its
 * onset in the second day, as sim/tools/patientSweep.ts spreads them) and one line per fraction.
 * Promises: deterministic; every run's detecting alarm is printed, so a miss shows.
 *
 * Options: --seeds <n> (default 5).
 */
import { Simulation } from '../run/simulation.ts';
import { parseScenario } from '../scenario/scenario.ts';

const i = process.argv.indexOf('--seeds');
const seeds = i >= 0 ? Number(process.argv[i + 1]) : 5;
if (!Number.isInteger(seeds) || seeds < 1) {
  console.error('usage: sideHoleLatency.ts [--seeds <n ≥ 1>]');
  process.exit(2);
}

for (const wallPulseFraction of [0, 0.02, 0.1, 0.3, 1]) {
  const latencies: number[] = [];
  const detectedBy: string[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const onsetHours = 24 + ((seed * 7919) % 2400) / 100;
    const scenario = parseScenario({
      name: `side-hole ${wallPulseFraction} seed ${seed}`,
      seed,
      patient: { weightKg: 70, heightCm: 170 },
      prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: 14, doseFactor: 1, reservoirVolumeMl: 30 },
      faults: [{ kind: 'occlusion', atHours: onsetHours, location: 'catheter', severity: 1, ...(wallPulseFraction > 0 ? { wallPulseFraction } : {}) }],
    });
    const outcome = new Simulation({ scenario, maxSimulatedMs: Math.round((onsetHours + 4) * 3_600_000) }).runToEnd().faults[0];
    detectedBy.push(outcome?.detectedBy ?? 'none');
    latencies.push(outcome?.latencySeconds ?? NaN);
  }
  latencies.sort((a, b) => a - b);
  console.log(`wallPulseFraction ${wallPulseFraction}: ${detectedBy.join(', ')}; time to alarm ${latencies[0]}–${latencies.at(-1)} s`);
}
