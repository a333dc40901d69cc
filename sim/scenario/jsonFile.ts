/**
 * Reading an input file (scenario, course rule table, counterexample): the one place a file's
 * bytes become JSON.
 *
 * Owns: `ScenarioError`, the error every input validator throws (the CLI prints its message on
 * one line and exits 2), and `readJsonFile`.
 * Promises: a file that cannot be read or parsed is refused with its path and the reason, never a
 * stack trace; a UTF-8 byte-order mark (which editors on Windows write) is accepted.
 */
import { readFileSync } from 'node:fs';

/** Invalid input in a file or an inline object: the message names the field and the allowed range. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

const BYTE_ORDER_MARK = '\uFEFF';

/** The JSON value in `path`; `kind` names the file in the refusal ("scenario file", "rule table"). */
export function readJsonFile(path: string, kind: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(`cannot read ${kind} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (text.startsWith(BYTE_ORDER_MARK)) text = text.slice(BYTE_ORDER_MARK.length);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}
