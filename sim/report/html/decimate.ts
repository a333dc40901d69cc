/**
 * Decimation of a time series for plotting: the minimum and the maximum of every time bucket.
 *
 * Owns: turning n samples of several columns into at most 2·buckets points on a shared time axis.
 * Promises: every bucket keeps each column's extremes, so a spike of one sample survives at any
 * zoom-out; a series with no more than 2·buckets samples is returned as it is; nulls (no reading)
 * stay nulls, and a bucket with none but nulls gives nulls.
 * Method: the bucket's first and last times carry each column's min and max, in the order they
 * occurred (the "min/max" decimation of plotting practice, e.g. uPlot's own demos).
 */

export interface Columns {
  readonly timeS: readonly number[];
  readonly values: readonly (readonly (number | null)[])[];
}

export function decimateMinMax(series: Columns, buckets: number): Columns {
  const n = series.timeS.length;
  if (n <= 2 * buckets || n < 2) return series;
  const t0 = series.timeS[0] as number;
  const span = (series.timeS[n - 1] as number) - t0;
  const timeS: number[] = [];
  const values: (number | null)[][] = series.values.map(() => []);
  let start = 0;
  for (let b = 0; b < buckets && start < n; b++) {
    const endTime = b === buckets - 1 ? Infinity : t0 + (span * (b + 1)) / buckets;
    let end = start;
    while (end < n && (series.timeS[end] as number) < endTime) end++;
    if (end === start) continue;
    const first = series.timeS[start] as number;
    const last = series.timeS[end - 1] as number;
    const single = end - start === 1;
    timeS.push(first);
    if (!single) timeS.push(last);
    series.values.forEach((column, c) => {
      let min: number | null = null;
      let max: number | null = null;
      let minAt = 0;
      let maxAt = 0;
      for (let i = start; i < end; i++) {
        const v = column[i];
        if (v === null || v === undefined) continue;
        if (min === null || v < min) { min = v; minAt = i; }
        if (max === null || v > max) { max = v; maxAt = i; }
      }
      const out = values[c] as (number | null)[];
      if (single) out.push(min);
      else if (minAt <= maxAt) out.push(min, max);
      else out.push(max, min);
    });
    start = end;
  }
  return { timeS, values };
}
