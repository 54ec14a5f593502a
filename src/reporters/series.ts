import type { EpochRecord, Metrics, TrialMetrics } from '../run-log/types.js';
import { bootstrapMeanCi } from '../util/stats.js';
import { groupKey, type StudyStatistics } from './study.js';


/** One run as the charts see it: its metrics and a label that tells it apart in a comparison. */
export interface ChartRun {
  label: string;
  metrics: Metrics;
  /** The loss plugin's name, for axis titles. */
  loss?: string;
  /** The band around a mean over seeds (report.band): a 95% bootstrap interval of the mean, or min to max. */
  band?: 'ci95' | 'minmax';
  /** A study's statistics (metrics.json's, or computed from the metrics for a run that ended without them). */
  statistics?: StudyStatistics;
}

/** Whether a run swept points: its curves then show each optimizer at its selected point. */
export const swept = (run: ChartRun): boolean => run.metrics.trials.some((t) => t.point !== undefined);

/** The trials a run's curves draw: all of them, or with a sweep each optimizer's selected point only. */
export function curveTrials(run: ChartRun): TrialMetrics[] {
  const selection = run.statistics?.selection;
  if (!swept(run) || !selection) return run.metrics.trials;
  const chosen = new Set(selection.map((s) => JSON.stringify(s.key)));
  return run.metrics.trials.filter((t) => chosen.has(JSON.stringify(groupKey(t))));
}

/** 'lr=0.001, batchSize=100': a point as a legend shows it (each path by its last key). */
export function pointLabel(point: Record<string, unknown> | undefined): string {
  return Object.entries(point ?? {})
    .map(([path, v]) => `${path.replace(/^.*[.\]]/, '')}=${typeof v === 'number' ? String(v) : JSON.stringify(v)}`)
    .join(', ');
}

/** An epoch field a chart can plot: trainLoss, lr, and every metric recorded per split (testAccuracy, valSsim, ...). */
export type EpochField = string;

/** Fields of every epoch record that are not figures of a metric, and the metrics the report names itself. */
const BOOKKEEPING = new Set(['epoch', 'trainLoss', 'lr', 'seconds', 'cumulativeSeconds', 'steps']);
export const BUILT_IN_FIGURES = new Set(['testLoss', 'testAccuracy', 'valLoss', 'valAccuracy']);

/** Metric figures the runs recorded beyond the built-in ones (a user's metric plugin's), in order of first appearance. */
export function otherFigures(runs: readonly ChartRun[]): string[] {
  const found = new Set<string>();
  for (const r of runs) for (const t of r.metrics.trials) for (const e of t.epochs) for (const [k, v] of Object.entries(e)) {
    if (!BOOKKEEPING.has(k) && !BUILT_IN_FIGURES.has(k) && (typeof v === 'number' || v === null)) found.add(k);
  }
  return [...found];
}

const SPLITS: Record<string, string> = { test: 'test', val: 'validation', train: 'training' };

/** 'testMeanAbsError' → 'test mean abs error', as a person reads it. */
export function figureWords(field: string): string {
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(' ');
  return [SPLITS[words[0]!] ?? words[0]!, ...words.slice(1)].join(' ');
}

/** A line of a chart: one optimizer of one run, its seeds pooled. */
export interface SeriesKey {
  run: string;
  optimizer: string;
  /** 'optimizer', or 'run / optimizer' when several runs share a chart. */
  series: string;
}

export interface SeriesGroup {
  key: SeriesKey;
  trials: TrialMetrics[];
}

/** One epoch of a series over its seeds; null where no seed has a finite value (a gap). */
export interface SeriesPoint extends SeriesKey {
  epoch: number;
  value: number | null;
  min: number | null;
  max: number | null;
  /** The band drawn around the mean: the run's report.band (a bootstrap 95% interval of the mean, or min–max). */
  lo: number | null;
  hi: number | null;
  /** Seeds with a finite value at this epoch, and seeds in the series. */
  seeds: number;
  of: number;
  /** Mean wall-clock seconds since the trial began, at the end of this epoch. */
  time: number | null;
}

/** Where a diverged or failed trial stopped: its last finite value. */
export interface StopMark extends SeriesKey {
  epoch: number;
  value: number;
  time: number;
  seed: number;
  status: string;
  message: string;
}

