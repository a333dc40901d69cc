/**
 * The generated blocks of the documentation: the firmware's alarm table and drug library, the
 * clinician's rule table, the adverse-event calibration, the statechart diagram, the device
 * parameters and the virtual bench's disclosure, each from its source (firmware/alarms.ts,
 * firmware/drugLibrary.ts, rules.default.json, adverseEvents.ts, the machine, the device
 * validator, the bench run on each built-in profile) and each in the doc where a reader looks
 * for it (`BLOCKS`).
 *
 * Owns: the text between each `<!-- name:begin -->` / `<!-- name:end -->` marker pair of `BLOCKS`.
 * Promises: `npx tsx sim/tools/docBlocks.ts --write` rewrites every block from its source and
 * touches only files whose blocks changed; a file without a block's markers is refused before
 * anything is written; the tests (test/docs/generatedBlocks.test.ts, test/docs/courseScenarios.test.ts,
 * test/sim/tools/statechartDiagram.test.ts, test/docs/standards.test.ts) fail when one drifts. The detection table
 * (docs/faults-and-detection.md) is not here: it takes a campaign, `pumpsim detection --doc` writes it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HAZARDS, HEPATOTOXICITY_GRADE2_SHARE, INCIDENCE_TARGETS, ULCER_RECURRENCE_PER_CYCLE, ULCER_RELATIVE_RISK_PER_EXTRAHEPATIC_FRACTION } from '../course/adverseEvents.ts';
import { CTCAE_V3_ALT_AST_BANDS, loadRuleTable, ruleTableMarkdown } from '../course/rules.ts';
import { haiCyclesPmf } from '../course/clinicalPath.ts';
import type { DriveAction, DrugLibrary, LimitBand } from '../../firmware/index.ts';
import { ALARM_TABLE, EXCLUSIVE_ZERO, HAI_FUDR_LIBRARY } from '../../firmware/index.ts';
import { blockMarkers, findBlock, replaceBlock } from '../report/markdownBlocks.ts';
import { statechartBlock } from './statechartDiagram.ts';
import { BUILT_IN_DEVICES, BUILT_IN_PROFILE_NAMES, DEVICE_PARAMETERS } from '../scenario/device.ts';
import { profileFromParameters } from '../world/profile.ts';
import type { BenchResult } from '../bench/standard.ts';
import { runBench } from '../bench/standard.ts';
import { disclosureMarkdown } from '../report/standard.ts';

/** The repository root; `BLOCKS` files are relative to it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
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
  const pmf = haiCyclesPmf();
  let cumulative = 0;
  let median = 0;
  for (const [k, p] of pmf) if ((cumulative += p) >= 0.5 && median === 0) median = k;
  const ks = [...pmf.keys()];
  lines.push(
    `Calibrated over the total HAI cycles the clinical path gives (\`haiCyclesPmf\`, sim/course/clinicalPath.ts, before the holds and stops the events cause: median ${median}, range ${Math.min(...ks)}–${Math.max(...ks)}). ` +
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

/** Every generated block: the doc it lives in (relative to the repository root) and its source. */
/** Every device parameter: unit, allowed range, meaning and each built-in profile's value (docs/devices.md). */
export function deviceParametersBlock(): string {
  const names = BUILT_IN_PROFILE_NAMES;
  const lines = [
    `| parameter | unit | allowed | ${names.join(' | ')} | meaning |`,
    `| --- | --- | --- | ${names.map(() => '---').join(' | ')} | --- |`,
  ];
  const text = (v: unknown): string => (v === undefined ? '—' : String(v));
  lines.push(`| \`placement\` | | \`external\`, \`implanted\` | ${names.map((n) => text(BUILT_IN_DEVICES[n]?.placement)).join(' | ')} | where the pump sits: worn and connected through a set each cycle, or implanted and refilled through a septum |`);
  let group = '';
  for (const [name, spec] of Object.entries(DEVICE_PARAMETERS)) {
    if (spec.group !== group) {
      group = spec.group;
      lines.push(`| **${group}** | | | ${names.map(() => '').join(' | ')} | |`);
    }
    const allowed = `${spec.min}–${spec.max}${spec.integer === true ? ', whole' : ''}${spec.step !== undefined ? `, step ${spec.step}` : ''}`;
    const values = names.map((n) => text((BUILT_IN_DEVICES[n] as unknown as Record<string, unknown> | undefined)?.[name]));
    lines.push(`| \`${name}\` | ${spec.unit} | ${allowed} | ${values.join(' | ')} | ${spec.meaning} |`);
  }
  return lines.join('\n');
}

/** The command the disclosure block is the output of. */
export const STANDARD_COMMAND = 'npm run -s pumpsim -- standard';

/**
 * The virtual bench's disclosure for every built-in profile at the command's defaults
 * (docs/standards.md): the whole bench, run on each.
 */
