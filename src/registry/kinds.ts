// The shapes of each plugin kind. Type-only imports of TF.js: the config side never loads it.
import type * as tfjs from '@tensorflow/tfjs';
import type { ParamsSchema, PluginBase } from './registry.js';
import type { DataFacts, DatasetPlugin, TransformPlugin } from './kinds-data.js';

export type TF = typeof tfjs;
export type Tensor = tfjs.Tensor;
export type Variable = tfjs.Variable;

/** A plugin spec after normalize: its type and every param, defaults filled. */
export interface PluginSpec {
  type: string;
  [param: string]: unknown;
}

/** Params as written in YAML after defaults are filled. */
export type Params = Record<string, unknown>;

/** A problem with a plugin's params that JSON Schema cannot express; path is relative to the plugin spec. */
export interface ParamProblem {
  path: string;
  message: string;
}

export interface Plugin<P> extends PluginBase {
  params: ParamsSchema;
  /** Cross-field constraints on params (pure), e.g. nesterov requires momentum > 0. */
  check?(params: P): ParamProblem[];
}

// ---- datasets and transforms: their own file (kinds-data.ts), re-exported here ----------------

export type { DataFacts, DatasetContext, DatasetPlugin, LoadedData, Split, TransformPlugin } from './kinds-data.js';

// ---- layers ---------------------------------------------------------------------------------

// How a layer's tensors map to torch and TF.js layers: their own file, re-exported here.
import type { TfjsLayerContext, TorchTensor } from './kinds-weights.js';
export type { TfjsLayerContext, TorchTensor } from './kinds-weights.js';

/**
 * A layer as the model runs it. Samples of rank 3 are [channels, height, width] in YAML and torch;
 * inside, a batch of them is NHWC [batch, height, width, channels] (TF.js's layout), and a layer
 * receives and returns that layout (see layers/layout.ts). Every other rank is as torch has it.
 */
export interface LayerRuntime {
  /** Trainable tensors in a stable order (weights before biases). */
  variables: Variable[];
  /**
   * Non-trainable tensors the layer updates while training (batch norm's running statistics):
   * checkpointed, resumed and saved with the final weights like the variables.
   */
  state?: Variable[];
  /**
   * torch's state_dict names of the variables, then of the state, without the layer's index
   * ('weight', 'bias', 'running_mean', ...). Absent: 'weight' and 'bias' for two variables.
   */
  names?: string[];
  /** `training` is false when the model is evaluated (dropout off, batch norm on its running statistics). */
  apply(x: Tensor, training: boolean): Tensor;
}

export interface LayerContext {
  tf: TF;
  /** Shape of one input sample (no batch dimension), channels first: [C, H, W] for an image. */
  inputShape: number[];
  /** Seeded uniform numbers in [0, 1), for initialisation that is the same on every backend. */
  random: () => number;
  /** Layer index in the model, for naming variables. */
  index: number;
  /** False when nothing before this layer is trainable, so the gradient for its input can be skipped. */
  inputNeedsGrad: boolean;
}

export interface LayerPlugin<P = any> extends Plugin<P> {
  /** Shape of one output sample for a given input sample shape; pure (inspect uses it). Throws Error on a shape it cannot take. */
  outputShape(params: P, inputShape: number[]): number[];
  /** Trainable parameters for a given input sample shape; pure (inspect's memory estimate uses it). Absent: none. */
  parameters?(params: P, inputShape: number[]): number;
  create(params: P, ctx: LayerContext): LayerRuntime;
  /**
   * Params of one layer of this type that computes this layer followed by `next` (the next layer's
   * spec as written, {type, ...params}) with the same function and gradient, or undefined when it
   * cannot absorb that layer. The model is then built with one layer where the config has two
   * (fewer passes over memory and kernel dispatches). Absent: it absorbs nothing. Pure.
   */
  fuse?(params: P, next: { type: string; [param: string]: unknown }): P | undefined;
  /**
   * Its tensors as torch names them (model.init from safetensors, the final weights'
   * model.safetensors, export --format safetensors); pure. Absent: a layer without tensors;
   * a layer with tensors and no torch names cannot be read from or written to safetensors.
   */
  torch?(params: P, inputShape: number[]): TorchTensor[];
  /**
   * The tf.layers layer computing the same function (export --format tfjs); its setWeights gets the
   * runtime's variables, then its state, in order. Absent: the model cannot be exported to TF.js.
   */
  tfjsLayer?(params: P, ctx: TfjsLayerContext): tfjs.layers.Layer;
}

// ---- losses ---------------------------------------------------------------------------------

/**
 * 'class': compares the model output [batch, classes] with int32 class indices [batch].
 * 'value': compares it with a float target of the same shape (for class labels, their one-hot rows).
 */
export type TargetKind = 'class' | 'value';

/** Mean over the batch, as torch.nn losses with reduction 'mean'. */
export type LossFn = (output: Tensor, target: Tensor) => tfjs.Scalar;

export interface LossPlugin<P = any> extends Plugin<P> {
  target: TargetKind;
  create(params: P, ctx: { tf: TF }): LossFn;
}

// ---- optimizers -----------------------------------------------------------------------------

export interface OptimizerState {
  /** Number of steps taken. */
  step: number;
  /** Named per-parameter buffers (e.g. momentum, exp_avg), one array per parameter, in parameter order. */
  buffers: Record<string, (Float32Array | null)[]>;
}

