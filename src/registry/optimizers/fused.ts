// One-pass SGD and Adam updates for TF.js's wasm backends (wasm, wasm-blas). The tensor-op path
// runs ten or more kernels per parameter, each a pass over memory plus a dispatch; these run one
// WebAssembly SIMD loop (../simd.wat) on the backend's own heap. Same float32 operations in
// the same order, so the same bits; other backends, and cases the loops do not cover, keep the ops.
import type { Tensor, TF, Variable } from '../kinds.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from '../simd.js';

export interface SgdFlags {
  maximize: boolean;
  weightDecay: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

export interface AdamFlags {
  maximize: boolean;
  weightDecay: number;
  betas: [number, number];
  eps: number;
}

export interface FusedUpdates {
  /** The new parameter value and momentum buffer (null without momentum); prev is null on the first step. */
  sgd(param: Variable, grad: Tensor, prev: Tensor | null, lr: number, flags: SgdFlags): { value: Tensor; buf: Tensor | null };
  /** The new parameter value, exp_avg and exp_avg_sq; prev is null on the first step. */
  adam(param: Variable, grad: Tensor, prev: { expAvg: Tensor; expAvgSq: Tensor } | null, negStepSize: number, bc2Sqrt: number, flags: AdamFlags): { value: Tensor; expAvg: Tensor; expAvgSq: Tensor };
  /** Whether a parameter of this size goes through the fused loops (they need at least one vector). */
  covers(param: Variable): boolean;
}

const SGD_KERNEL = 'TrainyardFusedSgd';
const ADAM_KERNEL = 'TrainyardFusedAdam';

function registerKernels(tf: TF, backendName: string): void {
  const register = (kernelName: string, run: (backend: WasmBackend, inputs: Record<string, TensorInfo>, attrs: Record<string, number>) => TensorInfo[]) =>
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: Record<string, number> }) =>
        run(backend, inputs, attrs)) as never,
    });

  register(SGD_KERNEL, (backend, { param, grad, buf }, a) => {
    const shape = param!.shape;
    const value = backend.makeOutput(shape, 'float32');
    const nextBuf = a.momentum ? backend.makeOutput(shape, 'float32') : null;
    // Only offsets, which growing the heap leaves valid: the loops address the heap's memory itself.
    const at = (t: TensorInfo | null | undefined) => (t ? heapOffset(backend, t) : 0);
    simdLoops(wasmHeap(backend)!).sgd(
      at(param), at(grad), at(buf), at(value), at(nextBuf), a.size!,
      buf ? 0 : 1, a.maximize!, a.weightDecay ? 1 : 0, a.weightDecay!,
      a.momentum ? 1 : 0, a.momentum!, a.dampening ? 1 : 0, 1 - a.dampening!,
      a.nesterov!, -a.lr!,
    );
    return nextBuf ? [value, nextBuf] : [value];
  });

  register(ADAM_KERNEL, (backend, { param, grad, expAvg, expAvgSq }, a) => {
    const shape = param!.shape;
    const [value, m, v] = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
    const at = (t: TensorInfo | undefined) => (t ? heapOffset(backend, t) : 0);
    simdLoops(wasmHeap(backend)!).adam(
      at(param), at(grad), at(expAvg), at(expAvgSq), at(value), at(m), at(v), a.size!,
      expAvg ? 0 : 1, a.maximize!, a.weightDecay ? 1 : 0, a.weightDecay!,
      a.beta1!, 1 - a.beta1!, a.beta2!, 1 - a.beta2!,
      a.negStepSize!, a.bc2Sqrt!, a.eps!,
    );
    return [value, m, v];
  });
}

/**
 * The fused updates on tf's active backend, or null when that backend is not one of TF.js's wasm
 * backends (or the loops cannot be instantiated on its heap, e.g. a shared, threaded one).
 */
export function fusedUpdates(tf: TF): FusedUpdates | null {
  const backendName = tf.getBackend();
  const memory = wasmHeap(tf.backend());
  if (!memory) return null;
  try {
    simdLoops(memory);
  } catch {
    return null;
  }
  if (!tf.getKernel(SGD_KERNEL, backendName)) registerKernels(tf, backendName);

  const run = (kernel: string, inputs: Record<string, Tensor>, attrs: Record<string, number>) =>
    tf.engine().runKernel(kernel, inputs as never, attrs as never) as unknown as Tensor[];
  const check = (param: Variable, grad: Tensor) => {
    // The loops read and write whole vectors: fewer than 4 values would run past the tensor.
    if (param.dtype !== 'float32' || grad.dtype !== 'float32' || grad.size !== param.size || param.size < 4) {
      throw new Error(`fused update: param ${param.name} [${param.shape}] ${param.dtype} and its gradient [${grad.shape}] ${grad.dtype} do not match, or have fewer than 4 values`);
    }
  };
  const bit = (b: boolean) => (b ? 1 : 0);
  return {
    covers: (param) => param.size >= 4 && param.dtype === 'float32',

    sgd(param, grad, prev, lr, f) {
      check(param, grad);
      const inputs: Record<string, Tensor> = prev ? { param, grad, buf: prev } : { param, grad };
      const [value, buf] = run(SGD_KERNEL, inputs, {
        size: param.size, lr, maximize: bit(f.maximize), weightDecay: f.weightDecay,
        momentum: f.momentum, dampening: f.dampening, nesterov: bit(f.nesterov),
      });
      return { value: value!, buf: buf ?? null };
    },

    adam(param, grad, prev, negStepSize, bc2Sqrt, f) {
      check(param, grad);
      const inputs: Record<string, Tensor> = prev ? { param, grad, expAvg: prev.expAvg, expAvgSq: prev.expAvgSq } : { param, grad };
      const [value, expAvg, expAvgSq] = run(ADAM_KERNEL, inputs, {
        size: param.size, maximize: bit(f.maximize), weightDecay: f.weightDecay,
        beta1: f.betas[0], beta2: f.betas[1], eps: f.eps, negStepSize, bc2Sqrt,
      });
      return { value: value!, expAvg: expAvg!, expAvgSq: expAvgSq! };
    },
  };
}
