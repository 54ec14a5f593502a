// The memory a run needs, estimated from the data facts, the model's shapes and the backend's
// measured costs (pure: no TF.js): the process (Node, TF.js, the data once in shared memory and what
// loading it leaves behind), then per worker thread its own TF.js and the heap of its largest trial.
import type { Registries } from '../registry/index.js';
import type { DataFacts } from '../registry/kinds.js';
import { heapBytes, memoryProfile, type MemoryProfile, type TensorStore } from './memory-profile.js';
import { trialMemory, type TrialMemory } from './trial-memory.js';
import type { Experiment } from './types.js';

export { stateBuffers, UNKNOWN_STATE_BUFFERS } from './trial-memory.js';
export { memoryProblem, heapProblem, formatBytes } from './memory-problems.js';

const FLOAT = 4;
export const MB = 1024 * 1024;
/** limits.memoryMB when the file does not set it. */
export const DEFAULT_MEMORY_MB = 8192;

export interface SplitEstimate {
  samples: number;
  /** Inputs (float32), labels (one byte each) and value targets (float32). */
  bytes: number;
}

/** One optimizer's trials in a worker thread. */
export interface TrialEstimate {
  optimizer: string;
  /** Trials of the plan with this optimizer (one per seed). */
  trials: number;
  stepCopies: number;
  /** Its peak of live tensors. */
  liveBytes: number;
  /** What a worker thread training it needs: its runtime, its heap beyond the initial one, checkpoint copies. */
  workerBytes: number;
}

