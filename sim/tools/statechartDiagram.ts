/**
 * The pump statechart as a Mermaid `stateDiagram-v2`, generated from `pumpMachine` itself.
 *
 * Owns: the diagram's text. Its block in docs/architecture.md (between `<!-- statechart:begin -->`
 * and `<!-- statechart:end -->`) is written and checked with the other generated blocks
 * (sim/tools/docBlocks.ts).
 * Promises: the output is a pure function of the machine definition, in definition order, so it
 * is byte-for-byte stable; every state node appears (nested states as composite states, the
 * history node as `H*`), and every transition is an arrow labelled by its event — delayed ones as
 * `after <delayName>`, eventless ones as `always`, a guard as `[guardName]`, a transition that
 * changes no state (actions only) as a self-loop marked `(internal)`.
 *
 * Usage: `npx tsx sim/tools/statechartDiagram.ts` prints the diagram;
 *        `npx tsx sim/tools/docBlocks.ts --write` rewrites its block with every other one.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateNode } from 'xstate';
import { pumpMachine } from '../../firmware/index.ts';

/** The shape of the transition definitions we read (xstate's `TransitionDefinition`, loosely). */
interface TransitionLike {
  readonly eventType: string;
  readonly target?: readonly AnyStateNode[] | undefined;
  readonly guard?: unknown;
  readonly delay?: string | number | undefined;
}

const AFTER_PREFIX = 'xstate.after.';

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[];
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...childrenOf(node).flatMap(allNodes)];
}

/**
 * Mermaid id of each state node: its key when the key is unique in the chart, else its path
 * joined by `_` (Mermaid ids are global and cannot contain dots).
 */
export function mermaidIds(root: AnyStateNode = pumpMachine.root): Map<AnyStateNode, string> {
  const nodes = allNodes(root);
  const keyCount = new Map<string, number>();
  for (const n of nodes) keyCount.set(n.key, (keyCount.get(n.key) ?? 0) + 1);
  const ids = new Map<AnyStateNode, string>();
  for (const n of nodes) ids.set(n, keyCount.get(n.key) === 1 ? n.key : [root.key, ...n.path].join('_'));
  return ids;
}

function guardLabel(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name === '' ? 'inline' : guard.name;
  if (typeof guard === 'object' && 'type' in guard) {
    const g = guard as { type: unknown; params?: unknown };
    const name = String(g.type);
    if (g.params === undefined || g.params === null || typeof g.params === 'function') return name;
    const values = Object.values(g.params as Record<string, unknown>).map((v) => String(v));
    return values.length === 0 ? name : `${name}(${values.join(', ')})`;
  }
  return 'guard';
}

function label(event: string, t: TransitionLike, internal: boolean): string {
  const guard = guardLabel(t.guard);
  return `${event}${guard === null ? '' : ` [${guard}]`}${internal ? ' (internal)' : ''}`;
}

function arrows(node: AnyStateNode, ids: Map<AnyStateNode, string>, indent: string): string[] {
  const lines: string[] = [];
  const source = ids.get(node) as string;
  const emit = (event: string, t: TransitionLike): void => {
    const targets = t.target ?? [];
    if (targets.length === 0) {
      lines.push(`${indent}${source} --> ${source}: ${label(event, t, true)}`);
      return;
    }
    for (const target of targets) lines.push(`${indent}${source} --> ${ids.get(target) as string}: ${label(event, t, false)}`);
  };
  for (const [eventType, transitions] of node.transitions) {
    if (eventType.startsWith(AFTER_PREFIX)) continue;
    for (const t of transitions as readonly TransitionLike[]) emit(eventType, t);
  }
  for (const t of node.after as readonly TransitionLike[]) emit(`after ${String(t.delay)}`, t);
  for (const t of (node.always ?? []) as readonly TransitionLike[]) emit('always', t);
  return lines;
}

/** The state hierarchy: every node declared inside its parent, initial arrows included. */
function renderStructure(node: AnyStateNode, ids: Map<AnyStateNode, string>, depth: number): string[] {
  const indent = '  '.repeat(depth);
  const id = ids.get(node) as string;
  if (node.type === 'history') return [`${indent}state "${node.history === 'deep' ? 'H*' : 'H'} (${node.key})" as ${id}`];
  const children = childrenOf(node);
  if (children.length === 0) return [id === node.key ? `${indent}${id}` : `${indent}state "${node.key}" as ${id}`];
  const lines: string[] = [];
  if (id !== node.key) lines.push(`${indent}state "${node.key}" as ${id}`);
  lines.push(`${indent}state ${id} {`);
  for (const target of node.initial?.target ?? []) lines.push(`${indent}  [*] --> ${ids.get(target) as string}`);
  for (const child of children) lines.push(...renderStructure(child, ids, depth + 1));
  lines.push(`${indent}}`);
  return lines;
}

/**
 * The statechart as Mermaid `stateDiagram-v2` source, ending in a newline.
 *
 * The hierarchy comes first and every transition after it: Mermaid puts a state in the
 * composite where it is first mentioned, so an arrow written before a nested state's declaration
 * would pull that state out of its parent.
 */
export function statechartMermaid(): string {
  const root = pumpMachine.root;
  const ids = mermaidIds(root);
  const lines = [
    'stateDiagram-v2',
    `  [*] --> ${ids.get(root) as string}`,
    ...renderStructure(root, ids, 1),
    ...allNodes(root).flatMap((n) => arrows(n, ids, '  ')),
  ];
  return `${lines.join('\n')}\n`;
}

/** The diagram as a Markdown block: a fenced `mermaid` code block. */
export function statechartBlock(diagram: string = statechartMermaid()): string {
  return `\`\`\`mermaid\n${diagram}\`\`\``;
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(path.resolve(invokedPath)).href) {
  process.stdout.write(statechartMermaid());
}
