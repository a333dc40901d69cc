/**
 * Traceability, both ways: docs/requirements.md against the names of the tests.
 *
 * The test names are read from the sources of test/**\/*.test.ts: the title (first argument, a
 * string or template literal) of every `it(…)` / `test(…)` call, modifiers included
 * (`it.skipIf(c)(…)`, `it.each(t)(…)`). An ID is a token `PREFIX-…` with an allowed prefix; a
 * token of the same shape with another prefix is refused, and so is an ID a template completes at
 * run time (`PUMP-${x}`), because then the name a reviewer searches for is not in the source.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALARM_TABLE } from '../../firmware/index.ts';
import { INVARIANTS } from '../../sim/verify/invariants.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PREFIXES = ['SEED', 'GIP', 'OPCA', 'IEC', 'FDA', 'PUMP'] as const;
const ID = /\b(?:SEED|GIP|OPCA|IEC|FDA|PUMP)-[A-Z0-9](?:[A-Z0-9.-]*[A-Z0-9])?\b/g;
/** Anything shaped like a tag: capitals, a dash, then capitals or digits. */
const TAG_LIKE = /\b[A-Z][A-Z0-9]+-[A-Z0-9][A-Z0-9.-]*\b/g;

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return testFiles(full);
      return name.endsWith('.test.ts') ? [full] : [];
    });
}

/** The title literals of `it`/`test` calls: `it('…'`, `it.skipIf(x)('…'`, `test.each(t)(\`…\``. */
export function testTitles(source: string): string[] {
  const titles: string[] = [];
  const call = /\b(?:it|test)((?:\.\w+(?:\((?:[^()]|\([^()]*\))*\))?)*)\(\s*(['"`])/g;
  for (const m of source.matchAll(call)) {
    const quote = m[2] as string;
    let i = (m.index ?? 0) + m[0].length;
    let text = '';
    while (i < source.length && source[i] !== quote) {
      if (source[i] === '\\') {
        text += source[i + 1] ?? '';
        i += 2;
        continue;
      }
      text += source[i];
      i++;
    }
    titles.push(text);
  }
  return titles;
}

interface Scan {
  /** ID → test files whose test names carry it. */
  readonly ids: Map<string, Set<string>>;
  readonly problems: string[];
}

function scanTests(): Scan {
  const ids = new Map<string, Set<string>>();
  const problems: string[] = [];
  for (const file of testFiles(path.join(ROOT, 'test'))) {
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    for (const title of testTitles(readFileSync(file, 'utf8'))) {
      for (const m of title.matchAll(ID)) {
        const id = m[0];
        if (title.slice((m.index ?? 0) + id.length).startsWith('${') || title.slice((m.index ?? 0) + id.length).startsWith('-${')) {
          problems.push(`${rel}: "${title}" builds the ID ${id}… at run time; write the ID out in the name`);
          continue;
        }
        const files = ids.get(id) ?? new Set<string>();
        files.add(rel);
        ids.set(id, files);
      }
      for (const m of title.matchAll(TAG_LIKE)) {
        const prefix = m[0].split('-')[0] as string;
        if (!(PREFIXES as readonly string[]).includes(prefix)) problems.push(`${rel}: "${title}" carries ${m[0]}, whose prefix ${prefix}- is not one of ${PREFIXES.map((p) => `${p}-`).join(', ')}`);
      }
    }
  }
  return { ids, problems };
}

interface Row {
  readonly id: string;
  readonly statement: string;
  readonly source: string;
  readonly files: readonly string[];
}

function readTable(): Row[] {
  const text = readFileSync(path.join(ROOT, 'docs', 'requirements.md'), 'utf8');
  const rows: Row[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | ID | statement | source | checked by |  → ['', id, statement, source, files, '']
    if (cells.length !== 6 || !new RegExp(`^${ID.source}$`).test(cells[1] as string)) continue;
    const files = [...(cells[4] as string).matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    rows.push({ id: cells[1] as string, statement: cells[2] as string, source: cells[3] as string, files });
  }
  return rows;
}

const scan = scanTests();
const table = readTable();
const tableIds = new Set(table.map((r) => r.id));

describe('traceability: docs/requirements.md ↔ test names', () => {
  it('PUMP-TRACE the scanner reads titles of it, test and their modifiers, and finds IDs and foreign tags', () => {
    // Assembled at run time, so that the scan of this very file does not read it as test names.
    const [i, t] = ['i' + 't', 'te' + 'st'];
    const src = `${i}('GIP-1.10.7 a', f); ${i}.skipIf(x)(\`PUMP-A b\`, f); ${t}.each([1, 2])('SEED-B c %s', f); ${i}("OPCA-EC23 d", f);`;
    expect(testTitles(src)).toEqual(['GIP-1.10.7 a', 'PUMP-A b', 'SEED-B c %s', 'OPCA-EC23 d']);
    expect([...'GIP-1.10.7 and PUMP-NO-OVERDELIVERY, not GPCA-LATCH'.matchAll(ID)].map((m) => m[0])).toEqual(['GIP-1.10.7', 'PUMP-NO-OVERDELIVERY']);
    expect([...'GPCA-LATCH'.matchAll(TAG_LIKE)].map((m) => m[0])).toEqual(['GPCA-LATCH']);
  });

  it('PUMP-TRACE the table has rows, each ID once, with an allowed prefix, a statement and a source', () => {
    expect(table.length).toBeGreaterThan(50);
    expect(table.length).toBe(tableIds.size);
    for (const r of table) {
      expect(r.statement.length, r.id).toBeGreaterThan(10);
      expect(r.source.length, r.id).toBeGreaterThan(2);
    }
  });

  it('PUMP-TRACE every requirement in the table is checked by at least one test named with its ID', () => {
    const unchecked = table.filter((r) => !scan.ids.has(r.id)).map((r) => r.id);
    expect(unchecked, `requirements no test name carries: ${unchecked.join(', ')}`).toEqual([]);
  });

  it('PUMP-TRACE every ID a test name carries is in the table', () => {
    const unknown = [...scan.ids.keys()].filter((id) => !tableIds.has(id)).map((id) => `${id} (${[...(scan.ids.get(id) ?? [])].join(', ')})`);
    expect(unknown, `IDs in test names missing from docs/requirements.md:\n  ${unknown.join('\n  ')}`).toEqual([]);
  });

  it('PUMP-TRACE test names carry only IDs with an allowed prefix, written out in the source', () => {
    expect(scan.problems, scan.problems.join('\n')).toEqual([]);
  });

  it('PUMP-TRACE every file listed under "Checked by" has a test named with that ID', () => {
    const wrong = table.flatMap((r) => r.files.filter((f) => !scan.ids.get(r.id)?.has(f)).map((f) => `${r.id}: ${f}`));
    expect(wrong, `stale "Checked by" entries:\n  ${wrong.join('\n  ')}`).toEqual([]);
  });

  it('PUMP-TRACE every requirement of the alarm table and every invariant of the verification has a row', () => {
    const needed = [...ALARM_TABLE.map((r) => r.requirement), ...Object.values(INVARIANTS).map((i) => i.id)];
    expect(needed.filter((id) => !tableIds.has(id))).toEqual([]);
  });
});
