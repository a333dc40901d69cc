/**
 * Decimation of a time series for plotting: the minimum and the maximum of every time bucket.
 *
 * Owns: turning n samples of several columns into at most 2·buckets points on a shared time axis.
 * Promises: every bucket keeps each column's extremes, so a spike of one sample survives at any
 * zoom-out; a series with no more than 2·buckets samples is returned as it is; NaN (no value)
 * stays NaN, and a bucket with nothing but NaN gives NaN.
 * Method: the bucket's first and last times carry each column's min and max, in the order they
 * occurred (the "min/max" decimation of plotting practice).
 */

export interface Columns {
  readonly timeS: ArrayLike<number>;
  readonly values: readonly ArrayLike<number>[];
}

export function decimateMinMax(series: Columns, buckets: number): Columns {
  const n = series.timeS.length;
  if (n <= 2 * buckets || n < 2) return series;
  const t = series.timeS;
  const t0 = t[0] as number;
  const span = (t[n - 1] as number) - t0;
  const timeS: number[] = [];
  const values: number[][] = series.values.map(() => []);
  let start = 0;
  for (let b = 0; b < buckets && start < n; b++) {
    const endTime = b === buckets - 1 ? Infinity : t0 + (span * (b + 1)) / buckets;
    let end = start;
    while (end < n && (t[end] as number) < endTime) end++;
    if (end === start) continue;
    const single = end - start === 1;
    timeS.push(t[start] as number);
    if (!single) timeS.push(t[end - 1] as number);
    for (let c = 0; c < series.values.length; c++) {
      const column = series.values[c] as ArrayLike<number>;
      let min = NaN;
      let max = NaN;
      let minAt = 0;
      let maxAt = 0;
      for (let i = start; i < end; i++) {
        const v = column[i] as number;
        if (Number.isNaN(v)) continue;
        if (!(v >= min)) { min = v; minAt = i; }
        if (!(v <= max)) { max = v; maxAt = i; }
      }
      const out = values[c] as number[];
      if (single) out.push(min);
      else if (minAt <= maxAt) out.push(min, max);
      else out.push(max, min);
    }
    start = end;
  }
  return { timeS, values };
}
