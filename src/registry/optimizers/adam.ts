import { defineOptimizer, type OptimizerRuntime, type Tensor, type TF } from '../kinds.js';
import { adamConstants, createRuntime } from './runtime.js';

export interface AdamParams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export default defineOptimizer<AdamParams>({
  type: 'adam',
  summary: 'Adam with bias correction, optional AMSGrad and L2 weight decay, as torch.optim.Adam',
  params: {
    type: 'object',
    properties: {
      lr: { type: 'number', exclusiveMinimum: 0, default: 1e-3, description: 'Learning rate' },
      betas: {
        type: 'array',
        items: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        minItems: 2,
        maxItems: 2,
        default: [0.9, 0.999],
        description: 'Decay rates of the running averages of the gradient and its square',
      },
      eps: { type: 'number', minimum: 0, default: 1e-8, description: 'Added to the denominator for numerical stability (torch: 1e-8; TF.js: 1e-7)' },
      weightDecay: { type: 'number', minimum: 0, default: 0, description: 'L2 penalty added to the gradient (torch weight_decay; see adamw for decoupled decay)' },
      amsgrad: { type: 'boolean', default: false, description: 'Use the AMSGrad variant (maximum of past squared-gradient averages)' },
      maximize: { type: 'boolean', default: false, description: 'Maximize the objective instead of minimizing it' },
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: (p) => (p.amsgrad ? 3 : 2), stepCopies: (p) => 17 + 2 * (p.amsgrad ? 1 : 0), fused: (p) => !p.amsgrad },
  create(params, { tf }) {
    return createAdam(params, tf);
  },
});

/**
 * torch.optim.Adam (single-tensor, non-capturable path, torch 1.13 to 2.x), per parameter at step t:
 *
 *     g = maximize ? -g : g
 *     if weight_decay != 0: g = g + weight_decay * p
 *     m = beta1 * m + (1 - beta1) * g
 *     v = beta2 * v + (1 - beta2) * g * g
 *     step_size = lr / (1 - beta1^t)                         (float64, as Python does)
 *     vmax = max(vmax, v)                                    (amsgrad)
 *     denom = sqrt(amsgrad ? vmax : v) / sqrt(1 - beta2^t) + eps
 *     p = p + (-step_size) * m / denom
 *
 * m, v and vmax start at zero; the first step writes them directly, which gives the same float32
 * values (0 * beta + x == x). The constants are float32 scalars made once; the two that depend on
 * the step and lr are made per step from float64 JS numbers, like torch's Python floats.
 */
function createAdam(p: AdamParams, tf: TF): OptimizerRuntime {
  const [beta1, beta2] = p.betas;
  const { eps, weightDecay, amsgrad, maximize } = p;
  const c = adamConstants(tf, p.betas, eps, weightDecay);
  // As torch: bias corrections in double precision, then each scalar rounded to float32 once.
  const negStepSize = (t: number, lr: number) => -(lr / (1 - beta1 ** t));
  const bc2Sqrt = (t: number) => Math.sqrt(1 - beta2 ** t);
  return createRuntime(tf, 'adam', {
    buffers: amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'],
    perStep(t, lr) {
      return { negStepSize: tf.scalar(negStepSize(t, lr), 'float32'), bc2Sqrt: tf.scalar(bc2Sqrt(t), 'float32') };
    },
    update(param, grad, prev, s) {
      let g: Tensor = maximize ? tf.neg(grad) : grad;
      if (c.weightDecay) g = tf.add(g, tf.mul(param, c.weightDecay));
      // torch: exp_avg.mul_(beta1).add_(grad, alpha=1-beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
      const gScaled = tf.mul(g, c.oneMinusBeta1);
      const g2Scaled = tf.mul(tf.mul(g, c.oneMinusBeta2), g);
      const expAvg = prev ? tf.add(tf.mul(prev.expAvg!, c.beta1), gScaled) : gScaled;
      const expAvgSq = prev ? tf.add(tf.mul(prev.expAvgSq!, c.beta2), g2Scaled) : g2Scaled;
      const slot: Record<string, Tensor> = { expAvg, expAvgSq };
      if (amsgrad) slot.maxExpAvgSq = prev ? tf.maximum(prev.maxExpAvgSq!, expAvgSq) : tf.clone(expAvgSq);
      // torch: denom = (v.sqrt() / bias_correction2_sqrt).add_(eps); param.addcdiv_(exp_avg, denom, value=-step_size)
      const denom = tf.add(tf.div(tf.sqrt(slot.maxExpAvgSq ?? expAvgSq), s.bc2Sqrt), c.eps);
      return { value: tf.add(param, tf.div(tf.mul(expAvg, s.negStepSize), denom)), slot };
    },
    // AMSGrad keeps the tensor ops.
    fused: amsgrad ? undefined : (t, lr) => ({ rule: 'adam', negStepSize: negStepSize(t, lr), bc2Sqrt: bc2Sqrt(t), maximize, weightDecay, betas: p.betas, eps }),
    dispose() {
      for (const t of Object.values(c)) t?.dispose();
    },
  });
}
