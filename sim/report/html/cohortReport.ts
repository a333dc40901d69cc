/**
 * The HTML report of a virtual cohort (`pumpsim cohort --report FILE`).
 *
 * Owns: the cohort's distributions as plots beside the seed's figures — HAI cycles received per
 * patient (the seed: median 9, range 3–18), FUDR delivered per patient, and each event row of the
 * cohort table as a share of patients, simulated against the seed's where the seed reports one —
 * and the table itself.
 * Promises: every figure is the cohort result's (`CohortResult`, sim/campaigns/cohort.ts); a seed
 * figure is plotted only where the seed states a percentage, otherwise its text stands in the table.
 */
import type { CohortTable, PatientOutcome } from '../../campaigns/cohort.ts';
import { chart, escapeHtml, renderPage, table } from './page.ts';

export interface CohortReportInput {
  readonly table: CohortTable;
  readonly outcomes: readonly PatientOutcome[];
  readonly patients: number;
  readonly seed: number;
  readonly profile: string;
  readonly version: string;
  readonly command: string;
}

/** A histogram as integer bins: bin → count. */
function histogram(values: readonly number[], binWidth: number): { x: number[]; count: number[] } {
  if (values.length === 0) return { x: [0], count: [0] };
  const lo = Math.floor(Math.min(...values) / binWidth);
  const hi = Math.floor(Math.max(...values) / binWidth);
  const x: number[] = [];
  const count: number[] = [];
  for (let b = lo; b <= hi; b++) {
    x.push(b);
    count.push(values.filter((v) => Math.floor(v / binWidth) === b).length);
  }
  return { x, count };
}

/** The percentage a seed cell states ("4 (7.4 %)" → 7.4), or null. */
function seedPercent(text: string): number | null {
  const m = /\(([\d.]+) %\)/.exec(text);
  return m === null ? null : Number(m[1]);
}

function simulatedPercent(text: string): number | null {
  const m = /\(([\d.]+) %\)/.exec(text);
  return m === null ? null : Number(m[1]);
}

export function cohortReportHtml(input: CohortReportInput): string {
  const cycles = histogram(input.outcomes.map((o) => o.cyclesInfused), 1);
  const fudrBinMg = 100;
  const fudr = histogram(input.outcomes.map((o) => o.fudrMg), fudrBinMg);
  const shareRows = input.table.rows.filter((r) => simulatedPercent(r.simulated) !== null);
  const traces = {
    cycles: { timeS: cycles.x, cols: { patients: cycles.count } },
    fudr: { timeS: fudr.x.map((b) => b * fudrBinMg + fudrBinMg / 2), cols: { patients: fudr.count } },
    shares: {
      timeS: shareRows.map((_, i) => i + 1),
      cols: { simulated: shareRows.map((r) => simulatedPercent(r.simulated)), seed: shareRows.map((r) => seedPercent(r.seed)) },
    },
  };
  const charts = {
    'cohort-cycles': { kind: 'bars', title: 'HAI cycles received per patient (the seed: median 9, range 3–18)', xLabel: 'cycles infused', yLabel: 'patients', trace: 'cycles', series: [{ col: 'patients', label: 'simulated patients', stroke: '#1f77b4' }] },
    'cohort-fudr': { kind: 'bars', title: `FUDR to the hepatic artery per patient (bins of ${fudrBinMg} mg)`, xLabel: 'mg (bin centre)', yLabel: 'patients', trace: 'fudr', barWidth: fudrBinMg, series: [{ col: 'patients', label: 'simulated patients', stroke: '#2ca02c' }] },
    'cohort-shares': { kind: 'bars', title: 'Events, % of patients: simulated beside the seed (row numbers as in the table)', xLabel: 'table row', yLabel: '% of patients', trace: 'shares', series: [{ col: 'simulated', label: 'simulated', stroke: '#1f77b4' }, { col: 'seed', label: 'seed (n = 54)', stroke: '#ff7f0e' }] },
  };
  const rows = input.table.rows.map((r) => {
    const i = shareRows.indexOf(r);
    return [i === -1 ? '' : String(i + 1), r.label, r.simulated, r.seed];
  });
  const body = `<h1>pumpsim cohort report</h1>
<p class="meta">${input.patients} patients shaped like the seed's Table 1 · seed ${input.seed} · device ${escapeHtml(input.profile)} · pumpsim ${escapeHtml(input.version)}</p>
${Object.keys(charts).map(chart).join('\n')}
<h2>The cohort beside the seed</h2>
${table(['row', '', 'simulated', 'seed (n = 54)'], rows)}
<h2>Device alarms</h2>
${input.table.alarms.length === 0 ? '<p>None.</p>' : table(['alarm', 'alarms', 'patients'], input.table.alarms.map((a) => [a.code, a.alarms, a.patients]))}
<h2>Reproduce</h2><p><code>${escapeHtml(input.command)}</code></p>`;
  return renderPage({ title: 'pumpsim cohort report', body, data: { traces, charts } });
}
