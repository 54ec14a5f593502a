// The memory figures of the built-in backends (BackendPlugin.memory), measured on this project's
// 2-core machines with Node 20, TF.js 4.22 and the CLI's peakRssMB (the process's max RSS),
// 2026-12-01; see the README's memory paragraph.
import type { MemoryProfile } from '../kinds.js';

const MB = 1024 * 1024;

/** TF.js's wasm backends: emscripten's getHeapMax() (4 GB less one 64 KB page). */
export const WASM_HEAP_LIMIT = 4294901760;

/** wasm and wasm-blas: a heap per worker that grows to the peak of live tensors and never shrinks. */
export const wasmMemory = (processMB: number, workerMB: number): MemoryProfile => ({
  calibrated: true,
  processBytes: processMB * MB,
  workerBytes: workerMB * MB,
  tensors: 'wasm-heap',
  heapFactor: 1.15,
  heapOverheadBytes: 25 * MB,
  heapInitialBytes: 16 * MB,
  heapLimitBytes: WASM_HEAP_LIMIT,
  checkpointCopies: 1.5,
  fusedUpdates: true,
});

export const cpuMemory: MemoryProfile = {
  calibrated: true,
  processBytes: 100 * MB,
  workerBytes: 50 * MB,
  tensors: 'js',
  // Measured below 1: the peak's RSS was 0.86 of its live tensors (tf.memory()) for Adam's step.
  heapFactor: 0.9,
  heapOverheadBytes: 0,
  heapInitialBytes: 0,
  checkpointCopies: 1,
  fusedUpdates: false,
};

/**
 * Not measured (tfjs-node cannot install here): libtensorflow's CPU build mapped and started in the
 * main thread and again in the one worker, tensors in its allocator, every update as separate ops;
 * the GPU build adds CUDA's and cuDNN's libraries and context in host memory (its tensors live on
 * the GPU; counting them in host memory too keeps the estimate on the safe side).
 */
export const nativeMemory = (processMB: number, workerMB: number): MemoryProfile => ({
  calibrated: false,
  processBytes: processMB * MB,
  workerBytes: workerMB * MB,
  tensors: 'native',
  heapFactor: 1.2,
  heapOverheadBytes: 0,
  heapInitialBytes: 0,
  checkpointCopies: 1.5,
  fusedUpdates: false,
});

/**
 * TF.js's WebGPU backend: tensors in GPU buffers (the device's memory, not the process's), read
 * back through staging buffers; the process holds Dawn, the Vulkan driver and TF.js. Reasoned, not
 * calibrated: on lavapipe the "GPU" memory is host memory, which a GPU would not count.
 */
export const gpuMemory: MemoryProfile = {
  calibrated: false,
  processBytes: 200 * MB,
  workerBytes: 150 * MB,
  tensors: 'native',
  heapFactor: 1.2,
  heapOverheadBytes: 0,
  heapInitialBytes: 0,
  checkpointCopies: 1.5,
  fusedUpdates: true,
};
