/**
 * The clinician's rule table: data, validated at load, replaceable by a file.
 *
 * Owns: the table's format, the default table (`rules.default.json`, sources in every row), the
 * NCI-CTCAE v3.0 ALT/AST grade bands, and matching an event to its row.
 * Promises: a table that loads is well-formed; `matchRule` is pure and takes the first row that
 * matches (event kind, grade, alarm code, occurrence count), so the file's order is its priority.
 * `node --import ./sim/tools/loader/register.mjs sim/course/rules.ts --markdown [FILE]` prints the
 * table as it appears in docs/courses-and-cohort.md (the block sim/tools/docBlocks.ts writes).
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { int } from '../scenario/fields.ts';
import { ScenarioError, readJsonFile } from '../scenario/jsonFile.ts';

export const RULE_EVENTS = [
  'epigastricPain',
  'ulcer',
  'catheterDisplacement',
  'deviceAlarm',
  'catheterOcclusion',
  'hepaticProgression',
  'portInfection',
  'hepatotoxicity',
  'resectable',
] as const;
export type RuleEvent = (typeof RULE_EVENTS)[number];

const positiveInt = (field: string, max: number): z.ZodNumber => int(field, 1, max);

export const ruleRowSchema = z
  .strictObject({
    event: z.enum(RULE_EVENTS, { error: `event must be one of: ${RULE_EVENTS.join(', ')}` }),
    /** CTCAE grade the row applies to (hepatotoxicity, epigastric pain); omitted: any grade. */
    grade: positiveInt('grade', 5).optional(),
    /** Alarm code (deviceAlarm); omitted: any code. */
    code: z.string({ error: 'code must be an alarm code' }).optional(),
    /** The n-th time this event (and grade) happens to the patient; omitted: any. */
    occurrence: positiveInt('occurrence', 100).optional(),
    /** From the n-th time on. */
    occurrenceFrom: positiveInt('occurrenceFrom', 100).optional(),
    procedure: z.string({ error: 'procedure must be text' }).optional(),
    /** `resect` (event `resectable` only): chemotherapy stops and the operation is booked. */
    action: z.enum(['continue', 'hold', 'stop', 'resect'], { error: 'action must be one of: continue, hold, stop, resect' }),
    holdDays: z.number({ error: 'holdDays must be a number (allowed 0–365 days)' }).min(0, { error: 'holdDays must be a number (allowed 0–365 days)' }).max(365, { error: 'holdDays must be a number (allowed 0–365 days)' }).optional(),
    /** The dose factor (FUDR and dexamethasone) from now on is at most this. */
    doseFactor: z.number({ error: 'doseFactor must be a number (allowed > 0 and ≤ 1)' }).gt(0, { error: 'doseFactor must be a number (allowed > 0 and ≤ 1)' }).max(1, { error: 'doseFactor must be a number (allowed > 0 and ≤ 1)' }).optional(),
    stopReason: z.string({ error: 'stopReason must be text' }).optional(),
    /** deviceAlarm RESERVOIR_MISMATCH with action continue: hours the patient is observed before the infusion restarts. */
    observeHours: z.number({ error: 'observeHours must be a number (allowed 0–72 h)' }).min(0, { error: 'observeHours must be a number (allowed 0–72 h)' }).max(72, { error: 'observeHours must be a number (allowed 0–72 h)' }).optional(),
    source: z.string({ error: 'source must be text (where the rule comes from)' }).min(1, { error: 'source must say where the rule comes from' }),
  })
  .refine((r) => r.action !== 'hold' || r.holdDays !== undefined, { error: 'a hold row needs holdDays (allowed 0–365 days)' })
  .refine((r) => r.action !== 'stop' || r.stopReason !== undefined, { error: 'a stop row needs stopReason' })
  .refine((r) => (r.action === 'resect') === (r.event === 'resectable') || (r.event === 'resectable' && r.action === 'continue'), { error: 'action resect is for event resectable; a resectable row is resect or continue' })
  .refine((r) => r.occurrence === undefined || r.occurrenceFrom === undefined, { error: 'give occurrence or occurrenceFrom, not both' });
export type RuleRow = z.output<typeof ruleRowSchema>;

export const ruleTableSchema = z.strictObject({
  name: z.string({ error: 'name must be text' }).min(1, { error: 'name must not be empty' }),
  description: z.string({ error: 'description must be text' }).optional(),
  rows: z.array(ruleRowSchema, { error: 'rows must be an array' }).min(1, { error: 'rows must not be empty' }),
});
export type RuleTable = z.output<typeof ruleTableSchema>;

export const DEFAULT_RULES_PATH = fileURLToPath(new URL('./rules.default.json', import.meta.url));

function describePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

/** Validates a parsed rule table; throws `ScenarioError` naming the field. */
export function parseRuleTable(json: unknown, source: string): RuleTable {
  const result = ruleTableSchema.safeParse(json);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = describePath(issue.path);
    if (issue.code === 'unrecognized_keys') return `${where ? `${where}: ` : ''}unknown field ${(issue as { keys: string[] }).keys.join(', ')}`;
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  throw new ScenarioError(`${source}: ${lines.join('; ')}`);
}

const cache = new Map<string, RuleTable>();

/** Loads a rule table file (the default when no path is given). */
export function loadRuleTable(path: string = DEFAULT_RULES_PATH): RuleTable {
  const cached = cache.get(path);
  if (cached !== undefined) return cached;
  const table = parseRuleTable(readJsonFile(path, 'rule table'), path);
  cache.set(path, table);
  return table;
}

/**
 * NCI-CTCAE v3.0 grade of ALT (SGPT) or AST (SGOT) elevation from its peak as a multiple of the
 * upper limit of normal: grade 1 > ULN–2.5 × ULN; grade 2 > 2.5–5.0 × ULN; grade 3 > 5.0–20.0 × ULN;
 * grade 4 > 20.0 × ULN. 0: not elevated.
 */
export function ctcaeV3AltAstGrade(timesUln: number): 0 | 1 | 2 | 3 | 4 {
  if (!(timesUln > 1)) return 0;
  if (timesUln <= 2.5) return 1;
  if (timesUln <= 5) return 2;
  if (timesUln <= 20) return 3;
  return 4;
}

export const CTCAE_V3_ALT_AST_BANDS = Object.freeze([
  { grade: 1, band: '> ULN – 2.5 × ULN' },
  { grade: 2, band: '> 2.5 – 5.0 × ULN' },
  { grade: 3, band: '> 5.0 – 20.0 × ULN' },
  { grade: 4, band: '> 20.0 × ULN' },
]);

/** What the clinician sees at a visit. */
export interface RuleQuery {
  readonly event: RuleEvent;
  readonly grade?: number;
  readonly code?: string;
  /** 1 for the first time this event (and grade) happens to the patient. */
  readonly occurrence: number;
}

export function rowMatches(row: RuleRow, q: RuleQuery): boolean {
  if (row.event !== q.event) return false;
  if (row.grade !== undefined && row.grade !== q.grade) return false;
  if (row.code !== undefined && row.code !== q.code) return false;
  if (row.occurrence !== undefined && row.occurrence !== q.occurrence) return false;
  if (row.occurrenceFrom !== undefined && q.occurrence < row.occurrenceFrom) return false;
  return true;
}

/** The first matching row, or null (the clinician then continues unchanged, and says so). */
export function matchRule(table: RuleTable, q: RuleQuery): RuleRow | null {
  return table.rows.find((row) => rowMatches(row, q)) ?? null;
}

/** The table as a Markdown table (the rule table of docs/courses-and-cohort.md is this output). */
export function ruleTableMarkdown(table: RuleTable): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const when = (r: RuleRow): string => {
    const parts: string[] = [];
    if (r.grade !== undefined) parts.push(`grade ${r.grade}`);
    if (r.code !== undefined) parts.push(r.code);
    if (r.occurrence !== undefined) parts.push(`occurrence ${r.occurrence}`);
    if (r.occurrenceFrom !== undefined) parts.push(`occurrence ≥ ${r.occurrenceFrom}`);
    return parts.length === 0 ? 'any' : parts.join(', ');
  };
  const action = (r: RuleRow): string => {
    const parts: string[] = [r.action];
    if (r.action === 'hold') parts[0] = `hold ${r.holdDays} d`;
    if (r.action === 'resect') parts[0] = 'resect: chemotherapy stopped, operation booked';
    if (r.doseFactor !== undefined) parts.push(`dose factor ≤ ${r.doseFactor}`);
    if (r.stopReason !== undefined) parts.push(`(${r.stopReason})`);
    if (r.observeHours !== undefined) parts.push(`resume after ${r.observeHours} h of observation`);
    return parts.join(', ');
  };
  const lines = ['| event | when | procedure | action | source |', '| --- | --- | --- | --- | --- |'];
  for (const r of table.rows) lines.push(`| ${r.event} | ${cell(when(r))} | ${cell(r.procedure ?? '—')} | ${cell(action(r))} | ${cell(r.source)} |`);
  return lines.join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly && process.argv.includes('--markdown')) {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
  process.stdout.write(`${ruleTableMarkdown(loadRuleTable(file))}\n`);
}
