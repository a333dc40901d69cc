/**
 * The HTML report of the virtual bench (`pumpsim standard --report FILE`).
 *
 * Owns: per device, the trumpet curve of each rate and method (Ep(max), Ep(min) and A against
 * the observation window) and the start-up curve of each rate (the stroke method's Qi over the
 * first 2 h against the set rate), as plots, with the disclosure tables beside them.
 * Promises: every figure is the bench's result (sim/bench/standard.ts); the tables are the ones
 * `pumpsim standard` prints.
 */
import type { BenchResult } from '../../bench/standard.ts';
import { disclosureMarkdown, fileSafe } from '../standard.ts';
import { chart, escapeHtml, renderPage } from './page.ts';

const COLOURS = { max: '#d62728', min: '#1f77b4', mean: '#555555', rate: '#bbbbbb', flow: '#2ca02c' };

/** The disclosure's Markdown tables as HTML tables (the only Markdown it holds: paragraphs, headings and pipe tables). */
function markdownTablesHtml(markdown: string): string {
  const out: string[] = [];
  let rows: string[][] = [];
  const flush = (): void => {
    if (rows.length === 0) return;
    const [head, , ...body] = rows;
    out.push(`<table><thead><tr>${(head ?? []).map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    rows = [];
  };
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) {
      rows.push(line.slice(1, -1).split('|').map((c) => c.trim()));
      continue;
    }
    flush();
    if (line.startsWith('#')) out.push(`<h2>${escapeHtml(line.replace(/^#+\s*/, ''))}</h2>`);
    else if (line.trim() !== '') out.push(`<p>${escapeHtml(line)}</p>`);
  }
  flush();
  return out.join('\n');
}

export function standardReportHtml(result: BenchResult, version: string, command: string): string {
  const traces: Record<string, { timeS: number[]; cols: Record<string, (number | null)[]> }> = {};
  const charts: Record<string, unknown> = {};
  for (const e of result.accuracy) {
    const id = `${fileSafe(e.profile)}-${e.rate}-${e.method}`;
    traces[`trumpet-${id}`] = {
      timeS: e.trumpet.map((t) => t.windowMin * 60),
      cols: { max: e.trumpet.map((t) => t.epMaxPercent), min: e.trumpet.map((t) => t.epMinPercent), mean: e.trumpet.map(() => e.meanErrorPercent) },
    };
    charts[`trumpet-${id}`] = {
      kind: 'lines', group: `trumpet-${id}`, trace: `trumpet-${id}`, height: 200,
      title: `${e.profile}, ${e.rate} rate (${Number(e.rateUlPerHour.toFixed(2))} µL/h), ${e.method} method: trumpet over ${e.analysisStartMin}–${e.analysisEndMin} min (x: observation window)`,
      yLabel: '% error',
      series: [{ col: 'max', label: 'Ep(max)', stroke: COLOURS.max }, { col: 'min', label: 'Ep(min)', stroke: COLOURS.min }, { col: 'mean', label: 'A', stroke: COLOURS.mean, dash: [4, 4] }],
    };
    if (e.startup.length > 0) {
      traces[`startup-${id}`] = {
        timeS: e.startup.map((p) => p.timeMin * 60),
        cols: { flow: e.startup.map((p) => p.flowUlPerHour), rate: e.startup.map(() => e.rateUlPerHour) },
      };
      charts[`startup-${id}`] = {
        kind: 'lines', group: `startup-${fileSafe(e.profile)}`, trace: `startup-${id}`, height: 200,
        title: `${e.profile}, ${e.rate} rate: start-up curve, Qi every ${e.sampleIntervalMin} min over the first 2 h`,
        yLabel: 'µL/h',
        series: [{ col: 'flow', label: 'Qi', stroke: COLOURS.flow }, { col: 'rate', label: 'set rate', stroke: COLOURS.rate }],
      };
    }
  }
  const body = `<h1>pumpsim virtual bench (IEC 60601-2-24 methods)</h1>
<p class="meta">pumpsim ${escapeHtml(version)} · the simulated balance under the catheter tip · docs/standards.md</p>
${Object.keys(charts).map(chart).join('\n')}
${markdownTablesHtml(disclosureMarkdown(result, '##'))}
<h2>Reproduce</h2><p><code>${escapeHtml(command)}</code></p>`;
  return renderPage({ title: 'pumpsim virtual bench', body, data: { traces, charts } });
}
