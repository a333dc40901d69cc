/**
 * The safety invariants, each as its own named property over random scripted runs whose steps are
 * drawn to stress it (sim/verify/invariants.ts defines the checks and their tolerances). The
 * model-based test checks all of them together after every step; here each has a generator aimed
 * at it and fails only on its own invariant, so a failure names the requirement at once.
 *
 * Every property prints its seed and shrink path, writes the shrunk case to reports/counterexamples/
 * and prints `npm run -s pumpsim -- replay <file>` (test/support/scripted.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvariantName } from '../../sim/verify/invariants.ts';
import { formatViolation } from '../../sim/verify/invariants.ts';
import { OPEN_ISSUES } from '../../sim/verify/knownIssues.ts';
import type { ScriptSetup } from '../../sim/verify/scriptedRun.ts';
import { ScriptedRun, describeRecords, eventTrace, setupScenario } from '../../sim/verify/scriptedRun.ts';
import { Simulation } from '../../sim/run/simulation.ts';
import type { FaultName, Step } from '../../sim/verify/steps.ts';
import type { ScriptedCase } from '../support/scripted.ts';
import { checkScripted, durationArb, setupArb, stepArb } from '../support/scripted.ts';

const PROCEED: Step = { do: 'proceed' };
const c = <T extends Step>(s: T): fc.Arbitrary<Step> => fc.constant<Step>(s);

/** Runs every step (not stopping at the first violation) and returns the violations of `names`. */
function violationsOf(kase: ScriptedCase, names: readonly InvariantName[]): string[] {
  const run = new ScriptedRun(kase.setup, { tolerated: OPEN_ISSUES });
  for (const step of kase.steps) run.apply(step);
  const found = run.violations.filter((v) => names.includes(v.invariant));
  return found.length === 0 ? [] : [...found.map(formatViolation), '', describeRecords(run.records)];
}

function property(names: readonly InvariantName[], steps: fc.Arbitrary<Step>, options: { seed: number; numRuns: number; maxLength: number; setup?: fc.Arbitrary<ScriptSetup> }): void {
  const arb = fc.record({ setup: options.setup ?? setupArb, steps: fc.array(steps, { minLength: 1, maxLength: options.maxLength }) });
  checkScripted(
    arb,
    (k) => k,
    (k) => {
      const found = violationsOf(k, names);
      if (found.length > 0) throw new Error(found.join('\n'));
    },
    { seed: options.seed, numRuns: options.numRuns, tolerated: OPEN_ISSUES },
  );
}

const faultArb: fc.Arbitrary<FaultName> = fc.constantFrom('occlusion', 'displacement', 'motorStall', 'pressureDropout');

/** A therapy moving forward, with pauses and resumes at any instant, sub-second ones included. */
const therapySteps = fc.oneof(
  { weight: 6, arbitrary: c(PROCEED) },
  { weight: 3, arbitrary: c({ do: 'pause' }) },
  { weight: 3, arbitrary: c({ do: 'resume' }) },
  { weight: 5, arbitrary: durationArb.map((ms): Step => ({ do: 'advance', ms })) },
  { weight: 1, arbitrary: c({ do: 'stop' }) },
  { weight: 1, arbitrary: c({ do: 'prime' }) },
);

/** Faults coming and going while the therapy runs, and people answering the alarms. */
const alarmSteps = fc.oneof(
  { weight: 5, arbitrary: c(PROCEED) },
  { weight: 2, arbitrary: faultArb.map((fault): Step => ({ do: 'inject', fault })) },
  { weight: 2, arbitrary: faultArb.map((fault): Step => ({ do: 'clear', fault })) },
  { weight: 3, arbitrary: c({ do: 'acknowledge' }) },
  { weight: 2, arbitrary: c({ do: 'audioPause' }) },
  { weight: 3, arbitrary: c({ do: 'resume' }) },
  { weight: 5, arbitrary: durationArb.map((ms): Step => ({ do: 'advance', ms })) },
);

/** Power lost at any instant, for any time, during a therapy. */
const powerSteps = fc.oneof(
  { weight: 5, arbitrary: c(PROCEED) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 1_800_000 }).map((offMs): Step => ({ do: 'powerCycle', offMs })) },
  { weight: 5, arbitrary: durationArb.map((ms): Step => ({ do: 'advance', ms })) },
  { weight: 1, arbitrary: c({ do: 'pause' }) },
  { weight: 1, arbitrary: c({ do: 'resume' }) },
);

