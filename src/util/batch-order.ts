// A given batch order (training.order): a .npy of integers [epochs, trainSize], row e the indices
// of the training samples in epoch e+1's order (torch: the randperm a DataLoader's sampler drew).
import { readNpyIntegers } from './npy.js';

/** Why an order cannot drive this run, or undefined. */
export function orderShapeProblem(shape: number[], values: ArrayLike<number>, epochs: number, trainSize: number): string | undefined {
  if (shape.length !== 2 || shape[0]! < epochs || shape[1] !== trainSize) {
    return `a batch order must be [epochs, trainSize] = [${epochs}, ${trainSize}] (or more rows), one row of training-sample indices per epoch; this one is [${shape.join(', ')}]`;
  }
  for (let i = 0; i < shape[0]! * trainSize; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v < trainSize)) return `row ${Math.floor(i / trainSize)}, column ${i % trainSize}: index ${v} is outside the training set (0 to ${trainSize - 1})`;
  }
  return undefined;
}

/** The order's rows for the run's epochs; an Error naming the file says what is wrong. */
export async function readBatchOrder(file: string, epochs: number, trainSize: number): Promise<Uint32Array[]> {
  const { shape, values } = await readNpyIntegers(file);
  const problem = orderShapeProblem(shape, values, epochs, trainSize);
  if (problem) throw new Error(`${file}: ${problem}`);
  return Array.from({ length: epochs }, (_, e) => Uint32Array.from(values.subarray(e * trainSize, (e + 1) * trainSize)));
}
