import { defineOptimizer, type Tensor } from '../kinds.js';
import { adamConstants, createRuntime, schema, type Slot } from './runtime.js';

export interface AdamWParams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export default defineOptimizer<AdamWParams>({
  type: 'adamw',
  summary: 'Adam with decoupled weight decay (param *= 1 - lr * weightDecay), optional AMSGrad, as torch.optim.AdamW',
  params: {
    type: 'object',
    properties: {
      lr: schema.lr(1e-3),
      betas: schema.betas('Decay rates of the running averages of the gradient and its square'),
      eps: schema.eps(1e-8, 'Added to the denominator for numerical stability (torch: 1e-8; TF.js: 1e-7)'),
      weightDecay: schema.weightDecay(1e-2, 'Decoupled weight decay: each step multiplies the parameters by 1 - lr * weightDecay'),
      amsgrad: { type: 'boolean', default: false, description: 'Use the AMSGrad variant (maximum of past squared-gradient averages)' },
      maximize: schema.maximize(),
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: (p) => (p.amsgrad ? 3 : 2), stepCopies: (p) => 18 + 2 * (p.amsgrad ? 1 : 0), fused: (p) => !p.amsgrad },
  create(p, { tf }) {
    const [beta1, beta2] = p.betas;
    const c = adamConstants(tf, p.betas, p.eps);
    const buffers = p.amsgrad ? ['expAvg', 'expAvgSq', 'maxExpAvgSq'] : ['expAvg', 'expAvgSq'];
    // Python floats, each rounded to float32 once where it meets a tensor.
    const decay = (lr: number) => 1 - lr * p.weightDecay;
    const negStepSize = (t: number, lr: number) => -(lr / (1 - beta1 ** t));
    const bc2Sqrt = (t: number) => Math.sqrt(1 - beta2 ** t);
    /**
     * torch.optim.AdamW, _single_tensor_adamw (torch 1.13 to 2.x, not capturable), per parameter at step t:
     *
     *     g = maximize ? -g : g
     *     p = p * (1 - lr * weight_decay)                      (the factor is a Python float)
     *     m = beta1 * m + (1 - beta1) * g
     *     v = beta2 * v + (1 - beta2) * g * g
     *     vmax = max(vmax, v)                                  (amsgrad)
     *     denom = sqrt(amsgrad ? vmax : v) / sqrt(1 - beta2^t) + eps
     *     p = p + (-lr / (1 - beta1^t)) * m / denom
     */
    return createRuntime(tf, 'adamw', {
      buffers,
      perStep(t, lr) {
        return {
          decay: p.weightDecay !== 0 ? tf.scalar(decay(lr), 'float32') : null,
          negStepSize: tf.scalar(negStepSize(t, lr), 'float32'),
          bc2Sqrt: tf.scalar(bc2Sqrt(t), 'float32'),
        };
      },
      update(param, grad, prev, s) {
        const g = p.maximize ? tf.neg(grad) : grad;
        const decayed = s.decay ? tf.mul(param, s.decay) : param;
        const gScaled = tf.mul(g, c.oneMinusBeta1);
        const g2Scaled = tf.mul(tf.mul(g, c.oneMinusBeta2), g);
        const expAvg = prev ? tf.add(tf.mul(prev.expAvg!, c.beta1), gScaled) : gScaled;
        const expAvgSq = prev ? tf.add(tf.mul(prev.expAvgSq!, c.beta2), g2Scaled) : g2Scaled;
        const slot: Slot = { expAvg, expAvgSq };
        let v: Tensor = expAvgSq;
        if (p.amsgrad) v = slot.maxExpAvgSq = prev ? tf.maximum(prev.maxExpAvgSq!, expAvgSq) : tf.clone(expAvgSq);
        const denom = tf.add(tf.div(tf.sqrt(v), s.bc2Sqrt), c.eps);
        return { value: tf.add(decayed, tf.div(tf.mul(expAvg, s.negStepSize), denom)), slot };
      },
      // Adam's fused step with the decoupled decay and no L2 term; AMSGrad keeps the tensor ops.
      fused: p.amsgrad
        ? undefined
        : (t, lr) => ({
            rule: 'adam', negStepSize: negStepSize(t, lr), bc2Sqrt: bc2Sqrt(t), maximize: p.maximize, weightDecay: 0, betas: p.betas, eps: p.eps,
            ...(p.weightDecay !== 0 ? { decay: decay(lr) } : {}),
          }),
      dispose() {
        for (const t of Object.values(c)) t?.dispose();
      },
    });
  },
});
