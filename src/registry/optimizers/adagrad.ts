import { defineOptimizer } from '../kinds.js';
import { constant, createRuntime, effectiveGrad, schema } from './runtime.js';

export interface AdagradParams {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

export default defineOptimizer<AdagradParams>({
  type: 'adagrad',
  summary: 'Adagrad with optional lr decay, accumulator starting at 0, as torch.optim.Adagrad',
  params: {
    type: 'object',
    properties: {
      lr: schema.lr(1e-2),
      lrDecay: { type: 'number', minimum: 0, default: 0, description: 'Learning-rate decay: step t uses lr / (1 + (t - 1) * lrDecay)' },
      weightDecay: schema.weightDecay(),
      initialAccumulatorValue: {
        type: 'number',
        minimum: 0,
        default: 0,
        description: 'Starting value of the sum of squared gradients (torch: 0; TF.js: 0.1)',
      },
      eps: schema.eps(1e-10, 'Added to the root of the accumulated squares (torch: 1e-10)'),
      maximize: schema.maximize(),
    },
    additionalProperties: false,
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: () => 1, stepCopies: () => 10, fused: () => true },
  create(p, { tf }) {
    const c = {
      eps: constant(tf, p.eps),
      weightDecay: p.weightDecay !== 0 ? constant(tf, p.weightDecay) : null,
    };
    /**
     * torch.optim.Adagrad, _single_tensor_adagrad (dense gradients; torch 1.13 to 2.x), per parameter at step t:
     *
     *     g = maximize ? -g : g;  if weight_decay != 0: g = g + weight_decay * p
     *     clr = lr / (1 + (t - 1) * lr_decay)                 (a Python float)
     *     sum = sum + g * g                                   (sum starts at initial_accumulator_value)
     *     p = p + (-clr) * g / (sqrt(sum) + eps)
     *
     * The step count t is the runtime's, so lr decay goes on from a restored state.
     */
    const clr = (t: number, lr: number) => lr / (1 + (t - 1) * p.lrDecay);
    return createRuntime(tf, 'adagrad', {
      buffers: ['sum'],
      perStep(t, lr) {
        return { negClr: tf.scalar(-clr(t, lr), 'float32') };
      },
      update(param, grad, prev, s) {
        const g = effectiveGrad(tf, grad, param, p.maximize, c.weightDecay);
        const g2 = tf.mul(g, g);
        const start = prev ? prev.sum! : p.initialAccumulatorValue !== 0 ? tf.fill(param.shape, p.initialAccumulatorValue, 'float32') : null;
        const sum = start ? tf.add(start, g2) : g2;
        const std = tf.add(tf.sqrt(sum), c.eps);
        return { value: tf.add(param, tf.div(tf.mul(g, s.negClr), std)), slot: { sum } };
      },
      fused: (t, lr) => ({ rule: 'adagrad', clr: clr(t, lr), maximize: p.maximize, weightDecay: p.weightDecay, eps: p.eps, initialAccumulatorValue: p.initialAccumulatorValue }),
      dispose() {
        for (const t of Object.values(c)) t?.dispose();
      },
    });
  },
});
