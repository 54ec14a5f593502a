import { defineOptimizer, type OptimizerRuntime, type OptimizerState, type Tensor, type TF, type Variable } from '../kinds.js';
import { fusedUpdates } from './fused.js';

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
  create(params, { tf }) {
    return createAdam(params, tf);
  },
});

interface Slot {
  expAvg: Tensor;
  expAvgSq: Tensor;
  maxExpAvgSq: Tensor | null;
}

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
  const keep = (x: number) => tf.keep(tf.scalar(x, 'float32'));
  const scalars = {
    beta1: keep(beta1),
    oneMinusBeta1: keep(1 - beta1),
    beta2: keep(beta2),
    oneMinusBeta2: keep(1 - beta2),
    eps: keep(eps),
    weightDecay: weightDecay !== 0 ? keep(weightDecay) : null,
  };
  /** Per parameter: exp_avg, exp_avg_sq and (amsgrad) max_exp_avg_sq; null before its first step. */
  let slots: (Slot | null)[] = [];
  let steps = 0;
  let disposed = false;

  const clear = () => {
    for (const s of slots) disposeSlot(s);
    slots = [];
  };

  return {
    step(params: Variable[], grads: Tensor[], lr: number) {
      if (disposed) throw new Error('adam: step() after dispose()');
      if (params.length !== grads.length) throw new Error(`adam: ${params.length} params but ${grads.length} grads`);
      const t = steps + 1;
      // As torch: bias corrections in double precision, then each scalar rounded to float32 once.
      const stepSize = lr / (1 - beta1 ** t);
      const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** t);
      const old = slots;
      const next: (Slot | null)[] = new Array(params.length).fill(null);
      // One pass per parameter on the wasm backends (same bits as the ops below); AMSGrad keeps the ops.
      const fused = amsgrad ? null : fusedUpdates(tf);
      tf.tidy(() => {
        const negStepSize = tf.scalar(-stepSize, 'float32');
        const bc2Sqrt = tf.scalar(biasCorrection2Sqrt, 'float32');
        for (let i = 0; i < params.length; i++) {
          const param = params[i]!;
          if (fused?.covers(param)) {
            const prev = old[i];
            const r = fused.adam(param, grads[i]!, prev ?? null, -stepSize, biasCorrection2Sqrt, { maximize, weightDecay, betas: p.betas, eps });
            param.assign(r.value);
            next[i] = { expAvg: tf.keep(r.expAvg), expAvgSq: tf.keep(r.expAvgSq), maxExpAvgSq: null };
            continue;
          }
          let g: Tensor = maximize ? tf.neg(grads[i]!) : grads[i]!;
          if (scalars.weightDecay) g = tf.add(g, tf.mul(param, scalars.weightDecay));
          const prev = old[i] ?? null;
          // torch: exp_avg.mul_(beta1).add_(grad, alpha=1-beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
          const gScaled = tf.mul(g, scalars.oneMinusBeta1);
          const g2Scaled = tf.mul(tf.mul(g, scalars.oneMinusBeta2), g);
          const expAvg = prev ? tf.add(tf.mul(prev.expAvg, scalars.beta1), gScaled) : gScaled;
          const expAvgSq = prev ? tf.add(tf.mul(prev.expAvgSq, scalars.beta2), g2Scaled) : g2Scaled;
          let maxExpAvgSq: Tensor | null = null;
          if (amsgrad) maxExpAvgSq = prev?.maxExpAvgSq ? tf.maximum(prev.maxExpAvgSq, expAvgSq) : tf.clone(expAvgSq);
          // torch: denom = (v.sqrt() / bias_correction2_sqrt).add_(eps); param.addcdiv_(exp_avg, denom, value=-step_size)
          const denom = tf.add(tf.div(tf.sqrt(maxExpAvgSq ?? expAvgSq), bc2Sqrt), scalars.eps);
          param.assign(tf.add(param, tf.div(tf.mul(expAvg, negStepSize), denom)));
          next[i] = { expAvg: tf.keep(expAvg), expAvgSq: tf.keep(expAvgSq), maxExpAvgSq: maxExpAvgSq && tf.keep(maxExpAvgSq) };
        }
      });
      for (const s of old) disposeSlot(s);
      slots = next;
      steps = t;
    },

    getState(): OptimizerState {
      return {
        step: steps,
        buffers: {
          expAvg: slots.map((s) => (s ? copy(s.expAvg) : null)),
          expAvgSq: slots.map((s) => (s ? copy(s.expAvgSq) : null)),
          maxExpAvgSq: slots.map((s) => (s?.maxExpAvgSq ? copy(s.maxExpAvgSq) : null)),
        },
      };
    },

    setState(state: OptimizerState, params: Variable[]) {
      if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`adam: state.step must be a non-negative integer, got ${state.step}`);
      const get = (name: string) => {
        const arrays = state.buffers[name] ?? [];
        if (arrays.length !== 0 && arrays.length !== params.length) {
          throw new Error(`adam: state has ${arrays.length} '${name}' buffers for ${params.length} params`);
        }
        arrays.forEach((a, i) => {
          if (a && a.length !== params[i]!.size) {
            throw new Error(`adam: '${name}' buffer ${i} has ${a.length} values, param has ${params[i]!.size}`);
          }
        });
        return arrays;
      };
      const m = get('expAvg');
      const v = get('expAvgSq');
      const vmax = get('maxExpAvgSq');
      for (let i = 0; i < params.length; i++) {
        if (!!m[i] !== !!v[i]) throw new Error(`adam: param ${i} has only one of expAvg and expAvgSq`);
        if (m[i] && amsgrad && !vmax[i]) throw new Error(`adam: amsgrad needs maxExpAvgSq for param ${i}`);
        if (!m[i] && state.step > 0) throw new Error(`adam: state at step ${state.step} has no buffers for param ${i}`);
      }
      const make = (a: Float32Array, param: Variable) => tf.keep(tf.tensor(Float32Array.from(a), param.shape, 'float32'));
      const restored = params.map((param, i): Slot | null => {
        const mi = m[i];
        const vi = v[i];
        if (!mi || !vi) return null;
        const vmaxi = vmax[i];
        return { expAvg: make(mi, param), expAvgSq: make(vi, param), maxExpAvgSq: amsgrad && vmaxi ? make(vmaxi, param) : null };
      });
      clear();
      slots = restored;
      steps = state.step;
    },

    dispose() {
      clear();
      for (const s of Object.values(scalars)) s?.dispose();
      disposed = true;
    },
  };
}

function disposeSlot(s: Slot | null): void {
  if (!s) return;
  s.expAvg.dispose();
  s.expAvgSq.dispose();
  s.maxExpAvgSq?.dispose();
}

/** A Float32Array copy of a tensor (never a view of backend memory). */
function copy(t: Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}
