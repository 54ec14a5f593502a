// The bookkeeping every torch-style optimizer shares: per-parameter state buffers, the step count,
// one tf.tidy per update, state export/import as Float32Array copies, and disposal.
// An optimizer plugin supplies only its update rule, and where a backend can fuse it, its step.
import type { OptimizerRuntime, OptimizerState, Tensor, TF, Variable } from '../kinds.js';
import { kernelsFor, type FusedStep, type Slot } from '../../kernels/index.js';

export type { Slot };

export interface UpdateRule<S> {
  /** Names of the per-parameter buffers, as getState() exports them; all present once a parameter has stepped. */
  buffers: readonly string[];
  /**
   * Scalars for update t (1-based) at learning rate lr, made once per step inside the step's tf.tidy
   * (torch computes these as Python floats; they become float32 constants here).
   */
  perStep(t: number, lr: number): S;
  /**
   * The new value of one parameter and its new buffers (prev is null on its first step), inside the
   * step's tf.tidy. Buffers may be returned unchanged; a returned tensor may not be the caller's gradient.
   */
  update(param: Variable, grad: Tensor, prev: Slot | null, scalars: S): { value: Tensor; slot: Slot };
  /**
   * Update t at learning rate lr as a step the backend's fused kernels may run in one pass per
   * parameter (kernels/index.ts: FusedStep; same bits as update()), or null for a setting they do
   * not cover. Absent: tensor ops only. Where the active backend has no fused kernel, or it does
   * not take a parameter, update() runs.
   */
  fused?(t: number, lr: number): FusedStep | null;
  /** Frees the constants the rule made when it was created. */
  dispose(): void;
}

/** A float32 scalar kept across tidies (an optimizer's constant; freed by its dispose()). */
export const constant = (tf: TF, x: number): Tensor => tf.keep(tf.scalar(x, 'float32'));

/** The scalars the Adam family shares: β1, 1-β1, β2, 1-β2, eps, and L2 weight decay when it is on. */
export function adamConstants(tf: TF, [beta1, beta2]: [number, number], eps: number, weightDecay = 0) {
  return {
    beta1: constant(tf, beta1),
    oneMinusBeta1: constant(tf, 1 - beta1),
    beta2: constant(tf, beta2),
    oneMinusBeta2: constant(tf, 1 - beta2),
    eps: constant(tf, eps),
    weightDecay: weightDecay !== 0 ? constant(tf, weightDecay) : null,
  };
}

