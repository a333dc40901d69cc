/**
 * Documentation that is generated must match its source: the statechart diagram of
 * docs/architecture.md is `statechartMermaid()` of the machine, byte for byte, the diagram shows
 * every state and every event the chart reacts to, and the block writer refuses a file it cannot
 * write safely.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AnyStateNode } from 'xstate';
import { afterEach, describe, expect, it } from 'vitest';
import type { PumpEvent } from '../../../firmware/index.ts';
import { pumpMachine } from '../../../firmware/index.ts';
import { WRITE_COMMAND, blockFile, checkBlock, expectedBlock, writeBlocks } from '../../../sim/tools/docBlocks.ts';
import { blockMarkers } from '../../../sim/report/markdownBlocks.ts';
import { mermaidIds, statechartMermaid } from '../../../sim/tools/statechartDiagram.ts';

const { begin: BEGIN_MARKER, end: END_MARKER } = blockMarkers('statechart');
const checkDiagramIn = (file: string) => checkBlock('statechart', file);
const writeDiagramIn = (file: string) => writeBlocks(file, ['statechart']);

/** Every `PumpEvent` type; `satisfies` makes this fail to compile when the union changes. */
const PUMP_EVENT_TYPES = Object.keys({
  'selfTest.passed': true,
  'selfTest.failed': true,
  program: true,
  prime: true,
  start: true,
  pause: true,
  resume: true,
  acknowledge: true,
  audioPause: true,
  stop: true,
  flush: true,
  refill: true,
  'phase.complete': true,
  'alarm.raised': true,
  'alarm.cleared': true,
} satisfies Record<PumpEvent['type'], true>) as PumpEvent['type'][];

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...(Object.values(node.states) as AnyStateNode[]).flatMap(allNodes)];
}

function eventsWithTransitions(): Set<string> {
  const events = new Set<string>();
  for (const node of allNodes(pumpMachine.root)) for (const eventType of node.transitions.keys()) events.add(eventType);
  return events;
}

/** Transition labels of the diagram: the text after `: ` on each arrow line. */
function arrowLabels(diagram: string): string[] {
  return diagram.split('\n').flatMap((line) => {
    const m = /^\s*\S+ --> \S+: (.*)$/.exec(line);
    return m === null || m[1] === undefined ? [] : [m[1]];
  });
}

