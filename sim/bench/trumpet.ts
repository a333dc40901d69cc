/**
 * The trumpet curve and the overall mean error, from a balance's successive readings.
 *
 * Owns: the arithmetic of the flow-accuracy test of IEC 60601-2-24:2012 (subclause 201.12.1 and
 * its figures; reconstructed from public descriptions of the standard, docs/standards.md and
 * ../shared/DOMAIN.md §4 — check against a licensed copy):
 * - Qi = (Vi − Vi−1) / S, the flow over sample interval i (Vi the balance reading at i·S);
 * - ei = 100 · (Qi − r) / r, the percentage flow error of sample i against the set rate r;
 * - for an observation window of P minutes, the windows j = 1 … m of P/S consecutive samples
 *   slide one sample at a time over the analysis period T, m = (T − P)/S + 1, and
 *   Ep(j) = (S/P) · Σ ei over window j; Ep(max) and Ep(min) are the largest and smallest Ep(j);
 *   plotted against P they are the trumpet curve;
 * - A = 100 · (Q − r) / r, Q the volume over the analysis period divided by T: the overall mean
 *   error, which is also the mean of the ei of the analysis period.
 * Promises: pure functions of their arguments; a window longer than the analysis period, or one
 * that is not a whole number of samples, has no entry (the standard leaves it out too).
 */

/** A balance reading: time since the start of the infusion and the volume collected. */
export interface BalanceReading {
  readonly timeS: number;
  readonly volumeUl: number;
}

export interface TrumpetPoint {
  readonly windowMin: number;
  readonly epMaxPercent: number;
  readonly epMinPercent: number;
}

export interface AccuracyFigures {
  readonly meanErrorPercent: number;
  readonly trumpet: readonly TrumpetPoint[];
}

/**
 * The percentage flow errors ei of the samples ending within (startS, endS]: reading i must be at
 * startS + i·S for i = 0 … (endS − startS)/S; an absent or misplaced reading is an error.
 */
export function flowErrorsPercent(readings: readonly BalanceReading[], sampleIntervalS: number, rateUlPerHour: number, startS: number, endS: number): number[] {
  const byTime = new Map(readings.map((r) => [Math.round(r.timeS * 1000), r.volumeUl]));
  const samples = Math.round((endS - startS) / sampleIntervalS);
  const perSampleUl = (rateUlPerHour * sampleIntervalS) / 3600;
  const errors: number[] = [];
  let previous = byTime.get(Math.round(startS * 1000));
  if (previous === undefined) throw new Error(`no balance reading at ${startS} s`);
  for (let i = 1; i <= samples; i++) {
    const atS = startS + i * sampleIntervalS;
    const v = byTime.get(Math.round(atS * 1000));
    if (v === undefined) throw new Error(`no balance reading at ${atS} s`);
    errors.push((100 * (v - previous - perSampleUl)) / perSampleUl);
    previous = v;
  }
  return errors;
}

/** Ep(max) and Ep(min) of every window of `windowsMin` that fits the errors, and A. */
export function accuracyFigures(errors: readonly number[], sampleIntervalMin: number, windowsMin: readonly number[]): AccuracyFigures {
  const n = errors.length;
  const mean = n === 0 ? 0 : errors.reduce((a, b) => a + b, 0) / n;
  const trumpet: TrumpetPoint[] = [];
  for (const windowMin of windowsMin) {
    const k = Math.round(windowMin / sampleIntervalMin);
    if (Math.abs(k * sampleIntervalMin - windowMin) > 1e-9 || k < 1 || k > n) continue;
    // Running sum: each window's sum from the previous one, one sample in, one out.
    let sum = 0;
    for (let i = 0; i < k; i++) sum += errors[i] as number;
    let max = sum;
    let min = sum;
    for (let i = k; i < n; i++) {
      sum += (errors[i] as number) - (errors[i - k] as number);
      if (sum > max) max = sum;
      if (sum < min) min = sum;
    }
    trumpet.push({ windowMin, epMaxPercent: max / k, epMinPercent: min / k });
  }
  return { meanErrorPercent: mean, trumpet };
}