/** metrics.json writes NaN and infinity as null; both are gaps, never zeros. */
export function finite(record: EpochRecord, field: EpochField): number | null {
  const v = (record as unknown as Record<string, unknown>)[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** Trials grouped into series, in order of first appearance (plan order, then run order). */
export function groupSeries(runs: readonly ChartRun[]): SeriesGroup[] {
  const groups = new Map<string, SeriesGroup>();
  for (const run of runs) {
    const selected = swept(run) && run.statistics !== undefined;
    for (const trial of curveTrials(run)) {
      // Without a selection, each point of a sweep is a series of its own.
      const name = selected || !trial.point ? trial.name : `${trial.name} (${pointLabel(trial.point)})`;
      const series = runs.length > 1 ? `${run.label} / ${name}` : name;
      const id = JSON.stringify([run.label, name]);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { key: { run: run.label, optimizer: name, series }, trials: [] }));
      group.trials.push(trial);
    }
  }
  return [...groups.values()];
}

/** Series in order of first appearance: the colour domain (two Adams, at two learning rates or in two runs, get two colours). */
export const optimizerNames = (runs: readonly ChartRun[]): string[] => [...new Set(groupSeries(runs).map((g) => g.key.series))];

/** Per series and epoch: mean, min and max over the seeds that have a finite value. */
export function aggregate(runs: readonly ChartRun[], field: EpochField): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  const bandOf = new Map(runs.map((r) => [r.label, r.band ?? 'minmax']));
  for (const { key, trials } of groupSeries(runs)) {
    const ci = bandOf.get(key.run) === 'ci95';
    const epochs = [...new Set(trials.flatMap((t) => t.epochs.map((e) => e.epoch)))].sort((a, b) => a - b);
    for (const epoch of epochs) {
      const records = trials.map((t) => t.epochs.find((e) => e.epoch === epoch)).filter((r): r is EpochRecord => r !== undefined);
      const values = records.map((r) => finite(r, field)).filter((v): v is number => v !== null);
      const times = records.map((r) => r.cumulativeSeconds).filter((v) => Number.isFinite(v));
      const band = values.length === 0 ? [null, null] : ci ? bootstrapMeanCi(values) : [Math.min(...values), Math.max(...values)];
      points.push({
        ...key,
        epoch,
        value: values.length ? mean(values) : null,
        min: values.length ? Math.min(...values) : null,
        max: values.length ? Math.max(...values) : null,
        lo: band[0]!,
        hi: band[1]!,
        seeds: values.length,
        of: trials.length,
        time: times.length ? mean(times) : null,
      });
    }
  }
  return points;
}

/** The last finite point of every trial that diverged or failed after some epochs. */
export function stopMarks(runs: readonly ChartRun[], field: EpochField): StopMark[] {
  const marks: StopMark[] = [];
  for (const { key, trials } of groupSeries(runs)) {
    for (const trial of trials) {
      if (trial.status !== 'diverged' && trial.status !== 'failed') continue;
      const last = [...trial.epochs].reverse().find((e) => finite(e, field) !== null);
      if (!last) continue;
      marks.push({
        ...key,
        epoch: last.epoch,
        value: finite(last, field) as number,
        time: last.cumulativeSeconds,
        seed: trial.seed,
        status: trial.status,
        message: trial.error ?? trial.status,
      });
    }
  }
  return marks;
}

/** Whether any trial's value of a field changes over its epochs (a schedule, say). */
export function varies(runs: readonly ChartRun[], field: EpochField): boolean {
  return runs.some((r) =>
    r.metrics.trials.some((t) => {
      const values = t.epochs.map((e) => finite(e, field)).filter((v) => v !== null);
      return values.some((v) => v !== values[0]);
    }),
  );
}

export const hasField = (runs: readonly ChartRun[], field: EpochField): boolean => runs.some((r) => r.metrics.trials.some((t) => t.epochs.some((e) => finite(e, field) !== null)));

/** Seeds per series: the most any series has (bands appear only where there are several). */
export const maxSeeds = (runs: readonly ChartRun[]): number => Math.max(0, ...groupSeries(runs).map((g) => g.trials.length));

/** Seconds per epoch of each series, over all its epochs and seeds. */
export function epochSeconds(runs: readonly ChartRun[]): (SeriesKey & { mean: number; min: number; max: number; epochs: number })[] {
  return groupSeries(runs).flatMap(({ key, trials }) => {
    const seconds = trials.flatMap((t) => t.epochs.map((e) => e.seconds)).filter((s) => Number.isFinite(s));
    return seconds.length ? [{ ...key, mean: mean(seconds), min: Math.min(...seconds), max: Math.max(...seconds), epochs: seconds.length }] : [];
  });
}
