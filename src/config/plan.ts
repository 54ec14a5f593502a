import type { DataFacts } from '../registry/kinds.js';
import { slug } from '../util/slug.js';
import type { MemoryEstimate } from './estimate.js';
import type { Experiment, OptimizerSpec } from './types.js';

export const PLAN_FORMAT_VERSION = 1;

export interface Trial {
  /** '<optimizer name slug>/seed-<seed>' */
  id: string;
  /** The optimizer's display name. */
  name: string;
  optimizer: OptimizerSpec;
  seed: number;
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
  /** The config's plugin modules as it names them (relative to experiment.file's directory, or absolute); worker threads import them too. */
  pluginModules: string[];
  trials: Trial[];
}

export const trialId = (optimizerName: string, seed: number): string => `${slug(optimizerName)}/seed-${seed}`;

/** seeds × optimizers → trials, seed by seed (every optimizer of a seed shares initial weights). Pure. */
export function makePlan(
  config: Experiment,
  data: DataFacts,
  meta: { file: string; overrides: string[]; pluginModules: string[]; estimates?: MemoryEstimate },
): Plan {
  const trials: Trial[] = config.seeds.flatMap((seed) =>
    config.optimizers.map((optimizer) => ({ id: trialId(optimizer.name, seed), name: optimizer.name, optimizer, seed })),
  );
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
