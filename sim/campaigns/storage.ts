/**
 * The storage campaign: short infusions under random power cuts (between and inside flash writes)
 * and random flash corruptions, each judged against the fault-free run of the same seed.
 *
 * Owns: drawing a run's faults from its index and the campaign seed, running it and its fault-free
 * twin, judging it, and adding the runs up.
 * Promises:
 * - Run k of campaign seed s is the same run whatever else is run beside it (its seed is drawn from
 *   s and k alone), so a failing run replays alone with `--run k`.
 * - Power cuts fall at random instants over the whole run: self-test, programming, prime,
 *   infusing, alarm-stopped (a motor-stall window the operator acknowledges and resumes after),
 *   flush and locked. About a third fail inside a flash write, at a random byte.
 * - A run fails when it throws (a crash); when its delivered volume differs from its twin's by
 *   more than one stroke per power cut (at least one) with no high-priority alarm (a silent wrong
 *   dose); when it delivers more than its twin plus one stroke per cut even with an alarm; or
 *   when a boot that raised no STORAGE_FAULT restored a ledger more than one stroke away from the
 *   strokes made before the cut.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import { ALARM_RULE_BY_CODE } from '../../firmware/index.ts';
import { parseScenario } from '../scenario/scenario.ts';
import type { RunSummary } from '../run/simulation.ts';
import { Simulation } from '../run/simulation.ts';
import type { FaultSpec, NvRecordName } from '../world/faults.ts';
import { NV_RECORD_NAMES } from '../world/faults.ts';
import { SeededRandom, mix32, streamId } from '../world/rng.ts';
import { PORT_AMBULATORY } from '../scenario/device.ts';

const MS_PER_HOUR = 3_600_000;
/** The infusion each run programmes: short, so that a campaign is many runs. */
export const CAMPAIGN_INFUSION_DAYS = 0.25;
/** How long after the infusion's end a run goes on: the flush, the lock and some locked time. */
const AFTER_INFUSION_MS = 2 * MS_PER_HOUR;

export interface StorageRunTask {
  readonly campaignSeed: number;
  readonly run: number;
}

export interface StorageRunResult {
  readonly run: number;
  readonly seed: number;
  readonly powerCuts: number;
  readonly midWriteCuts: number;
  readonly corruptionsInjected: number;
  readonly corruptionsDetected: number;
  readonly stoppedByStorageFault: boolean;
  readonly maxRepeatedStrokesPerCut: number;
  readonly maxLostStrokesPerCut: number;
  /** Delivered minus the fault-free twin's, in nominal strokes. */
  readonly deliveredDifferenceStrokes: number;
  /** Empty when the run passed. */
  readonly failures: readonly string[];
}

/** The seed of run `run` of campaign `campaignSeed`. */
export function storageRunSeed(campaignSeed: number, run: number): number {
  return mix32((campaignSeed ^ mix32(run + 0x9e3779b9)) >>> 0);
}

/** A run's faults, drawn from its seed: power cuts over the whole run, corruptions, write failures, a stall window. */
export function storageRunFaults(seed: number, runHours: number): FaultSpec[] {
  const r = new SeededRandom(seed, streamId('storage-campaign'));
  const at = (fromH: number, toH: number): number => Math.round(r.uniform(fromH, toH) * 3_600_000) / 3_600_000;
  // Instants weighted towards the short phases: self-test and programming (first 10 s), prime (to 70 s), and the end of the infusion (flush, lock).
  const instant = (): number => {
    const u = r.next();
    if (u < 0.15) return at(0, 10 / 3600);
    if (u < 0.3) return at(10 / 3600, 80 / 3600);
    if (u < 0.45) return at(CAMPAIGN_INFUSION_DAYS * 24 - 0.05, CAMPAIGN_INFUSION_DAYS * 24 + 0.5);
    return at(0, runHours - 0.01);
  };
  const faults: FaultSpec[] = [];
  const cuts = 6 + Math.floor(r.next() * 8);
  for (let i = 0; i < cuts; i++) {
    const durationMinutes = Math.round(r.uniform(0, 20) * 10) / 10;
    faults.push({ kind: 'powerLoss', atHours: instant(), durationMinutes, duringWrite: r.next() < 0.35 });
  }
  const record = (): NvRecordName => NV_RECORD_NAMES[Math.floor(r.next() * NV_RECORD_NAMES.length)] as NvRecordName;
  const corruptions = 3 + Math.floor(r.next() * 5);
  for (let i = 0; i < corruptions; i++) {
    const kind = r.next();
    const atHours = instant();
    // Half of them hit the state record (the ledger), the rest any record.
    const target = r.next() < 0.5 ? 'state' : record();
    if (kind < 0.35) faults.push({ kind: 'nvBitFlip', atHours, record: target, bits: 1 + Math.floor(r.next() * 8) });
    else if (kind < 0.6) faults.push({ kind: 'nvTornWrite', atHours, record: target });
    else if (kind < 0.85) faults.push({ kind: 'nvStaleRecord', atHours, record: target, ageWrites: 1 + Math.floor(r.next() * 100) });
    else faults.push({ kind: 'nvErase', atHours, record: r.next() < 0.2 ? 'all' : target });
  }
  if (r.next() < 0.3) faults.push({ kind: 'nvWriteFailure', atHours: at(0.1, runHours - 0.5), durationMinutes: Math.round(r.uniform(1, 20)) });
  if (r.next() < 0.3) faults.push({ kind: 'motorStall', atHours: at(0.1, CAMPAIGN_INFUSION_DAYS * 24 - 0.5), durationMinutes: Math.round(r.uniform(5, 30)), mode: 'permanent', stallProbability: 1 });
  return faults;
}