export interface OptimizerRuntime {
  /** One update in place, as torch.optim's step(): params[i] is updated from grads[i] at learning rate lr. */
  step(params: Variable[], grads: Tensor[], lr: number): void;
  /**
   * A copy of the state as of the call, read asynchronously (a GPU backend cannot read
   * synchronously); do not step() before it resolves.
   */
  getState(): Promise<OptimizerState>;
  setState(state: OptimizerState, params: Variable[]): void;
  dispose(): void;
}

/** What an optimizer holds, for the memory estimate (src/config/trial-memory.ts). */
export interface OptimizerMemory<P> {
  /** Per-parameter state buffers (torch.optim's state: SGD's momentum buffer, Adam's exp_avg and exp_avg_sq, ...). */
  stateBuffers(params: P): number;
  /** Parameter-sized tensors alive at once during one step as tensor ops (weights, gradients, old and new state, temporaries). */
  stepCopies(params: P): number;
  /** Whether a backend's fused update kernel takes this step in one pass (see the update rule's fused hook). */
  fused?(params: P): boolean;
}

export interface OptimizerPlugin<P = any> extends Plugin<P> {
  create(params: P, ctx: { tf: TF }): OptimizerRuntime;
  /** Absent: counted as 2 state buffers and a step of 4 + 6 × 2 tensors. */
  memory?: OptimizerMemory<P>;
}

// ---- learning-rate schedules ---------------------------------------------------------------

/** When a schedule advances: after every optimizer step, or after every epoch (torch: where scheduler.step() is called). */
export type ScheduleInterval = 'step' | 'epoch';

export interface ScheduleContext {
  /** The optimizer's lr param (torch: the param group's initial_lr). */
  baseLr: number;
  epochs: number;
  stepsPerEpoch: number;
  /** To build a nested schedule (linearWarmup's `then`) from its spec {type, ...params}. */
  create(spec: { type: string; [param: string]: unknown }, ctx: Omit<ScheduleContext, 'create'>): ScheduleRuntime;
}

export interface ScheduleRuntime {
  /** How often advance() is called. */
  interval: ScheduleInterval;
  /** The learning rate in effect now (for the next step). */
  lr(): number;
  /**
   * Moves the schedule one interval on, as torch's scheduler.step(); `metrics` are the epoch's
   * figures (testLoss, testAccuracy, trainLoss, ...) for schedules that watch one (reduceOnPlateau).
   */
  advance(metrics?: Record<string, number>): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export interface SchedulePlugin<P = any> extends Plugin<P> {
  create(params: P, ctx: ScheduleContext): ScheduleRuntime;
  /**
   * Why a run with these params cannot be trained on past its last epoch (`run --resume --epochs N`),
   * or undefined: a schedule whose length the run fixed (oneCycle's default totalSteps) would
   * change meaning half-way. Absent: it continues. Pure.
   */
  fixedByRun?(params: P): string | undefined;
}

// ---- metrics: their own file (kinds-metric.ts), re-exported here ------------------------------

import type { MetricPlugin, Task } from './kinds-metric.js';
export type { MetricContext, MetricPlugin, MetricRuntime, MetricSplit, Task } from './kinds-metric.js';
export { figureName } from './kinds-metric.js';

// ---- backends: their own file (kinds-backend.ts), re-exported here ----------------------------

import type { BackendPlugin } from './kinds-backend.js';
export type { BackendAttempt, BackendLoadContext, BackendPlugin, LoadedBackend, MemoryProfile, TensorStore } from './kinds-backend.js';

// ---- definers: one object per plugin, typed, tagged with its kind ---------------------------

/** The `kind` a plugin object carries, so a user module can export plugins of any kind in one array. */
export type PluginKindName = 'dataset' | 'transform' | 'layer' | 'loss' | 'optimizer' | 'schedule' | 'metric' | 'backend';

export const defineDataset = <P>(p: DatasetPlugin<P>): DatasetPlugin<P> & { kind: 'dataset' } => ({ kind: 'dataset', ...p });
export const defineTransform = <P>(p: TransformPlugin<P>): TransformPlugin<P> & { kind: 'transform' } => ({ kind: 'transform', ...p });
export const defineLayer = <P>(p: LayerPlugin<P>): LayerPlugin<P> & { kind: 'layer' } => ({ kind: 'layer', ...p });
export const defineLoss = <P>(p: LossPlugin<P>): LossPlugin<P> & { kind: 'loss' } => ({ kind: 'loss', ...p });
export const defineOptimizer = <P>(p: OptimizerPlugin<P>): OptimizerPlugin<P> & { kind: 'optimizer' } => ({ kind: 'optimizer', ...p });
export const defineSchedule = <P>(p: SchedulePlugin<P>): SchedulePlugin<P> & { kind: 'schedule' } => ({ kind: 'schedule', ...p });
export const defineMetric = <P>(p: MetricPlugin<P>): MetricPlugin<P> & { kind: 'metric' } => ({ kind: 'metric', ...p });
export const defineBackend = <P>(p: BackendPlugin<P>): BackendPlugin<P> & { kind: 'backend' } => ({ kind: 'backend', ...p });

/** A problem a plugin finds in what the config names (a missing file, a bad header); param locates it in the spec. */
export class PluginInputError extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'PluginInputError';
  }
}
