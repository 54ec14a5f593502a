import { defineOptimizer, type OptimizerRuntime, type OptimizerState, type ParamProblem, type Tensor, type TF, type Variable } from '../kinds.js';
import { fusedUpdates } from './fused.js';

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
  const keep = (x: number) => tf.keep(tf.scalar(x, 'float32'));
  const scalars = {
    weightDecay: weightDecay !== 0 ? keep(weightDecay) : null,
    momentum: momentum !== 0 ? keep(momentum) : null,
    oneMinusDampening: momentum !== 0 && dampening !== 0 ? keep(1 - dampening) : null,
  };
  /** momentum_buffer per parameter (null until its first step, and always null without momentum). */
  let buffers: (Tensor | null)[] = [];
  let steps = 0;
  let disposed = false;
  let lastLr = NaN;
  let negLr: Tensor | null = null;

  const clear = () => {
    for (const b of buffers) b?.dispose();
    buffers = [];
  };

  return {
    step(params: Variable[], grads: Tensor[], lr: number) {
      if (disposed) throw new Error('sgd: step() after dispose()');
      if (params.length !== grads.length) throw new Error(`sgd: ${params.length} params but ${grads.length} grads`);
      if (lr !== lastLr) {
        negLr?.dispose();
        negLr = keep(-lr);
        lastLr = lr;
      }
      const nlr = negLr!;
      // One pass per parameter on the wasm backends (same bits as the ops below).
      const fused = fusedUpdates(tf);
      const old = buffers;
      const next: (Tensor | null)[] = new Array(params.length).fill(null);
      tf.tidy(() => {
        for (let i = 0; i < params.length; i++) {
          const param = params[i]!;
          if (fused?.covers(param)) {
            const r = fused.sgd(param, grads[i]!, old[i] ?? null, lr, p);
            param.assign(r.value);
            if (r.buf) next[i] = tf.keep(r.buf);
            continue;
          }
          let d: Tensor = maximize ? tf.neg(grads[i]!) : grads[i]!;
          if (scalars.weightDecay) d = tf.add(d, tf.mul(param, scalars.weightDecay));
          if (scalars.momentum) {
            const prev = old[i] ?? null;
            let buf: Tensor;
            if (prev === null) {
              // torch: buf = clone(d). Keep a copy the caller's gradient cannot alias.
              buf = d === grads[i] ? tf.clone(d) : d;
            } else {
              const scaled = scalars.oneMinusDampening ? tf.mul(d, scalars.oneMinusDampening) : d;
              buf = tf.add(tf.mul(prev, scalars.momentum), scaled);
            }
            next[i] = tf.keep(buf);
            d = nesterov ? tf.add(d, tf.mul(buf, scalars.momentum)) : buf;
          }
          param.assign(tf.add(param, tf.mul(d, nlr)));
        }
      });
      for (const b of old) b?.dispose();
      buffers = next;
      steps++;
    },

    getState(): OptimizerState {
      return { step: steps, buffers: { momentumBuffer: exportBuffers(buffers) } };
    },

    setState(state: OptimizerState, params: Variable[]) {
      const restored = importBuffers(tf, 'sgd', state, 'momentumBuffer', params);
      clear();
      buffers = restored;
      steps = state.step;
    },

    dispose() {
      clear();
      negLr?.dispose();
      negLr = null;
      for (const s of Object.values(scalars)) s?.dispose();
      disposed = true;
    },
  };
}

/** Float32Array copies of state tensors (never views of backend memory). */
function exportBuffers(buffers: (Tensor | null)[]): (Float32Array | null)[] {
  return buffers.map((b) => (b ? Float32Array.from(b.dataSync() as Float32Array) : null));
}

/** Tensors shaped like params from exported buffers; checks counts and sizes before creating any. */
function importBuffers(tf: TF, who: string, state: OptimizerState, name: string, params: Variable[]): (Tensor | null)[] {
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${who}: state.step must be a non-negative integer, got ${state.step}`);
  const arrays = state.buffers[name] ?? [];
  if (arrays.length !== 0 && arrays.length !== params.length) {
    throw new Error(`${who}: state has ${arrays.length} '${name}' buffers for ${params.length} params`);
  }
  arrays.forEach((a, i) => {
    if (a && a.length !== params[i]!.size) {
      throw new Error(`${who}: '${name}' buffer ${i} has ${a.length} values, param has ${params[i]!.size}`);
    }
  });
  return params.map((param, i) => {
    const a = arrays[i];
    return a ? tf.keep(tf.tensor(Float32Array.from(a), param.shape, 'float32')) : null;
  });
}
