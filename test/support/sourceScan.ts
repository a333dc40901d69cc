/**
 * A small source scanner for the portability rule (docs/architecture.md, "Layering rules"): firmware
 * and HAL code that would be flashed uses no host time, randomness or timers except through the
 * HAL clock, and imports only what its layer may import.
 *
 * Promises: comments are ignored; string contents are ignored for API use (but read for import
 * specifiers); every violation names file, line and what was found. It is a lexer, not a parser:
 * template literals and `${…}` nesting are handled, regular-expression literals by the usual
 * "what came before the slash" heuristic.
 */
import path from 'node:path';

export type Layer = 'firmware' | 'hal';

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
}

export interface ScanRules {
  readonly layer: Layer;
  /** Absolute path of the file (for resolving relative imports). */
  readonly filePath: string;
  /** Absolute path of the repository root. */
  readonly rootDir: string;
  /** Package names a firmware file may import (package.json dependencies). */
  readonly allowedPackages: readonly string[];
}

/** Source with comments blanked (`code`), and additionally string/template text blanked (`bare`). Same length, same newlines. */
export function lex(source: string): { code: string; bare: string } {
  const code = source.split('');
  const bare = source.split('');
  const blank = (arr: string[], i: number): void => {
    if (arr[i] !== '\n') arr[i] = ' ';
  };
  /** Stack of brace depths of `${` expressions we are inside (within template literals). */
  const templateDepths: number[] = [];
  let braceDepth = 0;
  let lastSignificant = '';
  let lastWord = '';
  let i = 0;
  const n = source.length;
  const readTemplate = (): void => {
    // At the character after '`' or after the '}' closing an interpolation.
    while (i < n) {
      const c = source[i];
      if (c === '\\') { blank(bare, i); blank(bare, i + 1); i += 2; continue; }
      if (c === '`') { i++; lastSignificant = '`'; return; }
      if (c === '$' && source[i + 1] === '{') {
        templateDepths.push(braceDepth);
        braceDepth++;
        i += 2;
        lastSignificant = '{';
        return;
      }
      blank(bare, i);
      i++;
    }
  };
  while (i < n) {
    const c = source[i] as string;
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') { blank(code, i); blank(bare, i); i++; }
      continue;
    }
    if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end + 2;
      for (; i < stop; i++) { blank(code, i); blank(bare, i); }
      continue;
    }
    if (c === '\'' || c === '"') {
      i++;
      while (i < n && source[i] !== c && source[i] !== '\n') {
        if (source[i] === '\\') { blank(bare, i); i++; }
        blank(bare, i);
        i++;
      }
      i++;
      lastSignificant = c;
      lastWord = '';
      continue;
    }
    if (c === '`') {
      i++;
      readTemplate();
      lastWord = '';
      continue;
    }
    if (c === '/') {
      const regexAllowed = lastSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant) || ['return', 'typeof', 'case', 'in', 'of', 'delete', 'void', 'throw'].includes(lastWord);
      if (regexAllowed) {
        i++;
        let inClass = false;
        while (i < n && source[i] !== '\n') {
          const r = source[i];
          if (r === '\\') { blank(bare, i); blank(bare, i + 1); i += 2; continue; }
          if (r === '[') inClass = true;
          else if (r === ']') inClass = false;
          else if (r === '/' && !inClass) break;
          blank(bare, i);
          i++;
        }
        i++;
        lastSignificant = '/';
        lastWord = '';
        continue;
      }
    }
    if (c === '{') braceDepth++;
    if (c === '}') {
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === braceDepth - 1) {
        templateDepths.pop();
        braceDepth--;
        i++;
        readTemplate();
        continue;
      }
      braceDepth--;
    }
    if (/[A-Za-z0-9_$]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$]/.test(source[j] as string)) j++;
      lastWord = source.slice(i, j);
      lastSignificant = 'a';
      i = j;
      continue;
    }
    if (!/\s/.test(c)) { lastSignificant = c; lastWord = ''; }
    i++;
  }
  return { code: code.join(''), bare: bare.join('') };
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let k = 0; k < index; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

function lineText(source: string, line: number): string {
  return (source.split('\n')[line - 1] ?? '').trim();
}

