/**
 * The virtual bench's disclosure, as an instructions-for-use prints it (Markdown: the output of
 * `pumpsim standard` and the generated block of docs/standards.md), and its balance files.
 *
 * Owns: the disclosure tables per device (flow accuracy with the trumpet per rate and method,
 * occlusion, back-pressure, temperature), the CSV text of one accuracy entry's readings and its
 * file name, and the JSON the command prints (the result without the readings).
 * Promises: every figure is the bench's (sim/bench/standard.ts); percentages to two decimals,
 * times to the second, volumes to 0.1 µL; a CSV holds exactly the readings its entry was
 * computed from.
 */
import type { AccuracyEntry, BenchResult } from '../bench/standard.ts';

const pct = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
const seconds = (s: number | null): string => (s === null ? 'not within the observation' : `${Math.round(s)} s`);
const rate = (r: number): string => String(Number(r.toFixed(2)));

/** A profile name as a file-name part: letters, digits, `.`, `_` and `-`; anything else becomes `-`. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** `<profile>-<rate>-<method>.csv` */
export function balanceCsvName(entry: AccuracyEntry): string {
  return `${fileSafe(entry.profile)}-${entry.rate}-${entry.method}.csv`;
}

/** The readings of one entry: `timeS,volumeUl`, one row per reading, as stored (no rounding). */
export function balanceCsv(entry: AccuracyEntry): string {
  return `timeS,volumeUl\n${entry.readings.map((r) => `${r.timeS},${r.volumeUl}`).join('\n')}\n`;
}

/** The result as `--json` prints it: the readings stay in the CSV files. */
export function benchJson(result: BenchResult, meta: Record<string, unknown>): Record<string, unknown> {
  return {
    ...meta,
    accuracy: result.accuracy.map(({ readings: _readings, ...rest }) => rest),
    occlusion: result.occlusion,
    backPressure: result.backPressure,
    temperature: result.temperature,
  };
}

/** The disclosure tables of every device in `result`, one section per device. */
export function disclosureMarkdown(result: BenchResult, heading = '###'): string {
  const profiles = [...new Set(result.accuracy.map((a) => a.profile))];
  const out: string[] = [];
  for (const profile of profiles) {
    const acc = result.accuracy.filter((a) => a.profile === profile);
    out.push(`${heading} ${profile}`, '');
    const windows = (method: string): number[] => [...new Set(acc.filter((a) => a.method === method).flatMap((a) => a.trumpet.map((t) => t.windowMin)))].sort((a, b) => a - b);
    for (const method of ['stroke', 'ambulatory'] as const) {
      const entries = acc.filter((a) => a.method === method);
      if (entries.length === 0) continue;
      const ws = windows(method);
      const first = entries[0] as AccuracyEntry;
      out.push(
        `Flow accuracy, ${method} method (S = ${first.sampleIntervalMin} min): overall mean error A and the trumpet, Ep(max) / Ep(min) per observation window, %.`,
        '',
        `| rate | µL/h | analysis, min | A, % | ${ws.map((w) => `${w} min`).join(' | ')} |`,
        `| --- | --- | --- | --- | ${ws.map(() => '---').join(' | ')} |`,
      );
      for (const e of entries) {
        const cells = ws.map((w) => {
          const t = e.trumpet.find((p) => p.windowMin === w);
          return t === undefined ? '—' : `${pct(t.epMaxPercent)} / ${pct(t.epMinPercent)}`;
        });
        const alarms = e.alarms.length > 0 ? ` (alarms: ${e.alarms.join(', ')})` : '';
        out.push(`| ${e.rate}${alarms} | ${rate(e.rateUlPerHour)} | ${e.analysisStartMin}–${e.analysisEndMin} | ${pct(e.meanErrorPercent)} | ${cells.join(' | ')} |`);
      }
      out.push('');
    }
    const occ = result.occlusion.filter((o) => o.profile === profile);
    if (occ.length > 0) {
      out.push(
        'Occlusion (outlet closed after stabilisation, released at the alarm; median and worst over the seeds; bolus: the largest collected after the release).',
        '',
        '| rate | µL/h | threshold | seeds | alarmed | time to alarm, median | worst | bolus, µL |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
      );
      for (const o of occ) {
        out.push(`| ${o.rate} | ${rate(o.rateUlPerHour)} | ${o.thresholdMmHg === null ? 'none (pulse loss and rise)' : `${o.thresholdMmHg} mmHg`} | ${o.seeds.length} | ${o.detected} (${[...new Set(o.alarms.filter((a) => a !== null))].join(', ') || '—'}) | ${seconds(o.timeToAlarmS)} | ${seconds(o.worstTimeToAlarmS)} | ${o.bolusUl === null ? '—' : o.bolusUl.toFixed(1)} |`);
      }
      out.push('');
    }
    const bp = result.backPressure.filter((b) => b.profile === profile);
    if (bp.length > 0) {
      const b0 = bp[0] as (typeof bp)[number];
      out.push(`Back-pressure held at the outlet (${b0.rate} rate, ${rate(b0.rateUlPerHour)} µL/h, ${b0.method} method's analysis hour).`, '', '| mean back-pressure, mmHg | A, % | alarms |', '| --- | --- | --- |');
      for (const b of bp) out.push(`| ${b.backPressureMmHg > 0 ? '+' : b.backPressureMmHg < 0 ? '−' : ''}${Math.abs(b.backPressureMmHg)} | ${pct(b.meanErrorPercent)} | ${b.alarms.join(', ') || 'none'} |`);
      out.push('');
    }
    const temp = result.temperature.filter((t) => t.profile === profile);
    if (temp.length > 0) {
      const t0 = temp[0] as (typeof temp)[number];
      out.push(
        `Temperature held from the start of the infusion (${t0.rate} rate, ${t0.method} method's analysis hour): ${temp.map((t) => `${t.temperatureC} °C A ${pct(t.meanErrorPercent)} %`).join(', ')}.`,
        '',
      );
    }
  }
  return out.join('\n').trimEnd();
}
