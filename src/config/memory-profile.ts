// What a backend costs in memory beyond the model: measured figures (the estimate's constants), kept
// as data so that the estimate stays pure arithmetic. Measured on this project's 2-core machines with
// Node 20, TF.js 4.22 and the CLI's peakRssMB (the process's max RSS), 2026-12-01; see the README.
const MB = 1024 * 1024;

/** Where a backend keeps its tensors, which decides how their memory shows in the process's RSS. */
export type TensorStore =
  /** A WebAssembly heap per worker thread: grows to the trial's peak of live tensors, never shrinks, at most 4 GB. */
  | 'wasm-heap'
  /** JavaScript typed arrays: a disposed tensor's memory is freed when V8 next collects garbage. */
  | 'js'
  /** libtensorflow's own allocator (tfjs-node). */
  | 'native';

export interface MemoryProfile {
  /** The backend the figures are for. */
  backend: string;
  /** Whether the figures were measured on this backend (false: reasoned, not calibrated). */
  calibrated: boolean;
  /** The process without data or workers: Node, trainyard's modules, and the main thread's TF.js with this backend loaded. */
  processBytes: number;
  /** One more worker thread with its own TF.js and backend instance, and the garbage its training leaves between collections. */
  workerBytes: number;
  tensors: TensorStore;
  /**
   * A trial's heap: heapFactor × its peak of live tensors + heapOverheadBytes, for the heap's growth
   * steps and fragmentation (wasm) or the garbage not yet collected (js).
   */
  heapFactor: number;
  heapOverheadBytes: number;
  /** The heap a worker starts with (wasm: 16 MB); a trial smaller than it costs nothing more. */
  heapInitialBytes: number;
  /** The largest heap one worker thread can have, when the backend has such a bound. */
  heapLimitBytes?: number;
  /**
   * Copies of the weights and state a checkpoint leaves as JavaScript garbage at the peak: wasm and
   * native read them out (a copy), then trainyard copies and packs them (two more), about half of
   * which were measured still uncollected; cpu hands out its own arrays, so one copy fewer.
   */
  checkpointCopies: number;
  /** The one-pass SGD and Adam updates (src/registry/optimizers/fused.ts) run on this backend. */
  fusedUpdates: boolean;
}

/** TF.js's wasm backends: emscripten's getHeapMax() (4 GB less one 64 KB page). */
export const WASM_HEAP_LIMIT = 4294901760;

const wasm = (backend: string, processMB: number, workerMB: number): MemoryProfile => ({
  backend,
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

const PROFILES: Record<string, MemoryProfile> = {
  'wasm-blas': wasm('wasm-blas', 110, 50),
  wasm: wasm('wasm', 110, 50),
  cpu: {
    backend: 'cpu',
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
  },
  // Not measured (tfjs-node cannot install here): libtensorflow's CPU build mapped and started in the
  // main thread and again in the one worker, tensors in its allocator, every update as separate ops.
  tensorflow: {
    backend: 'tensorflow',
    calibrated: false,
    processBytes: 400 * MB,
    workerBytes: 150 * MB,
    tensors: 'native',
    heapFactor: 1.2,
    heapOverheadBytes: 0,
    heapInitialBytes: 0,
    checkpointCopies: 1.5,
    fusedUpdates: false,
  },
  // As tensorflow, plus CUDA's and cuDNN's libraries and context in host memory. The tensors live on
  // the GPU; counting them in host memory too keeps the estimate on the safe side.
  'tensorflow-gpu': {
    backend: 'tensorflow-gpu',
    calibrated: false,
    processBytes: 1400 * MB,
    workerBytes: 600 * MB,
    tensors: 'native',
    heapFactor: 1.2,
    heapOverheadBytes: 0,
    heapInitialBytes: 0,
    checkpointCopies: 1.5,
    fusedUpdates: false,
  },
};

/**
 * `backend: auto` before it has chosen: the figures of wasm-blas, what auto picks where the native
 * builds cannot install. The run estimates again for the backend that loaded before it trains.
 */
const AUTO = 'wasm-blas';

/** The figures for a backend; a backend trainyard does not know (a plugin) gets cpu's, marked not calibrated. */
export function memoryProfile(backend: string): MemoryProfile {
  const known = PROFILES[backend === 'auto' ? AUTO : backend];
  return known ?? { ...PROFILES.cpu!, backend, calibrated: false };
}

/** The heap one trial needs on this backend: what must fit heapLimitBytes. */
export const heapBytes = (profile: Pick<MemoryProfile, 'heapFactor' | 'heapOverheadBytes' | 'heapInitialBytes'>, liveBytes: number): number =>
  Math.round(Math.max(profile.heapInitialBytes, liveBytes * profile.heapFactor + profile.heapOverheadBytes));
