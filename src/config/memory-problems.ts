// The resource guards on the memory estimate, as located problems: a run whose smallest form (one
// worker thread) exceeds limits.memoryMB, and a trial too large for one wasm heap. Each points at the
// key that drives the largest part (the heaviest layer's units, batchSize, evalBatchSize, the dataset).
import type { Registries } from '../registry/index.js';
import type { DataFacts } from '../registry/kinds.js';
import type { Path, Problem } from '../util/errors.js';
import type { MemoryEstimate } from './estimate.js';
import { heapBytes } from './memory-profile.js';
import { modelFacts } from './trial-memory.js';
import type { Experiment } from './types.js';

const MB = 1024 * 1024;

/** '1.2 GB', '340 MB', '12 KB' (binary units, as limits.memoryMB). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / (1024 * MB)).toFixed(1)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(bytes >= 100 * MB ? 0 : 1)} MB`;
  return `${Math.ceil(bytes / 1024)} KB`;
}

const count = (n: number): string => n.toLocaleString('en-US');
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

type Part = 'parameters' | 'training' | 'evaluation' | 'batches' | 'data' | 'fixed';

/** The trial's parts in words, each with its figures. */
function trialParts(config: Experiment, estimate: MemoryEstimate, activations: number): [Part, number, string][] {
  const t = estimate.perTrial;
  const trainingBytes = t.trainingActivationBytes + t.trainingBatchBytes;
  return [
    ['parameters', t.parameterBytes, `weights, gradients, ${plural(t.stateBuffers, 'optimizer state buffer')} and the step's temporaries ${formatBytes(t.parameterBytes)} (${count(estimate.parametersPerTrial)} parameters × ${t.stepCopies} copies × 4 bytes)`],
    ['training', trainingBytes, `training activations ${formatBytes(trainingBytes)} (batchSize ${count(config.training.batchSize)} × ${count(activations)} values × 4 bytes × 3, and the batch)`],
    ['evaluation', t.evaluationActivationBytes, `evaluation activations ${formatBytes(t.evaluationActivationBytes)} (evalBatchSize ${count(config.training.evalBatchSize)})`],
    ['batches', t.evaluationBatchBytes, `an evaluation batch ${formatBytes(t.evaluationBatchBytes)} (evalBatchSize ${count(config.training.evalBatchSize)})`],
  ];
}

/** Where to point and what to advise, for the largest part. */
function drivingKey(config: Experiment, part: Part, heaviest: number | undefined, widest: number | undefined): { path: Path; advice: string } {
  if (part === 'parameters' && heaviest !== undefined) {
    const layer = config.model.layers[heaviest]!;
    return { path: 'units' in layer ? ['model', 'layers', heaviest, 'units'] : ['model', 'layers', heaviest], advice: 'this layer holds the most parameters: make it smaller' };
  }
  if (part === 'training') {
    return { path: ['training', 'batchSize'], advice: `use a smaller batchSize${widest !== undefined ? ` or narrower layers (the widest is model.layers[${widest}])` : ''}` };
  }
  if (part === 'evaluation') return { path: ['training', 'evalBatchSize'], advice: 'use a smaller evalBatchSize' };
  if (part === 'fixed') return { path: ['limits', 'memoryMB'], advice: 'most of it is Node and TF.js themselves' };
  return { path: ['dataset'], advice: part === 'batches' ? 'use a smaller test or validation set' : 'use fewer or smaller samples' };
}

const RAISE = 'raise the limit (limits: {memoryMB: N}, or --set limits.memoryMB=N)';

const largestOf = (parts: [Part, number, string][]): Part => parts.reduce((a, b) => (b[1] > a[1] ? b : a))[0];

/**
 * The guard inspect runs: a plan whose smallest run (one worker thread) exceeds limits.memoryMB is
 * refused, with the figures, at the key that drives the largest part.
 */
export function memoryProblem(config: Experiment, registries: Registries, facts: DataFacts, estimate: MemoryEstimate): Problem | undefined {
  if (estimate.totalBytes <= estimate.limitBytes) return undefined;
  const model = modelFacts(config, registries, facts.sampleShape);
  const { process, worker, splits } = estimate;
  const samples = splits.train.samples + (splits.validation?.samples ?? 0) + splits.test.samples;
  const trial = trialParts(config, estimate, model.activations);
  const heap = `${formatBytes(estimate.bytesPerTrial)} of live tensors (its heap ${formatBytes(heapBytes(worker, estimate.bytesPerTrial))})`;
  const words = [
    `Node and TF.js on ${estimate.backend} ${formatBytes(process.baseBytes)} and ${formatBytes(worker.runtimeBytes)} for the worker thread`,
    `data ${formatBytes(process.dataBytes)} (${count(samples)} samples) and ${formatBytes(process.loadingBytes)} that loading it leaves`,
    `the largest trial ${heap}: ${trial.map((p) => p[2]).join(', ')}`,
  ];
  const parts: [Part, number, string][] = [...trial, ['data', process.dataBytes + process.loadingBytes, ''], ['fixed', process.baseBytes + worker.runtimeBytes, '']];
  const part = largestOf(parts);
  const { path, advice } = drivingKey(config, part, model.heaviest, model.widest);
  return {
    path,
    message:
      `the plan needs about ${formatBytes(estimate.totalBytes)} of memory with one worker thread, more than limits.memoryMB allows (${count(estimate.limitBytes / MB)} MB): ` +
      `${words.join('; ')}; ${part === 'fixed' ? `${advice}: ${RAISE}` : `${advice}, or ${RAISE}`}`,
  };
}

/**
 * The guard a run applies once its backend has loaded: on a backend whose worker heap is bounded
 * (wasm: 4 GB), a trial whose heap would outgrow it is refused at the key that drives it.
 */
export function heapProblem(config: Experiment, registries: Registries, facts: DataFacts, estimate: MemoryEstimate): Problem | undefined {
  const limit = estimate.worker.heapLimitBytes;
  // The largest trial: estimate.perTrial describes it.
  const largest = estimate.optimizers[0];
  if (limit === undefined || !largest) return undefined;
  const heap = heapBytes(estimate.worker, largest.liveBytes);
  if (heap <= limit) return undefined;
  const model = modelFacts(config, registries, facts.sampleShape);
  const trial = trialParts(config, estimate, model.activations);
  const { path, advice } = drivingKey(config, largestOf(trial), model.heaviest, model.widest);
  return {
    path,
    message:
      `a trial (${largest.optimizer}) needs a heap of about ${formatBytes(heap)} on the ${estimate.backend} backend ` +
      `(${formatBytes(largest.liveBytes)} of live tensors, × ${estimate.worker.heapFactor} + ${formatBytes(estimate.worker.heapOverheadBytes)} for the heap's growth), more than the ${formatBytes(limit)} one worker thread's heap can grow to: ` +
      `${trial.map((p) => p[2]).join(', ')}; ${advice}, or use a backend without that bound (--backend cpu, or tensorflow where it installs)`,
  };
}
