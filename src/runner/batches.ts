import type { Split, TF, Tensor } from '../registry/kinds.js';
import { decodeInto } from '../util/split-values.js';

/** One batch: inputs, int32 labels, and value targets when the split has them. */
export interface Batch {
  x: Tensor;
  labels: Tensor;
  target?: Tensor;
  /** Hands the batch's arrays back to the maker that made it, for another batch (disposeBatch calls it). */
  release?: () => void;
}

/**
 * Disposes a batch's tensors, then hands its arrays back for reuse, unless another tensor still
 * shares their data (a reshape of x kept past the step: on cpu that tensor reads the same array).
 */
export function disposeBatch(tf: TF, b: Batch): void {
  const tensors = [b.x, b.labels, ...(b.target ? [b.target] : [])];
  const backend = tf.backend();
  const shared = tensors.some((t) => backend.refCount(t.dataId) > 1);
  tf.dispose(tensors);
  if (!shared) b.release?.();
}

interface Arrays {
  x: Float32Array;
  y: Int32Array;
  t: Float32Array | undefined;
}

/**
 * Copies the rows of one batch out of the shared split into arrays that batch owns while it lives:
 * the cpu backend keeps the array a tensor is made from (no copy), so arrays shared by two live
 * batches would give the earlier one the later one's rows. A disposed batch's arrays are reused,
 * so a training step, which makes one batch and disposes it, allocates nothing.
 */
export class BatchMaker {
  private readonly rowSize: number;
  private readonly targetSize: number;
  private readonly free: Arrays[] = [];

  constructor(
    private readonly tf: TF,
    private readonly split: Split,
    private readonly sampleShape: number[],
    private readonly maxBatch: number,
  ) {
    this.rowSize = sampleShape.reduce((a, b) => a * b, 1);
    this.targetSize = split.target ? split.target.length / split.count : 0;
  }

  /** The batch of rows order[start .. start+n). */
  make(order: Uint32Array, start: number, n: number): Batch {
    const { rowSize, targetSize, split, maxBatch } = this;
    if (n > maxBatch) throw new Error(`a batch of ${n} rows is larger than the ${maxBatch} this maker was made for`);
    const arrays = this.free.pop() ?? {
      x: new Float32Array(maxBatch * rowSize),
      y: new Int32Array(maxBatch),
      t: split.target ? new Float32Array(maxBatch * targetSize) : undefined,
    };
    const { x, y, t } = arrays;
    for (let i = 0; i < n; i++) {
      const row = order[start + i];
      decodeInto(split, row * rowSize, rowSize, x, i * rowSize);
      y[i] = split.y[row];
      if (t) t.set(split.target!.subarray(row * targetSize, (row + 1) * targetSize), i * targetSize);
    }
    let released = false;
    return {
      x: this.tf.tensor(x.subarray(0, n * rowSize), [n, ...this.sampleShape], 'float32'),
      labels: this.tf.tensor1d(y.subarray(0, n), 'int32'),
      ...(t ? { target: this.tf.tensor2d(t.subarray(0, n * targetSize), [n, targetSize]) } : {}),
      release: () => {
        if (!released) this.free.push(arrays);
        released = true;
      },
    };
  }
}

/**
 * A split's batches in order, each made when the loop reaches it and disposed when the loop moves
 * on (or leaves): a pass over the test set holds one batch, not the split, in the backend's memory.
 */
export class SplitBatches implements Iterable<Batch> {
  private readonly maker: BatchMaker;
  private readonly order: Uint32Array;

  constructor(
    private readonly tf: TF,
    private readonly split: Split,
    sampleShape: number[],
    private readonly batchSize: number,
  ) {
    this.maker = new BatchMaker(tf, split, sampleShape, batchSize);
    this.order = Uint32Array.from({ length: split.count }, (_, i) => i);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const { split, batchSize } = this;
    for (let start = 0; start < split.count; start += batchSize) {
      const batch = this.maker.make(this.order, start, Math.min(batchSize, split.count - start));
      try {
        yield batch;
      } finally {
        disposeBatch(this.tf, batch);
      }
    }
  }
}

/** A split as fixed batches in order, all made at once (for a caller that keeps them). */
export function fixedBatches(tf: TF, split: Split, sampleShape: number[], batchSize: number): Batch[] {
  const maker = new BatchMaker(tf, split, sampleShape, batchSize);
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  const batches: Batch[] = [];
  for (let start = 0; start < split.count; start += batchSize) batches.push(maker.make(order, start, Math.min(batchSize, split.count - start)));
  return batches;
}
