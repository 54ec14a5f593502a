import { defineOptimizer } from '../kinds.js';
import { adamConstants, createRuntime, effectiveGrad, schema } from './runtime.js';

export interface AdamaxParams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export default defineOptimizer<AdamaxParams>({
  type: 'adamax',
  summary: 'Adamax (Adam with an infinity-norm second moment), as torch.optim.Adamax',
  params: {
    type: 'object',
    properties: {
      lr: schema.lr(2e-3),
      betas: schema.betas('Decay rates of the gradient average and of the infinity norm'),
      eps: schema.eps(1e-8, 'Added to |gradient| before it enters the infinity norm'),
      weightDecay: schema.weightDecay(),
      maximize: schema.maximize(),
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: () => 2, stepCopies: () => 14 },
  create(p, { tf }) {
    const [beta1, beta2] = p.betas;
    const c = adamConstants(tf, p.betas, p.eps, p.weightDecay);
    /**
     * torch.optim.Adamax, _single_tensor_adamax (torch 1.13 to 2.x), per parameter at step t:
     *
     *     g = maximize ? -g : g;  if weight_decay != 0: g = g + weight_decay * p
     *     m = beta1 * m + (1 - beta1) * g
     *     u = max(beta2 * u, |g| + eps)
     *     p = p + (-lr / (1 - beta1^t)) * m / u
     *
     * m and u start at zero; |g| + eps >= 0 = beta2 * 0, so the first step's u is |g| + eps.
     */
    return createRuntime(tf, 'adamax', {
      buffers: ['expAvg', 'expInf'],
      perStep(t, lr) {
        return { negClr: tf.scalar(-(lr / (1 - beta1 ** t)), 'float32') };
      },
      update(param, grad, prev, s) {
        const g = effectiveGrad(tf, grad, param, p.maximize, c.weightDecay);
        const gScaled = tf.mul(g, c.oneMinusBeta1);
        const expAvg = prev ? tf.add(tf.mul(prev.expAvg!, c.beta1), gScaled) : gScaled;
        const absEps = tf.add(tf.abs(g), c.eps);
        const expInf = prev ? tf.maximum(tf.mul(prev.expInf!, c.beta2), absEps) : absEps;
        return { value: tf.add(param, tf.div(tf.mul(expAvg, s.negClr), expInf)), slot: { expAvg, expInf } };
      },
      dispose() {
        for (const t of Object.values(c)) t?.dispose();
      },
    });
  },
});