export function standardDisclosureBlock(): string {
  const results = BUILT_IN_PROFILE_NAMES.map((n) => runBench(profileFromParameters(BUILT_IN_DEVICES[n] as (typeof BUILT_IN_DEVICES)[string])));
  const all: BenchResult = {
    accuracy: results.flatMap((r) => r.accuracy),
    occlusion: results.flatMap((r) => r.occlusion),
    backPressure: results.flatMap((r) => r.backPressure),
    temperature: results.flatMap((r) => r.temperature),
  };
  return [`Generated by \`${WRITE_COMMAND}\`; the same tables are what \`${STANDARD_COMMAND}\` prints (seed 7, 5 occlusion seeds, the default balance).`, '', disclosureMarkdown(all, '###')].join('\n');
}

export const BLOCKS = Object.freeze({
  'drug-library': { file: 'docs/scenarios.md', make: (): string => drugLibraryBlock() },
  'alarm-table': { file: 'docs/faults-and-detection.md', make: alarmTableBlock },
  'course-rules': { file: 'docs/courses-and-cohort.md', make: rulesBlock },
  'course-calibration': { file: 'docs/courses-and-cohort.md', make: calibrationBlock },
  statechart: { file: 'docs/architecture.md', make: statechartBlock },
  'device-parameters': { file: 'docs/devices.md', make: deviceParametersBlock },
  'standard-disclosure': { file: 'docs/standards.md', make: standardDisclosureBlock },
});
export type BlockName = keyof typeof BLOCKS;

/** The absolute path of the doc that holds `name`. */
export function blockFile(name: BlockName): string {
  return path.join(REPO_ROOT, BLOCKS[name].file);
}

/** What lies between the markers of `name` when it is current: its source, one newline either side. */
export function expectedBlock(name: BlockName): string {
  return `\n${BLOCKS[name].make()}\n`;
}

export type BlockCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'missing' | 'noMarkers' | 'outOfDate'; readonly message: string; readonly actual?: string; readonly expected: string };

/** Whether `file` (by default the block's own doc) holds exactly the current block between its markers. */
export function checkBlock(name: BlockName, file: string = blockFile(name)): BlockCheck {
  const expected = expectedBlock(name);
  const { begin, end } = blockMarkers(name);
  if (!existsSync(file)) return { ok: false, reason: 'missing', expected, message: `${file} does not exist; create it with ${begin} … ${end} and run \`${WRITE_COMMAND}\`` };
  const text = readFileSync(file, 'utf8');
  const at = findBlock(text, name);
  if (at === null) return { ok: false, reason: 'noMarkers', expected, message: `${file} lacks the markers ${begin} … ${end}; add them and run \`${WRITE_COMMAND}\`` };
  const actual = text.slice(at.start, at.end);
  if (actual !== expected) return { ok: false, reason: 'outOfDate', expected, actual, message: `the ${name} block in ${file} is out of date: run \`${WRITE_COMMAND}\`` };
  return { ok: true };
}

/**
 * Rewrites the blocks `names` in `file` from their sources. Refuses, and writes nothing, when the
 * file or any block's markers are missing; leaves the file untouched when every block is current.
 */
export function writeBlocks(file: string, names: readonly BlockName[]): { readonly ok: boolean; readonly message: string } {
  if (!existsSync(file)) return { ok: false, message: `error: ${file} does not exist (it needs the markers of ${names.join(', ')})` };
  const text = readFileSync(file, 'utf8');
  let next = text;
  for (const name of names) {
    if (findBlock(next, name) === null) {
      const { begin, end } = blockMarkers(name);
      return { ok: false, message: `error: ${file} lacks the markers ${begin} … ${end} (in that order, once)` };
    }
    next = replaceBlock(next, name, expectedBlock(name), file);
  }
  if (next === text) return { ok: true, message: `${file}: ${names.join(', ')} already up to date` };
  writeFileSync(file, next);
  return { ok: true, message: `${file}: ${names.join(', ')} rewritten` };
}

/** Every doc of `BLOCKS` with the names of the blocks it holds, in `BLOCKS` order. */
function blocksByFile(): Map<string, BlockName[]> {
  const byFile = new Map<string, BlockName[]>();
  for (const name of Object.keys(BLOCKS) as BlockName[]) byFile.set(blockFile(name), [...(byFile.get(blockFile(name)) ?? []), name]);
  return byFile;
}

function main(argv: readonly string[]): number {
  if (!argv.includes('--write')) {
    for (const { make } of Object.values(BLOCKS)) process.stdout.write(`${make()}\n\n`);
    return 0;
  }
  let failed = false;
  for (const [file, names] of blocksByFile()) {
    const result = writeBlocks(file, names);
    (result.ok ? process.stdout : process.stderr).write(`${result.message}\n`);
    failed ||= !result.ok;
  }
  return failed ? 1 : 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
