// One-pass SGD, Adam, AdamW, RMSprop and Adagrad updates for TF.js's wasm backends (wasm, wasm-blas). The tensor-op
// path runs ten or more kernels per parameter, each a pass over memory plus a dispatch; these run
// one WebAssembly SIMD loop (simd.wat) on the backend's own heap. Same float32 operations in the
// same order, so the same bits; parameters the loops do not take keep the ops.
import type * as tfjs from '@tensorflow/tfjs';
import { replaceKernel } from '../tf-kernels.js';
import type { FusedStep, Kernels, Slot } from '../index.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from './simd.js';

type TF = typeof tfjs;
type Tensor = tfjs.Tensor;

const SGD_KERNEL = 'TrainyardFusedSgd';
const ADAM_KERNEL = 'TrainyardFusedAdam';
const RMSPROP_KERNEL = 'TrainyardFusedRmsprop';
const ADAGRAD_KERNEL = 'TrainyardFusedAdagrad';

/** Heap byte offsets of an update's tensors (0: none); outputs may be the inputs (an update in place). */
interface Offsets {
  param: number;
  grad: number;
  outParam: number;
  /** SGD's momentum buffer, Adam's two moments: in, then out. */
  buffers: number[];
  outBuffers: number[];
}

const bit = (b: boolean) => (b ? 1 : 0);

/** The SGD kernel's attrs (numbers, as TF.js carries them) for a step. */
const sgdAttrs = (step: Extract<FusedStep, { rule: 'sgd' }>, size: number): Record<string, number> => ({
  size, lr: step.lr, maximize: bit(step.maximize), weightDecay: step.weightDecay,
  momentum: step.momentum, dampening: step.dampening, nesterov: bit(step.nesterov),
});

const adamAttrs = (step: Extract<FusedStep, { rule: 'adam' }>, size: number): Record<string, number> => ({
  size, maximize: bit(step.maximize), weightDecay: step.weightDecay,
  beta1: step.betas[0], beta2: step.betas[1], eps: step.eps, negStepSize: step.negStepSize, bc2Sqrt: step.bc2Sqrt,
  useDecay: bit(step.decay !== undefined), decay: step.decay ?? 1,
});

/** simd.wat's SGD pass; the first step (no buffer in) starts the momentum buffer. */
function sgdLoop(backend: WasmBackend, o: Offsets, a: Record<string, number>): void {
  simdLoops(wasmHeap(backend)!).sgd(
    o.param, o.grad, o.buffers[0] ?? 0, o.outParam, o.outBuffers[0] ?? 0, a.size!,
    o.buffers[0] ? 0 : 1, a.maximize!, a.weightDecay ? 1 : 0, a.weightDecay!,
    a.momentum ? 1 : 0, a.momentum!, a.dampening ? 1 : 0, 1 - a.dampening!,
    a.nesterov!, -a.lr!,
  );
}

/** simd.wat's Adam pass; the first step (no moments in) starts them. */
function adamLoop(backend: WasmBackend, o: Offsets, a: Record<string, number>): void {
  simdLoops(wasmHeap(backend)!).adam(
    o.param, o.grad, o.buffers[0] ?? 0, o.buffers[1] ?? 0, o.outParam, o.outBuffers[0]!, o.outBuffers[1]!, a.size!,
    o.buffers[0] ? 0 : 1, a.maximize!, a.weightDecay ? 1 : 0, a.weightDecay!,
    a.beta1!, 1 - a.beta1!, a.beta2!, 1 - a.beta2!,
    a.negStepSize!, a.bc2Sqrt!, a.eps!, a.useDecay!, a.decay!,
  );
}