function scenarioFor(seed: number, faults: readonly FaultSpec[]) {
  return parseScenario({
    name: `storage campaign run (seed ${seed})`,
    seed,
    patient: { weightKg: 70, heightCm: 170 },
    prescription: { fudrMgPerKgPerDay: 0.15, dexamethasoneMgPerM2PerDay: 1, infusionDays: CAMPAIGN_INFUSION_DAYS, doseFactor: 1, reservoirVolumeMl: 3, confirmSoftLimits: true },
    faults,
  });
}

function isHigh(code: AlarmCode): boolean {
  return ALARM_RULE_BY_CODE[code]?.priority === 'high';
}

/** Runs one campaign run and its fault-free twin, and judges it. Pure in its argument. */
export function runStorageTask(task: StorageRunTask): StorageRunResult {
  const seed = storageRunSeed(task.campaignSeed, task.run);
  const runMs = Math.round(CAMPAIGN_INFUSION_DAYS * 24 * MS_PER_HOUR) + AFTER_INFUSION_MS;
  const faults = storageRunFaults(seed, runMs / MS_PER_HOUR);
  const base = { run: task.run, seed };
  const twin = new Simulation({ scenario: scenarioFor(seed, []), maxSimulatedMs: runMs }).runToEnd();
  let summary: RunSummary;
  let sim: Simulation;
  // The faulty run goes on for as long as its faults held the pump off or stopped, so that a
  // delayed infusion finishes before it is compared.
  const heldMs = faults.reduce((sum, f) => sum + (f.durationMinutes ?? 0) * 60_000, 0);
  try {
    sim = new Simulation({ scenario: scenarioFor(seed, faults), maxSimulatedMs: runMs + heldMs + MS_PER_HOUR });
    summary = sim.runToEnd();
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { ...base, powerCuts: 0, midWriteCuts: 0, corruptionsInjected: 0, corruptionsDetected: 0, stoppedByStorageFault: false, maxRepeatedStrokesPerCut: 0, maxLostStrokesPerCut: 0, deliveredDifferenceStrokes: 0, failures: [`crash: ${message}`] };
  }
  const strokeMl = PORT_AMBULATORY.firmwareConfig.strokeVolumeNl / 1e6;
  const cuts = sim.powerCuts;
  const allowedStrokes = Math.max(1, cuts.length);
  const differenceStrokes = (summary.delivered.volumeMl - twin.delivered.volumeMl) / strokeMl;
  const highAlarm = summary.alarms.some((a) => isHigh(a.code));
  const storageFaultAt = summary.alarms.filter((a) => a.code === 'STORAGE_FAULT').map((a) => a.atSeconds * 1000);
  const failures: string[] = [];
  // 2 % slack for the unit's stroke volume (±2 % unit to unit), which the twin shares.
  const allowedMl = allowedStrokes * strokeMl * 1.02 + 1e-9;
  if (Math.abs(summary.delivered.volumeMl - twin.delivered.volumeMl) > allowedMl && !highAlarm) {
    failures.push(`silent wrong dose: ${differenceStrokes.toFixed(1)} strokes against the fault-free run, ${cuts.length} power cuts, no high-priority alarm`);
  }
  if (summary.delivered.volumeMl - twin.delivered.volumeMl > allowedMl) {
    failures.push(`over-delivery: ${differenceStrokes.toFixed(1)} strokes more than the fault-free run (${cuts.length} power cuts)`);
  }
  let maxRepeated = 0;
  let maxLost = 0;
  for (const cut of cuts) {
    if (cut.strokesAfter === null || cut.modeBefore === 'failSafe') continue;
    const alarmedAtBoot = storageFaultAt.some((t) => t >= cut.atMs);
    const repeated = cut.strokesBefore - cut.strokesAfter;
    if (alarmedAtBoot && Math.abs(repeated) > 1) continue;
    if (repeated > maxRepeated) maxRepeated = repeated;
    if (-repeated > maxLost) maxLost = -repeated;
    if (Math.abs(repeated) > 1) failures.push(`power cut at ${(cut.atMs / 1000).toFixed(3)} s${cut.insideWrite ? ' inside a write' : ''}: ledger ${cut.strokesBefore} strokes before, ${cut.strokesAfter} after the boot, no STORAGE_FAULT`);
  }
  return {
    ...base,
    powerCuts: cuts.length,
    midWriteCuts: cuts.filter((c) => c.insideWrite).length,
    corruptionsInjected: summary.storage.corruptionsInjected,
    corruptionsDetected: summary.storage.corruptionsDetected,
    stoppedByStorageFault: storageFaultAt.length > 0,
    maxRepeatedStrokesPerCut: maxRepeated,
    maxLostStrokesPerCut: maxLost,
    deliveredDifferenceStrokes: Number(differenceStrokes.toFixed(3)),
    failures,
  };
}

