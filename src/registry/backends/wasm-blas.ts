import { defineBackend } from '../kinds.js';
import { activate, importTfjs, reason } from './load.js';
import { wasmMemory } from './memory.js';
import { registerKernels } from '../../kernels/index.js';
import { installWasmBlasBackend, openBlas } from '../../kernels/blas/index.js';

export default defineBackend<Record<string, never>>({
  type: 'wasm-blas',
  summary: 'wasm, with matrix products on the system\'s OpenBLAS (apt-get install libopenblas0-pthread; TRAINYARD_BLAS names another CBLAS)',
  params: { type: 'object', properties: {}, additionalProperties: false },
  priority: 30,
  memory: wasmMemory(110, 50),
  device: 'cpu',
  // Rough, per trial thread: the lecture on Fashion-MNIST, three trials on two cores in 44 s with OpenBLAS on its SkylakeX kernels (2026-12-02).
  speed: { flopsPerSecond: 50e9, secondsPerStep: 1e-3 },
  // One thread per TF.js instance: trials in parallel workers use the cores (one more than cores measured fastest).
  parallelTrials: (cores) => cores + 1,
  async load() {
    const { sgemm } = await openBlas();
    try {
      const tf = await importTfjs();
      await import('@tensorflow/tfjs-backend-wasm');
      registerKernels(tf, 'wasm-blas', () => installWasmBlasBackend(tf, 'wasm-blas', sgemm));
      await activate(tf, 'wasm-blas');
      return { tf, name: 'wasm-blas', tried: [] };
    } catch (error) {
      throw new Error(`${reason(error)}. It needs @tensorflow/tfjs-backend-wasm, which ships its binary in the package.`);
    }
  },
});
