/**
 * PUMP-LEDGER-RESUME / GIP-1.7.1: power lost during therapy. The firmware keeps its ledger and
 * therapy record in the NV store (written after every stroke batch), so after each reboot the
 * infusion resumes where the ledger says: no stroke repeated, none lost beyond the one under way,
 * the programme stretched by the time the pump was off, and every boot logged.
 *
 * Shortened runs (6 h at ~600 µL/h) with seeds whose runs are alarm-free; outages never overlap
 * (a power cycle starts only while the firmware is on).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InfusionPlan } from '../../../firmware/index.ts';
import { SELF_TEST_DURATION_MS } from '../../../firmware/index.ts';
import type { RunSummary } from '../../../sim/run/simulation.ts';
import { Simulation } from '../../../sim/run/simulation.ts';
import { checkProperty } from '../../support/fc.ts';
import { planFor, relativeDeviation, shortScenario } from '../../support/simulation.ts';

const SEED = 4;
const SCENARIO = shortScenario({ name: 'power-loss', seed: SEED, infusionDays: 0.25, rateUlPerHour: 600 });
const PLAN: InfusionPlan = planFor(SCENARIO);
const PLANNED_STROKES = PLAN.primingStrokes + PLAN.infusionStrokes + PLAN.flushStrokes;
const CONTROL_PERIOD_MS = 1_000;
/** Time between infusion strokes at the programmed rate, ms. */
const STROKE_INTERVAL_MS = (PLAN.strokeVolumeNl / 1000 / PLAN.rateUlPerHour) * 3_600_000;
/**
 * Per reboot the infusion may lose, on top of the outage: the self-test, the phase time since the
 * last ledger write (at most one stroke interval) and a control period either side.
 */
const RESUME_SLACK_MS = SELF_TEST_DURATION_MS + STROKE_INTERVAL_MS + 2 * CONTROL_PERIOD_MS;

interface Outage {
  /** Simulated time the power goes, ms from the start of the run. */
  readonly atMs: number;
  readonly durationMs: number;
}

interface Outcome {
  readonly sim: Simulation;
  readonly summary: RunSummary;
  readonly infusionMs: number;
}

function runWithOutages(outages: readonly Outage[]): Outcome {
  const sim = new Simulation({ scenario: SCENARIO });
  for (const o of outages) sim.clock.setTimer(() => sim.powerCycle(o.durationMs), o.atMs);
  const summary = sim.runToEnd();
  const { infusionStartSeconds, infusionCompleteSeconds } = summary.timeline;
  const infusionMs = infusionStartSeconds === null || infusionCompleteSeconds === null ? NaN : (infusionCompleteSeconds - infusionStartSeconds) * 1000;
  return { sim, summary, infusionMs };
}

let baseline: Outcome;

beforeAll(() => {
  baseline = runWithOutages([]);
});

/** Everything PUMP-LEDGER-RESUME promises about a run with `outagesDuringInfusion` outages in the infusion. */
function expectResumed(outcome: Outcome, outages: readonly Outage[], outagesDuringInfusion: number): void {
  const { sim, summary } = outcome;
  const n = outages.length;
  const what = `outages ${JSON.stringify(outages)}`;
  expect(summary.finalState, what).toBe('locked');
  expect(summary.alarms, what).toEqual([]);

  // No stroke repeated, none lost beyond the one under way at each power loss: the drive makes the
  // strokes of the uninterrupted run (the same plant and seed; against the back-pressure each is
  // credited below nominal, so both make more strokes than the plan's nominal count).
  // Per power loss, one more: the credit's back-pressure estimate starts again from the first
  // reading after the boot (it is not kept in NV), which can move a phase's last stroke by one.
  expect(Math.abs(sim.plant.strokesDelivered - baseline.sim.plant.strokesDelivered), what).toBeLessThanOrEqual(2 * n);
  expect(summary.firmwareBelief.strokes, what).toBe(PLANNED_STROKES);
  expect(summary.firmwareBelief.infusedVolumeMl, what).toBeCloseTo(PLAN.infusionVolumeUl / 1000, 6);

  // One BOOT per power-on, each logged as a restart; a restored therapy is logged too.
  const restarts = sim.log.entries.filter((e) => e.kind === 'restart');
  expect(restarts.filter((e) => e.code === 'BOOT'), what).toHaveLength(1 + n);
  expect(restarts.filter((e) => e.code === 'THERAPY_RESTORED'), what).toHaveLength(n);
  expect(restarts.filter((e) => e.code === 'THERAPY_RESTORED' && e.detail === 'infusing'), what).toHaveLength(outagesDuringInfusion);

  // The same plant and seed: the dose equals the uninterrupted run's within a stroke per outage.
  const fudrPerStrokeMg = (PLAN.fudrMgPerMl / 1000) * 1.03;
  expect(Math.abs(summary.delivered.fudrMg - baseline.summary.delivered.fudrMg), what).toBeLessThanOrEqual(n * fudrPerStrokeMg + 1e-4);
  // Against the prescription: ±2 % (the primed set's contents are part of the planned dose).
  const deviation = relativeDeviation(summary.delivered.fudrMg, PLAN.fudrMgTotal);
  expect(deviation, what).toBeGreaterThanOrEqual(-0.02);
  expect(deviation, what).toBeLessThanOrEqual(0.02);

  // The missed time extends the infusion: by the outages, plus a little per reboot.
  const offDuringInfusionMs = outages.slice(0, outagesDuringInfusion).reduce((sum, o) => sum + o.durationMs, 0);
  const extensionMs = outcome.infusionMs - baseline.infusionMs;
  expect(extensionMs, what).toBeGreaterThanOrEqual(offDuringInfusionMs);
  expect(extensionMs, what).toBeLessThanOrEqual(offDuringInfusionMs + outagesDuringInfusion * RESUME_SLACK_MS);
}