export interface StorageCampaignReport {
  readonly seed: number;
  readonly runs: number;
  readonly powerCuts: number;
  readonly midWriteCuts: number;
  readonly corruptionsInjected: number;
  readonly corruptionsDetected: number;
  readonly runsStoppedByStorageFault: number;
  readonly silentWrongDoses: number;
  readonly overDeliveries: number;
  readonly crashes: number;
  readonly cutsMisrestored: number;
  readonly maxRepeatedStrokesPerCut: number;
  readonly maxLostStrokesPerCut: number;
  readonly failing: readonly { readonly run: number; readonly seed: number; readonly failures: readonly string[]; readonly replay: string }[];
}

/** The campaign's totals; runs in index order, so the report does not depend on scheduling. */
export function storageReport(seed: number, results: readonly StorageRunResult[]): StorageCampaignReport {
  const sorted = [...results].sort((a, b) => a.run - b.run);
  const sum = (f: (r: StorageRunResult) => number): number => sorted.reduce((acc, r) => acc + f(r), 0);
  const count = (prefix: string): number => sum((r) => r.failures.filter((f) => f.startsWith(prefix)).length);
  return {
    seed,
    runs: sorted.length,
    powerCuts: sum((r) => r.powerCuts),
    midWriteCuts: sum((r) => r.midWriteCuts),
    corruptionsInjected: sum((r) => r.corruptionsInjected),
    corruptionsDetected: sum((r) => r.corruptionsDetected),
    runsStoppedByStorageFault: sum((r) => (r.stoppedByStorageFault ? 1 : 0)),
    silentWrongDoses: count('silent wrong dose'),
    overDeliveries: count('over-delivery'),
    crashes: count('crash'),
    cutsMisrestored: count('power cut'),
    maxRepeatedStrokesPerCut: Math.max(0, ...sorted.map((r) => r.maxRepeatedStrokesPerCut)),
    maxLostStrokesPerCut: Math.max(0, ...sorted.map((r) => r.maxLostStrokesPerCut)),
    failing: sorted
      .filter((r) => r.failures.length > 0)
      .map((r) => ({ run: r.run, seed: r.seed, failures: r.failures, replay: `npm run -s pumpsim -- campaign storage --seed ${seed} --run ${r.run}` })),
  };
}

export function formatStorageReport(r: StorageCampaignReport): string {
  const lines = [
    `Storage campaign, seed ${r.seed}: ${r.runs} runs of a ${CAMPAIGN_INFUSION_DAYS * 24} h infusion and its lock`,
    `  power cuts            ${r.powerCuts} (${r.midWriteCuts} inside a flash write)`,
    `  corruptions injected  ${r.corruptionsInjected}; found and logged ${r.corruptionsDetected}`,
    `  runs stopped by STORAGE_FAULT  ${r.runsStoppedByStorageFault}`,
    `  per cut: at most ${r.maxRepeatedStrokesPerCut} stroke(s) repeated, ${r.maxLostStrokesPerCut} lost`,
    `  silent wrong doses ${r.silentWrongDoses}, over-deliveries ${r.overDeliveries}, crashes ${r.crashes}, cuts misrestored ${r.cutsMisrestored}`,
  ];
  for (const f of r.failing.slice(0, 20)) lines.push(`  FAIL run ${f.run} (seed ${f.seed}): ${f.failures.join('; ')}\n    replay: ${f.replay}`);
  if (r.failing.length > 20) lines.push(`  … and ${r.failing.length - 20} more failing runs (--json lists them all)`);
  return lines.join('\n');
}
