/**
 * Reading an input file (scenario, course rule table, counterexample): the one place a file's
 * bytes become JSON.
 *
 * Owns: `ScenarioError`, the error every input validator throws (the CLI prints its message on
 * one line and exits 2), and `readJsonFile`.
 * Promises: a file that cannot be read or parsed is refused with its path and the reason, never a
 * stack trace; a UTF-8 byte-order mark (which editors on Windows write) is accepted. A key given
 * twice in one object is refused, naming the key and where it is (`JSON.parse` would keep the
 * last silently: `"weightKg": 700, "weightKg": 70` must not load as either).
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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== null) {
    const where = duplicate.path === '' ? 'at the top level' : `in ${duplicate.path}`;
    throw new ScenarioError(`${path}: duplicate key ${JSON.stringify(duplicate.key)} ${where} (each key may appear once in an object; JSON.parse would keep the last silently)`);
  }
  return value;
}

/** One open container of the scan: an object's keys so far, or an array's next index. */
interface Open {
  readonly keys: Set<string> | null;
  /** Path of this container from the root, e.g. `faults[2]`. */
  readonly path: string;
  /** The key (object) or index (array) of the member being read. */
  member: string | number;
  /** Object only: the next string is a key. */
  expectKey: boolean;
}

function memberPath(parent: Open | undefined): string {
  if (parent === undefined) return '';
  if (parent.keys === null) return `${parent.path}[${parent.member}]`;
  return parent.path === '' ? String(parent.member) : `${parent.path}.${parent.member}`;
}

/**
 * The first key that appears twice in one object of `text`, which must be valid JSON (this runs
 * after `JSON.parse` accepted it). One pass over the text; keys compare as JSON.parse decodes
 * them (`"a"` and `"\u0061"` are one key).
 */
export function firstDuplicateKey(text: string): { key: string; path: string } | null {
  const stack: Open[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      if (top !== undefined && top.keys !== null && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.member = key;
        top.expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ keys: c === 0x7b ? new Set() : null, path: memberPath(top), member: 0, expectKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */ && top !== undefined) {
      if (top.keys !== null) top.expectKey = true;
      else top.member = (top.member as number) + 1;
    }
    i++;
  }
  return null;
}
