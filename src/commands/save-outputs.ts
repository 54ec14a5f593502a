// evaluate --save-predictions / --save-targets: the model's outputs on the test set, and what they
// are compared with, as NumPy .npy files.
import { resolve } from 'node:path';
import type { DataFacts, Split, TF } from '../registry/kinds.js';
import type { Model } from '../runner/model.js';
import type { Batch } from '../runner/batches.js';
import { writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { npyBytes } from '../util/npy.js';

/** The outputs of `model` over the batches in order, as one float32 array [N, ...output shape]. */
export async function predictions(tf: TF, model: Model, batches: readonly Batch[]): Promise<{ data: Float32Array; shape: number[] }> {
  const parts: Float32Array[] = [];
  let shape: number[] = [0];
  for (const batch of batches) {
    const output = tf.tidy(() => model.apply(batch.x, false));
    shape = output.shape;
    parts.push(Float32Array.from((await output.data()) as Float32Array));
    output.dispose();
  }
  const count = batches.reduce((n, b) => n + b.x.shape[0]!, 0);
  const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return { data, shape: [count, ...shape.slice(1)] };
}

/** The test split's value targets (float32 [N, ...target shape]) or class labels (int32 [N]). */
export function targets(split: Split, facts: DataFacts): { data: Float32Array | Int32Array; shape: number[] } {
  if (split.target) return { data: split.target, shape: [split.count, ...(facts.targetShape ?? [split.target.length / split.count])] };
  return { data: Int32Array.from(split.y), shape: [split.count] };
}

export async function writeNpy(file: string, option: string, array: { data: Float32Array | Int32Array; shape: number[] }): Promise<string> {
  const path = resolve(file);
  try {
    await writeFileAtomic(path, npyBytes(array.data, array.shape));
  } catch (error) {
    throw new UserError(`${option} ${file}: cannot be written: ${(error as Error).message}`);
  }
  return path;
}
