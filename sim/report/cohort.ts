/**
 * The cohort's results as text: the table beside the seed's figures, and one CSV row per patient.
 *
 * Owns: how a cohort's `CohortTable` and `PatientOutcome`s (sim/campaigns/cohort.ts) read.
 * Promises: the CSV has one header line and one line per patient, in the patients' order, cells
 * quoted only when they hold a quote, a comma or a newline.
 */
import type { CohortTable, PatientOutcome } from '../campaigns/cohort.ts';

export function formatCohortTable(t: CohortTable): string {
  const w0 = Math.max(...t.rows.map((r) => r.label.length), 20);
  const w1 = Math.max(...t.rows.map((r) => r.simulated.length), 'simulated'.length);
  const lines = [`${''.padEnd(w0)}  ${'simulated'.padEnd(w1)}  seed (n = 54)`];
  for (const r of t.rows) lines.push(`${r.label.padEnd(w0)}  ${r.simulated.padEnd(w1)}  ${r.seed}`);
  lines.push('Device alarms by code (alarms, patients)');
  if (t.alarms.length === 0) lines.push('  none');
  for (const a of t.alarms) lines.push(`  ${a.code.padEnd(w0 - 2)}  ${`${a.alarms} in ${a.patients} patient${a.patients === 1 ? '' : 's'}`.padEnd(w1)}  not reported`);
  return lines.join('\n');
}

const CSV_HEADER = [
  'patient', 'seed', 'age', 'sex', 'ecog', 'primarySite', 'hepaticInvolvement', 'lobarInvolvement', 'lesions', 'cea', 'ldh',
  'weightKg', 'heightCm', 'bsaM2', 'cyclesPlanned', 'cyclesInfused', 'cyclesHeld', 'doseReducedAfter', 'heldAfter', 'stoppedReason',
  'ulcerAtInfusedCycle', 'hepatotoxicityMaxGrade', 'epigastricPainGrade3to4', 'catheterDisplacement', 'portInfection',
  'alarms', 'fudrMg', 'dexamethasoneMg', 'controlSteps', 'wallMs',
];

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function cohortCsv(outcomes: readonly PatientOutcome[]): string {
  const lines = [CSV_HEADER.join(',')];
  for (const o of outcomes) {
    const p = o.patient;
    lines.push(
      [
        p.index + 1, p.seed, p.age, p.sex, p.ecog, p.primarySite, p.hepaticInvolvement, p.lobarInvolvement, p.lesions, p.cea, p.ldh,
        p.weightKg, p.heightCm, o.bsaM2, o.cyclesPlanned, o.cyclesInfused, o.cyclesHeld, o.reducedAfter.join(' '), o.heldAfter.join(' '), o.stoppedReason,
        o.ulcerAtInfusedCycle, o.hepatotoxicityMaxGrade, o.epigastricPainGrade3to4, o.displacement, o.portInfection,
        Object.entries(o.alarms).map(([c, k]) => `${c}:${k}`).join(' '), o.fudrMg, o.dexamethasoneMg, o.controlSteps, o.wallMs,
      ].map(csvCell).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
