import type { DataFacts, LossFn, LossPlugin, MetricRuntime, TF, Tensor } from '../registry/kinds.js';
import type { Registries } from '../registry/index.js';
import type { Experiment } from '../config/types.js';
import type { Model } from './model.js';
import type { Batch } from './batches.js';
import type { Confusion } from '../run-log/types.js';

export interface Metric {
  key: string;
  runtime: MetricRuntime;
}

/**
 * Each metric over every batch of a split, summed on the backend and read back once:
 * the mean over the split's samples, in the order of `metrics`.
 */
export async function evaluate(tf: TF, model: Model, batches: Iterable<Batch>, count: number, metrics: Metric[], targetOf: (b: Batch) => Tensor): Promise<number[]> {
  let sums: Tensor[] = metrics.map(() => tf.scalar(0));
  for (const batch of batches) {
    const next = tf.tidy(() => {
      const output = model.apply(batch.x, false);
      const target = targetOf(batch);
      return metrics.map((metric, i) => tf.add(sums[i], metric.runtime.batchSum(output, target, batch.labels)));
    });
    tf.dispose(sums);
    sums = next;
  }
  const values = await Promise.all(sums.map(async (s) => (await s.data())[0] / count));
  tf.dispose(sums);
  return values;
}

export interface Scoring {
  lossPlugin: LossPlugin;
  loss: LossFn;
  metrics: Metric[];
  /** What the loss compares a batch's output with: its labels, its value targets, or one-hot labels. */
  targetOf: (b: Batch) => Tensor;
}

/** The experiment's loss and metrics, as training and `trainyard evaluate` both use them. */
export function scoring(tf: TF, registries: Registries, config: Experiment, facts: Pick<DataFacts, 'classes' | 'sampleShape' | 'imageShape'>): Scoring {
  const { classes } = facts;
  const lossPlugin = registries.losses.get(config.loss.type);
  const { type: _type, ...lossParams } = config.loss;
  // An output of another shape but the same size as its targets (an image against flat pixels) is
  // compared in the targets' shape, values in torch's order.
  const fit = (output: Tensor, target: Tensor) => (lossPlugin.target === 'value' && output.rank !== target.rank && output.size === target.size ? tf.reshape(output, target.shape) : output);
  const own = lossPlugin.create(lossParams, { tf });
  const loss: LossFn = (output, target) => own(fit(output, target), target);
  const metrics = config.metrics.map(({ type, ...params }) => {
    const plugin = registries.metrics.get(type);
    const runtime = plugin.create(params, { tf, loss, imageShape: facts.imageShape ?? (facts.sampleShape.length >= 2 ? facts.sampleShape : undefined) });
    return { key: plugin.key, runtime: { batchSum: (output: Tensor, target: Tensor, labels: Tensor) => runtime.batchSum(fit(output, target), target, labels) } };
  });
  const targetOf = (b: Batch): Tensor => (lossPlugin.target === 'class' ? b.labels : (b.target ?? tf.oneHot(b.labels, classes).toFloat()));
  return { lossPlugin, loss, metrics, targetOf };
}

/**
 * The confusion matrix of a classifier over batches (rows: true class, columns: the class of the
 * highest score), counted on the backend and read once.
 */
export async function confusionOf(tf: TF, model: Model, batches: Iterable<Batch>, classes: number): Promise<Confusion> {
  let counts: Tensor = tf.zeros([classes * classes]);
  for (const batch of batches) {
    const next = tf.tidy(() => {
      const predicted = tf.argMax(model.apply(batch.x, false), -1);
      const cell = tf.add(tf.mul(tf.cast(batch.labels, 'int32'), tf.scalar(classes, 'int32')), tf.cast(predicted, 'int32'));
      return tf.add(counts, tf.sum(tf.oneHot(cell, classes * classes), 0));
    });
    counts.dispose();
    counts = next;
  }
  const flat = Array.from(await counts.data());
  counts.dispose();
  const matrix = Array.from({ length: classes }, (_, r) => flat.slice(r * classes, (r + 1) * classes).map(Math.round));
  const perClassAccuracy = matrix.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[c]! / total;
  });
  return { matrix, perClassAccuracy };
}