describe('power loss during therapy', () => {
  it('PUMP-LEDGER-RESUME the uninterrupted reference run credits exactly the planned strokes and ends locked', () => {
    expect(baseline.summary.finalState).toBe('locked');
    expect(baseline.summary.alarms).toEqual([]);
    expect(baseline.summary.firmwareBelief.strokes).toBe(PLANNED_STROKES);
    // Each stroke against the arterial back-pressure is credited below nominal (PUMP-DOSE-BACKPRESSURE): more strokes, the planned dose.
    expect(baseline.sim.plant.strokesDelivered).toBeGreaterThan(PLANNED_STROKES);
    expect(Math.abs(relativeDeviation(baseline.summary.delivered.fudrMg, PLAN.fudrMgTotal))).toBeLessThanOrEqual(0.02);
    expect(baseline.infusionMs).toBeGreaterThanOrEqual(PLAN.durationMs);
    expect(baseline.infusionMs).toBeLessThanOrEqual(PLAN.durationMs + 2 * CONTROL_PERIOD_MS);
  });

  const examples: readonly { name: string; outages: readonly Outage[] }[] = [
    { name: 'a 2-minute outage one hour into the infusion', outages: [{ atMs: 3_600_000, durationMs: 120_000 }] },
    { name: 'a 30-minute outage three hours in', outages: [{ atMs: 10_800_000, durationMs: 1_800_000 }] },
    { name: 'an outage of 1 ms, off the control-period grid', outages: [{ atMs: 7_200_250, durationMs: 1 }] },
    {
      name: 'three outages (1 s, 1 min, 10 min) at 17 min, 2 h and 5 h',
      outages: [
        { atMs: 1_000_500, durationMs: 1_000 },
        { atMs: 7_200_250, durationMs: 60_000 },
        { atMs: 18_000_000, durationMs: 600_000 },
      ],
    },
    { name: 'an outage in the last minute of the infusion', outages: [{ atMs: 70_000 + 21_600_000 - 30_000, durationMs: 45_000 }] },
  ];

  for (const { name, outages } of examples) {
    it(`GIP-1.7.1 PUMP-LEDGER-RESUME ${name}: resumes from the ledger, no stroke repeated or lost, the infusion extended by the outage`, () => {
      expectResumed(runWithOutages(outages), outages, outages.length);
    });
  }

  it('GIP-1.7.1 PUMP-LEDGER-RESUME an outage during priming resumes the prime; the infusion is not stretched', () => {
    const outages = [{ atMs: 20_000, durationMs: 5_000 }];
    expectResumed(runWithOutages(outages), outages, 0);
  });

  it('GIP-1.7.1 PUMP-LEDGER-RESUME an outage during the heparin flush resumes the flush and still locks', () => {
    const completeMs = (baseline.summary.timeline.infusionCompleteSeconds ?? NaN) * 1000;
    // The operator starts the flush 60 s after "infusion complete"; it takes ~120 s.
    const outages = [{ atMs: completeMs + 60_000 + 30_000, durationMs: 10_000 }];
    const outcome = runWithOutages(outages);
    expectResumed(outcome, outages, 0);
    expect(Math.abs(outcome.summary.firmwareBelief.flushedVolumeMl - PLAN.heparinLockVolumeMl)).toBeLessThanOrEqual(0.001);
  });

  it('GIP-1.7.1 PUMP-LEDGER-RESUME over random non-overlapping outages (1–3, 1 ms to 30 min) during the infusion', () => {
    const infusionStartMs = 70_000;
    const outage = fc.record({
      offsetMs: fc.integer({ min: 1_000, max: PLAN.durationMs - 120_000 }),
      durationMs: fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 2_000, max: 1_800_000 })),
    });
    checkProperty(
      fc.property(fc.array(outage, { minLength: 1, maxLength: 3 }), (drawn) => {
        // Place the outages in order, each starting a while after the previous reboot and self-test,
        // on the infusion's own clock (it is stretched by every earlier outage).
        const sorted = [...drawn].sort((a, b) => a.offsetMs - b.offsetMs);
        const outages: Outage[] = [];
        let shiftMs = 0;
        let earliestMs = infusionStartMs;
        for (const o of sorted) {
          const atMs = Math.max(infusionStartMs + o.offsetMs + shiftMs, earliestMs);
          outages.push({ atMs, durationMs: o.durationMs });
          shiftMs += o.durationMs + RESUME_SLACK_MS;
          earliestMs = atMs + o.durationMs + SELF_TEST_DURATION_MS + 10_000;
        }
        // Keep every outage inside the infusion (before its stretched end).
        const lastMs = outages.reduce((end, o) => Math.max(end, o.atMs + o.durationMs), 0);
        fc.pre(lastMs < infusionStartMs + PLAN.durationMs + shiftMs - 2 * RESUME_SLACK_MS - 60_000);
        expectResumed(runWithOutages(outages), outages, outages.length);
      }),
      { seed: 171_717, numRuns: 10 },
    );
  });
});
