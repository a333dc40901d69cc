/**
 * The README's generated blocks: the firmware's alarm table and drug library, the clinician's rule
 * table and the adverse-event calibration, each from its source (firmware/alarms.ts,
 * firmware/drugLibrary.ts, rules.default.json, adverseEvents.ts).
 *
 * Owns: the text between each `<!-- name:begin -->` / `<!-- name:end -->` marker pair.
 * Promises: `npx tsx sim/tools/docBlocks.ts --write` rewrites every block from its source; the tests
 * (test/firmware/alarms.test.ts, test/firmware/drugLibrary.test.ts, test/sim/course/docs.test.ts) fail when one drifts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COURSE_LENGTH, HAZARDS, HEPATOTOXICITY_GRADE2_SHARE, INCIDENCE_TARGETS, ULCER_RECURRENCE_PER_CYCLE, ULCER_RELATIVE_RISK_PER_EXTRAHEPATIC_FRACTION } from '../course/adverseEvents.ts';
import { CTCAE_V3_ALT_AST_BANDS, loadRuleTable, ruleTableMarkdown } from '../course/rules.ts';
import type { DriveAction, DrugLibrary, LimitBand } from '../../firmware/index.ts';
import { ALARM_TABLE, EXCLUSIVE_ZERO, HAI_FUDR_LIBRARY } from '../../firmware/index.ts';

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url));
export const WRITE_COMMAND = 'npx tsx sim/tools/docBlocks.ts --write';

export function rulesBlock(): string {
  const bands = CTCAE_V3_ALT_AST_BANDS.map((b) => `grade ${b.grade} ${b.band}`).join('; ');
  return [`NCI-CTCAE v3.0 ALT/AST bands (\`ctcaeV3AltAstGrade\`): ${bands}.`, '', ruleTableMarkdown(loadRuleTable())].join('\n');
}

export function calibrationBlock(): string {
  const T = INCIDENCE_TARGETS;
  const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
  const window = (t: { fromInfusedCycle: number; untilInfusedCycle: number | null }): string =>
    t.untilInfusedCycle === null ? `from ${t.fromInfusedCycle}` : `${t.fromInfusedCycle}–${t.untilInfusedCycle}`;
  const rows: [string, string, number, string][] = [
    ['GI ulceration (with the epigastric pain that leads to endoscopy)', T.ulcer.source, HAZARDS.ulcer, window(T.ulcer)],
    ['epigastric pain grade 3–4 without ulcer', `${T.epigastricPain.source}, both causes together`, HAZARDS.painWithoutUlcer, window(T.epigastricPain)],
    ['ALT/AST grade 3', T.hepatotoxicityGrade3.source, HAZARDS.hepatotoxicityGrade3, window(T.hepatotoxicityGrade3)],
    ['ALT/AST any grade (grade 1–2 = any − grade 3)', T.hepatotoxicityAny.source, HAZARDS.hepatotoxicityAny, window(T.hepatotoxicityAny)],
    ['catheter displacement', T.catheterDisplacement.source, HAZARDS.catheterDisplacement, window(T.catheterDisplacement)],
    ['port-site infection', T.portInfection.source, HAZARDS.portInfection, window(T.portInfection)],
  ];
  const lines = ['| event | seed (n = 54) | hazard per infused cycle | infused cycles |', '| --- | --- | --- | --- |'];
  for (const [event, source, hazard, w] of rows) lines.push(`| ${event} | ${source} | ${hazard.toFixed(5)} | ${w} |`);
  lines.push('');
  lines.push(
    `Calibrated over planned courses of ${COURSE_LENGTH.minCycles} + BetaBinomial(${COURSE_LENGTH.extraCyclesN}, ${COURSE_LENGTH.alpha}, ${COURSE_LENGTH.beta}) cycles (median 9, range 3–18). ` +
      `Defaults beyond the seed: ulcer recurrence after a reduction ${ULCER_RECURRENCE_PER_CYCLE} per infused cycle; ulcer hazard × (1 + ${ULCER_RELATIVE_RISK_PER_EXTRAHEPATIC_FRACTION}·f) for a share f of the cycle's FUDR reaching an extrahepatic branch; a grade 1–2 ALT/AST episode is grade 2 with probability ${HEPATOTOXICITY_GRADE2_SHARE}; ` +
      `targets: ulcer ${pct(T.ulcer.incidence)}, pain ${pct(T.epigastricPain.incidence)}, grade 3 ${pct(T.hepatotoxicityGrade3.incidence)}, any grade ${pct(T.hepatotoxicityAny.incidence)}, displacement ${pct(T.catheterDisplacement.incidence)}, infection ${pct(T.portInfection.incidence)}.`,
  );
  return lines.join('\n');
}

/** A number as the table shows it: up to 6 significant digits, no trailing zeros. */
function limit(x: number): string {
  return String(Number(x.toPrecision(6)));
}

function range(r: { readonly min: number; readonly max: number }, unit: string): string {
  const u = unit === '' ? '' : ` ${unit}`;
  return r.min === EXCLUSIVE_ZERO ? `> 0 – ${limit(r.max)}${u}` : `${limit(r.min)} – ${limit(r.max)}${u}`;
}

/** The drug library's limits, one row per band, in the library's own order. */
export function drugLibraryBlock(library: DrugLibrary = HAI_FUDR_LIBRARY): string {
  const lines = [`Library: **${library.name}**. Limits are inclusive; "> 0" excludes zero.`, '', '| quantity | hard limit (refused outside) | soft limit (confirmation outside) |', '| --- | --- | --- |'];
  for (const [key, value] of Object.entries(library)) {
    if (key === 'name') continue;
    const band = value as LimitBand;
    lines.push(`| \`${key}\` | ${range(band.hard, band.unit)} | ${range(band.soft, band.unit)} |`);
  }
  return lines.join('\n');
}

const DRIVE_ACTION_TEXT: Record<DriveAction, string> = { stopNow: 'stop now', finishStrokeThenStop: 'finish stroke, stop', continue: 'continue' };

/** The alarm table as the firmware declares it, one row per alarm in table order. */
export function alarmTableBlock(): string {
  const lines = ['| code | priority | latching | drive action | requirement | meaning |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of ALARM_TABLE) lines.push(`| ${r.code} | ${r.priority} | ${r.latching ? 'yes' : 'no'} | ${DRIVE_ACTION_TEXT[r.driveAction]} | ${r.requirement} | ${r.meaning} |`);
  return lines.join('\n');
}

export const BLOCKS = Object.freeze({ 'alarm-table': alarmTableBlock, 'drug-library': drugLibraryBlock, 'course-rules': rulesBlock, 'course-calibration': calibrationBlock });

function markers(name: string): [string, string] {
  return [`<!-- ${name}:begin -->`, `<!-- ${name}:end -->`];
}

/** README text with every generated block replaced by its current source. */
export function withBlocks(readme: string): string {
  let text = readme;
  for (const [name, make] of Object.entries(BLOCKS)) {
    const [begin, end] = markers(name);
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README has no ${begin} … ${end} block`);
    text = `${text.slice(0, from + begin.length)}\n${make()}\n${text.slice(to)}`;
  }
  return text;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  if (process.argv.includes('--write')) {
    const readme = readFileSync(README_PATH, 'utf8');
    const next = withBlocks(readme);
    if (next !== readme) writeFileSync(README_PATH, next);
  } else {
    for (const make of Object.values(BLOCKS)) process.stdout.write(`${make()}\n\n`);
  }
}
