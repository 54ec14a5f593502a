// The heap of TF.js's wasm backends (wasm, wasm-blas) as our kernels see it: the parts of the
// backend they use, where a tensor's data lies, and the loops of simd.wat instantiated on the heap,
// so that they read and write tensors where the backend keeps them.
import { SIMD_WASM } from './simd-wasm.js';

/** A kernel's view of a tensor. */
export interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** The parts of tfjs-backend-wasm's BackendWasm our kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  disposeData(dataId: object): boolean;
}

/**
 * Byte offset of a tensor's data on the heap. Looking up data that lives on another backend moves
 * it onto the heap, which may grow it and so replace HEAPU8's buffer: views over the buffer are
 * made after every lookup and allocation; offsets stay valid.
 */
export const heapOffset = (backend: WasmBackend, t: TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;

export interface SimdLoops {
  /** See simd.wat for the arguments (byte offsets, flags and scalars). */
  sgd(...args: number[]): void;
  adam(...args: number[]): void;
  rmsprop(...args: number[]): void;
  adagrad(...args: number[]): void;
  /** x = max(x, 0) in place over n >= 4 floats at byte offset x. */
  relu(x: number, n: number): void;
  /** out = y > 0 ? dy : 0 over n >= 4 floats (byte offsets). */
  reluGrad(dy: number, y: number, out: number, n: number): void;
  /** im2col and col2im of src/kernels/conv/im2col.ts: (from, to, then the geometry's 14 integers), byte offsets. */
  im2col(...args: number[]): void;
  col2im(...args: number[]): void;
  /** x[r, j] = x[r, j] + bias[j] (then max(·, 0) when relu is 1) over rows × n floats at byte offset x, in place. */
  biasAct(x: number, bias: number, rows: number, n: number, relu: number): void;
  /** MaxPoolGrad of src/kernels/conv/pool.ts: (x, dy, dx, then b, h, w, c, outH, outW, kh, kw, sh, sw, top, left), byte offsets. */
  maxPoolGrad(...args: number[]): void;
}

let compiled: WebAssembly.Module | undefined;
const instances = new WeakMap<WebAssembly.Memory, SimdLoops>();

/** The heap of a TF.js wasm backend, or null for any other backend. */
export function wasmHeap(backend: unknown): WebAssembly.Memory | null {
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** The loops on this heap (one instance per heap); throws where they cannot link (e.g. a shared heap). */
export function simdLoops(memory: WebAssembly.Memory): SimdLoops {
  let loops = instances.get(memory);
  if (!loops) {
    compiled ??= new WebAssembly.Module(Buffer.from(SIMD_WASM, 'base64'));
    loops = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as SimdLoops;
    instances.set(memory, loops);
  }
  return loops;
}
