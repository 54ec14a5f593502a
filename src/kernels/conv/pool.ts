// MaxPoolGrad for the wasm backends: theirs (tfjs-backend-wasm 4.22) routes the gradient to the
// wrong inputs (measured against torch's max_pool2d in test/registry/layers/golden.test.ts). The
// gradient goes to the first maximum of each window in scan order, as torch's does: simd.wat's
// loop (four channels at a time, several times faster), or the same loop in JS where it cannot link.
import type * as tfjs from '@tensorflow/tfjs';
import { replaceKernel } from '../tf-kernels.js';
import { heapOffset, simdLoops, wasmHeap, type TensorInfo, type WasmBackend } from '../wasm/simd.js';

type TF = typeof tfjs;

interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
}

/** The geometry of a 2-D pool over NHWC data, as TF.js's computePool2DInfo gives it. */
export interface PoolGeometry {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padInfo: { top: number; left: number };
}

// Scratch per channel, reused across calls (kernels run one at a time on a thread).
let best = new Float32Array(0);
let where = new Int32Array(0);

/** dx (NHWC, zeroed here) of a max pool: each output's dy added to the first maximum of its window in x, in scan order. */
export function maxPoolGradLoop(xv: Float32Array, dyv: Float32Array, dxv: Float32Array, g: PoolGeometry): void {
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = g;
  const { top, left } = g.padInfo;
  dxv.fill(0);
  // Per output pixel, the window's taps in scan order with the channels innermost (contiguous in
  // NHWC): the running maximum and where it is, per channel.
  if (best.length < C) [best, where] = [new Float32Array(C), new Int32Array(C)];
  let d = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = Math.max(0, oh * strideHeight - top);
      const h1 = Math.min(H, oh * strideHeight - top + filterHeight);
      for (let ow = 0; ow < outWidth; ow++, d += C) {
        const w0 = Math.max(0, ow * strideWidth - left);
        const w1 = Math.min(W, ow * strideWidth - left + filterWidth);
        let first = true;
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const base = ((b * H + ih) * W + iw) * C;
            if (first) {
              for (let c = 0; c < C; c++) {
                best[c] = xv[base + c]!;
                where[c] = base + c;
              }
              first = false;
              continue;
            }
            for (let c = 0; c < C; c++) {
              const v = xv[base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        if (!first) for (let c = 0; c < C; c++) dxv[where[c]!]! += dyv[d + c]!;
      }
    }
  }
}

/** The pool's geometry from MaxPoolGrad's input shape and attributes. */
export function poolGeometry(tf: TF, inShape: number[], attrs: Record<string, unknown>): PoolGeometry {
  return tf.backend_util.computePool2DInfo(
    inShape as [number, number, number, number],
    attrs.filterSize as [number, number],
    attrs.strides as [number, number],
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
}

export function registerMaxPoolGrad(tf: TF, backendName: string): void {
  replaceKernel(tf, {
    kernelName: 'MaxPoolGrad',
    backendName,
    kernelFunc: (({ inputs: { dy, input }, backend, attrs }: KernelArgs) => {
      const g = poolGeometry(tf, input!.shape, attrs);
      const [xAt, dyAt] = [heapOffset(backend, input!), heapOffset(backend, dy!)];
      const dx = backend.makeOutput(input!.shape, 'float32');
      const heap = wasmHeap(backend);
      if (heap) {
        const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = g;
        const geometry = [batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, g.padInfo.top, g.padInfo.left];
        simdLoops(heap).maxPoolGrad(xAt, dyAt, heapOffset(backend, dx), ...geometry);
        return dx;
      }
      // Views of exactly each tensor: V8 indexes a view of the whole heap (gigabytes) several times slower.
      const view = (offset: number, t: TensorInfo) => new Float32Array(backend.wasm.HEAPU8.buffer, offset, t.shape.reduce((a, b) => a * b, 1));
      maxPoolGradLoop(view(xAt, input!), view(dyAt, dy!), view(heapOffset(backend, dx), dx), g);
      return dx;
    }) as never,
  });
}
