/**
 * Helpers for simulator tests: shortened scenarios, plans, mass balance, summaries, CLI streams.
 *
 * Shortened scenarios keep property runs cheap (a 6-hour infusion is ~20 k control steps, a full
 * 14-day cycle ~1.2 M). They are valid for the drug library: the fill is computed from the device
 * configuration (priming 370 µL, residual 500 µL, 3 % reserve) for a wanted rate, and an infusion
 * shorter than a day is a soft-limit finding, so `confirmSoftLimits` is set.
 */
import { Writable } from 'node:stream';
import type { InfusionPlan } from '../../firmware/index.ts';
import { HAI_FUDR_LIBRARY, planInfusion } from '../../firmware/index.ts';
import type { Plant, Totals } from '../../sim/world/plant/index.ts';
import { PORT_AMBULATORY } from '../../sim/scenario/device.ts';
import type { Scenario, ScenarioInput } from '../../sim/scenario/scenario.ts';
import { DEFAULT_SCENARIO_INPUT, parseScenario, prescriptionInput } from '../../sim/scenario/scenario.ts';
import type { RunSummary } from '../../sim/run/simulation.ts';

const CONFIG = PORT_AMBULATORY.firmwareConfig;

/** Volume of the set (line + Huber needle) the prime fills with drug, µL. */
export const SET_VOLUME_UL = PORT_AMBULATORY.path.volumeUl.line + PORT_AMBULATORY.path.volumeUl.needle;

/**
 * Smallest reservoir fill (0.1 mL steps) that gives at least `rateUlPerHour` over `infusionDays`:
 * fill = residual + priming + rate·hours / (1 − reserve), the inverse of `planInfusion`'s usable volume.
 */
export function fillMlForRate(infusionDays: number, rateUlPerHour: number): number {
  const hours = infusionDays * 24;
  const ul = CONFIG.reservoirResidualUl + CONFIG.primingVolumeUl + (rateUlPerHour * hours) / (1 - CONFIG.reservoirReserveFraction);
  return Math.ceil(ul / 100) / 10;
}

export interface ShortScenarioOptions {
  readonly name?: string;
  readonly seed?: number;
  readonly weightKg?: number;
  readonly heightCm?: number;
  readonly doseFactor?: number;
  readonly fudrMgPerKgPerDay?: number;
  /** Default 0.25 (6 h). */
  readonly infusionDays?: number;
  /** Default: the fill for `rateUlPerHour`. */
  readonly reservoirVolumeMl?: number;
  /** Wanted rate when the fill is computed; default 600 µL/h (within 20–1000 µL/h). */
  readonly rateUlPerHour?: number;
}

/** The JSON a user would write for a shortened version of the nominal scenario. */
export function shortScenarioInput(o: ShortScenarioOptions = {}): ScenarioInput {
  const infusionDays = o.infusionDays ?? 0.25;
  return {
    name: o.name ?? 'short',
    seed: o.seed ?? DEFAULT_SCENARIO_INPUT.seed,
    patient: { weightKg: o.weightKg ?? 70, heightCm: o.heightCm ?? 170 },
    prescription: {
      fudrMgPerKgPerDay: o.fudrMgPerKgPerDay ?? 0.15,
      dexamethasoneMgPerM2PerDay: 1,
      infusionDays,
      doseFactor: o.doseFactor ?? 1,
      reservoirVolumeMl: o.reservoirVolumeMl ?? fillMlForRate(infusionDays, o.rateUlPerHour ?? 600),
      confirmSoftLimits: true,
    },
    faults: [],
  };
}

/** A parsed shortened scenario whose prescription the drug library accepts (throws otherwise). */
export function shortScenario(o: ShortScenarioOptions = {}): Scenario {
  const scenario = parseScenario(shortScenarioInput(o), 'short scenario');
  planFor(scenario);
  return scenario;
}

/** The plan the firmware will make of a scenario's prescription; throws if the library refuses it. */
export function planFor(scenario: Scenario): InfusionPlan {
  const result = planInfusion(prescriptionInput(scenario), CONFIG, HAI_FUDR_LIBRARY);
  if (!result.ok) throw new Error(`planFor: prescription refused: ${result.findings.map((f) => f.message).join('; ')}`);
  return result.plan;
}

export type Quantity = 'volumeUl' | 'fudrMg' | 'dexamethasoneMg' | 'heparinUnits';
export const QUANTITIES: readonly Quantity[] = ['volumeUl', 'fudrMg', 'dexamethasoneMg', 'heparinUnits'];
/**
 * The drugs. Volume is left out of the balance tests: the plant starts with the set (350 µL,
 * no drug) full but does not count it as filled, so volume is off by exactly that (reported).
 */
export const DRUG_QUANTITIES: readonly Quantity[] = ['fudrMg', 'dexamethasoneMg', 'heparinUnits'];

export interface BalanceLine {
  readonly quantity: Quantity;
  readonly filled: number;
  readonly accounted: number;
  /** |filled − accounted| / filled (0 when nothing was filled). */
  readonly relativeError: number;
}

/**
 * Mass balance of the plant for every quantity: what was filled against where it went
 * (artery, extrahepatic branch, pocket, leak, prime waste, discarded) plus what remains
 * (reservoir, lock syringe, set, implanted path).
 */
export function massBalance(plant: Plant, quantities: readonly Quantity[] = DRUG_QUANTITIES): BalanceLine[] {
  const remaining = plant.remaining();
  const parts: Totals[] = [
    plant.toArtery,
    plant.toExtrahepatic,
    plant.toPocket,
    plant.leaked,
    plant.primeWaste,
    plant.discarded,
    remaining.reservoir,
    remaining.lockSyringe,
    remaining.set,
    remaining.implant,
  ];
  return quantities.map((quantity) => {
    const filled = plant.filled[quantity];
    const accounted = parts.reduce((sum, t) => sum + t[quantity], 0);
    const relativeError = filled === 0 ? Math.abs(accounted) : Math.abs(filled - accounted) / filled;
    return { quantity, filled, accounted, relativeError };
  });
}

/** The summary without its wall-clock time, the one field that may differ between identical runs. */
export function withoutWallMs(summary: RunSummary): Omit<RunSummary, 'wallMs'> {
  const { wallMs: _wallMs, ...rest } = summary;
  return rest;
}

/** Relative deviation (x − reference) / reference. */
export function relativeDeviation(x: number, reference: number): number {
  return (x - reference) / reference;
}

/** A writable stream that keeps what is written, for calling the CLI's `main` in-process. */
export function collectingStream(): { readonly stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}
