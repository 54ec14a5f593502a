import { defineOptimizer, type OptimizerRuntime, type ParamProblem, type Tensor, type TF } from '../kinds.js';
import { constant, createRuntime, type Slot } from './runtime.js';

export interface SgdParams {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  maximize: boolean;
}

export default defineOptimizer<SgdParams>({
  type: 'sgd',
  summary: 'Stochastic gradient descent with optional momentum and Nesterov, as torch.optim.SGD',
  params: {
    type: 'object',
    properties: {
      lr: { type: 'number', exclusiveMinimum: 0, default: 1e-3, description: 'Learning rate' },
      momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0, description: 'Momentum factor (0 = plain SGD)' },
      dampening: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Dampening for momentum' },
      nesterov: { type: 'boolean', default: false, description: 'Nesterov momentum (requires momentum > 0 and dampening 0)' },
      weightDecay: { type: 'number', minimum: 0, default: 0, description: 'L2 penalty added to the gradient (torch weight_decay)' },
      maximize: { type: 'boolean', default: false, description: 'Maximize the objective instead of minimizing it' },
    },
    additionalProperties: false,
  },
  check(p) {
    const problems: ParamProblem[] = [];
    if (p.nesterov && p.momentum <= 0) problems.push({ path: 'nesterov', message: 'nesterov requires momentum > 0' });
    if (p.nesterov && p.dampening !== 0) problems.push({ path: 'nesterov', message: 'nesterov requires dampening 0' });
    return problems;
  },
  // Counted on a 4,000-unit model at its peak (tf.memory()); one tf.tidy spans the step.
  memory: { stateBuffers: (p) => (p.momentum > 0 ? 1 : 0), stepCopies: (p) => 4 + 3 * (p.momentum > 0 ? 1 : 0) + 2 * (p.nesterov ? 1 : 0), fused: () => true },
  create(params, { tf }) {
    return createSgd(params, tf);
  },
});

/**
 * torch.optim.SGD (single-tensor path, torch 1.13 to 2.x), per parameter:
 *
 *     d = maximize ? -g : g
 *     if weight_decay != 0: d = d + weight_decay * p
 *     if momentum != 0:
 *         buf = d (first step)  or  buf = momentum * buf + (1 - dampening) * d
 *         d = nesterov ? d + momentum * buf : buf
 *     p = p - lr * d
 *
 * Every scalar is a float32 constant as in torch (Python floats are cast to the tensor dtype);
 * multiplications by exactly 1 are left out (they do not change a float32 value).
 */
function createSgd(p: SgdParams, tf: TF): OptimizerRuntime {
  const { momentum, dampening, nesterov, weightDecay, maximize } = p;
  const c = {
    weightDecay: weightDecay !== 0 ? constant(tf, weightDecay) : null,
    momentum: momentum !== 0 ? constant(tf, momentum) : null,
    oneMinusDampening: momentum !== 0 && dampening !== 0 ? constant(tf, 1 - dampening) : null,
  };
  return createRuntime(tf, 'sgd', {
    // momentum_buffer per parameter; none without momentum.
    buffers: momentum !== 0 ? ['momentumBuffer'] : [],
    perStep(_t, lr) {
      return { negLr: tf.scalar(-lr, 'float32') };
    },
    update(param, grad, prev, s) {
      let d: Tensor = maximize ? tf.neg(grad) : grad;
      if (c.weightDecay) d = tf.add(d, tf.mul(param, c.weightDecay));
      const slot: Slot = {};
      if (!c.momentum) return { value: tf.add(param, tf.mul(d, s.negLr)), slot };
      // torch: buf = clone(d) on the first step (the runtime copies it if it is the caller's gradient).
      const buf = prev ? tf.add(tf.mul(prev.momentumBuffer!, c.momentum), c.oneMinusDampening ? tf.mul(d, c.oneMinusDampening) : d) : d;
      slot.momentumBuffer = buf;
      d = nesterov ? tf.add(d, tf.mul(buf, c.momentum)) : buf;
      return { value: tf.add(param, tf.mul(d, s.negLr)), slot };
    },
    fused: (_t, lr) => ({ rule: 'sgd', lr, maximize, weightDecay, momentum, dampening, nesterov }),
    dispose() {
      for (const t of Object.values(c)) t?.dispose();
    },
  });
}
