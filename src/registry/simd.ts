// The loops of simd.wat, instantiated on the heap of one of TF.js's wasm backends (wasm,
// wasm-blas), so that they read and write tensors where the backend keeps them.
import { SIMD_WASM } from './simd-wasm.js';

export interface SimdLoops {
  sgd(...args: number[]): void;
  adam(...args: number[]): void;
  /** x = max(x, 0) in place over n >= 4 floats at byte offset x. */
  relu(x: number, n: number): void;
  /** out = y > 0 ? dy : 0 over n >= 4 floats (byte offsets). */
  reluGrad(dy: number, y: number, out: number, n: number): void;
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
