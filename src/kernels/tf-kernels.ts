// Registering kernels with TF.js's own kernel registry, which is global and warns on a second
// registration under the same name and backend.
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;

/** Registers a TF.js kernel, replacing one registered before under the same name and backend. */
export function replaceKernel(tf: TF, config: tfjs.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}
