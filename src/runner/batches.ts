import type { Split, TF, Tensor } from '../registry/kinds.js';

/** One batch: inputs, int32 labels, and value targets when the split has them. */
export interface Batch {
  x: Tensor;
  labels: Tensor;
  target?: Tensor;
}

export const disposeBatch = (tf: TF, b: Batch): void => tf.dispose([b.x, b.labels, ...(b.target ? [b.target] : [])]);

/**
 * Copies the rows of one batch out of the shared split into reusable buffers, so a training step
 * allocates no per-sample objects; the tensors are made from the buffers (TF.js copies them).
 */
export class BatchMaker {
  private readonly rowSize: number;
  private readonly targetSize: number;
  private readonly x: Float32Array;
  private readonly y: Int32Array;
  private readonly t: Float32Array | undefined;

  constructor(
    private readonly tf: TF,
    private readonly split: Split,
    private readonly sampleShape: number[],
    maxBatch: number,
  ) {
    this.rowSize = sampleShape.reduce((a, b) => a * b, 1);
    this.targetSize = split.target ? split.target.length / split.count : 0;
    this.x = new Float32Array(maxBatch * this.rowSize);
    this.y = new Int32Array(maxBatch);
    this.t = split.target ? new Float32Array(maxBatch * this.targetSize) : undefined;
  }

  /** The batch of rows order[start .. start+n). */
  make(order: Uint32Array, start: number, n: number): Batch {
    const { x, y, t, rowSize, targetSize, split } = this;
    for (let i = 0; i < n; i++) {
      const row = order[start + i];
      x.set(split.x.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
      y[i] = split.y[row];
      if (t) t.set(split.target!.subarray(row * targetSize, (row + 1) * targetSize), i * targetSize);
    }
    return {
      x: this.tf.tensor(x.subarray(0, n * rowSize), [n, ...this.sampleShape], 'float32'),
      labels: this.tf.tensor1d(y.subarray(0, n), 'int32'),
      ...(t ? { target: this.tf.tensor2d(t.subarray(0, n * targetSize), [n, targetSize]) } : {}),
    };
  }
}

/** A split as fixed batches in order, made once per trial and reused every epoch. */
export function fixedBatches(tf: TF, split: Split, sampleShape: number[], batchSize: number): Batch[] {
  const maker = new BatchMaker(tf, split, sampleShape, batchSize);
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  const batches: Batch[] = [];
  for (let start = 0; start < split.count; start += batchSize) batches.push(maker.make(order, start, Math.min(batchSize, split.count - start)));
  return batches;
}
