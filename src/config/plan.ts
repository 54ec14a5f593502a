import type { DataFacts } from '../registry/kinds.js';
import { slug } from '../util/slug.js';
import type { MemoryEstimate } from './estimate.js';
import { applyPoint, parseSweepPath, pointText, sweepPoints, trialPoints, type SweepPoint } from './sweep.js';
import type { Experiment, OptimizerSpec } from './types.js';

export const PLAN_FORMAT_VERSION = 1;

export interface Trial {
  /** '<optimizer name slug>/seed-<seed>' */
  id: string;
  /** The optimizer's display name. */
  name: string;
  optimizer: OptimizerSpec;
  seed: number;
  /** The sweep point this trial trains at (absent without a sweep), applied to its config; `optimizer` has it already. */
  point?: SweepPoint;
  /** Only when a resume switched backends: which ran from which epoch. */
  backends?: { name: string; fromEpoch: number }[];
}

/** SHA-256 over x, y and target of train, validation and test, in that order, little-endian, after transforms. */
export interface DataFingerprint {
  sha256: string;
  /** Samples in each split. */
  sizes: { train: number; validation?: number; test: number };
}

export interface Plan {
  formatVersion: number;
  experiment: { name: string; description: string; file: string };
  config: Experiment;
  /** Command-line overrides, as given (e.g. 'training.epochs=2'). */
  overrides: string[];
  /** The dataset's facts; `run` adds the fingerprint of the data it loaded (`plan` loads none). */
  data: DataFacts & { fingerprint?: DataFingerprint };
  /** The backend a run ran on (written by `run`; `plan` chooses none). */
  backend?: string;
  /**
   * A run whose trials went to a queue: its URL without user or password, and where the workers
   * keep their records ('redis', or 'directory': a directory every machine mounts, --store DIR).
   */
  queue?: { url: string; store: 'redis' | 'directory' };
  /** Memory estimate of inspect (each split's size and bytes, per trial, in all); absent in plans made without one. */
  estimates?: MemoryEstimate;
  /** Files besides the data that the numbers depend on (model.init.weights, training.order), by their SHA-256 (written by `run`). */
  inputs?: Record<string, { file: string; sha256: string }>;
  /** The config's plugin modules as it names them (relative to experiment.file's directory, or absolute); worker threads import them too. */
  pluginModules: string[];
  trials: Trial[];
}

/** '<optimizer slug>/seed-<seed>', and '/<path>=<value>,...' at a sweep point. */
export const trialId = (optimizerName: string, seed: number, point?: SweepPoint): string => {
  const at = pointText(point);
  return `${slug(optimizerName)}/seed-${seed}${at ? `/${at}` : ''}`;
};

/**
 * The config one trial trains with: the plan's, with the trial's point applied outside the optimizers
 * (its optimizer spec carries the rest). Pure; the plan's config is returned as is without a point.
 */
export function trialConfig(config: Experiment, trial: Pick<Trial, 'point'>): Experiment {
  const shared = Object.fromEntries(Object.entries(trial.point ?? {}).filter(([path]) => parseSweepPath(path)?.[0] !== 'optimizers'));
  return Object.keys(shared).length === 0 ? config : applyPoint(config, 0, shared).config;
}

/** Every trial of the study: seed by seed, point by point, each optimizer at the points that concern it. Pure. */
export function planTrials(config: Experiment): Trial[] {
  const at = trialPoints(config.optimizers, sweepPoints(config.sweep));
  return config.seeds.flatMap((seed) =>
    at.map(({ index, point }) => {
      const { optimizer } = applyPoint(config, index, point);
      const swept = Object.keys(point).length > 0;
      return { id: trialId(optimizer.name, seed, point), name: optimizer.name, optimizer, seed, ...(swept ? { point } : {}) };
    }),
  );
}

/** seeds × optimizers (× sweep points) → trials, seed by seed (every optimizer of a seed shares initial weights). Pure. */
export function makePlan(
  config: Experiment,
  data: DataFacts,
  meta: { file: string; overrides: string[]; pluginModules: string[]; estimates?: MemoryEstimate },
): Plan {
  const trials = planTrials(config);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    experiment: { name: config.name, description: config.description, file: meta.file },
    config,
    overrides: meta.overrides,
    data,
    ...(meta.estimates ? { estimates: meta.estimates } : {}),
    pluginModules: meta.pluginModules,
    trials,
  };
}
