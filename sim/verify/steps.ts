/**
 * Steps: what a verification run does to the pump, as data.
 *
 * Owns: the step vocabulary of model-based tests, regression files and `pumpsim replay` — the
 * commands of the firmware's interface, the physical actions that go with them, power cycles,
 * simulated time, and fault injection — with its JSON schema and one-line descriptions.
 * Promises: a step list plus a setup (seed, prescription length) determines a run completely;
 * every step has a short human-readable form (`describeStep`) that shrunk counterexamples print.
 *
 * Faults (the plant or device change, and how it is cleared):
 * | fault | injected | cleared |
 * | --- | --- | --- |
 * | occlusion | complete catheter occlusion (severity 1) | occlusion removed (the stored volume drains: post-occlusion bolus) |
 * | displacement | catheter tip in tissue (no arterial pressure, no pulse) | tip back in the artery |
 * | motorStall | every stroke stalls (encoder silent) | mechanism free again |
 * | batteryDepletion | the battery drains 500 %/h (empty within minutes) | drain stops; what was drained stays drained |
 * | pressureDropout | the pressure sensor stops answering | it answers again |
 * | nvCorruption | every copy of the state record (ledger and mode) in flash is erased at the next power loss | nothing to clear |
 */
import { z } from 'zod';

export const FAULT_NAMES = ['occlusion', 'displacement', 'motorStall', 'batteryDepletion', 'pressureDropout', 'nvCorruption'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/**
 * confirmed: the setup prescription with soft limits confirmed (accepted);
 * unconfirmed: the same without the confirmation (waits for acknowledge when it has soft findings);
 * refused: FUDR 0.5 mg/kg/day, over the drug library's hard limit.
 */
export const PROGRAM_VARIANTS = ['confirmed', 'unconfirmed', 'refused'] as const;
export type ProgramVariant = (typeof PROGRAM_VARIANTS)[number];

export const SIMPLE_COMMANDS = ['prime', 'start', 'pause', 'resume', 'acknowledge', 'audioPause', 'cancelPause', 'stop', 'flush', 'refill'] as const;
export type SimpleCommand = (typeof SIMPLE_COMMANDS)[number];

export type Step =
  | { readonly do: 'program'; readonly variant: ProgramVariant }
  | { readonly do: SimpleCommand }
  /** Power removed for `offMs`, then the firmware boots and runs its self-test (the step ends after it). */
  | { readonly do: 'powerCycle'; readonly offMs: number }
  | { readonly do: 'advance'; readonly ms: number }
  /** Advance until the pump's mode changes, at most `maxMs` (resolved to an `advance` when recorded). */
  | { readonly do: 'wait'; readonly maxMs: number }
  | { readonly do: 'inject'; readonly fault: FaultName }
  | { readonly do: 'clear'; readonly fault: FaultName }
  /** The nurse's next step of a normal cycle from the pump's mode (resolved to a concrete step when recorded). */
  | { readonly do: 'proceed' };

const MAX_STEP_MS = 30 * 86_400_000;

export const stepSchema: z.ZodType<Step> = z.union([
  z.strictObject({ do: z.literal('program'), variant: z.enum(PROGRAM_VARIANTS) }),
  z.strictObject({ do: z.enum(SIMPLE_COMMANDS) }),
  z.strictObject({ do: z.literal('powerCycle'), offMs: z.number().int().min(0).max(MAX_STEP_MS) }),
  z.strictObject({ do: z.literal('advance'), ms: z.number().int().min(0).max(MAX_STEP_MS) }),
  z.strictObject({ do: z.literal('wait'), maxMs: z.number().int().min(0).max(MAX_STEP_MS) }),
  z.strictObject({ do: z.literal('inject'), fault: z.enum(FAULT_NAMES) }),
  z.strictObject({ do: z.literal('clear'), fault: z.enum(FAULT_NAMES) }),
  z.strictObject({ do: z.literal('proceed') }),
]);

/** Longest `wait` a `proceed` resolves to. */
export const PROCEED_WAIT_MS = 8 * 3_600_000;

/**
 * The next step of a normal cycle in a firmware mode: program, confirm, prime, start, wait for
 * the phase, flush, refill; after an alarm stop acknowledge, then resume.
 */
export function proceedFrom(mode: string, stoppingAlarmPresent: boolean): Step {
  switch (mode) {
    case 'idle':
      return { do: 'program', variant: 'confirmed' };
    case 'programming.awaitingConfirmation':
      return { do: 'acknowledge' };
    case 'ready':
      return { do: 'prime' };
    case 'primed':
      return { do: 'start' };
    case 'therapy.infusing.paused':
      return { do: 'resume' };
    case 'infusionComplete':
      return { do: 'flush' };
    case 'locked':
    case 'stopped':
      return { do: 'refill' };
    case 'alarmStopped':
      return stoppingAlarmPresent ? { do: 'acknowledge' } : { do: 'resume' };
    case 'failSafe':
      return { do: 'powerCycle', offMs: 1000 };
    default:
      return { do: 'wait', maxMs: PROCEED_WAIT_MS };
  }
}

/** How long a duration reads: "250 ms", "42 s", "12 min 5 s", "3 h 2 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))} s`;
  const totalS = Math.round(ms / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const exact = totalS * 1000 === ms ? '' : ` (${ms} ms)`;
  if (h > 0) return `${h} h ${m} min${s > 0 ? ` ${s} s` : ''}${exact}`;
  return `${m} min${s > 0 ? ` ${s} s` : ''}${exact}`;
}

/** One line per step, e.g. `program(confirmed)`, `advance 12 min`, `powerCycle(off 5 s)`, `inject occlusion`. */
export function describeStep(step: Step): string {
  switch (step.do) {
    case 'program':
      return `program(${step.variant})`;
    case 'powerCycle':
      return `powerCycle(off ${formatDuration(step.offMs)})`;
    case 'advance':
      return `advance ${formatDuration(step.ms)}`;
    case 'wait':
      return `wait for a mode change (≤ ${formatDuration(step.maxMs)})`;
    case 'inject':
      return `inject ${step.fault}`;
    case 'clear':
      return `clear ${step.fault}`;
    case 'proceed':
      return 'proceed';
    default:
      return step.do;
  }
}
