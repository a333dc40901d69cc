/**
 * The detection-performance report as text: the Markdown table docs/faults-and-detection.md shows.
 *
 * Owns: how a `DetectionReport` (sim/campaigns/detection.ts) reads; the campaign owns the numbers.
 */
import type { DetectionReport } from '../campaigns/detection.ts';
import { DEFAULT_DEVICE, DEFAULT_PHYSIOLOGY, deviceProfile, pulsePresentThresholdMmHg } from '../campaigns/detection.ts';

const fmtS = (s: number | null): string => (s === null ? '—' : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

/** Which axis columns a report shows: an axis with more than one value, or one other than the default. */
export function axisColumns(report: DetectionReport): { physiology: boolean; device: boolean } {
  const { physiologies, devices } = report.settings;
  return { physiology: physiologies.length > 1 || physiologies[0] !== DEFAULT_PHYSIOLOGY, device: devices.length > 1 || devices[0] !== DEFAULT_DEVICE };
}

/**
 * The report as a Markdown table, then the false-alarm line and up to ten seeds that raised one.
 * The physiology and device columns appear as `axisColumns` says (so the default campaign's table has neither); the
 * false-alarm line when it ran nominal cycles; the cells with runs alarmed before the fault's onset
 * are listed under the table.
 */
export function formatReport(report: DetectionReport): string {
  const { physiology, device } = axisColumns(report);
  const lines = [
    `| fault |${physiology ? ' physiology |' : ''}${device ? ' device |' : ''} rate µL/h | C µL/mmHg | runs | expected | detected | missed | median | worst | bound | max bolus µL |`,
    `| --- |${physiology ? ' --- |' : ''}${device ? ' --- |' : ''} ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |`,
  ];
  for (const c of report.cells) {
    lines.push(
      `| ${c.fault} |${physiology ? ` ${c.physiology} |` : ''}${device ? ` ${c.device} |` : ''} ${c.rateUlPerHour} | ${c.complianceUlPerMmHg} | ${c.runs} | ${c.expected.length === 0 ? 'none (not visible)' : c.expected.join(', ')}${c.pulseBlindRuns > 0 ? `; pulse blind in ${c.pulseBlindRuns}/${c.runs}` : ''} | ${c.detected} | ${c.missed} | ${fmtS(c.medianLatencySeconds)} | ${fmtS(c.worstLatencySeconds)} | ${fmtS(c.boundSeconds)} | ${c.maxUnintendedBolusUl.toFixed(1)} |`,
    );
  }
  if (report.cells.some((c) => c.pulseBlindRuns > 0)) {
    lines.push('');
    lines.push(`"pulse blind": runs whose patent catheter brings the pump a cardiac-band pulse below the firmware's pulse-present threshold (${[...new Set(report.cells.map((c) => c.device))].map((d) => `${pulsePresentThresholdMmHg(deviceProfile(d))} mmHg on ${d}`).join(', ')}; PP/2 through the catheter's R·C low-pass, times the band's gain at the heart rate): the pump cannot tell that catheter from a blocked one by its pulse.`);
  }
  const early = report.cells.filter((c) => c.alarmedBeforeOnset > 0);
  if (early.length > 0) {
    lines.push('');
    lines.push('Alarms before the onset (false alarms; the fault then meets a stopped pump and counts as missed):');
    for (const c of early) lines.push(`  ${[c.fault, ...(physiology ? [c.physiology] : []), ...(device ? [c.device] : []), `${c.rateUlPerHour} µL/h`, `C ${c.complianceUlPerMmHg}`].join(' · ')}: ${c.alarmedBeforeOnset} of ${c.runs} runs (${c.alarmsBeforeOnset.join(', ')})`);
  }
  const n = report.nominal;
  if (n.cycles > 0) {
    lines.push('');
    lines.push(`False alarms: ${n.cyclesWithFalseAlarms} of ${n.cycles} nominal 14-day cycles (${n.episodes} arterial-pressure episodes) raised an alarm.`);
    for (const f of n.falseAlarms.slice(0, 10)) lines.push(`  seed ${f.seed}: ${f.alarms.join(', ')}`);
  }
  return lines.join('\n');
}