/** Host time and randomness: never in code that would be flashed. */
const FORBIDDEN_APIS: readonly { readonly rule: string; readonly pattern: RegExp }[] = [
  { rule: 'Date.now', pattern: /(?<![\w$])Date\s*\??\.\s*now\b/g },
  { rule: 'new Date(', pattern: /\bnew\s+Date\b/g },
  { rule: 'Math.random', pattern: /(?<![\w$])Math\s*\??\.\s*random\b/g },
  { rule: 'performance.now', pattern: /(?<![\w$])performance\s*\??\.\s*now\b/g },
  { rule: 'process.hrtime', pattern: /(?<![\w$])process\s*\??\.\s*hrtime\b/g },
];

const TIMER_NAMES = /(?<![\w$])(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate)(?![\w$])/g;

/**
 * Host timers. The HAL clock's timers are `setTimer`/`clearTimer`, named apart from the host's on
 * purpose, and the statechart's timers are handed to the firmware by the board
 * (sim/world/board.ts), so no host timer name has any business in firmware/ or hal/: a bare call,
 * `globalThis.setTimeout`, `clock.setTimeout`, a declared method or an object key are all flagged.
 */
function timerViolations(bare: string): { index: number; name: string }[] {
  return [...bare.matchAll(TIMER_NAMES)].map((m) => ({ index: m.index, name: m[1] as string }));
}

interface ImportRef {
  readonly specifier: string;
  readonly index: number;
}

/** Module specifiers of static imports/exports, side-effect imports, dynamic import() and require(). */
export function importSpecifiers(source: string): ImportRef[] {
  const { code, bare } = lex(source);
  const quoteStarts = new Set<number>();
  const patterns = [
    /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])/g,
    /\bimport\s*(['"])/g,
    /\bimport\s*\(\s*(['"])/g,
    /\brequire\s*\(\s*(['"])/g,
  ];
  for (const p of patterns) for (const m of bare.matchAll(p)) quoteStarts.add(m.index + m[0].length - 1);
  const refs: ImportRef[] = [];
  for (const q of [...quoteStarts].sort((a, b) => a - b)) {
    const quote = code[q] as string;
    const end = code.indexOf(quote, q + 1);
    if (end === -1) continue;
    refs.push({ specifier: code.slice(q + 1, end), index: q });
  }
  return refs;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Why an import is not allowed in this layer, or null if it is. */
export function importProblem(specifier: string, rules: ScanRules): string | null {
  if (/(^|\/)sim(\/|$)/.test(specifier)) return `imports the simulator (${specifier})`;
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  const halDir = path.join(rules.rootDir, 'hal');
  const firmwareDir = path.join(rules.rootDir, 'firmware');
  if (rules.layer === 'hal') {
    if (!relative) return `hal/ imports nothing but itself (${specifier})`;
    const resolved = path.resolve(path.dirname(rules.filePath), specifier);
    return isInside(halDir, resolved) ? null : `hal/ imports nothing but itself (${specifier})`;
  }
  if (relative) {
    const resolved = path.resolve(path.dirname(rules.filePath), specifier);
    if (isInside(firmwareDir, resolved) || isInside(halDir, resolved)) return null;
    return `firmware/ imports only firmware/ and hal/ (${specifier})`;
  }
  if (rules.allowedPackages.includes(packageName(specifier))) return null;
  return `firmware/ imports a package other than ${rules.allowedPackages.join(', ') || 'none'} (${specifier})`;
}

/** Every portability violation in one source file. */
export function scanSource(source: string, file: string, rules: ScanRules): Violation[] {
  const { bare } = lex(source);
  const found: { index: number; rule: string }[] = [];
  for (const { rule, pattern } of FORBIDDEN_APIS) for (const m of bare.matchAll(pattern)) found.push({ index: m.index, rule });
  for (const t of timerViolations(bare)) found.push({ index: t.index, rule: `${t.name} outside the HAL clock` });
  for (const ref of importSpecifiers(source)) {
    const problem = importProblem(ref.specifier, rules);
    if (problem !== null) found.push({ index: ref.index, rule: problem });
  }
  return found
    .sort((a, b) => a.index - b.index)
    .map(({ index, rule }) => {
      const line = lineOf(source, index);
      return { file, line, rule, text: lineText(source, line) };
    });
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: ${v.rule}\n    ${v.text}`).join('\n');
}
