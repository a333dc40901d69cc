/**
 * The HTML report of a treatment course (`pumpsim run --report FILE` on a course scenario).
 *
 * Owns: what the course report shows — per-cycle planned and delivered doses and alarms per
 * cycle (as bar charts and a table), the clinical path (resection, the surgical pause,
 * postoperative HAI, re-locks, refill mismatches and the pocket FUDR), the calendar strip (every day kind), and
 * each infused cycle's traces (timeline, pressure, delivered volume), linked from the table.
 * Promises: figures are the course summary's (plant truth at the catheter outlet, the programme
 * after the dose factor) or the cycle's telemetry samples; a cycle's traces are decimated when the
 * cycle ends (`cycleCharts`), so a long course holds one cycle's samples at a time.
 */
import type { LogEntry } from '../../../firmware/index.ts';
import type { CourseRunSummary } from '../../course/courseRunner.ts';
import { calendarOf } from '../../course/courseRunner.ts';
import type { Scenario } from '../../scenario/scenario.ts';
import { chart, escapeHtml, renderPage, table } from './page.ts';
import { reproduction, runCharts } from './runReport.ts';
import type { TraceCollector } from './traces.ts';

/** Buckets per cycle trace (a course has up to dozens of cycles). */
export const CYCLE_TRACE_BUCKETS = 600;

export interface CycleCharts {
  readonly html: string;
  readonly traces: Record<string, unknown>;
  readonly charts: Record<string, unknown>;
}

/** One infused cycle's charts, from its samples and log (called as the cycle's run ends). */
export function cycleCharts(cycle: number, samples: TraceCollector, log: readonly LogEntry[]): CycleCharts {
  return runCharts(`cycle${cycle}-`, `cycle${cycle}`, { endS: samples.lastTimeS, faults: [], log, samples }, CYCLE_TRACE_BUCKETS, ['timeline', 'pressure', 'volume']);
}

const DAY_COLOURS: Readonly<Record<string, string>> = { infusion: '#1f77b4', lock: '#9467bd', rest: '#c7c7c7', held: '#ff7f0e', stopped: '#d62728', preoperative: '#bcbd22', surgery: '#000000', recovery: '#17becf' };

/** The clinical path in one paragraph: resection, the surgical pause, postoperative HAI, re-locks, refill mismatches. */
export function clinicalPathHtml(s: CourseRunSummary): string {
  const c = s.course;
  const r = c.resection;
  const plan = (p: string): string => (p === 'xeloxHai' ? 'XELOX + HAI' : p === 'xelox' ? 'XELOX alone' : 'none');
  const resection =
    r === null
      ? 'Not resected.'
      : `Resected after ${r.cyclesBeforeResection} cycles (${escapeHtml(r.origin)}): chemotherapy stopped on day ${r.chemotherapyStopDay}, the pump locked; operation on day ${r.surgeryDay}, ${r.daysFromStopToSurgery} days after the stop; postoperative ${plan(r.postoperative)}${r.postoperativeStartDay !== null ? ` from day ${r.postoperativeStartDay} (recovery ${r.recoveryDays} days)` : ''}.`;
  const mismatches = c.refillMismatches
    .map((m) => `cycle ${m.cycle}: ${escapeHtml(m.fault ?? 'refill mismatch')}, ${m.pocketFudrMg.toFixed(2)} mg FUDR in the pocket; stopped ${m.alarmToActionSeconds === null ? '—' : `${m.alarmToActionSeconds.toFixed(0)} s`} after the alarm, ${m.aspiratedMl === null ? '—' : `${m.aspiratedMl.toFixed(2)} mL`} aspirated; ${escapeHtml(m.procedure ?? '—')} → ${escapeHtml(m.action ?? '—')}${m.resumed ? ', restarted' : ''}`)
    .join('; ');
  return `<p>${resection} HAI cycles ${c.haiCycles.total} = ${c.haiCycles.initial} before + ${c.haiCycles.postoperative} after the operation; ${c.relockDays.length} heparin re-locks without infusion (every ${c.relockIntervalDays} days at most)${c.cycles.some((x) => x.catheterThrombosis) ? `; catheter thrombosis before cycle ${c.cycles.filter((x) => x.catheterThrombosis).map((x) => x.cycle).join(', ')}` : ''}. FUDR in the pocket ${s.delivered.pocketFudrMg.toFixed(2)} mg.${mismatches === '' ? '' : ` Refill mismatches: ${mismatches}.`}</p>`;
}

export interface CourseReportInput {
  readonly course: CourseRunSummary;
  readonly scenario: Scenario;
  readonly cycles: ReadonlyMap<number, CycleCharts>;
  readonly version: string;
}

