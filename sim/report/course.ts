/**
 * The human-readable course summary (`pumpsim run` on a scenario with a `course` section).
 *
 * Owns: how a `CourseRunSummary` is printed. `--json` prints the object itself instead.
 */
import type { CourseRunSummary, CycleRecord } from '../course/courseRunner.ts';

const f = (x: number, digits: number): string => x.toFixed(digits);

function visit(r: CycleRecord): string {
  if (r.events.length === 0) return '—';
  return r.events
    .map((e) => {
      const what = `${e.kind}${e.grade !== undefined ? ` g${e.grade}` : ''}${e.code !== undefined ? ` ${e.code}` : ''}${e.origin === 'forced' ? '' : ` (${e.origin})`}`;
      const did = e.action === 'hold' ? `hold to day ${e.resumeDay}` : e.action === 'stop' ? `stop: ${e.stopReason}` : e.action;
      const dose = e.doseFactorAfter < r.doseFactor ? `, dose ×${e.doseFactorAfter}` : '';
      return `${what} → ${e.procedure ? `${e.procedure}; ` : ''}${did}${dose}`;
    })
    .join('; ');
}

export function formatCourse(s: CourseRunSummary): string {
  const c = s.course;
  const lines: string[] = [];
  lines.push(`pumpsim run — course ${s.scenario}, seed ${s.seed}, device ${s.profile}`);
  lines.push('');
  const x = c.cycles[0]?.xelox;
  lines.push(`Patient ${s.patient.weightKg} kg, BSA ${f(s.patient.bsaM2, 3)} m²; ${c.cyclesPlanned} cycles of ${c.cycleDays} days, HAI on days 1–${Math.ceil(c.infusionDays)}; rules: ${c.rules}; adverse events: ${c.adverseEvents}`);
  if (x !== undefined) {
    lines.push(`XELOX every cycle (not via the pump): oxaliplatin ${x.oxaliplatinMg} mg IV on day 1; capecitabine ${x.capecitabineMgPerDose} mg twice daily, days ${x.capecitabineDays[0]}–${x.capecitabineDays[1]}`);
  }
  lines.push('');
  lines.push('cycle  day  status    dose   FUDR mg (planned)   dexa mg   alarms                      visit');
  for (const r of c.cycles) {
    const fudr = r.status === 'infused' ? `${f(r.fudrMg, 2).padStart(7)} (${f(r.fudrMgPlanned, 2).padStart(6)})` : '—'.padStart(7).padEnd(16);
    const dexa = r.status === 'infused' ? f(r.dexamethasoneMg, 2).padStart(7) : '      —';
    const alarms = r.alarms.length === 0 ? '—' : [...new Set(r.alarms.map((a) => a.code))].join(', ');
    const status = `${r.status}${r.phase === 'postoperative' ? '+' : ''}${r.catheterThrombosis ? '!' : ''}`;
    lines.push(`${String(r.cycle).padStart(5)} ${String(r.startDay).padStart(4)}  ${status.padEnd(8)}  ${f(r.doseFactor, 2)}  ${fudr}   ${dexa}   ${alarms.padEnd(26)}  ${visit(r)}`);
    const res = c.resection;
    if (res !== null && res.cyclesBeforeResection === r.cycle) {
      lines.push(`      ${String(res.chemotherapyStopDay).padStart(4)}  chemotherapy stopped, the pump locked; operation on day ${res.surgeryDay} (${res.daysFromStopToSurgery} days after the stop); recovery ${res.recoveryDays} days`);
    }
  }
  if (c.cycles.some((r) => r.phase === 'postoperative' || r.catheterThrombosis)) lines.push('(+ postoperative cycle; ! the catheter occluded while locked before the cycle)');
  lines.push('');
  const res = c.resection;
  lines.push(
    res === null
      ? 'Not resected'
      : `Resected after ${res.cyclesBeforeResection} cycles (${res.origin}): chemotherapy stopped day ${res.chemotherapyStopDay}, operation day ${res.surgeryDay}, ${res.daysFromStopToSurgery} days; postoperative ${res.postoperative === 'xeloxHai' ? 'XELOX + HAI' : res.postoperative === 'xelox' ? 'XELOX alone' : 'none'}${res.postoperative === 'xeloxHai' && !res.postoperativeHai ? ' (HAI stopped before the operation: XELOX alone)' : ''}${res.postoperativeStartDay !== null ? ` from day ${res.postoperativeStartDay}` : ''}`,
  );
  const split = res === null ? '' : ` = ${c.haiCycles.initial} before + ${c.haiCycles.postoperative} after the operation`;
  lines.push(`HAI cycles ${c.haiCycles.total}${split}; heparin re-locks without infusion ${c.relockDays.length} (every ${c.relockIntervalDays} days at most)`);
  lines.push(`HAI cycles infused ${c.cyclesInfused} of ${c.cyclesPlanned} at most (held ${c.cyclesHeld}); ${c.stoppedReason === null ? 'not stopped' : `stopped on day ${c.stoppedDay}: ${c.stoppedReason}`}; dose factor at the end ${c.finalDoseFactor}`);
  lines.push(`FUDR to the hepatic artery ${f(c.fudrMgTotal, 2)} mg, dexamethasone ${f(c.dexamethasoneMgTotal, 2)} mg (plant truth); extrahepatic FUDR ${f(s.delivered.extrahepaticFudrMg, 2)} mg; FUDR in the pocket ${f(s.delivered.pocketFudrMg, 2)} mg`);
  for (const m of c.refillMismatches) {
    const pump = c.cycles.find((r) => r.cycle === m.cycle)?.pump?.refillMismatch ?? null;
    const restarted = pump?.resumedSeconds ?? null;
    lines.push(
      `Refill mismatch, cycle ${m.cycle}${m.fault === null ? '' : ` (${m.fault})`}: FUDR in the pocket ${f(m.pocketFudrMg, 2)} mg; infusion stopped ${m.alarmToActionSeconds === null ? '— (not acted on)' : `${f(m.alarmToActionSeconds, 0)} s after the alarm`}` +
        `${m.aspiratedMl === null ? '' : `, ${f(m.aspiratedMl, 2)} mL aspirated`}; clinician: ${m.action ?? '—'}${restarted === null ? '' : `, restarted ${f((restarted - (pump?.stopSeconds ?? 0)) / 3600, 1)} h after the stop`}`,
    );
  }
  const k = c.calendar;
  lines.push(`Calendar: ${k.days} days = ${k.infusion} infusion + ${k.lock} lock + ${k.rest} rest + ${k.held} held + ${k.stopped} stopped + ${k.preoperative} preoperative + ${k.surgery} surgery + ${k.recovery} recovery`);
  lines.push(`Simulated ${s.simulatedDays} days (${c.cyclesInfused} pump runs, ${s.controlSteps} control steps at 1 Hz) in ${f(s.wallMs, 0)} ms wall time`);
  return lines.join('\n');
}
