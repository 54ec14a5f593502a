// The backend kind of plugin (see kinds.ts for the others): what a backend is, what it loads, and
// the facts about it the rest of trainyard needs (auto's order, its device, its memory costs).
import type { Plugin, TF } from './kinds.js';
import type { AdapterFacts } from '../run-log/types.js';


/**
 * What a backend costs in memory beyond the model: measured figures (the memory estimate's
 * constants, src/config/estimate.ts), kept as data so that the estimate stays pure arithmetic.
 */
/** Where a backend keeps its tensors, which decides how their memory shows in the process's RSS. */
export type TensorStore =
  /** A WebAssembly heap per worker thread: grows to the trial's peak of live tensors, never shrinks, at most 4 GB. */
  | 'wasm-heap'
  /** JavaScript typed arrays: a disposed tensor's memory is freed when V8 next collects garbage. */
  | 'js'
  /** libtensorflow's own allocator (tfjs-node). */
  | 'native';

export interface MemoryProfile {
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
  /** The fused one-pass optimizer updates (src/kernels/) run on this backend. */
  fusedUpdates: boolean;
}


export interface BackendAttempt {
  name: string;
  error: string;
}

export interface LoadedBackend {
  tf: TF;
  /** The backend that runs, e.g. 'wasm'. */
  name: string;
  /** Backends tried before it and why they could not run. */
  tried: BackendAttempt[];
  /** On a GPU backend: the adapter it runs on (metrics.json environment.adapter). */
  adapter?: AdapterFacts;
}

export interface BackendLoadContext {
  backends: { get(name: string): BackendPlugin; list(): BackendPlugin[] };
  /** Set when auto tries it: a backend refuses what auto should not pick (webgpu: a software adapter). */
  auto?: boolean;
}

export interface BackendPlugin<P = any> extends Plugin<P> {
  /** Loads TF.js on this backend; throws an Error that says what it needs when it cannot. */
  load(ctx: BackendLoadContext): Promise<LoadedBackend>;
  /** Where `auto` tries it: highest first; without one, auto never picks it. */
  priority?: number;
  /** What it computes on, for people and for the choice of workers. */
  device?: 'cpu' | 'gpu';
  /**
   * How many trials pay to train at once on it, with `cores` CPU cores: one per core (and one more)
   * for backends that compute on one thread per TF.js instance; 1 for one that uses every core or a GPU.
   */
  parallelTrials?(cores: number): number;
  /** Its memory costs, for the estimate; absent: cpu's, counted as not calibrated. */
  memory?: MemoryProfile;
  /**
   * How fast one trial trains on it, for the time estimate: floating-point operations a second of
   * one trial (one thread for per-thread backends, the machine for the others) and the fixed cost
   * of a step. Rough figures from the lecture's MLP on this project's 2-core machine.
   */
  speed?: { flopsPerSecond: number; secondsPerStep: number };
}

