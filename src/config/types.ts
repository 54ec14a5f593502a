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
  clipGradNorm?: number;
  clipGradValue?: number;
  earlyStopping?: EarlyStopping;
}

/** The experiment after normalize: every default filled, every plugin spec an object. */
export interface Experiment {
  name: string;
  description: string;
  plugins: string[];
  dataset: DatasetSpec;
  model: { layers: PluginSpec[] };
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
  model: { layers: PluginRef[] };
  loss: PluginRef;
  optimizers: (PluginRef & ({ name?: string } | string))[];
  metrics?: PluginRef[];
  training?: Partial<TrainingConfig>;
  seeds?: number[] | { count: number; start?: number };
  sweep?: SweepSpec;
  select?: { metric: string; mode?: 'min' | 'max' };
  targets?: { metric: string; values: number[]; mode?: 'min' | 'max' };
  report?: { band?: 'ci95' | 'minmax' };
  backend?: PluginRef;
  limits?: Partial<Limits>;
}
