// Sums over every axis but the last (a bias's gradient: a convolution's over batch, height and
// width) as one product with a row of ones on sgemm: wasm's Sum over leading axes transposes its
// input first and was a fifth of a CNN step. Any other Sum goes to wasm's kernel.
import type * as tfjs from '@tensorflow/tfjs';
import type { Sgemm } from './open.js';
import { heapOffset, type TensorInfo, type WasmBackend } from '../wasm/simd.js';

type TF = typeof tfjs;

interface KernelArgs {
  inputs: { x: TensorInfo };
  backend: WasmBackend;
  attrs: { axis: number | number[]; keepDims: boolean };
}

let ones = new Float32Array(0);

export function registerLeadingSums(tf: TF, backendName: string, sgemm: Sgemm, original: { setupFunc?: (backend: unknown) => void; kernelFunc: (args: never) => unknown }): void {
  tf.registerKernel({
    kernelName: 'Sum',
    backendName,
    setupFunc: original.setupFunc as never,
    kernelFunc: ((args: KernelArgs) => {
      const { x } = args.inputs;
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(args.attrs.axis, x.shape).sort((a, b) => a - b);
      const leading = rank >= 2 && x.dtype === 'float32' && axes.length === rank - 1 && axes.every((a, i) => a === i);
      if (!leading) return original.kernelFunc(args as never);
      const columns = x.shape[rank - 1]!;
      const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const from = heapOffset(args.backend, x);
      const out = args.backend.makeOutput(args.attrs.keepDims ? [...x.shape.slice(0, -1).map(() => 1), columns] : [columns], 'float32');
      const heap = args.backend.wasm.HEAPU8.buffer;
      const result = new Float32Array(heap, heapOffset(args.backend, out), columns);
      if (rows === 0 || columns === 0) result.fill(0);
      else {
        if (ones.length < rows) ones = new Float32Array(rows).fill(1);
        sgemm(false, false, 1, columns, rows, ones.subarray(0, rows), new Float32Array(heap, from, rows * columns), 0, result);
      }
      return out;
    }) as never,
  });
}