export function createRuntime<S>(tf: TF, who: string, rule: UpdateRule<S>): OptimizerRuntime {
  let slots: (Slot | null)[] = [];
  let steps = 0;
  let disposed = false;

  const disposeSlots = (list: (Slot | null)[], keep?: Set<Tensor>) => {
    for (const s of list) {
      if (!s) continue;
      for (const t of Object.values(s)) if (!keep?.has(t)) t.dispose();
    }
  };

  return {
    step(params: Variable[], grads: Tensor[], lr: number) {
      if (disposed) throw new Error(`${who}: step() after dispose()`);
      if (params.length !== grads.length) throw new Error(`${who}: ${params.length} params but ${grads.length} grads`);
      if (slots.length !== 0 && slots.length !== params.length) {
        throw new Error(`${who}: state is for ${slots.length} params, step() got ${params.length}`);
      }
      if (!Number.isFinite(lr)) throw new Error(`${who}: lr must be a finite number, got ${lr}`);
      const t = steps + 1;
      const old = slots;
      const next: (Slot | null)[] = new Array(params.length).fill(null);
      const fusedUpdate = rule.fused ? kernelsFor(tf).fusedUpdate : undefined;
      const fused = fusedUpdate ? rule.fused!(t, lr) : null;
      tf.tidy(() => {
        // Made only if a parameter takes the tensor ops.
        let scalars: S | undefined;
        for (let i = 0; i < params.length; i++) {
          const param = params[i]!;
          const grad = grads[i]!;
          const prev = old[i] ?? null;
          const { value, slot } = (fused && fusedUpdate!(fused, param, grad, prev)) || rule.update(param, grad, prev, (scalars ??= rule.perStep(t, lr)));
          const kept: Slot = {};
          for (const name of rule.buffers) {
            const b = slot[name];
            if (!b) throw new Error(`${who}: update rule returned no '${name}' buffer`);
            // A buffer must be the runtime's own tensor: never the caller's gradient or a parameter.
            kept[name] = tf.keep(b === grad || b === param ? tf.clone(b) : b);
          }
          // An update in place (kernels/wasm/updates.ts) returns the parameter itself: assigning it would free its data.
          if (value !== param) param.assign(value);
          next[i] = kept;
        }
      });
      const carried = new Set(next.flatMap((s) => (s ? Object.values(s) : [])));
      disposeSlots(old, carried);
      slots = next;
      steps = t;
    },

    async getState(): Promise<OptimizerState> {
      // Every read starts now, before any await: the state as of this call.
      const step = steps;
      const reads = rule.buffers.map((name) => slots.map((s) => (s ? s[name]!.data() : null)));
      const buffers: OptimizerState['buffers'] = {};
      for (const [n, name] of rule.buffers.entries()) {
        buffers[name] = await Promise.all(reads[n]!.map(async (r) => (r ? Float32Array.from((await r) as Float32Array) : null)));
      }
      return { step, buffers };
    },

    setState(state: OptimizerState, params: Variable[]) {
      if (disposed) throw new Error(`${who}: setState() after dispose()`);
      if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${who}: state.step must be a non-negative integer, got ${state.step}`);
      const arrays: Record<string, (Float32Array | null)[]> = {};
      for (const name of rule.buffers) {
        const list = state.buffers?.[name] ?? [];
        if (list.length !== 0 && list.length !== params.length) {
          throw new Error(`${who}: state has ${list.length} '${name}' buffers for ${params.length} params`);
        }
        list.forEach((a, i) => {
          if (a && a.length !== params[i]!.size) throw new Error(`${who}: '${name}' buffer ${i} has ${a.length} values, param has ${params[i]!.size}`);
        });
        arrays[name] = list;
      }
      for (let i = 0; i < params.length; i++) {
        const present = rule.buffers.filter((n) => arrays[n]![i]);
        if (present.length !== 0 && present.length !== rule.buffers.length) {
          throw new Error(`${who}: param ${i} has only some of its buffers (${present.join(', ')} of ${rule.buffers.join(', ')})`);
        }
        if (present.length === 0 && state.step > 0 && rule.buffers.length > 0) {
          throw new Error(`${who}: state at step ${state.step} has no buffers for param ${i}`);
        }
      }
      const restored = params.map((param, i): Slot | null => {
        if (rule.buffers.length === 0 || !arrays[rule.buffers[0]!]![i]) return null;
        const slot: Slot = {};
        for (const name of rule.buffers) slot[name] = tf.keep(tf.tensor(Float32Array.from(arrays[name]![i]!), param.shape, 'float32'));
        return slot;
      });
      disposeSlots(slots);
      slots = state.step === 0 && restored.every((s) => s === null) ? [] : restored;
      steps = state.step;
    },

    dispose() {
      if (disposed) return;
      disposeSlots(slots);
      slots = [];
      rule.dispose();
      disposed = true;
    },
  };
}

/** torch's first lines of most rules: grad = -grad if maximize; grad = grad + weight_decay * param (L2, coupled). */
export function effectiveGrad(tf: TF, grad: Tensor, param: Variable, maximize: boolean, weightDecay: Tensor | null): Tensor {
  const g = maximize ? tf.neg(grad) : grad;
  return weightDecay ? tf.add(g, tf.mul(param, weightDecay)) : g;
}

/** JSON Schema pieces shared by the optimizers' params (torch's names in camelCase). */
export const schema = {
  lr: (value: number) => ({ type: 'number', exclusiveMinimum: 0, default: value, description: 'Learning rate' }),
  betas: (description: string) => ({
    type: 'array',
    items: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    minItems: 2,
    maxItems: 2,
    default: [0.9, 0.999],
    description,
  }),
  eps: (value: number, description = 'Added to the denominator for numerical stability') => ({ type: 'number', minimum: 0, default: value, description }),
  weightDecay: (value = 0, description = 'L2 penalty added to the gradient (torch weight_decay)') => ({ type: 'number', minimum: 0, default: value, description }),
  maximize: () => ({ type: 'boolean', default: false, description: 'Maximize the objective instead of minimizing it' }),
};
