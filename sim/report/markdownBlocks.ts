/**
 * Generated blocks in Markdown files: the text between `<!-- name:begin -->` and
 * `<!-- name:end -->`, written by the tool that owns the block and checked against its source by a
 * test.
 *
 * Promises: a block is found only when both markers are present, once each, in that order; a
 * missing block is reported with its file and markers, never silently appended.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export function blockMarkers(name: string): { readonly begin: string; readonly end: string } {
  return { begin: `<!-- ${name}:begin -->`, end: `<!-- ${name}:end -->` };
}

/** Where the block's content lies in `text` (between the markers), or null without a valid pair. */
export function findBlock(text: string, name: string): { readonly start: number; readonly end: number } | null {
  const { begin, end } = blockMarkers(name);
  const at = text.indexOf(begin);
  if (at === -1 || text.indexOf(begin, at + begin.length) !== -1) return null;
  const start = at + begin.length;
  const stop = text.indexOf(end, start);
  if (stop === -1 || text.indexOf(end, stop + end.length) !== -1) return null;
  return { start, end: stop };
}

/** The block's content, or null when the file has no valid marker pair for it. */
export function blockContent(text: string, name: string): string | null {
  const at = findBlock(text, name);
  return at === null ? null : text.slice(at.start, at.end);
}

/** `text` with the block's content replaced by `content`; throws when the markers are missing. */
export function replaceBlock(text: string, name: string, content: string, where = 'the text'): string {
  const at = findBlock(text, name);
  if (at === null) {
    const { begin, end } = blockMarkers(name);
    throw new Error(`${where} has no ${begin} … ${end} block (both markers, once each, in that order)`);
  }
  return text.slice(0, at.start) + content + text.slice(at.end);
}

/** Rewrites the block in `file`; a file without the markers is refused before anything is written. */
export function writeBlock(file: string, name: string, content: string): void {
  writeFileSync(file, replaceBlock(readFileSync(file, 'utf8'), name, content, file));
}
