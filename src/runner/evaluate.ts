import type { MetricRuntime, TF, Tensor } from '../registry/kinds.js';
import type { Model } from './model.js';
import type { Batch } from './batches.js';

export interface Metric {
  key: string;
  runtime: MetricRuntime;
}

/**
 * Each metric over every batch of a split, summed on the backend and read back once:
 * the mean over the split's samples, in the order of `metrics`.
 */
export async function evaluate(tf: TF, model: Model, batches: Batch[], count: number, metrics: Metric[], targetOf: (b: Batch) => Tensor): Promise<number[]> {
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
