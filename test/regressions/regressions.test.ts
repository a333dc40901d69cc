/**
 * Every committed counterexample (test/regressions/*.json) replayed, every `npm test`.
 *
 * A `fixed` case must run clean. An `open` case is a known bug: it must still fail the invariant
 * it was recorded with — when a fix makes it pass, this test fails until the file is flipped to
 * `fixed` and its entry removed from sim/verify/knownIssues.ts, so a fix is always recorded.
 * Replay is deterministic: each case runs twice and the event traces must agree.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCounterexample, parseCounterexample, replay } from '../../sim/cli/replay.ts';
import { formatViolation } from '../../sim/verify/invariants.ts';
import { KNOWN_ISSUES } from '../../sim/verify/knownIssues.ts';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(DIR, '..', '..');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/** "[model PUMP-MODEL] t=…" → "model". */
function invariantOf(recorded: string | null): string | null {
  return recorded === null ? null : (/^\[(\w+) /.exec(recorded)?.[1] ?? null);
}

describe('committed regression cases', () => {
  it('PUMP-REPLAY there are regression files, and each parses as a counterexample file', () => {
    expect(FILES.length).toBeGreaterThan(0);
    for (const f of FILES) expect(() => parseCounterexample(JSON.parse(readFileSync(path.join(DIR, f), 'utf8')), f), f).not.toThrow();
  });

  it('PUMP-REPLAY every known issue points to an open regression file, and every open file to a known issue', () => {
    const open = FILES.filter((f) => loadCounterexample(path.join(DIR, f)).status === 'open').map((f) => `test/regressions/${f}`);
    const referenced = Object.values(KNOWN_ISSUES).map((i) => i.regression);
    expect([...referenced].sort()).toEqual([...open].sort());
  });

  for (const file of FILES) {
    const c = loadCounterexample(path.join(DIR, file));
    const title = c.status === 'fixed' ? 'runs clean' : `still fails ${invariantOf(c.violation) ?? 'an invariant'} (open: known bug)`;
    it(`PUMP-REPLAY ${file} ${title}, deterministically`, () => {
      const result = replay(c);
      expect(result.deterministic, 'two replays gave different event traces').toBe(true);
      const found = result.violations.map(formatViolation);
      if (c.status === 'fixed') {
        expect(found, `${file} is marked fixed but fails`).toEqual([]);
      } else {
        expect(found.length, `${file} is marked open but now runs clean: flip it to "fixed" and remove its entry from sim/verify/knownIssues.ts`).toBeGreaterThan(0);
        expect(invariantOf(found[0] ?? null)).toBe(invariantOf(c.violation));
      }
    });
  }

  it('PUMP-REPLAY regression files are named by their name field', () => {
    for (const f of FILES) expect(path.basename(f, '.json')).toBe(loadCounterexample(path.join(DIR, f)).name);
    expect(path.relative(ROOT, DIR)).toBe(path.join('test', 'regressions'));
  });
});