/** Registers the update kernels with TF.js for backend `backendName` (one whose tensors live on a wasm heap). */
export function registerUpdateKernels(tf: TF, backendName: string): void {
  const register = (kernelName: string, run: (backend: WasmBackend, inputs: Record<string, TensorInfo>, attrs: Record<string, number>) => TensorInfo[]) =>
    replaceKernel(tf, {
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
    sgdLoop(backend, { param: at(param), grad: at(grad), outParam: at(value), buffers: buf ? [at(buf)] : [], outBuffers: [at(nextBuf)] }, a);
    return nextBuf ? [value, nextBuf] : [value];
  });

  register(ADAM_KERNEL, (backend, { param, grad, expAvg, expAvgSq }, a) => {
    const shape = param!.shape;
    const [value, m, v] = [0, 1, 2].map(() => backend.makeOutput(shape, 'float32')) as [TensorInfo, TensorInfo, TensorInfo];
    const at = (t: TensorInfo | undefined) => (t ? heapOffset(backend, t) : 0);
    adamLoop(backend, { param: at(param), grad: at(grad), outParam: at(value), buffers: expAvg ? [at(expAvg), at(expAvgSq)] : [], outBuffers: [at(m), at(v)] }, a);
    return [value, m, v];
  });

  register(RMSPROP_KERNEL, (backend, { param, grad, squareAvg, gradAvg, momentumBuffer }, a) => {
    const shape = param!.shape;
    const value = backend.makeOutput(shape, 'float32');
    const sq = backend.makeOutput(shape, 'float32');
    const gavg = a.centered ? backend.makeOutput(shape, 'float32') : null;
    const buf = a.momentum ? backend.makeOutput(shape, 'float32') : null;
    const at = (t: TensorInfo | null | undefined) => (t ? heapOffset(backend, t) : 0);
    simdLoops(wasmHeap(backend)!).rmsprop(
      at(param), at(grad), at(squareAvg), at(gradAvg), at(momentumBuffer), at(value), at(sq), at(gavg), at(buf), a.size!,
      squareAvg ? 0 : 1, a.maximize!, a.weightDecay ? 1 : 0, a.weightDecay!,
      a.alpha!, 1 - a.alpha!, a.eps!, a.centered!, a.momentum ? 1 : 0, a.momentum!, -a.lr!,
    );
    return [value, sq, ...(gavg ? [gavg] : []), ...(buf ? [buf] : [])];
  });

  register(ADAGRAD_KERNEL, (backend, { param, grad, sum }, a) => {
    const shape = param!.shape;
    const [value, nextSum] = [backend.makeOutput(shape, 'float32'), backend.makeOutput(shape, 'float32')];
    const at = (t: TensorInfo | undefined) => (t ? heapOffset(backend, t) : 0);
    simdLoops(wasmHeap(backend)!).adagrad(
      at(param), at(grad), at(sum), at(value), at(nextSum), a.size!,
      sum ? 0 : 1, a.maximize!, a.weightDecay ? 1 : 0, a.weightDecay!,
      a.initialAccumulatorValue ? 1 : 0, a.initialAccumulatorValue!, a.eps!, -a.clr!,
    );
    return [value, nextSum];
  });
}

/** Whether the loops link on this backend's heap (not on a shared, threaded one), remembered per heap. */
const linkable = new WeakMap<WebAssembly.Memory, boolean>();
function loopsLink(backend: unknown): boolean {
  const memory = wasmHeap(backend);
  if (!memory) return false;
  let ok = linkable.get(memory);
  if (ok === undefined) {
    try {
      simdLoops(memory);
      ok = true;
    } catch {
      ok = false;
    }
    linkable.set(memory, ok);
  }
  return ok;
}

/**
 * Backends on which a kernel has run that caches a weight's packed form by its memory (TF.js's
 * XNNPACK operators in tfjs-backend-wasm: fully-connected, convolutions, prelu, keyed by the
 * tensor's id): an update in place would leave that cache stale, so there every update makes new
 * tensors. Plain wasm's products are all XNNPACK; wasm-blas marks itself only when one of its
 * kernels falls back to one (kernels/blas/index.ts).
 */
const cachesByMemory = new WeakSet<object>();
export const markCachesByMemory = (backend: object): void => void cachesByMemory.add(backend);
/** Whether the backend is marked (for tests, which may clear the mark while none of their tensors is cached, and restore it). */
export const cachesWeightsByMemory = (backend: object): boolean => cachesByMemory.has(backend);
export const clearCachesByMemory = (backend: object): void => void cachesByMemory.delete(backend);

/**
 * Whether an update may write over these tensors' memory: each is the only tensor of its data (a
 * clone kept as the best epoch's weights shares it, and must keep the old values), and whole
 * vectors cover it (the loops recompute an overlapping last vector, which in place would apply it twice).
 */
function writableInPlace(backend: WasmBackend, tensors: Tensor[]): boolean {
  return tensors.every((t) => t.size % 4 === 0 && (backend as unknown as { refCount(dataId: unknown): number }).refCount(t.dataId) === 1);
}

/**
 * SGD and Adam in place, once their buffers exist: the loop's outputs are its inputs' memory, so a
 * step makes no tensors and TF.js keeps no books for it (measured 2026-12-02: the lecture's Adam
 * step 3.8 ms, of which 0.8 ms was the update, most of it the bookkeeping for 18 new tensors).
 * Null where the update must make new tensors (first step, shared or ragged memory, another rule).
 */