export function courseReportHtml(input: CourseReportInput): string {
  const s = input.course;
  const c = s.course;
  const days = calendarOf(s);
  const strip = days
    .map((d) => `<div style="background:${DAY_COLOURS[d.kind] ?? '#eee'}" title="day ${d.day} (cycle ${d.cycle}, day ${d.cycleDay}): ${escapeHtml(d.kind)}${d.events.length > 0 ? ` — ${escapeHtml(d.events.join('; '))}` : ''}"></div>`)
    .join('');
  const legend = Object.entries(DAY_COLOURS)
    .map(([kind, colour]) => `<span class="legend-box" style="background:${colour}"></span>${kind} ${c.calendar[kind as keyof typeof c.calendar]} d`)
    .join('');
  const perCycle = {
    timeS: c.cycles.map((r) => r.cycle),
    cols: {
      fudrPlanned: c.cycles.map((r) => r.fudrMgPlanned),
      fudrDelivered: c.cycles.map((r) => r.fudrMg),
      dexaPlanned: c.cycles.map((r) => r.dexamethasoneMgPlanned),
      dexaDelivered: c.cycles.map((r) => r.dexamethasoneMg),
      alarms: c.cycles.map((r) => r.alarms.length),
    },
  };
  const charts: Record<string, unknown> = {
    'course-fudr': { kind: 'bars', title: 'FUDR per cycle: planned (after dose factor) and delivered to the artery', xLabel: 'cycle', yLabel: 'mg', trace: 'cycles', series: [{ col: 'fudrPlanned', label: 'planned', stroke: '#9ecae1' }, { col: 'fudrDelivered', label: 'delivered (truth)', stroke: '#1f77b4' }] },
    'course-dexa': { kind: 'bars', title: 'Dexamethasone per cycle: planned and delivered', xLabel: 'cycle', yLabel: 'mg', trace: 'cycles', series: [{ col: 'dexaPlanned', label: 'planned', stroke: '#a1d99b' }, { col: 'dexaDelivered', label: 'delivered (truth)', stroke: '#31a354' }] },
    'course-alarms': { kind: 'bars', title: 'Alarms per cycle', xLabel: 'cycle', yLabel: 'alarms', trace: 'cycles', height: 160, series: [{ col: 'alarms', label: 'alarms raised', stroke: '#d62728' }] },
  };
  const traces: Record<string, unknown> = { cycles: perCycle };
  const sections: string[] = [];
  for (const r of c.cycles) {
    const cc = input.cycles.get(r.cycle);
    if (cc === undefined) continue;
    Object.assign(traces, cc.traces);
    Object.assign(charts, cc.charts);
    sections.push(`<h3 id="cycle-${r.cycle}">Cycle ${r.cycle} (course day ${r.startDay}, dose factor ${r.doseFactor})</h3>\n${cc.html}`);
  }
  const rows = c.cycles.map((r) => [
    input.cycles.has(r.cycle) ? { html: `<a href="#cycle-${r.cycle}">${r.cycle}</a>` } : r.cycle,
    r.startDay,
    `${r.status}${r.phase === 'postoperative' ? ' (postoperative)' : ''}`,
    r.doseFactor.toFixed(2),
    r.fudrMgPlanned.toFixed(2),
    r.fudrMg.toFixed(2),
    r.dexamethasoneMgPlanned.toFixed(2),
    r.dexamethasoneMg.toFixed(2),
    r.delivered.pocketFudrMg.toFixed(2),
    r.alarms.length === 0 ? '—' : [...new Set(r.alarms.map((a) => a.code))].join(', '),
    r.events.length === 0 ? '—' : r.events.map((e) => `${e.kind} → ${e.action}`).join('; '),
  ]);
  const body = `<h1>pumpsim course report — ${escapeHtml(s.scenario)}</h1>
<p class="meta">seed ${s.seed} · device ${escapeHtml(s.profile)} · pumpsim ${escapeHtml(input.version)} · ${c.cyclesPlanned} cycles of ${c.cycleDays} days · rules ${escapeHtml(c.rules)} · adverse events ${escapeHtml(c.adverseEvents)}</p>
<p>HAI cycles infused ${c.cyclesInfused} of ${c.cyclesPlanned} (held ${c.cyclesHeld}); ${c.stoppedReason === null ? 'not stopped' : `stopped on day ${c.stoppedDay}: ${escapeHtml(c.stoppedReason)}`}; FUDR to the hepatic artery ${c.fudrMgTotal.toFixed(2)} mg, dexamethasone ${c.dexamethasoneMgTotal.toFixed(2)} mg (plant truth).</p>
<h2>Clinical path</h2>
${clinicalPathHtml(s)}
<h2>Calendar</h2>
<div class="strip">${strip}</div><p class="note">${legend} — one square a day; hover for the day's events.</p>
<h2>Doses and alarms per cycle</h2>
${['course-fudr', 'course-dexa', 'course-alarms'].map(chart).join('\n')}
${table(['cycle', 'day', 'status', 'dose factor', 'FUDR planned, mg', 'FUDR delivered, mg', 'dexa planned, mg', 'dexa delivered, mg', 'FUDR in the pocket, mg', 'alarms', 'visit'], rows)}
<h2>Cycle traces</h2>
<p class="note">Times are from 00:00 of the cycle's day 1. Drag to zoom a cycle's plots; double-click to zoom out.</p>
${sections.join('\n')}
${reproduction(input.scenario, s.seed, input.version, `npm run -s pumpsim -- run --scenario scenario.json --seed ${s.seed}`)}`;
  return renderPage({ title: `pumpsim course report — ${s.scenario}`, body, data: { traces, charts } });
}