describe('safety invariants, each a named property', () => {
  it('PUMP-MASS-BALANCE filled = artery + extrahepatic + pocket + leak + prime waste + discarded + remaining, exactly, after every step of any sequence', () => {
    property(['massBalance'], stepArb, { seed: 101, numRuns: 150, maxLength: 50 });
  });

  it('PUMP-NO-OVERDELIVERY FDA-TPLC-DELIVERY-ERROR delivered never exceeds the profile at the time spent delivering + one stroke + one control period per entry, under pauses at any instant', () => {
    property(['noOverDelivery'], therapySteps, { seed: 102, numRuns: 150, maxLength: 50 });
  });

  it('PUMP-LIB-DAILY back-to-back one-hour cycles at the hard-limit dose (0.3 mg/kg/day, 100 kg) never put more than the daily hard limit of FUDR through the pump in 24 h', () => {
    const setup = fc.integer({ min: 0, max: 0xffff_ffff }).map((seed): ScriptSetup => ({ seed, infusionDays: 1 / 24, reservoirVolumeMl: 1.9, weightKg: 100, fudrMgPerKgPerDay: 0.3 }));
    property(['dailyLimit', 'noOverDelivery'], fc.oneof({ weight: 9, arbitrary: c(PROCEED) }, { weight: 1, arbitrary: durationArb.map((ms): Step => ({ do: 'advance', ms })) }), { seed: 103, numRuns: 10, maxLength: 200, setup });
  });

  it('PUMP-NO-DELIVERY-STOPPED the drive moves only in a delivery mode and never while a stopping alarm is present', () => {
    property(['noDeliveryWhenStopped'], fc.oneof(therapySteps, alarmSteps, powerSteps), { seed: 104, numRuns: 150, maxLength: 50 });
  });

  it('GIP-1.6.2 a stalled drive is not commanded again once the stall is detected, until an acknowledge re-arms the check', () => {
    const stallSteps = fc.oneof(alarmSteps, faultArb.map((): Step => ({ do: 'inject', fault: 'motorStall' })));
    property(['stallStops'], stallSteps, { seed: 105, numRuns: 150, maxLength: 50 });
  });

  it('PUMP-LEDGER-TRUTH the ledger only grows (a new plan or refill resets it) and stays within one stroke of the strokes the drive made', () => {
    property(['ledger'], fc.oneof(stepArb, powerSteps), { seed: 106, numRuns: 150, maxLength: 50 });
  });

  it('PUMP-LEDGER-RESUME GIP-1.7.1 power lost at any instant for any time: no stroke repeated, none lost beyond one per power loss, and a finished phase ends', () => {
    property(['noLostDelivery', 'ledger', 'noOverDelivery'], powerSteps, { seed: 107, numRuns: 150, maxLength: 50 });
  });

  it('PUMP-ALARM-PRIO IEC-60601-1-8-PRIORITY the highest-priority present alarm owns the signal, earliest onset among equals, and no signal is shown without an alarm', () => {
    property(['alarmSignal'], alarmSteps, { seed: 108, numRuns: 150, maxLength: 50 });
  });

  it('GIP-3.2.1 IEC-60601-1-8-AUDIO-PAUSE a signal is silent only within 2 minutes of an accepted audio pause: the pause re-arms within 2 minutes', () => {
    const steps = fc.oneof(alarmSteps, c({ do: 'audioPause' }), c({ do: 'cancelPause' }), fc.integer({ min: 100_000, max: 140_000 }).map((ms): Step => ({ do: 'advance', ms })));
    property(['audioPause'], steps, { seed: 109, numRuns: 150, maxLength: 50 });
  });

  it('OPCA-R6.5.0-16 GIP-3.2.1 a cancelled audio pause ends at once: cancelPause is accepted exactly while a pause runs (the model), and the signal sounds again (the pause invariant)', () => {
    const highFault = fc.constantFrom<FaultName>('occlusion', 'displacement');
    const steps = fc
      .tuple(fc.integer({ min: 5, max: 6 }), highFault, fc.integer({ min: 70_000, max: 200_000 }), fc.integer({ min: 0, max: 130_000 }), fc.integer({ min: 1_000, max: 10_000 }))
      .map(([proceeds, fault, alarmMs, pausedMs, afterMs]): Step[] => [
        ...Array.from({ length: proceeds }, () => PROCEED),
        { do: 'inject', fault },
        { do: 'advance', ms: alarmMs },
        { do: 'audioPause' },
        { do: 'advance', ms: pausedMs },
        { do: 'cancelPause' },
        { do: 'advance', ms: afterMs },
        { do: 'cancelPause' },
      ]);
    checkScripted(
      fc.record({ setup: setupArb, steps }),
      (k) => k,
      (k) => {
        const found = violationsOf(k, ['audioPause', 'model']);
        if (found.length > 0) throw new Error(found.join('\n'));
      },
      { seed: 122, numRuns: 20, tolerated: OPEN_ISSUES },
    );
  });

  it('IEC-60601-1-8-PAUSE-ESCALATION an audio pause of a low alarm never silences a higher one raised after the press', () => {
    // To infusing, drain the battery into BATTERY_LOW (low), pause it, then a high fault during the pause.
    const highFault = fc.constantFrom<FaultName>('occlusion', 'displacement');
    const steps = fc
      .tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 600_000, max: 700_000 }), highFault, fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 60_000, max: 110_000 }))
      .map(([proceeds, drainMs, fault, beforeMs, afterMs]): Step[] => [
        ...Array.from({ length: proceeds }, () => PROCEED),
        { do: 'inject', fault: 'batteryDepletion' },
        { do: 'advance', ms: drainMs },
        { do: 'audioPause' },
        { do: 'advance', ms: beforeMs },
        { do: 'inject', fault },
        { do: 'advance', ms: afterMs },
      ]);
    checkScripted(
      fc.record({ setup: setupArb, steps }),
      (k) => k,
      (k) => {
        const found = violationsOf(k, ['pauseEscalation']);
        if (found.length > 0) throw new Error(found.join('\n'));
      },
      { seed: 121, numRuns: 40, tolerated: OPEN_ISSUES },
    );
  });

  it('OPCA-LATCH IEC-60601-1-8-LATCHING a latched alarm clears only after an acknowledge since its onset', () => {
    property(['latching'], alarmSteps, { seed: 110, numRuns: 150, maxLength: 50 });
  });

  it('OPCA-EC23 the third alarm stop and restart of the same alarm within 10 minutes is refused with a stop and REPEATED_ALARM, and never an earlier one', () => {
    const restartSteps = fc.oneof(
      { weight: 4, arbitrary: alarmSteps },
      { weight: 2, arbitrary: c({ do: 'inject', fault: 'displacement' }) },
      { weight: 2, arbitrary: c({ do: 'clear', fault: 'displacement' }) },
      { weight: 2, arbitrary: fc.integer({ min: 5_000, max: 200_000 }).map((ms): Step => ({ do: 'advance', ms })) },
    );
    property(['restartLockout'], restartSteps, { seed: 111, numRuns: 150, maxLength: 60 });
  });

  it('GIP-1.8.1 the drive is never commanded backwards and the reservoir refills only by a fill, over any sequence', () => {
    property(['noReverse'], fc.oneof(stepArb, powerSteps), { seed: 114, numRuns: 100, maxLength: 50 });
  });

  it('GIP-4.1 every command and every mode change is in the event log with its simulated time, across power losses', () => {
    property(['eventLog'], fc.oneof(stepArb, powerSteps), { seed: 115, numRuns: 100, maxLength: 50 });
  });

  it('GIP-1.10.7 the volume stored behind an occlusion, released when it clears, is at most 0.5 mL', () => {
    const occlusionSteps = fc.oneof(
      { weight: 5, arbitrary: therapySteps },
      { weight: 2, arbitrary: c({ do: 'inject', fault: 'occlusion' }) },
      { weight: 2, arbitrary: c({ do: 'clear', fault: 'occlusion' }) },
      { weight: 1, arbitrary: c({ do: 'acknowledge' }) },
    );
    property(['postOcclusionBolus'], occlusionSteps, { seed: 112, numRuns: 150, maxLength: 50 });
  });
});