/** plan.json `estimates`: what the run needs in memory, in bytes. */
export interface MemoryEstimate {
  /** The backend the figures are for (`auto` counts as wasm-blas until the run has loaded one). */
  backend: string;
  /** Whether that backend's costs were measured (false: reasoned, not calibrated). */
  calibrated: boolean;
  /** Trainable parameters of one copy of the model. */
  parametersPerTrial: number;
  /** The largest trial's peak of live tensors (weights, gradients, optimizer state and temporaries, activations, batches). */
  bytesPerTrial: number;
  /** Every split once (worker threads share the data). */
  dataBytes: number;
  /** The smallest run, one worker thread: process.bytes + the largest trial's workerBytes. */
  totalBytes: number;
  /** limits.memoryMB in bytes: a run above it is refused (one worker at inspect; the chosen count before training). */
  limitBytes: number;
  /** The largest trial, part by part (see TrialMemory). */
  perTrial: {
    parameterBytes: number;
    stateBuffers: number;
    stepCopies: number;
    trainingActivationBytes: number;
    trainingBatchBytes: number;
    evaluationActivationBytes: number;
    evaluationBatchBytes: number;
  };
  splits: { train: SplitEstimate; validation?: SplitEstimate; test: SplitEstimate };
  /** Once per process: Node, trainyard and the main thread's TF.js (baseBytes), the data, and the garbage loading it leaves (loadingBytes). */
  process: { baseBytes: number; dataBytes: number; loadingBytes: number; bytes: number };
  /** Per worker thread: its TF.js and backend instance, its heap (live tensors × heapFactor + heapOverheadBytes), the largest heap it may have. */
  worker: { runtimeBytes: number; tensors: TensorStore; heapFactor: number; heapOverheadBytes: number; heapInitialBytes: number; heapLimitBytes?: number };
  /** Each optimizer's trials, the largest first. */
  optimizers: TrialEstimate[];
  /** Trials of the plan (seeds x optimizers x sweep points); set when the plan is made. */
  trials?: number;
  /** A rough estimate of the run's training time in seconds (see estimate-time.ts); set when the plan is made. */
  seconds?: number;
  /** Set by a run when it has chosen its worker threads: their count and runBytes for it. */
  workers?: number;
  runBytes?: number;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Dataset plugins that read MNIST-format files (gzipped IDX). */
const IDX_DATASETS = new Set(['idx', 'mnist', 'fashion-mnist', 'kmnist']);
/** Transforms that keep the inputs they are given (the rest write new arrays and drop the old ones). */
const KEEPING_TRANSFORMS = new Set(['flatten', 'oneHot']);

/**
 * Whether the inputs stay bytes in memory (util/split-values.ts): an IDX dataset's pixels, through
 * transforms that take them coded (scale, normalize, flatten, oneHot); any other transform decodes them.
 */
function codedInputs(config: Experiment, registries: Registries): boolean {
  return IDX_DATASETS.has(config.dataset.type) && config.dataset.transforms.every((t) => registries.transforms.has(t.type) && registries.transforms.get(t.type).takesCodedInputs === true);
}

/**
 * What loading the data leaves in the main thread until V8 next collects garbage, which it may not
 * do before training ends (the main thread allocates little then): the mnist package's 21 MB of
 * JSON parsed into 7.8 million numbers (measured 128 MB, whatever the split sizes); an IDX file's
 * inflated chunks (measured 0.6 bytes per pixel beside the pixels themselves, 2026-12-02); one copy
 * of the data for other datasets. A validation hold-out copies the training set; a transform drops its inputs.
 */
function loadingBytes(config: Experiment, registries: Registries, facts: DataFacts, dataBytes: number, inputBytes: number): number {
  const samples = facts.trainSize + (facts.validationSize ?? 0) + facts.testSize;
  const type = config.dataset.type;
  let bytes = type === 'mnist-bundled' ? 128 * MB : IDX_DATASETS.has(type) ? samples * size(facts.sampleShape) * 0.6 : dataBytes;
  if (facts.validationSize) bytes += (facts.trainSize + facts.validationSize) * size(facts.sampleShape) * inputBytes;
  // On coded inputs, scale and normalize rewrite only the 256 codes.
  const coded = inputBytes === 1;
  const rewriting = config.dataset.transforms.filter((t) => !KEEPING_TRANSFORMS.has(t.type) && !(coded && registries.transforms.has(t.type) && registries.transforms.get(t.type).takesCodedInputs)).length;
  return Math.round(bytes + rewriting * samples * size(facts.sampleShape) * FLOAT);
}

/** A worker thread training `trial` on this backend: its runtime, its heap above the initial one, the checkpoint's copies. */
function workerBytesFor(profile: MemoryProfile, trial: TrialMemory): number {
  const heap = heapBytes(profile, trial.liveBytes) - profile.heapInitialBytes;
  return Math.round(profile.workerBytes + heap + profile.checkpointCopies * trial.checkpointBytes);
}

/** The memory estimate of a plan on a backend (default: the config's): pure arithmetic on the facts (see MemoryEstimate). */
export function estimateMemory(config: Experiment, registries: Registries, facts: DataFacts, backend: string = config.backend.type): MemoryEstimate {
  const profile = memoryProfile(backend, registries);
  // Bytes an input value takes in the shared data: 1 while it stays coded, else float32.
  const inputBytes = codedInputs(config, registries) ? 1 : FLOAT;
  const perSample = size(facts.sampleShape) * inputBytes + 1 + (facts.targetShape ? size(facts.targetShape) * FLOAT : 0);
  const split = (samples: number): SplitEstimate => ({ samples, bytes: samples * perSample });
  const splits = {
    train: split(facts.trainSize),
    ...(facts.validationSize ? { validation: split(facts.validationSize) } : {}),
    test: split(facts.testSize),
  };
  const dataBytes = splits.train.bytes + (splits.validation?.bytes ?? 0) + splits.test.bytes;
  const trials = trialMemory(config, registries, facts, profile.fusedUpdates)
    .map((trial) => ({ trial, workerBytes: workerBytesFor(profile, trial) }))
    .sort((a, b) => b.workerBytes - a.workerBytes);
  const largest = trials[0]!.trial;
  const process = { baseBytes: profile.processBytes, dataBytes, loadingBytes: loadingBytes(config, registries, facts, dataBytes, inputBytes), bytes: 0 };
  process.bytes = process.baseBytes + process.dataBytes + process.loadingBytes;
  return {
    backend: profile.backend,
    calibrated: profile.calibrated,
    parametersPerTrial: largest.parameters,
    bytesPerTrial: largest.liveBytes,
    dataBytes,
    totalBytes: process.bytes + trials[0]!.workerBytes,
    limitBytes: (config.limits?.memoryMB ?? DEFAULT_MEMORY_MB) * MB,
    perTrial: {
      parameterBytes: largest.parameterBytes,
      stateBuffers: largest.stateBuffers,
      stepCopies: largest.stepCopies,
      trainingActivationBytes: largest.trainingActivationBytes,
      trainingBatchBytes: largest.trainingBatchBytes,
      evaluationActivationBytes: largest.evaluationActivationBytes,
      evaluationBatchBytes: largest.evaluationBatchBytes,
    },
    splits,
    process,
    worker: {
      runtimeBytes: profile.workerBytes,
      tensors: profile.tensors,
      heapFactor: profile.heapFactor,
      heapOverheadBytes: profile.heapOverheadBytes,
      heapInitialBytes: profile.heapInitialBytes,
      ...(profile.heapLimitBytes !== undefined ? { heapLimitBytes: profile.heapLimitBytes } : {}),
    },
    optimizers: trials.map(({ trial, workerBytes }) => ({ optimizer: trial.optimizer, trials: trial.trials, stepCopies: trial.stepCopies, liveBytes: trial.liveBytes, workerBytes })),
  };
}

/**
 * The run with `workers` worker threads: the process once, plus the workers. A worker's heap never
 * shrinks, so each holds the largest trial it has trained; the workers have trained different trials,
 * so together they hold at most the `workers` largest of the plan.
 */
export function runBytes(estimate: MemoryEstimate, workers: number): number {
  let bytes = estimate.process.bytes;
  let left = workers;
  for (const trial of estimate.optimizers) {
    const n = Math.min(left, trial.trials);
    bytes += n * trial.workerBytes;
    left -= n;
    if (left === 0) break;
  }
  return bytes;
}

/** The largest worker count from 1 to atMost whose run fits limitBytes; 0 when not even one does. */
export function workersThatFit(estimate: MemoryEstimate, atMost: number): number {
  let n = 0;
  while (n < atMost && runBytes(estimate, n + 1) <= estimate.limitBytes) n++;
  return n;
}
