// The backend-specific fast paths that plugins may use, behind one small interface. A backend
// plugin registers the kernels its backend has when it loads; a plugin asks kernelsFor(tf) on every
// call (a runtime outlives a tf.setBackend) and uses plain TF.js ops for whatever is absent. No
// plugin names a backend, and a new backend brings its kernels without touching a plugin.
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

/** One parameter's optimizer buffers by name (torch: optimizer.state[p]). */
export type Slot = Record<string, Tensor>;

/**
 * torch.optim.SGD's step on one parameter (see optimizers/sgd.ts); the new slot holds
 * momentumBuffer when momentum is on, nothing otherwise.
 */
export interface FusedSgdStep {
  rule: 'sgd';
  lr: number;
  maximize: boolean;
  weightDecay: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/**
 * torch.optim.Adam's step (L2 weightDecay added to the gradient) or AdamW's (decay: the parameter
 * is first scaled by 1 - lr * weight_decay), without AMSGrad, on one parameter (see
 * optimizers/adam.ts and adamw.ts); the new slot holds expAvg and expAvgSq.
 */
export interface FusedAdamStep {
  rule: 'adam';
  /** -lr / (1 - beta1^t) */
  negStepSize: number;
  /** sqrt(1 - beta2^t) */
  bc2Sqrt: number;
  maximize: boolean;
  weightDecay: number;
  betas: [number, number];
  eps: number;
  /** AdamW's factor 1 - lr * weight_decay; absent for Adam. */
  decay?: number;
}

/**
 * torch.optim.RMSprop's step on one parameter (see optimizers/rmsprop.ts); the new slot holds
 * squareAvg, momentumBuffer when momentum > 0 and gradAvg when centered.
 */
export interface FusedRmspropStep {
  rule: 'rmsprop';
  lr: number;
  maximize: boolean;
  weightDecay: number;
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
}

/** torch.optim.Adagrad's step on one parameter (see optimizers/adagrad.ts); the new slot holds sum. */
export interface FusedAdagradStep {
  rule: 'adagrad';
  /** lr / (1 + (t - 1) * lr_decay) */
  clr: number;
  maximize: boolean;
  weightDecay: number;
  eps: number;
  initialAccumulatorValue: number;
}

export type FusedStep = FusedSgdStep | FusedAdamStep | FusedRmspropStep | FusedAdagradStep;

export interface DenseBackwardArgs {
  /** dLoss/dy; with relu, y = relu(z) masks it, else it is dLoss/dz. */
  dy: Tensor;
  /** The layer's input [batch, in], output y [batch, out] and kernel W [in, out]. */
  x: Tensor;
  y: Tensor;
  w: Tensor;
  relu: boolean;
  /** Whether to compute db and dx. */
  bias: boolean;
  inputGrad: boolean;
}

/** Where a convolution's windows lie: its strides and explicit padding [[0, 0], [top, bottom], [left, right], [0, 0]] (NHWC). */
export interface ConvWindows {
  strides: [number, number];
  pad: [[number, number], [number, number], [number, number], [number, number]];
}

export interface ConvBackwardArgs extends ConvWindows {
  /** dLoss/dy; with relu, y = relu(z) masks it, else it is dLoss/dz. */
  dy: Tensor;
  /** The layer's input [batch, h, w, in], output y and filter [kh, kw, in, out]. */
  x: Tensor;
  y: Tensor;
  w: Tensor;
  relu: boolean;
  /** Whether to compute db and dx. */
  bias: boolean;
  inputGrad: boolean;
}

export interface Kernels {
  /** act(conv2d(x, W) + b) for NHWC x, filter W [kh, kw, in, out], b [out] or none, act ReLU or linear, in one kernel. */
  convForward?(x: Tensor, w: Tensor, b: Tensor | null, relu: boolean, windows: ConvWindows): Tensor;
  /** A convolution layer's whole backward pass in one kernel (convForward's, with its ReLU): dW, db, dx. */
  convBackward?(args: ConvBackwardArgs): { dw: Tensor; db: Tensor | null; dx: Tensor | null };
  /** act(x·W + b) for x [batch, in], W [in, out], b [out] or none, act ReLU or linear, in one kernel. */
  denseForward?(x: Tensor, w: Tensor, b: Tensor | null, relu: boolean): Tensor;
  /** A dense layer's whole backward pass in one kernel: dW = xᵀ dz, db = 1ᵀ dz, dx = dz Wᵀ. */
  denseBackward?(args: DenseBackwardArgs): { dw: Tensor; db: Tensor | null; dx: Tensor | null };
  /**
   * torch.nn.CrossEntropyLoss (mean over rows, label smoothing) of scores [..., classes] against
   * class labels, differentiable with respect to the scores.
   */
  softmaxCrossEntropy?(logits: Tensor, labels: Tensor, smoothing: number): tfjs.Scalar;
  /**
   * The new value and buffers of one parameter after one step, with the same bits as the rule's
   * tensor ops; prev is null on its first step. Null where the kernel does not take this parameter
   * (the rule's tensor ops run instead). The value may be `param` itself and the buffers `prev`'s,
   * written over in place: the caller then assigns nothing.
   */
  fusedUpdate?(step: FusedStep, param: tfjs.Variable, grad: Tensor, prev: Slot | null): { value: Tensor; slot: Slot } | null;
}

const NONE: Kernels = Object.freeze({});
const registered = new WeakMap<object, Map<string, Kernels>>();

/**
 * Registers the kernels of TF.js backend `backendName` of tf, made by `install` (which registers
 * what it needs with TF.js), once: a backend loaded again keeps its first set. Backend plugins call
 * this in load(), before activating the backend (TF.js sets a backend's kernels up as it activates it).
 */
export function registerKernels(tf: TF, backendName: string, install: () => Kernels): Kernels {
  let byName = registered.get(tf.engine());
  if (!byName) registered.set(tf.engine(), (byName = new Map()));
  let kernels = byName.get(backendName);
  if (!kernels) byName.set(backendName, (kernels = Object.freeze({ ...install() })));
  return kernels;
}

/** The kernels the active backend of tf registered; none (an empty set) for a backend that registered none. */
export function kernelsFor(tf: TF): Kernels {
  return registered.get(tf.engine())?.get(tf.getBackend()) ?? NONE;
}
