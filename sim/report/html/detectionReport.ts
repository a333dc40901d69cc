/**
 * The HTML report of the detection campaign (`pumpsim detection --report FILE`).
 *
 * Owns: detection performance as plots — per grid cell (fault × rate × line compliance, and the
 * physiology and device when the campaign has those axes) the share
 * of runs detected and the median and worst latency against the cell's bound — and the false
 * alarms over the nominal cycles, by alarm code; with the cell table the plots number.
 * Promises: every figure is the campaign's `DetectionReport` (sim/campaigns/detection.ts).
 */
import type { DetectionReport } from '../../campaigns/detection.ts';
import { axisColumns } from '../detection.ts';
import { chart, escapeHtml, renderPage, table } from './page.ts';

export function detectionReportHtml(report: DetectionReport, version: string, command: string): string {
  const cells = report.cells;
  const x = cells.map((_, i) => i + 1);
  const codes = new Map<string, number>();
  for (const f of report.nominal.falseAlarms) for (const a of f.alarms) codes.set(a, (codes.get(a) ?? 0) + 1);
  const codeList = [...codes.keys()].sort();
  const traces = {
    cells: {
      timeS: x,
      cols: {
        detectedPercent: cells.map((c) => (c.runs === 0 ? null : (100 * c.detected) / c.runs)),
        medianLatencyMin: cells.map((c) => (c.medianLatencySeconds === null ? null : c.medianLatencySeconds / 60)),
        worstLatencyMin: cells.map((c) => (c.worstLatencySeconds === null ? null : c.worstLatencySeconds / 60)),
        boundMin: cells.map((c) => (c.boundSeconds === null ? null : c.boundSeconds / 60)),
      },
    },
    falseAlarms: {
      timeS: codeList.length === 0 ? [1] : codeList.map((_, i) => i + 1),
      cols: { cycles: codeList.length === 0 ? [0] : codeList.map((c) => codes.get(c) ?? 0) },
    },
  };
  const charts = {
    'detection-detected': { kind: 'bars', title: 'Runs detected per cell (cell numbers as in the table)', xLabel: 'cell', yLabel: '% of runs', trace: 'cells', series: [{ col: 'detectedPercent', label: 'detected', stroke: '#2ca02c' }] },
    'detection-latency': {
      kind: 'bars', title: 'Detection latency per cell: median, worst, and the cell’s bound', xLabel: 'cell', yLabel: 'minutes', trace: 'cells',
      series: [{ col: 'medianLatencyMin', label: 'median', stroke: '#1f77b4' }, { col: 'worstLatencyMin', label: 'worst', stroke: '#ff7f0e' }, { col: 'boundMin', label: 'bound', stroke: '#bbbbbb' }],
    },
    'detection-false': { kind: 'bars', title: `False alarms over ${report.nominal.cycles} nominal 14-day cycles with pressure episodes: cycles per alarm code`, xLabel: 'alarm (as in the list below)', yLabel: 'cycles', trace: 'falseAlarms', height: 180, series: [{ col: 'cycles', label: 'cycles with the alarm', stroke: '#d62728' }] },
  };
  const minutes = (s: number | null): string => (s === null ? '—' : (s / 60).toFixed(1));
  // The physiology and device, as in the text table, when the campaign has those axes.
  const shown = axisColumns(report);
  const axes = shown.physiology || shown.device;
  const rows = cells.map((c, i) => [i + 1, axes ? `${c.fault} · ${c.physiology} · ${c.device}` : c.fault, c.rateUlPerHour, c.complianceUlPerMmHg, `${c.detected}/${c.runs}`, c.missed, minutes(c.medianLatencySeconds), minutes(c.worstLatencySeconds), minutes(c.boundSeconds), c.maxUnintendedBolusUl.toFixed(1), c.expected.join(', ') || 'none']);
  const body = `<h1>pumpsim detection report</h1>
<p class="meta">${report.settings.seedsPerCell} seeds per cell · ${report.nominal.cycles} nominal cycles (${report.nominal.episodes} pressure episodes) · ${report.nominal.cyclesWithFalseAlarms} with a false alarm · pumpsim ${escapeHtml(version)}</p>
${Object.keys(charts).map(chart).join('\n')}
<p class="note">False-alarm codes: ${codeList.length === 0 ? 'none' : codeList.map((c, i) => `${i + 1} ${escapeHtml(c)}`).join(', ')}.</p>
<h2>Cells</h2>
${table(['cell', axes ? 'fault · physiology · device' : 'fault', 'rate, µL/h', 'compliance, µL/mmHg', 'detected', 'missed', 'median, min', 'worst, min', 'bound, min', 'max bolus, µL', 'expected'], rows)}
<h2>Reproduce</h2><p><code>${escapeHtml(command)}</code></p>`;
  return renderPage({ title: 'pumpsim detection report', body, data: { traces, charts } });
}
