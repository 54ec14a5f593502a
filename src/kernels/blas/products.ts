// Matrix products for TF.js's wasm backend on a native CBLAS, called on the wasm heap in place: no
// copies, no operand packing per call, transposes for free; and a dense layer's backward pass in
// one kernel on the same products.
import type { Sgemm } from './open.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from '../wasm/simd.js';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Outer (batch) dimensions of a product, or null when they broadcast in a way this path does not handle. */
function outerShape(a: number[], b: number[]): number[] | null {
  const batchA = size(a);
  const batchB = size(b);
  if (batchA === 1) return b.length >= a.length ? b : a;
  if (batchB === 1) return a.length >= b.length ? a : b;
  const trimmed = (s: number[]) => s.slice(s.findIndex((d) => d !== 1));
  const ta = trimmed(a);
  return ta.length === trimmed(b).length && ta.every((d, i) => d === trimmed(b)[i]) ? (a.length >= b.length ? a : b) : null;
}

export interface Epilogue {
  /** Added to every row of the product (length n, or 1 to add one value everywhere). */
  bias?: TensorInfo;
  relu?: boolean;
}

/**
 * op(A)·op(B) (+ bias, then ReLU) into a new tensor on the wasm heap, batch by batch, or null when
 * the batch dimensions broadcast in a way only the original kernel handles. The bias is copied into
 * the output first and sgemm adds the product to it (beta = 1): one rounding, as a separate add has.
 */
export function product(sgemm: Sgemm, backend: WasmBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, epilogue: Epilogue = {}): TensorInfo | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`wasm-blas: matrix products take float32 tensors only, got ${a.dtype} and ${b.dtype}`);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outer = outerShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  if (!outer) return null;
  const { bias, relu = false } = epilogue;
  const biasSize = bias ? size(bias.shape) : 0;
  if (bias && biasSize !== 1 && biasSize !== n) throw new Error(`_FusedMatMul: bias of shape [${bias.shape}] does not broadcast to [${[...outer, m, n]}]`);
  const batches = size(outer);
  const strideA = size(a.shape.slice(0, -2)) === 1 ? 0 : m * k;
  const strideB = size(b.shape.slice(0, -2)) === 1 ? 0 : k * n;
  // Inputs first, then the output, then views (see heapOffset).
  const at = (t: TensorInfo) => heapOffset(backend, t);
  const [offA, offB, offBias] = [at(a), at(b), bias ? at(bias) : 0];
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const heap = backend.wasm.HEAPU8.buffer;
  const c = new Float32Array(heap, at(out), batches * m * n);
  try {
    if (bias) {
      const row = new Float32Array(heap, offBias, biasSize);
      if (biasSize === 1) c.fill(row[0]!);
      else for (let r = 0; r < batches * m; r++) c.set(row, r * n);
    } else if (k === 0) {
      c.fill(0);
    }
    if (k > 0 && m > 0 && n > 0) {
      for (let i = 0; i < batches; i++) {
        sgemm(
          transposeA,
          transposeB,
          m,
          n,
          k,
          new Float32Array(heap, offA + 4 * i * strideA, m * k),
          new Float32Array(heap, offB + 4 * i * strideB, k * n),
          bias ? 1 : 0,
          c.subarray(i * m * n, (i + 1) * m * n),
        );
      }
    }
    if (relu) {
      // A JS loop here costs several ns a value (its branch is a coin toss); SIMD max does not branch.
      if (c.length >= 4) simdLoops(wasmHeap(backend)!).relu(at(out), c.length);
      else for (let i = 0; i < c.length; i++) if (c[i]! < 0) c[i] = 0;
    }
  } catch (error) {
    backend.disposeData(out.dataId); // no tensor will ever own it
    throw error;
  }
  return out;
}

/** TF.js name of the kernel for a dense layer's whole backward pass (see denseBackward). */
export const DENSE_BACKWARD = 'TrainyardDenseBackward';

// Reused across calls (kernels run one at a time on a thread).
let ones = new Float32Array(0);

/**
 * A dense layer's backward pass in one kernel, for y = act(x W + b) with act linear or ReLU:
 * dz = relu ? dy where y > 0 (else 0) : dy;  dW = xᵀ dz;  db = 1ᵀ dz;  dx = dz Wᵀ.
 * Outputs [dW, db?, dx?].
 */
export function denseBackward(sgemm: Sgemm, backend: WasmBackend, inputs: Record<string, TensorInfo | undefined>, attrs: Record<string, unknown>): TensorInfo[] {
  const { dy, x, y, w } = inputs as Record<string, TensorInfo>;
  const [batch, fanIn] = x!.shape as [number, number];
  const units = w!.shape[1]!;
  if (x!.shape.length !== 2 || w!.shape.length !== 2 || w!.shape[0] !== fanIn || dy!.shape[0] !== batch || dy!.shape[1] !== units) {
    throw new Error(`${DENSE_BACKWARD}: shapes x [${x!.shape}], W [${w!.shape}], dy [${dy!.shape}] do not fit`);
  }
  const offset = (t: TensorInfo) => heapOffset(backend, t);
  // Inputs first, then every allocation, then views (see heapOffset).
  for (const t of [dy!, x!, y!, w!]) offset(t);
  const dW = backend.makeOutput([fanIn, units], 'float32');
  const db = attrs.bias ? backend.makeOutput([units], 'float32') : null;
  const dx = attrs.inputGrad ? backend.makeOutput([batch, fanIn], 'float32') : null;
  const dz = attrs.relu ? backend.makeOutput([batch, units], 'float32') : dy!;
  const heap = backend.wasm.HEAPU8.buffer;
  const view = (t: TensorInfo, n: number) => new Float32Array(heap, offset(t), n);
  let ok = false;
  try {
    if (attrs.relu) {
      const size = batch * units;
      if (size >= 4) simdLoops(wasmHeap(backend)!).reluGrad(offset(dy!), offset(y!), offset(dz), size);
      else {
        const [yv, dyv, dzv] = [view(y!, size), view(dy!, size), view(dz, size)];
        for (let i = 0; i < size; i++) dzv[i] = yv[i]! > 0 ? dyv[i]! : 0;
      }
    }
    const dzv = view(dz, batch * units);
    if (batch === 0) {
      view(dW, fanIn * units).fill(0);
      if (db) view(db, units).fill(0);
    } else {
      sgemm(true, false, fanIn, units, batch, view(x!, batch * fanIn), dzv, 0, view(dW, fanIn * units));
      if (db) {
        if (ones.length < batch) ones = new Float32Array(batch).fill(1);
        sgemm(false, false, 1, units, batch, ones.subarray(0, batch), dzv, 0, view(db, units));
      }
      if (dx) sgemm(false, true, batch, fanIn, units, dzv, view(w!, fanIn * units), 0, view(dx, batch * fanIn));
    }
    ok = true;
    return [dW, ...(db ? [db] : []), ...(dx ? [dx] : [])];
  } finally {
    // The masked gradient is scratch on the heap, freed once the products have read it; the
    // outputs too when something failed, since no tensor will ever own them.
    if (dz !== dy) backend.disposeData(dz.dataId);
    if (!ok) for (const t of [dW, db, dx]) if (t) backend.disposeData(t.dataId);
  }
}
