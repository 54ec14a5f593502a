import { defineOptimizer } from '../kinds.js';
import { constant, createRuntime, effectiveGrad, schema } from './runtime.js';

export interface AdadeltaParams {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export default defineOptimizer<AdadeltaParams>({
  type: 'adadelta',
  summary: 'Adadelta (running averages of squared gradients and squared updates), as torch.optim.Adadelta',
  params: {
    type: 'object',
    properties: {
      lr: schema.lr(1.0),
      rho: { type: 'number', minimum: 0, maximum: 1, default: 0.9, description: 'Decay rate of the running averages' },
      eps: schema.eps(1e-6, 'Added inside both square roots for numerical stability (torch: 1e-6)'),
      weightDecay: schema.weightDecay(),
      maximize: schema.maximize(),
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: () => 2, stepCopies: () => 20 },
  create(p, { tf }) {
    const c = {
      rho: constant(tf, p.rho),
      oneMinusRho: constant(tf, 1 - p.rho),
      eps: constant(tf, p.eps),
      sqrtEps: constant(tf, Math.fround(Math.sqrt(Math.fround(p.eps)))),
      weightDecay: p.weightDecay !== 0 ? constant(tf, p.weightDecay) : null,
    };
    /**
     * torch.optim.Adadelta, _single_tensor_adadelta (torch 1.13 to 2.x), per parameter:
     *
     *     g = maximize ? -g : g;  if weight_decay != 0: g = g + weight_decay * p
     *     v = rho * v + (1 - rho) * g * g
     *     delta = sqrt(u + eps) / sqrt(v + eps) * g
     *     u = rho * u + (1 - rho) * delta * delta
     *     p = p + (-lr) * delta
     *
     * v and u start at zero: on the first step sqrt(u + eps) is sqrt(eps) in float32.
     */
    return createRuntime(tf, 'adadelta', {
      buffers: ['squareAvg', 'accDelta'],
      perStep(_t, lr) {
        return { negLr: tf.scalar(-lr, 'float32') };
      },
      update(param, grad, prev, s) {
        const g = effectiveGrad(tf, grad, param, p.maximize, c.weightDecay);
        const g2Scaled = tf.mul(tf.mul(g, c.oneMinusRho), g);
        const squareAvg = prev ? tf.add(tf.mul(prev.squareAvg!, c.rho), g2Scaled) : g2Scaled;
        const std = tf.sqrt(tf.add(squareAvg, c.eps));
        const rms = prev ? tf.sqrt(tf.add(prev.accDelta!, c.eps)) : c.sqrtEps;
        const delta = tf.mul(tf.div(rms, std), g);
        const d2Scaled = tf.mul(tf.mul(delta, c.oneMinusRho), delta);
        const accDelta = prev ? tf.add(tf.mul(prev.accDelta!, c.rho), d2Scaled) : d2Scaled;
        return { value: tf.add(param, tf.mul(delta, s.negLr)), slot: { squareAvg, accDelta } };
      },
      dispose() {
        for (const t of Object.values(c)) t?.dispose();
      },
    });
  },
});
