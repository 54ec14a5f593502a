// The memory a plan needs, estimated from the data facts and the model's shapes (pure: no TF.js),
// and the resource guard that refuses a plan over limits.memoryMB before anything is loaded.
import type { Registries } from '../registry/index.js';
import type { DataFacts } from '../registry/kinds.js';
import type { Path, Problem } from '../util/errors.js';
import type { Experiment, PluginSpec } from './types.js';

const FLOAT = 4;
export const MB = 1024 * 1024;
/** limits.memoryMB when the file does not set it. */
export const DEFAULT_MEMORY_MB = 8192;

export interface SplitEstimate {
  samples: number;
  /** Inputs (float32), labels (one byte each) and value targets (float32). */
  bytes: number;
}

/** plan.json `estimates`: what one trial and the data need in memory, in bytes. */
export interface MemoryEstimate {
  /** Trainable parameters of one copy of the model. */
  parametersPerTrial: number;
  /** The largest trial: weights + gradients + optimizer state, plus the activations of one training and one evaluation batch. */
  bytesPerTrial: number;
  /** Every split once (worker threads share the data). */
  dataBytes: number;
  /** dataBytes + bytesPerTrial: what the smallest run needs; each further trial training at once adds bytesPerTrial. */
  totalBytes: number;
  /** limits.memoryMB in bytes: a plan with totalBytes above it is refused. */
  limitBytes: number;
  /** bytesPerTrial, part by part. */
  perTrial: { parameterBytes: number; stateBuffers: number; trainingActivationBytes: number; evaluationActivationBytes: number };
  splits: { train: SplitEstimate; validation?: SplitEstimate; test: SplitEstimate };
}

/**
 * Per-parameter state buffers of the built-in optimizers (torch.optim's state: SGD's momentum
 * buffer, Adam's exp_avg and exp_avg_sq, and max_exp_avg_sq with amsgrad, ...). Others count as 2.
 */
const STATE_BUFFERS: Record<string, (p: PluginSpec) => number> = {
  sgd: (p) => (Number(p.momentum) > 0 ? 1 : 0),
  adam: (p) => (p.amsgrad ? 3 : 2),
  adamw: (p) => (p.amsgrad ? 3 : 2),
  adamax: () => 2,
  nadam: () => 2,
  radam: () => 2,
  adadelta: () => 2,
  adagrad: () => 1,
  rmsprop: (p) => 1 + (Number(p.momentum) > 0 ? 1 : 0) + (p.centered ? 1 : 0),
};
export const UNKNOWN_STATE_BUFFERS = 2;

export const stateBuffers = (optimizer: PluginSpec): number => STATE_BUFFERS[optimizer.type]?.(optimizer) ?? UNKNOWN_STATE_BUFFERS;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

interface ModelFacts {
  parameters: number;
  /** Values per sample in the input and every layer's output. */
  activations: number;
  /** The layer holding the most parameters, and the one with the widest output. */
  heaviest?: number;
  widest?: number;
}

/** Parameters and activation sizes, layer by layer; expects shapes that inspect has checked. */
function modelFacts(config: Experiment, registries: Registries, inputShape: number[]): ModelFacts {
  const facts: ModelFacts = { parameters: 0, activations: size(inputShape) };
  let shape = inputShape;
  let most = 0;
  let widest = 0;
  config.model.layers.forEach(({ type, ...params }, i) => {
    const layer = registries.layers.get(type);
    const parameters = layer.parameters?.(params, shape) ?? 0;
    shape = layer.outputShape(params, shape);
    facts.parameters += parameters;
    facts.activations += size(shape);
    if (parameters > most) [most, facts.heaviest] = [parameters, i];
    if (size(shape) > widest) [widest, facts.widest] = [size(shape), i];
  });
  return facts;
}

