// The metric kind: its own file, re-exported by kinds.ts.
import type * as tfjs from '@tensorflow/tfjs';
import type { LossFn, Plugin, TF, Tensor } from './kinds.js';

export interface MetricRuntime {
  /** Sum over the batch (not the mean), so batches of any size add up exactly. */
  batchSum(output: Tensor, target: Tensor, labels: Tensor): tfjs.Scalar;
}

/** What an experiment trains for (inferred from the loss and the data, or `task:` in the YAML). */
export type Task = 'classification' | 'reconstruction' | 'regression';

export interface MetricContext {
  tf: TF;
  /** The experiment's loss (its mean over a batch). */
  loss: LossFn;
  /** Shape of one sample before any transform flattened it ([1, 28, 28] for a digit), when it has one. */
  imageShape?: number[];
}

export interface MetricPlugin<P = any> extends Plugin<P> {
  /** The tasks it means something for; absent: every task. Another task's metric is an error at its line. */
  tasks?: Task[];
  /**
   * The metric's name without a split, e.g. 'accuracy' or 'ssim'. The runner measures it on each
   * split and records it as <split><Key>: testAccuracy, valAccuracy (see figureName).
   */
  key: string;
  create(params: P, ctx: MetricContext): MetricRuntime;
}

/** The splits a metric is measured on, by the prefix of its epoch figures. */
export type MetricSplit = 'test' | 'val';

/** The epoch figure of a metric on a split: ('test', 'accuracy') → 'testAccuracy'. */
export const figureName = (split: MetricSplit, key: string): string => `${split}${key.charAt(0).toUpperCase()}${key.slice(1)}`;
