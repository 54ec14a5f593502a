// Which class a model predicts for each sample of a split, against its label: the confusion
// matrix (rows: the true class, columns: the predicted one) and each class's accuracy. The same
// shape as metrics.json's trials[].confusion: {labels, matrix}.
import type { TF } from '../registry/kinds.js';
import type { Batch } from './batches.js';
import type { Model } from './model.js';

export interface Confusion {
  /** The class of each row and column, in order (0 .. classes-1 as strings). */
  labels: string[];
  /** matrix[true][predicted]: how many samples of class `true` the model gave class `predicted`. */
  matrix: number[][];
}

/** The highest-scoring output of every sample against its label; outputs [batch, classes]. */
export async function confusionOf(tf: TF, model: Model, batches: Batch[], classes: number): Promise<Confusion> {
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const batch of batches) {
    const predicted = tf.tidy(() => tf.argMax(model.apply(batch.x, false), 1));
    const [p, y] = await Promise.all([predicted.data(), batch.labels.data()]);
    predicted.dispose();
    for (let i = 0; i < y.length; i++) {
      const row = matrix[y[i]!];
      if (row && p[i]! < classes) row[p[i]!]!++;
    }
  }
  return { labels: Array.from({ length: classes }, (_, i) => String(i)), matrix };
}

/** Each class's accuracy (the diagonal over the row's count); NaN for a class with no samples. */
export const perClassAccuracy = (c: Confusion): number[] => c.matrix.map((row, i) => row[i]! / row.reduce((a, b) => a + b, 0));
