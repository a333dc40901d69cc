/**
 * The HTML report of one run (`pumpsim run --report FILE`).
 *
 * Owns: what the run report shows — a timeline of modes, alarms (raised, acknowledged, cleared)
 * and fault onsets and detections with their latency; linked time plots of the downstream
 * pressure (mean, min/max, cardiac amplitude), the flow sensor against the true flow, the
 * delivered volume as truth and as the ledger's belief, the reservoir (gauge, ledger, truth) and
 * the battery; the summary's tables; and the scenario, seed and version that reproduce the run.
 * Promises: every figure shown is the run summary's or a telemetry sample's; truth and belief are
 * plotted side by side (rule 4); traces are min/max-decimated to `TRACE_BUCKETS` buckets.
 */
import type { LogEntry } from '../../../firmware/index.ts';
import type { RunSummary } from '../../run/simulation.ts';
import type { Scenario } from '../../scenario/scenario.ts';
import type { FaultOutcome } from '../../world/faults.ts';
import { chart, clockTime, escapeHtml, renderPage, table } from './page.ts';
import type { TraceCollector } from './traces.ts';
import { timelineOf } from './traces.ts';

/** Buckets per trace: 2 points each, about one per pixel column of a wide screen. */
export const TRACE_BUCKETS = 1500;

export interface RunReportInput {
  readonly summary: RunSummary;
  readonly scenario: Scenario;
  readonly log: readonly LogEntry[];
  readonly samples: TraceCollector;
  readonly version: string;
}

const n = (x: number, digits: number): string => x.toFixed(digits);

/** The sections every report of a pump run shares: timeline and time plots, in one zoom group. */
export interface RunChartsInput {
  readonly endS: number;
  readonly faults: readonly FaultOutcome[];
  readonly log: readonly LogEntry[];
  readonly samples: TraceCollector;
}

export type RunChart = 'timeline' | 'pressure' | 'flow' | 'volume' | 'reservoir' | 'battery';
const ALL_CHARTS: readonly RunChart[] = ['timeline', 'pressure', 'flow', 'volume', 'reservoir', 'battery'];

export function runCharts(prefix: string, group: string, input: RunChartsInput, buckets: number, which: readonly RunChart[] = ALL_CHARTS): { html: string; traces: Record<string, unknown>; charts: Record<string, unknown> } {
  const { endS, samples } = input;
  const trace = samples.trace(
    ['pressureMeanMmHg', 'pressureMinMmHg', 'pressureMaxMmHg', 'cardiacAmplitudeMmHg', 'flowSensorUlPerHour', 'trueFlowUlPerHour', 'deliveredTruthUl', 'ledgerUl', 'reservoirGaugeMl', 'reservoirLedgerMl', 'reservoirTrueMl', 'batteryPercent'],
    buckets,
    { deliveredTruthUl: 1e-3, ledgerUl: 1e-3 },
  );
  const id = (name: string): string => `${prefix}${name}`;
  const every: Record<string, unknown> = {
    [id('timeline')]: { kind: 'timeline', title: 'Modes · alarms (red: raised, orange: acknowledged, green: cleared) · faults (purple: onset → detection)', trace: prefix, group, events: timelineOf(input.log, input.faults, endS) },
    [id('pressure')]: {
      kind: 'lines', title: 'Downstream pressure', yLabel: 'mmHg', trace: prefix, group,
      series: [
        { col: 'pressureMaxMmHg', label: 'max', stroke: '#fdae6b' },
        { col: 'pressureMeanMmHg', label: 'mean', stroke: '#1f77b4', width: 1.5 },
        { col: 'pressureMinMmHg', label: 'min', stroke: '#9ecae1' },
        { col: 'cardiacAmplitudeMmHg', label: 'cardiac amplitude', stroke: '#2ca02c' },
      ],
    },
    [id('flow')]: {
      kind: 'lines', title: 'Flow: sensor reading against true pumped flow', yLabel: 'µL/h', trace: prefix, group,
      series: [
        { col: 'trueFlowUlPerHour', label: 'true (plant)', stroke: '#bbbbbb' },
        { col: 'flowSensorUlPerHour', label: 'flow sensor', stroke: '#9467bd' },
      ],
    },
    [id('volume')]: {
      kind: 'lines', title: 'Cumulative delivered volume: truth (catheter outlet) and belief (ledger)', yLabel: 'mL', trace: prefix, group,
      series: [
        { col: 'deliveredTruthUl', label: 'truth', stroke: '#d95f02', width: 1.5 },
        { col: 'ledgerUl', label: 'ledger (belief)', stroke: '#1b9e77', dash: [6, 4], width: 1.5 },
      ],
    },
    [id('reservoir')]: {
      kind: 'lines', title: 'Reservoir', yLabel: 'mL', trace: prefix, group,
      series: [
        { col: 'reservoirGaugeMl', label: 'gauge', stroke: '#7570b3' },
        { col: 'reservoirLedgerMl', label: 'ledger (belief)', stroke: '#1b9e77', dash: [6, 4] },
        { col: 'reservoirTrueMl', label: 'truth', stroke: '#d95f02' },
      ],
    },
    [id('battery')]: { kind: 'lines', title: 'Battery', yLabel: '%', trace: prefix, group, height: 160, series: [{ col: 'batteryPercent', label: 'state of charge', stroke: '#e7298a' }] },
  };
  const charts: Record<string, unknown> = {};
  for (const name of which) charts[id(name)] = every[id(name)];
  const html = Object.keys(charts).map(chart).join('\n');
  return { html, traces: { [prefix]: trace }, charts };
}

