// The kernels of TF.js's wasm backends: what plugins may use on any backend whose tensors live on a
// wasm heap (wasm, wasm-blas), and plain wasm's fast matrix products.
import type * as tfjs from '@tensorflow/tfjs';
import type { Kernels } from '../index.js';
import { fusedUpdate, registerUpdateKernels } from './updates.js';
import { registerCrossEntropyKernels, softmaxCrossEntropy } from './cross-entropy.js';
import { registerExplicitTransposes } from './transposes.js';
import { batchMatMulProduct, registerConvKernels } from '../conv/kernels.js';
import { registerMaxPoolGrad } from '../conv/pool.js';

type TF = typeof tfjs;

/** Registers with TF.js the kernels on the heap of wasm backend `backendName`; returns what plugins may use. */
export function installHeapKernels(tf: TF, backendName: string, options: { inPlace: boolean }): Kernels {
  registerUpdateKernels(tf, backendName);
  registerCrossEntropyKernels(tf, backendName);
  return { fusedUpdate: fusedUpdate(tf, options.inPlace), softmaxCrossEntropy: softmaxCrossEntropy(tf) };
}

/** The kernels of TF.js's plain 'wasm' backend (after its package has loaded and registered its own). */
export function installWasmKernels(tf: TF): Kernels {
  registerExplicitTransposes(tf, 'wasm');
  // wasm has no Conv2DBackpropFilter; all three convolution kernels as im2col on its own products.
  registerConvKernels(tf, 'wasm', batchMatMulProduct(tf, 'wasm'));
  registerMaxPoolGrad(tf, 'wasm');
  // Its products run on XNNPACK, which caches packed weights by their memory: no updates in place.
  return installHeapKernels(tf, 'wasm', { inPlace: false });
}
