import type { Task } from '../registry/kinds.js';
import type { PluginSpec } from '../registry/kinds.js';
import type { SweepSpec } from './sweep.js';

export type { PluginSpec };

export interface OptimizerSpec extends PluginSpec {
  name: string;
  schedule?: PluginSpec;
}

export interface DatasetSpec extends PluginSpec {
  /** Applied in order when the data loads. */
  transforms: PluginSpec[];
  validation?: { fraction: number; seed: number };
}

export interface EarlyStopping {
  metric: string;
  mode: 'min' | 'max';
  patience: number;
  minDelta: number;
  restoreBest: boolean;
}

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  evalBatchSize: number;
  divergeAbove?: number;
  logEvery: number;
  /** A .npy of int32 [epochs, trainSize] sample indices (relative to the experiment file): the batch order of every epoch. */
  order?: string;
  clipGradNorm?: number;
  clipGradValue?: number;
  earlyStopping?: EarlyStopping;
  /** Reconstruction grids (samples/<trial id>/epoch-<N>.png): how many test images, every how many epochs (and the last). */
  samples?: { images: number; every: number };
}

export interface ModelConfig {
  /** Each a layer spec; `trainable: false` (a key besides its params) freezes the layer. */
  layers: PluginSpec[];
  /** Initial weights from a file (relative to the experiment file) instead of the seed's. */
  init?: { weights: string };
}

/** The experiment after normalize: every default filled, every plugin spec an object. */
export interface Experiment {
  name: string;
  description: string;
  plugins: string[];
  dataset: DatasetSpec;
  model: ModelConfig;
  loss: PluginSpec;
  optimizers: OptimizerSpec[];
  metrics: PluginSpec[];
  training: TrainingConfig;
  seeds: number[];
  /** The points to try (absent: one point, the file as it is). */
  sweep?: SweepSpec;
  /** How each optimizer's best sweep point is chosen; set by normalize when there is a validation split. */
  select?: Selection;
  targets?: Targets;
  /** How reports draw a study; always set by normalize. */
  report?: { band: 'ci95' | 'minmax' };
  backend: PluginSpec;
  /** What it trains for (config/task.ts): always set by normalize; optional for configs written by hand. */
  task?: Task;
  /** Always set by normalize; optional so that configs written by hand (tests, older plan.json) still type-check. */
  limits?: Limits;
}

/** Resource limits, checked when the plan is made (inspect). */
export interface Limits {
  /** The most memory (MB) a run may need by its estimate: the process, plus each worker thread with its largest trial. */
  memoryMB: number;
  /** The most trials a run may have (seeds x optimizers x sweep points). */
  maxTrials?: number;
}

export interface Selection {
  metric: string;
  mode: 'min' | 'max';
}

export interface Targets {
  metric: string;
  values: number[];
  mode: 'min' | 'max';
}

/** A plugin reference as written: a bare name or a mapping. */
export type PluginRef = string | { type: string; [param: string]: unknown };

/** The experiment as written (after validate: right shapes, defaults not yet filled). */
export interface ExperimentInput {
  name: string;
  description?: string;
  plugins?: string[];
  dataset: PluginRef;
  model: { layers: PluginRef[]; init?: { weights: string } };
  loss: PluginRef;
  optimizers: (PluginRef & ({ name?: string } | string))[];
  metrics?: PluginRef[];
  task?: Task;
  training?: Partial<TrainingConfig>;
  seeds?: number[] | { count: number; start?: number };
  sweep?: SweepSpec;
  select?: { metric: string; mode?: 'min' | 'max' };
  targets?: { metric: string; values: number[]; mode?: 'min' | 'max' };
  report?: { band?: 'ci95' | 'minmax' };
  backend?: PluginRef;
  limits?: Partial<Limits>;
}
