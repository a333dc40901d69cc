/**
 * Statechart coverage: which state nodes and which transitions of the pump machine a set of
 * generated paths exercises.
 *
 * Paths come from `xstate/graph` (`getShortestPaths` over a bucketed `serializeState`, so the
 * context does not explode the graph). `xstate/graph` does not fire `after` transitions (and
 * `createTestModel` refuses machines that have them, docs/domain.md §6), so every path is replayed on
 * a live actor running on a `ManualClock`, and from every state reached each event is tried once
 * and the clock is advanced past the longest delay. Transitions are recorded from the actor's
 * `@xstate.microstep` inspection events, so a transition counts only if the interpreter took it.
 *
 * Promises: `allTransitions` lists every transition definition of the machine, once, with a
 * readable name (`pump.alarmStopped --resume [canResumeInto(paused)]--> pump.therapy.infusing.paused`);
 * `exploreChart` returns the visited state node ids and taken transition names.
 */
import { createActor } from 'xstate';
import type { AnyStateNode, AnyTransitionDefinition, InspectionEvent, Snapshot, SnapshotFrom } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import type { PumpEvent, PumpMachine, PumpInput } from '../../firmware/index.ts';
import { pumpMachine } from '../../firmware/index.ts';
import { xstateClock } from '../../sim/world/board.ts';
import { ManualClock } from './manualClock.ts';

export interface TransitionInfo {
  readonly definition: AnyTransitionDefinition;
  readonly name: string;
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((c) => allNodes(c as AnyStateNode))];
}

function guardName(guard: unknown): string {
  if (guard === undefined || guard === null) return '';
  if (typeof guard === 'string') return ` [${guard}]`;
  if (typeof guard === 'object' && 'type' in guard) {
    const g = guard as { type: unknown; params?: unknown };
    const params = g.params !== undefined && g.params !== null && typeof g.params === 'object' ? Object.values(g.params as Record<string, unknown>).map(String) : [];
    return ` [${String(g.type)}${params.length > 0 ? `(${params.join(', ')})` : ''}]`;
  }
  return ' [guard]';
}

function describe(node: AnyStateNode, eventType: string, t: AnyTransitionDefinition): string {
  const event = eventType === '' ? 'always' : eventType.startsWith('xstate.after.') ? `after ${eventType.split('.')[2]}` : eventType;
  const targets = (t.target ?? []).map((n: AnyStateNode) => n.id).join(', ');
  return `${node.id} --${event}${guardName(t.guard)}--> ${targets === '' ? '(internal)' : targets}`;
}

export function allStateIds(machine: PumpMachine = pumpMachine): string[] {
  return allNodes(machine.root).map((n) => n.id);
}

export function allTransitions(machine: PumpMachine = pumpMachine): TransitionInfo[] {
  const out: TransitionInfo[] = [];
  for (const node of allNodes(machine.root)) {
    for (const [eventType, defs] of node.transitions) for (const d of defs) out.push({ definition: d, name: describe(node, eventType, d) });
    for (const d of node.always ?? []) out.push({ definition: d, name: describe(node, '', d) });
  }
  return out;
}

/** The ids of the state nodes a state value is in (`{therapy: {infusing: 'running'}}` → pump, pump.therapy, …). */
export function activeIds(value: unknown, prefix = 'pump'): string[] {
  if (typeof value === 'string') return [prefix, `${prefix}.${value}`];
  if (typeof value !== 'object' || value === null) return [prefix];
  return [prefix, ...Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => activeIds(v, `${prefix}.${k}`))];
}

type Event = PumpEvent;

export interface ChartExploration {
  readonly statesVisited: ReadonlySet<string>;
  readonly transitionsTaken: ReadonlySet<string>;
  readonly bucketsReached: number;
  readonly pathsReplayed: number;
}

export interface ExploreOptions {
  readonly input: PumpInput;
  /** Every event the chart may hear, with representative payloads. */
  readonly events: readonly Event[];
  /** Bucketed serialisation: the graph's notion of "the same state". */
  readonly serializeState: (snapshot: SnapshotFrom<PumpMachine>) => string;
  /** How far to advance the clock to fire every `after` transition. */
  readonly longestDelayMs: number;
}

export function exploreChart(options: ExploreOptions): ChartExploration {
  const byDefinition = new Map<AnyTransitionDefinition, string>(allTransitions().map((t) => [t.definition, t.name]));
  const statesVisited = new Set<string>();
  const transitionsTaken = new Set<string>();
  const inspect = (e: InspectionEvent): void => {
    if (e.type !== '@xstate.microstep') return;
    for (const t of e._transitions) transitionsTaken.add(byDefinition.get(t) ?? `unknown transition on ${t.eventType}`);
    for (const id of activeIds((e.snapshot as SnapshotFrom<PumpMachine>).value)) statesVisited.add(id);
  };
  const live = (snapshot?: Snapshot<unknown>): { actor: ReturnType<typeof createActor<PumpMachine>>; clock: ManualClock } => {
    const clock = new ManualClock();
    const actor = createActor(pumpMachine, { input: options.input, clock: xstateClock(clock), inspect, ...(snapshot === undefined ? {} : { snapshot }) });
    actor.start();
    for (const id of activeIds(actor.getSnapshot().value)) statesVisited.add(id);
    return { actor, clock };
  };

  const paths = getShortestPaths(pumpMachine, {
    input: options.input,
    events: options.events,
    serializeState: (s) => options.serializeState(s as SnapshotFrom<PumpMachine>),
  });
  for (const path of paths) {
    const { actor, clock } = live();
    for (const step of path.steps) actor.send(step.event as Event);
    const persisted = actor.getPersistedSnapshot();
    // Timed transitions: the live actor armed its delays on entry; advance past the longest.
    clock.advance(options.longestDelayMs + 1);
    actor.stop();
    for (const event of options.events) {
      const again = live(persisted);
      again.actor.send(event);
      again.actor.stop();
    }
  }
  return { statesVisited, transitionsTaken, bucketsReached: paths.length, pathsReplayed: paths.length };
}
