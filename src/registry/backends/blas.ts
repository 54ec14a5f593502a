// Matrix products for TF.js's wasm backend on a native CBLAS (OpenBLAS by default), called through
// koffi on the wasm heap in place: no copies, no operand packing per call, transposes for free.
// Measured on the project's machines: sgemm at ~85 GFLOP/s on one core against ~34 for XNNPACK in
// wasm, whose fully-connected operator also re-packs its right operand whenever that tensor changes.
import type { TF } from '../kinds.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from '../simd.js';

/** C = op(A)·op(B) + beta·C for row-major float32 arrays; op is a transpose when its flag is set. */
export type Sgemm = (transposeA: boolean, transposeB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, beta: 0 | 1, c: Float32Array) => void;

/** Library names tried in order when TRAINYARD_BLAS does not name one. */
export const BLAS_LIBRARIES = ['libopenblas.so.0', 'libopenblas.so', 'libopenblas.dylib'];

/**
 * Opens a CBLAS library and returns its single-precision matrix product. Threads: one per library,
 * because trainyard already runs one trial per core in parallel workers.
 */
export async function openBlas(libraries: string[] = process.env.TRAINYARD_BLAS ? [process.env.TRAINYARD_BLAS] : BLAS_LIBRARIES): Promise<{ sgemm: Sgemm; library: string }> {
  let koffi: Pick<typeof import('koffi'), 'load'>;
  try {
    koffi = (await import('koffi')).default;
  } catch (error) {
    throw new Error(`koffi (the FFI it calls BLAS through) cannot load here: ${(error as Error).message.split('\n')[0]}`);
  }
  const failures: string[] = [];
  for (const library of libraries) {
    let lib: ReturnType<typeof koffi.load>;
    try {
      lib = koffi.load(library);
    } catch (error) {
      failures.push(`${library}: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    let cblasSgemm: (...args: unknown[]) => void;
    try {
      cblasSgemm = lib.func('void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int)');
    } catch {
      failures.push(`${library}: has no cblas_sgemm`);
      continue;
    }
    try {
      lib.func('void openblas_set_num_threads(int)')(1);
    } catch {
      // Not OpenBLAS: its own thread setting (e.g. MKL_NUM_THREADS) applies.
    }
    const ROW_MAJOR = 101;
    const NO_TRANS = 111;
    const TRANS = 112;
    const sgemm: Sgemm = (ta, tb, m, n, k, a, b, beta, c) =>
      cblasSgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, 1, a, ta ? m : k, b, tb ? k : n, beta, c, n);
    return { sgemm, library };
  }
  throw new Error(`no CBLAS library could be opened (${failures.join('; ')}); on Debian or Ubuntu: apt-get install libopenblas0-pthread, or set TRAINYARD_BLAS to a CBLAS library's path`);
}

// ---- the kernels ---------------------------------------------------------------------------


interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

type KernelFunc = (args: KernelArgs) => TensorInfo | TensorInfo[];

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

interface Epilogue {
  /** Added to every row of the product (length n, or 1 to add one value everywhere). */
  bias?: TensorInfo;
  relu?: boolean;
}

/**
 * op(A)·op(B) (+ bias, then ReLU) into a new tensor on the wasm heap, batch by batch, or null when
 * the batch dimensions broadcast in a way only the original kernel handles. The bias is copied into
 * the output first and sgemm adds the product to it (beta = 1): one rounding, as a separate add has.
 */
function product(sgemm: Sgemm, backend: WasmBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, epilogue: Epilogue = {}): TensorInfo | null {
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

/** Name of the kernel for a dense layer's whole backward pass (see denseBackward). */
export const DENSE_BACKWARD = 'TrainyardDenseBackward';

// Reused across calls (kernels run one at a time on a thread).
let ones = new Float32Array(0);

/**
 * A dense layer's backward pass in one kernel, for y = act(x W + b) with act linear or ReLU:
 * dz = relu ? dy where y > 0 (else 0) : dy;  dW = xᵀ dz;  db = 1ᵀ dz;  dx = dz Wᵀ.
 * Outputs [dW, db?, dx?].
 */
function denseBackward(sgemm: Sgemm, backend: WasmBackend, inputs: Record<string, TensorInfo | undefined>, attrs: Record<string, unknown>): TensorInfo[] {
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

/**
 * Registers TF.js backend `name`: the wasm backend's own kernels, except BatchMatMul and
 * _FusedMatMul, which run on `sgemm` (falling back to wasm's for what they do not cover), and
 * Identity, which shares its input's data instead of copying it; and DENSE_BACKWARD.
 */
export function registerWasmBlasBackend(tf: TF, name: string, sgemm: Sgemm): void {
  const engine = tf as unknown as {
    findBackendFactory(name: string): (() => unknown) | null;
    getKernelsForBackend(name: string): { kernelName: string; setupFunc?: (backend: unknown) => void; kernelFunc: KernelFunc }[];
    registerKernel(config: { kernelName: string; backendName: string; setupFunc?: (backend: unknown) => void; kernelFunc: KernelFunc }): void;
  };
  if (engine.findBackendFactory(name)) return;
  const wasmFactory = engine.findBackendFactory('wasm');
  if (!wasmFactory) throw new Error("TF.js has no 'wasm' backend registered");
  const kernels = engine.getKernelsForBackend('wasm');
  const original = (kernelName: string) => {
    const kernel = kernels.find((k) => k.kernelName === kernelName);
    if (!kernel) throw new Error(`the wasm backend has no ${kernelName} kernel`);
    return kernel;
  };
  const batchMatMul = original('BatchMatMul');
  const fusedMatMul = original('_FusedMatMul');
  const identity = original('Identity');
  // Priority below wasm's: naming the backend selects it, TF.js never picks it by itself.
  tf.registerBackend(name, wasmFactory as never, 1);
  for (const kernel of kernels) {
    if (kernel !== batchMatMul && kernel !== fusedMatMul && kernel !== identity) engine.registerKernel({ ...kernel, backendName: name });
  }
  // TF.js clones every tensor a gradient saves through Identity, which plain wasm copies; tensors
  // are immutable, so sharing the data with a reference count (as the cpu backend does) is enough.
  engine.registerKernel({
    kernelName: 'Identity',
    backendName: name,
    kernelFunc: (({ inputs, backend }: { inputs: { x: TensorInfo }; backend: WasmBackend & { incRef(dataId: object): void } }) => {
      const { x } = inputs;
      if (x.dtype === 'string') return identity.kernelFunc({ inputs, backend, attrs: {} } as never);
      backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as never,
  });
  engine.registerKernel({
    kernelName: DENSE_BACKWARD,
    backendName: name,
    kernelFunc: ({ inputs, backend, attrs }) => denseBackward(sgemm, backend, inputs, attrs),
  });
  engine.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: name,
    setupFunc: batchMatMul.setupFunc,
    kernelFunc: (args) => {
      const { a, b } = args.inputs;
      return product(sgemm, args.backend, a!, b!, !!args.attrs.transposeA, !!args.attrs.transposeB) ?? batchMatMul.kernelFunc(args);
    },
  });
  engine.registerKernel({
    kernelName: '_FusedMatMul',
    backendName: name,
    setupFunc: fusedMatMul.setupFunc,
    kernelFunc: (args) => {
      const { a, b, bias, preluActivationWeights } = args.inputs;
      const activation = args.attrs.activation as string;
      const covered = (activation === 'linear' || activation === 'relu') && !preluActivationWeights && (!bias || bias.shape.length <= 1);
      const out = covered && product(sgemm, args.backend, a!, b!, !!args.attrs.transposeA, !!args.attrs.transposeB, { bias, relu: activation === 'relu' });
      return out || fusedMatMul.kernelFunc(args);
    },
  });
}
