/**
 * The two flow-accuracy methods of IEC 60601-2-24:2012 and the rates they are run at.
 *
 * Owns: each method's sample interval, stabilisation and analysis periods and observation
 * windows (the standard's defaults, as reconstructed in ../shared/DOMAIN.md §4 and §8), and the
 * device's minimum, intermediate and maximum rates.
 * Promises: frozen; a method's periods are whole multiples of its sample interval.
 * - Stroke (volumetric) method: balance every S = 0.5 min from the start of the infusion; the
 *   start-up curve is Qi over the first 2 h; the trumpet and A come from the second hour
 *   (60–120 min); windows P = 2, 5, 11, 19, 31 min.
 * - Ambulatory method: S = 15 min; stabilisation lasts half the reservoir's time or 24 h,
 *   whichever is shorter, then a 25 h analysis period (shorter when the reservoir ends first);
 *   windows P = 15, 60, 150, 330, 570, 930 min.
 * - Rates: minimum and maximum are the device's lowest and highest programmable rates; the
 *   standard names a numeric intermediate rate only for its own pump types (25 mL/h for
 *   volumetric pumps, above every rate of this class), so the intermediate rate is the seed
 *   protocol's: the reservoir's full fill (at most 30 mL) over 14 days, as the default scenario
 *   programs it (84.1 µL/h on port-ambulatory); on a device whose range does not hold that
 *   programme, the geometric middle of the range, √(min·max).
 */

export type BenchMethod = 'stroke' | 'ambulatory';
export type BenchRate = 'minimum' | 'intermediate' | 'maximum';

export const BENCH_METHODS: readonly BenchMethod[] = Object.freeze(['stroke', 'ambulatory']);
export const BENCH_RATES: readonly BenchRate[] = Object.freeze(['minimum', 'intermediate', 'maximum']);

export interface MethodParameters {
  readonly sampleIntervalMin: number;
  readonly windowsMin: readonly number[];
}

export const STROKE_METHOD = Object.freeze({
  sampleIntervalMin: 0.5,
  windowsMin: Object.freeze([2, 5, 11, 19, 31]),
  startupEndMin: 120,
  analysisStartMin: 60,
  analysisEndMin: 120,
});

export const AMBULATORY_METHOD = Object.freeze({
  sampleIntervalMin: 15,
  windowsMin: Object.freeze([15, 60, 150, 330, 570, 930]),
  maxStabilisationMin: 24 * 60,
  analysisMin: 25 * 60,
});

/** The infusion the seed protocol programs for the intermediate rate. */
export const INTERMEDIATE_PROGRAMME = Object.freeze({ fillMaxMl: 30, infusionDays: 14 });

/**
 * The ambulatory method's periods for an infusion that lasts `infusionMin`: stabilisation
 * min(half of it, 24 h), analysis 25 h or what is left, both rounded down to whole samples.
 */
export function ambulatoryPeriods(infusionMin: number): { analysisStartMin: number; analysisEndMin: number } {
  const s = AMBULATORY_METHOD.sampleIntervalMin;
  const start = Math.floor(Math.min(infusionMin / 2, AMBULATORY_METHOD.maxStabilisationMin) / s) * s;
  const end = start + Math.floor(Math.min(AMBULATORY_METHOD.analysisMin, infusionMin - start) / s) * s;
  return { analysisStartMin: start, analysisEndMin: end };
}