describe('the statechart diagram', () => {
  const diagram = statechartMermaid();

  it('PUMP-DOC-CHART is deterministic and a Mermaid stateDiagram-v2', () => {
    expect(statechartMermaid()).toBe(diagram);
    expect(diagram.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(diagram.endsWith('\n')).toBe(true);
    // Braces balance: every composite state is closed.
    expect((diagram.match(/\{/g) ?? []).length).toBe((diagram.match(/\}/g) ?? []).length);
  });

  it('PUMP-DOC-CHART declares every state node of the machine, nested inside its parent', () => {
    const ids = mermaidIds();
    const nodes = allNodes(pumpMachine.root);
    expect(new Set(ids.values()).size).toBe(nodes.length);
    const lines = diagram.split('\n');
    for (const node of nodes) {
      const id = ids.get(node) as string;
      const declaration = new RegExp(`^(\\s*)(?:state (?:"[^"]*" as )?)?${id}(?: \\{)?$`);
      const at = lines.findIndex((l) => declaration.test(l));
      expect(at, `state ${node.id} is declared`).toBeGreaterThanOrEqual(0);
      const depth = ((lines[at] ?? '').length - (lines[at] ?? '').trimStart().length) / 2;
      expect(depth, `state ${node.id} is nested ${node.path.length} deep`).toBe(node.path.length + 1);
    }
  });

  it('PUMP-DOC-CHART labels a transition with every PumpEvent type the chart reacts to', () => {
    const reacted = eventsWithTransitions();
    const labels = arrowLabels(diagram);
    const covered = PUMP_EVENT_TYPES.filter((type) => reacted.has(type));
    expect(covered.length).toBeGreaterThan(10);
    for (const type of covered) {
      expect(labels.some((l) => l === type || l.startsWith(`${type} `)), `an arrow labelled ${type}`).toBe(true);
    }
    // audioPause is handled by the runtime alone (alarm state), not by the chart.
    expect(reacted.has('audioPause')).toBe(false);
  });

  it('PUMP-DOC-CHART labels delayed transitions by their delay name and eventless ones as always [guard]', () => {
    const labels = arrowLabels(diagram);
    expect(labels).toContain('after selfTestTimeoutMs');
    expect(labels).toContain('after pauseReminderMs (internal)');
    expect(labels).toContain('always [hardLimitViolated]');
    expect(labels).toContain('always [softLimitUnconfirmed]');
    expect(labels.some((l) => l.startsWith('xstate.'))).toBe(false);
    expect(diagram).toContain('selfTest --> failSafe: after selfTestTimeoutMs');
    expect(diagram).toContain('alarmStopped --> running: resume [canResumeInto(infusing)]');
  });

  it('PUMP-DOC-CHART draws one arrow per transition target of the machine', () => {
    let expected = 0;
    for (const node of allNodes(pumpMachine.root)) {
      for (const [eventType, ts] of node.transitions) {
        if (eventType.startsWith('xstate.after.')) continue;
        for (const t of ts) expected += Math.max(1, t.target?.length ?? 0);
      }
      for (const t of node.after) expected += Math.max(1, t.target?.length ?? 0);
      for (const t of node.always ?? []) expected += Math.max(1, t.target?.length ?? 0);
    }
    expect(arrowLabels(diagram)).toHaveLength(expected);
  });
});

describe('docs/architecture.md', () => {
  it('PUMP-DOC-DIAGRAM holds exactly the generated statechart between its markers', () => {
    const result = checkDiagramIn(blockFile('statechart'));
    if (!result.ok) {
      // The message says what to run; the diff shows what changed.
      expect(result.actual ?? `(${result.reason})`, result.message).toBe(result.expected);
    }
    expect(result.ok, result.ok ? '' : result.message).toBe(true);
    const text = readFileSync(blockFile('statechart'), 'utf8');
    expect(text).toContain(`${BEGIN_MARKER}\n\`\`\`mermaid\n${statechartMermaid()}\`\`\`\n${END_MARKER}`);
  });
});

describe('the block writer (on a temporary Markdown file)', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  function tempReadme(content: string | null): string {
    dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-readme-'));
    const file = path.join(dir, 'README.md');
    if (content !== null) writeFileSync(file, content);
    return file;
  }

  it('PUMP-DOC-WRITE refuses, and says so, when the file does not exist', () => {
    const file = tempReadme(null);
    const result = writeDiagramIn(file);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^error: .*does not exist/);
    const check = checkDiagramIn(file);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.message).toContain(WRITE_COMMAND);
  });

  it('PUMP-DOC-WRITE refuses to touch a file without the markers', () => {
    const original = '# pumpsim\n\nNo diagram here.\n';
    const file = tempReadme(original);
    const result = writeDiagramIn(file);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/^error: .*lacks the markers/);
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(checkDiagramIn(file)).toMatchObject({ ok: false, reason: 'noMarkers' });
  });

  it('PUMP-DOC-WRITE a stale diagram fails the check with the command to run, and --write fixes it in place', () => {
    const before = `# pumpsim\n\nIntro.\n\n${BEGIN_MARKER}\n\`\`\`mermaid\nstateDiagram-v2\n  [*] --> old\n\`\`\`\n${END_MARKER}\n\nAfter.\n`;
    const file = tempReadme(before);
    const stale = checkDiagramIn(file);
    expect(stale).toMatchObject({ ok: false, reason: 'outOfDate' });
    if (!stale.ok) expect(stale.message).toContain('npx tsx sim/tools/docBlocks.ts --write');
    expect(writeDiagramIn(file).ok).toBe(true);
    const after = readFileSync(file, 'utf8');
    expect(after).toBe(`# pumpsim\n\nIntro.\n\n${BEGIN_MARKER}${expectedBlock('statechart')}${END_MARKER}\n\nAfter.\n`);
    expect(checkDiagramIn(file)).toEqual({ ok: true });
    // Idempotent: a second write changes nothing.
    expect(writeDiagramIn(file).message).toMatch(/already up to date/);
    expect(readFileSync(file, 'utf8')).toBe(after);
  });

  it('PUMP-DOC-WRITE fills empty markers', () => {
    const file = tempReadme(`${BEGIN_MARKER}${END_MARKER}\n`);
    expect(writeDiagramIn(file).ok).toBe(true);
    expect(checkDiagramIn(file)).toEqual({ ok: true });
  });
});
