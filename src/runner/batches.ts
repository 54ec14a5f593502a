import type { Split, TF, Tensor } from '../registry/kinds.js';

/**
 * Copies the rows of one batch out of the shared split into reusable buffers, so a training step
 * allocates no per-sample objects; the tensors are made from the buffers (TF.js copies them).
 */
export class BatchMaker {
  private readonly rowSize: number;
  private readonly x: Float32Array;
  private readonly y: Int32Array;

  constructor(
    private readonly tf: TF,
    private readonly split: Split,
    private readonly sampleShape: number[],
    maxBatch: number,
  ) {
    this.rowSize = sampleShape.reduce((a, b) => a * b, 1);
    this.x = new Float32Array(maxBatch * this.rowSize);
    this.y = new Int32Array(maxBatch);
  }

  /** x [n, ...sampleShape] and int32 labels [n] for rows order[start .. start+n). */
  make(order: Uint32Array, start: number, n: number): { x: Tensor; labels: Tensor } {
    const { x, y, rowSize, split } = this;
    for (let i = 0; i < n; i++) {
      const row = order[start + i];
      x.set(split.x.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
      y[i] = split.y[row];
    }
    return {
      x: this.tf.tensor(x.subarray(0, n * rowSize), [n, ...this.sampleShape], 'float32'),
      labels: this.tf.tensor1d(y.subarray(0, n), 'int32'),
    };
  }
}

/** The test split as fixed batches, made once per trial and reused every epoch. */
export function evaluationBatches(tf: TF, split: Split, sampleShape: number[], batchSize: number): { x: Tensor; labels: Tensor }[] {
  const rowSize = sampleShape.reduce((a, b) => a * b, 1);
  const batches: { x: Tensor; labels: Tensor }[] = [];
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    batches.push({
      x: tf.tensor(split.x.slice(start * rowSize, (start + n) * rowSize), [n, ...sampleShape], 'float32'),
      labels: tf.tensor1d(Int32Array.from(split.y.subarray(start, start + n)), 'int32'),
    });
  }
  return batches;
}
