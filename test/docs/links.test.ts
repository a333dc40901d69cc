/**
 * The docs' relative links resolve: every `[text](target)` in README.md and docs/*.md outside code
 * names a file that exists, and its `#anchor` (if any) is the GitHub slug of a heading in the
 * target file. Links to other sites are not followed.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

/** The text without its fenced code blocks, whose lines are neither headings nor links. */
function withoutFences(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The text without code blocks and inline code spans, so links inside code are not read. */
function withoutCode(text: string): string {
  return withoutFences(text).replace(/(`+)[\s\S]*?\1/g, '');
}

/** GitHub's heading anchor: lower case, punctuation dropped (letters, digits, `-`, `_` and spaces kept), spaces to `-`. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a file's headings give, duplicates numbered `-1`, `-2` as GitHub numbers them. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of withoutFences(text).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = slug((m[1] as string).replace(/`/g, ''));
    const n = seen.get(base) ?? 0;
    out.add(n === 0 ? base : `${base}-${n}`);
    seen.set(base, n + 1);
  }
  return out;
}

/** The relative link targets of a Markdown text: `[text](target)` outside code, no scheme, no mail. */
function relativeLinks(text: string): string[] {
  const links: string[] = [];
  for (const m of withoutCode(text).matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    const target = m[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    links.push(target);
  }
  return links;
}

/** What is wrong with each relative link of `file` (repository-relative), as `file: target — reason`. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const problems: string[] = [];
  for (const target of relativeLinks(text)) {
    const hashAt = target.indexOf('#');
    const filePart = hashAt === -1 ? target : target.slice(0, hashAt);
    const anchor = hashAt === -1 ? null : decodeURIComponent(target.slice(hashAt + 1));
    const resolved = filePart === '' ? path.join(ROOT, file) : path.resolve(path.dirname(path.join(ROOT, file)), decodeURIComponent(filePart));
    if (!existsSync(resolved)) {
      problems.push(`${file}: ${target} — ${path.relative(ROOT, resolved)} does not exist`);
      continue;
    }
    if (anchor === null) continue;
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
      problems.push(`${file}: ${target} — an anchor into a file that is not Markdown`);
      continue;
    }
    if (!anchors(readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${file}: ${target} — no heading with the anchor #${anchor} in ${path.relative(ROOT, resolved)}`);
  }
  return problems;
}

describe('links in the docs', () => {
  it('PUMP-DOC-LINKS the anchors are GitHub heading slugs, duplicates numbered', () => {
    expect(slug("The clinician's rule table")).toBe('the-clinicians-rule-table');
    expect(slug('1. The clinical protocol')).toBe('1-the-clinical-protocol');
    expect(slug('The run summary (run --json)')).toBe('the-run-summary-run---json');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n### B `c`\n')]).toEqual(['a', 'a-1', 'b-c']);
    expect(relativeLinks('[x](a.md#b) [y](https://example.com) `[z](c.md)` [w](docs/d.md "title")')).toEqual(['a.md#b', 'docs/d.md']);
  });

  it('PUMP-DOC-LINKS every relative link in README.md and docs/*.md resolves to a file, and its #anchor to a heading', () => {
    expect(DOCS.length).toBeGreaterThan(5);
    expect(DOCS.flatMap(brokenLinks)).toEqual([]);
  });
});