/** The memory estimate of a plan: pure arithmetic on the facts (see MemoryEstimate). */
export function estimateMemory(config: Experiment, registries: Registries, facts: DataFacts): MemoryEstimate {
  const model = modelFacts(config, registries, facts.sampleShape);
  const perSample = size(facts.sampleShape) * FLOAT + 1 + (facts.targetShape ? size(facts.targetShape) * FLOAT : 0);
  const split = (samples: number): SplitEstimate => ({ samples, bytes: samples * perSample });
  const splits = {
    train: split(facts.trainSize),
    ...(facts.validationSize ? { validation: split(facts.validationSize) } : {}),
    test: split(facts.testSize),
  };
  const dataBytes = splits.train.bytes + (splits.validation?.bytes ?? 0) + splits.test.bytes;
  const buffers = Math.max(...config.optimizers.map(stateBuffers));
  const parameterBytes = model.parameters * (2 + buffers) * FLOAT;
  // Forward values and their gradients for a training batch; forward values only when evaluating.
  const trainingActivationBytes = Math.min(config.training.batchSize, facts.trainSize) * model.activations * FLOAT * 2;
  const evaluated = Math.max(facts.testSize, facts.validationSize ?? 0);
  const evaluationActivationBytes = Math.min(config.training.evalBatchSize, evaluated) * model.activations * FLOAT;
  const bytesPerTrial = parameterBytes + trainingActivationBytes + evaluationActivationBytes;
  return {
    parametersPerTrial: model.parameters,
    bytesPerTrial,
    dataBytes,
    totalBytes: dataBytes + bytesPerTrial,
    limitBytes: (config.limits?.memoryMB ?? DEFAULT_MEMORY_MB) * MB,
    perTrial: { parameterBytes, stateBuffers: buffers, trainingActivationBytes, evaluationActivationBytes },
    splits,
  };
}

/** '1.2 GB', '340 MB', '12 KB' (binary units, as limits.memoryMB). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * MB) return `${(bytes / (1024 * MB)).toFixed(1)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(bytes >= 100 * MB ? 0 : 1)} MB`;
  return `${Math.ceil(bytes / 1024)} KB`;
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The resource guard: a plan whose estimate exceeds limits.memoryMB is refused, with the figures,
 * at the key that drives the largest part (the heaviest layer's units, batchSize, evalBatchSize or the dataset).
 */
export function memoryProblem(config: Experiment, registries: Registries, facts: DataFacts, estimate: MemoryEstimate): Problem | undefined {
  if (estimate.totalBytes <= estimate.limitBytes) return undefined;
  const model = modelFacts(config, registries, facts.sampleShape);
  const { parameterBytes, stateBuffers: buffers, trainingActivationBytes, evaluationActivationBytes } = estimate.perTrial;
  const parts = [
    `weights, gradients and ${buffers} optimizer state buffer${buffers === 1 ? '' : 's'} ${formatBytes(parameterBytes)} (${count(estimate.parametersPerTrial)} parameters × ${2 + buffers} copies × 4 bytes)`,
    `training activations ${formatBytes(trainingActivationBytes)} (batchSize ${count(config.training.batchSize)} × ${count(model.activations)} values × 4 bytes × 2)`,
    `evaluation activations ${formatBytes(evaluationActivationBytes)} (evalBatchSize ${count(config.training.evalBatchSize)})`,
    `data ${formatBytes(estimate.dataBytes)} (${count(estimate.splits.train.samples + (estimate.splits.validation?.samples ?? 0) + estimate.splits.test.samples)} samples)`,
  ];
  const largest = Math.max(parameterBytes, trainingActivationBytes, evaluationActivationBytes, estimate.dataBytes);
  let path: Path;
  let advice: string;
  if (largest === parameterBytes && model.heaviest !== undefined) {
    const layer = config.model.layers[model.heaviest];
    path = 'units' in layer ? ['model', 'layers', model.heaviest, 'units'] : ['model', 'layers', model.heaviest];
    advice = `this layer holds the most parameters: make it smaller`;
  } else if (largest === trainingActivationBytes) {
    path = ['training', 'batchSize'];
    advice = `use a smaller batchSize${model.widest !== undefined ? ` or narrower layers (the widest is model.layers[${model.widest}])` : ''}`;
  } else if (largest === evaluationActivationBytes) {
    path = ['training', 'evalBatchSize'];
    advice = 'use a smaller evalBatchSize';
  } else {
    path = ['dataset'];
    advice = 'use fewer or smaller samples';
  }
  const limitMB = estimate.limitBytes / MB;
  return {
    path,
    message:
      `the plan needs about ${formatBytes(estimate.totalBytes)} of memory, more than limits.memoryMB allows (${count(limitMB)} MB): ` +
      `${parts.join(', ')}; ${advice}, or raise the limit (limits: {memoryMB: N}, or --set limits.memoryMB=N)`,
  };
}
