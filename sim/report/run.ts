/**
 * Human-readable run summaries.
 *
 * Owns: the text `pumpsim run` prints without `--json`.
 * Promises: truth (what reached the artery) and belief (the pump's ledger) are printed side by
 * side, with units, and nothing is shown that is not in the JSON summary.
 */
import type { LogEntry } from '../../firmware/index.ts';
import type { RunSummary } from '../run/simulation.ts';

const f = (x: number, digits = 2): string => x.toFixed(digits);

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return `${d} d ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** One event-log line: simulated time, kind, code, detail. */
export function formatLogEntry(e: LogEntry): string {
  return `${duration(e.atMs / 1000)}  ${e.kind.padEnd(12)} ${e.code}${e.detail === undefined ? '' : `  ${e.detail}`}`;
}

export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  lines.push(`pumpsim run — scenario ${s.scenario}, seed ${s.seed}, device ${s.profile}`);
  lines.push('');
  const p = s.prescription;
  if (p === null) {
    lines.push('Prescription: not programmed');
  } else {
    lines.push('Prescription (programmed, after doseFactor)');
    lines.push(`  BSA ${f(p.bsaM2, 3)} m², dose factor ${p.doseFactor}, ${p.infusionDays} days`);
    lines.push(`  FUDR          ${f(p.fudrMgPerDay, 3)} mg/day   total ${f(p.fudrMgTotal, 2)} mg   (${f(p.fudrMgPerMl, 3)} mg/mL)`);
    lines.push(`  dexamethasone ${f(p.dexamethasoneMgPerDay, 3)} mg/day   total ${f(p.dexamethasoneMgTotal, 2)} mg   (${f(p.dexamethasoneMgPerMl, 3)} mg/mL)`);
    lines.push(`  heparin       ${f(p.heparinUnitsTotal, 0)} IU total (in pump ${p.heparinUnitsPerMl} IU/mL, plus the lock)`);
    lines.push(`  volume ${f(p.volumeMl, 3)} mL of a ${p.reservoirFillMl} mL fill at ${f(p.rateMlPerHour * 1000, 2)} µL/h`);
  }
  lines.push('');
  const d = s.delivered;
  const b = s.firmwareBelief;
  lines.push('Delivered                    truth (catheter outlet)   belief (pump ledger)');
  lines.push(`  FUDR, mg                   ${f(d.fudrMg, 3).padStart(12)}              ${f(b.fudrMg, 3).padStart(12)}`);
  lines.push(`  dexamethasone, mg          ${f(d.dexamethasoneMg, 3).padStart(12)}              ${f(b.dexamethasoneMg, 3).padStart(12)}`);
  lines.push(`  heparin, IU                ${f(d.heparinUnits, 0).padStart(12)}              ${f(b.heparinUnits, 0).padStart(12)}`);
  lines.push(`  volume, mL                 ${f(d.volumeMl, 3).padStart(12)}              ${f(b.deliveredVolumeMl, 3).padStart(12)}`);
  if (d.fudrPercentOfPrescription !== null) {
    lines.push(`  FUDR reaching the artery: ${f(d.fudrPercentOfPrescription, 2)} % of prescription; dexamethasone ${d.dexamethasonePercentOfPrescription === null ? '—' : `${f(d.dexamethasonePercentOfPrescription, 2)} %`}`);
  }
  lines.push(`  elsewhere: prime waste ${f(d.primeWasteMl, 3)} mL, extrahepatic FUDR ${f(d.extrahepaticFudrMg, 3)} mg, leaked ${f(d.leakedVolumeMl, 3)} mL, pocket ${f(d.pocketVolumeMl, 3)} mL`);
  lines.push(`  heparin lock left in port and catheter: ${f(d.heparinLockInPathUnits, 0)} IU`);
  lines.push('');
  const minutes = (x: number | null): string => (x === null ? '—' : f(x, 1));
  const r = s.remaining;
  const t = s.remainingTruth;
  const e = s.remainingError;
  lines.push('Time remaining, min           display (pump)   truth   largest error while infusing');
  lines.push(`  reservoir                  ${minutes(r.reservoirRemainingMinutes).padStart(14)}  ${minutes(t.reservoirRemainingMinutes).padStart(8)}   ${minutes(e.reservoirMaxAbsMinutes)}`);
  lines.push(`  battery                    ${minutes(r.batteryRemainingMinutes).padStart(14)}  ${minutes(t.batteryRemainingMinutes).padStart(8)}   ${minutes(e.batteryMaxAbsMinutes)}`);
  lines.push('');
  if (s.alarms.length === 0) lines.push('Alarms: none');
  else {
    lines.push('Alarms');
    for (const a of s.alarms) lines.push(`  ${duration(a.atSeconds)}  ${a.code} (${a.priority})`);
  }
  lines.push('Events');
  for (const n of s.notifications) lines.push(`  ${duration(n.atSeconds)}  ${n.code}`);
  lines.push('');
  lines.push(`Final state: ${s.finalState}`);
  lines.push(`Simulated ${duration(s.simulatedSeconds)} (${s.simulatedSeconds} s) in ${f(s.wallMs, 0)} ms wall time; ${s.controlSteps} control steps`);
  return lines.join('\n');
}