describe('determinism', () => {
  it('PUMP-DETERMINISM the event trace of a cycle does not depend on the speed factor (unpaced, 10⁵× and 10⁶× real time), for several seeds', async () => {
    const scenario = setupScenario({ seed: 0, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 });
    const logOf = async (seed: number, speed: 'max' | number): Promise<string> => {
      const sim = new Simulation({ scenario, seed });
      await sim.run(speed);
      return sim.log.entries.map((e) => `${e.atMs} ${e.kind} ${e.code} ${e.detail ?? ''}`).join('\n');
    };
    for (const seed of [3, 1_000_003, 4_000_000_007]) {
      const unpaced = await logOf(seed, 'max');
      expect(unpaced.split('\n').length).toBeGreaterThan(10);
      expect(await logOf(seed, 100_000), `seed ${seed} at 10⁵×`).toBe(unpaced);
      expect(await logOf(seed, 1_000_000), `seed ${seed} at 10⁶×`).toBe(unpaced);
    }
  });

  it('PUMP-DETERMINISM the same setup and steps give the same event trace, plant truth and ledger, over random sequences', () => {
    checkScripted(
      fc.record({ setup: setupArb, steps: fc.array(stepArb, { minLength: 1, maxLength: 30 }) }),
      (k) => k,
      (k) => {
        const once = (): { trace: string[]; truth: string } => {
          const run = new ScriptedRun(k.setup, { tolerated: OPEN_ISSUES });
          for (const s of k.steps) run.apply(s);
          const p = run.sim.plant;
          return { trace: eventTrace(run), truth: JSON.stringify([p.toArtery.snapshot(), p.primeWaste.snapshot(), p.strokesDelivered, run.sim.firmware.ledger, run.records.map((r) => r.step)]) };
        };
        expect(once()).toEqual(once());
      },
      { seed: 113, numRuns: 60 },
    );
  });
});
