// The statistics of a study, as plain functions of numbers (test/fixtures/stats/make.py computes the
// same with numpy). Pure and deterministic: the bootstrap draws from the project's seeded PRNG.
import { Random } from './random.js';

/** How an interval of the mean was resampled; recorded beside every interval. */
export interface BootstrapSettings {
  resamples: number;
  seed: number;
}

export const BOOTSTRAP: BootstrapSettings = { resamples: 10000, seed: 0 };

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export const mean = (x: readonly number[]): number => x.reduce((a, b) => a + b, 0) / x.length;

/** The sample standard deviation (n - 1 in the denominator); 0 for a single value. */
export function sampleStd(x: readonly number[]): number {
  if (x.length < 2) return 0;
  const m = mean(x);
  return Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / (x.length - 1));
}

/** The q-quantile of sorted values, interpolated linearly between the two nearest ranks (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * A 95% percentile-bootstrap interval of the mean: `resamples` samples of n drawn with replacement,
 * their means, the 2.5th and 97.5th percentiles. A single value (or equal values) gives [x, x].
 */
export function bootstrapMeanCi(x: readonly number[], settings: BootstrapSettings = BOOTSTRAP): [number, number] {
  const n = x.length;
  if (n === 0) return [NaN, NaN];
  const random = new Random(settings.seed);
  const means = new Float64Array(settings.resamples);
  for (let r = 0; r < settings.resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += x[random.int(n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const sorted = Array.from(means);
  // Clamped to the values' range: float sums of equal values may stray by an ulp.
  const lo = Math.min(...x);
  const hi = Math.max(...x);
  return [Math.max(lo, quantile(sorted, 0.025)), Math.min(hi, quantile(sorted, 0.975))];
}

/** The interquartile mean: the mean after cutting floor(n / 4) values from each end (scipy's trim_mean(x, 0.25)). */
export function interquartileMean(x: readonly number[]): number {
  const sorted = [...x].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * 0.25);
  return mean(sorted.slice(cut, sorted.length - cut));
}

/** The Wilson score interval (95%) of a proportion p observed over n trials. */
export function wilson(p: number, n: number): [number, number] {
  if (n === 0) return [0, 1];
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z95 / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** One pair of seeds: a's and b's values, or 'lost' for a trial that diverged (it loses its pair). */
export type PairValue = number | 'lost';

/**
 * P(a beats b) over paired seeds: the mean of 1[a better] + ½·1[a = b]; a diverged trial loses its
 * pair (two diverged trials tie). `higher`: whether higher values are better.
 */
export function pWin(pairs: readonly [PairValue, PairValue][], higher: boolean): { pWin: number; wins: number; ties: number; n: number } {
  let wins = 0;
  let ties = 0;
  for (const [a, b] of pairs) {
    if (a === 'lost' || b === 'lost') {
      if (a === b) ties++;
      else if (b === 'lost') wins++;
      continue;
    }
    if (a === b) ties++;
    else if (higher ? a > b : a < b) wins++;
  }
  const n = pairs.length;
  return { pWin: n === 0 ? NaN : (wins + ties / 2) / n, wins, ties, n };
}

/** n, mean, sd, the bootstrap interval (with its settings), and the IQM where n >= 4. */
export interface Summary {
  n: number;
  mean: number;
  std: number;
  ci95: [number, number];
  bootstrap: BootstrapSettings;
  iqm?: number;
}

export function summarize(x: readonly number[], settings: BootstrapSettings = BOOTSTRAP): Summary {
  return {
    n: x.length,
    mean: mean(x),
    std: sampleStd(x),
    ci95: bootstrapMeanCi(x, settings),
    bootstrap: { ...settings },
    ...(x.length >= 4 ? { iqm: interquartileMean(x) } : {}),
  };
}
