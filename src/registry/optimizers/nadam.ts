import { defineOptimizer } from '../kinds.js';
import { adamConstants, createRuntime, effectiveGrad, schema } from './runtime.js';

export interface NadamParams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  momentumDecay: number;
}

export default defineOptimizer<NadamParams>({
  type: 'nadam',
  summary: 'NAdam (Adam with Nesterov momentum and a momentum schedule), as torch.optim.NAdam of torch 1.13',
  params: {
    type: 'object',
    properties: {
      lr: schema.lr(2e-3),
      betas: schema.betas('Decay rates of the running averages of the gradient and its square'),
      eps: schema.eps(1e-8),
      weightDecay: schema.weightDecay(),
      momentumDecay: { type: 'number', minimum: 0, default: 4e-3, description: 'Momentum decay psi: mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi))' },
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: () => 2, stepCopies: () => 20 },
  create(p, { tf }) {
    const [beta1, beta2] = p.betas;
    const c = adamConstants(tf, p.betas, p.eps, p.weightDecay);
    const mu = (t: number) => beta1 * (1 - 0.5 * 0.96 ** (t * p.momentumDecay));
    // torch keeps mu_product as a float32 tensor: each product is rounded to float32 (and mu with it).
    // It is a function of the step count alone, so it is recomputed rather than stored.
    let muProduct = { t: 0, value: 1 };
    const muProductAt = (t: number): number => {
      if (muProduct.t > t) muProduct = { t: 0, value: 1 };
      let { value } = muProduct;
      for (let k = muProduct.t + 1; k <= t; k++) value = Math.fround(value * Math.fround(mu(k)));
      muProduct = { t, value };
      return value;
    };
    /**
     * torch.optim.NAdam, _single_tensor_nadam of torch 1.13, per parameter at step t:
     *
     *     if weight_decay != 0: g = g + weight_decay * p
     *     mu = beta1 * (1 - 0.5 * 0.96^(t * psi));  mu_next = beta1 * (1 - 0.5 * 0.96^((t + 1) * psi))
     *     mu_product = mu_product * mu                           (float32)
     *     mu_product_next = mu_product * mu * mu_next            (float32; torch >= 2.0: mu_product * mu_next)
     *     m = beta1 * m + (1 - beta1) * g
     *     v = beta2 * v + (1 - beta2) * g * g
     *     denom = sqrt(v / (1 - beta2^t)) + eps
     *     p = p + (-lr * (1 - mu) / (1 - mu_product)) * g / denom
     *     p = p + (-lr * mu_next / (1 - mu_product_next)) * m / denom
     */
    return createRuntime(tf, 'nadam', {
      buffers: ['expAvg', 'expAvgSq'],
      perStep(t, lr) {
        const muT = mu(t);
        const muNext = mu(t + 1);
        const product = muProductAt(t);
        const productNext = Math.fround(Math.fround(product * Math.fround(muT)) * Math.fround(muNext));
        return {
          bc2: tf.scalar(1 - beta2 ** t, 'float32'),
          gradCoef: tf.scalar((-lr * (1 - muT)) / (1 - product), 'float32'),
          avgCoef: tf.scalar((-lr * muNext) / (1 - productNext), 'float32'),
        };
      },
      update(param, grad, prev, s) {
        const g = effectiveGrad(tf, grad, param, false, c.weightDecay);
        const gScaled = tf.mul(g, c.oneMinusBeta1);
        const g2Scaled = tf.mul(tf.mul(g, c.oneMinusBeta2), g);
        const expAvg = prev ? tf.add(tf.mul(prev.expAvg!, c.beta1), gScaled) : gScaled;
        const expAvgSq = prev ? tf.add(tf.mul(prev.expAvgSq!, c.beta2), g2Scaled) : g2Scaled;
        const denom = tf.add(tf.sqrt(tf.div(expAvgSq, s.bc2)), c.eps);
        const half = tf.add(param, tf.div(tf.mul(g, s.gradCoef), denom));
        return { value: tf.add(half, tf.div(tf.mul(expAvg, s.avgCoef), denom)), slot: { expAvg, expAvgSq } };
      },
      dispose() {
        for (const t of Object.values(c)) t?.dispose();
      },
    });
  },
});
