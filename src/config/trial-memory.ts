// What one trial holds on its backend at its peak: pure arithmetic on the model's shapes, the
// optimizer, and the data facts (the per-trial term of the memory estimate).
import type { Registries } from '../registry/index.js';
import type { DataFacts } from '../registry/kinds.js';
import type { Experiment, PluginSpec } from './types.js';

const FLOAT = 4;
/** Labels are int32 once they are tensors. */
const LABEL = 4;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Without the optimizer's own memory facts (a user's plugin that declares none): */
export const UNKNOWN_STATE_BUFFERS = 2;

const memoryOf = (optimizer: PluginSpec, registries: Registries) =>
  registries.optimizers.has(optimizer.type) ? registries.optimizers.get(optimizer.type).memory : undefined;

/** Per-parameter state buffers of an optimizer, as its plugin declares them. */
export const stateBuffers = (optimizer: PluginSpec, registries: Registries): number => memoryOf(optimizer, registries)?.stateBuffers(optimizer) ?? UNKNOWN_STATE_BUFFERS;

const on = (flag: unknown): number => (flag ? 1 : 0);

/**
 * Parameter-sized tensors during one step of `optimizer`. A fused one-pass update (a wasm backend's
 * kernel, for a rule that has one: the plugin says) holds the weights, gradients, old and new
 * buffers and one more; otherwise the rule runs as separate ops, which its plugin counts, with
 * weight decay and maximize adding their temporaries. Gradient clipping keeps its clipped copies
 * (and the squares of the norm) until the step ends.
 */
export function stepCopies(optimizer: PluginSpec, registries: Registries, fusedUpdates: boolean, training: Pick<Experiment['training'], 'clipGradNorm' | 'clipGradValue'>): number {
  const memory = memoryOf(optimizer, registries);
  const buffers = stateBuffers(optimizer, registries);
  const extras = on(training.clipGradValue !== undefined) + 2 * on(training.clipGradNorm !== undefined);
  if (fusedUpdates && memory?.fused?.(optimizer)) return 3 + 2 * buffers + extras;
  const ops = memory ? memory.stepCopies(optimizer) + 2 * on(Number(optimizer.weightDecay) > 0) + on(optimizer.maximize) : 4 + 6 * buffers;
  return ops + extras;
}

export interface ModelFacts {
  parameters: number;
  /** Values per sample in the layers' outputs that are tensors of their own (see ownsOutput). */
  activations: number;
  /** The layer holding the most parameters, and the one with the widest output. */
  heaviest?: number;
  widest?: number;
}

/**
 * Whether a layer's output is a tensor of its own: flatten only reshapes (TF.js shares the data), and
 * a relu right after a linear dense layer runs inside that layer's kernels (src/runner/model.ts).
 */
function ownsOutput(layers: readonly PluginSpec[], i: number): boolean {
  const { type } = layers[i]!;
  if (type === 'flatten') return false;
  const before = layers[i - 1];
  return !(type === 'relu' && before?.type === 'dense' && (before.activation ?? 'linear') === 'linear');
}

/** Parameters and activation sizes, layer by layer; expects shapes that inspect has checked. */
export function modelFacts(config: Experiment, registries: Registries, inputShape: number[]): ModelFacts {
  const facts: ModelFacts = { parameters: 0, activations: 0 };
  let shape = inputShape;
  let most = 0;
  let widest = 0;
  const { layers } = config.model;
  layers.forEach(({ type, trainable: _trainable, ...params }, i) => {
    const layer = registries.layers.get(type);
    const parameters = layer.parameters?.(params, shape) ?? 0;
    shape = layer.outputShape(params, shape);
    facts.parameters += parameters;
    if (ownsOutput(layers, i)) facts.activations += size(shape);
    if (parameters > most) [most, facts.heaviest] = [parameters, i];
    if (size(shape) > widest) [widest, facts.widest] = [size(shape), i];
  });
  return facts;
}

/** One optimizer's trials (one per seed), part by part, in bytes. */
export interface TrialMemory {
  /** The optimizer's name. */
  optimizer: string;
  /** Trainable parameters of one copy of the model. */
  parameters: number;
  /** Trials of the plan that train with it (one per seed). */
  trials: number;
  stateBuffers: number;
  stepCopies: number;
  /** Weights, gradients, optimizer state and the step's temporaries: parameters × stepCopies × 4. */
  parameterBytes: number;
  /** A training batch's activations: the outputs the gradient tape keeps, their gradients, and the gradients of each layer's input. */
  trainingActivationBytes: number;
  /** One training batch as tensors (inputs, int32 labels, targets). */
  trainingBatchBytes: number;
  /** The activations of one evaluation batch (no tape: forward values only). */
  evaluationActivationBytes: number;
  /** The evaluation batch alive at a time (runner/batches.ts SplitBatches makes each as the pass reaches it), as float32 tensors. */
  evaluationBatchBytes: number;
  /** A best-weights copy (earlyStopping.restoreBest). */
  bestBytes: number;
  /**
   * The peak of live tensors: the evaluation batches and best copy, plus the largest of the backward
   * pass (weights, state, gradients, activations), the optimizer step (stepCopies) and an evaluation.
   */
  liveBytes: number;
  /** One copy of what a checkpoint saves (weights, optimizer state, a best copy); the backend's profile says how many copies stay uncollected. */
  checkpointBytes: number;
}

/** The memory of each optimizer's trials (pure arithmetic on the facts). */
export function trialMemory(config: Experiment, registries: Registries, facts: DataFacts, fusedUpdates: boolean): TrialMemory[] {
  const model = modelFacts(config, registries, facts.sampleShape);
  const { training } = config;
  const perSample = size(facts.sampleShape) * FLOAT + LABEL + (facts.targetShape ? size(facts.targetShape) * FLOAT : 0);
  const batch = Math.min(training.batchSize, facts.trainSize);
  const evaluated = Math.max(facts.testSize, facts.validationSize ?? 0);
  const trainingActivationBytes = batch * model.activations * FLOAT * 3;
  const trainingBatchBytes = batch * perSample;
  const evaluationActivationBytes = Math.min(training.evalBatchSize, evaluated) * model.activations * FLOAT;
  const evaluationBatchBytes = Math.min(training.evalBatchSize, evaluated) * perSample;
  const weightBytes = model.parameters * FLOAT;
  const bestBytes = training.earlyStopping?.restoreBest ? weightBytes : 0;
  return config.optimizers.map((optimizer) => {
    const buffers = stateBuffers(optimizer, registries);
    const copies = stepCopies(optimizer, registries, fusedUpdates, training);
    const parameterBytes = weightBytes * copies;
    // The tape's activations are freed when the gradients are complete, before the optimizer steps.
    const backward = weightBytes * (2 + buffers) + trainingActivationBytes + trainingBatchBytes;
    const step = parameterBytes + trainingBatchBytes;
    const evaluation = weightBytes * (1 + buffers) + evaluationActivationBytes;
    return {
      optimizer: optimizer.name,
      parameters: model.parameters,
      trials: config.seeds.length,
      stateBuffers: buffers,
      stepCopies: copies,
      parameterBytes,
      trainingActivationBytes,
      trainingBatchBytes,
      evaluationActivationBytes,
      evaluationBatchBytes,
      bestBytes,
      liveBytes: evaluationBatchBytes + bestBytes + Math.max(backward, step, evaluation),
      checkpointBytes: weightBytes * (1 + buffers + (bestBytes > 0 ? 1 : 0)),
    };
  });
}