function tables(s: RunSummary, log: readonly LogEntry[]): string {
  const out: string[] = [];
  const p = s.prescription;
  out.push('<h2>Programme</h2>');
  out.push(
    p === null
      ? '<p>Not programmed.</p>'
      : table(
          ['', 'per day', 'total', 'concentration'],
          [
            ['FUDR, mg', n(p.fudrMgPerDay, 3), n(p.fudrMgTotal, 2), `${n(p.fudrMgPerMl, 3)} mg/mL`],
            ['dexamethasone, mg', n(p.dexamethasoneMgPerDay, 3), n(p.dexamethasoneMgTotal, 2), `${n(p.dexamethasoneMgPerMl, 3)} mg/mL`],
            ['heparin, IU', '', n(p.heparinUnitsTotal, 0), `${p.heparinUnitsPerMl} IU/mL`],
            ['volume, mL', '', n(p.volumeMl, 3), `at ${n(p.rateMlPerHour * 1000, 2)} µL/h, ${p.infusionDays} d, BSA ${n(p.bsaM2, 3)} m², dose factor ${p.doseFactor}`],
          ],
        ),
  );
  const d = s.delivered;
  const b = s.firmwareBelief;
  out.push('<h2>Delivered: truth and belief</h2>');
  out.push(
    table(
      ['', 'truth (catheter outlet)', 'belief (pump ledger)'],
      [
        ['FUDR, mg', n(d.fudrMg, 3), n(b.fudrMg, 3)],
        ['dexamethasone, mg', n(d.dexamethasoneMg, 3), n(b.dexamethasoneMg, 3)],
        ['heparin, IU', n(d.heparinUnits, 0), n(b.heparinUnits, 0)],
        ['volume, mL', n(d.volumeMl, 3), n(b.deliveredVolumeMl, 3)],
        ['reservoir left, mL', '', n(b.reservoirRemainingMl, 3)],
      ],
    ),
  );
  out.push(
    `<p class="note">FUDR reaching the artery: ${d.fudrPercentOfPrescription === null ? '—' : `${n(d.fudrPercentOfPrescription, 2)} %`} of the prescription. Elsewhere: prime waste ${n(d.primeWasteMl, 3)} mL, extrahepatic FUDR ${n(d.extrahepaticFudrMg, 3)} mg, leaked ${n(d.leakedVolumeMl, 3)} mL, pocket ${n(d.pocketVolumeMl, 3)} mL; largest unintended bolus ${n(d.maxUnintendedBolusUl, 1)} µL; heparin lock left in the path ${n(d.heparinLockInPathUnits, 0)} IU.</p>`,
  );
  const timeline = timelineOf(log, s.faults, s.simulatedSeconds);
  out.push('<h2>Alarms</h2>');
  const when = (t: number | null): string => (t === null ? '—' : clockTime(t));
  out.push(timeline.alarms.length === 0 ? '<p>None.</p>' : table(['alarm', 'priority', 'raised', 'acknowledged', 'cleared'], timeline.alarms.map((a) => [a.code, a.priority, when(a.raisedS), when(a.ackS), when(a.clearedS)])));
  out.push('<h2>Faults</h2>');
  out.push(
    s.faults.length === 0
      ? '<p>None injected.</p>'
      : table(
          ['fault', 'onset', 'detected by', 'latency, s', 'expected'],
          s.faults.map((f) => [f.kind, clockTime(f.atSeconds), f.detectedBy ?? 'not detected', f.latencySeconds === null ? '—' : n(f.latencySeconds, 0), f.expected.join(', ') || 'no alarm']),
        ),
  );
  out.push('<h2>Events</h2>');
  out.push(table(['time', 'event'], s.notifications.map((e) => [clockTime(e.atSeconds), e.code])));
  out.push(`<p>Final state: <b>${escapeHtml(s.finalState)}</b>; simulated ${clockTime(s.simulatedSeconds)} (${s.simulatedSeconds} s), ${s.controlSteps} control steps, ${s.clockEvents} clock events.</p>`);
  return out.join('\n');
}

/** How to run it again: the scenario as JSON, its seed and the version. */
export function reproduction(scenario: Scenario, seed: number, version: string, command: string): string {
  return `<h2>Reproduce</h2>
<p>pumpsim ${escapeHtml(version)}, seed ${seed}. Save the scenario below as <code>scenario.json</code> and run
<code>${escapeHtml(command)}</code>; the same seed gives the same run.</p>
<details><summary>Scenario (JSON)</summary><pre>${escapeHtml(JSON.stringify(scenario, null, 2))}</pre></details>`;
}

export function runReportHtml(input: RunReportInput): string {
  const s = input.summary;
  const plots = runCharts('run-', 'run', { endS: s.simulatedSeconds, faults: s.faults, log: input.log, samples: input.samples }, TRACE_BUCKETS);
  const body = `<h1>pumpsim run report — ${escapeHtml(s.scenario)}</h1>
<p class="meta">seed ${s.seed} · device ${escapeHtml(s.profile)} · pumpsim ${escapeHtml(input.version)} · simulated ${clockTime(s.simulatedSeconds)} · final state ${escapeHtml(s.finalState)} ·
${s.alarms.length} alarm${s.alarms.length === 1 ? '' : 's'} · ${input.samples.length} samples, drawn as min/max per time bucket</p>
<p class="note">Drag across a plot to zoom every plot to that time span; double-click to zoom out. Times are simulated "days hh:mm" from the run's start.</p>
${plots.html}
${tables(s, input.log)}
${reproduction(input.scenario, s.seed, input.version, `npm run -s pumpsim -- run --scenario scenario.json --seed ${s.seed}`)}`;
  return renderPage({ title: `pumpsim run report — ${s.scenario}`, body, data: { traces: plots.traces, charts: plots.charts } });
}
