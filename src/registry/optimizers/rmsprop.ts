import { defineOptimizer, type Tensor } from '../kinds.js';
import { constant, createRuntime, effectiveGrad, schema, type Slot } from './runtime.js';

export interface RmspropParams {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export default defineOptimizer<RmspropParams>({
  type: 'rmsprop',
  summary: 'RMSprop with eps outside the square root, optional momentum and centering, as torch.optim.RMSprop',
  params: {
    type: 'object',
    properties: {
      lr: schema.lr(1e-2),
      alpha: { type: 'number', minimum: 0, default: 0.99, description: 'Smoothing constant of the squared-gradient average (TF.js calls it decay, default 0.9)' },
      eps: schema.eps(1e-8, 'Added to the root of the squared-gradient average (torch adds it outside the square root; TF.js inside)'),
      weightDecay: schema.weightDecay(),
      momentum: { type: 'number', minimum: 0, default: 0, description: 'Momentum factor (0 = none)' },
      centered: { type: 'boolean', default: false, description: 'Normalize by an estimate of the gradient variance (squared average minus the squared mean)' },
      maximize: schema.maximize(),
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: (p) => 1 + (p.momentum > 0 ? 1 : 0) + (p.centered ? 1 : 0), stepCopies: (p) => 12 + 3 * (p.momentum > 0 ? 1 : 0) + 6 * (p.centered ? 1 : 0), fused: () => true },
  create(p, { tf }) {
    const c = {
      alpha: constant(tf, p.alpha),
      oneMinusAlpha: constant(tf, 1 - p.alpha),
      eps: constant(tf, p.eps),
      weightDecay: p.weightDecay !== 0 ? constant(tf, p.weightDecay) : null,
      momentum: p.momentum > 0 ? constant(tf, p.momentum) : null,
    };
    const buffers = ['squareAvg', ...(p.momentum > 0 ? ['momentumBuffer'] : []), ...(p.centered ? ['gradAvg'] : [])];
    /**
     * torch.optim.RMSprop, _single_tensor_rmsprop (torch 1.13 to 2.x), per parameter:
     *
     *     g = maximize ? -g : g;  if weight_decay != 0: g = g + weight_decay * p
     *     v = alpha * v + (1 - alpha) * g * g
     *     centered:  gbar = alpha * gbar + (1 - alpha) * g;  avg = sqrt(v - gbar * gbar) + eps
     *     otherwise: avg = sqrt(v) + eps
     *     momentum > 0: buf = momentum * buf + g / avg;  p = p - lr * buf
     *     otherwise:    p = p + (-lr) * g / avg
     *
     * v, gbar and buf start at zero, so the first step writes them directly (same float32 values).
     */
    return createRuntime(tf, 'rmsprop', {
      buffers,
      perStep(_t, lr) {
        return { negLr: tf.scalar(-lr, 'float32') };
      },
      update(param, grad, prev, s) {
        const g = effectiveGrad(tf, grad, param, p.maximize, c.weightDecay);
        const g2Scaled = tf.mul(tf.mul(g, c.oneMinusAlpha), g);
        const squareAvg = prev ? tf.add(tf.mul(prev.squareAvg!, c.alpha), g2Scaled) : g2Scaled;
        const slot: Slot = { squareAvg };
        let avg: Tensor;
        if (p.centered) {
          const gScaled = tf.mul(g, c.oneMinusAlpha);
          const gradAvg = prev ? tf.add(tf.mul(prev.gradAvg!, c.alpha), gScaled) : gScaled;
          slot.gradAvg = gradAvg;
          avg = tf.sqrt(tf.sub(squareAvg, tf.mul(gradAvg, gradAvg)));
        } else {
          avg = tf.sqrt(squareAvg);
        }
        avg = tf.add(avg, c.eps);
        if (c.momentum) {
          const ratio = tf.div(g, avg);
          const buf = prev ? tf.add(tf.mul(prev.momentumBuffer!, c.momentum), ratio) : ratio;
          slot.momentumBuffer = buf;
          return { value: tf.add(param, tf.mul(buf, s.negLr)), slot };
        }
        return { value: tf.add(param, tf.div(tf.mul(g, s.negLr), avg)), slot };
      },
      fused: (_t, lr) => ({ rule: 'rmsprop', lr, maximize: p.maximize, weightDecay: p.weightDecay, alpha: p.alpha, eps: p.eps, momentum: p.momentum, centered: p.centered }),
      dispose() {
        for (const t of Object.values(c)) t?.dispose();
      },
    });
  },
});
