// The figures of the report's summary table, one row per series (optimizer, or run / optimizer),
// computed from the metrics alone. Pure, so the table and its tests need no HTML.
import type { TrialState as TrialStatus } from '../run-log/types.js';
import { colorMap } from './colors.js';
import { aggregate, finite, groupSeries, optimizerNames, type ChartRun, type EpochField, type SeriesKey } from './series.js';

/** A figure over seeds: the mean, and the spread when there are several. */
export interface Stat {
  mean: number;
  min: number;
  max: number;
  n: number;
}

export interface SummaryRow extends SeriesKey {
  color: string;
  /** Trials (seeds) in the series. */
  trials: number;
  /** Epochs trained, the most of any seed. */
  epochs: number;
  finalAccuracy: Stat | null;
  /** The best epoch of the seed-mean accuracy curve. */
  bestAccuracy: { value: number; epoch: number } | null;
  finalTrainLoss: Stat | null;
  finalTestLoss: Stat | null;
  /** Wall-clock seconds per trial, from its start to its last epoch. */
  seconds: Stat | null;
  statuses: Partial<Record<TrialStatus, number>>;
  /** Trials that early stopping ended: at which epoch, and the best epoch it kept. */
  stoppedEarly: { seed: number; epoch: number; bestEpoch: number; metric: string }[];
}

export function stat(values: readonly (number | null | undefined)[]): Stat | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return null;
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: Math.min(...v), max: Math.max(...v), n: v.length };
}

export function summarize(runs: readonly ChartRun[]): SummaryRow[] {
  const colors = colorMap(optimizerNames(runs));
  const accuracy = aggregate(runs, 'testAccuracy');
  return groupSeries(runs).map(({ key, trials }) => {
    const lasts = trials.map((t) => t.epochs[t.epochs.length - 1]).filter((e) => e !== undefined);
    const final = (field: EpochField) => stat(lasts.map((e) => finite(e, field)));
    let best: SummaryRow['bestAccuracy'] = null;
    for (const p of accuracy) {
      if (p.series === key.series && p.value !== null && (best === null || p.value > best.value)) best = { value: p.value, epoch: p.epoch };
    }
    const statuses: SummaryRow['statuses'] = {};
    for (const t of trials) statuses[t.status] = (statuses[t.status] ?? 0) + 1;
    return {
      ...key,
      color: colors.get(key.series) as string,
      trials: trials.length,
      epochs: Math.max(0, ...trials.map((t) => t.epochs.length)),
      finalAccuracy: final('testAccuracy'),
      bestAccuracy: best,
      finalTrainLoss: final('trainLoss'),
      finalTestLoss: final('testLoss'),
      seconds: stat(lasts.map((e) => e.cumulativeSeconds)),
      statuses,
      stoppedEarly: trials.flatMap((t) => (t.stoppedEarly ? [{ seed: t.seed, epoch: t.stoppedEarly.epoch, bestEpoch: t.stoppedEarly.bestEpoch, metric: t.stoppedEarly.metric }] : [])),
    };
  });
}

/** Trials that did not end well, with what they said. */
export function problems(runs: readonly ChartRun[]): { run: string; id: string; name: string; seed: number; status: TrialStatus; message: string; epochs: number }[] {
  return runs.flatMap((r) =>
    r.metrics.trials
      .filter((t) => t.status !== 'ok')
      .map((t) => ({ run: r.label, id: t.id, name: t.name, seed: t.seed, status: t.status, message: t.error ?? '(no message recorded)', epochs: t.epochs.length })),
  );
}
