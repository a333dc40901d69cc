/**
 * The detection-performance report as text: the Markdown table docs/faults-and-detection.md shows.
 *
 * Owns: how a `DetectionReport` (sim/campaigns/detection.ts) reads; the campaign owns the numbers.
 */
import type { DetectionReport } from '../campaigns/detection.ts';

const fmtS = (s: number | null): string => (s === null ? '—' : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

/** The report as a Markdown table, then the false-alarm line and up to ten seeds that raised one. */
export function formatReport(report: DetectionReport): string {
  const lines = [
    `| fault | rate µL/h | C µL/mmHg | runs | expected | detected | missed | median | worst | bound | max bolus µL |`,
    `| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const c of report.cells) {
    lines.push(
      `| ${c.fault} | ${c.rateUlPerHour} | ${c.complianceUlPerMmHg} | ${c.runs} | ${c.expected.length === 0 ? 'none (not visible)' : c.expected.join(', ')} | ${c.detected} | ${c.missed} | ${fmtS(c.medianLatencySeconds)} | ${fmtS(c.worstLatencySeconds)} | ${fmtS(c.boundSeconds)} | ${c.maxUnintendedBolusUl.toFixed(1)} |`,
    );
  }
  const n = report.nominal;
  lines.push('');
  lines.push(`False alarms: ${n.cyclesWithFalseAlarms} of ${n.cycles} nominal 14-day cycles (${n.episodes} arterial-pressure episodes) raised an alarm.`);
  for (const f of n.falseAlarms.slice(0, 10)) lines.push(`  seed ${f.seed}: ${f.alarms.join(', ')}`);
  return lines.join('\n');
}