function updateInPlace(backend: WasmBackend, step: FusedStep, param: Tensor, grad: Tensor, prev: Slot | null): { value: Tensor; slot: Slot } | null {
  if (cachesByMemory.has(backend)) return null;
  const at = (t: Tensor) => heapOffset(backend, t as unknown as TensorInfo);
  // Each output is its input's memory.
  const over = (buffers: Tensor[]): Offsets => ({ param: at(param), grad: at(grad), outParam: at(param), buffers: buffers.map(at), outBuffers: buffers.map(at) });
  if (step.rule === 'sgd') {
    const buf = prev?.momentumBuffer;
    if ((step.momentum && !buf) || !writableInPlace(backend, buf ? [param, buf] : [param])) return null;
    sgdLoop(backend, over(buf ? [buf] : []), sgdAttrs(step, param.size));
    return { value: param, slot: buf ? { momentumBuffer: buf } : {} };
  }
  if (step.rule === 'adam') {
    const [m, v] = [prev?.expAvg, prev?.expAvgSq];
    if (!m || !v || !writableInPlace(backend, [param, m, v])) return null;
    adamLoop(backend, over([m, v]), adamAttrs(step, param.size));
    return { value: param, slot: { expAvg: m, expAvgSq: v } };
  }
  return null;
}

/**
 * The fusedUpdate kernel of the Kernels interface, on the kernels registerUpdateKernels registered;
 * with `inPlace`, in place where updateInPlace may.
 */
export function fusedUpdate(tf: TF, inPlace: boolean): NonNullable<Kernels['fusedUpdate']> {
  const run = (kernel: string, inputs: Record<string, Tensor>, attrs: Record<string, number>) =>
    tf.engine().runKernel(kernel, inputs as never, attrs as never) as unknown as Tensor[];
  return (step, param, grad, prev) => {
    // The loops read and write whole vectors: fewer than 4 values would run past the tensor.
    if (param.dtype !== 'float32' || param.size < 4 || !loopsLink(tf.backend())) return null;
    if (grad.dtype !== 'float32' || grad.size !== param.size) {
      throw new Error(`fused update: param ${param.name} [${param.shape}] and its gradient [${grad.shape}] ${grad.dtype} do not match`);
    }
    const updated = inPlace ? updateInPlace(tf.backend() as unknown as WasmBackend, step, param, grad, prev) : null;
    if (updated) return updated;
    if (step.rule === 'sgd') {
      const buf = prev?.momentumBuffer;
      const [value, nextBuf] = run(SGD_KERNEL, buf ? { param, grad, buf } : { param, grad }, sgdAttrs(step, param.size));
      return { value: value!, slot: nextBuf ? { momentumBuffer: nextBuf } : {} };
    }
    if (step.rule === 'adam') {
      const inputs: Record<string, Tensor> = prev ? { param, grad, expAvg: prev.expAvg!, expAvgSq: prev.expAvgSq! } : { param, grad };
      const [value, expAvg, expAvgSq] = run(ADAM_KERNEL, inputs, adamAttrs(step, param.size));
      return { value: value!, slot: { expAvg: expAvg!, expAvgSq: expAvgSq! } };
    }
    if (step.rule === 'rmsprop') {
      const useMomentum = step.momentum > 0;
      const inputs: Record<string, Tensor> = { param, grad };
      if (prev) {
        inputs.squareAvg = prev.squareAvg!;
        if (step.centered) inputs.gradAvg = prev.gradAvg!;
        if (useMomentum) inputs.momentumBuffer = prev.momentumBuffer!;
      }
      const [value, squareAvg, ...rest] = run(RMSPROP_KERNEL, inputs, {
        size: param.size, maximize: bit(step.maximize), weightDecay: step.weightDecay, alpha: step.alpha, eps: step.eps,
        centered: bit(step.centered), momentum: useMomentum ? step.momentum : 0, lr: step.lr,
      });
      const slot: Slot = { squareAvg: squareAvg! };
      if (step.centered) slot.gradAvg = rest.shift()!;
      if (useMomentum) slot.momentumBuffer = rest.shift()!;
      return { value: value!, slot };
    }
    const [value, sum] = run(ADAGRAD_KERNEL, prev ? { param, grad, sum: prev.sum! } : { param, grad }, {
      size: param.size, maximize: bit(step.maximize), weightDecay: step.weightDecay, eps: step.eps,
      initialAccumulatorValue: step.initialAccumulatorValue, clr: step.clr,
    });
    const slot: Slot = { sum: sum! };
    return { value: value!, slot };
  };
}
