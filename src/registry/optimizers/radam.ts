import { defineOptimizer } from '../kinds.js';
import { adamConstants, createRuntime, effectiveGrad, schema } from './runtime.js';

export interface RadamParams {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

export default defineOptimizer<RadamParams>({
  type: 'radam',
  summary: 'Rectified Adam (variance rectification, SGD with momentum while the variance estimate is unreliable), as torch.optim.RAdam',
  params: {
    type: 'object',
    properties: {
      lr: schema.lr(1e-3),
      betas: schema.betas('Decay rates of the running averages of the gradient and its square'),
      eps: schema.eps(1e-8),
      weightDecay: schema.weightDecay(),
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: () => 2, stepCopies: () => 14 },
  create(p, { tf }) {
    const [beta1, beta2] = p.betas;
    const c = adamConstants(tf, p.betas, p.eps, p.weightDecay);
    const rhoInf = 2 / (1 - beta2) - 1;
    /**
     * torch.optim.RAdam, _single_tensor_radam (torch 1.13 to 2.x), per parameter at step t:
     *
     *     if weight_decay != 0: g = g + weight_decay * p
     *     m = beta1 * m + (1 - beta1) * g
     *     v = beta2 * v + (1 - beta2) * g * g
     *     mhat = m / (1 - beta1^t)
     *     rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
     *     rho_t > 5: rect = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
     *                adaptive = (1 / (sqrt(v) + eps)) * sqrt(1 - beta2^t)     (torch: scalar / tensor)
     *                p = p - mhat * lr * adaptive * rect
     *     otherwise: p = p - mhat * lr
     */
    return createRuntime(tf, 'radam', {
      buffers: ['expAvg', 'expAvgSq'],
      perStep(t, lr) {
        const bc1 = 1 - beta1 ** t;
        const bc2 = 1 - beta2 ** t;
        const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
        const rect = rhoT > 5 ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : null;
        return {
          bc1: tf.scalar(bc1, 'float32'),
          lr: tf.scalar(lr, 'float32'),
          bc2Sqrt: rect === null ? null : tf.scalar(Math.sqrt(bc2), 'float32'),
          rect: rect === null ? null : tf.scalar(rect, 'float32'),
        };
      },
      update(param, grad, prev, s) {
        const g = effectiveGrad(tf, grad, param, false, c.weightDecay);
        const gScaled = tf.mul(g, c.oneMinusBeta1);
        const g2Scaled = tf.mul(tf.mul(g, c.oneMinusBeta2), g);
        const expAvg = prev ? tf.add(tf.mul(prev.expAvg!, c.beta1), gScaled) : gScaled;
        const expAvgSq = prev ? tf.add(tf.mul(prev.expAvgSq!, c.beta2), g2Scaled) : g2Scaled;
        const corrected = tf.div(expAvg, s.bc1);
        let update = tf.mul(corrected, s.lr);
        if (s.rect && s.bc2Sqrt) {
          const adaptive = tf.mul(tf.reciprocal(tf.add(tf.sqrt(expAvgSq), c.eps)), s.bc2Sqrt);
          update = tf.mul(tf.mul(update, adaptive), s.rect);
        }
        return { value: tf.sub(param, update), slot: { expAvg, expAvgSq } };
      },
      dispose() {
        for (const t of Object.values(c)) t?.dispose();
      },
    });
  },
});
