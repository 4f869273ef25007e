/** Small, dependency-free statistics over metric samples. */

export interface Sample {
  t: number;
  v: number;
}

/** Linear-interpolated percentile (0-100) of the values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(Math.max(p, 0), 100) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface LinearFit {
  /** Change per millisecond. */
  slope: number;
  intercept: number;
  /** Coefficient of determination: 1 is a perfect line, 0 explains nothing. */
  r2: number;
  at(t: number): number;
}

/** Least-squares line through the samples (time in ms). */
export function linearFit(samples: Sample[]): LinearFit | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  // Centre time to keep the sums well conditioned with epoch milliseconds.
  const t0 = samples[0]!.t;
  let st = 0;
  let sv = 0;
  for (const s of samples) {
    st += s.t - t0;
    sv += s.v;
  }
  const mt = st / n;
  const mv = sv / n;
  let num = 0;
  let den = 0;
  let total = 0;
  for (const s of samples) {
    const dt = s.t - t0 - mt;
    num += dt * (s.v - mv);
    den += dt * dt;
    total += (s.v - mv) ** 2;
  }
  if (den === 0) return undefined;
  const slope = num / den;
  const intercept = mv - slope * (mt + t0);
  let residual = 0;
  for (const s of samples) residual += (s.v - (intercept + slope * s.t)) ** 2;
  const r2 = total === 0 ? 1 : 1 - residual / total;
  return { slope, intercept, r2, at: (t) => intercept + slope * t };
}

/**
 * Increase of a cumulative counter over the samples, counting through resets
 * (a drop means the counter restarted from zero, as when a pod is recreated).
 */
export function counterIncrease(samples: Sample[]): number {
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const delta = samples[i]!.v - samples[i - 1]!.v;
    total += delta >= 0 ? delta : samples[i]!.v;
  }
  return total;
}
