// The kernels of TF.js's WebGPU backend that plugins may use. Dispatches per step are what they
// cut (each one is a pipeline launch and a pass over memory on a GPU; bench/dispatches.ts counts).
import type * as tfjs from '@tensorflow/tfjs';
import type { Kernels } from '../index.js';
import { fusedUpdate, registerWebgpuUpdateKernels } from './updates.js';
import { registerWebgpuCrossEntropyKernels, softmaxCrossEntropy } from './cross-entropy.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/**
 * act(x·W + b) as TF.js's own fused product (its tiled WGSL matMul with the bias and ReLU in its
 * epilogue: one dispatch). tf.fused.matMul falls back to three (product, add, relu) whenever
 * gradients are being recorded; the dense layer supplies its own gradient, so it asks for the
 * kernel directly.
 */
const denseForward = (tf: TF) => (x: Tensor, w: Tensor, b: Tensor | null, relu: boolean): Tensor =>
  tf.engine().runKernel('_FusedMatMul', { a: x, b: w, ...(b ? { bias: b } : {}) }, { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear' }) as Tensor;

export function installWebgpuKernels(tf: TF): Kernels {
  registerWebgpuUpdateKernels(tf);
  registerWebgpuCrossEntropyKernels(tf);
  return { denseForward: denseForward(tf), fusedUpdate: fusedUpdate(tf), softmaxCrossEntropy: softmaxCrossEntropy(tf) };
}
